//! The typed HTTP client of the FC 3.0 API (2023-03-30): one method per operation sdls uses
//! (functions, code, versions, aliases, triggers, custom domains, the async-invoke, concurrency,
//! provision and scaling configs, and invocation), each request ACS3-signed with a fresh
//! `x-acs-date` and nonce per attempt (fc-api.md §2.4, §10).
//!
//! Transport: reqwest with rustls. Plain `http://` only to loopback. With a `proxy` (D19/D20: the
//! embedded emulator on loopback), every request goes in absolute form to that proxy as
//! `http://<real FC host>/…`, and the real host is what `Host` carries and what is signed — the
//! host is never resolved or contacted, so each function keeps its region.
//!
//! Retries (fc-api.md §8.3): idempotent operations (§3 "Idem.") are retried on 429, 499, 5xx,
//! `409 ConcurrentUpdateError`, timeouts and connection failures, with exponential backoff and
//! full jitter, honouring `x-acs-retry-after` (ms), within [`RetryPolicy`]'s attempts and total
//! wait. **Non-idempotent operations (create*, publish, invoke) are sent exactly once**: a
//! retryable failure is returned as is ([`ClientError::is_retryable`] tells), and the caller
//! decides — e.g. GetFunction to see whether the create happened, or treat a later
//! `409 …AlreadyExists` as success. Every attempt has a timeout; a [`CancellationToken`] (on the
//! client, or per call with [`Client::with_cancel`]) aborts waits and requests in flight.
//!
//! Never logged: credentials, signatures, request or response bodies. `tracing` gets the action,
//! attempt, status, FC code and request id.

mod configs;
mod functions;
mod invoke;
mod models;
mod retry;
mod transport;
mod triggers;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use tokio_util::sync::CancellationToken;

use crate::credentials::Credentials;
use crate::endpoint::{Endpoint, Endpoints, is_loopback_host};
use crate::error::FcError;
use crate::sign::{AccessKey, SignedHeaderSet};

pub use invoke::{InvocationHeaders, InvokeOptions, InvokeOutput};
pub use models::{ListFunctionsQuery, ListQuery, Page, VersionDirection};
pub use retry::{RetryPolicy, SleepFuture, Sources, SystemSources};

/// The API version every request names (`x-acs-version`) and the path prefix.
pub const API_VERSION: &str = "2023-03-30";
/// The `user-agent` sdls sends.
pub const USER_AGENT: &str = concat!("sdls/", env!("CARGO_PKG_VERSION"));
/// Default timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything [`Client::new`] needs.
#[derive(Clone)]
pub struct ClientConfig {
    /// Management and invocation hosts. Without an invocation host, InvokeFunction goes to the
    /// management host (the API is served there too).
    pub endpoints: Endpoints,
    /// The AccessKey (and STS token) to sign with.
    pub access_key: AccessKey,
    /// The region id (informational: the host already names it).
    pub region: String,
    pub account_id: Option<String>,
    /// `http://<loopback>:<port>` of an HTTP proxy every request is sent through (the embedded
    /// emulator). Requests then use `http://` to the endpoints' hosts, which stay what is signed.
    pub proxy: Option<String>,
    /// The timeout of one attempt (connect, send, and the whole response body). Default 60 s;
    /// use [`Client::with_timeout`] for long invocations.
    pub timeout: Duration,
    /// Connect timeout (bounded by `timeout`). Default 10 s.
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Which headers are signed. Default [`SignedHeaderSet::All`] (as the Python SDK).
    pub signed_headers: SignedHeaderSet,
    /// Cancels every call of this client (waits and requests in flight).
    pub cancel: Option<CancellationToken>,
    /// Clock, nonces, jitter and sleep. Default [`SystemSources`].
    pub sources: Arc<dyn Sources>,
}

impl ClientConfig {
    /// A configuration with the defaults above.
    pub fn new(endpoints: Endpoints, access_key: AccessKey, region: impl Into<String>) -> Self {
        Self {
            endpoints,
            access_key,
            region: region.into(),
            account_id: None,
            proxy: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            signed_headers: SignedHeaderSet::All,
            cancel: None,
            sources: Arc::new(SystemSources),
        }
    }

