//! The local side of the normalisation: the file's props as fc3 would send them (rules L1–L9 of
//! serverless-devs.md §2.1.3, defaults of §1.8.4), in the [`View`] shape. Run-time unknowns are
//! taken out and listed; `auto` values are kept and listed (D14).

use serde_json::{Map, Value as Json};

use super::values::{
    complete_role, contains_unknown, drop_empty_subconfigs, is_auto, is_unknown, js_string,
    normalize_mount_points, normalize_tags,
};
use super::{Context, LocalView, View};
use crate::local::{Dialect, LocalFunction};
use crate::path::FieldPath;

/// Function fields FC stores (fc-api.md §4.1) that a file may set; everything else in the props
/// (`region`, `code`, `endpoint`, `annotations`, `supplement`, stray legacy keys…) is not part
/// of the compared function (L9; unknown props are dropped by the SDK models).
pub const FUNCTION_FIELDS: &[&str] = &[
    "runtime",
    "handler",
    "description",
    "role",
    "cpu",
    "memorySize",
    "diskSize",
    "timeout",
    "instanceConcurrency",
    "internetAccess",
    "environmentVariables",
    "layers",
    "logConfig",
    "vpcConfig",
    "nasConfig",
    "ossMountConfig",
    "polarFsConfig",
    "juiceFsConfig",
    "tracingConfig",
    "customRuntimeConfig",
    "customContainerConfig",
    "customDNS",
    "gpuConfig",
    "instanceLifecycleConfig",
    "instanceIsolationMode",
    "sessionAffinity",
    "sessionAffinityConfig",
    "disableOndemand",
    "disableInjectCredentials",
    "enableLongLiving",
    "idleTimeout",
    "tags",
];

/// Keys of `customContainerConfig` FC never returns or does not know (fc-api.md §4.4 rule 10).
pub(crate) const CONTAINER_LOCAL_ONLY: &[&str] = &[
    "registryConfig",
    "accelerationType",
    "accelerationInfo",
    "resolvedImageUri",
    "instanceID",
    "webServerMode",
];

/// Whether `runtime` gets fc3's custom defaults (`instanceConcurrency: 1`, handler filled).
pub(crate) fn is_custom_runtime(runtime: &str) -> bool {
    runtime.starts_with("custom") || runtime == "micro-sandbox"
}

