//! Function execution for InvokeFunction and HTTP triggers: one pool of warm instances per
//! (function, version, code checksum, configuration); python and nodejs handlers through an
//! embedded bootstrap, custom runtimes by starting the user's command and proxying HTTP to its
//! port (`FC_CUSTOM_LISTEN_PORT`, D22); cold starts measured, `instanceConcurrency` respected,
//! the function timeout enforced (fc-api.md §9.5, §9.6, §14 items 33–36).
//!
//! The API layer owns storage: it unpacks a function's code into a directory and hands this
//! module a [`FunctionSpec`]; this module owns processes.
//!
//! # Runtimes
//!
//! | `runtime` | how it runs |
//! |---|---|
//! | `python3`, `python3.x` | `python3 -u -c <bootstrap>` (the local `python3`, whatever its version), `handler(event: bytes, context)` |
//! | `nodejs*` | `node -e <bootstrap>` (the local `node`), `exports.handler = (event: Buffer, context, callback)` or `async (event, context)`; `.mjs` files and ESM packages through `import()` |
//! | `custom`, `custom.debian10/11/12` | `command + args`, else `<code>/bootstrap`, with `FC_CUSTOM_LISTEN_PORT` set to a free loopback port per instance |
//! | `custom-container`, `micro-sandbox` | [`ExecError::UnsupportedRuntime`]: container images cannot be pulled here (D22) |
//! | java, go, php, dotnet… | [`ExecError::UnsupportedRuntime`] |
//!
//! # Built-in runtime protocol (python and nodejs)
//!
//! Per instance the emulator binds a one-shot listener on `127.0.0.1:0` and starts the bootstrap
//! with `argv = [<listener addr>, <code dir>, <handler>]`; the first line on the bootstrap's stdin
//! is a random token, then stdin is closed (handlers see an empty stdin). The bootstrap imports the
//! handler (import time counts as cold start), connects, and sends a `hello` frame carrying the
//! token. Every message afterwards is one frame on that connection:
//!
//! ```text
//! u32 big-endian header length | header (JSON object) | u32 big-endian body length | body bytes
//! ```
//!
//! - emulator → bootstrap: `{"type":"invoke","seq":N,"marker":"…","context":{…}}` + the event bytes;
//! - bootstrap → emulator: `{"type":"result","seq":N,"status":"ok"|"error","errorType":…}` + the
//!   return value (str/bytes as is, other values JSON-encoded) or the FC error JSON
//!   `{"errorMessage","errorType","stackTrace"}`.
//!
//! The handler's stdout and stderr are one pipe (in write order) read by the emulator; after each
//! invocation the bootstrap writes the request's `marker` (a control sequence carrying a per-instance
//! secret and the sequence number) to that pipe, so the emulator cuts the request's log exactly
//! (the marker is removed from the log). Frames are bounded (1 MiB header, 64 MiB body).
//!
//! # Results
//!
//! - InvokeFunction: status 200 with the return value; a function error (exception, rejected
//!   promise, crash, custom runtime 5xx) is status 200 with `error_type`
//!   `UnhandledInvocationError` (nodejs `callback(err)`: `HandledInvocationError`) and the FC
//!   error JSON; a timeout is [`ExecError::Timeout`] (the API layer answers FC's timeout error).
//! - HTTP requests to built-in runtimes: the v1 event in, the return value mapped back
//!   (`http_event`); a function error answers 502 with the error JSON and `error_type` set.
//!   Custom runtimes: the server's answer as it is.
//! - An instance is identified by `instance_id` (also `FC_INSTANCE_ID` inside it); a request that
//!   waited for its instance to start has `cold_start` and `cold_start_duration`.
//!
//! # Pools
//!
//! A pool is keyed by function name, version, code checksum and a fingerprint of the rest of the
//! spec (runtime, handler, memory, timeout, concurrency, environment, command, code directory):
//! FC replaces instances when a function's configuration changes, and so does the emulator. When a
//! new key appears for a function and version, the other pools of that function and version
//! retire: idle instances stop at once, busy ones when their request ends.
//!
//! [`Executor::prewarm`] starts provisioned instances ahead of requests (fc-api.md §13.4): they
//! run the initializer, are never released for being idle, and a request that finds one ready
//! is not a cold start.
//!
//! # Environment handlers see
//!
//! The emulator's environment is NOT inherited. Each instance gets `PATH` and `HOME` (the
//! emulator's), then `FC_RUNTIME`, `FC_TIMEOUT` (seconds), `FC_FUNC_CODE_PATH` (the code directory,
//! with a trailing `/`), `FC_ACCOUNT_ID`, `FC_REGION`, `FC_FUNCTION_NAME`, `FC_FUNCTION_HANDLER`,
//! `FC_FUNCTION_MEMORY_SIZE` (MB), `FC_INSTANCE_ID` (fc-api.md §9.5), `FC_INITIALIZER_HANDLER` and
//! `FC_INITIALIZATION_TIMEOUT` when the function has an initializer, then the function's
//! `environmentVariables` (which win, as in fc3's local mode), except that `FC_INSTANCE_ID` and,
//! for custom runtimes, `FC_CUSTOM_LISTEN_PORT` are always the emulator's. No credentials are
//! injected (`ALIBABA_CLOUD_*` are not set; the context's credentials are empty strings).
//!
//! # What is enforced
//!
//! - **Timeout**: past `timeout` the instance (its whole process group) is killed and the call
//!   ends with [`ExecError::Timeout`]. Startup has its own bound ([`ExecutorConfig::start_timeout`]).
//! - **Concurrency**: at most `instanceConcurrency` requests per instance (built-in runtimes: 1),
//!   at most [`ExecutorConfig::max_instances`] instances per pool; beyond it requests wait up to
//!   [`ExecutorConfig::queue_timeout`], then fail with [`ExecError::StartFailed`].
//! - **Memory** (with [`ExecutorConfig::memory_limit`], the default): python instances run under
//!   `ulimit -v <memorySize MB>` (`RLIMIT_AS`: virtual address space, stricter than FC's resident
//!   limit; an allocation past it raises `MemoryError` in the handler); nodejs instances get
//!   `--max-old-space-size=<memorySize>` (the V8 heap only; V8 needs far more address space than
//!   its heap, so `RLIMIT_AS` is not used). Custom runtimes get no memory limit (runtimes such as
//!   the JVM or Go reserve large address ranges). No cgroups are used.
//! - **Measured**: handler duration, cold start time, the peak resident memory of the instance's
//!   processes during the request (`VmHWM`, reset through `/proc/<pid>/clear_refs` when the
//!   request is alone on the instance).
//!
//! # What is not emulated
//!
//! CPU share (`cpu`) and `alwaysAllocateCPU`, disk size, GPU, container images (`custom-container`
//! cannot be pulled), layers (`/opt` is not provided), NAS/OSS mounts, VPC, the preStop hook
//! (the initializer runs, see [`Hook`]), health checks (`healthCheckConfig`; readiness is "the
//! port accepts"), the runtime versions (python3.9 and python3.12 both run the local `python3`). Paths
//! starting with `/code` in a custom runtime's `command`/`args` are rewritten to the code directory.

