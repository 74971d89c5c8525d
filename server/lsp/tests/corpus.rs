//! False errors on `${...}` values, counted the way a user sees them: every corpus file opened
//! in the server, every published error whose range touches a magic-variable expression. Zero,
//! except the corpus files whose `${...}` really are errors (D1: unrendered placeholders).

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{ClientSetup, TestClient, file_uri, rich_capabilities};

/// D1: `${functionName}`-style placeholders that `s` itself rejects.
const REAL_ERRORS: &[&str] = &["devsapp__fc3____tests____complete-props.yaml"];

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// `${...}` spans as (line, start column, end column) in UTF-16 units, single-line only.
fn expressions(text: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line[from..].find("${") {
            let start = from + at;
            let end = line[start..]
                .find('}')
                .map_or(line.len(), |e| start + e + 1);
            let col = |b: usize| line[..b].encode_utf16().count();
            out.push((n, col(start), col(end)));
            from = end.max(start + 2);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_errors_on_magic_variables() {
    let files = corpus();
    assert!(files.len() >= 57);
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        ..Default::default()
    })
    .await;
    let mut false_errors = Vec::new();
    let mut with_expressions = 0;
    let mut real_errors_seen = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("utf-8");
        // D6: editor tests open corpus files as `s.yaml` (some only get their `edition` from an
        // `extend` base); the same folder keeps their relative paths working.
        let uri = file_uri(&path.with_file_name("s.yaml"));
        client.open(&uri, &text).await;
        let diagnostics = client.diagnostics(&uri, 1).await;
        let spans = expressions(&text);
        if !spans.is_empty() {
            with_expressions += 1;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for d in &diagnostics {
            if d["severity"] != 1 {
                continue;
            }
            let (line, start, end) = (
                d["range"]["start"]["line"].as_u64().unwrap_or(0) as usize,
                d["range"]["start"]["character"].as_u64().unwrap_or(0) as usize,
                d["range"]["end"]["character"].as_u64().unwrap_or(0) as usize,
            );
            if spans
                .iter()
                .any(|&(l, s, e)| l == line && start < e.max(s + 1) && end.max(start + 1) > s)
            {
                if REAL_ERRORS.contains(&name) {
                    real_errors_seen += 1;
                } else {
                    false_errors.push(format!("{name}: {}", d["message"]));
                }
            }
        }
        client
            .notify(
                "textDocument/didClose",
                serde_json::json!({"textDocument": {"uri": uri}}),
            )
            .await;
        // Closing clears the file's diagnostics.
        let cleared = client
            .expect("cleared diagnostics", |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
            })
            .await;
        assert_eq!(cleared["params"]["diagnostics"], Value::Array(vec![]));
    }
    assert!(
        with_expressions >= 40,
        "{with_expressions} files use `${{...}}`"
    );
    // The counter itself works: the placeholders of D1 are errors on `${...}`.
    assert!(
        real_errors_seen > 0,
        "no error found on D1's `${{...}}` placeholders"
    );
    assert!(
        false_errors.is_empty(),
        "false errors on `${{...}}`: {false_errors:#?}"
    );
    client.shutdown().await;
}
