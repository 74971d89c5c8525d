//! Rule 5 of crates.md §1.2, on the real transport at the production concurrency level: the
//! server's text and version follow the client's through bursts of changes, published
//! diagnostics never go backwards and carry the last version, and client round trips never
//! wedge the server.

mod support;

use serde_json::json;
use support::{ClientSetup, TestClient, rich_capabilities};

fn text_for(i: usize) -> String {
    format!(
        "edition: 3.0.0\nname: app\nresources:\n  hello:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: f{i}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: {}\n",
        // Every third version has an error, so diagnostics really change along the burst.
        if i.is_multiple_of(3) {
            "abc".to_string()
        } else {
            "512".to_string()
        }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_changes_keep_text_and_version() {
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        ..Default::default()
    })
    .await;
    let uri = "file:///ordering/s.yaml";
    client.open(uri, &text_for(0)).await;
    let mut last = 1;
    for i in 1..=500 {
        last = client.change(uri, &text_for(i)).await;
    }
    assert_eq!(last, 501);
    let state = client
        .request("sdls/documentState", json!({"uri": uri}))
        .await;
    assert_eq!(state["version"], 501);
    assert_eq!(state["text"], text_for(500));
    assert_eq!(state["staleChangesDropped"], 0);

    // Every publication for the uri up to v501, in non-decreasing version order.
    let published = client.diagnostics_for(uri, 501).await;
    let versions: Vec<i64> = published
        .iter()
        .map(|m| m["params"]["version"].as_i64().expect("version-stamped"))
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] <= w[1]),
        "versions went backwards: {versions:?}"
    );
    // v501 = text_for(500): 500 % 3 != 0, so no error; the hover of the final text works too.
    let last_diags = published.last().expect("some")["params"]["diagnostics"].clone();
    assert_eq!(last_diags, json!([]), "{last_diags}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_and_reordered_changes_are_dropped() {
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        ..Default::default()
    })
    .await;
    let uri = "file:///ordering/s.yaml";
    client.open(uri, &text_for(1)).await;
    client.diagnostics(uri, 1).await;
    // v3 arrives before v2: v2 is older than what the server holds and must not win.
    for (version, i) in [(3, 3), (2, 2)] {
        client
            .notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text_for(i)}]}),
            )
            .await;
    }
    let state = client
        .request("sdls/documentState", json!({"uri": uri}))
        .await;
    assert_eq!(state["version"], 3);
    assert_eq!(state["text"], text_for(3));
    assert_eq!(state["staleChangesDropped"], 1);
    let diags = client.diagnostics(uri, 3).await;
    assert_eq!(diags.len(), 1, "{diags:?}");
    client.shutdown().await;
}

/// Server → client requests (here `workspace/configuration`, one per settings change) mixed
/// with a burst of 150 changes: the server keeps answering (no handler waits on the client).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_never_wedge_the_server() {
    let mut caps = rich_capabilities();
    caps["workspace"]["configuration"] = json!(true);
    let mut client = TestClient::start(ClientSetup {
        capabilities: caps,
        settings: json!({"diagnostics": {"debounceMs": 0}}),
        ..Default::default()
    })
    .await;
    let uri = "file:///ordering/s.yaml";
    client.open(uri, &text_for(1)).await;
    for i in 0..200 {
        if i % 4 == 0 {
            // Not our section: the server pulls it with `workspace/configuration`.
            client
                .notify(
                    "workspace/didChangeConfiguration",
                    json!({"settings": {"other": i}}),
                )
                .await;
        } else {
            client.change(uri, &text_for(i)).await;
        }
    }
    let version = client.versions[uri];
    let hover = client
        .request_raw(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
    // 1 pull after `initialized` + 50 after the settings changes.
    for _ in 0..51 {
        client
            .expect("workspace/configuration", |m| {
                m["method"] == "workspace/configuration"
            })
            .await;
    }
    client.diagnostics_for(uri, version).await;
    client.shutdown().await;
}

fn progress_of(m: &serde_json::Value, kind: &str) -> bool {
    m["method"] == "$/progress" && m["params"]["value"]["kind"] == kind
}

/// A job reports begin → report → end through `$/progress`, and publishes what it found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_progress_begins_reports_and_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for (path, text) in [
        ("a/s.yaml", text_for(1).replace("memorySize", "memorySzie")),
        ("b/s-prod.yml", text_for(2)),
        ("node_modules/x/s.yaml", text_for(3)),
        (".s/s.yaml", text_for(3)),
        ("c/compose.yaml", "services:\n  web: {}\n".to_string()),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        root: Some(root.to_path_buf()),
        ..Default::default()
    })
    .await;
    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.checkWorkspace", "arguments": []}),
        )
        .await;
    assert_eq!(result, serde_json::Value::Null, "returns at once");
    let create = client
        .expect("progress create", |m| {
            m["method"] == "window/workDoneProgress/create"
        })
        .await;
    let token = create["params"]["token"].clone();
    let begin = client.expect("begin", |m| progress_of(m, "begin")).await;
    assert_eq!(begin["params"]["token"], token);
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    for _ in 0..2 {
        client.expect("report", |m| progress_of(m, "report")).await;
    }
    let typo = support::file_uri(&root.join("a/s.yaml"));
    let published = client
        .expect("diagnostics of a closed file", |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await;
    assert_eq!(published["params"]["uri"], typo);
    assert_eq!(
        published["params"]["diagnostics"][0]["code"],
        "unknown-property"
    );
    let end = client.expect("end", |m| progress_of(m, "end")).await;
    assert_eq!(
        end["params"]["value"]["message"],
        "checked 2 s.yaml files not open in the editor: 0 errors, 1 warning"
    );
    client.shutdown().await;
}

/// `window/workDoneProgress/cancel` reaches the job (it is not a trait method: registered as a
/// custom one) and the progress still ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_cancel_ends_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..1500 {
        let p = dir.path().join(format!("f{i}/s.yaml"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text_for(1)).expect("write");
    }
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        root: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.checkWorkspace", "workDoneToken": "tok-1"}),
        )
        .await;
    // The client's own token: no create round trip.
    client.expect("begin", |m| progress_of(m, "begin")).await;
    client.expect("report", |m| progress_of(m, "report")).await;
    client
        .notify("window/workDoneProgress/cancel", json!({"token": "tok-1"}))
        .await;
    let end = client.expect("end", |m| progress_of(m, "end")).await;
    let message = end["params"]["value"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("workspace check cancelled after"),
        "{message}"
    );
    client.discard(|m| progress_of(m, "report"));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_command_is_an_error() {
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        ..Default::default()
    })
    .await;
    let response = client
        .request_raw("workspace/executeCommand", json!({"command": "sdls.nope"}))
        .await;
    let message = response["error"]["message"].as_str().expect("an error");
    assert!(message.contains("sdls.checkWorkspace"), "{message}");
    client.shutdown().await;
}