mod builtin;
mod custom;
mod http_event;
mod pool;
mod process;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What the executor needs to know about one function (at one version).
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionSpec {
    /// `functionName` (may contain `$` for legacy `service$function` names, D11).
    pub name: String,
    /// The version or `LATEST` this spec belongs to (instances are never shared across versions).
    pub version: String,
    /// CRC-64 of the code zip: a new checksum means new instances.
    pub code_checksum: String,
    pub runtime: String,
    pub handler: String,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub instance_concurrency: u64,
    pub environment: BTreeMap<String, String>,
    /// The unpacked code.
    pub code_dir: PathBuf,
    /// `customRuntimeConfig` / `customContainerConfig` start command, when any.
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// The port the custom runtime listens on (default 9000; each instance gets its own through
    /// `FC_CUSTOM_LISTEN_PORT`).
    pub port: u16,
    /// Region and account, for the `FC_*` variables handlers see.
    pub region: String,
    pub account_id: String,
    /// `instanceLifecycleConfig.initializer`: run once per instance before its first request
    /// (part of the cold start); `None` when the function has none.
    pub initializer: Option<Hook>,
}

/// A lifecycle hook (`instanceLifecycleConfig.initializer`, fc-api.md §9.5).
///
/// - python/nodejs with `handler`: the bootstrap calls `<module>.<function>(context)` (nodejs:
///   `(context, callback)` or an async function) in the instance;
/// - custom runtimes (`handler` or `command`): `POST /initialize` to the instance's server with
///   the `x-fc-*` headers (plus `x-fc-function-initializer` and `x-fc-initialization-timeout`);
///   a 2xx answer is success;
/// - python/nodejs with `command`: the command runs to completion in the code directory with
///   the instance's environment; exit status 0 is success.
///
/// A failure or a timeout answers the request that waited for the instance with a function
/// error (`UnhandledInvocationError`, error types `InitializationError` /
/// `InitializationTimeoutError` unless the handler's own) and the instance is discarded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hook {
    pub handler: String,
    pub command: Vec<String>,
    /// Zero means FC's default of 3 s.
    pub timeout: Duration,
}

