//! The remote side of the normalisation (also used for baselines, which are stored as
//! [`RemoteSnapshot`]s): read-only fields dropped, `null` ≡ absent, empty sub-configs removed,
//! read shapes turned into write shapes (fc-api.md §4.4, §5.5, §13; serverless-devs.md §2.1.3
//! R1–R4, T1, S1–S5, D1).

use serde_json::{Map, Value as Json};

use super::file_side::{CONTAINER_LOCAL_ONLY, http_config, provision_target, route_view};
use super::values::{drop_empty_subconfigs, normalize_mount_points, normalize_tags, strip_nulls};
use super::{Context, View};
use crate::snapshot::RemoteSnapshot;

/// Function fields never compared (fc-api.md §4.4 rule 1, serverless-devs.md §2.5 A1).
const READ_ONLY: &[&str] = &[
    "functionName",
    "code",
    "codeChecksum",
    "codeSize",
    "createdTime",
    "lastModifiedTime",
    "functionArn",
    "functionId",
    "state",
    "stateReason",
    "stateReasonCode",
    "lastUpdateStatus",
    "lastUpdateStatusReason",
    "lastUpdateStatusReasonCode",
    "lockInfo",
    "invocationRestriction",
    "resourceGroupId",
    "useSLRAuthentication",
];

/// Trigger fields the service owns (T1, §5.5).
const TRIGGER_READ_ONLY: &[&str] = &[
    "triggerName",
    "triggerId",
    "createdTime",
    "lastModifiedTime",
    "httpTrigger",
    "status",
    "targetArn",
];

/// The remote view of `snapshot`; `None` when the function does not exist.
pub(crate) fn remote(snapshot: &RemoteSnapshot, ctx: &Context) -> Option<View> {
    let _ = ctx;
    let function = snapshot.function.as_ref()?;
    let name = function.function_name.clone().unwrap_or_default();
    let mut view = match serde_json::to_value(function) {
        Ok(Json::Object(map)) => map,
        _ => View::new(),
    };
    for key in READ_ONLY {
        view.remove(*key);
    }
    let mut root = Json::Object(view);
    strip_nulls(&mut root);
    let Json::Object(mut view) = root else {
        return Some(View::new());
    };
    if let Some(Json::Array(layers)) = view.get_mut("layers") {
        for layer in layers.iter_mut() {
            if let Some(arn) = layer.get("arn").cloned() {
                *layer = arn;
            }
        }
    }
    if let Some(Json::String(text)) = view.get("sessionAffinityConfig")
        && let Ok(parsed) = serde_json::from_str::<Json>(text)
    {
        view.insert("sessionAffinityConfig".into(), parsed);
    }
    if let Some(Json::String(role)) = view.get_mut("role") {
        *role = role.to_lowercase();
    }
    if let Some(Json::Object(container)) = view.get_mut("customContainerConfig") {
        for key in CONTAINER_LOCAL_ONLY {
            container.remove(*key);
        }
    }
    if let Some(Json::Object(vpc)) = view.get_mut("vpcConfig") {
        // Read-side members of the VPC config (fc-api.md §4.1), never written by a file.
        vpc.remove("role");
        vpc.remove("anytunnelViaENI");
    }
    for key in ["nasConfig", "ossMountConfig"] {
        if let Some(config) = view.get_mut(key) {
            normalize_mount_points(config);
        }
    }
    if let Some(tags) = view.get("tags").cloned() {
        view.insert("tags".into(), normalize_tags(&tags));
    }
    drop_empty_subconfigs(&mut view);

    let mut triggers = Map::new();
    for trigger in &snapshot.triggers {
        let Some(trigger_name) = trigger.trigger_name.clone() else {
            continue;
        };
        if let Some(t) = trigger_view(trigger) {
            triggers.insert(trigger_name, Json::Object(t));
        }
    }
    if !triggers.is_empty() {
        view.insert("triggers".into(), Json::Object(triggers));
    }
    if let Some(config) = snapshot.async_invoke_config.present()
        && let Some(mut c) = to_map(config)
    {
        for key in [
            "createdTime",
            "lastModifiedTime",
            "functionArn",
            "qualifier",
        ] {
            c.remove(key);
        }
        view.insert("asyncInvokeConfig".into(), Json::Object(c));
    }
    if let Some(config) = snapshot.concurrency_config.present()
        && let Some(mut c) = to_map(config)
    {
        c.remove("functionArn");
        if !c.is_empty() {
            view.insert("concurrencyConfig".into(), Json::Object(c));
        }
    }
    if let Some(config) = snapshot.provision_config.present().filter(|c| !c.is_none())
        && let Some(mut c) = to_map(config)
    {
        for key in ["current", "currentError", "functionArn", "qualifier"] {
            c.remove(key);
        }
        provision_target(&mut c);
        view.insert("provisionConfig".into(), Json::Object(c));
    }
    if let Some(config) = snapshot.scaling_config.present().filter(|c| !c.is_none())
        && let Some(mut c) = to_map(config)
    {
        for key in [
            "currentInstances",
            "targetInstances",
            "currentError",
            "functionArn",
            "enableOnDemandScaling",
            "qualifier",
        ] {
            c.remove(key);
        }
        view.insert("scalingConfig".into(), Json::Object(c));
    }
    if let Some(ids) = snapshot.vpc_binding.present()
        && !ids.is_empty()
    {
        let mut ids: Vec<Json> = ids.iter().cloned().map(Json::String).collect();
        ids.sort_by_key(super::values::sort_key);
        let mut b = Map::new();
        b.insert("vpcIds".into(), Json::Array(ids));
        view.insert("vpcBinding".into(), Json::Object(b));
    }
    if let Some(domain) = snapshot.custom_domain.present()
        && let Some(d) = to_map(domain)
    {
        view.insert("customDomain".into(), Json::Object(domain_view(&d, &name)));
    }
    Some(view)
}