    /// A configuration with the defaults, signing with `credentials` (and its AccountID).
    pub fn from_credentials(
        endpoints: Endpoints,
        credentials: &Credentials,
        region: impl Into<String>,
    ) -> Self {
        let access_key = AccessKey {
            id: credentials.access_key_id.clone(),
            secret: credentials.access_key_secret.clone(),
            security_token: credentials.security_token.clone(),
        };
        let mut config = Self::new(endpoints, access_key, region);
        config.account_id = credentials.account_id.clone();
        config
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoints", &self.endpoints)
            .field("access_key", &self.access_key)
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .field("proxy", &self.proxy)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("signed_headers", &self.signed_headers)
            .field("cancel", &self.cancel.as_ref().map(|t| t.is_cancelled()))
            .finish_non_exhaustive()
    }
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The service (or emulator) answered an error: status, `Code`, `Message`, `RequestId`.
    #[error(transparent)]
    Fc(FcError),
    /// An attempt did not complete within the timeout.
    #[error("{action} timed out after {} ms", after.as_millis())]
    Timeout {
        action: &'static str,
        after: Duration,
    },
    /// Connecting, sending, or reading the answer failed (refused, reset, closed early, TLS).
    #[error("{action}: {message}")]
    Connection {
        action: &'static str,
        message: String,
    },
    /// The call's cancellation token fired.
    #[error("cancelled")]
    Cancelled,
    /// The request could not be built (a path parameter, a header value, the JSON body).
    #[error("could not build the {action} request: {message}")]
    Encode {
        action: &'static str,
        message: String,
    },
    /// A 2xx answer whose body is not what the operation returns.
    #[error("could not read the {action} answer: {message}")]
    Decode {
        action: &'static str,
        message: String,
    },
    /// An idempotent call was retried and every attempt failed; `last` is the last failure.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        attempts: u32,
        last: Box<ClientError>,
    },
    /// [`Client::new`] refused the configuration.
    #[error("FC client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// The FC error, also when it was the last of exhausted retries.
    pub fn fc(&self) -> Option<&FcError> {
        match self {
            Self::Fc(e) => Some(e),
            Self::RetriesExhausted { last, .. } => last.fc(),
            _ => None,
        }
    }

    /// Whether the same request may succeed if repeated: retryable FC errors, timeouts and
    /// connection failures. For a non-idempotent call, repeating may also duplicate its effect.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Fc(e) => e.is_retryable(),
            Self::Timeout { .. } | Self::Connection { .. } => true,
            _ => false,
        }
    }

    /// A 404 from the service.
    pub fn is_not_found(&self) -> bool {
        self.fc().is_some_and(FcError::is_not_found)
    }

    /// A `409 …AlreadyExists` from the service.
    pub fn is_already_exists(&self) -> bool {
        self.fc().is_some_and(FcError::is_already_exists)
    }

    /// `x-acs-retry-after` of an FC error.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Fc(e) => e.retry_after,
            _ => None,
        }
    }
}

/// One host the client sends to.
#[derive(Clone, Debug)]
struct Base {
    /// `scheme://authority`, no trailing `/`.
    url: String,
    /// The `host` value sent and signed.
    host: String,
}

struct Inner {
    http: reqwest::Client,
    key: AccessKey,
    region: String,
    account_id: Option<String>,
    management: Base,
    invocation: Base,
    proxied: bool,
    timeout: Duration,
    retry: RetryPolicy,
    signed_headers: SignedHeaderSet,
    cancel: CancellationToken,
    sources: Arc<dyn Sources>,
}