impl Hook {
    /// `timeout`, with FC's default of 3 s when zero.
    pub fn effective_timeout(&self) -> Duration {
        if self.timeout.is_zero() {
            Duration::from_secs(3)
        } else {
            self.timeout
        }
    }
}

/// An HTTP request reaching a function through an HTTP trigger.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// Path after the trigger prefix, starting with `/`.
    pub path: String,
    /// Raw query string, without `?`.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub client_ip: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct InvokeRequest {
    pub request_id: String,
    /// InvokeFunction payload (the event); ignored for HTTP requests.
    pub payload: Vec<u8>,
    /// `x-fc-log-type: Tail`: return the last 4 KB of the invocation's log.
    pub log_tail: bool,
    /// Set for HTTP-trigger requests.
    pub http: Option<HttpRequest>,
    /// The qualifier the caller used (an alias name, a version id); the handler's
    /// `context.service.qualifier`. `None` means the spec's version.
    pub qualifier: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct InvokeResponse {
    /// HTTP status to answer with (200 for a successful InvokeFunction).
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `x-fc-error-type`: `HandledInvocationError` / `UnhandledInvocationError`.
    pub error_type: Option<String>,
    /// The log tail (plain text; the API layer base64-encodes it into `x-fc-log-result`).
    pub log: Option<String>,
    /// Time the handler ran, for `x-fc-invocation-duration` (ms).
    pub duration: Duration,
    pub instance_id: String,
    pub cold_start: bool,
    /// How long the instance took to start (process start + readiness), when `cold_start`.
    pub cold_start_duration: Option<Duration>,
    /// Peak resident memory of the instance's processes during the request, in MiB, for
    /// `x-fc-max-memory-usage`; `None` when it could not be read (no `/proc`).
    pub max_memory_mb: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The message names the runtime and says why (and what to do instead).
    #[error("{0}")]
    UnsupportedRuntime(String),
    #[error("the function could not start: {0}")]
    StartFailed(String),
    #[error("the function timed out after {0:?}")]
    Timeout(Duration),
    #[error("the executor is shutting down")]
    ShuttingDown,
}

/// Tunables of an [`Executor`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorConfig {
    /// An instance idle this long is stopped (fc-api.md §9.6: emulator default 60 s).
    pub idle_timeout: Duration,
    /// Instances per pool (function, version, code checksum) at most.
    pub max_instances: usize,
    /// Bound on an instance's start (process start, handler import, port readiness).
    pub start_timeout: Duration,
    /// How long a request waits for capacity when the pool is at `max_instances`.
    pub queue_timeout: Duration,
    /// Apply the memory limits described in the module docs.
    pub memory_limit: bool,
    /// The python interpreter (looked up on the emulator's `PATH`).
    pub python: String,
    /// The node binary (looked up on the emulator's `PATH`).
    pub node: String,
}

impl Default for ExecutorConfig {
    fn default() -> ExecutorConfig {
        ExecutorConfig {
            idle_timeout: Duration::from_secs(60),
            max_instances: 64,
            start_timeout: Duration::from_secs(30),
            queue_timeout: Duration::from_secs(30),
            memory_limit: true,
            python: "python3".to_owned(),
            node: "node".to_owned(),
        }
    }
}

/// How a runtime executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RuntimeKind {
    Python,
    Node,
    Custom,
}

impl RuntimeKind {
    fn of(runtime: &str) -> Result<RuntimeKind, ExecError> {
        let unsupported = |why: &str| {
            Err(ExecError::UnsupportedRuntime(format!(
                "runtime `{runtime}` cannot be executed by the local emulator: {why}"
            )))
        };
        if runtime.starts_with("python2") {
            return unsupported("only python3 handlers are executed");
        }
        if runtime.starts_with("python") {
            return Ok(RuntimeKind::Python);
        }
        if runtime.starts_with("nodejs") {
            return Ok(RuntimeKind::Node);
        }
        if runtime == "custom" || runtime.starts_with("custom.") {
            return Ok(RuntimeKind::Custom);
        }
        match runtime {
            "custom-container" | "micro-sandbox" => unsupported(
                "container images cannot be pulled here (DECISIONS D22); the function is stored and \
                 served, but to run it locally use a `custom.debian12` runtime with a `bootstrap` \
                 (or command) that listens on FC_CUSTOM_LISTEN_PORT",
            ),
            _ => unsupported(
                "the emulator executes python3.x, nodejs and custom (custom.debian10/11/12) \
                 runtimes only",
            ),
        }
    }
}

