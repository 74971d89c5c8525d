//! FC's error answers (fc-api.md §8): a status, a `Code` and a `Message`, sent as the JSON body
//! `{"Code","Message","RequestId"}` with `Content-Type: application/json`; 429s carry
//! `x-acs-retry-after` so the SDKs raise a throttling error.

use std::borrow::Cow;

use fc::sign::VerifyError;

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: String,
    /// `x-acs-retry-after` in milliseconds.
    pub(crate) retry_after_ms: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// `400 InvalidArgument`.
    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "InvalidArgument", message)
    }

    /// `500 InternalServerError` (the message goes to the log, the client gets FC's text).
    pub(crate) fn internal(detail: impl Into<String>) -> ApiError {
        let detail = detail.into();
        tracing::error!("internal error: {detail}");
        ApiError::new(
            500,
            "InternalServerError",
            format!("an internal error has occurred. Please retry. ({detail})"),
        )
    }

    pub(crate) fn function_not_found(name: &str) -> ApiError {
        ApiError::new(
            404,
            "FunctionNotFound",
            format!("function '{name}' does not exist"),
        )
    }

    pub(crate) fn version_not_found(function: &str, version: &str) -> ApiError {
        ApiError::new(
            404,
            "VersionNotFound",
            format!("version '{version}' of function '{function}' does not exist"),
        )
    }

    pub(crate) fn alias_not_found(function: &str, alias: &str) -> ApiError {
        ApiError::new(
            404,
            "AliasNotFound",
            format!("alias '{alias}' of function '{function}' does not exist"),
        )
    }

    pub(crate) fn path_not_supported(method: &str, path: &str) -> ApiError {
        ApiError::new(
            400,
            "PathNotSupported",
            format!("{method} {path} is not supported"),
        )
    }

    /// `429 TooManyRequests` with a retry hint.
    pub(crate) fn throttled(message: impl Into<String>, retry_after_ms: u64) -> ApiError {
        ApiError {
            retry_after_ms: Some(retry_after_ms.max(1)),
            ..ApiError::new(429, "TooManyRequests", message)
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> ApiError {
        ApiError::new(e.status(), e.code(), e.to_string())
    }
}