fn to_map<T: serde::Serialize>(value: &T) -> Option<Map<String, Json>> {
    match serde_json::to_value(value) {
        Ok(mut v) => {
            strip_nulls(&mut v);
            match v {
                Json::Object(m) => Some(m),
                _ => None,
            }
        }
        Err(_) => None,
    }
}

/// One trigger: `triggerConfig` parsed with its nulls removed, server fields dropped,
/// EventBridge extras dropped (T1, §5.5).
fn trigger_view(trigger: &fc::types::Trigger) -> Option<Map<String, Json>> {
    let mut t = to_map(trigger)?;
    for key in TRIGGER_READ_ONLY {
        t.remove(*key);
    }
    let mut config = match t.remove("triggerConfig") {
        Some(Json::String(text)) => serde_json::from_str(&text).unwrap_or(Json::String(text)),
        Some(other) => other,
        None => Json::Object(Map::new()),
    };
    strip_nulls(&mut config);
    let trigger_type = t.get("triggerType").and_then(Json::as_str).unwrap_or("");
    match trigger_type {
        "http" => http_config(&mut config),
        "eventbridge" => {
            t.remove("invocationRole");
            t.remove("sourceArn");
            drop_other_event_sources(&mut config);
        }
        _ => {}
    }
    t.insert("triggerConfig".into(), config);
    if let Some(Json::String(role)) = t.get_mut("invocationRole") {
        *role = role.to_lowercase();
    }
    t.retain(|k, v| {
        !(matches!(k.as_str(), "description" | "invocationRole" | "sourceArn")
            && v.as_str() == Some(""))
    });
    Some(t)
}

/// `eventSourceParameters` of other source types than `eventSourceType` (the service returns
/// them as empty or null branches; §2.2.4, §5.5).
fn drop_other_event_sources(config: &mut Json) {
    let Some(source) = config.get_mut("eventSourceConfig") else {
        return;
    };
    let kind = source
        .get("eventSourceType")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_lowercase();
    if let Some(Json::Object(params)) = source.get_mut("eventSourceParameters") {
        params.retain(|k, _| {
            let k = k.to_lowercase();
            k.strip_prefix("source")
                .and_then(|r| r.strip_suffix("parameters"))
                .is_some_and(|t| t == kind)
        });
        if params.is_empty()
            && let Json::Object(s) = source
        {
            s.remove("eventSourceParameters");
        }
    }
}

/// The custom domain as far as this function is concerned: domain-level fields, and only the
/// route(s) of `function` (other functions' routes are never part of the view). The first of
/// this function's routes is `route`; any others are `otherRoutes`.
fn domain_view(domain: &Map<String, Json>, function: &str) -> Map<String, Json> {
    let mut out = Map::new();
    for key in [
        "domainName",
        "protocol",
        "certConfig",
        "tlsConfig",
        "authConfig",
        "wafConfig",
        "corsConfig",
    ] {
        if let Some(v) = domain.get(key).filter(|v| !super::values::is_empty(v)) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(Json::Object(cert)) = out.get_mut("certConfig") {
        cert.retain(|k, _| k == "certName");
    }
    let routes: Vec<Map<String, Json>> = domain
        .get("routeConfig")
        .and_then(|r| r.get("routes"))
        .and_then(Json::as_array)
        .map(|routes| {
            routes
                .iter()
                .filter_map(Json::as_object)
                .filter(|r| r.get("functionName").and_then(Json::as_str) == Some(function))
                .map(route_view)
                .collect()
        })
        .unwrap_or_default();
    let mut routes = routes.into_iter();
    if let Some(first) = routes.next() {
        out.insert("route".into(), Json::Object(first));
    }
    let rest: Vec<Json> = routes.map(Json::Object).collect();
    if !rest.is_empty() {
        out.insert("otherRoutes".into(), Json::Array(rest));
    }
    out
}
