//! How one operation becomes HTTP: [`Op`] describes it (action, method, percent-encoded path,
//! query, extra headers, body, idempotency, which host); [`Client::execute`] signs and sends it,
//! one fresh `x-acs-date` and nonce per attempt, retrying idempotent operations per the policy,
//! every attempt under the timeout and every wait and request under the cancellation tokens.
//! Also the JSON/unit answer helpers and the list-all loop over `nextToken`.

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{API_VERSION, Base, Client, ClientError, Page, USER_AGENT};
use crate::error::FcError;
use crate::sign::{self, Request, format_acs_date, percent_encode_str};

/// Which host an operation goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Host {
    Management,
    Invocation,
}

/// One API operation, before signing.
#[derive(Clone, Debug)]
pub(super) struct Op {
    action: &'static str,
    method: Method,
    /// Percent-encoded, with the `/2023-03-30` prefix.
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// The body and its content type.
    body: Option<(Bytes, &'static str)>,
    idempotent: bool,
    host: Host,
}

impl Op {
    /// `method /2023-03-30/<segments…>`, every segment percent-encoded (fc-api.md §2.5). POST is
    /// non-idempotent, every other method idempotent (the §3 column for the operations here).
    pub(super) fn new(
        action: &'static str,
        method: Method,
        segments: &[&str],
    ) -> Result<Op, ClientError> {
        let mut path = format!("/{API_VERSION}");
        for segment in segments {
            if segment.is_empty() || *segment == "." || *segment == ".." {
                return Err(ClientError::Encode {
                    action,
                    message: format!(
                        "a path parameter is `{segment}`; names must be non-empty and not `.` or `..`"
                    ),
                });
            }
            path.push('/');
            path.push_str(&percent_encode_str(segment));
        }
        Ok(Op {
            action,
            idempotent: method != Method::POST,
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            host: Host::Management,
        })
    }

    /// Adds a query parameter (decoded value).
    pub(super) fn query(mut self, name: &str, value: impl Into<String>) -> Op {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a query parameter when there is a value.
    pub(super) fn query_opt<V: ToString>(mut self, name: &str, value: Option<V>) -> Op {
        if let Some(value) = value {
            self.query.push((name.to_owned(), value.to_string()));
        }
        self
    }

    /// Adds a header (sent and, with [`crate::sign::SignedHeaderSet::All`], signed).
    pub(super) fn header(mut self, name: &str, value: impl Into<String>) -> Op {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// A compact JSON body, `content-type: application/json`.
    pub(super) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Op, ClientError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ClientError::Encode {
            action: self.action,
            message: e.to_string(),
        })?;
        self.body = Some((Bytes::from(bytes), "application/json"));
        Ok(self)
    }

    /// A raw body, `content-type: application/octet-stream`; none when empty (as the SDK).
    pub(super) fn octets(mut self, body: Bytes) -> Op {
        self.body = (!body.is_empty()).then_some((body, "application/octet-stream"));
        self
    }

    /// Sends to the invocation host.
    pub(super) fn on_invocation_host(mut self) -> Op {
        self.host = Host::Invocation;
        self
    }
}

/// A successful (status < 400) answer.
#[derive(Debug)]
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

/// An [`Op`] resolved against its host, ready to be signed once per attempt.
struct Prepared {
    action: &'static str,
    method: Method,
    url: Url,
    request: Request,
    body: Option<Bytes>,
    idempotent: bool,
}

impl Client {
    /// Decodes a JSON answer.
    pub(super) async fn call_json<T: DeserializeOwned>(&self, op: Op) -> Result<T, ClientError> {
        let action = op.action;
        let response = self.execute(op).await?;
        serde_json::from_slice(&response.body).map_err(|e| ClientError::Decode {
            action,
            message: format!("HTTP {}: {e}", response.status),
        })
    }

    /// An operation whose answer body is not read (deletes: 204).
    pub(super) async fn call_unit(&self, op: Op) -> Result<(), ClientError> {
        self.execute(op).await.map(drop)
    }

