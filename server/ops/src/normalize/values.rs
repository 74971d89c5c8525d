//! Value helpers shared by both sides of the normalisation: JSON canonical forms, JavaScript's
//! `String()` for environment values, `auto` detection and fc3's role completion.

use serde_json::{Map, Value as Json};

use crate::local::UNKNOWN;

/// Whether `value` is an fc3 `auto` (any case, optionally `auto|k=v…`), §1.8.2.
pub fn is_auto(value: &Json) -> bool {
    match value {
        Json::String(s) => {
            let head = s.trim().split('|').next().unwrap_or("").trim();
            head.eq_ignore_ascii_case("auto")
        }
        _ => false,
    }
}

/// Whether `value` is the run-time unknown marker.
pub fn is_unknown(value: &Json) -> bool {
    value.as_str() == Some(UNKNOWN)
}

/// Whether `value` holds the unknown marker at any depth.
pub fn contains_unknown(value: &Json) -> bool {
    match value {
        Json::String(s) => s == UNKNOWN,
        Json::Array(items) => items.iter().any(contains_unknown),
        Json::Object(map) => map.values().any(contains_unknown),
        _ => false,
    }
}

/// `null`, `""`, `[]` and `{}`: what FC and fc3 treat as "not set" (fc-api.md §4.4 rule 2).
pub fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(items) => items.is_empty(),
        Json::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Removes `null` members at any depth (fc-api.md §4.4 rule 2, §5.5).
pub fn strip_nulls(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Json::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// JavaScript's `String(value)`: how fc3 (and FC's JSON decoding) turns a YAML scalar into an
/// environment value (`1` → `"1"`, `true` → `"true"`, `1.0` → `"1"`).
pub fn js_string(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f.fract() == 0.0 && f.abs() < 1e21 {
                    format!("{f:.0}")
                } else {
                    f.to_string()
                }
            }
        }
        Json::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    js_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Json::Object(_) => "[object Object]".into(),
    }
}

/// fc3's role rule L2 (§2.1.3): a string that is not `acs:ram::<digits>:role/<name>` is
/// completed to `acs:ram::<AccountID>:role/<value>`; every role is lower-cased. Without an
/// account id the bare name stays bare (compared by name, see [`same_role`]).
pub fn complete_role(role: &str, account_id: Option<&str>, lenient: bool) -> String {
    let role = role.trim();
    if role.is_empty() {
        return String::new();
    }
    let is_arn = if lenient {
        role.to_ascii_lowercase().starts_with("acs:ram:")
    } else {
        is_strict_role_arn(role)
    };
    let full = match (is_arn, account_id) {
        (true, _) | (false, None) => role.to_string(),
        (false, Some(account)) => format!("acs:ram::{account}:role/{role}"),
    };
    full.to_lowercase()
}

fn is_strict_role_arn(role: &str) -> bool {
    let Some(rest) = role.strip_prefix("acs:ram::") else {
        return false;
    };
    let Some((account, name)) = rest.split_once(":role/") else {
        return false;
    };
    !account.is_empty() && account.chars().all(|c| c.is_ascii_digit()) && !name.is_empty()
}

/// Role ARNs compared case-insensitively; a bare name (no account known when it was completed)
/// matches an ARN with the same role name.
pub fn same_role(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    if a == b {
        return true;
    }
    let name = |r: &str| -> Option<String> { r.split_once(":role/").map(|(_, n)| n.to_string()) };
    match (a.starts_with("acs:"), b.starts_with("acs:")) {
        (false, true) => name(&b).as_deref() == Some(a.as_str()),
        (true, false) => name(&a).as_deref() == Some(b.as_str()),
        _ => false,
    }
}

/// Numbers by value (`512` = `512.0`, tolerance 1e-9), objects with a missing member equal to
/// an empty one, arrays element by element.
pub fn deep_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9,
            _ => x == y,
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_eq(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            let empty = Json::Null;
            x.keys().chain(y.keys()).all(|k| {
                let (a, b) = (x.get(k).unwrap_or(&empty), y.get(k).unwrap_or(&empty));
                (is_empty(a) && is_empty(b)) || deep_eq(a, b)
            })
        }
        _ => a == b,
    }
}

