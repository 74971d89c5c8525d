//! Legacy functions (edition 1.0.0/2.0.0, `component: fc`): the `props.service` +
//! `props.function` model mapped to FC 3.0's single function `service$function`
//! (serverless-devs.md §1.10, §1.10.7 `s2tos3`, §2.2.4), and the legacy component's `.s/` state
//! files (FC 2.0-shaped `statefulConfig` bodies, §2.2.1) read as an FC 3.0 baseline. Legacy drift
//! is read-only (D11). Nothing here panics on odd input: what cannot be mapped is left out.

use serde_json::{Map, Value as Json};

use crate::local::{Dialect, UNKNOWN};
use crate::snapshot::{Fetched, RemoteSnapshot};

/// Stands for the account id in ARNs the legacy component derives from it (trigger
/// `sourceArn`s); [`crate::normalize::local`] substitutes the context's account (or treats the
/// value as unknown without one).
pub const ACCOUNT_PLACEHOLDER: &str = "\u{0}sdls:account";

/// fc-deploy's default function description (§2.2.4).
pub const DEFAULT_DESCRIPTION: &str = "This is default function description by fc-deploy component";

type Props = Map<String, Json>;

/// Maps legacy props to fc3-shaped props: `(functionName, dialect, props)`, or why not.
pub fn to_fc3(props: &Props) -> Result<(String, Dialect, Props), String> {
    let service = match props.get("service") {
        Some(Json::Object(s)) => s,
        Some(Json::String(s)) if s == UNKNOWN => {
            return Err("its service is known only when `s` runs".into());
        }
        _ => return Err("its service is not a mapping".into()),
    };
    let function = match props.get("function") {
        Some(Json::Object(f)) => f,
        _ => return Err("it has no function.name".into()),
    };
    let service_name = name_of(service).ok_or("it has no service.name")?;
    let function_name = name_of(function).ok_or("it has no function.name")?;
    let name = format!("{service_name}${function_name}");
    let region = props
        .get("region")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let mut out = Props::new();
    if let Some(r) = props.get("region") {
        out.insert("region".into(), r.clone());
    }
    out.insert("functionName".into(), Json::String(name.clone()));
    map_service(service, &mut out);
    map_function(function, &region, &mut out);
    if let Some(Json::Array(triggers)) = props.get("triggers") {
        let mapped: Vec<Json> = triggers
            .iter()
            .filter_map(Json::as_object)
            .map(|t| Json::Object(map_trigger(t, &region)))
            .collect();
        if !mapped.is_empty() {
            out.insert("triggers".into(), Json::Array(mapped));
        }
    }
    if let Some(Json::Array(domains)) = props.get("customDomains")
        && let Some(domain) = domain_for(domains, &service_name, &function_name)
    {
        out.insert("customDomain".into(), Json::Object(domain));
    }
    Ok((
        name,
        Dialect::Legacy {
            service: service_name,
            function: function_name,
        },
        out,
    ))
}

fn name_of(map: &Props) -> Option<String> {
    match map.get("name") {
        Some(Json::String(n)) if !n.is_empty() && n != UNKNOWN => Some(n.clone()),
        _ => None,
    }
}

