//! The one-way comparison of D12: every leaf the local view declares is compared with the other
//! view; a value only the other side has is a difference when deploy would clear it (the fc3
//! clearing table, serverless-devs.md §2.1.2), ignored when it is a server default (fc-api.md
//! §4.4 rule 3), and listed as unmanaged otherwise.

use serde_json::{Map, Value as Json};

use super::values::{deep_eq, is_empty, same_role, sort_key};
use super::{Comparison, FieldDiff, HASH_PREFIX, LocalView, View, hash_value};
use crate::path::FieldPath;

/// What deploy does with a value only the other side has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RemoteOnly {
    /// Deploy clears or replaces it: a difference with `local: None`.
    Clear,
    /// Deploy keeps it: listed, never a difference.
    Unmanaged,
    /// Server-owned or meaningless: not reported.
    Ignore,
}

pub(crate) fn compare(local: &LocalView, other: &View) -> Comparison {
    let other = align_route(&local.view, other);
    let mut walk = Walk {
        local,
        out: Comparison::default(),
    };
    walk.object(&local.view, Some(&other), &FieldPath::root());
    let mut out = walk.out;
    out.diffs.sort_by(|a, b| a.path.cmp(&b.path));
    out.unmanaged.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

struct Walk<'a> {
    local: &'a LocalView,
    out: Comparison,
}

impl Walk<'_> {
    fn skipped(&self, path: &FieldPath) -> bool {
        self.local.unknown.iter().any(|u| path.starts_with(u))
            || self
                .local
                .auto
                .iter()
                .any(|a| path.starts_with(a) && a != path)
    }

    fn object(
        &mut self,
        local: &Map<String, Json>,
        other: Option<&Map<String, Json>>,
        path: &FieldPath,
    ) {
        for (key, lv) in local {
            let p = path.child(key.clone());
            if self.skipped(&p) {
                continue;
            }
            let ov = other.and_then(|o| o.get(key)).filter(|v| !v.is_null());
            if self.local.auto.contains(&p) {
                // D14: `auto` matches any concrete value; deploy creates one when none exists.
                if ov.is_none_or(is_empty) {
                    self.diff(p, Some(lv.clone()), ov.cloned());
                }
                continue;
            }
            match (lv, ov) {
                (Json::Object(lm), Some(Json::Object(om))) if !lm.is_empty() => {
                    self.object(lm, Some(om), &p)
                }
                (Json::Object(lm), None) if !lm.is_empty() => self.object(lm, None, &p),
                _ => {
                    if !same_value(&p, Some(lv), ov) {
                        self.diff(p, Some(lv.clone()), ov.cloned());
                    }
                }
            }
        }
        let Some(other) = other else { return };
        for (key, ov) in other {
            if local.contains_key(key) || ov.is_null() {
                continue;
            }
            let p = path.child(key.clone());
            if self.skipped(&p) || self.local.auto.contains(&p) {
                continue;
            }
            match classify(&p, &self.local.view, other) {
                RemoteOnly::Clear => self.cleared(&p, ov),
                RemoteOnly::Unmanaged => {
                    if !same_value(&p, None, Some(ov)) {
                        self.out.unmanaged.push((p, ov.clone()));
                    }
                }
                RemoteOnly::Ignore => {}
            }
        }
    }

    /// A remote-only value deploy clears, reported leaf by leaf (server defaults skipped).
    fn cleared(&mut self, path: &FieldPath, value: &Json) {
        match value {
            Json::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let p = path.child(k.clone());
                    if !ignored_inside(&p) {
                        self.cleared(&p, v);
                    }
                }
            }
            _ => {
                if !same_value(path, None, Some(value)) {
                    self.diff(path.clone(), None, Some(value.clone()));
                }
            }
        }
    }

    fn diff(&mut self, path: FieldPath, local: Option<Json>, other: Option<Json>) {
        self.out.diffs.push(FieldDiff { path, local, other });
    }
}

/// Read-side members inside an object that deploy replaces (never a difference).
fn ignored_inside(path: &FieldPath) -> bool {
    let s: Vec<&str> = path.segments().iter().map(String::as_str).collect();
    matches!(
        s.as_slice(),
        ["vpcConfig", "role" | "anytunnelViaENI"]
            | [
                "customContainerConfig",
                "resolvedImageUri" | "accelerationInfo" | "accelerationType" | "acrInstanceId"
            ]
    )
}

