//! Invocation (fc-api.md §9): InvokeFunction (`qualifier`, `x-fc-invocation-type` Sync/Async,
//! `x-fc-log-type` Tail, payload limits, alias routing by weight with the version that ran in
//! `x-fc-invocation-service-version`, `reservedConcurrency` ⇒ 429), HTTP-trigger URLs
//! (`/http/<region>[-vpc]/<function>/<trigger>/…`: methods, `authType` anonymous/function,
//! `disableURLInternet`) and custom domains by `Host` (exact then longest wildcard route, methods,
//! equal/wildcard/regex rewrites). Execution is `exec::Executor::invoke` with a `FunctionSpec` built from
//! the stored function at the version that runs, its code unpacked under the data directory by
//! checksum; results and `ExecError`s become FC's headers and errors.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::error::ApiError;
use super::util::as_int;
use super::{Ctx, Reply, functions};
use crate::exec::{ExecError, FunctionSpec, Hook, HttpRequest, InvokeRequest, InvokeResponse};
use crate::server::{self, HTTP_PREFIX, Incoming, Shared};
use crate::store::{self, Object};

/// Largest synchronous payload (32 MB).
const SYNC_PAYLOAD_LIMIT: usize = 32 * 1024 * 1024;
/// Largest asynchronous payload (128 KB).
const ASYNC_PAYLOAD_LIMIT: usize = 128 * 1024;
/// Response headers never copied from the function.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "x-fc-request-id",
    "x-acs-request-id",
];

/// A function ready to run.
struct Target {
    spec: FunctionSpec,
    /// The version that runs (`LATEST` or an id).
    version: String,
    reserved: Option<i64>,
    /// Async retries (`maxAsyncRetryAttempts`, default 3).
    async_retries: u32,
}

/// Counts an invocation in flight for `reservedConcurrency` until dropped.
struct Inflight {
    shared: Arc<Shared>,
    key: String,
}

impl Inflight {
    fn acquire(
        shared: &Arc<Shared>,
        key: String,
        reserved: Option<i64>,
    ) -> Result<Inflight, ApiError> {
        let mut map = shared
            .inflight
            .lock()
            .map_err(|_| ApiError::internal("in-flight counter poisoned"))?;
        let n = map.entry(key.clone()).or_insert(0);
        if let Some(limit) = reserved
            && *n >= u64::try_from(limit).unwrap_or(0)
        {
            return Err(ApiError {
                retry_after_ms: Some(1000),
                ..ApiError::new(
                    429,
                    "ResourceExhausted",
                    format!(
                        "the function's reserved concurrency ({limit}) is exhausted; retry later"
                    ),
                )
            });
        }
        *n += 1;
        Ok(Inflight {
            shared: shared.clone(),
            key,
        })
    }
}

