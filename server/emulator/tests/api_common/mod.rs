//! Shared helpers of the emulator's API tests: start an emulator in-process on 127.0.0.1:0 with a
//! temporary data directory, and send requests signed with `fc::sign` through reqwest — direct
//! (`host: 127.0.0.1:PORT`) or through the emulator as HTTP proxy with a real FC host name.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use emulator::{Config, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET};
use fc::sign::{self, AccessKey, SignedHeaderSet};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running emulator.
pub(crate) struct Emu {
    pub(crate) addr: SocketAddr,
    pub(crate) dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    token: CancellationToken,
    handle: JoinHandle<Result<(), emulator::Error>>,
    pub(crate) client: reqwest::Client,
}

/// One answer.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} (status {})",
                String::from_utf8_lossy(&self.body),
                self.status
            )
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// Asserts an FC error answer: status, `Code`, JSON content type, request-id headers and
    /// body `RequestId` all present.
    pub(crate) fn assert_error(&self, status: u16, code: &str) -> Value {
        let body = self.json();
        assert_eq!(
            (self.status, body["Code"].as_str().unwrap_or("")),
            (status, code),
            "{body}"
        );
        assert!(
            self.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let id = self.header("x-fc-request-id").expect("x-fc-request-id");
        assert_eq!(
            self.header("x-acs-request-id").as_deref(),
            Some(id.as_str())
        );
        assert_eq!(body["RequestId"], id.as_str());
        assert!(body["Message"].as_str().is_some_and(|m| !m.is_empty()));
        body
    }
}

/// A request to build and sign.
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub(crate) method: String,
    /// The encoded path (after the host).
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The signed host; `None` = `127.0.0.1:PORT` (direct mode). A real FC host name sends the
    /// request through the emulator as HTTP proxy.
    pub(crate) host: Option<String>,
    pub(crate) key: AccessKey,
    /// `x-acs-date`; `None` = now.
    pub(crate) date: Option<String>,
    /// `None` = a fresh random nonce.
    pub(crate) nonce: Option<String>,
    pub(crate) sign: bool,
    pub(crate) action: String,
}

impl Req {
    pub(crate) fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.to_owned(),
            path: format!("/2023-03-30{path}"),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            host: None,
            key: AccessKey::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
            date: None,
            nonce: None,
            sign: true,
            action: "Test".to_owned(),
        }
    }

    pub(crate) fn query(mut self, name: &str, value: &str) -> Req {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn json(mut self, body: &Value) -> Req {
        self.body = serde_json::to_vec(body).unwrap();
        self.headers.push((
            "content-type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ));
        self
    }

    pub(crate) fn bytes(mut self, body: &[u8]) -> Req {
        self.body = body.to_vec();
        self.headers.push((
            "content-type".to_owned(),
            "application/octet-stream".to_owned(),
        ));
        self
    }

    pub(crate) fn host(mut self, host: &str) -> Req {
        self.host = Some(host.to_owned());
        self
    }

    pub(crate) fn key(mut self, key: AccessKey) -> Req {
        self.key = key;
        self
    }

    pub(crate) fn action(mut self, action: &str) -> Req {
        self.action = action.to_owned();
        self
    }
}

/// `x-acs-date` for now + `offset` seconds.
pub(crate) fn acs_date(offset: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    sign::format_acs_date(now + offset)
}

/// A zip of `{path: text}` built with `fc::package` (deterministic), and its Base64.
pub(crate) fn zip_of(files: &[(&str, &str)]) -> (Vec<u8>, String) {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let package =
        fc::package::package(dir.path(), &fc::package::PackageOptions::default()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&package.bytes);
    (package.bytes, b64)
}

/// A python function body for CreateFunction.
pub(crate) fn python_function(name: &str) -> Value {
    let (_, b64) = zip_of(&[(
        "index.py",
        "def handler(event, context):\n    return event\n",
    )]);
    serde_json::json!({
        "functionName": name,
        "runtime": "python3.10",
        "handler": "index.handler",
        "code": {"zipFile": b64},
        "tags": [],
    })
}

impl Emu {
    pub(crate) async fn start() -> Emu {
        Emu::start_with(|_| {}).await
    }

    pub(crate) async fn start_with(configure: impl FnOnce(&mut Config)) -> Emu {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        let mut emu = Emu::start_in(&dir, configure).await;
        emu._temp = Some(temp);
        emu
    }

    /// Starts on an existing data directory (kept after the test).
    pub(crate) async fn start_in(dir: &Path, configure: impl FnOnce(&mut Config)) -> Emu {
        let mut config = Config::new(dir);
        configure(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let token = CancellationToken::new();
        let handle = tokio::spawn(emulator::serve(listener, config, token.clone()));
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Emu {
            addr,
            dir: dir.to_path_buf(),
            _temp: None,
            token,
            handle,
            client,
        }
    }

    /// Stops the server and waits for it; returns the temp dir so the caller can restart on it.
    pub(crate) async fn stop(mut self) -> Option<tempfile::TempDir> {
        self.token.cancel();
        let handle = std::mem::replace(&mut self.handle, tokio::spawn(async { Ok(()) }));
        handle.await.unwrap().unwrap();
        self._temp.take()
    }

    pub(crate) fn host(&self) -> String {
        self.addr.to_string()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signs and sends `req`.
    pub(crate) async fn send(&self, req: Req) -> Resp {
        let host = req.host.clone().unwrap_or_else(|| self.host());
        let mut request = sign::Request::new(&req.method, &host, &req.path)
            .with_header("accept", "application/json")
            .with_header("x-acs-version", "2023-03-30")
            .with_header("x-acs-action", &req.action);
        for (n, v) in &req.headers {
            request = request.with_header(n, v);
        }
        for (n, v) in &req.query {
            request = request.with_query(n, v);
        }
        request = request.with_body(req.body.clone());
        let headers = if req.sign {
            let date = req.date.clone().unwrap_or_else(|| acs_date(0));
            let nonce = req
                .nonce
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            sign::sign(&request, &req.key, &date, &nonce, SignedHeaderSet::All).headers
        } else {
            request.headers.clone()
        };
        let target = request.target();
        let (client, url) = if req.host.is_some() {
            let client = reqwest::Client::builder()
                .proxy(reqwest::Proxy::http(format!("http://{}", self.addr)).unwrap())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap();
            (client, format!("http://{host}{target}"))
        } else {
            (self.client.clone(), format!("http://{}{target}", self.addr))
        };
        let mut builder = client.request(req.method.parse().unwrap(), url);
        for (n, v) in headers {
            if n.eq_ignore_ascii_case("host") {
                continue;
            }
            builder = builder.header(n, v);
        }
        let response = builder.body(req.body).send().await.unwrap();
        Resp {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Resp {
        self.send(Req::new("GET", path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(Req::new("POST", path).json(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(Req::new("PUT", path).json(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Resp {
        self.send(Req::new("DELETE", path)).await
    }

    /// POST /__emulator/… with a JSON body (unsigned).
    pub(crate) async fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let mut builder = self.client.request(
            method.parse().unwrap(),
            self.url(&format!("/__emulator/{path}")),
        );
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = builder.send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    /// Creates a python function (asserting 200) and returns its body.
    pub(crate) async fn create_python(&self, name: &str) -> Value {
        let r = self.post("/functions", &python_function(name)).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    }
}
