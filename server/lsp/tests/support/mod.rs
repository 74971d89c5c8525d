//! An LSP test client over the real transport (`tower_lsp_server::Server` on a duplex pipe, at
//! the production concurrency level). It answers the server's requests itself, keeps every
//! other server message in a queue the test must consume, and fails the test on anything left
//! unconsumed at `shutdown`. Every wait has a timeout.

#![allow(dead_code, unreachable_pub)]

pub mod remote;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::{Mutex, mpsc, oneshot};

pub const WAIT: Duration = Duration::from_secs(20);

type Pending = Arc<std::sync::Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

pub struct TestClient {
    writer: Arc<Mutex<WriteHalf<tokio::io::DuplexStream>>>,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Messages read from `incoming` while waiting for something else, in order.
    queue: VecDeque<Value>,
    pending: Pending,
    next_id: i64,
    server: tokio::task::JoinHandle<()>,
    pub versions: HashMap<String, i32>,
    /// `workspace/codeLens/refresh` requests received (answered, not queued: they carry
    /// nothing but "ask again").
    pub lens_refreshes: Arc<std::sync::atomic::AtomicUsize>,
}

/// What the client answers to `workspace/configuration`.
#[derive(Clone, Default)]
pub struct ClientSetup {
    pub capabilities: Value,
    pub initialization_options: Option<Value>,
    /// Answer to `workspace/configuration` items (one value per item).
    pub settings: Value,
    pub root: Option<std::path::PathBuf>,
    /// The server's options (environment snapshot, home, binary); `None`: [`quiet_options`].
    pub options: Option<lsp::Options>,
    /// The action chosen in `window/showMessageRequest` (by title); `None` answers `null`, as
    /// a user closing the question would.
    pub message_action: Option<String>,
}

/// Options for tests that are not about the remote: an environment with an endpoint and no
/// credentials, so drift reads end at once as `unknown` (no credentials) without any network,
/// process or file (D18: no test reaches a cloud, the real `HOME` is never read).
pub fn quiet_options() -> lsp::Options {
    let mut env = std::collections::BTreeMap::new();
    env.insert(
        "FC_CLIENT_CUSTOM_ENDPOINT".to_string(),
        "http://127.0.0.1:9".to_string(),
    );
    lsp::Options {
        env: Some(env),
        home: Some(std::path::PathBuf::from("/nonexistent-sdls-test-home")),
        sdls_binary: Some(std::path::PathBuf::from("/nonexistent-sdls-test-binary")),
        ..Default::default()
    }
}

pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

async fn write_frame(writer: &Mutex<WriteHalf<tokio::io::DuplexStream>>, msg: &Value) {
    let body = msg.to_string();
    let mut w = writer.lock().await;
    let frame = format!("Content-Length: {}\r\n\r\n{}", body.len(), body);
    w.write_all(frame.as_bytes())
        .await
        .expect("write to server");
    w.flush().await.expect("flush");
}

