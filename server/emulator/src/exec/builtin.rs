//! Built-in runtimes (python3.x, nodejs): starts the embedded bootstrap of the runtime, accepts
//! its connection, and runs requests over the framed protocol described in the docs of `exec`.
//! An instance serves one request at a time (FC 3.0 built-in runtimes, D22).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::pool::{Channel, Lease, Shared};
use super::process::{self, Launch, Process};
use super::{
    ExecError, FunctionSpec, InvokeRequest, InvokeResponse, LOG_TAIL_BYTES, MAX_BODY, RuntimeKind,
    error_body, framed_log, http_event,
};

const PYTHON_BOOTSTRAP: &str = include_str!("bootstrap/python.py");
const NODE_BOOTSTRAP: &str = include_str!("bootstrap/nodejs.js");

/// Largest frame header accepted from a bootstrap.
const MAX_HEADER: usize = 1 << 20;

/// The connection to a bootstrap.
pub(super) struct Connection {
    stream: tokio::sync::Mutex<TcpStream>,
    /// Part of the end-of-request markers on the output pipe.
    secret: String,
    seq: AtomicU64,
}

/// Starts a bootstrap and waits (bounded) until it has imported the handler and connected.
pub(super) async fn start(
    shared: &Arc<Shared>,
    spec: &FunctionSpec,
    kind: RuntimeKind,
    instance_id: &str,
) -> Result<(Process, Connection), String> {
    let config = &shared.config;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind 127.0.0.1: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot bind 127.0.0.1: {e}"))?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let (interpreter, mut args) = match kind {
        RuntimeKind::Node => {
            let mut args = Vec::new();
            if config.memory_limit && spec.memory_mb > 0 {
                args.push(format!("--max-old-space-size={}", spec.memory_mb));
            }
            args.extend(["-e".to_owned(), NODE_BOOTSTRAP.to_owned()]);
            (&config.node, args)
        }
        _ => (
            &config.python,
            vec![
                "-u".to_owned(),
                "-c".to_owned(),
                PYTHON_BOOTSTRAP.to_owned(),
            ],
        ),
    };
    args.extend([
        addr.to_string(),
        spec.code_dir.display().to_string(),
        spec.handler.clone(),
    ]);
    let program = process::which(interpreter, &process::host_path()).ok_or_else(|| {
        format!(
            "`{interpreter}` was not found on PATH; the emulator needs it to run {} functions",
            spec.runtime
        )
    })?;
    let address_space_kb =
        (kind == RuntimeKind::Python && config.memory_limit && spec.memory_mb > 0)
            .then(|| spec.memory_mb * 1024);
    let launch = Launch {
        program,
        args,
        cwd: spec.code_dir.clone(),
        env: process::instance_env(spec, kind, instance_id, None),
        address_space_kb,
        stdin_line: Some(token.clone()),
    };
    let process = Process::spawn(launch, &shared.registry)?;
    process.logs.set_marker_secret(&secret);
    let bound = config.start_timeout;
    let connected = tokio::select! {
        r = tokio::time::timeout(bound, accept_hello(&listener, &token)) => match r {
            Ok(r) => r,
            Err(_) => Err(format!("the {} bootstrap did not start within {bound:?}", spec.runtime)),
        },
        status = process.wait_exit(bound + Duration::from_secs(1)) => Err(format!(
            "the {} bootstrap exited while starting ({})",
            spec.runtime,
            status.unwrap_or_else(|| "still running".to_owned())
        )),
    };
    match connected {
        Ok(stream) => {
            let connection = Connection {
                stream: tokio::sync::Mutex::new(stream),
                secret,
                seq: AtomicU64::new(0),
            };
            Ok((process, connection))
        }
        Err(message) => Err(process.start_failed(message).await),
    }
}