/// Service-level settings flattened into the function (§1.10.7 step 3, §2.2.4).
fn map_service(service: &Props, out: &mut Props) {
    for key in ["internetAccess", "logConfig", "ossMountConfig"] {
        if let Some(v) = service.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    match service.get("role") {
        Some(Json::String(role)) if !role.is_empty() => {
            out.insert("role".into(), Json::String(role.clone()));
        }
        // `{name, policies}` creates the role `name` (§2.2.4): compared by its name.
        Some(Json::Object(role)) => {
            if let Some(name) = role.get("name").and_then(Json::as_str) {
                out.insert("role".into(), Json::String(name.to_lowercase()));
            }
        }
        _ => {}
    }
    match service.get("vpcConfig") {
        Some(Json::Object(vpc)) => {
            let mut vpc = vpc.clone();
            if let Some(ids) = vpc.remove("vswitchIds") {
                vpc.entry("vSwitchIds").or_insert(ids);
            }
            out.insert("vpcConfig".into(), Json::Object(vpc));
        }
        Some(v @ Json::String(_)) => {
            out.insert("vpcConfig".into(), v.clone());
        }
        _ => {}
    }
    match service.get("nasConfig") {
        Some(Json::String(s)) if s.to_lowercase().starts_with("auto") || s == UNKNOWN => {
            let v = if s == UNKNOWN {
                s.clone()
            } else {
                "auto".into()
            };
            out.insert("nasConfig".into(), Json::String(v));
        }
        Some(Json::Object(nas)) => {
            let mut nas = nas.clone();
            if let Some(Json::Array(points)) = nas.get_mut("mountPoints") {
                for point in points.iter_mut() {
                    if let Json::Object(p) = point {
                        let addr = p
                            .get("serverAddr")
                            .and_then(Json::as_str)
                            .unwrap_or("")
                            .to_string();
                        if let Some(dir) = p.remove("nasDir").as_ref().and_then(Json::as_str) {
                            let joined = if addr.contains(":/") {
                                addr.to_string()
                            } else {
                                format!("{addr}:{dir}")
                            };
                            p.insert("serverAddr".into(), Json::String(joined));
                        }
                        if let Some(fc_dir) = p.remove("fcDir") {
                            p.entry("mountDir").or_insert(fc_dir);
                        }
                    }
                }
            }
            out.insert("nasConfig".into(), Json::Object(nas));
        }
        _ => {}
    }
    // `tracingConfig: Enable` turns Jaeger tracing on with parameters the file cannot state.
    if let Some(Json::String(t)) = service.get("tracingConfig")
        && t.eq_ignore_ascii_case("enable")
    {
        out.insert("tracingConfig".into(), Json::String(UNKNOWN.into()));
    }
    if let Some(Json::Array(ids)) = service.get("vpcBinding") {
        let mut b = Props::new();
        b.insert("vpcIds".into(), Json::Array(ids.clone()));
        out.insert("vpcBinding".into(), Json::Object(b));
    }
}

/// Function fields, legacy defaults (§1.10.6) and renamed keys (§1.10.7).
fn map_function(function: &Props, region: &str, out: &mut Props) {
    const KEPT: &[&str] = &[
        "cpu",
        "diskSize",
        "instanceConcurrency",
        "customDNS",
        "customRuntimeConfig",
    ];
    for key in KEPT {
        if let Some(v) = function.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).into(), v.clone());
        }
    }
    if let Some(Json::Array(layers)) = function.get("layers") {
        // FC 2.0 layer references `<md5>#<name>#<version>` are read back by FC 3.0 as ARNs.
        let arns = layers
            .iter()
            .map(
                |l| match l.as_str().map(|s| s.split('#').collect::<Vec<_>>()) {
                    Some(parts) if parts.len() == 3 => Json::String(format!(
                        "acs:fc:{region}:{ACCOUNT_PLACEHOLDER}:layers/{}/versions/{}",
                        parts[1], parts[2]
                    )),
                    _ => l.clone(),
                },
            )
            .collect();
        out.insert("layers".into(), Json::Array(arns));
    }
    let default = |key: &str, v: Json| {
        function
            .get(key)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(v)
    };
    out.insert(
        "description".into(),
        default("description", Json::from(DEFAULT_DESCRIPTION)),
    );
    out.insert("runtime".into(), default("runtime", Json::from("nodejs10")));
    let handler = function
        .get("handler")
        .or_else(|| function.get("Handler"))
        .filter(|v| !v.is_null());
    out.insert(
        "handler".into(),
        handler.cloned().unwrap_or(Json::from("index.handler")),
    );
    out.insert("memorySize".into(), default("memorySize", Json::from(128)));
    out.insert("timeout".into(), default("timeout", Json::from(3)));
    if let Some(Json::Object(env)) = function.get("environmentVariables")
        && !env.is_empty()
    {
        out.insert("environmentVariables".into(), Json::Object(env.clone()));
    }
    match (
        function.get("codeUri"),
        function.get("ossBucket"),
        function.get("ossKey"),
    ) {
        (Some(uri), _, _) if !uri.is_null() => {
            out.insert("code".into(), uri.clone());
        }
        (_, Some(bucket), Some(key)) => {
            let mut code = Props::new();
            code.insert("ossBucketName".into(), bucket.clone());
            code.insert("ossObjectName".into(), key.clone());
            out.insert("code".into(), Json::Object(code));
        }
        _ => {}
    }
    let runtime = out
        .get("runtime")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(Json::Object(container)) = function.get("customContainerConfig") {
        let mut c = Props::new();
        for key in ["image", "port", "healthCheckConfig"] {
            if let Some(v) = container.get(key).filter(|v| !v.is_null()) {
                c.insert(key.into(), v.clone());
            }
        }
        // FC 2.0 `command`/`args` are JSON-array strings: `command` → entrypoint, `args` → command.
        for (from, to) in [("command", "entrypoint"), ("args", "command")] {
            match container.get(from) {
                Some(Json::String(text)) => match serde_json::from_str::<Json>(text) {
                    Ok(list @ Json::Array(_)) => {
                        c.insert(to.into(), list);
                    }
                    _ if text == UNKNOWN => {
                        c.insert(to.into(), Json::String(UNKNOWN.into()));
                    }
                    _ => {}
                },
                Some(list @ Json::Array(_)) => {
                    c.insert(to.into(), list.clone());
                }
                _ => {}
            }
        }
        out.insert("customContainerConfig".into(), Json::Object(c));
    }
    if let Some(port) = function.get("caPort").filter(|v| !v.is_null()) {
        if out.contains_key("customContainerConfig") {
            if let Some(Json::Object(c)) = out.get_mut("customContainerConfig") {
                c.insert("port".into(), port.clone());
            }
        } else if runtime.starts_with("custom") {
            let entry = out
                .entry("customRuntimeConfig")
                .or_insert_with(|| Json::Object(Props::new()));
            if let Json::Object(c) = entry {
                c.insert("port".into(), port.clone());
            }
        }
    }
    if let Some(check) = function
        .get("customHealthCheckConfig")
        .filter(|v| v.is_object())
    {
        let target = if out.contains_key("customContainerConfig") {
            "customContainerConfig"
        } else {
            "customRuntimeConfig"
        };
        let entry = out
            .entry(target)
            .or_insert_with(|| Json::Object(Props::new()));
        if let Json::Object(c) = entry {
            c.insert("healthCheckConfig".into(), check.clone());
        }
    }
    let mut lifecycle = Props::new();
    if let Some(hook) = initializer_hook(function) {
        lifecycle.insert("initializer".into(), hook);
    }
    if let Some(Json::Object(stop)) = function
        .get("instanceLifecycleConfig")
        .and_then(|l| l.get("preStop"))
    {
        // `preFreeze` does not exist in FC 3.0; only handler/timeout of preStop are real.
        let mut hook = Props::new();
        for key in ["handler", "timeout"] {
            if let Some(v) = stop.get(key).filter(|v| !v.is_null()) {
                hook.insert(key.into(), v.clone());
            }
        }
        lifecycle.insert("preStop".into(), Json::Object(hook));
    }
    if !lifecycle.is_empty() {
        out.insert("instanceLifecycleConfig".into(), Json::Object(lifecycle));
    }
    if let Some(memory) = function.get("gpuMemorySize").filter(|v| !v.is_null()) {
        let gpu_type = function
            .get("instanceType")
            .and_then(Json::as_str)
            .filter(|t| t.starts_with("fc.gpu"))
            .unwrap_or("fc.gpu.tesla.1");
        let mut gpu = Props::new();
        gpu.insert("gpuMemorySize".into(), memory.clone());
        gpu.insert("gpuType".into(), Json::from(gpu_type));
        out.insert("gpuConfig".into(), Json::Object(gpu));
    }
    if let Some(Json::Object(async_config)) = function.get("asyncConfiguration") {
        out.insert(
            "asyncInvokeConfig".into(),
            Json::Object(async_config_fc3(async_config, region)),
        );
    }
}

