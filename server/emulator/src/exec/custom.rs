//! Custom runtimes (`custom`, `custom.debian10/11/12`): starts `command + args` (or the code's
//! `bootstrap`) with `FC_CUSTOM_LISTEN_PORT` set to a loopback port of its own (D22), waits until
//! the port accepts, then forwards requests over HTTP/1.1 (fc-api.md §9.5):
//!
//! - event invocations: `POST /invoke` with the event as body and FC's `x-fc-*` headers; a 5xx
//!   answer is a function error (`UnhandledInvocationError`), any other status a success (the
//!   InvokeFunction status stays 200);
//! - HTTP requests: method, path, query, headers (minus hop-by-hop ones) and body as they came,
//!   plus the same `x-fc-*` headers; the answer's status, headers and body are returned as they
//!   are (a 5xx too).
//!
//! The log of a request is the instance's output while the request ran (with
//! `instanceConcurrency` > 1 concurrent requests share it).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::pool::{Channel, Lease, Shared};
use super::process::{self, Launch, Process};
use super::{
    ExecError, FunctionSpec, InvokeRequest, InvokeResponse, LOG_TAIL_BYTES, MAX_BODY, RuntimeKind,
    error_body, framed_log,
};

/// Where a custom-runtime instance listens.
pub(super) struct Endpoint {
    port: u16,
    _port: PortLease,
}

/// A port handed to one instance; returned to the pool of free ports when the instance goes.
struct PortLease {
    ports: Arc<Mutex<HashSet<u16>>>,
    port: u16,
}

impl Drop for PortLease {
    fn drop(&mut self) {
        if let Ok(mut ports) = self.ports.lock() {
            ports.remove(&self.port);
        }
    }
}

/// Headers never forwarded (hop-by-hop, or recomputed).
const SKIPPED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
];

/// Starts the instance and waits (bounded) until its port accepts connections.
pub(super) async fn start(
    shared: &Arc<Shared>,
    spec: &FunctionSpec,
    instance_id: &str,
) -> Result<(Process, Endpoint), String> {
    let port = allocate_port(&shared.ports)?;
    let env = process::instance_env(spec, RuntimeKind::Custom, instance_id, Some(port.port));
    let (program, args) = command_line(spec, env.get("PATH").map_or("", String::as_str))?;
    let launch = Launch {
        program,
        args,
        cwd: spec.code_dir.clone(),
        env,
        address_space_kb: None,
        stdin_line: None,
    };
    let process = Process::spawn(launch, &shared.registry)?;
    let bound = shared.config.start_timeout;
    let deadline = Instant::now() + bound;
    let mut delay = Duration::from_millis(5);
    let failure = loop {
        if let Some(status) = process.exit_status() {
            break format!("the custom runtime exited while starting ({status})");
        }
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", port.port));
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(500), connect).await {
            return Ok((
                process,
                Endpoint {
                    port: port.port,
                    _port: port,
                },
            ));
        }
        if Instant::now() >= deadline {
            break format!(
                "the custom runtime did not listen on 127.0.0.1:{} within {bound:?}; it must listen on the \
                 port given in FC_CUSTOM_LISTEN_PORT (each instance gets its own)",
                port.port
            );
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(100));
    };
    Err(process.start_failed(failure).await)
}

fn allocate_port(ports: &Arc<Mutex<HashSet<u16>>>) -> Result<PortLease, String> {
    for _ in 0..64 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("cannot find a free port: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        drop(listener);
        let mut taken = ports
            .lock()
            .map_err(|_| "port registry poisoned".to_owned())?;
        if taken.insert(port) {
            return Ok(PortLease {
                ports: Arc::clone(ports),
                port,
            });
        }
    }
    Err("cannot find a free loopback port".to_owned())
}

