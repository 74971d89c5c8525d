//! Persistence: a new emulator on the same data directory finds every function, version, alias,
//! trigger, config, domain and code blob the previous one stored; the state file is valid JSON;
//! a corrupt state file stops the start with a clear error instead of being overwritten.

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req, zip_of};
use serde_json::json;

#[tokio::test]
async fn state_survives_a_restart() {
    let emu = Emu::start().await;
    let created = emu.create_python("keep").await;
    emu.post("/functions/keep/versions", &json!({"description": "v1"}))
        .await;
    emu.post(
        "/functions/keep/aliases",
        &json!({"aliasName": "prod", "versionId": "1"}),
    )
    .await;
    emu.post("/functions/keep/triggers", &json!({"triggerName": "web", "triggerType": "http", "triggerConfig": "{\"authType\":\"anonymous\"}"}))
        .await;
    emu.put(
        "/functions/keep/async-invoke-config",
        &json!({"maxAsyncRetryAttempts": 2}),
    )
    .await;
    emu.put(
        "/functions/keep/concurrency",
        &json!({"reservedConcurrency": 3}),
    )
    .await;
    emu.post(
        "/custom-domains",
        &json!({"domainName": "keep.example.com"}),
    )
    .await;
    emu.send(
        Req::new("POST", "/functions")
            .json(&api_common::python_function("sh"))
            .host("fcv3.cn-shanghai.aliyuncs.com"),
    )
    .await;
    let dir = emu.dir.clone();
    let temp = emu.stop().await;

    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
    assert!(state["regions"]["cn-hangzhou"]["functions"]["keep"].is_object());
    assert!(std::fs::read_dir(dir.join("code")).unwrap().count() >= 1);
    assert!(dir.join("requests.jsonl").exists());

    let emu = Emu::start_in(&dir, |_| {}).await;
    let got = emu.get("/functions/keep").await.json();
    assert_eq!(got["functionId"], created["functionId"]);
    assert_eq!(got["codeChecksum"], created["codeChecksum"]);
    assert_eq!(
        emu.get("/functions/keep/aliases/prod").await.json()["versionId"],
        "1"
    );
    assert_eq!(
        emu.get("/functions/keep/versions").await.json()["versions"][0]["description"],
        "v1"
    );
    assert_eq!(emu.get("/functions/keep/triggers/web").await.status, 200);
    assert_eq!(
        emu.get("/functions/keep/async-invoke-config").await.json()["maxAsyncRetryAttempts"],
        2
    );
    assert_eq!(
        emu.get("/functions/keep/concurrency").await.json()["reservedConcurrency"],
        3
    );
    assert_eq!(
        emu.get("/custom-domains/keep.example.com").await.status,
        200
    );
    assert_eq!(
        emu.send(Req::new("GET", "/functions/sh").host("fcv3.cn-shanghai.aliyuncs.com"))
            .await
            .status,
        200
    );
    // The code blob is served after the restart.
    let url = emu.get("/functions/keep/code").await.json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let zip = emu
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        fc::crc64::checksum_decimal(&zip),
        created["codeChecksum"].as_str().unwrap()
    );
    // Version ids continue after the restart.
    assert_eq!(
        emu.post("/functions/keep/versions", &json!({}))
            .await
            .json()["versionId"],
        "2"
    );
    emu.stop().await;
    drop(temp);
}

#[tokio::test]
async fn reset_empties_the_state() {
    let emu = Emu::start().await;
    emu.create_python("gone").await;
    let (_, b64) = zip_of(&[("a.py", "x")]);
    assert!(!b64.is_empty());
    emu.control("POST", "reset", Some(&json!({}))).await;
    emu.get("/functions/gone")
        .await
        .assert_error(404, "FunctionNotFound");
    let log = emu.control("GET", "requests", None).await;
    assert_eq!(
        log["requests"].as_array().unwrap().len(),
        1,
        "only the GetFunction after the reset"
    );
    emu.stop().await;
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), b"{\"format\":1,\"regions\":").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = emulator::serve(
        listener,
        emulator::Config::new(dir.path()),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("state.json"), "{err}");
    // The file was not overwritten.
    assert_eq!(
        std::fs::read(dir.path().join("state.json")).unwrap(),
        b"{\"format\":1,\"regions\":"
    );
}

#[tokio::test]
async fn idle_timeout_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = emulator::Config::new(dir.path());
    config.idle_timeout = Some(std::time::Duration::from_millis(300));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        emulator::serve(listener, config, tokio_util::sync::CancellationToken::new()),
    )
    .await
    .expect("stopped by itself")
    .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}
