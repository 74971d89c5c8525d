//! Helpers shared by the `exec_*` tests: temporary code directories with a unique marker in
//! their path (so a test can find its own processes in `/proc`), function specs, requests.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use emulator::exec::{Executor, ExecutorConfig, FunctionSpec, HttpRequest, InvokeRequest};

/// A code directory whose path contains a unique marker.
pub struct Code {
    pub dir: tempfile::TempDir,
    pub marker: String,
}

impl Code {
    pub fn new() -> Code {
        let marker = format!("sdls-exec-test-{}", uuid::Uuid::new_v4().simple());
        let dir = tempfile::Builder::new().prefix(&marker).tempdir().unwrap();
        let marker = dir.path().display().to_string();
        Code { dir, marker }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, content: &str) -> &Code {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        self
    }

    pub fn write_executable(&self, name: &str, content: &str) -> &Code {
        self.write(name, content);
        let path = self.dir.path().join(name);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    /// Pids of live processes whose command line mentions this code directory.
    pub fn processes(&self) -> Vec<u32> {
        processes_matching(&self.marker)
    }
}

/// Pids of live (non-zombie) processes whose command line contains `needle`.
pub fn processes_matching(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(needle) {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = state
                .rfind(')')
                .is_some_and(|i| state[i + 1..].trim_start().starts_with('Z'));
            if !zombie {
                pids.push(pid);
            }
        }
    }
    pids
}

/// Waits (bounded) until no process mentions `code`'s directory.
pub async fn wait_no_processes(code: &Code, bound: Duration) -> Vec<u32> {
    let deadline = std::time::Instant::now() + bound;
    loop {
        let left = code.processes();
        if left.is_empty() || std::time::Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn spec(code: &Code, runtime: &str, handler: &str) -> FunctionSpec {
    FunctionSpec {
        name: format!("fn-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        version: "LATEST".to_owned(),
        code_checksum: "1234".to_owned(),
        runtime: runtime.to_owned(),
        handler: handler.to_owned(),
        timeout: Duration::from_secs(10),
        memory_mb: 256,
        instance_concurrency: 1,
        environment: BTreeMap::new(),
        code_dir: code.path().to_path_buf(),
        command: Vec::new(),
        args: Vec::new(),
        port: 9000,
        region: "cn-hangzhou".to_owned(),
        account_id: "1000000000000001".to_owned(),
        initializer: None,
    }
}

pub fn event(payload: &[u8]) -> InvokeRequest {
    InvokeRequest {
        request_id: format!("req-{}", uuid::Uuid::new_v4().simple()),
        payload: payload.to_vec(),
        log_tail: true,
        ..InvokeRequest::default()
    }
}

pub fn http(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> InvokeRequest {
    InvokeRequest {
        request_id: format!("req-{}", uuid::Uuid::new_v4().simple()),
        log_tail: true,
        http: Some(HttpRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_vec(),
            client_ip: "127.0.0.1".to_owned(),
        }),
        ..InvokeRequest::default()
    }
}

pub fn executor() -> Executor {
    Executor::with_config(ExecutorConfig {
        start_timeout: Duration::from_secs(20),
        ..ExecutorConfig::default()
    })
}

pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

pub fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}
