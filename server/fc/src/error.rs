//! FC API errors as the service reports them (fc-api.md §8): HTTP status, `Code`, `Message` and
//! `RequestId` from the JSON body (either key case), the throttling hint `x-acs-retry-after`, and
//! the retry classification of §8.3.

use std::time::Duration;

use serde::Deserialize;

/// An error answered by Function Compute (or the emulator).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} (HTTP {status}): {message}{}", request_id.as_deref().map(|r| format!(" [request id {r}]")).unwrap_or_default())]
pub struct FcError {
    pub status: u16,
    /// FC's error code, e.g. `FunctionNotFound`; `Unknown` when the body carried none.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// `x-acs-retry-after` when the service asked to slow down (milliseconds, fc-api.md §8.1).
    pub retry_after: Option<Duration>,
}

#[derive(Deserialize)]
struct Body {
    #[serde(alias = "code")]
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(alias = "message")]
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(alias = "requestId")]
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

impl FcError {
    /// Builds the error of a response with `status` ≥ 400 from its body and headers. A body that
    /// is not JSON (a gateway's HTML page) keeps the status and a short excerpt as the message.
    pub fn from_response(
        status: u16,
        body: &[u8],
        request_id_header: Option<&str>,
        retry_after_header: Option<&str>,
    ) -> FcError {
        let parsed: Option<Body> = serde_json::from_slice(body).ok();
        let (code, message, request_id) = match parsed {
            Some(b) => (b.code, b.message, b.request_id),
            None => (None, None, None),
        };
        let message = message.unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let excerpt: String = text.chars().take(200).collect();
            if excerpt.trim().is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                excerpt
            }
        });
        FcError {
            status,
            code: code.unwrap_or_else(|| "Unknown".to_string()),
            message,
            request_id: request_id.or_else(|| request_id_header.map(str::to_string)),
            retry_after: retry_after_header
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
        }
    }

    /// Whether repeating the same request may succeed (§8.3): 429, 499, 5xx, and
    /// `ConcurrentUpdateError`. Whether it is *safe* to repeat depends on the operation.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 499 | 500 | 502 | 503 | 504)
            || self.code == "ConcurrentUpdateError"
            || self.retry_after.is_some()
    }

    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    pub fn is_already_exists(&self) -> bool {
        self.status == 409 && self.code.ends_with("AlreadyExists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_key_cases_and_the_retry_hint() {
        let e = FcError::from_response(
            404,
            br#"{"Code":"FunctionNotFound","Message":"function 'x' does not exist","RequestId":"r-1"}"#,
            Some("hdr"),
            None,
        );
        assert_eq!(
            (e.code.as_str(), e.request_id.as_deref()),
            ("FunctionNotFound", Some("r-1"))
        );
        assert!(e.is_not_found() && !e.is_retryable());
        let e = FcError::from_response(
            429,
            br#"{"code":"TooManyRequests","message":"slow down"}"#,
            Some("r-2"),
            Some("1500"),
        );
        assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
        assert_eq!(e.request_id.as_deref(), Some("r-2"));
        assert!(e.is_retryable());
        let e = FcError::from_response(502, b"<html>bad gateway</html>", None, Some("0"));
        assert_eq!(e.code, "Unknown");
        assert!(e.message.contains("bad gateway") && e.retry_after.is_none() && e.is_retryable());
        assert_eq!(
            e.to_string(),
            "Unknown (HTTP 502): <html>bad gateway</html>"
        );
    }
}