/// The local view of `function`.
pub(crate) fn local(function: &LocalFunction, ctx: &Context) -> LocalView {
    let legacy = matches!(function.dialect, Dialect::Legacy { .. });
    let account = ctx.account_id.as_deref();
    let mut filled = Json::Object(function.props.clone());
    super::values::fill_account(&mut filled, account);
    let props = filled.as_object().cloned().unwrap_or_default();
    let props = &props;
    let mut view = View::new();
    let mut auto = Vec::new();
    for key in FUNCTION_FIELDS {
        if let Some(value) = props.get(*key).filter(|v| !v.is_null()) {
            view.insert((*key).to_string(), value.clone());
        }
    }
    let runtime = view
        .get("runtime")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    if !legacy {
        apply_fc3_defaults(&mut view, &runtime);
    }
    // L2: roles.
    match view.get("role").cloned() {
        Some(Json::String(role)) if !is_unknown(&Json::String(role.clone())) => {
            view.insert(
                "role".into(),
                Json::String(complete_role(&role, account, legacy)),
            );
        }
        None if role_is_auto_eligible(&view) => {
            // A4: deploy reuses the remote role or creates one.
            view.insert("role".into(), Json::String("auto".into()));
            auto.push(FieldPath::new(["role"]));
        }
        _ => {}
    }
    if let Some(Json::Object(env)) = view.get_mut("environmentVariables") {
        for value in env.values_mut() {
            if !value.is_string() {
                *value = Json::String(js_string(value));
            }
        }
    }
    // `auto` sub-configs (§1.8.2); NAS auto without a vpcConfig makes the VPC auto too.
    if view.get("nasConfig").is_some_and(is_auto) && !view.contains_key("vpcConfig") {
        view.insert("vpcConfig".into(), Json::String("auto".into()));
    }
    for key in ["logConfig", "vpcConfig", "nasConfig", "ossMountConfig"] {
        if view.get(key).is_some_and(is_auto) {
            auto.push(FieldPath::new([key]));
        }
    }
    if let Some(Json::Object(vpc)) = view.get_mut("vpcConfig") {
        if let Some(Json::String(v)) = vpc.get("vSwitchIds")
            && is_auto(&Json::String(v.clone()))
        {
            auto.push(FieldPath::new(["vpcConfig", "vSwitchIds"]));
        }
        if vpc.get("securityGroupId").is_some_and(is_auto) {
            auto.push(FieldPath::new(["vpcConfig", "securityGroupId"]));
        }
    }
    for key in ["nasConfig", "ossMountConfig"] {
        if let Some(config) = view.get_mut(key) {
            normalize_mount_points(config);
        }
    }
    // L1, rule 10: the container image trimmed, keys FC never returns dropped.
    if let Some(Json::Object(container)) = view.get_mut("customContainerConfig") {
        if let Some(Json::String(image)) = container.get_mut("image") {
            *image = image.trim().to_string();
        }
        for key in CONTAINER_LOCAL_ONLY {
            container.remove(*key);
        }
    }
    if let Some(Json::String(text)) = view.get("sessionAffinityConfig")
        && let Ok(parsed) = serde_json::from_str::<Json>(text)
    {
        view.insert("sessionAffinityConfig".into(), parsed);
    }
    if let Some(tags) = view.get("tags").cloned() {
        if contains_unknown(&tags) {
            view.insert("tags".into(), Json::String(crate::local::UNKNOWN.into()));
        } else {
            view.insert("tags".into(), normalize_tags(&tags));
        }
    }
    drop_empty_subconfigs(&mut view);

    if let Some(triggers) = props.get("triggers") {
        let (map, whole_unknown) = triggers_view(triggers, account, legacy);
        if whole_unknown {
            view.insert(
                "triggers".into(),
                Json::String(crate::local::UNKNOWN.into()),
            );
        } else if !map.is_empty() {
            view.insert("triggers".into(), Json::Object(map));
        }
    }
    if let Some(Json::Object(config)) = props.get("asyncInvokeConfig") {
        let mut config = config.clone();
        config.remove("qualifier");
        view.insert("asyncInvokeConfig".into(), Json::Object(config));
    }
    if let Some(Json::Object(config)) = props.get("concurrencyConfig") {
        view.insert("concurrencyConfig".into(), Json::Object(config.clone()));
    }
    if let Some(Json::Object(config)) = props.get("provisionConfig") {
        let mut config = config.clone();
        config.remove("qualifier");
        config.remove("mode");
        provision_target(&mut config);
        view.insert("provisionConfig".into(), Json::Object(config));
    } else if let Some(Json::Object(config)) = props.get("scalingConfig") {
        let mut config = config.clone();
        config.remove("qualifier");
        config.remove("mode");
        view.insert("scalingConfig".into(), Json::Object(config));
    }
    if let Some(binding) = props.get("vpcBinding").filter(|v| !v.is_null()) {
        let ids = binding.get("vpcIds").cloned().unwrap_or(Json::Null);
        let ids = match ids {
            Json::Array(mut ids) => {
                ids.sort_by_key(super::values::sort_key);
                Json::Array(ids)
            }
            other => other,
        };
        let mut out = Map::new();
        out.insert("vpcIds".into(), ids);
        view.insert("vpcBinding".into(), Json::Object(out));
    }
    if let Some(Json::Object(domain)) = props.get("customDomain") {
        let domain = custom_domain_view(domain);
        if domain.get("domainName").is_some_and(is_auto) {
            auto.push(FieldPath::new(["customDomain", "domainName"]));
        }
        view.insert("customDomain".into(), Json::Object(domain));
    }
    if let Some(triggers) = view.get("triggers").and_then(Json::as_object) {
        for (name, trigger) in triggers {
            if trigger.get("invocationRole").is_some_and(is_auto) {
                auto.push(FieldPath::new([
                    "triggers",
                    name.as_str(),
                    "invocationRole",
                ]));
            }
        }
    }
    let mut unknown = Vec::new();
    let mut root = Json::Object(view);
    super::values::strip_nulls(&mut root);
    take_unknown(&mut root, &FieldPath::root(), &mut unknown);
    let view = match root {
        Json::Object(map) => map,
        _ => View::new(),
    };
    unknown.sort();
    auto.retain(|p| !unknown.iter().any(|u| p.starts_with(u)));
    auto.sort();
    auto.dedup();
    LocalView {
        view,
        auto,
        unknown,
    }
}

