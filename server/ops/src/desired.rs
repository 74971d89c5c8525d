//! What fc3's `s deploy -y` sends for a function of the file (serverless-devs.md §2.1.2: defaults
//! L1–L8, the clearing table, triggers with `triggerConfig` as JSON text, the function-scoped
//! configs, the custom-domain route): the requests deploy makes, and how tests create functions
//! "the way the real component would". Pure: no IO; `code` is left for the caller to package.

use fc::types::{
    AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, Function, ProvisionConfig, ScalingConfig,
    Tag, Trigger,
};
use serde_json::{Map, Value as Json, json};

use crate::local::{Dialect, LocalFunction, UNKNOWN};
use crate::normalize::Context;
use crate::normalize::values::{
    complete_role, contains_unknown, is_auto, js_string, normalize_tags,
};
use crate::path::FieldPath;

/// Everything deploy would write for one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requests {
    /// The CreateFunction / UpdateFunction body, without `code` (the caller packages it).
    pub function: Function,
    pub triggers: Vec<Trigger>,
    /// `(qualifier, config)`.
    pub async_invoke_config: Option<(String, AsyncInvokeConfig)>,
    pub concurrency_config: Option<ConcurrencyConfig>,
    pub provision_config: Option<(String, ProvisionConfig)>,
    pub scaling_config: Option<(String, ScalingConfig)>,
    pub vpc_binding: Option<Vec<String>>,
    /// The custom domain with only this function's route.
    pub custom_domain: Option<CustomDomain>,
    /// Paths whose value is `auto` (D14: refused on the cloud, filled with placeholders by the
    /// emulator's callers). The function body leaves these keys out.
    pub auto: Vec<FieldPath>,
}

/// Why a function cannot be turned into requests.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DesiredError {
    #[error("{path} is known only when `s` runs; deploy needs a value")]
    Unknown { path: FieldPath },
    #[error("{path}: {message}")]
    Invalid { path: FieldPath, message: String },
}

type Obj = Map<String, Json>;

/// The sub-configs fc3 sends in their empty form when the file omits them
/// (`FC_RESOURCES_EMPTY_CONFIG`, fc-api.md §4.3).
fn empty_form(key: &str) -> Option<Json> {
    Some(match key {
        "vpcConfig" => json!({"vpcId": "", "vSwitchIds": [], "securityGroupId": ""}),
        "nasConfig" => json!({"userId": 0, "groupId": 0, "mountPoints": []}),
        "ossMountConfig" => json!({"mountPoints": []}),
        "logConfig" => {
            json!({"project": "", "logstore": "", "enableRequestMetrics": false, "enableInstanceMetrics": false, "logBeginRule": "None"})
        }
        "tracingConfig" => json!({}),
        "environmentVariables" => json!({}),
        "layers" => json!([]),
        "instanceIsolationMode" => json!("SHARE"),
        "sessionAffinity" => json!("NONE"),
        _ => return None,
    })
}

