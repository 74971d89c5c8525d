//! The server end to end on the real transport: what an editor sees for each feature. Each
//! test consumes every message the server sends (the client fails on leftovers).

mod support;

use serde_json::{Value, json};
use support::{ClientSetup, TestClient, apply_edits, file_uri, rich_capabilities};

const APP: &str = "edition: 3.0.0
name: app
vars:
  region: cn-hangzhou
resources:
  hello:
    component: fc3
    props:
      region: ${vars.region}
      functionName: hello
      runtime: python3.10
      handler: index.handler
      code: ./code
      memorySzie: 512
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: [GET]
";

fn workspace() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("code")).expect("code dir");
    std::fs::write(
        dir.path().join("code/index.py"),
        "def handler(e, c):\n  return 'ok'\n",
    )
    .expect("code");
    let uri = file_uri(&dir.path().join("s.yaml"));
    (dir, uri)
}

fn pos(text: &str, needle: &str) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let line = text[..offset].matches('\n').count();
    let col: usize = text[..offset]
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

async fn start(root: &std::path::Path) -> TestClient {
    TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        root: Some(root.to_path_buf()),
        ..Default::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typo_diagnostic_quick_fix_and_clear() {
    let (dir, uri) = workspace();
    let mut client = start(dir.path()).await;
    client.open(&uri, APP).await;
    let diags = client.diagnostics(&uri, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], "unknown-property");
    assert_eq!(d["severity"], 2);
    assert_eq!(d["source"], "sdls");
    assert_eq!(d["range"]["start"], pos(APP, "memorySzie"));

    // Neovim-style request: a zero-width cursor range, the diagnostic echoed with garbage
    // columns. The fix must come from the server's own diagnostic.
    let mut echoed = d.clone();
    echoed["range"]["start"]["character"] = json!(99);
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": pos(APP, "512"), "end": pos(APP, "512")},
                "context": {"diagnostics": [echoed]}
            }),
        )
        .await;
    let fix = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .expect("a quick fix");
    assert_eq!(fix["title"], "Rename to `memorySize`");
    assert_eq!(fix["isPreferred"], true);
    let change = &fix["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 1, "tied to the version");
    let edits = change["edits"].as_array().expect("edits");
    let fixed = apply_edits(APP, edits);
    assert!(fixed.contains("      memorySize: 512\n"), "{fixed}");
    let v = client.change(&uri, &fixed).await;
    assert_eq!(client.diagnostics(&uri, v).await, Vec::<Value>::new());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_completion_symbols_definition() {
    let (dir, uri) = workspace();
    let mut client = start(dir.path()).await;
    client.open(&uri, APP).await;
    client.diagnostics(&uri, 1).await;

    // Hover on a key: the schema's docs.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(APP, "runtime")}),
        )
        .await;
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(text.contains("runtime"), "{text}");
    // Hover on `${vars.region}`: the resolved value.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(APP, "vars.region}")}),
        )
        .await;
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("cn-hangzhou"), "{text}");

    // Completion of a value: runtimes.
    let with_blank = APP.replace("runtime: python3.10", "runtime: ");
    let v = client.change(&uri, &with_blank).await;
    client.diagnostics(&uri, v).await;
    let mut at = pos(&with_blank, "runtime: ");
    at["character"] = json!(at["character"].as_u64().expect("col") + 9);
    let list = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": at}),
        )
        .await;
    let labels: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"python3.10"), "{labels:?}");
    assert!(labels.contains(&"nodejs20"), "{labels:?}");
    let v = client.change(&uri, APP).await;
    client.diagnostics(&uri, v).await;

    // Symbols: resource → function → trigger.
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names = flatten_names(&symbols);
    assert!(names.contains(&"hello".to_string()), "{names:?}");
    assert!(names.contains(&"http".to_string()), "{names:?}");

    // Definition of `${vars.region}` → the `region:` key under `vars`.
    let def = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos(APP, "region}")}),
        )
        .await;
    assert_eq!(def["uri"], uri);
    assert_eq!(def["range"]["start"], pos(APP, "region: cn-hangzhou"));
    client.shutdown().await;
}

fn flatten_names(symbols: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for s in symbols.as_array().into_iter().flatten() {
        out.push(s["name"].as_str().unwrap_or_default().to_string());
        out.extend(flatten_names(&s["children"]));
    }
    out
}

