//! The remote side of the editor tests: an in-process emulator playing the cloud (`sdls.remote`
//! points at it, its credentials come through the server's environment snapshot, `HOME` is a
//! temp folder: D18), user B's console (sdls's FC client), fixture files and lens helpers.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use analysis::{CheckOptions, FileInput, MemoryHost};
use fc::client::{Client, ClientConfig, RetryPolicy};
use fc::sign::AccessKey;
use ops::local::LocalFunction;
use ops::normalize::Context;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{ClientSetup, TestClient, rich_capabilities};

pub const REGION: &str = "cn-hangzhou";

pub struct Emulator {
    pub url: String,
    pub data: tempfile::TempDir,
    pub stop: CancellationToken,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub async fn emulator() -> Emulator {
    let data = tempfile::tempdir().expect("emulator data");
    let config = emulator::Config::new(data.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move { emulator::serve(listener, config, token).await });
    Emulator { url, data, stop }
}

impl Emulator {
    /// GetFunction calls the emulator served so far (its request log, D21).
    pub fn get_function_calls(&self) -> usize {
        let log =
            std::fs::read_to_string(self.data.path().join("requests.jsonl")).unwrap_or_default();
        log.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["operation"] == "GetFunction")
            .count()
    }
}

/// User B's console, and the way fc3's first deploy creates functions.
pub fn fc_client(url: &str) -> Client {
    let endpoint = fc::endpoint::Endpoint::parse(url, fc::endpoint::EndpointSource::RemoteFlag)
        .expect("endpoint");
    let mut config = ClientConfig::new(
        fc::endpoint::Endpoints::single(endpoint, None),
        AccessKey {
            id: emulator::DEFAULT_ACCESS_KEY_ID.into(),
            secret: emulator::DEFAULT_ACCESS_KEY_SECRET.into(),
            security_token: None,
        },
        REGION,
    );
    config.account_id = Some(emulator::DEFAULT_ACCOUNT_ID.into());
    config.retry = RetryPolicy::never();
    Client::new(config).expect("client")
}

/// The server's environment: the emulator's credentials and nothing else.
pub fn server_options(home: &Path, with_credentials: bool) -> lsp::Options {
    let mut env = BTreeMap::new();
    if with_credentials {
        for (k, v) in [
            ("AccountID", emulator::DEFAULT_ACCOUNT_ID),
            ("AccessKeyID", emulator::DEFAULT_ACCESS_KEY_ID),
            ("AccessKeySecret", emulator::DEFAULT_ACCESS_KEY_SECRET),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
    }
    env.insert("HOME".into(), home.display().to_string());
    lsp::Options {
        env: Some(env),
        home: Some(home.to_path_buf()),
        sdls_binary: Some(PathBuf::from("/nonexistent-sdls-test-binary")),
        retry: Some(RetryPolicy::never()),
        timeout: Some(Duration::from_secs(10)),
    }
}

pub fn capabilities() -> Value {
    let mut caps = rich_capabilities();
    caps["workspace"]["codeLens"] = json!({"refreshSupport": true});
    caps["window"]["showDocument"] = json!({"support": true});
    caps
}

pub async fn start(root: &Path, url: &str, home: &Path, with_credentials: bool) -> TestClient {
    TestClient::start(ClientSetup {
        capabilities: capabilities(),
        root: Some(root.to_path_buf()),
        initialization_options: Some(json!({"sdls": {"remote": url}})),
        options: Some(server_options(home, with_credentials)),
        ..Default::default()
    })
    .await
}

pub fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("project");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join("code")).expect("code dir");
    std::fs::write(
        root.join("code/index.py"),
        "def handler(e, c):\n    return 'hi'\n",
    )
    .expect("code");
    (dir, root)
}