/// The requests fc3's deploy would make for `function`.
pub fn requests(function: &LocalFunction, ctx: &Context) -> Result<Requests, DesiredError> {
    let account = ctx.account_id.as_deref();
    let mut filled = Json::Object(function.props.clone());
    crate::normalize::values::fill_account(&mut filled, account);
    let props = filled.as_object().cloned().unwrap_or_default();
    let props = &props;
    let legacy = matches!(function.dialect, Dialect::Legacy { .. });
    let mut auto = Vec::new();
    let mut body = Obj::new();
    for key in crate::normalize::FUNCTION_FIELDS {
        if let Some(v) = props.get(*key).filter(|v| !v.is_null()) {
            body.insert((*key).to_string(), v.clone());
        }
    }
    let runtime = body
        .get("runtime")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let custom = runtime.starts_with("custom") || runtime == "micro-sandbox";
    if !legacy {
        body.entry("internetAccess").or_insert(Json::Bool(true));
        body.entry("description").or_insert(json!(""));
        body.entry("memorySize").or_insert(json!(512));
        body.entry("timeout").or_insert(json!(3));
        if custom {
            body.entry("instanceConcurrency").or_insert(json!(1));
        }
        let is_512 = body.get("memorySize").and_then(Json::as_f64) == Some(512.0);
        if is_512 && !body.contains_key("cpu") && !body.contains_key("diskSize") {
            body.insert("cpu".into(), json!(0.35));
            body.insert("diskSize".into(), json!(512));
        }
    }
    if custom
        && body
            .get("handler")
            .is_none_or(|h| h.as_str().is_none_or(str::is_empty))
    {
        // C2: the API requires a handler; fc3 sends `handler`.
        body.insert("handler".into(), json!("handler"));
    }
    if body.get("nasConfig").is_some_and(is_auto) && !body.contains_key("vpcConfig") {
        body.insert("vpcConfig".into(), json!("auto"));
    }
    for key in ["logConfig", "vpcConfig", "nasConfig", "ossMountConfig"] {
        if body.get(key).is_some_and(is_auto) {
            body.remove(key);
            auto.push(FieldPath::new([key]));
        }
    }
    if let Some(Json::Object(vpc)) = body.get("vpcConfig") {
        for key in ["vSwitchIds", "securityGroupId"] {
            if vpc.get(key).is_some_and(is_auto) {
                auto.push(FieldPath::new(["vpcConfig", key]));
            }
        }
    }
    match body.get("role").cloned() {
        Some(Json::String(role)) if role != UNKNOWN => {
            body.insert(
                "role".into(),
                Json::String(if role.is_empty() {
                    role
                } else {
                    complete_role(&role, account, legacy)
                }),
            );
        }
        Some(_) => {}
        None => {
            let oss = props.get("ossMountConfig");
            let eligible = oss.is_some_and(is_auto)
                || oss
                    .and_then(|o| o.get("mountPoints"))
                    .and_then(Json::as_array)
                    .is_some_and(|m| !m.is_empty());
            if eligible {
                auto.push(FieldPath::new(["role"]));
            } else {
                body.insert("role".into(), json!(""));
            }
        }
    }
    for key in [
        "vpcConfig",
        "nasConfig",
        "ossMountConfig",
        "logConfig",
        "tracingConfig",
        "environmentVariables",
        "layers",
        "instanceIsolationMode",
        "sessionAffinity",
    ] {
        let is_auto_path = auto.iter().any(|p| p.segments() == [key]);
        if !body.contains_key(key)
            && !is_auto_path
            && let Some(empty) = empty_form(key)
        {
            body.insert(key.into(), empty);
        }
    }
    if let Some(Json::Object(env)) = body.get_mut("environmentVariables") {
        for v in env.values_mut() {
            if !v.is_string() {
                *v = Json::String(js_string(v));
            }
        }
    }
    if let Some(Json::Object(nas)) = body.get_mut("nasConfig")
        && let Some(Json::Array(points)) = nas.get_mut("mountPoints")
    {
        for p in points.iter_mut().filter_map(Json::as_object_mut) {
            p.entry("enableTLS").or_insert(Json::Bool(false));
        }
    }
    if let Some(Json::Object(c)) = body.get_mut("customContainerConfig") {
        if let Some(Json::String(image)) = c.get_mut("image") {
            *image = image.trim().to_string();
        }
        c.remove("instanceID");
        c.remove("webServerMode");
    }
    if let Some(Json::Object(hooks)) = body.get_mut("instanceLifecycleConfig") {
        for hook in hooks.values_mut().filter_map(Json::as_object_mut) {
            let set = hook
                .get("handler")
                .is_some_and(|h| h.as_str().is_some_and(|s| !s.is_empty()))
                || hook
                    .get("command")
                    .and_then(Json::as_array)
                    .is_some_and(|c| !c.is_empty());
            if set {
                hook.entry("timeout").or_insert(json!(3));
            }
        }
    }
    if let Some(v) = body
        .get("sessionAffinityConfig")
        .filter(|v| v.is_object())
        .cloned()
    {
        body.insert("sessionAffinityConfig".into(), Json::String(v.to_string()));
    }
    let tags = body.remove("tags");
    check_unknown(&Json::Object(body.clone()), &FieldPath::root())?;
    let mut function_body: Function = from_json(Json::Object(body), &FieldPath::root())?;
    function_body.function_name = Some(function.function_name.clone());
    if let Some(tags) = tags {
        check_unknown(&tags, &FieldPath::new(["tags"]))?;
        let tags = normalize_tags(&tags);
        function_body.tags = Some(
            tags.as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|t| Tag {
                            key: t.get("key").map(js_string).unwrap_or_default(),
                            value: t.get("value").map(js_string).unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        );
    }

    let triggers = triggers(props, account, legacy, &mut auto)?;
    let qualifier = |config: &Obj| -> String {
        match config.get("qualifier") {
            Some(Json::String(q)) if !q.is_empty() => q.clone(),
            Some(Json::Number(n)) => n.to_string(),
            _ => "LATEST".into(),
        }
    };
    let async_invoke_config = match props.get("asyncInvokeConfig") {
        Some(Json::Object(c)) => {
            let path = FieldPath::new(["asyncInvokeConfig"]);
            check_unknown(&Json::Object(c.clone()), &path)?;
            let q = qualifier(c);
            let mut c = c.clone();
            c.remove("qualifier");
            c.entry("destinationConfig").or_insert(json!({}));
            Some((q, from_json(Json::Object(c), &path)?))
        }
        _ => None,
    };
    let concurrency_config = match props.get("concurrencyConfig") {
        Some(c @ Json::Object(_)) => {
            let path = FieldPath::new(["concurrencyConfig"]);
            check_unknown(c, &path)?;
            Some(from_json(c.clone(), &path)?)
        }
        _ => None,
    };
    let (mut provision_config, mut scaling_config) = (None, None);
    if let Some(Json::Object(c)) = props.get("provisionConfig") {
        let path = FieldPath::new(["provisionConfig"]);
        check_unknown(&Json::Object(c.clone()), &path)?;
        let q = qualifier(c);
        let mut c = c.clone();
        c.remove("qualifier");
        c.remove("mode");
        c.entry("scheduledActions").or_insert(json!([]));
        c.entry("targetTrackingPolicies").or_insert(json!([]));
        provision_config = Some((q, from_json(Json::Object(c), &path)?));
    } else if let Some(Json::Object(c)) = props.get("scalingConfig") {
        let path = FieldPath::new(["scalingConfig"]);
        check_unknown(&Json::Object(c.clone()), &path)?;
        let q = qualifier(c);
        let mut c = c.clone();
        c.remove("qualifier");
        c.remove("mode");
        c.entry("horizontalScalingPolicies").or_insert(json!([]));
        c.entry("scheduledPolicies").or_insert(json!([]));
        scaling_config = Some((q, from_json(Json::Object(c), &path)?));
    }
    let vpc_binding = match props.get("vpcBinding").and_then(|b| b.get("vpcIds")) {
        Some(ids) => {
            check_unknown(ids, &FieldPath::new(["vpcBinding", "vpcIds"]))?;
            Some(
                ids.as_array()
                    .map(|a| a.iter().map(js_string).collect())
                    .unwrap_or_default(),
            )
        }
        None => None,
    };
    let custom_domain = match props.get("customDomain") {
        Some(Json::Object(d)) => Some(domain(d, function, ctx, &mut auto)?),
        _ => None,
    };
    auto.sort();
    auto.dedup();
    Ok(Requests {
        function: function_body,
        triggers,
        async_invoke_config,
        concurrency_config,
        provision_config,
        scaling_config,
        vpc_binding,
        custom_domain,
        auto,
    })
}

fn check_unknown(value: &Json, path: &FieldPath) -> Result<(), DesiredError> {
    match value {
        Json::String(s) if s == UNKNOWN => Err(DesiredError::Unknown { path: path.clone() }),
        Json::String(s) if s.contains(crate::normalize::legacy::ACCOUNT_PLACEHOLDER) => {
            Err(DesiredError::Unknown { path: path.clone() })
        }
        Json::Array(items) if items.iter().any(contains_unknown) => {
            Err(DesiredError::Unknown { path: path.clone() })
        }
        Json::Object(map) => {
            for (k, v) in map {
                check_unknown(v, &path.child(k.clone()))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(
    value: Json,
    path: &FieldPath,
) -> Result<T, DesiredError> {
    serde_json::from_value(value).map_err(|e| DesiredError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })
}

/// Triggers as fc3 creates them (L6–L8): `triggerConfig` as JSON text, `qualifier: LATEST`,
/// `description: ''`; a name used twice ends as its last entry (create, then update).
fn triggers(
    props: &Obj,
    account: Option<&str>,
    legacy: bool,
    auto: &mut Vec<FieldPath>,
) -> Result<Vec<Trigger>, DesiredError> {
    let Some(list) = props.get("triggers") else {
        return Ok(Vec::new());
    };
    let Json::Array(items) = list else {
        return Err(DesiredError::Unknown {
            path: FieldPath::new(["triggers"]),
        });
    };
    let mut out: Vec<Trigger> = Vec::new();
    for item in items.iter().filter_map(Json::as_object) {
        let name = match item.get("triggerName") {
            Some(Json::String(n)) if n != UNKNOWN => n.clone(),
            Some(_) => {
                return Err(DesiredError::Unknown {
                    path: FieldPath::new(["triggers"]),
                });
            }
            None => continue,
        };
        let path = FieldPath::new(["triggers", name.as_str()]);
        let mut t = crate::normalize::file_side_trigger(item, account, legacy);
        if let Some(Json::String(role)) = t.get("invocationRole")
            && is_auto(&Json::String(role.clone()))
        {
            t.remove("invocationRole");
            auto.push(path.child("invocationRole"));
        }
        check_unknown(&Json::Object(t.clone()), &path)?;
        let config = t.remove("triggerConfig").unwrap_or(json!({}));
        let trigger = Trigger {
            trigger_name: Some(name.clone()),
            trigger_type: t
                .get("triggerType")
                .and_then(Json::as_str)
                .map(str::to_string),
            trigger_config: Some(config.to_string()),
            qualifier: t
                .get("qualifier")
                .and_then(Json::as_str)
                .map(str::to_string),
            description: Some(
                t.get("description")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            source_arn: t
                .get("sourceArn")
                .and_then(Json::as_str)
                .map(str::to_string),
            invocation_role: t
                .get("invocationRole")
                .and_then(Json::as_str)
                .map(str::to_string),
            ..Trigger::default()
        };
        match out
            .iter_mut()
            .find(|x| x.trigger_name.as_deref() == Some(name.as_str()))
        {
            Some(existing) => *existing = trigger,
            None => out.push(trigger),
        }
    }
    Ok(out)
}

/// The custom domain with only this function's route (`functionName` filled, qualifier
/// `LATEST` by default); `auto` becomes fc3-domain's generated name when the account is known.
fn domain(
    d: &Obj,
    function: &LocalFunction,
    ctx: &Context,
    auto: &mut Vec<FieldPath>,
) -> Result<CustomDomain, DesiredError> {
    let base = FieldPath::new(["customDomain"]);
    check_unknown(&Json::Object(d.clone()), &base)?;
    let mut name = d.get("domainName").map(js_string).unwrap_or_default();
    if is_auto(&Json::String(name.clone())) {
        auto.push(base.child("domainName"));
        if let Some(generated) = auto_domain_name(function, ctx.account_id.as_deref()) {
            name = generated;
        }
    }
    let mut route = d
        .get("route")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    route.insert(
        "functionName".into(),
        Json::String(function.function_name.clone()),
    );
    if route
        .get("qualifier")
        .is_none_or(|q| q.as_str().is_none_or(str::is_empty))
    {
        route.insert("qualifier".into(), json!("LATEST"));
    }
    if let Some(Json::Array(methods)) = route.get_mut("methods") {
        for m in methods.iter_mut() {
            *m = Json::String(js_string(m).to_uppercase());
        }
    }
    let protocol = d.get("protocol").map(|p| js_string(p).to_uppercase());
    Ok(CustomDomain {
        domain_name: Some(name),
        protocol: Some(protocol.unwrap_or_else(|| "HTTP".into())),
        route_config: Some(json!({"routes": [Json::Object(route)]})),
        cert_config: d.get("certConfig").filter(|v| v.is_object()).cloned(),
        tls_config: d.get("tlsConfig").filter(|v| v.is_object()).cloned(),
        waf_config: d.get("wafConfig").filter(|v| v.is_object()).cloned(),
        auth_config: d.get("authConfig").filter(|v| v.is_object()).cloned(),
        ..CustomDomain::default()
    })
}

/// The name an `auto` custom domain gets: fc3-domain's
/// `<functionName lower-cased, _→->.fcv3.<AccountID>.<region>.fc.devsapp.net` (§1.9.3), and for a
/// legacy function the legacy component's `<function>.<service>.<AccountID>.<region>.fc.devsapp.net`
/// (§2.2.1; a `$` is not valid in a host name).
pub fn auto_domain_name(function: &LocalFunction, account_id: Option<&str>) -> Option<String> {
    let account = account_id?;
    let region = &function.region;
    Some(match &function.dialect {
        Dialect::Legacy { service, function } => format!(
            "{}.{}.{account}.{region}.fc.devsapp.net",
            function.to_lowercase().replace('_', "-"),
            service.to_lowercase().replace('_', "-")
        ),
        Dialect::Fc3 => format!(
            "{}.fcv3.{account}.{region}.fc.devsapp.net",
            function.function_name.to_lowercase().replace('_', "-")
        ),
    })
}