impl Drop for Inflight {
    fn drop(&mut self) {
        if let Ok(mut map) = self.shared.inflight.lock()
            && let Some(n) = map.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Looks the function up at `qualifier` (routing aliases by weight) and unpacks its code.
async fn prepare(
    shared: &Arc<Shared>,
    region: &str,
    name: &str,
    qualifier: &str,
) -> Result<Target, ApiError> {
    prepare_at(shared, region, name, qualifier, true).await
}

/// How a provision config was pre-warmed: the version its instances run, and why they could
/// not start (empty when they could).
#[derive(Clone, Debug, Default)]
pub(crate) struct Provisioned {
    pub(crate) version: String,
    pub(crate) error: String,
}

fn provision_key(region: &str, name: &str, qualifier: &str) -> String {
    format!("{region}/{name}/{qualifier}")
}

/// Pre-warms `target` provisioned instances of `name` at `qualifier` (an alias: its main
/// version) in the background (fc-api.md §13.4, §14 item 36). Functions the emulator cannot
/// execute keep the bookkeeping-only behaviour (`current` follows `target`).
pub(crate) async fn provision(
    shared: &Arc<Shared>,
    region: &str,
    name: &str,
    qualifier: &str,
    target: usize,
) {
    let key = provision_key(region, name, qualifier);
    let prepared = prepare_at(shared, region, name, qualifier, false).await;
    let entry = match prepared {
        Ok(t) => {
            let previous = shared
                .provisioned
                .lock()
                .ok()
                .and_then(|mut map| map.remove(&key));
            if let Some(previous) = previous
                && previous.version != t.version
            {
                shared.executor.unprovision(name, &previous.version);
            }
            match shared.executor.prewarm(&t.spec, target) {
                Ok(_) => Some(Provisioned {
                    version: t.version,
                    error: String::new(),
                }),
                Err(ExecError::UnsupportedRuntime(_)) => None,
                Err(e) => Some(Provisioned {
                    version: t.version,
                    error: e.to_string(),
                }),
            }
        }
        Err(e) => {
            tracing::info!("cannot pre-warm {name} ({qualifier}): {}", e.message);
            None
        }
    };
    if let Ok(mut map) = shared.provisioned.lock() {
        match entry {
            Some(entry) => {
                map.insert(key, entry);
            }
            None => {
                map.remove(&key);
            }
        }
    }
}

/// Stops keeping the provisioned instances of a deleted provision config.
pub(crate) fn unprovision(shared: &Shared, region: &str, name: &str, qualifier: &str) {
    let key = provision_key(region, name, qualifier);
    let previous = shared
        .provisioned
        .lock()
        .ok()
        .and_then(|mut map| map.remove(&key));
    if let Some(previous) = previous {
        shared.executor.unprovision(name, &previous.version);
    }
}

/// `(current, currentError)` of a provision config: the pre-warmed instances that are up, or
/// `target` for configs the emulator does not pre-warm.
pub(crate) fn provision_status(
    shared: &Shared,
    region: &str,
    name: &str,
    qualifier: &str,
    target: i64,
) -> (i64, String) {
    let entry = shared
        .provisioned
        .lock()
        .ok()
        .and_then(|map| map.get(&provision_key(region, name, qualifier)).cloned());
    match entry {
        Some(p) => {
            let up = shared.executor.provisioned_instances(name, &p.version);
            (i64::try_from(up).unwrap_or(i64::MAX).min(target), p.error)
        }
        None => (target, String::new()),
    }
}

async fn prepare_at(
    shared: &Arc<Shared>,
    region: &str,
    name: &str,
    qualifier: &str,
    routed: bool,
) -> Result<Target, ApiError> {
    let (config, version, reserved, async_retries) = {
        let store = shared.store.lock().await;
        let record = store
            .state
            .regions
            .get(region)
            .and_then(|ns| ns.functions.get(name))
            .ok_or_else(|| ApiError::function_not_found(name))?;
        let random = || shared.random();
        let route: Option<&dyn Fn() -> f64> = if routed { Some(&random) } else { None };
        let (config, version) = functions::resolve(record, name, qualifier, route)?;
        let reserved = record
            .concurrency
            .as_ref()
            .and_then(|c| c.get("reservedConcurrency"))
            .and_then(as_int);
        let retries = record
            .async_configs
            .get(qualifier)
            .or_else(|| record.async_configs.get("LATEST"))
            .and_then(|c| c.get("maxAsyncRetryAttempts"))
            .and_then(as_int)
            .unwrap_or(3);
        (
            config,
            version,
            reserved,
            u32::try_from(retries).unwrap_or(3),
        )
    };
    let checksum = config
        .get("codeChecksum")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let code_dir = code_dir(shared, &checksum).await?;
    let spec = build_spec(shared, region, name, &version, &config, code_dir, checksum);
    Ok(Target {
        spec,
        version,
        reserved,
        async_retries,
    })
}

fn build_spec(
    shared: &Shared,
    region: &str,
    name: &str,
    version: &str,
    config: &Object,
    code_dir: PathBuf,
    code_checksum: String,
) -> FunctionSpec {
    let s = |k: &str| {
        config
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let runtime = s("runtime");
    let custom = config.get("customRuntimeConfig");
    let container = config.get("customContainerConfig");
    let (command, args, port) = if runtime == "custom-container" {
        let entrypoint = strings(container.and_then(|c| c.get("entrypoint")));
        let cmd = strings(container.and_then(|c| c.get("command")));
        let port = container.and_then(|c| c.get("port")).and_then(as_int);
        if entrypoint.is_empty() {
            (cmd, Vec::new(), port)
        } else {
            (entrypoint, cmd, port)
        }
    } else {
        (
            strings(custom.and_then(|c| c.get("command"))),
            strings(custom.and_then(|c| c.get("args"))),
            custom.and_then(|c| c.get("port")).and_then(as_int),
        )
    };
    let environment: BTreeMap<String, String> = config
        .get("environmentVariables")
        .and_then(Value::as_object)
        .map(|env| {
            env.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let int = |k: &str, default: i64| config.get(k).and_then(as_int).unwrap_or(default);
    FunctionSpec {
        name: name.to_owned(),
        version: version.to_owned(),
        code_checksum,
        runtime,
        handler: s("handler"),
        timeout: Duration::from_secs(u64::try_from(int("timeout", 3)).unwrap_or(3)),
        memory_mb: u64::try_from(int("memorySize", 512)).unwrap_or(512),
        instance_concurrency: u64::try_from(int("instanceConcurrency", 1)).unwrap_or(1),
        environment,
        code_dir,
        command,
        args,
        port: port.and_then(|p| u16::try_from(p).ok()).unwrap_or(9000),
        region: region.to_owned(),
        account_id: shared.config.account_id.clone(),
        initializer: initializer(config),
    }
}

/// `instanceLifecycleConfig.initializer` when it names a handler or a command.
fn initializer(config: &Object) -> Option<Hook> {
    let hook = config
        .get("instanceLifecycleConfig")
        .and_then(|c| c.get("initializer"))?;
    let handler = hook
        .get("handler")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let command = strings(hook.get("command"));
    if handler.is_empty() && command.is_empty() {
        return None;
    }
    let timeout = hook
        .get("timeout")
        .and_then(as_int)
        .and_then(|t| u64::try_from(t).ok())
        .unwrap_or(3);
    Some(Hook {
        handler,
        command,
        timeout: Duration::from_secs(timeout),
    })
}

/// The unpacked code of `checksum` (unpacked on first use, atomically by rename); an empty
/// directory for functions without code.
async fn code_dir(shared: &Shared, checksum: &str) -> Result<PathBuf, ApiError> {
    let root = shared.config.data_dir.clone();
    let name = if checksum.is_empty() {
        "empty"
    } else {
        checksum
    };
    let dir = root.join(store::UNPACKED_DIR).join(name);
    if dir.is_dir() {
        return Ok(dir);
    }
    let checksum = checksum.to_owned();
    tokio::task::spawn_blocking(move || -> Result<PathBuf, ApiError> {
        let tmp = store::unpack_temp_dir(&root);
        let made = (|| -> Result<(), String> {
            std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
            if !checksum.is_empty() {
                let bytes = std::fs::read(store::blob_path(&root, &checksum))
                    .map_err(|e| format!("code package {checksum} is missing: {e}"))?;
                zip::ZipArchive::new(std::io::Cursor::new(bytes))
                    .and_then(|mut archive| archive.extract(&tmp))
                    .map_err(|e| format!("cannot unpack code package {checksum}: {e}"))?;
            }
            Ok(())
        })();
        if let Err(e) = made {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(ApiError::internal(e));
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another request unpacked it first.
            let _ = std::fs::remove_dir_all(&tmp);
            if !dir.is_dir() {
                return Err(ApiError::internal(format!(
                    "cannot move the unpacked code to {}",
                    dir.display()
                )));
            }
        }
        Ok(dir)
    })
    .await
    .map_err(|e| ApiError::internal(format!("unpacker failed: {e}")))?
}

/// An `ExecError` as FC answers it: timeouts are function errors (200 +
/// `UnhandledInvocationError`); the rest are API errors.
fn exec_error(spec: &FunctionSpec, error: ExecError) -> Result<InvokeResponse, ApiError> {
    match error {
        ExecError::Timeout(after) => Ok(InvokeResponse {
            status: 200,
            body: json!({
                "errorMessage": format!("Function timed out after {} seconds", after.as_secs_f64()),
                "errorType": "FunctionTimeoutError",
                "stackTrace": [],
            })
            .to_string()
            .into_bytes(),
            error_type: Some("UnhandledInvocationError".to_owned()),
            duration: after,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            ..InvokeResponse::default()
        }),
        ExecError::UnsupportedRuntime(why) => Err(ApiError::invalid(format!(
            "the emulator cannot execute function '{}' (runtime '{}'): {why}",
            spec.name, spec.runtime
        ))),
        ExecError::StartFailed(message) => Err(ApiError::new(
            412,
            "CAExited",
            format!(
                "the instance of function '{}' could not start: {message}",
                spec.name
            ),
        )),
        ExecError::ShuttingDown => Err(ApiError::new(
            503,
            "ServiceUnavailable",
            "the emulator is shutting down",
        )),
    }
}

fn copy_headers(from: &[(String, String)]) -> Vec<(String, String)> {
    from.iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            !HOP_BY_HOP.contains(&lower.as_str()) && lower != "content-type"
        })
        .cloned()
        .collect()
}

fn content_type(from: &[(String, String)], default: &str) -> String {
    from.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| default.to_owned())
}

/// FC's invocation headers for a result.
fn invocation_headers(
    spec: &FunctionSpec,
    version: &str,
    response: &InvokeResponse,
    log_tail: bool,
) -> Vec<(String, String)> {
    let mut headers = copy_headers(&response.headers);
    headers.push(("x-fc-code-checksum".into(), spec.code_checksum.clone()));
    headers.push(("x-fc-invocation-service-version".into(), version.to_owned()));
    if !response.instance_id.is_empty() {
        headers.push(("x-fc-instance-id".into(), response.instance_id.clone()));
    }
    headers.push((
        "x-fc-invocation-duration".into(),
        response.duration.as_millis().to_string(),
    ));
    if let Some(mb) = response.max_memory_mb {
        headers.push(("x-fc-max-memory-usage".into(), format!("{mb:.2}")));
    }
    headers.push((
        "x-fc-emulator-cold-start".into(),
        response.cold_start.to_string(),
    ));
    if let Some(kind) = &response.error_type {
        headers.push(("x-fc-error-type".into(), kind.clone()));
    }
    if log_tail {
        let log = response.log.as_deref().unwrap_or_default();
        headers.push((
            "x-fc-log-result".into(),
            base64::engine::general_purpose::STANDARD.encode(log.as_bytes()),
        ));
    }
    headers
}

pub(crate) async fn invoke_function(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let kind = ctx.incoming.header("x-fc-invocation-type").unwrap_or("");
    let asynchronous = match kind {
        "" => false,
        k if k.eq_ignore_ascii_case("sync") => false,
        k if k.eq_ignore_ascii_case("async") => true,
        k => {
            return Err(ApiError::invalid(format!(
                "x-fc-invocation-type must be Sync or Async, got '{k}'"
            )));
        }
    };
    let log_tail = ctx
        .incoming
        .header("x-fc-log-type")
        .is_some_and(|t| t.eq_ignore_ascii_case("tail"));
    let payload = &ctx.incoming.body;
    let limit = if asynchronous {
        ASYNC_PAYLOAD_LIMIT
    } else {
        SYNC_PAYLOAD_LIMIT
    };
    if payload.len() > limit {
        return Err(ApiError::new(
            400,
            "EntityTooLarge",
            format!("payload size exceeds maximum allowed size ({limit} bytes)"),
        ));
    }
    let target = prepare(ctx.shared, &ctx.region, name, &qualifier).await?;
    let key = format!("{}/{name}", ctx.region);
    let inflight = Inflight::acquire(ctx.shared, key, target.reserved)?;
    let request = InvokeRequest {
        request_id: ctx.request_id.clone(),
        payload: payload.to_vec(),
        log_tail: log_tail && !asynchronous,
        http: None,
        qualifier: Some(qualifier.clone()),
    };
    if asynchronous {
        let executor = ctx.shared.executor.clone();
        let Target {
            spec,
            async_retries,
            ..
        } = target;
        tokio::spawn(async move {
            let _inflight = inflight;
            for attempt in 0..=async_retries {
                let outcome = executor.invoke(&spec, request.clone()).await;
                let failed = match &outcome {
                    Ok(r) => r.error_type.is_some(),
                    Err(ExecError::UnsupportedRuntime(_) | ExecError::ShuttingDown) => {
                        tracing::info!(
                            "async invocation {} of {}: {outcome:?}",
                            request.request_id,
                            spec.name
                        );
                        return;
                    }
                    Err(_) => true,
                };
                if !failed {
                    return;
                }
                tracing::info!(
                    "async invocation {} of {} failed (attempt {})",
                    request.request_id,
                    spec.name,
                    attempt + 1
                );
                tokio::time::sleep(Duration::from_millis(200 << attempt.min(5))).await;
            }
        });
        let mut reply = Reply {
            status: 202,
            headers: Vec::new(),
            content_type: "application/octet-stream".to_owned(),
            body: Vec::new(),
            version: Some(target.version),
        };
        if let Some(task) = ctx.incoming.header("x-fc-async-task-id") {
            reply
                .headers
                .push(("x-fc-async-task-id".into(), task.to_owned()));
        }
        return Ok(reply);
    }
    let outcome = ctx.shared.executor.invoke(&target.spec, request).await;
    drop(inflight);
    let response = match outcome {
        Ok(response) => response,
        Err(e) => exec_error(&target.spec, e)?,
    };
    let headers = invocation_headers(&target.spec, &target.version, &response, log_tail);
    let status = if response.status == 0 {
        200
    } else {
        response.status
    };
    Ok(Reply {
        status,
        content_type: content_type(&response.headers, "application/octet-stream"),
        headers,
        body: response.body,
        version: Some(target.version),
    })
}

/// An asynchronous invocation from inside the emulator (timer triggers): `event` to `name` at
/// `qualifier`, retried on failure per the async-invoke config like InvokeFunction's `Async`;
/// outcomes are logged.
pub(crate) async fn fire_async(
    shared: &Arc<Shared>,
    region: &str,
    name: &str,
    qualifier: &str,
    event: Vec<u8>,
) {
    let target = match prepare(shared, region, name, qualifier).await {
        Ok(t) => t,
        Err(e) => {
            tracing::info!("timer invocation of {name} not run: {}", e.message);
            return;
        }
    };
    let request = InvokeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        payload: event,
        log_tail: false,
        http: None,
        qualifier: Some(qualifier.to_owned()),
    };
    for attempt in 0..=target.async_retries {
        let outcome = {
            let _inflight =
                match Inflight::acquire(shared, format!("{region}/{name}"), target.reserved) {
                    Ok(i) => i,
                    Err(e) => {
                        tracing::info!("timer invocation of {name} throttled: {}", e.message);
                        return;
                    }
                };
            shared.executor.invoke(&target.spec, request.clone()).await
        };
        let failed = match &outcome {
            Ok(r) => r.error_type.is_some(),
            Err(ExecError::UnsupportedRuntime(_) | ExecError::ShuttingDown) => {
                tracing::info!("timer invocation of {name}: {outcome:?}");
                return;
            }
            Err(_) => true,
        };
        if !failed {
            return;
        }
        tracing::info!(
            "timer invocation {} of {name} failed (attempt {})",
            request.request_id,
            attempt + 1
        );
        tokio::time::sleep(Duration::from_millis(200 << attempt.min(5))).await;
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP triggers and custom domains

fn decode(segment: &str) -> Result<String, ApiError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::invalid(format!("path segment '{segment}' is not UTF-8")))
}

fn to_response(reply: Reply) -> Response {
    server::reply_response(reply)
}

/// A request to an HTTP trigger URL.
pub(crate) async fn http_trigger(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    request_id: &str,
) -> Response {
    if let Some((response, _)) =
        server::apply_faults(shared, "HttpTrigger", &incoming.conn, request_id).await
    {
        return response;
    }
    match serve_http_trigger(shared, incoming, request_id).await {
        Ok(response) => response,
        Err(e) => server::error_response(&e, request_id),
    }
}

async fn serve_http_trigger(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    request_id: &str,
) -> Result<Response, ApiError> {
    let rest = incoming.path.get(HTTP_PREFIX.len()..).unwrap_or_default();
    let mut parts = rest.splitn(4, '/');
    let (Some(region), Some(function), Some(trigger)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ApiError::new(
            404,
            "PathNotSupported",
            "HTTP trigger URLs have the form /http/<region>/<function>/<trigger>/<path>",
        ));
    };
    let sub_path = format!("/{}", parts.next().unwrap_or_default());
    let (region, internet) = match region.strip_suffix("-vpc") {
        Some(r) => (r.to_owned(), false),
        None => (region.to_owned(), true),
    };
    let (function, trigger) = (decode(function)?, decode(trigger)?);
    let (config, qualifier) = {
        let store = shared.store.lock().await;
        let record = store
            .state
            .regions
            .get(&region)
            .and_then(|ns| ns.functions.get(&function))
            .ok_or_else(|| ApiError::function_not_found(&function))?;
        let stored = record.triggers.get(&trigger).ok_or_else(|| {
            ApiError::new(
                404,
                "TriggerNotFound",
                format!("trigger '{trigger}' of function '{function}' does not exist"),
            )
        })?;
        if stored.get("triggerType").and_then(Value::as_str) != Some("http") {
            return Err(ApiError::invalid(format!(
                "trigger '{trigger}' of function '{function}' is not an HTTP trigger"
            )));
        }
        let config: Value = stored
            .get("triggerConfig")
            .and_then(Value::as_str)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(json!({}));
        let qualifier = stored
            .get("qualifier")
            .and_then(Value::as_str)
            .unwrap_or("LATEST")
            .to_owned();
        (config, qualifier)
    };
    let methods = strings(config.get("methods"));
    if !methods.is_empty()
        && !methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(incoming.method.as_str()))
    {
        return Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!(
                "method {} is not allowed by trigger '{trigger}' (allowed: {})",
                incoming.method,
                methods.join(", ")
            ),
        ));
    }
    if internet
        && config
            .get("disableURLInternet")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    {
        return Err(ApiError::new(
            403,
            "AccessDenied",
            "access denied due to function internet URL is disable",
        ));
    }
    let auth_type = config
        .get("authType")
        .and_then(Value::as_str)
        .unwrap_or("function");
    authenticate(shared, incoming, auth_type)?;
    run_http(
        shared, incoming, request_id, &region, &function, &qualifier, sub_path,
    )
    .await
}