/// L3 and L4: the defaults fc3 applies before deploy (`handlePreRun`, §1.8.4).
fn apply_fc3_defaults(view: &mut View, runtime: &str) {
    view.entry("internetAccess").or_insert(Json::Bool(true));
    view.entry("description")
        .or_insert(Json::String(String::new()));
    view.entry("memorySize").or_insert(Json::from(512));
    view.entry("timeout").or_insert(Json::from(3));
    if is_custom_runtime(runtime) {
        view.entry("instanceConcurrency").or_insert(Json::from(1));
    }
    let memory_512 = view
        .get("memorySize")
        .and_then(Json::as_f64)
        .is_some_and(|m| (m - 512.0).abs() < 1e-9);
    if memory_512 && !view.contains_key("cpu") && !view.contains_key("diskSize") {
        view.insert("cpu".into(), Json::from(0.35));
        view.insert("diskSize".into(), Json::from(512));
    }
}

/// A4: with no `role` and OSS mounts (or `ossMountConfig: auto`), deploy keeps or creates one.
fn role_is_auto_eligible(view: &View) -> bool {
    match view.get("ossMountConfig") {
        Some(v) if is_auto(v) => true,
        Some(v) => v
            .get("mountPoints")
            .and_then(Json::as_array)
            .is_some_and(|m| !m.is_empty()),
        None => false,
    }
}

/// `target` is the older spelling of `defaultTarget` (§1.11); reads return both, and the
/// effective `target` is dropped when `defaultTarget` is present (S3).
pub(crate) fn provision_target(config: &mut Map<String, Json>) {
    let target = config.remove("target");
    if let (false, Some(target)) = (config.contains_key("defaultTarget"), target) {
        config.insert("defaultTarget".into(), target);
    }
}

/// `triggers` list → object keyed by name; `true` when a name is unknown (the whole set is then
/// unknown: it cannot be keyed).
fn triggers_view(
    triggers: &Json,
    account: Option<&str>,
    legacy: bool,
) -> (Map<String, Json>, bool) {
    let mut out = Map::new();
    let Json::Array(items) = triggers else {
        return (out, is_unknown(triggers));
    };
    for item in items {
        let Json::Object(t) = item else { continue };
        let name = match t.get("triggerName") {
            Some(Json::String(n)) if n != crate::local::UNKNOWN => n.clone(),
            Some(Json::String(_)) => return (out, true),
            _ => continue,
        };
        out.insert(name, Json::Object(trigger_view(t, account, legacy)));
    }
    (out, false)
}

/// One trigger as fc3 sends it (L6–L8, §5.5 local defaults).
pub(crate) fn trigger_view(
    t: &Map<String, Json>,
    account: Option<&str>,
    legacy: bool,
) -> Map<String, Json> {
    let mut out = Map::new();
    let trigger_type = t.get("triggerType").cloned().unwrap_or(Json::Null);
    out.insert("triggerType".into(), trigger_type.clone());
    let mut config = match t.get("triggerConfig") {
        Some(Json::String(text)) if !is_unknown(&Json::String(text.clone())) => {
            serde_json::from_str(text).unwrap_or(Json::String(text.clone()))
        }
        Some(v) => v.clone(),
        None => Json::Object(Map::new()),
    };
    if trigger_type.as_str() == Some("http") {
        http_config(&mut config);
    }
    out.insert("triggerConfig".into(), config);
    let qualifier = match t.get("qualifier") {
        None | Some(Json::Null) => Json::String("LATEST".into()),
        Some(Json::String(q)) => Json::String(q.clone()),
        Some(other) => Json::String(js_string(other)),
    };
    out.insert("qualifier".into(), qualifier);
    if let Some(d) = t.get("description").filter(|d| !is_empty_str(d)) {
        out.insert("description".into(), d.clone());
    }
    if let Some(Json::String(role)) = t.get("invocationRole") {
        let role = if role == crate::local::UNKNOWN || role.is_empty() {
            role.clone()
        } else {
            complete_role(role, account, legacy)
        };
        if !role.is_empty() {
            out.insert("invocationRole".into(), Json::String(role));
        }
    }
    if let Some(arn) = t.get("sourceArn").filter(|a| !is_empty_str(a)) {
        let mut arn = arn.clone();
        super::values::fill_account(&mut arn, account);
        out.insert("sourceArn".into(), arn);
    }
    out
}

