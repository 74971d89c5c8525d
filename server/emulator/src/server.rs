//! The HTTP side: the listener (connections that can be dropped on purpose for fault injection),
//! the state shared by all requests, and the one handler every request goes through —
//! `/__emulator/…` control endpoints (loopback only, unauthenticated), `/2023-03-30/…` API
//! requests (faults, signature, routing, request log), `/http/…` HTTP-trigger URLs, and custom
//! domains by `Host`. Every answer carries `x-fc-request-id` and `x-acs-request-id`.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State as AxState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use fc::sign::MemoryNonceStore;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::api::error::ApiError;
use crate::api::{self, Ctx, Reply};
use crate::exec::Executor;
use crate::faults::{FaultConfig, Outcome};
use crate::reqlog::{self, RequestLog};
use crate::store::{self, Store};
use crate::{Config, Error, auth};

/// The API version prefix of every FC 3.0 path.
pub(crate) const API_PREFIX: &str = "/2023-03-30";
/// Control endpoints.
pub(crate) const CONTROL_PREFIX: &str = "/__emulator/";
/// HTTP-trigger URLs: `/http/<region>[-vpc]/<function>/<trigger>/…`.
pub(crate) const HTTP_PREFIX: &str = "/http/";
/// Largest request body read (a 100 MiB Base64 zip inside JSON, with room to spare).
const BODY_LIMIT: usize = 128 * 1024 * 1024;

/// Everything requests share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// `http://127.0.0.1:PORT`, for URLs the emulator hands out.
    pub(crate) base_url: String,
    pub(crate) store: tokio::sync::Mutex<Store>,
    pub(crate) nonces: Mutex<MemoryNonceStore>,
    pub(crate) faults: Mutex<FaultConfig>,
    pub(crate) rng: Mutex<fastrand::Rng>,
    pub(crate) log: RequestLog,
    pub(crate) executor: Executor,
    /// Invocations in flight per `region/function`, for `reservedConcurrency`.
    pub(crate) inflight: Mutex<HashMap<String, u64>>,
    /// Pre-warmed provision configs by `region/function/qualifier` (fc-api.md §13.4).
    pub(crate) provisioned: Mutex<HashMap<String, api::invoke::Provisioned>>,
    /// Requests being served and when the last one started or ended (ms since start), for
    /// [`Config::idle_timeout`].
    active: AtomicUsize,
    last_activity_ms: AtomicU64,
    started: std::time::Instant,
}

impl Shared {
    /// A uniform draw in [0, 1) from the shared (seedable) generator.
    pub(crate) fn random(&self) -> f64 {
        self.rng.lock().map(|mut r| r.f64()).unwrap_or(0.5)
    }
}

/// Runs the server (see [`crate::serve`]).
pub(crate) async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    config.faults.validate().map_err(Error::Config)?;
    if config.credentials.is_empty() && config.sts_credentials.is_empty() {
        return Err(Error::Config("no credentials are accepted".to_owned()));
    }
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the listening address", e))?;
    let dir = config.data_dir.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .map_err(|e| Error::Config(format!("state loader failed: {e}")))??;
    let rng = match config.seed {
        Some(seed) => fastrand::Rng::with_seed(seed),
        None => fastrand::Rng::new(),
    };
    let shared = Arc::new(Shared {
        base_url: format!("http://{local}"),
        store: tokio::sync::Mutex::new(store),
        nonces: Mutex::new(auth::nonce_store(&config)),
        faults: Mutex::new(config.faults.clone()),
        rng: Mutex::new(rng),
        log: RequestLog::new(config.data_dir.join(store::REQUEST_LOG)),
        executor: Executor::new(),
        inflight: Mutex::new(HashMap::new()),
        provisioned: Mutex::new(HashMap::new()),
        active: AtomicUsize::new(0),
        last_activity_ms: AtomicU64::new(0),
        started: std::time::Instant::now(),
        config,
    });
    let stop = shutdown.child_token();
    if let Some(idle) = shared.config.idle_timeout {
        tokio::spawn(idle_watch(shared.clone(), idle, stop.clone()));
    }
    let timers = shared
        .config
        .fire_timers
        .then(|| tokio::spawn(crate::timers::run(shared.clone(), stop.clone())));
    let app = Router::new()
        .fallback(handle)
        .with_state(shared.clone())
        .into_make_service_with_connect_info::<ConnInfo>();
    let served = axum::serve(EmuListener { inner: listener }, app)
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .await;
    stop.cancel();
    if let Some(timers) = timers {
        let _ = timers.await;
    }
    shared.executor.shutdown().await;
    served.map_err(|e| Error::io("the server failed", e))
}