fn authenticate(shared: &Shared, incoming: &Incoming, auth_type: &str) -> Result<(), ApiError> {
    match auth_type {
        "anonymous" => Ok(()),
        "function" => crate::auth::verify(
            &shared.config,
            &shared.nonces,
            incoming.method.as_str(),
            &incoming.target,
            &incoming.headers,
            &incoming.body,
        )
        .map(|_| ()),
        other => Err(ApiError::new(
            403,
            "AccessDenied",
            format!("authType '{other}' is not supported by the emulator"),
        )),
    }
}

/// Runs `function` for an HTTP request whose path (after the trigger or route) is `path`.
async fn run_http(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    request_id: &str,
    region: &str,
    function: &str,
    qualifier: &str,
    path: String,
) -> Result<Response, ApiError> {
    let target = prepare(shared, region, function, qualifier).await?;
    let inflight = Inflight::acquire(shared, format!("{region}/{function}"), target.reserved)?;
    let request = InvokeRequest {
        request_id: request_id.to_owned(),
        payload: Vec::new(),
        log_tail: false,
        http: Some(HttpRequest {
            method: incoming.method.as_str().to_owned(),
            path,
            query: incoming.raw_query.clone(),
            headers: incoming
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: incoming.body.to_vec(),
            client_ip: incoming.conn.remote.ip().to_string(),
        }),
        qualifier: Some(qualifier.to_owned()),
    };
    let outcome = shared.executor.invoke(&target.spec, request).await;
    drop(inflight);
    let response = match outcome {
        Ok(r) => r,
        Err(e) => exec_error(&target.spec, e)?,
    };
    let status = match response.status {
        0 => 200,
        s if (100..1000).contains(&s) => s,
        s => {
            return Err(ApiError::new(
                502,
                "BadResponse",
                format!("the function answered an invalid HTTP status {s}"),
            ));
        }
    };
    let mut headers = copy_headers(&response.headers);
    if let Some(kind) = &response.error_type {
        headers.push(("x-fc-error-type".into(), kind.clone()));
    }
    headers.push((
        "x-fc-invocation-service-version".into(),
        target.version.clone(),
    ));
    Ok(to_response(Reply {
        status,
        content_type: content_type(&response.headers, "application/octet-stream"),
        headers,
        body: response.body,
        version: Some(target.version),
    }))
}