/// Accepts connections until one says hello with `token` (a few attempts at most; the caller
/// bounds the time).
async fn accept_hello(listener: &TcpListener, token: &str) -> Result<TcpStream, String> {
    let mut last = String::from("no connection");
    for _ in 0..8 {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| format!("accept failed: {e}"))?;
        let _ = stream.set_nodelay(true);
        match tokio::time::timeout(Duration::from_secs(5), read_frame(&mut stream)).await {
            Ok(Ok((header, _))) if header["type"] == "hello" && header["token"] == token => {
                return Ok(stream);
            }
            Ok(Ok(_)) => last = "a connection without the instance's token".to_owned(),
            Ok(Err(e)) => last = format!("a broken hello: {e}"),
            Err(_) => last = "a silent connection".to_owned(),
        }
    }
    Err(format!("the bootstrap never said hello ({last})"))
}

/// Runs one request on a leased built-in instance.
pub(super) async fn invoke(
    spec: &FunctionSpec,
    request: &InvokeRequest,
    lease: Lease,
    timeout: Duration,
) -> Result<InvokeResponse, ExecError> {
    let running = Arc::clone(&lease.running);
    let Channel::Builtin(connection) = &running.channel else {
        lease.finish(false);
        return Err(ExecError::StartFailed(
            "internal error: not a built-in instance".to_owned(),
        ));
    };
    let seq = connection.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let marker = format!("\x1eFCEND:{}:{seq}\x1e", connection.secret);
    let event = match &request.http {
        Some(http) => http_event::event(request, http, spec, SystemTime::now()),
        None => request.payload.clone(),
    };
    let header = json!({
        "type": "invoke",
        "seq": seq,
        "marker": marker,
        "context": context(spec, request, &running.id),
    });
    let logs = &running.process.logs;
    let log_start = logs.offset();
    let pids = [running.process.pid];
    if lease.alone {
        process::reset_peak_memory(&pids);
    }
    let begun = Instant::now();
    let exchange = async {
        let mut stream = connection.stream.lock().await;
        write_frame(&mut stream, &header, &event).await?;
        read_frame(&mut stream).await
    };
    let result = tokio::time::timeout(timeout, exchange).await;
    let duration = begun.elapsed();
    let max_memory_mb = process::peak_memory_mb(&pids);
    let mut response = InvokeResponse {
        instance_id: running.id.clone(),
        cold_start: lease.cold,
        cold_start_duration: lease.cold.then_some(running.init_duration),
        duration,
        max_memory_mb,
        ..InvokeResponse::default()
    };
    let reply = match result {
        Err(_) => {
            lease.finish(false);
            return Err(ExecError::Timeout(timeout));
        }
        Ok(Ok((h, body))) if h["type"] == "result" && h["seq"] == seq => Some((h, body)),
        Ok(Ok(_)) | Ok(Err(_)) => None,
    };
    match reply {
        Some((h, body)) => {
            let end = logs.wait_marker(seq, Duration::from_secs(2)).await;
            response.log = framed_log(request, &logs.range(log_start, end, LOG_TAIL_BYTES));
            // `fatal`: the bootstrap ends after this answer (nodejs: an uncaught exception).
            lease.finish(h["fatal"] != true);
            let error_type = (h["status"] != "ok").then(|| {
                h["errorType"]
                    .as_str()
                    .unwrap_or("UnhandledInvocationError")
                    .to_owned()
            });
            match (&request.http, error_type) {
                (Some(_), None) => {
                    let (status, headers, body) = http_event::map_result(body);
                    response.status = status;
                    response.headers = headers;
                    response.body = body;
                }
                (Some(_), Some(error_type)) => {
                    response.status = 502;
                    response.headers =
                        vec![("content-type".to_owned(), "application/json".to_owned())];
                    response.body = body;
                    response.error_type = Some(error_type);
                }
                (None, error_type) => {
                    response.status = 200;
                    response.body = body;
                    response.error_type = error_type;
                }
            }
        }
        None => {
            // The bootstrap died (or broke the protocol): a function error, and a new instance
            // next time.
            let status = running.process.wait_exit(Duration::from_millis(500)).await;
            let end = logs
                .settle(Duration::from_millis(20), Duration::from_millis(300))
                .await;
            response.log = framed_log(request, &logs.range(log_start, end, LOG_TAIL_BYTES));
            lease.finish(false);
            let message = match status {
                Some(status) => {
                    format!("Process exited unexpectedly before completing request ({status})")
                }
                None => "The runtime broke its connection before completing request".to_owned(),
            };
            response.status = if request.http.is_some() { 502 } else { 200 };
            response.headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            response.body = error_body(&message, "ProcessExitedError");
            response.error_type = Some("UnhandledInvocationError".to_owned());
        }
    }
    Ok(response)
}