/// UTF-8 is used when offered (Neovim 0.11), UTF-16 otherwise; Chinese text and an emoji before
/// the typo on the same line must not move the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn position_encodings_with_multibyte_text() {
    let text = APP.replace(
        "      memorySzie: 512\n",
        "      environmentVariables: { NOTE: 中文😀, memorySzie: x }\n      memorySzie: 512\n",
    );
    for (offered, expected) in [
        (json!(["utf-8", "utf-16"]), "utf-8"),
        (json!(null), "utf-16"),
    ] {
        let (dir, uri) = workspace();
        let mut caps = rich_capabilities();
        caps["general"]["positionEncodings"] = offered;
        let text = text.replace(
            "      memorySzie: 512\n",
            "      description: 中文😀\n      memorySzie: 512\n",
        );
        let flow = "      nasConfig: { 中文😀: 1, userId: 1 }\n";
        let text = text.replace(
            "      code: ./code\n",
            &format!("      code: ./code\n{flow}"),
        );
        let mut client = TestClient::start(ClientSetup {
            capabilities: caps,
            root: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .await;
        client.open(&uri, &text).await;
        let diags = client.diagnostics(&uri, 1).await;
        let unknown: Vec<&Value> = diags
            .iter()
            .filter(|d| {
                d["code"] == "unknown-property"
                    && d["message"].as_str().is_some_and(|m| m.contains("中文"))
            })
            .collect();
        assert_eq!(unknown.len(), 1, "{expected}: {diags:#?}");
        let line = text
            .lines()
            .position(|l| l == flow.trim_end_matches('\n'))
            .expect("line");
        let col_bytes = flow.find("中文").expect("cjk");
        let start = &unknown[0]["range"]["start"];
        assert_eq!(start["line"], line);
        let expected_col = if expected == "utf-8" {
            col_bytes
        } else {
            flow[..col_bytes].encode_utf16().count()
        };
        assert_eq!(start["character"], expected_col, "{expected}");
        let end = &unknown[0]["range"]["end"];
        let key_len = if expected == "utf-8" {
            "中文😀".len()
        } else {
            "中文😀".encode_utf16().count()
        };
        assert_eq!(end["character"], expected_col + key_len, "{expected}");
        client.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_yaml_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = start(dir.path()).await;
    let compose = file_uri(&dir.path().join("docker-compose.yml"));
    client
        .open(&compose, "services:\n  web:\n    image: x\n")
        .await;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": compose}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    assert_eq!(hover, Value::Null);
    // A YAML named otherwise but with `edition` and `resources` at the top is an s.yaml.
    let app = file_uri(&dir.path().join("app.yaml"));
    client
        .open(
            &app,
            "edition: 3.0.0\nresources:\n  a:\n    component: fc3\n    props:\n      regoin: x\n",
        )
        .await;
    let diags = client.diagnostics(&app, 1).await;
    assert!(!diags.is_empty());
    client.shutdown().await;
}

/// Settings reach the server through all three routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_every_route() {
    let text = "edition: 3.0.0\nresources:\n  a:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: ${env('SDLS_TEST_SURELY_UNSET')}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n";
    let severity = |diags: &[Value]| {
        diags
            .iter()
            .find(|d| {
                d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("SDLS_TEST_SURELY_UNSET"))
            })
            .map(|d| d["severity"].clone())
    };
    // 1. initializationOptions.
    let (dir, uri) = workspace();
    let mut client = TestClient::start(ClientSetup {
        capabilities: rich_capabilities(),
        root: Some(dir.path().to_path_buf()),
        initialization_options: Some(json!({"sdls": {"diagnostics": {"unsetEnv": "error"}}})),
        ..Default::default()
    })
    .await;
    client.open(&uri, text).await;
    assert_eq!(severity(&client.diagnostics(&uri, 1).await), Some(json!(1)));
    // 2. didChangeConfiguration payload: back to a warning, and the file is re-analysed.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"sdls": {"diagnostics": {"unsetEnv": "warning"}}}}),
        )
        .await;
    assert_eq!(severity(&client.diagnostics(&uri, 1).await), Some(json!(2)));
    client.shutdown().await;

    // 3. workspace/configuration answers.
    let (dir, uri) = workspace();
    let mut caps = rich_capabilities();
    caps["workspace"]["configuration"] = json!(true);
    let mut client = TestClient::start(ClientSetup {
        capabilities: caps,
        root: Some(dir.path().to_path_buf()),
        settings: json!({"diagnostics": {"unsetEnv": "error"}}),
        ..Default::default()
    })
    .await;
    client
        .expect("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    client.open(&uri, text).await;
    // The answer may land before or after the first analysis: wait for the error.
    let mut found = None;
    for _ in 0..2 {
        let msg = client
            .expect("diagnostics", |m| {
                m["method"] == "textDocument/publishDiagnostics"
            })
            .await;
        found = severity(msg["params"]["diagnostics"].as_array().expect("array"));
        if found == Some(json!(1)) {
            break;
        }
    }
    assert_eq!(found, Some(json!(1)));
    client.shutdown().await;
}