/// The program and arguments: `command + args`, else `<code>/bootstrap + args`; a leading
/// `/code` in any word means the code directory.
fn command_line(spec: &FunctionSpec, child_path: &str) -> Result<(PathBuf, Vec<String>), String> {
    let code = &spec.code_dir;
    let rewrite = |word: &String| -> String {
        if word == "/code" {
            code.display().to_string()
        } else if let Some(rest) = word.strip_prefix("/code/") {
            code.join(rest).display().to_string()
        } else {
            word.clone()
        }
    };
    let mut words: Vec<String> = spec.command.iter().chain(&spec.args).map(rewrite).collect();
    if spec.command.is_empty() {
        let bootstrap = code.join("bootstrap");
        if !bootstrap.is_file() {
            return Err(format!(
                "runtime {} needs customRuntimeConfig.command or an executable `bootstrap` file in the code; \
                 neither was found",
                spec.runtime
            ));
        }
        if !process::is_executable(&bootstrap) {
            return Err(
                "the code's `bootstrap` file is not executable (chmod +x it before packaging)"
                    .to_owned(),
            );
        }
        words.insert(0, bootstrap.display().to_string());
    }
    let first = words.remove(0);
    let program = if first.contains('/') {
        let path = Path::new(&first);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            code.join(path)
        };
        if !process::is_executable(&path) {
            return Err(format!(
                "the command `{}` is not an executable file",
                path.display()
            ));
        }
        path
    } else {
        process::which(&first, child_path)
            .or_else(|| process::which(&first, &process::host_path()))
            .ok_or_else(|| format!("the command `{first}` was not found on PATH"))?
    };
    Ok((program, words))
}

/// The `x-fc-*` headers FC adds (fc-api.md §9.5); credentials are empty locally.
fn fc_headers(spec: &FunctionSpec, request: &InvokeRequest) -> Vec<(&'static str, String)> {
    let timeout = super::effective_timeout(spec);
    let mut headers = vec![
        ("x-fc-request-id", request.request_id.clone()),
        ("x-fc-function-name", spec.name.clone()),
        ("x-fc-function-memory", spec.memory_mb.to_string()),
        (
            "x-fc-function-timeout",
            timeout.as_secs().max(1).to_string(),
        ),
        ("x-fc-function-handler", spec.handler.clone()),
        ("x-fc-region", spec.region.clone()),
        ("x-fc-account-id", spec.account_id.clone()),
        ("x-fc-access-key-id", String::new()),
        ("x-fc-access-key-secret", String::new()),
        ("x-fc-security-token", String::new()),
    ];
    if let Some(init) = &spec.initializer {
        headers.push(("x-fc-function-initializer", init.handler.clone()));
        headers.push((
            "x-fc-initialization-timeout",
            init.effective_timeout().as_secs().max(1).to_string(),
        ));
    }
    headers
}

/// Runs the initializer of a started instance: `POST /initialize` (fc-api.md §9.5), bounded by
/// the hook's timeout; a 2xx answer is success. `Err` carries the FC error JSON.
pub(super) async fn initialize(
    shared: &Shared,
    spec: &FunctionSpec,
    endpoint: &Endpoint,
    hook: &super::Hook,
    request: &InvokeRequest,
) -> Result<(), super::InitFailure> {
    let client = shared
        .http_client()
        .map_err(|e| super::InitFailure::error(&e))?;
    let mut headers = HeaderMap::new();
    for (name, value) in fc_headers(spec, request) {
        if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let url = format!("http://127.0.0.1:{}/initialize", endpoint.port);
    let timeout = hook.effective_timeout();
    let call = async {
        let response = client
            .post(url)
            .headers(headers)
            .body(Vec::new())
            .send()
            .await
            .map_err(|e| super::InitFailure::error(&format!("POST /initialize failed: {e}")))?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            Ok(())
        } else if is_fc_error(&body) {
            Err(super::InitFailure {
                body: body.to_vec(),
                log: Vec::new(),
            })
        } else {
            Err(super::InitFailure::error(&format!(
                "POST /initialize answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(2000)])
            )))
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(failure)) => Err(failure),
        Err(_) => Err(super::InitFailure::timeout(timeout)),
    }
}