/// A sort key that ignores number spelling and object member order (set comparisons).
pub fn sort_key(value: &Json) -> String {
    match value {
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e18 => format!("{f:.0}"),
            Some(f) => f.to_string(),
            None => n.to_string(),
        },
        Json::Array(items) => {
            let inner: Vec<String> = items.iter().map(sort_key).collect();
            format!("[{}]", inner.join(","))
        }
        Json::Object(map) => {
            let mut inner: Vec<String> = map
                .iter()
                .filter(|(_, v)| !is_empty(v))
                .map(|(k, v)| format!("{k:?}:{}", sort_key(v)))
                .collect();
            inner.sort();
            format!("{{{}}}", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// Tags in one shape: `[{key, value}]` sorted by key (fc3 lower-cases `Key`/`Value` property
/// names; §2.5 B10). Values stay as written.
pub fn normalize_tags(value: &Json) -> Json {
    let Json::Array(items) = value else {
        return value.clone();
    };
    let mut tags: Vec<Json> = items
        .iter()
        .map(|item| {
            let get = |lower: &str, upper: &str| {
                item.get(lower)
                    .or_else(|| item.get(upper))
                    .cloned()
                    .unwrap_or(Json::Null)
            };
            let value = match get("value", "Value") {
                Json::Null => Json::String(String::new()),
                v if v.is_string() => v,
                v => Json::String(js_string(&v)),
            };
            let mut tag = Map::new();
            tag.insert("key".into(), get("key", "Key"));
            tag.insert("value".into(), value);
            Json::Object(tag)
        })
        .collect();
    tags.sort_by_key(sort_key);
    Json::Array(tags)
}

/// Mount points in one shape: `enableTLS: false`, `readOnly: false` and a root `bucketPath`
/// (`/` or `""`) are the defaults FC applies (§1.8.3), so they are dropped on both sides.
pub fn normalize_mount_points(config: &mut Json) {
    let Some(Json::Array(points)) = config.get_mut("mountPoints") else {
        return;
    };
    for point in points.iter_mut() {
        if let Json::Object(p) = point {
            if p.get("enableTLS") == Some(&Json::Bool(false)) {
                p.remove("enableTLS");
            }
            if p.get("readOnly") == Some(&Json::Bool(false)) {
                p.remove("readOnly");
            }
            if matches!(p.get("bucketPath").and_then(Json::as_str), Some("/" | "")) {
                p.remove("bucketPath");
            }
        }
    }
}

/// Drops the function sub-configs FC treats as "none" (fc-api.md §4.4 rule 2): no `mountPoints`,
/// no `vpcId`, no `project`, empty objects, lifecycle hooks with neither handler nor command.
pub fn drop_empty_subconfigs(view: &mut Map<String, Json>) {
    let missing = |v: &Json, key: &str| v.get(key).is_none_or(is_empty);
    let drop: Vec<String> = view
        .iter()
        .filter(|(k, v)| match k.as_str() {
            "nasConfig" | "ossMountConfig" | "polarFsConfig" | "juiceFsConfig" => {
                !is_auto(v) && missing(v, "mountPoints")
            }
            "vpcConfig" => !is_auto(v) && missing(v, "vpcId"),
            "logConfig" => !is_auto(v) && missing(v, "project"),
            "gpuConfig" => missing(v, "gpuType"),
            "customDNS" => {
                missing(v, "nameServers") && missing(v, "searches") && missing(v, "dnsOptions")
            }
            "environmentVariables" => v.as_object().is_some_and(Map::is_empty),
            "role" | "description" => v.as_str() == Some(""),
            _ => is_empty(v),
        })
        .map(|(k, _)| k.clone())
        .collect();
    for key in drop {
        view.remove(&key);
    }
    if let Some(Json::Object(hooks)) = view.get_mut("instanceLifecycleConfig") {
        hooks.retain(|_, hook| {
            let handler = hook.get("handler").is_some_and(|h| !is_empty(h));
            let command = hook.get("command").is_some_and(|c| !is_empty(c));
            handler || command || contains_unknown(hook)
        });
        if hooks.is_empty() {
            view.remove("instanceLifecycleConfig");
        }
    }
}

/// Replaces the legacy account placeholder in every string of `value` with `account`, or the
/// whole string with the unknown marker when the account is not known.
pub fn fill_account(value: &mut Json, account: Option<&str>) {
    match value {
        Json::String(s) if s.contains(super::legacy::ACCOUNT_PLACEHOLDER) => {
            *s = match account {
                Some(a) => s.replace(super::legacy::ACCOUNT_PLACEHOLDER, a),
                None => UNKNOWN.to_string(),
            };
        }
        Json::Array(items) => items.iter_mut().for_each(|v| fill_account(v, account)),
        Json::Object(map) => map.values_mut().for_each(|v| fill_account(v, account)),
        _ => {}
    }
}
