//! Remote drift in the editor, end to end: an in-process emulator plays the cloud (`sdls.remote`
//! points at it, its credentials come through the server's environment snapshot, `HOME` is a
//! temp folder: D18), functions are put "as deployed" with `ops::seed`, user B's console
//! changes go through sdls's FC client, and the server is driven over the real transport. Every
//! status of the drift table is asserted as a code lens title; then `sdls/driftStatus`, the
//! `remote-drift` diagnostic, hover, `sdls.showDrift`, and that an edit re-reads nothing.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use support::remote::*;
use support::{ClientSetup, TestClient, file_uri};

const NAMES: [&str; 7] = [
    "in-sync",
    "local-changes",
    "remote-drift",
    "conflict",
    "untracked",
    "not-deployed",
    "deleted-remotely",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_as_a_code_lens_with_status_diagnostic_hover_and_diff() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&NAMES);
    let console = fc_client(&emu.url);
    for f in functions(&dir, &text) {
        if f.function_name == "not-deployed" {
            continue;
        }
        ops::seed::create(&console, &f, &ctx()).await.expect("seed");
        if f.function_name != "untracked" {
            ops::seed::record_baseline(&console, &f, &dir, emulator::DEFAULT_ACCOUNT_ID)
                .await
                .expect("baseline");
        }
    }
    // User B's console: memory of remote-drift and conflict, deletes deleted-remotely.
    let memory = |m| fc::types::Function {
        memory_size: Some(m),
        ..fc::types::Function::default()
    };
    for name in ["remote-drift", "conflict"] {
        console
            .update_function(name, &memory(1024))
            .await
            .expect("console change");
    }
    console
        .delete_function("deleted-remotely")
        .await
        .expect("delete");

    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = file_uri(&dir.join("s.yaml"));
    client.open(&uri, &text).await;
    // The file's own edits: timeout of local-changes and conflict, memory of untracked.
    let edited = edit(&text, "local-changes", "timeout", "10", "30");
    let edited = edit(&edited, "conflict", "timeout", "10", "30");
    let edited = edit(&edited, "untracked", "memorySize", "512", "2048");
    client.change(&uri, &edited).await;

    let summary = refresh(&mut client, &uri, "refresh-1").await;
    assert!(summary.starts_with("read 7 functions: "), "{summary}");
    let titles = read_lenses(&mut client, &uri).await;
    let expected: HashMap<String, String> = [
        ("in-sync", "✓ in sync"),
        ("local-changes", "✎ local changes: timeout 10→30"),
        (
            "remote-drift",
            "⚠ changed remotely since your last deploy: memorySize 512→1024",
        ),
        (
            "conflict",
            "⚠ conflict: changed in the file and remotely: memorySize 512→1024, timeout 10→30",
        ),
        (
            "untracked",
            "⚠ exists remotely, not deployed from here: memorySize 512→2048",
        ),
        ("not-deployed", "● not deployed"),
        (
            "deleted-remotely",
            "⚠ deleted remotely since your last deploy",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut conflict_sorted = titles.clone();
    // The order of a conflict's fields is the engine's: compare the set.
    if let Some(t) = conflict_sorted.get_mut("conflict") {
        let (head, fields) = t
            .split_once(": changed in the file and remotely: ")
            .expect("conflict");
        let mut parts: Vec<&str> = fields.split(", ").collect();
        parts.sort();
        *t = format!(
            "{head}: changed in the file and remotely: {}",
            parts.join(", ")
        );
    }
    assert_eq!(conflict_sorted, expected, "{titles:#?}");
    // The client advertised codeLens refresh: reads landing ask for it (coalesced, spawned).
    let deadline = tokio::time::Instant::now() + support::WAIT;
    while client
        .lens_refreshes
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no workspace/codeLens/refresh after reads landed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // sdls/driftStatus: the same statuses, with ranges, nothing pending.
    let status = client
        .request("sdls/driftStatus", json!({"textDocument": {"uri": uri}}))
        .await;
    let doc = &status["documents"][0];
    assert_eq!(doc["uri"], uri);
    assert_eq!(doc["remote"], emu.url.trim_end_matches('/'));
    let functions = doc["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 7);
    for f in functions {
        assert_eq!(f["pending"], false, "{f}");
        assert_eq!(f["status"], f["resource"], "{f}");
        assert_eq!(
            f["range"]["start"]["line"],
            edited[..edited
                .find(&format!("  {}:\n", f["resource"].as_str().expect("name")))
                .expect("key")]
                .matches('\n')
                .count(),
            "{f}"
        );
    }
    let drift_row = functions
        .iter()
        .find(|f| f["resource"] == "remote-drift")
        .expect("remote-drift");
    assert_eq!(
        drift_row["fields"],
        json!([{"path": "memorySize", "local": 512, "baseline": 512, "remote": 1024, "change": "remote"}])
    );
    // All open documents when no document is named.
    let all = client.request("sdls/driftStatus", json!({})).await;
    assert_eq!(all["documents"].as_array().map(Vec::len), Some(1));

    // The remote-drift diagnostic, on remote-drift's memorySize value.
    let memory_line = line_of(&edited, "remote-drift", "memorySize");
    // Publications follow the reads as they land; the one with all four drift diagnostics
    // (remote-drift, conflict's memory, untracked's memory, deleted-remotely) comes last.
    let published = client
        .expect("remote-drift diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().filter(|d| d["code"] == "remote-drift").count() == 4)
        })
        .await;
    let diags = published["params"]["diagnostics"]
        .as_array()
        .expect("diags");
    let on_line: Vec<&Value> = diags
        .iter()
        .filter(|d| d["range"]["start"]["line"] == memory_line)
        .collect();
    assert_eq!(on_line.len(), 1, "{diags:#?}");
    assert_eq!(on_line[0]["severity"], 3);
    assert_eq!(on_line[0]["source"], "sdls");
    assert_eq!(
        on_line[0]["message"],
        "memorySize changed remotely since your last deploy: last deployed 512, live 1024, file 512"
    );
    assert_eq!(published["params"]["version"], 2);
    // Conflict (memory changed remotely) and untracked (differs) get theirs too; local edits none.
    let codes: Vec<String> = diags
        .iter()
        .filter(|d| d["code"] == "remote-drift")
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        codes
            .iter()
            .any(|m| m.starts_with("memorySize differs from the live function")),
        "{codes:#?}"
    );
    assert!(
        codes.iter().any(|m| m.contains("deleted remotely")),
        "{codes:#?}"
    );
    assert!(
        !codes.iter().any(|m| m.starts_with("timeout")),
        "{codes:#?}"
    );

    // Hover on the drifted field.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": memory_line, "character": 20}}),
        )
        .await;
    let markdown = hover["contents"]["value"].as_str().expect("hover");
    assert!(markdown.contains("**Drift** (remote-drift)"), "{markdown}");
    assert!(markdown.contains("- local: `512`"), "{markdown}");
    assert!(markdown.contains("- last deployed: `512`"), "{markdown}");
    assert!(markdown.contains("- live: `1024`"), "{markdown}");

    // The diff.
    let shown = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.showDrift", "arguments": [uri, "remote-drift"]}),
        )
        .await;
    let diff = shown["text"].as_str().expect("text");
    assert!(diff.contains("--- live (remote)"), "{diff}");
    assert!(diff.contains("+++ s.yaml (local)"), "{diff}");
    assert!(diff.contains("\n-memorySize: 1024\n"), "{diff}");
    assert!(diff.contains("\n+memorySize: 512\n"), "{diff}");
    assert!(
        shown["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Drift of remote-drift (remote-drift): remote-drift")),
        "{shown}"
    );
    let diff_uri = shown["uri"].as_str().expect("written for showDocument");
    let show = client
        .expect("window/showDocument", |m| {
            m["method"] == "window/showDocument"
        })
        .await;
    assert_eq!(show["params"]["uri"], diff_uri);
    let path = diff_uri.strip_prefix("file://").expect("file uri");
    assert_eq!(std::fs::read_to_string(path).expect("diff file"), diff);

    // Editing one function's value reads nothing again (fresh reads, same cache keys).
    let before = emu.get_function_calls();
    let retyped = edit(&edited, "in-sync", "timeout", "10", "20");
    client.change(&uri, &retyped).await;
    let titles = lenses(&mut client, &uri).await;
    assert_eq!(titles["in-sync"], "✎ local changes: timeout 10→20");
    assert_eq!(titles["remote-drift"], expected["remote-drift"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        emu.get_function_calls(),
        before,
        "an edit re-read functions"
    );

    client
        .settle_and_discard(Duration::from_millis(300), |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_the_lens_says_why_and_reads_in_the_background() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["hello"]);
    let mut client = start(&dir, &emu.url, home.path(), false).await;
    let uri = file_uri(&dir.join("s.yaml"));
    client.open(&uri, &text).await;
    // No refresh command: the background reader fills the cache by itself.
    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(titles["hello"], "? remote unknown: no credentials");
    let status = client.request("sdls/driftStatus", Value::Null).await;
    let f = &status["documents"][0]["functions"][0];
    assert_eq!(f["status"], "unknown");
    assert!(
        f["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("no credentials")),
        "{f}"
    );
    assert_eq!(emu.get_function_calls(), 0);
    client
        .settle_and_discard(Duration::from_millis(200), |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_settings_turn_lenses_and_diagnostics_off() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["hello"]);
    let console = fc_client(&emu.url);
    let f = functions(&dir, &text).remove(0);
    ops::seed::create(&console, &f, &ctx()).await.expect("seed");
    ops::seed::record_baseline(&console, &f, &dir, emulator::DEFAULT_ACCOUNT_ID)
        .await
        .expect("baseline");
    console
        .update_function(
            "hello",
            &fc::types::Function {
                timeout: Some(99),
                ..fc::types::Function::default()
            },
        )
        .await
        .expect("console change");
    let mut client = TestClient::start(ClientSetup {
        capabilities: capabilities(),
        root: Some(dir.clone()),
        initialization_options: Some(
            json!({"sdls": {"remote": emu.url, "drift": {"diagnostics": false}}}),
        ),
        options: Some(server_options(home.path(), true)),
        ..Default::default()
    })
    .await;
    let uri = file_uri(&dir.join("s.yaml"));
    client.open(&uri, &text).await;
    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(
        titles["hello"],
        "⚠ changed remotely since your last deploy: timeout 10→99"
    );
    // Diagnostics off: whatever was published carries no remote-drift.
    client
        .settle_and_discard(Duration::from_millis(300), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && !m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d["code"] == "remote-drift"))
        })
        .await;
    // Drift off: no lenses at all.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"sdls": {"remote": emu.url, "drift": {"enable": false}}}}),
        )
        .await;
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    // Only "Show resolved" stays: it is not about the remote.
    let commands: Vec<&str> = lenses
        .as_array()
        .expect("lenses")
        .iter()
        .filter_map(|l| l["command"]["command"].as_str())
        .collect();
    assert_eq!(commands, ["sdls.showResolved"], "{lenses}");
    client
        .settle_and_discard(Duration::from_millis(300), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && !m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d["code"] == "remote-drift"))
        })
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_file_gets_read_only_drift_lenses_and_diagnostics() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = format!(
        "edition: 1.0.0\nname: legacy\nservices:\n  svc:\n    component: fc\n    props:\n      region: {REGION}\n      service:\n        name: mysvc\n      function:\n        name: hello\n        runtime: python3.10\n        handler: index.handler\n        codeUri: ./code\n        memorySize: 512\n        timeout: 10\n"
    );
    let console = fc_client(&emu.url);
    let f = functions(&dir, &text).remove(0);
    assert_eq!(f.function_name, "mysvc$hello");
    ops::seed::create(&console, &f, &ctx()).await.expect("seed");
    ops::seed::record_baseline(&console, &f, &dir, emulator::DEFAULT_ACCOUNT_ID)
        .await
        .expect("baseline");
    console
        .update_function(
            "mysvc$hello",
            &fc::types::Function {
                memory_size: Some(1024),
                ..fc::types::Function::default()
            },
        )
        .await
        .expect("console change");
    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = file_uri(&dir.join("s.yaml"));
    client.open(&uri, &text).await;
    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(
        titles["svc"],
        "⚠ changed remotely since your last deploy: memorySize 512→1024"
    );
    // The diagnostic sits on `function.memorySize`'s value.
    let line = text[..text.find("memorySize: 512").expect("memory")]
        .matches('\n')
        .count() as u64;
    client
        .expect("legacy remote-drift diagnostic", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["diagnostics"].as_array().is_some_and(|d| {
                    d.iter()
                        .any(|d| d["code"] == "remote-drift" && d["range"]["start"]["line"] == line)
                })
        })
        .await;
    client
        .settle_and_discard(Duration::from_millis(300), |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await;
    client.shutdown().await;
}
