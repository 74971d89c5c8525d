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