/// A request whose `Host` is a custom domain (anything that is not an API, control or
/// HTTP-trigger path).
pub(crate) async fn custom_domain(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    request_id: &str,
) -> Response {
    let host = incoming.host().to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
        _ => host,
    };
    let found = {
        let store = shared.store.lock().await;
        let mut found = None;
        for (region, ns) in &store.state.regions {
            let domain = ns.custom_domains.get(&host).or_else(|| {
                host.split_once('.')
                    .and_then(|(_, parent)| ns.custom_domains.get(&format!("*.{parent}")))
            });
            if let Some(domain) = domain {
                found = Some((region.clone(), domain.clone()));
                break;
            }
        }
        found
    };
    let Some((region, domain)) = found else {
        return server::error_response(
            &ApiError::new(
                404,
                "PathNotSupported",
                format!(
                    "{} {} is not an FC API path, an HTTP-trigger URL or a custom domain of the emulator",
                    incoming.method, incoming.path
                ),
            ),
            request_id,
        );
    };
    if let Some((response, _)) =
        server::apply_faults(shared, "CustomDomain", &incoming.conn, request_id).await
    {
        return response;
    }
    match serve_domain(shared, incoming, request_id, &region, &domain).await {
        Ok(response) => response,
        Err(e) => server::error_response(&e, request_id),
    }
}

