//! Long chains of edits through the server: every publication equals what a full `check` of
//! that version's text says. Exercises the fast stage (edit bases chained across many edits,
//! partial re-checks) and its fallbacks together, as typing does.

mod support;

use std::path::Path;

use analysis::{CheckOptions, FileInput, check};
use serde_json::{Value, json};
use support::{ClientSetup, TestClient, file_uri, rich_capabilities};
use syntax::LineIndex;

fn generated(n: usize) -> String {
    let mut s = String::from(
        "edition: 3.0.0\nname: gen\nvars:\n  region: cn-hangzhou\n  mem: 512\nresources:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: f{i}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: ${{vars.mem}}\n      timeout: 10\n      environmentVariables:\n        PEER: ${{resources.fn{}.props.functionName}}\n",
            (i + 3) % n
        ));
    }
    s
}

/// One random edit of a line: values changed, keys misspelt, lines added or removed, now and
/// then something that breaks the YAML or touches the top level.
fn edit(text: &str, rng: &mut fastrand::Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = rng.usize(0..lines.len());
    let indent: String = lines[n].chars().take_while(|c| *c == ' ').collect();
    match rng.u8(0..10) {
        0 | 1 => lines[n] = lines[n].replace("10", &rng.u32(0..100_000).to_string()),
        2 => lines[n] = lines[n].replace("memorySize", "memorySzie"),
        3 => lines[n] = lines[n].replace("memorySzie", "memorySize"),
        4 => lines.insert(n + 1, format!("{indent}timeout: {}", rng.u32(0..1000))),
        5 => {
            if lines.len() > 10 {
                lines.remove(n);
            }
        }
        6 => lines[n] = lines[n].replace("python3.10", "python3.1"),
        7 => lines.insert(n, format!("{indent}description: 中文😀 {}", rng.u8(..))),
        8 => lines[n] = format!("{indent}broken: [\n"),
        _ => lines[n] = lines[n].replace("vars.mem", "vars.nope"),
    }
    lines.join("\n") + "\n"
}

fn expected(path: &Path, text: &str) -> Vec<Value> {
    let analysis = check(
        &FileInput {
            path,
            text,
            workspace: path.parent(),
        },
        &lsp::FsHost,
        CheckOptions::default(),
    );
    let index = LineIndex::new(text);
    let mut out: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let s = index.utf16_line_col(d.range.start());
            let e = index.utf16_line_col(d.range.end());
            json!([s.line, s.col, e.line, e.col, d.code, d.message])
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn published(diags: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!([
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["range"]["end"]["line"],
                d["range"]["end"]["character"],
                d["code"],
                // The message without related information folded in (the client has it).
                d["message"]
            ])
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_publication_equals_the_full_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("code")).expect("code");
    let path = dir.path().join("s.yaml");
    let uri = file_uri(&path);
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        root: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let mut text = generated(40);
    client.open(&uri, &text).await;
    assert_eq!(
        published(&client.diagnostics(&uri, 1).await),
        expected(&path, &text)
    );
    let mut rng = fastrand::Rng::with_seed(7);
    for step in 0..150 {
        let next = edit(&text, &mut rng);
        text = next;
        let v = client.change(&uri, &text).await;
        let got = published(&client.diagnostics(&uri, v).await);
        assert_eq!(got, expected(&path, &text), "step {step}:\n{text}");
        // A broken line is taken back before the next edit, as a user would.
        if text.contains("broken: [") {
            text = text
                .lines()
                .filter(|l| !l.contains("broken: ["))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n";
        }
    }
    // The full analysis may still republish the last version (it never differs when the fast
    // stage was right, which the loop checked): let it finish, then leave.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    client.discard(|m| m["method"] == "textDocument/publishDiagnostics");
    client.shutdown().await;
}