fn build_request(
    client: &reqwest::Client,
    port: u16,
    spec: &FunctionSpec,
    request: &InvokeRequest,
) -> Result<reqwest::RequestBuilder, String> {
    let fc = fc_headers(spec, request);
    let mut headers = HeaderMap::new();
    let (method, url, body) = match &request.http {
        Some(http) => {
            let method = reqwest::Method::from_bytes(http.method.as_bytes())
                .map_err(|_| format!("invalid HTTP method `{}`", http.method))?;
            let path = if http.path.starts_with('/') {
                http.path.clone()
            } else {
                format!("/{}", http.path)
            };
            let url = if http.query.is_empty() {
                format!("http://127.0.0.1:{port}{path}")
            } else {
                format!("http://127.0.0.1:{port}{path}?{}", http.query)
            };
            for (name, value) in &http.headers {
                let lower = name.to_ascii_lowercase();
                if SKIPPED_HEADERS.contains(&lower.as_str()) || fc.iter().any(|(n, _)| *n == lower)
                {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(lower.as_bytes()),
                    HeaderValue::from_bytes(value.as_bytes()),
                ) {
                    headers.append(n, v);
                }
            }
            (method, url, http.body.clone())
        }
        None => {
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            (
                reqwest::Method::POST,
                format!("http://127.0.0.1:{port}/invoke"),
                request.payload.clone(),
            )
        }
    };
    for (name, value) in fc {
        if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let url =
        reqwest::Url::parse(&url).map_err(|e| format!("invalid request target `{url}`: {e}"))?;
    Ok(client.request(method, url).headers(headers).body(body))
}

/// Runs one request on a leased custom-runtime instance.
pub(super) async fn invoke(
    shared: &Arc<Shared>,
    spec: &FunctionSpec,
    request: &InvokeRequest,
    lease: Lease,
    timeout: Duration,
) -> Result<InvokeResponse, ExecError> {
    let running = Arc::clone(&lease.running);
    let Channel::Custom(endpoint) = &running.channel else {
        lease.finish(false);
        return Err(ExecError::StartFailed(
            "internal error: not a custom-runtime instance".to_owned(),
        ));
    };
    let client = match shared.http_client() {
        Ok(client) => client.clone(),
        Err(message) => {
            lease.finish(true);
            return Err(ExecError::StartFailed(message));
        }
    };
    let mut response = InvokeResponse {
        instance_id: running.id.clone(),
        cold_start: lease.cold,
        cold_start_duration: lease.cold.then_some(running.init_duration),
        ..InvokeResponse::default()
    };
    let builder = match build_request(&client, endpoint.port, spec, request) {
        Ok(builder) => builder,
        Err(message) => {
            lease.finish(true);
            response.status = if request.http.is_some() { 400 } else { 200 };
            response.body = error_body(&message, "InvalidRequest");
            response.error_type = Some("UnhandledInvocationError".to_owned());
            return Ok(response);
        }
    };
    let logs = &running.process.logs;
    let log_start = logs.offset();
    let pids = running.process.group_pids();
    if lease.alone {
        process::reset_peak_memory(&pids);
    }
    let begun = Instant::now();
    let exchange = async {
        let mut answer = builder.send().await.map_err(|e| e.to_string())?;
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .filter(|(name, _)| !SKIPPED_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        // Bounded by MAX_BODY.
        while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!("the response body exceeds {MAX_BODY} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, String>((status, headers, body))
    };
    let result = tokio::time::timeout(timeout, exchange).await;
    response.duration = begun.elapsed();
    response.max_memory_mb = process::peak_memory_mb(&pids);
    match result {
        Err(_) => {
            lease.finish(false);
            Err(ExecError::Timeout(timeout))
        }
        Ok(Ok((status, headers, body))) => {
            if request.log_tail {
                let end = logs
                    .settle(Duration::from_millis(10), Duration::from_millis(100))
                    .await;
                response.log = framed_log(request, &logs.range(log_start, end, LOG_TAIL_BYTES));
            }
            lease.finish(true);
            if request.http.is_some() {
                response.status = status;
                response.headers = headers;
                response.body = body;
            } else {
                response.status = 200;
                if status >= 500 {
                    response.error_type = Some("UnhandledInvocationError".to_owned());
                    response.body = if is_fc_error(&body) {
                        body
                    } else {
                        let text = String::from_utf8_lossy(&body);
                        error_body(
                            &format!("the custom runtime answered {status}: {text}"),
                            "HttpError",
                        )
                    };
                } else {
                    response.body = body;
                }
            }
            Ok(response)
        }
        Ok(Err(message)) => {
            let status = running.process.wait_exit(Duration::from_millis(300)).await;
            let end = logs
                .settle(Duration::from_millis(20), Duration::from_millis(300))
                .await;
            response.log = framed_log(request, &logs.range(log_start, end, LOG_TAIL_BYTES));
            lease.finish(false);
            let message = match status {
                Some(status) => {
                    format!("Process exited unexpectedly before completing request ({status})")
                }
                None => format!("The custom runtime did not answer: {message}"),
            };
            response.status = if request.http.is_some() { 502 } else { 200 };
            response.headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            response.body = error_body(&message, "ProcessExitedError");
            response.error_type = Some("UnhandledInvocationError".to_owned());
            Ok(response)
        }
    }
}

fn is_fc_error(body: &[u8]) -> bool {
    matches!(serde_json::from_slice::<serde_json::Value>(body), Ok(serde_json::Value::Object(o)) if o.contains_key("errorMessage"))
}