async fn serve_domain(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    request_id: &str,
    region: &str,
    domain: &Object,
) -> Result<Response, ApiError> {
    let path = if incoming.path.is_empty() {
        "/".to_owned()
    } else {
        incoming.path.clone()
    };
    let routes: Vec<Value> = domain
        .get("routeConfig")
        .and_then(|r| r.get("routes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let route_path = |r: &Value| {
        r.get("path")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let route = routes
        .iter()
        .find(|r| route_path(r) == path)
        .or_else(|| {
            routes
                .iter()
                .filter_map(|r| {
                    let p = route_path(r);
                    let prefix = p.strip_suffix('*')?.to_owned();
                    path.starts_with(&prefix).then_some((prefix.len(), r))
                })
                .max_by_key(|(len, _)| *len)
                .map(|(_, r)| r)
        })
        .ok_or_else(|| {
            ApiError::new(
                404,
                "RouteNotFound",
                format!("no route of the custom domain matches the path '{path}'"),
            )
        })?;
    let methods = strings(route.get("methods"));
    if !methods.is_empty()
        && !methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(incoming.method.as_str()))
    {
        return Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("method {} is not allowed on this route", incoming.method),
        ));
    }
    let auth_type = domain
        .get("authConfig")
        .and_then(|a| a.get("authType"))
        .and_then(Value::as_str)
        .unwrap_or("anonymous");
    authenticate(shared, incoming, auth_type)?;
    let function = route
        .get("functionName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let qualifier = route
        .get("qualifier")
        .and_then(Value::as_str)
        .filter(|q| !q.is_empty())
        .unwrap_or("LATEST")
        .to_owned();
    let rewritten = rewrite(route.get("rewriteConfig"), &path);
    run_http(
        shared, incoming, request_id, region, &function, &qualifier, rewritten,
    )
    .await
}