/// Runs the initializer handler on a started instance (`initializer(context)`), bounded by the
/// hook's timeout.
pub(super) async fn initialize(
    spec: &FunctionSpec,
    process: &Process,
    connection: &Connection,
    hook: &super::Hook,
    request: &InvokeRequest,
    instance_id: &str,
) -> Result<(), super::InitFailure> {
    let seq = connection.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let marker = format!("\x1eFCEND:{}:{seq}\x1e", connection.secret);
    let header = json!({
        "type": "init",
        "seq": seq,
        "marker": marker,
        "handler": hook.handler,
        "context": context(spec, request, instance_id),
    });
    let log_start = process.logs.offset();
    let exchange = async {
        let mut stream = connection.stream.lock().await;
        write_frame(&mut stream, &header, &[]).await?;
        read_frame(&mut stream).await
    };
    let timeout = hook.effective_timeout();
    let reply = tokio::time::timeout(timeout, exchange).await;
    let (h, body) = match reply {
        Err(_) => return Err(super::InitFailure::timeout(timeout)),
        Ok(Ok((h, body))) if h["type"] == "result" && h["seq"] == seq => (h, body),
        Ok(_) => {
            return Err(super::InitFailure::error(
                "the runtime exited during initialization",
            ));
        }
    };
    let end = process.logs.wait_marker(seq, Duration::from_secs(2)).await;
    if h["status"] == "ok" {
        return Ok(());
    }
    Err(super::InitFailure {
        body,
        log: process.logs.range(log_start, end, LOG_TAIL_BYTES),
    })
}

/// The context object's fields (fc-api.md §9.5; names from FC, credentials empty).
fn context(spec: &FunctionSpec, request: &InvokeRequest, instance_id: &str) -> Value {
    let timeout = super::effective_timeout(spec);
    json!({
        "requestId": request.request_id,
        "instanceId": instance_id,
        "credentials": {"accessKeyId": "", "accessKeySecret": "", "securityToken": ""},
        "function": {
            "name": spec.name,
            "handler": spec.handler,
            "memory": spec.memory_mb,
            "timeout": timeout.as_secs().max(1),
            "initializer": spec.initializer.as_ref().map_or("", |h| h.handler.as_str()),
            "initializationTimeout": spec
                .initializer
                .as_ref()
                .map_or(0, |h| h.effective_timeout().as_secs()),
        },
        "service": {
            "name": "",
            "qualifier": request.qualifier.clone().unwrap_or_else(|| spec.version.clone()),
            "versionId": spec.version,
            "logProject": "",
            "logStore": "",
        },
        "region": spec.region,
        "accountId": spec.account_id,
    })
}

async fn write_frame(stream: &mut TcpStream, header: &Value, body: &[u8]) -> std::io::Result<()> {
    let header = serde_json::to_vec(header)?;
    let too_big = |_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large");
    let header_len = u32::try_from(header.len()).map_err(too_big)?;
    let body_len = u32::try_from(body.len()).map_err(too_big)?;
    let mut frame = Vec::with_capacity(8 + header.len() + body.len());
    frame.extend_from_slice(&header_len.to_be_bytes());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(&body_len.to_be_bytes());
    frame.extend_from_slice(body);
    stream.write_all(&frame).await?;
    stream.flush().await
}

async fn read_frame(stream: &mut TcpStream) -> std::io::Result<(Value, Vec<u8>)> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let header_len = stream.read_u32().await? as usize;
    if header_len > MAX_HEADER {
        return Err(invalid("frame header too large"));
    }
    let mut header = vec![0u8; header_len];
    stream.read_exact(&mut header).await?;
    let header: Value =
        serde_json::from_slice(&header).map_err(|_| invalid("frame header is not JSON"))?;
    let body_len = stream.read_u32().await? as usize;
    if body_len > MAX_BODY {
        return Err(invalid("frame body too large"));
    }
    let mut body = vec![0u8; body_len];
    stream.read_exact(&mut body).await?;
    Ok((header, body))
}