fn is_empty_str(v: &Json) -> bool {
    v.is_null() || v.as_str() == Some("")
}

/// http triggers: methods upper-cased; L8 jwt `tokenLookup`/`claimPassBy` list → string.
pub(crate) fn http_config(config: &mut Json) {
    let Json::Object(c) = config else { return };
    if let Some(Json::Array(methods)) = c.get_mut("methods") {
        for m in methods.iter_mut() {
            if let Json::String(s) = m
                && s != crate::local::UNKNOWN
            {
                *s = s.to_uppercase();
            }
        }
    }
    let jwt = c.get("authType").and_then(Json::as_str) == Some("jwt");
    if !jwt {
        return;
    }
    let Some(Json::Object(auth)) = c.get_mut("authConfig") else {
        return;
    };
    if let Some(Json::Array(items)) = auth.get("tokenLookup") {
        let text = items
            .iter()
            .map(|i| {
                let field = |k: &str| i.get(k).map(js_string).unwrap_or_default();
                let position = field("readPosition");
                let name = field("parameterName");
                if position == "header" {
                    match i.get("prefix").filter(|p| !is_empty_str(p)) {
                        Some(prefix) => format!("header:{name}:{}", js_string(prefix)),
                        None => format!("header:{name}"),
                    }
                } else {
                    format!("{position}:{name}")
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        auth.insert("tokenLookup".into(), Json::String(text));
    }
    match auth.get("claimPassBy") {
        Some(Json::Array(items)) => {
            let text = items
                .iter()
                .map(|i| {
                    let field = |k: &str| i.get(k).map(js_string).unwrap_or_default();
                    format!(
                        "{}:{}:{}",
                        field("mappingParameterPosition"),
                        field("claimName"),
                        field("mappingParameterName")
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
            auth.insert("claimPassBy".into(), Json::String(text));
        }
        None | Some(Json::Null) => {
            auth.insert("claimPassBy".into(), Json::String("query::".into()));
        }
        _ => {}
    }
}

/// `customDomain` (§1.9.3, D1): protocol upper-cased, the route's methods upper-cased and its
/// qualifier defaulted, `certConfig` reduced to `certName` (keys and certificates are never
/// readable back).
fn custom_domain_view(domain: &Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::new();
    for key in [
        "domainName",
        "protocol",
        "certConfig",
        "tlsConfig",
        "authConfig",
        "wafConfig",
    ] {
        if let Some(v) = domain.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(Json::String(p)) = out.get_mut("protocol")
        && p != crate::local::UNKNOWN
    {
        *p = p.to_uppercase();
    }
    if let Some(Json::Object(cert)) = out.get_mut("certConfig") {
        cert.retain(|k, _| k == "certName");
    }
    if let Some(Json::Object(route)) = domain.get("route") {
        out.insert("route".into(), Json::Object(route_view(route)));
    }
    out
}

/// One route as compared: methods upper-cased, qualifier `LATEST` by default, no functionName.
pub(crate) fn route_view(route: &Map<String, Json>) -> Map<String, Json> {
    let mut r = route.clone();
    r.remove("functionName");
    if let Some(Json::Array(methods)) = r.get_mut("methods") {
        for m in methods.iter_mut() {
            if let Json::String(s) = m
                && s != crate::local::UNKNOWN
            {
                *s = s.to_uppercase();
            }
        }
    }
    if r.get("qualifier").is_none_or(is_empty_str) {
        r.insert("qualifier".into(), Json::String("LATEST".into()));
    }
    r
}

/// Takes every unknown out of `value`, listing its path; an array holding an unknown is unknown
/// as a whole (arrays are compared as whole values).
fn take_unknown(value: &mut Json, path: &FieldPath, out: &mut Vec<FieldPath>) {
    let Json::Object(map) = value else { return };
    let mut remove = Vec::new();
    for (key, v) in map.iter_mut() {
        let p = path.child(key.clone());
        match v {
            Json::Object(_) => take_unknown(v, &p, out),
            other if contains_unknown(other) => {
                out.push(p);
                remove.push(key.clone());
            }
            _ => {}
        }
    }
    for key in remove {
        map.remove(&key);
    }
}