/// Runs functions. Cheap to clone; all clones share the instance pools.
#[derive(Clone)]
pub struct Executor {
    shared: Arc<pool::Shared>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

impl Executor {
    pub fn new() -> Executor {
        Executor::with_config(ExecutorConfig::default())
    }

    pub fn with_config(config: ExecutorConfig) -> Executor {
        Executor {
            shared: Arc::new(pool::Shared::new(config)),
        }
    }

    pub fn config(&self) -> &ExecutorConfig {
        &self.shared.config
    }

    /// Runs one request on a warm instance of `spec`'s pool, starting one when none has room.
    /// Function errors (exceptions, crashes, `callback(err)`) are `Ok` responses with
    /// `error_type` set; `Err` means the function did not run to an answer.
    pub async fn invoke(
        &self,
        spec: &FunctionSpec,
        request: InvokeRequest,
    ) -> Result<InvokeResponse, ExecError> {
        let kind = RuntimeKind::of(&spec.runtime)?;
        if !spec.code_dir.is_dir() {
            return Err(ExecError::StartFailed(format!(
                "the code directory {} does not exist",
                spec.code_dir.display()
            )));
        }
        let timeout = effective_timeout(spec);
        let lease = match self.shared.acquire(spec, kind).await? {
            Ok(lease) => lease,
            Err(failure) => return Ok(failure.response(&request)),
        };
        let outcome = match kind {
            RuntimeKind::Python | RuntimeKind::Node => {
                builtin::invoke(spec, &request, lease, timeout).await
            }
            RuntimeKind::Custom => {
                custom::invoke(&self.shared, spec, &request, lease, timeout).await
            }
        };
        match outcome {
            Err(ExecError::Timeout(_)) if self.shared.is_closing() => Err(ExecError::ShuttingDown),
            Ok(response) if response.error_type.is_some() && self.shared.is_closing() => {
                Err(ExecError::ShuttingDown)
            }
            other => other,
        }
    }

    /// Starts (in the background) instances of `spec`'s pool until `n` of them are provisioned:
    /// they run the initializer, are never released for being idle and serve requests without a
    /// cold start (fc-api.md §9.6, §13.4). Fewer than before: the extra ones become ordinary
    /// instances. Returns how many instances it started; at most
    /// [`ExecutorConfig::max_instances`] are provisioned.
    ///
    /// # Errors
    /// The runtime cannot be executed, the code directory is missing, or the executor is
    /// shutting down.
    pub fn prewarm(&self, spec: &FunctionSpec, n: usize) -> Result<usize, ExecError> {
        let kind = RuntimeKind::of(&spec.runtime)?;
        if !spec.code_dir.is_dir() {
            return Err(ExecError::StartFailed(format!(
                "the code directory {} does not exist",
                spec.code_dir.display()
            )));
        }
        self.shared.prewarm(spec, kind, n)
    }

    /// Provisioned instances of function `name` at `version` (`LATEST` or an id) that are up.
    pub fn provisioned_instances(&self, name: &str, version: &str) -> usize {
        self.shared.provisioned_running(name, version)
    }

    /// Stops keeping instances of `name` at `version` provisioned (they are released when idle).
    pub fn unprovision(&self, name: &str, version: &str) {
        self.shared.unprovision(name, version);
    }

    /// Number of instances (starting or running) across all pools.
    pub fn instance_count(&self) -> usize {
        self.shared.instance_count()
    }

    /// Stops every instance and waits (bounded) until their processes are gone. Later calls to
    /// [`Executor::invoke`] answer [`ExecError::ShuttingDown`].
    pub async fn shutdown(&self) {
        self.shared.shutdown().await;
    }
}

/// `spec.timeout`, with FC's default of 3 s when zero.
fn effective_timeout(spec: &FunctionSpec) -> Duration {
    if spec.timeout.is_zero() {
        Duration::from_secs(3)
    } else {
        spec.timeout
    }
}

/// Why an instance's initializer failed: the FC error JSON and the initializer's output.
#[derive(Clone, Debug)]
struct InitFailure {
    body: Vec<u8>,
    log: Vec<u8>,
}

impl InitFailure {
    fn error(message: &str) -> InitFailure {
        InitFailure {
            body: error_body(
                &format!("Function initialization failed: {message}"),
                "InitializationError",
            ),
            log: Vec::new(),
        }
    }