pub fn yaml(names: &[&str]) -> String {
    let mut text = String::from("edition: 3.0.0\nname: drift\nresources:\n");
    for name in names {
        text.push_str(&format!(
            "  {name}:\n    component: fc3\n    props:\n      region: {REGION}\n      functionName: {name}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512\n      timeout: 10\n"
        ));
    }
    text
}

/// `text` with `field: old` replaced by `field: new` inside function `name`.
pub fn edit(text: &str, name: &str, field: &str, old: &str, new: &str) -> String {
    let start = text
        .find(&format!("functionName: {name}\n"))
        .expect("function");
    let at = start
        + text[start..]
            .find(&format!("{field}: {old}\n"))
            .expect("field");
    format!(
        "{}{field}: {new}\n{}",
        &text[..at],
        &text[at + field.len() + old.len() + 3..]
    )
}

/// Zero-based line of `field` inside function `name`.
pub fn line_of(text: &str, name: &str, field: &str) -> u64 {
    let start = text
        .find(&format!("functionName: {name}\n"))
        .expect("function");
    let at = start + text[start..].find(&format!("{field}: ")).expect("field");
    text[..at].matches('\n').count() as u64
}

pub fn functions(dir: &Path, text: &str) -> Vec<LocalFunction> {
    let path = dir.join("s.yaml");
    let host = MemoryHost::new().with_file(&path, text);
    let analysis = analysis::check(
        &FileInput {
            path: &path,
            text,
            workspace: None,
        },
        &host,
        CheckOptions::default(),
    );
    let (found, skipped) = ops::local::functions(&analysis, dir);
    assert!(skipped.is_empty(), "{skipped:?}");
    found
}

pub fn ctx() -> Context {
    Context {
        account_id: Some(emulator::DEFAULT_ACCOUNT_ID.into()),
        region: REGION.into(),
    }
}

/// Status lens titles by resource (the lenses running `sdls.showDrift`; the action lenses
/// after them are [`action_lenses`]).
pub async fn lenses(client: &mut TestClient, uri: &str) -> HashMap<String, String> {
    all_lenses(client, uri)
        .await
        .iter()
        .filter(|l| l["command"]["command"] == "sdls.showDrift")
        .map(|l| {
            assert_eq!(l["command"]["arguments"][0], uri, "{l}");
            (
                l["command"]["arguments"][1]
                    .as_str()
                    .expect("resource")
                    .to_string(),
                l["command"]["title"].as_str().expect("title").to_string(),
            )
        })
        .collect()
}

/// Every lens of the document, in the server's order.
pub async fn all_lenses(client: &mut TestClient, uri: &str) -> Vec<Value> {
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    lenses.as_array().expect("lenses").clone()
}

/// The action lenses (pull, deploy) by resource, as `title` in order.
pub async fn action_lenses(client: &mut TestClient, uri: &str) -> HashMap<String, Vec<Value>> {
    let mut found: HashMap<String, Vec<Value>> = HashMap::new();
    for l in all_lenses(client, uri).await {
        if matches!(
            l["command"]["command"].as_str(),
            Some("sdls.showDrift" | "sdls.showResolved")
        ) {
            continue;
        }
        let resource = l["command"]["arguments"][1]
            .as_str()
            .expect("resource")
            .to_string();
        found
            .entry(resource)
            .or_default()
            .push(l["command"].clone());
    }
    found
}

/// Polls the lenses until none says `… reading remote` (bounded).
pub async fn read_lenses(client: &mut TestClient, uri: &str) -> HashMap<String, String> {
    let deadline = tokio::time::Instant::now() + super::WAIT;
    loop {
        let titles = lenses(client, uri).await;
        if !titles.values().any(|t| t.contains("reading remote")) {
            return titles;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "lenses still reading: {titles:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn refresh(client: &mut TestClient, uri: &str, token: &str) -> String {
    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.refreshDrift", "arguments": [uri], "workDoneToken": token}),
        )
        .await;
    assert_eq!(result, Value::Null);
    client.progress_end(token).await
}
