//! Small pieces the API handlers share: timestamps, query parameters (form-decoded, booleans
//! case-insensitive, JSON arrays), pagination with names as tokens (fc-api.md §11), typed access
//! to JSON bodies, and name rules.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::error::ApiError;

/// The last timestamp handed out (ms), so that every write gets a later time.
static LAST_MS: AtomicI64 = AtomicI64::new(0);

/// Now as ISO 8601 UTC with milliseconds (`2025-01-15T08:30:00.123Z`), strictly increasing within
/// the process (so `lastModifiedTime` changes on every update).
pub(crate) fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let mut last = LAST_MS.load(Ordering::Relaxed);
    let ms = loop {
        let next = now.max(last + 1);
        match LAST_MS.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    let secs = fc::sign::format_acs_date(ms.div_euclid(1000));
    format!(
        "{}.{:03}Z",
        secs.get(..19).unwrap_or(&secs),
        ms.rem_euclid(1000)
    )
}

/// The value of query parameter `name` (last one wins).
pub(crate) fn query<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A boolean query value: `true`/`True`/`1` and `false`/`False`/`0`.
pub(crate) fn query_bool(pairs: &[(String, String)], name: &str) -> Result<Option<bool>, ApiError> {
    match query(pairs, name) {
        None => Ok(None),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" | "" => Ok(Some(false)),
            _ => Err(ApiError::invalid(format!(
                "query parameter '{name}' must be true or false, got '{v}'"
            ))),
        },
    }
}

/// A JSON-array query value (`["a","b"]`); a plain value is one element.
pub(crate) fn query_list(pairs: &[(String, String)], name: &str) -> Vec<Value> {
    match query(pairs, name) {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            _ => vec![Value::String(text.to_owned())],
        },
    }
}

/// `limit` (1–`max`, default `default`).
pub(crate) fn limit(
    pairs: &[(String, String)],
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match query(pairs, name) {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(format!(
                "{name} must be an integer between 1 and {max}, got '{text}'"
            ))),
        },
    }
}

/// One page of `items` (sorted by key): those with key ≥ `token`, at most `limit`; the next token
/// is the key of the first item left out.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = (String, T)>,
    token: Option<&str>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    let mut page = Vec::new();
    let mut next = None;
    for (key, item) in items {
        if token.is_some_and(|t| !t.is_empty() && key.as_str() < t) {
            continue;
        }
        if page.len() == limit {
            next = Some(key);
            break;
        }
        page.push(item);
    }
    (page, next)
}

/// Puts `nextToken` into a list answer when there is a next page.
pub(crate) fn with_token(mut body: Map<String, Value>, next: Option<String>) -> Value {
    if let Some(next) = next {
        body.insert("nextToken".to_owned(), Value::String(next));
    }
    Value::Object(body)
}

/// A request body as a JSON object (`{}` when empty).
pub(crate) fn body_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid("the request body must be a JSON object")),
        Err(e) => Err(ApiError::invalid(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// A present, non-null field.
pub(crate) fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

/// An optional string field.
pub(crate) fn opt_str<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("{name} must be a string"))),
    }
}

/// A required, non-empty string field.
pub(crate) fn req_str<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match opt_str(body, name)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::invalid(format!(
            "{name} is required but not provided"
        ))),
    }
}

/// An optional integer field (a float with no fraction is accepted).
pub(crate) fn opt_int(body: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    match field(body, name) {
        None => Ok(None),
        Some(v) => as_int(v)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{name} must be an integer"))),
    }
}

/// An integer JSON value.
pub(crate) fn as_int(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// An optional boolean field.
pub(crate) fn opt_bool(body: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid(format!("{name} must be a boolean"))),
    }
}

/// Checks an integer field's range when present.
pub(crate) fn check_range(
    body: &Map<String, Value>,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiError> {
    let value = opt_int(body, name)?;
    if let Some(v) = value
        && !(min..=max).contains(&v)
    {
        return Err(ApiError::invalid(format!(
            "{name} must be between {min} and {max}, got {v}"
        )));
    }
    Ok(value)
}

/// Checks a name: 1–`max` characters of `[A-Za-z0-9_-]`, not starting with a digit or `-`.
pub(crate) fn check_name(kind: &str, name: &str, max: usize) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.chars().count() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "invalid {kind} '{name}': use 1-{max} letters, digits, '_' or '-', starting with a letter or '_'"
        )))
    }
}

/// Checks a function name; legacy FC 2.0 names `service$function` (D11) are accepted.
pub(crate) fn check_function_name(name: &str) -> Result<(), ApiError> {
    match name.split_once('$') {
        Some((service, function)) => {
            check_name("service name", service, 128)?;
            check_name("function name", function, 64)
        }
        None => check_name("function name", name, 64),
    }
}

/// `functionArn` of a function.
pub(crate) fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("acs:fc:{region}:{account}:functions/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_increase() {
        let a = timestamp();
        let b = timestamp();
        assert!(b > a, "{a} {b}");
        assert_eq!(a.len(), 24);
        assert!(a.ends_with('Z'));
    }

    #[test]
    fn pages() {
        let items = ["a", "b", "c", "d"].map(|k| (k.to_owned(), k));
        let (page, next) = paginate(items.clone(), None, 3);
        assert_eq!((page, next.as_deref()), (vec!["a", "b", "c"], Some("d")));
        let (page, next) = paginate(items, Some("bb"), 3);
        assert_eq!((page, next), (vec!["c", "d"], None));
    }

    #[test]
    fn names() {
        assert!(check_function_name("svc$fn_1").is_ok());
        assert!(check_function_name("1fn").is_err());
        assert!(check_function_name("a$").is_err());
        assert!(check_name("trigger name", "-x", 128).is_err());
    }
}