    /// Collects every page: calls `page` with `None`, then with each `nextToken` until it is
    /// absent or empty. A token seen twice ends with a decode error instead of looping forever.
    pub(super) async fn all_pages<P, F, Fut>(
        action: &'static str,
        mut page: F,
    ) -> Result<Vec<P::Item>, ClientError>
    where
        P: Page,
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<P, ClientError>>,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let (mut batch, next) = page(token.take()).await?.into_parts();
            items.append(&mut batch);
            match next.filter(|t| !t.is_empty()) {
                None => return Ok(items),
                Some(next) => {
                    if !seen.insert(next.clone()) {
                        return Err(ClientError::Decode {
                            action,
                            message: format!("nextToken `{next}` came back twice; stopped paging"),
                        });
                    }
                    token = Some(next);
                }
            }
        }
    }

    /// Sends `op`, retrying it when idempotent (module documentation of `client`).
    pub(super) async fn execute(&self, op: Op) -> Result<Response, ClientError> {
        let prepared = self.prepare(op)?;
        let policy = self.inner.retry;
        let max_attempts = if prepared.idempotent {
            policy.attempts.max(1)
        } else {
            1
        };
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let error = match self.cancellable(self.attempt(&prepared, attempt)).await? {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let give_up = |error: ClientError| {
                if attempt > 1 {
                    ClientError::RetriesExhausted {
                        attempts: attempt,
                        last: Box::new(error),
                    }
                } else {
                    error
                }
            };
            if !error.is_retryable() {
                return Err(error);
            }
            if !prepared.idempotent {
                tracing::debug!(
                    action = prepared.action,
                    "not retried: the operation is not idempotent"
                );
                return Err(error);
            }
            if attempt >= max_attempts {
                return Err(give_up(error));
            }
            let delay = policy.delay(attempt - 1, error.retry_after(), &*self.inner.sources);
            if waited.saturating_add(delay) > policy.max_total_wait {
                tracing::debug!(
                    action = prepared.action,
                    delay_ms = delay.as_millis() as u64,
                    "not retried: the wait would exceed the retry budget"
                );
                return Err(give_up(error));
            }
            waited += delay;
            tracing::debug!(
                action = prepared.action,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "retrying"
            );
            self.cancellable(self.inner.sources.sleep(delay)).await?;
        }
    }

    /// Runs `future` unless a cancellation token fires first.
    pub(super) async fn cancellable<F: Future>(&self, future: F) -> Result<F::Output, ClientError> {
        let call = async {
            match &self.cancel {
                Some(token) => token.cancelled().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = self.inner.cancel.cancelled() => Err(ClientError::Cancelled),
            () = call => Err(ClientError::Cancelled),
            output = future => Ok(output),
        }
    }

    fn prepare(&self, op: Op) -> Result<Prepared, ClientError> {
        let base: &Base = match op.host {
            Host::Management => &self.inner.management,
            Host::Invocation => &self.inner.invocation,
        };
        let mut request = Request::new(op.method.as_str(), base.host.clone(), op.path)
            .with_header("x-acs-action", op.action)
            .with_header("x-acs-version", API_VERSION)
            .with_header("accept", "application/json")
            .with_header("user-agent", USER_AGENT);
        if let Some((_, content_type)) = &op.body {
            request = request.with_header("content-type", *content_type);
        }
        request.headers.extend(op.headers);
        request.query = op.query;
        let body = op.body.map(|(bytes, _)| bytes);
        if let Some(bytes) = &body {
            request.body = bytes.to_vec();
        }
        let text = format!("{}{}", base.url, request.target());
        let url = Url::parse(&text).map_err(|e| ClientError::Encode {
            action: op.action,
            message: format!("`{text}` is not a URL: {e}"),
        })?;
        Ok(Prepared {
            action: op.action,
            method: op.method,
            url,
            request,
            body,
            idempotent: op.idempotent,
        })
    }

    /// One signed exchange: status ≥ 400 becomes [`ClientError::Fc`].
    async fn attempt(&self, prepared: &Prepared, attempt: u32) -> Result<Response, ClientError> {
        let inner = &self.inner;
        let action = prepared.action;
        let date = format_acs_date(inner.sources.now_unix());
        let nonce = inner.sources.nonce();
        let signed = sign::sign(
            &prepared.request,
            &inner.key,
            &date,
            &nonce,
            inner.signed_headers,
        );
        let mut headers = HeaderMap::with_capacity(signed.headers.len());
        for (name, value) in &signed.headers {
            // reqwest writes `Host` from the URL, which is what was signed.
            if name.eq_ignore_ascii_case(sign::HOST) {
                continue;
            }
            let header_name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| ClientError::Encode {
                    action,
                    message: format!("header name `{name}`: {e}"),
                })?;
            let header_value = HeaderValue::from_str(value).map_err(|_| ClientError::Encode {
                action,
                message: format!("the value of header `{name}` is not visible ASCII"),
            })?;
            headers.append(header_name, header_value);
        }
        let mut builder = inner
            .http
            .request(prepared.method.clone(), prepared.url.clone())
            .headers(headers);
        if let Some(body) = &prepared.body {
            builder = builder.body(body.clone());
        }
        let timeout = self.timeout();
        let started = Instant::now();
        let exchange = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(Response {
                status,
                headers,
                body,
            })
        };
        let outcome = tokio::time::timeout(timeout, exchange).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let response = match outcome {
            Err(_) => {
                tracing::debug!(action, attempt, elapsed_ms, "timed out");
                return Err(ClientError::Timeout {
                    action,
                    after: timeout,
                });
            }
            Ok(Err(error)) => {
                let error = transport_error(action, timeout, &error);
                tracing::debug!(action, attempt, elapsed_ms, error = %error, "failed");
                return Err(error);
            }
            Ok(Ok(response)) => response,
        };
        if response.status >= 400 {
            let header = |name: &str| response.headers.get(name).and_then(|v| v.to_str().ok());
            let error = FcError::from_response(
                response.status,
                &response.body,
                header("x-fc-request-id").or_else(|| header("x-acs-request-id")),
                header("x-acs-retry-after"),
            );
            tracing::debug!(
                action,
                attempt,
                elapsed_ms,
                status = response.status,
                code = %error.code,
                request_id = error.request_id.as_deref().unwrap_or(""),
                "FC error"
            );
            return Err(ClientError::Fc(error));
        }
        tracing::debug!(action, attempt, elapsed_ms, status = response.status, "ok");
        Ok(response)
    }
}

/// A reqwest failure as a [`ClientError`]: timeouts as `Timeout`, anything else as
/// `Connection` with the error chain (URLs only: no headers, no bodies).
fn transport_error(action: &'static str, timeout: Duration, error: &reqwest::Error) -> ClientError {
    if error.is_timeout() {
        return ClientError::Timeout {
            action,
            after: timeout,
        };
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    ClientError::Connection { action, message }
}