/// Applies a route's rewrite rules in FC's order, first match wins: equal rules, wildcard rules
/// (`*` captured as `$1`), then regex rules (`match` a regular expression, `replacement` with
/// `$1`/`${name}` groups; the first match in the path is replaced). Invalid expressions (refused
/// on create/update) are skipped.
fn rewrite(config: Option<&Value>, path: &str) -> String {
    let rules = |kind: &str| -> Vec<(String, String)> {
        config
            .and_then(|c| c.get(kind))
            .and_then(Value::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .filter_map(|r| {
                        Some((
                            r.get("match")?.as_str()?.to_owned(),
                            r.get("replacement")?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for (m, replacement) in rules("equalRules") {
        if m == path {
            return replacement;
        }
    }
    for (m, replacement) in rules("wildcardRules") {
        if let Some((before, after)) = m.split_once('*')
            && let Some(rest) = path.strip_prefix(before)
            && let Some(captured) = rest.strip_suffix(after)
        {
            return replacement.replace("$1", captured);
        }
    }
    for (m, replacement) in rules("regexRules") {
        if let Ok(re) = regex::Regex::new(&m)
            && re.is_match(path)
        {
            return re.replace(path, replacement.as_str()).into_owned();
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites() {
        let config = json!({
            "equalRules": [{"match": "/old", "replacement": "/new"}],
            "wildcardRules": [{"match": "/api/*", "replacement": "/v2/$1"}],
        });
        assert_eq!(rewrite(Some(&config), "/old"), "/new");
        assert_eq!(rewrite(Some(&config), "/api/users/1"), "/v2/users/1");
        assert_eq!(rewrite(Some(&config), "/other"), "/other");
        assert_eq!(rewrite(None, "/x"), "/x");
        let config = json!({
            "equalRules": [{"match": "/api/exact", "replacement": "/equal"}],
            "regexRules": [
                {"match": "^/api/(.*)", "replacement": "/$1"},
                {"match": "^/v(?P<n>[0-9]+)/(.*)$", "replacement": "/version-${n}/$2"},
            ],
        });
        assert_eq!(rewrite(Some(&config), "/api/users/1"), "/users/1");
        assert_eq!(rewrite(Some(&config), "/api/exact"), "/equal");
        assert_eq!(rewrite(Some(&config), "/v3/x"), "/version-3/x");
        assert_eq!(rewrite(Some(&config), "/other"), "/other");
    }
}