impl Shared {
    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.store(now, Ordering::Relaxed);
    }
}

/// Marks a request as being served until dropped.
struct Active<'a>(&'a Shared);

impl<'a> Active<'a> {
    fn new(shared: &'a Shared) -> Active<'a> {
        shared.active.fetch_add(1, Ordering::Relaxed);
        shared.touch();
        Active(shared)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.touch();
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Cancels `stop` once no request was served for `idle`.
async fn idle_watch(shared: Arc<Shared>, idle: std::time::Duration, stop: CancellationToken) {
    let tick = idle
        .min(std::time::Duration::from_secs(1))
        .max(std::time::Duration::from_millis(10));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(tick) => {}
        }
        let now = u64::try_from(shared.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = shared.last_activity_ms.load(Ordering::Relaxed);
        let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        if shared.active.load(Ordering::Relaxed) == 0 && now.saturating_sub(last) >= idle_ms {
            tracing::info!("no request for {idle:?}: stopping");
            stop.cancel();
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Connections

/// A connection the handler can cut: once `kill` is set, reads and writes fail and the
/// connection is closed without an answer.
pub(crate) struct ConnStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "dropped by fault injection",
    )
}

impl AsyncRead for ConnStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::Relaxed) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::Relaxed) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::Relaxed) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The peer of a connection and the switch that cuts it.
#[derive(Clone, Debug)]
pub(crate) struct ConnInfo {
    pub(crate) remote: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl ConnInfo {
    fn drop_connection(&self) {
        self.kill.store(true, Ordering::Relaxed);
    }
}

struct EmuListener {
    inner: TcpListener,
}

impl Listener for EmuListener {
    type Io = ConnStream;
    type Addr = ConnInfo;