/// The clearing table of §2.1.2 (and what UpdateFunction/UpdateTrigger/Put* replace wholesale)
/// for a key only the other side has, `path` being below something the file declares (or at the
/// top).
fn classify(path: &FieldPath, local: &View, other_parent: &Map<String, Json>) -> RemoteOnly {
    let s: Vec<&str> = path.segments().iter().map(String::as_str).collect();
    match s.as_slice() {
        [key] => match *key {
            "vpcConfig"
            | "nasConfig"
            | "ossMountConfig"
            | "logConfig"
            | "tracingConfig"
            | "environmentVariables"
            | "layers"
            | "role"
            | "tags"
            | "instanceLifecycleConfig"
            | "instanceIsolationMode"
            | "sessionAffinity"
            | "description"
            | "internetAccess"
            | "memorySize"
            | "timeout"
            | "concurrencyConfig"
            | "vpcBinding" => RemoteOnly::Clear,
            "scalingConfig" if !local.contains_key("provisionConfig") => RemoteOnly::Clear,
            "handler" | "runtime" => RemoteOnly::Ignore,
            _ => RemoteOnly::Unmanaged,
        },
        ["triggers", _] | ["triggers", _, _] => RemoteOnly::Unmanaged,
        ["triggers", name, "triggerConfig", ..] => {
            let eventbridge = local
                .get("triggers")
                .and_then(|t| t.get(*name))
                .and_then(|t| t.get("triggerType"))
                .and_then(Json::as_str)
                == Some("eventbridge");
            // EventBridge fills its own defaults (sink, run options) the file may omit.
            if eventbridge {
                RemoteOnly::Unmanaged
            } else {
                RemoteOnly::Clear
            }
        }
        [
            "scalingConfig",
            "enableMixMode" | "requestDispatchPolicy" | "residentPoolId",
        ] => RemoteOnly::Unmanaged,
        ["customDomain", "route", ..] => RemoteOnly::Clear,
        ["customDomain", ..] => RemoteOnly::Unmanaged,
        _ if ignored_inside(path) => RemoteOnly::Ignore,
        _ => {
            let _ = other_parent;
            RemoteOnly::Clear
        }
    }
}

/// The value a server reports for a key nobody set (fc-api.md §4.4 rule 3, §13, §5.5;
/// serverless-devs.md §2.5 A2): absent and this value are the same.
pub fn server_default(path: &FieldPath) -> Option<Json> {
    let s: Vec<&str> = path.segments().iter().map(String::as_str).collect();
    let v = match s.as_slice() {
        ["internetAccess"] => Json::Bool(true),
        ["timeout"] => Json::from(3),
        ["memorySize"] => Json::from(512),
        ["diskSize"] => Json::from(512),
        ["instanceConcurrency"] => Json::from(1),
        ["disableOndemand"] => Json::Bool(false),
        ["instanceIsolationMode"] => Json::from("SHARE"),
        ["sessionAffinity"] => Json::from("NONE"),
        ["logConfig", "enableRequestMetrics"] => Json::Bool(true),
        ["logConfig", "enableInstanceMetrics" | "enableLlmMetrics"] => Json::Bool(false),
        ["logConfig", "logBeginRule"] => Json::from("None"),
        ["customRuntimeConfig" | "customContainerConfig", "port"] => Json::from(9000),
        [
            "customRuntimeConfig" | "customContainerConfig",
            "healthCheckConfig",
            k,
        ] => match *k {
            "initialDelaySeconds" => Json::from(0),
            "periodSeconds" => Json::from(3),
            "timeoutSeconds" => Json::from(1),
            "failureThreshold" => Json::from(3),
            "successThreshold" => Json::from(1),
            _ => return None,
        },
        ["instanceLifecycleConfig", _, "timeout"] => Json::from(3),
        ["triggers", _, "qualifier"] => Json::from("LATEST"),
        ["triggers", _, "triggerConfig", "disableURLInternet"] => Json::Bool(false),
        ["asyncInvokeConfig", "maxAsyncRetryAttempts"] => Json::from(3),
        ["asyncInvokeConfig", "maxAsyncEventAgeInSeconds"] => Json::from(86400),
        ["asyncInvokeConfig", "asyncTask"] => Json::Bool(false),
        ["provisionConfig", "alwaysAllocateCPU" | "alwaysAllocateGPU"] => Json::Bool(true),
        ["customDomain", "route", "qualifier"] => Json::from("LATEST"),
        ["customDomain", "wafConfig", "enableWAF"] => Json::Bool(false),
        _ => return None,
    };
    Some(v)
}

fn is_env(path: &FieldPath) -> bool {
    path.segments().len() == 2 && path.first() == Some("environmentVariables")
}

