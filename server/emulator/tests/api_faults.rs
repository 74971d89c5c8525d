//! Fault injection and the request log: error rate 1.0 answers every call 503/429 (429 with
//! `x-acs-retry-after`), latency adds at least the configured delay, dropped connections get no
//! answer, the control endpoint changes faults at run time, and the log keeps bodies with code
//! replaced by size and CRC (D21).

#![cfg(test)]

mod api_common;

use std::time::{Duration, Instant};

use api_common::{Emu, Req, python_function, zip_of};
use emulator::FaultConfig;
use serde_json::json;

#[tokio::test]
async fn error_rate_one_fails_every_call() {
    let emu = Emu::start_with(|c| {
        c.faults = FaultConfig {
            error_rate: 1.0,
            retry_after_ms: 1500,
            ..FaultConfig::default()
        };
        c.seed = Some(1);
    })
    .await;
    let mut statuses = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let r = emu.get("/functions").await;
        match r.status {
            503 => {
                r.assert_error(503, "ServiceUnavailable");
            }
            429 => {
                r.assert_error(429, "TooManyRequests");
                assert_eq!(r.header("x-acs-retry-after").as_deref(), Some("1500"));
            }
            other => panic!("unexpected status {other}"),
        }
        statuses.insert(r.status);
    }
    assert_eq!(statuses.into_iter().collect::<Vec<_>>(), [429, 503]);
    // Even unsigned calls fail (the outage comes first); control endpoints never fail.
    let mut unsigned = Req::new("GET", "/functions");
    unsigned.sign = false;
    assert!(matches!(emu.send(unsigned).await.status, 429 | 503));
    let faults = emu.control("GET", "faults", None).await;
    assert_eq!(faults["errorRate"], 1.0);

    // Switch the outage off at run time.
    emu.control("POST", "faults", Some(&json!({}))).await;
    assert_eq!(emu.get("/functions").await.status, 200);

    // Only some operations; only 429.
    emu.control(
        "POST",
        "faults",
        Some(&json!({"errorRate": 1, "errorStatuses": [429], "operations": ["GetFunction"]})),
    )
    .await;
    assert_eq!(emu.get("/functions").await.status, 200);
    emu.get("/functions/x")
        .await
        .assert_error(429, "TooManyRequests");
    // Bad configurations are refused.
    let r = emu
        .client
        .post(emu.url("/__emulator/faults"))
        .json(&json!({"errorRate": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = emu
        .client
        .post(emu.url("/__emulator/faults"))
        .json(&json!({"nope": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    emu.stop().await;
}

#[tokio::test]
async fn latency_and_dropped_connections() {
    let emu = Emu::start_with(|c| c.faults.latency_ms = 150).await;
    let start = Instant::now();
    assert_eq!(emu.get("/functions").await.status, 200);
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );

    emu.control(
        "POST",
        "faults",
        Some(&json!({"latencyMs": 50, "latencyMaxMs": 80})),
    )
    .await;
    for _ in 0..3 {
        let start = Instant::now();
        emu.get("/functions").await;
        assert!(start.elapsed() >= Duration::from_millis(50));
    }

    emu.control("POST", "faults", Some(&json!({"dropRate": 1.0})))
        .await;
    let result = emu
        .client
        .get(emu.url("/2023-03-30/functions"))
        .send()
        .await;
    assert!(
        result.is_err(),
        "the connection is dropped without an answer: {result:?}"
    );
    emu.control("POST", "faults", Some(&json!({}))).await;
    assert_eq!(emu.get("/functions").await.status, 200);
    let log = emu.control("GET", "requests", None).await;
    assert!(
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["fault"] == "drop")
    );
    emu.stop().await;
}

#[tokio::test]
async fn request_log_replaces_code_by_size_and_crc() {
    let emu = Emu::start().await;
    let (zip, b64) = zip_of(&[("index.py", "def handler(e, c):\n    return e\n")]);
    let mut body = python_function("logged");
    body["code"] = json!({"zipFile": b64});
    assert_eq!(emu.post("/functions", &body).await.status, 200);
    emu.put("/functions/logged", &json!({"memorySize": 1024}))
        .await;
    emu.post("/functions/logged/versions", &json!({})).await;
    emu.post(
        "/functions/logged/aliases",
        &json!({"aliasName": "prod", "versionId": "1"}),
    )
    .await;
    emu.send(
        Req::new("GET", "/functions/logged")
            .query("qualifier", "prod")
            .action("GetFunction"),
    )
    .await;

    let log = emu.control("GET", "requests", None).await;
    let entries = log["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let create = &entries[0];
    assert_eq!(
        (
            &create["method"],
            &create["path"],
            &create["operation"],
            &create["status"]
        ),
        (
            &json!("POST"),
            &json!("/2023-03-30/functions"),
            &json!("CreateFunction"),
            &json!(200)
        )
    );
    assert_eq!(
        create["body"]["code"],
        json!({"size": zip.len(), "crc": fc::crc64::checksum_decimal(&zip)})
    );
    assert_eq!(create["body"]["functionName"], "logged");
    assert!(create["bodySha256"].is_string() && create["requestId"].is_string());
    assert!(
        !create.to_string().contains(&b64),
        "the Base64 code is not logged"
    );
    let update = &entries[1];
    assert_eq!(update["body"], json!({"memorySize": 1024}));
    assert!(update["body"].get("code").is_none(), "no code sent");
    let get = &entries[4];
    assert_eq!(
        (
            &get["qualifier"],
            &get["action"],
            &get["query"]["qualifier"]
        ),
        (&json!("prod"), &json!("GetFunction"), &json!("prod"))
    );
    // `since` filters; the file has one line per entry.
    let since = emu.control("GET", "requests?since=4", None).await;
    assert_eq!(since["requests"].as_array().unwrap().len(), 1);
    let file = std::fs::read_to_string(emu.dir.join("requests.jsonl")).unwrap();
    assert_eq!(file.lines().count(), 5);
    for line in file.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    emu.stop().await;
}
