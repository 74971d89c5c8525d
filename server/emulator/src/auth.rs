//! Who may call and in which region: ACS3-HMAC-SHA256 verification of every API request with
//! `fc::sign::verify` (fc-api.md §10.3, §10.6: the configured keys, the clock window, the nonce
//! store), and the region a request belongs to, read from the `Host` when it is a real FC host
//! name (proxy mode, D20).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use fc::sign::{self, MemoryNonceStore, ReceivedRequest, Secret, Verified, VerifyOptions};

use crate::Config;
use crate::api::error::ApiError;

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The nonce store for `config`: nonces are remembered at least as long as dates are accepted.
pub(crate) fn nonce_store(config: &Config) -> MemoryNonceStore {
    MemoryNonceStore::new(
        config
            .clock_window
            .unwrap_or(sign::DEFAULT_MAX_SKEW)
            .max(sign::DEFAULT_MAX_SKEW),
    )
}

/// Verifies a request: `target` is the raw request-target (origin or absolute form).
pub(crate) fn verify(
    config: &Config,
    nonces: &Mutex<MemoryNonceStore>,
    method: &str,
    target: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, ApiError> {
    let received = ReceivedRequest {
        method,
        target,
        headers: headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect(),
        body,
    };
    let lookup = |id: &str| -> Option<Secret> {
        if let Some((_, secret)) = config.credentials.iter().find(|(k, _)| k == id) {
            return Some(Secret::new(secret.clone()));
        }
        config
            .sts_credentials
            .iter()
            .find(|c| c.access_key_id == id)
            .map(|c| Secret::sts(c.secret.clone(), c.security_token.clone()))
    };
    let options = VerifyOptions {
        max_skew: config.clock_window,
        check_nonce: config.check_nonce,
    };
    let mut store = nonces
        .lock()
        .map_err(|_| ApiError::internal("nonce store poisoned"))?;
    sign::verify(&received, lookup, now_secs(), &mut *store, &options).map_err(|e| {
        if let sign::VerifyError::SignatureNotMatch { string_to_sign, .. } = &e {
            tracing::debug!("signature mismatch; server string to sign: {string_to_sign:?}");
        }
        ApiError::from(e)
    })
}

/// The region of a real FC host name: `fcv3.<region>.aliyuncs.com`, `fc.<region>.aliyuncs.com`,
/// `<account>.<region>[-internal].fc.aliyuncs.com`, `<region>.fc.aliyuncs.com`; `None` for
/// anything else (`127.0.0.1:PORT`, `localhost`, …). A port is ignored.
pub(crate) fn region_from_host(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
        _ => host,
    };
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let region = match labels.as_slice() {
        ["fcv3" | "fc", region, "aliyuncs", "com"] => *region,
        [_account, region, "fc", "aliyuncs", "com"] => region.trim_end_matches("-internal"),
        [region, "fc", "aliyuncs", "com"] => region.trim_end_matches("-internal"),
        _ => return None,
    };
    let valid = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_hosts() {
        let cases = [
            ("fcv3.cn-shanghai.aliyuncs.com", Some("cn-shanghai")),
            ("FCV3.cn-beijing.aliyuncs.com:80", Some("cn-beijing")),
            ("fc.us-west-1.aliyuncs.com", Some("us-west-1")),
            ("123.cn-hangzhou.fc.aliyuncs.com", Some("cn-hangzhou")),
            (
                "123.cn-heyuan-acdr-1-internal.fc.aliyuncs.com",
                Some("cn-heyuan-acdr-1"),
            ),
            ("me-central-1.fc.aliyuncs.com", Some("me-central-1")),
            ("127.0.0.1:18765", None),
            ("localhost", None),
            ("example.com", None),
        ];
        for (host, want) in cases {
            assert_eq!(region_from_host(host).as_deref(), want, "{host}");
        }
    }
}
