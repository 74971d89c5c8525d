//! "Show resolved" end to end: `sdls.showResolved [uri]` writes the document as `s preview`
//! resolves it to a temporary file, asks the editor to show it (`window/showDocument`), and
//! writes it again after the user's edit.
#![cfg(test)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{ClientSetup, TestClient, file_uri, rich_capabilities};

const APP: &str = "edition: 3.0.0
name: app
vars:
  region: cn-hangzhou
resources:
  api:
    component: fc3
    props:
      region: ${vars.region}
      functionName: api
      environmentVariables:
        DB_URL: ${resources.db.output.url}
        DB_PASSWORD: hunter2
  db:
    component: fc3
    props:
      region: ${vars.region}
      functionName: db
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_resolved_opens_the_resolved_yaml_and_follows_edits() {
    let dir = tempfile::tempdir().expect("project");
    let root = dir.path().canonicalize().expect("canonical");
    let mut caps = rich_capabilities();
    caps["window"]["showDocument"] = json!({"support": true});
    let mut client = TestClient::start(ClientSetup {
        capabilities: caps,
        root: Some(root.clone()),
        initialization_options: Some(json!({"sdls": {"drift": {"enable": false}}})),
        ..Default::default()
    })
    .await;
    let uri = file_uri(&root.join("s.yaml"));
    client.open(&uri, APP).await;

    // The lens on `edition:` runs the command (drift lenses may follow it).
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let first = &lenses[0];
    assert_eq!(first["command"]["title"], "Show resolved", "{lenses}");
    assert_eq!(first["command"]["command"], "sdls.showResolved");
    assert_eq!(first["command"]["arguments"], json!([uri]));
    assert_eq!(first["range"]["start"]["line"], 0, "{first}");

    let shown = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.showResolved", "arguments": [uri]}),
        )
        .await;
    let text = shown["text"].as_str().expect("text").to_string();
    // Run order: db first (api uses its output); run-time values commented; secrets masked.
    let db = text.find("\n  db:").expect("db step");
    let api = text.find("\n  api:").expect("api step");
    assert!(db < api, "{text}");
    assert!(
        text.contains(
            "DB_URL: ${resources.db.output.url} # known only when s runs: known only after the resource runs\n"
        ),
        "{text}"
    );
    assert!(text.contains("region: cn-hangzhou\n"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let file_uri = shown["uri"].as_str().expect("written for showDocument");
    let show = client
        .expect("window/showDocument", |m| {
            m["method"] == "window/showDocument"
        })
        .await;
    assert_eq!(show["params"]["uri"], file_uri);
    let path = file_uri
        .strip_prefix("file://")
        .expect("file uri")
        .to_string();
    assert_eq!(std::fs::read_to_string(&path).expect("resolved file"), text);

    // The user edits the region variable: the shown file follows.
    let edited = APP.replace("region: cn-hangzhou", "region: cn-shanghai");
    client.change(&uri, &edited).await;
    let deadline = tokio::time::Instant::now() + support::WAIT;
    let updated = loop {
        let now = std::fs::read_to_string(&path).expect("resolved file");
        if now.contains("region: cn-shanghai") {
            break now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the resolved file was not updated after the edit:\n{now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!updated.contains("cn-hangzhou"), "{updated}");
    assert!(updated.contains("(document version 2)"), "{updated}");

    // Not an s.yaml: an error, nothing shown.
    let other = file_uri_of(&root, "other.yaml");
    client.open(&other, "a: 1\n").await;
    let err = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "sdls.showResolved", "arguments": [other]}),
        )
        .await;
    assert!(err.get("error").is_some(), "{err}");

    client
        .settle_and_discard(Duration::from_millis(300), |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" || m["method"] == "window/logMessage"
        })
        .await;
    client.shutdown().await;
}

fn file_uri_of(root: &std::path::Path, name: &str) -> String {
    file_uri(&root.join(name))
}
