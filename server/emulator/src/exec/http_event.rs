//! HTTP requests to built-in runtimes (fc-api.md §9.4): the FC 3.0 HTTP event (`version: v1`)
//! handed to the handler, and the handler's return value mapped back to an HTTP response.
//!
//! Event details chosen here: headers and query parameters with several values are joined with
//! `,` (as FC's documented example shows); the query is form-decoded (`+` is a space); the body is
//! text when it is valid UTF-8, else Base64 with `isBase64Encoded: true`; `time` is RFC 3339 UTC
//! to the second and `timeEpoch` milliseconds as a string.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{FunctionSpec, HttpRequest, InvokeRequest};

/// The JSON event bytes for `http`.
pub(super) fn event(
    request: &InvokeRequest,
    http: &HttpRequest,
    spec: &FunctionSpec,
    now: SystemTime,
) -> Vec<u8> {
    let mut headers = Map::new();
    for (name, value) in &http.headers {
        join_into(&mut headers, name, value);
    }
    let mut query = Map::new();
    for pair in http.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        join_into(&mut query, &form_decode(k), &form_decode(v));
    }
    let header = |name: &str| {
        http.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let domain = header("host");
    let domain_prefix = domain.split('.').next().unwrap_or_default().to_owned();
    let (body, base64) = match std::str::from_utf8(&http.body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(&http.body),
            true,
        ),
    };
    let millis = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let path = if http.path.is_empty() {
        "/".to_owned()
    } else {
        http.path.clone()
    };
    let event = json!({
        "version": "v1",
        "rawPath": path,
        "headers": headers,
        "queryParameters": query,
        "body": body,
        "isBase64Encoded": base64,
        "requestContext": {
            "accountId": spec.account_id,
            "domainName": domain,
            "domainPrefix": domain_prefix,
            "requestId": request.request_id,
            "time": rfc3339((millis / 1000) as i64),
            "timeEpoch": millis.to_string(),
            "http": {
                "method": http.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": http.client_ip,
                "userAgent": header("user-agent"),
            },
        },
    });
    event.to_string().into_bytes()
}

fn join_into(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::String(existing)) => {
            existing.push(',');
            existing.push_str(value);
        }
        _ => {
            map.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    }
}

/// Percent-decoding with `+` as a space; invalid escapes are kept as they are.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (proleptic Gregorian, UTC).
pub(super) fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Maps a handler's return value to `(status, headers, body)`: a JSON object with `statusCode`
/// becomes that response (`headers` values as strings, arrays as repeated headers; `body` a
/// string, Base64-decoded when `isBase64Encoded`, or other JSON serialised); anything else is a
/// `200` with the value as the body.
pub(super) fn map_result(body: Vec<u8>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&body) else {
        return (200, Vec::new(), body);
    };
    let status = match object.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let Some(status) = status
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
    else {
        return (200, Vec::new(), body);
    };
    let mut headers = Vec::new();
    if let Some(Value::Object(map)) = object.get("headers") {
        for (name, value) in map {
            match value {
                Value::Array(values) => {
                    headers.extend(values.iter().map(|v| (name.clone(), scalar_text(v))));
                }
                Value::Null => {}
                other => headers.push((name.clone(), scalar_text(other))),
            }
        }
    }
    let base64 = matches!(object.get("isBase64Encoded"), Some(Value::Bool(true)));
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .unwrap_or_else(|_| text.clone().into_bytes()),
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    };
    (status, headers, body)
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
