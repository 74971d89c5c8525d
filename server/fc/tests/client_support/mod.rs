//! Test servers for the `fc::client` tests, all on 127.0.0.1:0: an axum server that records
//! every request as received (method, raw request-target, headers, body), checks its ACS3
//! signature with `fc::sign::verify_signature`, and answers what the test's script says (or never
//! answers); a raw TCP server that hangs up on the first connections; deterministic sources.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use fc::client::{ClientConfig, SleepFuture, Sources};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints};
use fc::sign::{self, AccessKey, ReceivedRequest, Secret, Verified, VerifyError};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const AK_ID: &str = "LTAI5tClientTestKeyId";
pub const AK_SECRET: &str = "ClientTestSecretValue0123456789";
pub const STS_ID: &str = "STS.NUclientTestTemporaryId";
pub const STS_SECRET: &str = "TemporaryClientSecret";
pub const STS_TOKEN: &str = "CAIS.client-test-token/with+special=chars";

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The raw request-target: origin form, or absolute form when sent to a proxy.
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub verified: Result<Verified, VerifyError>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    pub fn action(&self) -> String {
        self.header("x-acs-action").unwrap_or_default()
    }

    pub fn nonce(&self) -> String {
        self.header("x-acs-signature-nonce").unwrap_or_default()
    }

    /// The path of the target (absolute form stripped), still percent-encoded.
    pub fn path(&self) -> String {
        sign::split_target(&self.target).0.to_owned()
    }

    /// The decoded query.
    pub fn query(&self) -> Vec<(String, String)> {
        sign::parse_query(sign::split_target(&self.target).1.unwrap_or(""))
    }

    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Panics unless the signature verified.
    pub fn assert_signed(&self) -> &Verified {
        match &self.verified {
            Ok(v) => v,
            Err(e) => panic!("{} {} not verified: {e:?}", self.method, self.target),
        }
    }
}

/// What the scripted server answers.
pub enum Reply {
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Never answer.
    Hang,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::Answer {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-fc-request-id".into(), "hdr-request-id".into()),
            ],
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    pub fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    /// FC's error shape.
    pub fn error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
        Reply::json(
            status,
            json!({"Code": code, "Message": message, "RequestId": request_id}),
        )
    }

    pub fn no_content() -> Reply {
        Reply::Answer {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

type Script = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

struct ServerState {
    seen: Mutex<Vec<Seen>>,
    script: Box<Script>,
}

/// The scripted axum server.
pub struct Server {
    pub addr: SocketAddr,
    state: Arc<ServerState>,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a server whose answer to the `n`-th request (0-based) is `script(request, n)`.
    pub async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
        let state = Arc::new(ServerState {
            seen: Mutex::new(Vec::new()),
            script: Box::new(script),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server { addr, state, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = if uri.scheme().is_some() {
        uri.to_string()
    } else {
        uri.path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned())
    };
    let header_list: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let verified = sign::verify_signature(
        &ReceivedRequest {
            method: method.as_str(),
            target: &target,
            headers: header_list,
            body: &body,
        },
        |id| match id {
            AK_ID => Some(Secret::new(AK_SECRET)),
            STS_ID => Some(Secret::sts(STS_SECRET, STS_TOKEN)),
            _ => None,
        },
    );
    let seen = Seen {
        method: method.to_string(),
        target,
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: body.to_vec(),
        verified,
    };
    let index = {
        let mut log = state.seen.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    match (state.script)(&seen, index) {
        Reply::Hang => std::future::pending().await,
        Reply::Answer {
            status,
            headers,
            body,
        } => {
            let mut response = Response::builder().status(status);
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(body)).unwrap()
        }
    }
}

/// A raw HTTP/1.1 server that reads each request and hangs up without answering on the first
/// `drops` connections, then answers `200` with `body` (JSON). Records each request head.
pub struct DropServer {
    pub addr: SocketAddr,
    pub heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl DropServer {
    pub async fn start(drops: usize, body: Value) -> DropServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = heads.clone();
        let body = serde_json::to_vec(&body).unwrap();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let body = body.clone();
                tokio::spawn(async move {
                    loop {
                        let Some(head) = read_request(&mut socket).await else {
                            return;
                        };
                        let index = {
                            let mut log = log.lock().unwrap();
                            log.push(head);
                            log.len() - 1
                        };
                        if index < drops {
                            return; // hang up without a word
                        }
                        let mut answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        answer.extend_from_slice(&body);
                        if socket.write_all(&answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        DropServer { addr, heads, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `x-acs-signature-nonce` of every request received.
    pub fn nonces(&self) -> Vec<String> {
        self.heads
            .lock()
            .unwrap()
            .iter()
            .map(|head| {
                head.lines()
                    .find_map(|l| {
                        let (n, v) = l.split_once(':')?;
                        n.trim()
                            .eq_ignore_ascii_case("x-acs-signature-nonce")
                            .then(|| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl Drop for DropServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head (and a `content-length` body); `None` at end of stream.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some(head)
}

/// Deterministic sources: a fixed clock, counting nonces, maximal jitter, and sleeps that are
/// recorded and return at once.
#[derive(Default)]
pub struct TestSources {
    pub now: i64,
    counter: AtomicU64,
    pub sleeps: Mutex<Vec<Duration>>,
}

impl TestSources {
    pub fn at(now: i64) -> Arc<TestSources> {
        Arc::new(TestSources {
            now,
            ..TestSources::default()
        })
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

impl Sources for TestSources {
    fn now_unix(&self) -> i64 {
        self.now
    }

    fn nonce(&self) -> String {
        format!("nonce{:04}", self.counter.fetch_add(1, Ordering::SeqCst))
    }

    fn jitter(&self, ceiling: Duration) -> Duration {
        ceiling
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sleeps.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// A client configuration for `url` (one host for both clients), the permanent test key, a 5 s
/// timeout.
pub fn config(url: &str) -> ClientConfig {
    let endpoint = Endpoint::parse(url, EndpointSource::RemoteFlag).unwrap();
    let mut config = ClientConfig::new(
        Endpoints::single(endpoint, None),
        AccessKey::new(AK_ID, AK_SECRET),
        "cn-hangzhou",
    );
    config.timeout = Duration::from_secs(5);
    config
}

/// A complete Function answer.
pub fn function_json(name: &str) -> Value {
    json!({
        "functionName": name,
        "runtime": "python3.10",
        "handler": "index.handler",
        "memorySize": 512,
        "codeChecksum": "11051210869376104954",
        "state": "Active",
        "lastUpdateStatus": "Successful"
    })
}