/// Pull diagnostics for clients that can be asked to re-pull; no pushes then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_diagnostics() {
    let (dir, uri) = workspace();
    let mut caps = rich_capabilities();
    caps["textDocument"]["diagnostic"] = json!({"dynamicRegistration": false});
    caps["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    let mut client = TestClient::start(ClientSetup {
        capabilities: caps,
        root: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    client.open(&uri, APP).await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["code"], "unknown-property");
    client.shutdown().await;
}

/// A legacy file gets the conversion to 3.0.0 as one reviewable, versioned edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_conversion_action() {
    let (dir, uri) = workspace();
    let legacy = "edition: 1.0.0\nname: app\naccess: default\nservices:\n  demo:\n    component: devsapp/fc\n    props:\n      region: cn-hangzhou\n      service:\n        name: svc # the service\n      function:\n        name: fn\n        runtime: python3.9\n        handler: index.handler\n        codeUri: ./code\n        memorySize: 512\n";
    let mut client = start(dir.path()).await;
    client.open(&uri, legacy).await;
    client.diagnostics(&uri, 1).await;
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [], "only": ["refactor.rewrite"]}
            }),
        )
        .await;
    let actions = actions.as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let edits = actions[0]["edit"]["documentChanges"][0]["edits"]
        .as_array()
        .expect("edits");
    let converted = apply_edits(legacy, edits);
    assert!(converted.contains("edition: 3.0.0"), "{converted}");
    assert!(converted.contains("component: fc3"), "{converted}");
    assert!(
        converted.contains("the service"),
        "comment kept: {converted}"
    );
    let v = client.change(&uri, &converted).await;
    let diags = client.diagnostics(&uri, v).await;
    assert!(
        diags.iter().all(|d| d["severity"] != 1),
        "{converted}\n{diags:#?}"
    );
    client.shutdown().await;
}

fn generated(n: usize) -> String {
    let mut s =
        String::from("edition: 3.0.0\nname: gen\nvars:\n  region: cn-hangzhou\nresources:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: f{i}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      timeout: 10\n"
        ));
    }
    s
}

/// Type in one resource, then complete and hover there at once: answered right (from the fast
/// stage's partial analysis while the full one has not run yet).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_right_after_an_edit() {
    let (dir, uri) = workspace();
    let mut client = start(dir.path()).await;
    let text = generated(300);
    client.open(&uri, &text).await;
    assert_eq!(client.diagnostics(&uri, 1).await, Vec::<Value>::new());
    let at = text.find("      functionName: f150\n").expect("f150");
    let edited = format!("{}      memo:\n{}", &text[..at], &text[at..]);
    let v = client.change(&uri, &edited).await;
    client.diagnostics(&uri, v).await;
    let mut cursor = pos(&edited, "memo:\n      functionName: f150");
    cursor["character"] = json!(10);
    let list = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": cursor}),
        )
        .await;
    let labels: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"memorySize"), "{labels:?}");
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(&edited, "functionName: f150")}),
        )
        .await;
    assert_eq!(hover["range"]["start"], pos(&edited, "functionName: f150"));
    client.shutdown().await;
}

/// A YAML file that stops being an s.yaml (its `edition` is removed) loses its diagnostics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_stops_being_an_s_yaml_is_cleared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = start(dir.path()).await;
    let app = file_uri(&dir.path().join("app.yaml"));
    let text =
        "edition: 3.0.0\nresources:\n  a:\n    component: fc3\n    props:\n      regoin: x\n";
    client.open(&app, text).await;
    assert!(!client.diagnostics(&app, 1).await.is_empty());
    client
        .change(&app, &text.replace("edition: 3.0.0\n", ""))
        .await;
    let cleared = client
        .expect("cleared", |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await;
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    client.shutdown().await;
}