/// `asyncConfiguration` → `asyncInvokeConfig` (§1.10.7): destinations as `{destination}`,
/// `acs:fc:::` → `acs:fc:<region>::`, `statefulInvocation` → `asyncTask`.
fn async_config_fc3(config: &Props, region: &str) -> Props {
    let mut out = Props::new();
    for key in ["maxAsyncEventAgeInSeconds", "maxAsyncRetryAttempts"] {
        if let Some(v) = config.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = config.get("statefulInvocation").filter(|v| !v.is_null()) {
        out.insert("asyncTask".into(), v.clone());
    }
    let destination = config
        .get("destination")
        .or_else(|| config.get("destinationConfig"));
    if let Some(Json::Object(dest)) = destination {
        let mut d = Props::new();
        for key in ["onSuccess", "onFailure"] {
            let arn = match dest.get(key) {
                Some(Json::String(s)) => Some(s.clone()),
                Some(Json::Object(o)) => o
                    .get("destination")
                    .and_then(Json::as_str)
                    .map(str::to_string),
                _ => None,
            };
            if let Some(arn) = arn.filter(|a| !a.is_empty()) {
                let arn = arn.replacen("acs:fc:::", &format!("acs:fc:{region}::"), 1);
                let mut target = Props::new();
                target.insert("destination".into(), Json::String(arn));
                d.insert(key.into(), Json::Object(target));
            }
        }
        if !d.is_empty() {
            out.insert("destinationConfig".into(), Json::Object(d));
        }
    }
    out
}

/// One legacy trigger in fc3 shape (§1.10.4, §1.10.7, §2.2.4 derived `sourceArn`s).
fn map_trigger(t: &Props, region: &str) -> Props {
    let mut out = Props::new();
    let pairs = [
        ("name", "triggerName"),
        ("type", "triggerType"),
        ("role", "invocationRole"),
        ("qualifier", "qualifier"),
        ("sourceArn", "sourceArn"),
        ("description", "description"),
    ];
    for (from, to) in pairs {
        if let Some(v) = t.get(from).or_else(|| t.get(to)).filter(|v| !v.is_null()) {
            out.insert(to.into(), v.clone());
        }
    }
    let kind = out
        .get("triggerType")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let mut config = match t.get("config").or_else(|| t.get("triggerConfig")) {
        Some(Json::Object(c)) => c.clone(),
        _ => Props::new(),
    };
    let acct = ACCOUNT_PLACEHOLDER;
    let mut source = None;
    match kind.as_str() {
        "oss" => {
            if let Some(Json::Object(filter)) = config.get_mut("filter") {
                lower_keys(filter);
            }
            if let Some(Json::String(bucket)) = config.remove("bucketName") {
                source = Some(format!("acs:oss:{region}:{acct}:{bucket}"));
            }
        }
        "log" => {
            if let Some(project) = config
                .get("logConfig")
                .and_then(|l| l.get("project"))
                .and_then(Json::as_str)
            {
                source = Some(format!("acs:log:{region}:{acct}:project/{project}"));
            }
        }
        "cdn_events" => source = Some(format!("acs:cdn:*:{acct}")),
        "mns_topic" => {
            let topic_region = config
                .remove("region")
                .and_then(|r| r.as_str().map(str::to_string))
                .unwrap_or_else(|| region.to_string());
            if let Some(Json::String(topic)) = config.remove("topicName") {
                source = Some(format!("acs:mns:{topic_region}:{acct}:/topics/{topic}"));
            }
        }
        "tablestore" => {
            let instance = config.remove("instanceName");
            let table = config.remove("tableName");
            if let (Some(Json::String(i)), Some(Json::String(t))) = (instance, table) {
                source = Some(format!("acs:ots:{region}:{acct}:instance/{i}/table/{t}"));
            }
        }
        "http" => {
            config
                .entry("methods")
                .or_insert_with(|| Json::Array(vec![Json::from("GET")]));
        }
        "eventbridge" => {
            config.entry("triggerEnable").or_insert(Json::Bool(true));
            config
                .entry("asyncInvocationType")
                .or_insert(Json::Bool(false));
            config
                .entry("eventRuleFilterPattern")
                .or_insert(Json::from("{}"));
            config.entry("eventSourceConfig").or_insert_with(|| {
                let mut s = Props::new();
                s.insert("eventSourceType".into(), Json::from("Default"));
                Json::Object(s)
            });
        }
        _ => {}
    }
    if let Some(source) = source
        && !out.contains_key("sourceArn")
        && !source.contains(UNKNOWN)
    {
        out.insert("sourceArn".into(), Json::String(source));
    }
    out.insert("triggerConfig".into(), Json::Object(config));
    out
}

/// `Key/Prefix/Suffix` → `key/prefix/suffix` at any depth (legacy oss filters).
fn lower_keys(map: &mut Props) {
    let entries: Vec<(String, Json)> = std::mem::take(map).into_iter().collect();
    for (k, mut v) in entries {
        if let Json::Object(inner) = &mut v {
            lower_keys(inner);
        }
        map.insert(k.to_lowercase(), v);
    }
}

/// This function's route among the legacy `customDomains` (the first domain with a route whose
/// `serviceName`/`functionName` are this function's or unset).
fn domain_for(domains: &[Json], service: &str, function: &str) -> Option<Props> {
    for domain in domains.iter().filter_map(Json::as_object) {
        let routes = domain.get("routeConfigs").and_then(Json::as_array)?;
        let route = routes.iter().filter_map(Json::as_object).find(|r| {
            let ok =
                |key: &str, want: &str| r.get(key).and_then(Json::as_str).is_none_or(|v| v == want);
            ok("serviceName", service) && ok("functionName", function)
        });
        let Some(route) = route else { continue };
        let mut out = Props::new();
        for key in [
            "domainName",
            "protocol",
            "certConfig",
            "tlsConfig",
            "wafConfig",
        ] {
            if let Some(v) = domain.get(key).filter(|v| !v.is_null()) {
                out.insert(key.into(), v.clone());
            }
        }
        let mut r = Props::new();
        for key in ["path", "methods", "qualifier", "rewriteConfig"] {
            if let Some(v) = route.get(key).filter(|v| !v.is_null()) {
                r.insert(key.into(), v.clone());
            }
        }
        out.insert("route".into(), Json::Object(r));
        return Some(out);
    }
    None
}

/// The legacy state files (`statefulConfig` of the service, the function and its triggers; the
/// whole file or only its `statefulConfig`) as an FC 3.0-shaped snapshot of `service$function`.
/// Sub-configs the state does not record are [`Fetched::Skipped`].
pub fn snapshot_from_state(
    service_state: Option<&Json>,
    function_state: &Json,
    trigger_states: &[Json],
) -> RemoteSnapshot {
    let unwrap = |v: &Json| -> Props {
        let inner = v.get("statefulConfig").unwrap_or(v);
        inner.as_object().cloned().unwrap_or_default()
    };
    let service = service_state.map(unwrap).unwrap_or_default();
    let function = unwrap(function_state);
    let mut body = Props::new();
    for key in [
        "role",
        "logConfig",
        "nasConfig",
        "ossMountConfig",
        "internetAccess",
        "tracingConfig",
    ] {
        if let Some(v) = service.get(key).filter(|v| !v.is_null()) {
            body.insert(key.into(), v.clone());
        }
    }
    if let Some(Json::Object(vpc)) = service.get("vpcConfig") {
        let mut vpc = vpc.clone();
        if let Some(ids) = vpc.remove("vswitchIds") {
            vpc.entry("vSwitchIds").or_insert(ids);
        }
        body.insert("vpcConfig".into(), Json::Object(vpc));
    }
    const FUNCTION_KEYS: &[&str] = &[
        "description",
        "runtime",
        "handler",
        "timeout",
        "memorySize",
        "cpu",
        "diskSize",
        "instanceConcurrency",
        "environmentVariables",
        "customContainerConfig",
        "customRuntimeConfig",
        "customDNS",
        "codeChecksum",
        "codeSize",
        "createdTime",
        "lastModifiedTime",
        "functionId",
    ];
    for key in FUNCTION_KEYS {
        if let Some(v) = function.get(*key).filter(|v| !v.is_null()) {
            body.insert((*key).into(), v.clone());
        }
    }
    let service_name = service
        .get("serviceName")
        .or_else(|| service.get("name"))
        .and_then(Json::as_str);
    let function_name = function
        .get("functionName")
        .or_else(|| function.get("name"))
        .and_then(Json::as_str);
    if let Some(f) = function_name {
        let full = match service_name {
            Some(s) if !f.contains('$') => format!("{s}${f}"),
            _ => f.to_string(),
        };
        body.insert("functionName".into(), Json::String(full));
    }
    // FC 2.0 `layersArnV2` holds the ARNs FC 3.0 reads back (`layers` holds names).
    if let Some(Json::Array(arns)) = function.get("layersArnV2")
        && !arns.is_empty()
    {
        body.insert("layers".into(), Json::Array(arns.clone()));
    }
    let runtime = function.get("runtime").and_then(Json::as_str).unwrap_or("");
    if let Some(port) = function.get("caPort").filter(|v| !v.is_null()) {
        let key = if runtime == "custom-container" {
            "customContainerConfig"
        } else if runtime.starts_with("custom") {
            "customRuntimeConfig"
        } else {
            ""
        };
        if !key.is_empty() {
            let entry = body
                .entry(key)
                .or_insert_with(|| Json::Object(Props::new()));
            if let Json::Object(c) = entry {
                c.entry("port").or_insert(port.clone());
            }
        }
    }
    if let Some(check) = function
        .get("customHealthCheckConfig")
        .filter(|v| v.is_object())
        && let Some(Json::Object(c)) = body
            .get_mut("customContainerConfig")
            .or(None)
            .filter(|_| runtime == "custom-container")
    {
        c.insert("healthCheckConfig".into(), check.clone());
    }
    let mut lifecycle = Props::new();
    if let Some(hook) = initializer_hook(&function) {
        lifecycle.insert("initializer".into(), hook);
    }
    if let Some(Json::Object(stop)) = function
        .get("instanceLifecycleConfig")
        .and_then(|l| l.get("preStop"))
    {
        lifecycle.insert("preStop".into(), Json::Object(stop.clone()));
    }
    if !lifecycle.is_empty() {
        body.insert("instanceLifecycleConfig".into(), Json::Object(lifecycle));
    }
    if let Some(memory) = function.get("gpuMemorySize").filter(|v| !v.is_null())
        && let Some(t) = function
            .get("instanceType")
            .and_then(Json::as_str)
            .filter(|t| t.contains("gpu") || *t == "g1")
    {
        let mut gpu = Props::new();
        gpu.insert("gpuMemorySize".into(), memory.clone());
        gpu.insert("gpuType".into(), Json::from(t));
        body.insert("gpuConfig".into(), Json::Object(gpu));
    }
    let async_invoke_config = match function.get("asyncConfiguration") {
        Some(Json::Object(c)) => {
            let mut out = Props::new();
            for key in [
                "destinationConfig",
                "maxAsyncEventAgeInSeconds",
                "maxAsyncRetryAttempts",
            ] {
                if let Some(v) = c.get(key).filter(|v| !v.is_null()) {
                    out.insert(key.into(), v.clone());
                }
            }
            if let Some(v) = c.get("statefulInvocation").filter(|v| !v.is_null()) {
                out.insert("asyncTask".into(), v.clone());
            }
            Fetched::Present(typed(out))
        }
        _ => Fetched::Skipped,
    };
    let vpc_binding = match service.get("vpcBinding") {
        Some(Json::Array(ids)) => Fetched::Present(
            ids.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => Fetched::Skipped,
    };
    let triggers = trigger_states
        .iter()
        .map(|t| {
            let t = unwrap(t);
            let mut body = Props::new();
            let pairs = [
                ("triggerName", "name"),
                ("triggerType", "type"),
                ("qualifier", "qualifier"),
                ("description", "description"),
                ("sourceArn", "sourceArn"),
                ("invocationRole", "role"),
            ];
            for (key, alt) in pairs {
                if let Some(v) = t.get(key).or_else(|| t.get(alt)).filter(|v| !v.is_null()) {
                    body.insert(key.into(), v.clone());
                }
            }
            match t.get("triggerConfig").or_else(|| t.get("config")) {
                Some(Json::String(text)) => {
                    body.insert("triggerConfig".into(), Json::String(text.clone()));
                }
                Some(v @ Json::Object(_)) => {
                    body.insert("triggerConfig".into(), Json::String(v.to_string()));
                }
                _ => {}
            }
            typed(body)
        })
        .collect();
    RemoteSnapshot {
        function: Some(typed(body)),
        triggers,
        async_invoke_config,
        vpc_binding,
        ..RemoteSnapshot::default()
    }
}

/// A typed FC model from JSON, keeping every member that fits and leaving out the rest (a state
/// file may hold a string where the model has a number).
fn typed<T: serde::de::DeserializeOwned + Default>(map: Props) -> T {
    if let Ok(v) = serde_json::from_value(Json::Object(map.clone())) {
        return v;
    }
    let mut kept = Props::new();
    for (k, v) in map {
        let mut trial = kept.clone();
        trial.insert(k.clone(), v.clone());
        if serde_json::from_value::<T>(Json::Object(trial)).is_ok() {
            kept.insert(k, v);
        }
    }
    serde_json::from_value(Json::Object(kept)).unwrap_or_default()
}

/// FC 2.0's `initializer` + `initializationTimeout` as FC 3.0's `instanceLifecycleConfig.initializer`
/// (serverless-devs.md §1.10.7), or `None` without an initializer.
fn initializer_hook(function: &Props) -> Option<Json> {
    let init = function
        .get("initializer")
        .filter(|v| !crate::normalize::values::is_empty(v))?;
    let mut hook = Props::new();
    hook.insert("handler".into(), init.clone());
    if let Some(t) = function
        .get("initializationTimeout")
        .filter(|v| !v.is_null())
    {
        hook.insert("timeout".into(), t.clone());
    }
    Some(Json::Object(hook))
}