    async fn accept(&mut self) -> (ConnStream, ConnInfo) {
        loop {
            match self.inner.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let kill = Arc::new(AtomicBool::new(false));
                    return (
                        ConnStream {
                            inner: stream,
                            kill: kill.clone(),
                        },
                        ConnInfo { remote, kill },
                    );
                }
                Err(e) => {
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<ConnInfo> {
        Ok(ConnInfo {
            remote: self.inner.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, EmuListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, EmuListener>) -> Self {
        stream.remote_addr().clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// What every handler needs to know about the raw request.
pub(crate) struct Incoming {
    pub(crate) method: Method,
    /// The raw request-target (absolute form kept).
    pub(crate) target: String,
    /// The raw path (scheme and authority stripped, not decoded).
    pub(crate) path: String,
    /// The raw query (without `?`).
    pub(crate) raw_query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) conn: ConnInfo,
}

impl Incoming {
    /// The `Host` header, else the authority of an absolute-form target.
    pub(crate) fn host(&self) -> String {
        if let Some(host) = self.headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            return host.to_owned();
        }
        self.target
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnInfo>,
    request: Request,
) -> Response {
    let _active = Active::new(&shared);
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let target = match parts.uri.scheme() {
        Some(_) => parts.uri.to_string(),
        None => parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| parts.uri.path().to_owned()),
    };
    let (path, raw_query) = fc::sign::split_target(&target);
    let (path, raw_query) = (path.to_owned(), raw_query.unwrap_or_default().to_owned());
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(_) => {
            let err = ApiError::new(
                400,
                "EntityTooLarge",
                format!("payload size exceeds maximum allowed size ({BODY_LIMIT} bytes)"),
            );
            return finish(error_response(&err, &request_id), &request_id);
        }
    };
    let incoming = Incoming {
        method: parts.method,
        target,
        path,
        raw_query,
        headers: parts.headers,
        body,
        conn,
    };
    let response = if incoming.path.starts_with(CONTROL_PREFIX) {
        control(&shared, &incoming).await
    } else if incoming.path == API_PREFIX || incoming.path.starts_with("/2023-03-30/") {
        api_request(&shared, &incoming, &request_id).await
    } else if incoming.path.starts_with(HTTP_PREFIX) {
        api::invoke::http_trigger(&shared, &incoming, &request_id).await
    } else {
        api::invoke::custom_domain(&shared, &incoming, &request_id).await
    };
    finish(response, &request_id)
}

/// Adds the request-id headers.
fn finish(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        let headers = response.headers_mut();
        headers.insert("x-fc-request-id", value.clone());
        headers.insert("x-acs-request-id", value);
        if !headers.contains_key(header::CONTENT_TYPE) {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
    }
    response
}

/// FC's JSON error answer.
pub(crate) fn error_response(err: &ApiError, request_id: &str) -> Response {
    let body = json!({"Code": err.code, "Message": err.message, "RequestId": request_id});
    let mut response = json_response(err.status, &body);
    if let Some(ms) = err.retry_after_ms
        && let Ok(value) = HeaderValue::from_str(&ms.to_string())
    {
        response.headers_mut().insert("x-acs-retry-after", value);
    }
    response
}

/// A JSON answer.
pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Turns a handler's reply into a response.
pub(crate) fn reply_response(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&reply.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    response
}

/// The response that makes the connection drop.
fn dropped(conn: &ConnInfo) -> Response {
    conn.drop_connection();
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
}

/// Applies the current faults to a request of `operation`: waits the injected latency, then
/// returns the response to send instead of serving (an error or a dropped connection).
pub(crate) async fn apply_faults(
    shared: &Shared,
    operation: &str,
    conn: &ConnInfo,
    request_id: &str,
) -> Option<(Response, &'static str)> {
    let decision = {
        let faults = shared.faults.lock().ok()?;
        let mut rng = shared.rng.lock().ok()?;
        faults.decide(operation, &mut rng)
    };
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    match decision.outcome {
        Outcome::Serve => None,
        Outcome::Drop => Some((dropped(conn), "drop")),
        Outcome::Error(status) => {
            let retry = shared
                .faults
                .lock()
                .map(|f| f.retry_after_ms)
                .unwrap_or(1000);
            let err = match status {
                429 => ApiError::throttled(
                    "the request was throttled (injected fault); retry later",
                    retry,
                ),
                500 => ApiError::new(
                    500,
                    "InternalServerError",
                    "an internal error has occurred. Please retry. (injected fault)",
                ),
                _ => ApiError::new(
                    503,
                    "ServiceUnavailable",
                    "the service is temporarily unavailable (injected fault)",
                ),
            };
            Some((error_response(&err, request_id), "error"))
        }
    }
}

async fn api_request(shared: &Arc<Shared>, incoming: &Incoming, request_id: &str) -> Response {
    let sub_path = incoming.path.get(API_PREFIX.len()..).unwrap_or_default();
    let route = api::route(&incoming.method, sub_path);
    let operation = route.as_ref().map(|r| r.operation()).unwrap_or("Unknown");
    let region = auth::region_from_host(&incoming.host())
        .unwrap_or_else(|| shared.config.default_region.clone());
    let query = fc::sign::parse_query(&incoming.raw_query);
    let mut entry = Map::new();
    entry.insert("time".into(), json!(api::util::timestamp()));
    entry.insert("requestId".into(), json!(request_id));
    entry.insert("method".into(), json!(incoming.method.as_str()));
    entry.insert("path".into(), json!(incoming.path));
    let mut query_object = Map::new();
    for (name, value) in &query {
        query_object.insert(name.clone(), json!(value));
    }
    entry.insert("query".into(), Value::Object(query_object));
    entry.insert("operation".into(), json!(operation));
    if let Some(action) = incoming.header("x-acs-action") {
        entry.insert("action".into(), json!(action));
    }
    entry.insert("region".into(), json!(region));
    if let Some((_, q)) = query.iter().find(|(n, _)| n == "qualifier") {
        entry.insert("qualifier".into(), json!(q));
    }
    entry.insert(
        "bodySha256".into(),
        json!(fc::sign::sha256_hex(&incoming.body)),
    );
    let is_invoke = operation == "InvokeFunction";
    if let Some(body) = reqlog::loggable_body(&incoming.body, !is_invoke) {
        entry.insert("body".into(), body);
    }

    let response = match apply_faults(shared, operation, &incoming.conn, request_id).await {
        Some((response, kind)) => {
            entry.insert("fault".into(), json!(kind));
            response
        }
        None => {
            let outcome = match auth::verify(
                &shared.config,
                &shared.nonces,
                incoming.method.as_str(),
                &incoming.target,
                &incoming.headers,
                &incoming.body,
            ) {
                Err(e) => Err(e),
                Ok(verified) => {
                    entry.insert("accessKeyId".into(), json!(verified.access_key_id));
                    match route {
                        Err(e) => Err(e),
                        Ok(route) => {
                            let ctx = Ctx {
                                shared,
                                region: region.clone(),
                                query,
                                incoming,
                                request_id: request_id.to_owned(),
                            };
                            api::dispatch(&ctx, route).await
                        }
                    }
                }
            };
            match outcome {
                Ok(reply) => {
                    if let Some(version) = &reply.version {
                        entry.insert("version".into(), json!(version));
                    }
                    reply_response(reply)
                }
                Err(err) => {
                    entry.insert("code".into(), json!(err.code));
                    error_response(&err, request_id)
                }
            }
        }
    };
    entry.insert("status".into(), json!(response.status().as_u16()));
    shared.log.record(entry);
    response
}

// ---------------------------------------------------------------------------------------------
// Control endpoints

async fn control(shared: &Arc<Shared>, incoming: &Incoming) -> Response {
    if !incoming.conn.remote.ip().is_loopback() {
        return json_response(
            403,
            &json!({"Code": "AccessDenied", "Message": "control endpoints are only served on loopback"}),
        );
    }
    let rest = incoming
        .path
        .get(CONTROL_PREFIX.len()..)
        .unwrap_or_default();
    let bad = |message: String| {
        json_response(400, &json!({"Code": "InvalidArgument", "Message": message}))
    };
    match (&incoming.method, rest) {
        (&Method::GET, "requests") => {
            let since = fc::sign::parse_query(&incoming.raw_query)
                .into_iter()
                .find(|(n, _)| n == "since")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            json_response(200, &json!({"requests": shared.log.list(since)}))
        }
        (&Method::DELETE, "requests") => {
            shared.log.clear();
            json_response(200, &json!({}))
        }
        (&Method::GET, "faults") => {
            let faults = shared.faults.lock().map(|f| f.clone()).unwrap_or_default();
            json_response(200, &json!(faults))
        }
        (&Method::POST | &Method::PUT, "faults") => {
            let body: &[u8] = if incoming.body.is_empty() {
                b"{}"
            } else {
                &incoming.body
            };
            let faults: FaultConfig = match serde_json::from_slice(body) {
                Ok(f) => f,
                Err(e) => return bad(format!("invalid fault configuration: {e}")),
            };
            if let Err(e) = faults.validate() {
                return bad(e);
            }
            if let Ok(mut current) = shared.faults.lock() {
                *current = faults.clone();
            }
            json_response(200, &json!(faults))
        }
        (&Method::POST, "reset") => {
            let mut store = shared.store.lock().await;
            if let Err(e) = store.commit(store::State::default()).await {
                return json_response(500, &json!({"Code": e.code, "Message": e.message}));
            }
            drop(store);
            shared.log.clear();
            if let Ok(mut faults) = shared.faults.lock() {
                *faults = shared.config.faults.clone();
            }
            if let Ok(mut nonces) = shared.nonces.lock() {
                *nonces = auth::nonce_store(&shared.config);
            }
            json_response(200, &json!({}))
        }
        (&Method::GET, "info") => json_response(
            200,
            &json!({
                "url": shared.base_url,
                "accountId": shared.config.account_id,
                "defaultRegion": shared.config.default_region,
                "accessKeyIds": shared.config.credentials.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            }),
        ),
        (&Method::GET | &Method::HEAD, rest) if rest.starts_with("code/") => {
            let name = rest.trim_start_matches("code/");
            let crc = name.trim_end_matches(".zip");
            if crc.is_empty() || !crc.chars().all(|c| c.is_ascii_digit()) {
                return json_response(
                    404,
                    &json!({"Code": "NotFound", "Message": "no such code package"}),
                );
            }
            let path = store::blob_path(&shared.config.data_dir, crc);
            match tokio::fs::read(&path).await {
                Ok(bytes) => {
                    let mut response = Response::new(Body::from(bytes));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/zip"),
                    );
                    response
                }
                Err(_) => json_response(
                    404,
                    &json!({"Code": "NotFound", "Message": "no such code package"}),
                ),
            }
        }
        _ => json_response(
            404,
            &json!({"Code": "PathNotSupported", "Message": format!("{} {} is not a control endpoint", incoming.method, incoming.path)}),
        ),
    }
}
