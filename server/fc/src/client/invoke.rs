//! InvokeFunction (fc-api.md §9): raw bytes in, raw bytes and the `x-fc-*` headers out, on the
//! invocation host. Never retried: a repeat would run the function twice. A function error is a
//! 2xx answer with `x-fc-error-type` ([`InvokeOutput::is_function_error`]); an API error (status
//! ≥ 400) is a [`ClientError::Fc`].

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::transport::Op;
use super::{Client, ClientError};

/// How to invoke.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvokeOptions {
    /// `x-fc-invocation-type: Async` (answered `202` with an empty body) instead of `Sync`.
    pub asynchronous: bool,
    /// `x-fc-log-type: Tail`: the answer carries the last 4 KB of the request's log in
    /// [`InvocationHeaders::log_result`].
    pub log_tail: bool,
    /// `x-fc-async-task-id` (async tasks only).
    pub async_task_id: Option<String>,
}

/// The `x-fc-*` headers of an invocation answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InvocationHeaders {
    /// `x-fc-request-id`.
    pub request_id: Option<String>,
    /// `x-fc-error-type` (`UnhandledInvocationError`, `HandledInvocationError`): a function error.
    pub error_type: Option<String>,
    /// `x-fc-invocation-duration` (milliseconds on the wire).
    pub duration: Option<Duration>,
    /// `x-fc-max-memory-usage` (MB).
    pub max_memory_usage_mb: Option<f64>,
    /// `x-fc-log-result`, Base64-decoded (lossy UTF-8); the raw value when it is not Base64.
    pub log_result: Option<String>,
    /// `x-fc-code-checksum`: decimal CRC-64 of the code that ran.
    pub code_checksum: Option<String>,
    /// `x-fc-invocation-service-version`: the version that ran (`LATEST` when unqualified).
    pub version: Option<String>,
    /// `x-fc-instance-id`.
    pub instance_id: Option<String>,
    /// `x-fc-async-task-id` (async invocations with async tasks on).
    pub async_task_id: Option<String>,
}

impl InvocationHeaders {
    /// Reads the headers of an invocation answer (names case-insensitive; values that are not
    /// visible ASCII are ignored).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| {
            text(name)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0)
        };
        Self {
            request_id: text("x-fc-request-id").or_else(|| text("x-acs-request-id")),
            error_type: text("x-fc-error-type"),
            duration: number("x-fc-invocation-duration")
                .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok()),
            max_memory_usage_mb: number("x-fc-max-memory-usage"),
            log_result: text("x-fc-log-result").map(|raw| match BASE64.decode(&raw) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => raw,
            }),
            code_checksum: text("x-fc-code-checksum"),
            version: text("x-fc-invocation-service-version"),
            instance_id: text("x-fc-instance-id"),
            async_task_id: text("x-fc-async-task-id"),
        }
    }
}

/// What an invocation answered (status < 400).
#[derive(Clone, Debug, PartialEq)]
pub struct InvokeOutput {
    /// `200` (sync) or `202` (async accepted).
    pub status: u16,
    /// The function's return value (or its error JSON), raw bytes; empty for async.
    pub body: Bytes,
    pub headers: InvocationHeaders,
}

impl InvokeOutput {
    /// Whether the function itself failed (`x-fc-error-type` present).
    pub fn is_function_error(&self) -> bool {
        self.headers.error_type.is_some()
    }
}

impl Client {
    /// InvokeFunction: `payload` as the raw body (`application/octet-stream`; none when empty),
    /// `qualifier` a version id or alias. Sent exactly once, whatever fails: the caller decides
    /// whether running the function again is acceptable. The attempt timeout applies to the
    /// whole answer — use [`Client::with_timeout`] for functions that run longer.
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: impl Into<Bytes>,
        options: &InvokeOptions,
    ) -> Result<InvokeOutput, ClientError> {
        let mut op = Op::new(
            "InvokeFunction",
            Method::POST,
            &["functions", function, "invocations"],
        )?
        .on_invocation_host()
        .query_opt("qualifier", qualifier)
        .header(
            "x-fc-invocation-type",
            if options.asynchronous {
                "Async"
            } else {
                "Sync"
            },
        )
        .header(
            "x-fc-log-type",
            if options.log_tail { "Tail" } else { "None" },
        )
        .octets(payload.into());
        if let Some(id) = &options.async_task_id {
            op = op.header("x-fc-async-task-id", id.clone());
        }
        let response = self.execute(op).await?;
        Ok(InvokeOutput {
            status: response.status,
            headers: InvocationHeaders::from_headers(&response.headers),
            body: response.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn headers_decode() {
        let mut map = HeaderMap::new();
        for (name, value) in [
            ("X-Fc-Request-Id", "r-1"),
            ("x-fc-log-result", "aGVsbG8K"),
            ("x-fc-invocation-duration", "12.5"),
            ("x-fc-max-memory-usage", "33"),
            ("x-fc-invocation-service-version", "3"),
            ("x-fc-error-type", " "),
        ] {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static(value),
            );
        }
        let h = InvocationHeaders::from_headers(&map);
        assert_eq!(h.request_id.as_deref(), Some("r-1"));
        assert_eq!(h.log_result.as_deref(), Some("hello\n"));
        assert_eq!(h.duration, Some(Duration::from_micros(12_500)));
        assert_eq!(h.max_memory_usage_mb, Some(33.0));
        assert_eq!(h.version.as_deref(), Some("3"));
        assert_eq!(h.error_type, None);
        map.insert("x-fc-log-result", HeaderValue::from_static("not base64!"));
        map.insert("x-fc-invocation-duration", HeaderValue::from_static("-1"));
        let h = InvocationHeaders::from_headers(&map);
        assert_eq!(h.log_result.as_deref(), Some("not base64!"));
        assert_eq!(h.duration, None);
    }
}