fn is_role(path: &FieldPath) -> bool {
    let s = path.segments();
    (s.len() == 1 && s[0] == "role")
        || (s.len() == 3 && s[0] == "triggers" && s[2] == "invocationRole")
}

/// Arrays whose order has no meaning (and whether their strings are upper-cased first).
fn set_semantics(path: &FieldPath) -> Option<bool> {
    let s: Vec<&str> = path.segments().iter().map(String::as_str).collect();
    match s.as_slice() {
        ["triggers", _, "triggerConfig", "methods"] | ["customDomain", "route", "methods"] => {
            Some(true)
        }
        ["vpcBinding", "vpcIds"]
        | ["tags"]
        | ["vpcConfig", "vSwitchIds"]
        | ["triggers", _, "triggerConfig", "events"]
        | ["triggers", _, "triggerConfig", "filter", "domain"]
        | [
            "provisionConfig",
            "scheduledActions" | "targetTrackingPolicies",
        ]
        | [
            "scalingConfig",
            "horizontalScalingPolicies" | "scheduledPolicies",
        ] => Some(false),
        _ => None,
    }
}

pub(crate) fn same_value(path: &FieldPath, a: Option<&Json>, b: Option<&Json>) -> bool {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    if is_env(path) {
        // Environment values: `""` is a value; hashed baselines (D15) compare through the hash.
        return match (a, b) {
            (None, None) => true,
            (Some(Json::String(x)), Some(Json::String(y))) => {
                match (x.starts_with(HASH_PREFIX), y.starts_with(HASH_PREFIX)) {
                    (true, false) => *x == hash_value(y),
                    (false, true) => hash_value(x) == *y,
                    _ => x == y,
                }
            }
            (Some(x), Some(y)) => deep_eq(x, y),
            _ => false,
        };
    }
    let default = server_default(path);
    let a = a.or(default.as_ref());
    let b = b.or(default.as_ref());
    let empty = |v: Option<&Json>| v.is_none_or(is_empty);
    if empty(a) && empty(b) {
        return true;
    }
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    if is_role(path)
        && let (Some(x), Some(y)) = (a.as_str(), b.as_str())
    {
        return same_role(x, y);
    }
    if path.segments() == ["customDomain", "protocol"]
        && let (Some(x), Some(y)) = (a.as_str(), b.as_str())
    {
        // A local `HTTP` never downgrades a domain that also serves HTTPS (§1.9.3).
        let (x, y) = (x.to_uppercase(), y.to_uppercase());
        return x == y || (x == "HTTP" && y == "HTTP,HTTPS") || (y == "HTTP" && x == "HTTP,HTTPS");
    }
    if let (Some(upper), Json::Array(x), Json::Array(y)) = (set_semantics(path), a, b) {
        let key = |v: &Json| -> String {
            match v {
                Json::String(s) if upper => s.to_uppercase(),
                other => sort_key(other),
            }
        };
        let mut xs: Vec<(String, &Json)> = x.iter().map(|v| (key(v), v)).collect();
        let mut ys: Vec<(String, &Json)> = y.iter().map(|v| (key(v), v)).collect();
        xs.sort_by(|p, q| p.0.cmp(&q.0));
        ys.sort_by(|p, q| p.0.cmp(&q.0));
        return xs.len() == ys.len()
            && xs
                .iter()
                .zip(&ys)
                .all(|((kx, vx), (ky, vy))| kx == ky || (!upper && deep_eq(vx, vy)));
    }
    deep_eq(a, b)
}

/// When this function has several routes on the domain, the one with the file's path is the
/// one compared (deploy appends a route when the path changes and keeps the old one, §2.1.2).
fn align_route(local: &View, other: &View) -> View {
    let mut other = other.clone();
    let Some(path) = local
        .get("customDomain")
        .and_then(|d| d.get("route"))
        .and_then(|r| r.get("path"))
        .cloned()
    else {
        return other;
    };
    let Some(Json::Object(domain)) = other.get_mut("customDomain") else {
        return other;
    };
    if domain.get("route").and_then(|r| r.get("path")) == Some(&path) {
        return other;
    }
    let Some(Json::Array(rest)) = domain.get("otherRoutes").cloned() else {
        return other;
    };
    if let Some(i) = rest.iter().position(|r| r.get("path") == Some(&path)) {
        let mut rest = rest;
        let found = rest.remove(i);
        if let Some(previous) = domain.insert("route".into(), found) {
            rest.insert(0, previous);
        }
        domain.insert("otherRoutes".into(), Json::Array(rest));
    }
    other
}