    fn timeout(after: Duration) -> InitFailure {
        InitFailure {
            body: error_body(
                &format!(
                    "Function initialization timed out after {} seconds",
                    after.as_secs_f64()
                ),
                "InitializationTimeoutError",
            ),
            log: Vec::new(),
        }
    }

    /// The function error answering the request that waited for the instance.
    fn response(self, request: &InvokeRequest) -> InvokeResponse {
        InvokeResponse {
            status: if request.http.is_some() { 502 } else { 200 },
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: self.body,
            error_type: Some("UnhandledInvocationError".to_owned()),
            log: framed_log(request, &self.log),
            cold_start: true,
            ..InvokeResponse::default()
        }
    }
}

/// Runs an initializer `command` of a built-in runtime instance to completion in the code
/// directory with the instance's environment, bounded by the hook's timeout.
async fn run_hook_command(
    shared: &pool::Shared,
    spec: &FunctionSpec,
    kind: RuntimeKind,
    instance_id: &str,
    hook: &Hook,
) -> Result<(), InitFailure> {
    let env = process::instance_env(spec, kind, instance_id, None);
    let Some((first, rest)) = hook.command.split_first() else {
        return Err(InitFailure::error(
            "the initializer has neither a handler nor a command",
        ));
    };
    let program = if first.contains('/') {
        let path = std::path::Path::new(first);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            spec.code_dir.join(path)
        }
    } else {
        process::which(first, env.get("PATH").map_or("", String::as_str))
            .ok_or_else(|| InitFailure::error(&format!("`{first}` was not found on PATH")))?
    };
    let launch = process::Launch {
        program,
        args: rest.to_vec(),
        cwd: spec.code_dir.clone(),
        env,
        address_space_kb: None,
        stdin_line: None,
    };
    let child =
        process::Process::spawn(launch, &shared.registry).map_err(|e| InitFailure::error(&e))?;
    let timeout = hook.effective_timeout();
    let status = child.wait_exit(timeout).await;
    let end = child
        .logs
        .settle(Duration::from_millis(10), Duration::from_millis(200))
        .await;
    let log = child.logs.range(0, end, LOG_TAIL_BYTES);
    child.kill();
    match status {
        None => Err(InitFailure {
            log,
            ..InitFailure::timeout(timeout)
        }),
        Some(status) if status == "exit status 0" => Ok(()),
        Some(status) => Err(InitFailure {
            log,
            ..InitFailure::error(&format!("the initializer command ended with {status}"))
        }),
    }
}

/// The last `max` bytes of a log as text, cut at a character boundary.
fn log_tail_text(log: &[u8], max: usize) -> String {
    let mut start = log.len().saturating_sub(max);
    // Skip UTF-8 continuation bytes so the tail does not start mid-character.
    let mut skipped = 0;
    while start < log.len() && (log[start] & 0xC0) == 0x80 && skipped < 3 {
        start += 1;
        skipped += 1;
    }
    String::from_utf8_lossy(&log[start..]).into_owned()
}

/// The FC error JSON body (`{"errorMessage","errorType","stackTrace"}`).
fn error_body(message: &str, error_type: &str) -> Vec<u8> {
    let value = serde_json::json!({
        "errorMessage": message,
        "errorType": error_type,
        "stackTrace": [],
    });
    value.to_string().into_bytes()
}

/// Frames the request's log as FC prints it and returns the tail when asked.
fn framed_log(request: &InvokeRequest, output: &[u8]) -> Option<String> {
    if !request.log_tail {
        return None;
    }
    let mut log = Vec::with_capacity(output.len() + 128);
    log.extend_from_slice(
        format!("FC Invoke Start RequestId: {}\n", request.request_id).as_bytes(),
    );
    log.extend_from_slice(output);
    if !output.is_empty() && !output.ends_with(b"\n") {
        log.push(b'\n');
    }
    log.extend_from_slice(format!("FC Invoke End RequestId: {}\n", request.request_id).as_bytes());
    Some(log_tail_text(&log, LOG_TAIL_BYTES))
}

/// `x-fc-log-result` carries the last 4 KB.
const LOG_TAIL_BYTES: usize = 4096;

/// Largest response body the emulator reads from an instance (FC's sync limit is 32 MB).
const MAX_BODY: usize = 64 << 20;