/// The FC client. Cheap to clone (one connection pool); [`Client::with_cancel`] and
/// [`Client::with_timeout`] give views for one call or one job.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    cancel: Option<CancellationToken>,
    timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("management", &self.inner.management.url)
            .field("invocation", &self.inner.invocation.url)
            .field("proxied", &self.inner.proxied)
            .field("access_key", &self.inner.key)
            .field("region", &self.inner.region)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client. Refuses plain `http://` to a non-loopback host, a proxy that is not
    /// `http://` on loopback, and endpoints that do not form a URL.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let proxy = config.proxy.as_deref().map(parse_proxy).transpose()?;
        let proxied = proxy.is_some();
        let management = base(&config.endpoints.management, proxied)?;
        let invocation = match &config.endpoints.invocation {
            Some(endpoint) => base(endpoint, proxied)?,
            None => management.clone(),
        };
        let any_loopback = config.endpoints.management.is_loopback()
            || config
                .endpoints
                .invocation
                .as_ref()
                .is_some_and(Endpoint::is_loopback);
        let mut builder = reqwest::Client::builder()
            .retry(reqwest::retry::never())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout.min(config.timeout))
            .pool_idle_timeout(Duration::from_secs(30));
        if let Some(proxy) = proxy {
            // Only this proxy: never the environment's, never direct.
            let proxy = reqwest::Proxy::http(proxy.as_str())
                .map_err(|e| ClientError::Config(format!("proxy `{proxy}`: {e}")))?;
            builder = builder.no_proxy().proxy(proxy);
        } else if any_loopback {
            // HTTP_PROXY and friends must not route loopback traffic elsewhere.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                key: config.access_key,
                region: config.region,
                account_id: config.account_id,
                management,
                invocation,
                proxied,
                timeout: config.timeout,
                retry: config.retry,
                signed_headers: config.signed_headers,
                cancel: config.cancel.unwrap_or_default(),
                sources: config.sources,
            }),
            cancel: None,
            timeout: None,
        })
    }

    /// This client, with calls also cancelled by `token` (the client's own token still applies).
    #[must_use]
    pub fn with_cancel(&self, token: CancellationToken) -> Client {
        Client {
            cancel: Some(token),
            ..self.clone()
        }
    }

    /// This client, with `timeout` per attempt instead of the configured one.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            timeout: Some(timeout),
            ..self.clone()
        }
    }

    pub fn region(&self) -> &str {
        &self.inner.region
    }

    pub fn account_id(&self) -> Option<&str> {
        self.inner.account_id.as_deref()
    }

    /// `scheme://host[:port]` management calls are addressed to (`http://` when proxied).
    pub fn management_url(&self) -> &str {
        &self.inner.management.url
    }

    /// `scheme://host[:port]` InvokeFunction is addressed to.
    pub fn invocation_url(&self) -> &str {
        &self.inner.invocation.url
    }

    /// Whether requests go through a loopback proxy.
    pub fn is_proxied(&self) -> bool {
        self.inner.proxied
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(self.inner.timeout)
    }
}

/// Checks a proxy URL: `http://<loopback host>:<port>` with nothing after the authority.
fn parse_proxy(text: &str) -> Result<Url, ClientError> {
    let refuse = |why: &str| {
        ClientError::Config(format!(
            "proxy `{text}` {why}; only an http:// proxy on loopback (the embedded emulator) is supported"
        ))
    };
    let url = Url::parse(text.trim()).map_err(|e| refuse(&format!("is not a URL ({e})")))?;
    if url.scheme() != "http" {
        return Err(refuse("does not use http://"));
    }
    let host = url.host_str().unwrap_or_default();
    if !is_loopback_host(host) {
        return Err(refuse("is not on a loopback address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("carries user info"));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("has a path, query or fragment"));
    }
    Ok(url)
}

/// The base URL and signed host of an endpoint; `http` when proxied.
fn base(endpoint: &Endpoint, proxied: bool) -> Result<Base, ClientError> {
    use crate::endpoint::Scheme;
    let scheme = if proxied {
        Scheme::Http
    } else {
        endpoint.scheme
    };
    if scheme == Scheme::Http && !proxied && !endpoint.is_loopback() {
        return Err(ClientError::Config(format!(
            "plain http:// to `{}` would send signed requests, configs and payloads unencrypted; http is allowed only to loopback: use https://",
            endpoint.host
        )));
    }
    let text = format!("{scheme}://{}", endpoint.authority());
    let url = Url::parse(&text)
        .map_err(|e| ClientError::Config(format!("endpoint `{text}` is not a URL: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| ClientError::Config(format!("endpoint `{text}` has no host")))?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let url = format!("{}://{host}", url.scheme());
    Ok(Base { url, host })
}