impl TestClient {
    /// Starts the server and runs `initialize` + `initialized`.
    pub async fn start(setup: ClientSetup) -> TestClient {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        let options = setup.options.clone().unwrap_or_else(quiet_options);
        let server = tokio::spawn(lsp::serve_with(server_read, server_write, options));
        let (read, write) = tokio::io::split(client_end);
        let writer = Arc::new(Mutex::new(write));
        let (tx, incoming) = mpsc::unbounded_channel();
        let pending: Pending = Default::default();
        let lens_refreshes: Arc<std::sync::atomic::AtomicUsize> = Default::default();
        {
            let writer = writer.clone();
            let pending = pending.clone();
            let lens_refreshes = lens_refreshes.clone();
            let settings = setup.settings.clone();
            let message_action = setup.message_action.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(read);
                loop {
                    let mut len = None;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some(v) = line.strip_prefix("Content-Length: ") {
                            len = v.parse::<usize>().ok();
                        }
                    }
                    let Some(len) = len else { return };
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let msg: Value = serde_json::from_slice(&body).expect("server sent JSON");
                    let is_response = msg.get("method").is_none();
                    if is_response {
                        let id = msg["id"].as_i64().expect("numeric id");
                        let waiter = pending.lock().expect("pending").remove(&id);
                        match waiter {
                            Some(w) => {
                                let _ = w.send(msg);
                            }
                            None => {
                                let _ = tx.send(json!({"unexpectedResponse": msg}));
                            }
                        }
                        continue;
                    }
                    if msg.get("id").is_some() {
                        // A server → client request: answer at once, like an editor.
                        let result = match msg["method"].as_str().unwrap_or_default() {
                            "workspace/configuration" => {
                                let n = msg["params"]["items"].as_array().map_or(1, Vec::len);
                                Value::Array(vec![settings.clone(); n])
                            }
                            // Applied as sent; the test sends the edited text itself.
                            "workspace/applyEdit" => json!({"applied": true}),
                            "window/showMessageRequest" => message_action
                                .as_ref()
                                .and_then(|wanted| {
                                    msg["params"]["actions"]
                                        .as_array()?
                                        .iter()
                                        .find(|a| a["title"].as_str() == Some(wanted.as_str()))
                                })
                                .cloned()
                                .unwrap_or(Value::Null),
                            _ => Value::Null,
                        };
                        let answer = json!({"jsonrpc": "2.0", "id": msg["id"], "result": result});
                        write_frame(&writer, &answer).await;
                        if msg["method"] == "workspace/codeLens/refresh" {
                            lens_refreshes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            continue;
                        }
                    }
                    let _ = tx.send(msg);
                }
            });
        }
        let mut client = TestClient {
            writer,
            incoming,
            queue: VecDeque::new(),
            pending,
            next_id: 1,
            server,
            versions: HashMap::new(),
            lens_refreshes,
        };
        let mut params = json!({
            "processId": null,
            "capabilities": setup.capabilities,
            "clientInfo": {"name": "sdls-test"},
        });
        if let Some(root) = &setup.root {
            params["rootUri"] = json!(file_uri(root));
            params["workspaceFolders"] = json!([{"uri": file_uri(root), "name": "root"}]);
        }
        if let Some(options) = setup.initialization_options {
            params["initializationOptions"] = options;
        }
        let init = client.request("initialize", params).await;
        assert!(init.get("capabilities").is_some(), "initialize: {init}");
        client.notify("initialized", json!({})).await;
        client
    }

    pub async fn notify(&self, method: &str, params: Value) {
        write_frame(
            &self.writer,
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        )
        .await;
    }

    /// Sends a request and returns its `result` (panics on an error response).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params).await;
        if let Some(err) = response.get("error") {
            panic!("{method} failed: {err}");
        }
        response["result"].clone()
    }

    /// The whole response, for tests that expect errors.
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending").insert(id, tx);
        write_frame(
            &self.writer,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .await;
        tokio::time::timeout(WAIT, rx)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method} within {WAIT:?}"))
            .expect("response channel")
    }

    /// The next server message matching `pred`, taking it from the queue; messages before it
    /// stay queued (the test must consume them too).
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.queue.iter().position(&pred) {
            return self.queue.remove(i).expect("index");
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.incoming.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out waiting for {what}; unconsumed: {:#?}",
                        self.queue
                    )
                })
                .expect("server closed the connection");
            if pred(&msg) {
                return msg;
            }
            self.queue.push_back(msg);
        }
    }

    /// Waits for `publishDiagnostics` of `uri` carrying `version` (earlier ones for the same uri
    /// are consumed and returned in order before it).
    pub async fn diagnostics_for(&mut self, uri: &str, version: i32) -> Vec<Value> {
        let uri = uri.to_string();
        let mut seen = Vec::new();
        loop {
            let msg = self
                .expect(&format!("diagnostics for {uri} v{version}"), |m| {
                    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
                })
                .await;
            let v = msg["params"]["version"].as_i64();
            seen.push(msg.clone());
            if v == Some(i64::from(version)) {
                return seen;
            }
            assert!(
                v.is_some_and(|v| v < i64::from(version)),
                "diagnostics went past v{version}: {msg}"
            );
        }
    }

    /// The diagnostics of the newest publication for `uri` at `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i32) -> Vec<Value> {
        let all = self.diagnostics_for(uri, version).await;
        all.last().expect("one")["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.versions.insert(uri.to_string(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        )
        .await;
    }

    /// A FULL-text change; returns the new version.
    pub async fn change(&mut self, uri: &str, text: &str) -> i32 {
        let v = self.versions.entry(uri.to_string()).or_insert(0);
        *v += 1;
        let version = *v;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
        version
    }

    /// Consumes the `$/progress` messages of `token` up to its `end` and returns the end's
    /// message (the job's summary).
    pub async fn progress_end(&mut self, token: &str) -> String {
        loop {
            let msg = self
                .expect(&format!("$/progress {token}"), |m| {
                    m["method"] == "$/progress" && m["params"]["token"] == token
                })
                .await;
            if msg["params"]["value"]["kind"] == "end" {
                return msg["params"]["value"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
        }
    }

    /// Reads what the server sends until it is quiet for `quiet` (at most [`WAIT`]), then drops
    /// the queued messages matching `pred`.
    pub async fn settle_and_discard(&mut self, quiet: Duration, pred: impl Fn(&Value) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(quiet, self.incoming.recv()).await {
                Ok(Some(msg)) => self.queue.push_back(msg),
                _ => break,
            }
        }
        self.discard(pred);
    }

    /// Whether every server message read so far was consumed.
    pub fn queue_is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Drops queued messages matching `pred` (e.g. log messages a test does not care about).
    pub fn discard(&mut self, pred: impl Fn(&Value) -> bool) {
        self.queue.retain(|m| !pred(m));
    }

    /// `shutdown` + `exit`; fails on any server message the test did not consume.
    pub async fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null).await;
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null).await;
        tokio::time::timeout(WAIT, &mut self.server)
            .await
            .expect("server exits after `exit`")
            .expect("server task");
        while let Ok(msg) = self.incoming.try_recv() {
            self.queue.push_back(msg);
        }
        assert!(
            self.queue.is_empty(),
            "server messages the test did not consume: {:#?}",
            self.queue
        );
    }
}

/// Capabilities of a modern client (like VS Code / Neovim 0.11, with push diagnostics).
pub fn rich_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"snippetSupport": true}},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "publishDiagnostics": {"relatedInformation": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor.rewrite"]}}}
        },
        "workspace": {"workspaceEdit": {"documentChanges": true}},
        "window": {"workDoneProgress": true}
    })
}

/// Applies LSP text edits (UTF-16 positions) to `text`.
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = utf16_offset(text, &e["range"]["start"]);
            let end = utf16_offset(text, &e["range"]["end"]);
            (
                start,
                end,
                e["newText"].as_str().expect("newText").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

fn utf16_offset(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().expect("line") as usize;
    let character = pos["character"].as_u64().expect("character") as usize;
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            let mut units = 0;
            for (b, c) in l.char_indices() {
                if units >= character || c == '\n' {
                    return offset + b;
                }
                units += c.len_utf16();
            }
            return offset + l.trim_end_matches('\n').len();
        }
        offset += l.len();
    }
    text.len()
}
