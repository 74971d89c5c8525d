//! Function-scoped configs (fc-api.md §13.2–§13.6) and tags (§7.5): async-invoke config (upsert
//! per qualifier, `404 AsyncConfigNotExists`), concurrency config (`reservedConcurrency`),
//! provision config (a target pre-warms that many instances in the background and `current`
//! counts those that are up; functions the emulator cannot execute report `current` = target;
//! `200 {}` when none; target tracking needs instance metrics), scaling config (bookkeeping
//! only; exclusive with a provision config), VPC bindings (ids only), and
//! Tag/Untag/ListTagResources on function ARNs.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::functions::{function, function_mut};
use super::util::{self, check_range, field, opt_bool, opt_str, req_str};
use super::{Ctx, Reply};
use crate::store::{FunctionRecord, Namespace, Object};

/// Checks that `qualifier` names LATEST, an existing version or an existing alias.
fn check_qualifier(record: &FunctionRecord, name: &str, qualifier: &str) -> Result<(), ApiError> {
    if qualifier == "LATEST" {
        return Ok(());
    }
    if qualifier.chars().all(|c| c.is_ascii_digit()) {
        let exists = qualifier
            .parse::<u64>()
            .ok()
            .is_some_and(|id| record.versions.contains_key(&id));
        return match exists {
            true => Ok(()),
            false => Err(ApiError::version_not_found(name, qualifier)),
        };
    }
    match record.aliases.contains_key(qualifier) {
        true => Ok(()),
        false => Err(ApiError::alias_not_found(name, qualifier)),
    }
}

/// The ARN a config reports: the function's, with `/<qualifier>` unless LATEST.
fn config_arn(ctx: &Ctx<'_>, name: &str, qualifier: &str) -> String {
    let arn = ctx.arn(name);
    if qualifier == "LATEST" {
        arn
    } else {
        format!("{arn}/{qualifier}")
    }
}

/// Configs of all functions (or of `functionName`), keyed `function:qualifier` for paging.
fn collect_configs(
    ns: &Namespace,
    only: Option<&str>,
    pick: impl Fn(&FunctionRecord) -> Vec<(String, Object)>,
) -> Vec<(String, (String, String, Object))> {
    let mut out: Vec<(String, (String, String, Object))> = ns
        .functions
        .iter()
        .filter(|(name, _)| only.is_none_or(|o| o == name.as_str()))
        .flat_map(|(name, record)| {
            pick(record)
                .into_iter()
                .map(|(q, c)| (format!("{name}:{q}"), (name.clone(), q, c)))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

async fn list_configs(
    ctx: &Ctx<'_>,
    key: &str,
    pick: impl Fn(&FunctionRecord) -> Vec<(String, Object)>,
    render: impl Fn(&Ctx<'_>, &str, &str, &Object) -> Value,
) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let token = ctx.q("nextToken").map(str::to_owned);
    let only = ctx
        .q("functionName")
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    let items = ctx
        .read(|ns| Ok(collect_configs(ns, only.as_deref(), pick)))
        .await?;
    let (page, next) = util::paginate(items, token.as_deref(), limit);
    let mut body = Map::new();
    body.insert(
        key.to_owned(),
        Value::Array(
            page.iter()
                .map(|(name, q, c)| render(ctx, name, q, c))
                .collect(),
        ),
    );
    Ok(Reply::json(&util::with_token(body, next)))
}

// --- async-invoke config -----------------------------------------------------------------------

fn render_async(ctx: &Ctx<'_>, name: &str, qualifier: &str, config: &Object) -> Value {
    let mut out = Map::new();
    out.insert("asyncTask".into(), json!(false));
    out.insert("destinationConfig".into(), json!({}));
    out.insert("maxAsyncEventAgeInSeconds".into(), json!(86400));
    out.insert("maxAsyncRetryAttempts".into(), json!(3));
    for (k, v) in config {
        out.insert(k.clone(), v.clone());
    }
    out.insert(
        "functionArn".into(),
        json!(config_arn(ctx, name, qualifier)),
    );
    Value::Object(out)
}

pub(crate) async fn put_async(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let qualifier = ctx.qualifier();
    let mut config = Object::new();
    if let Some(v) = opt_bool(&body, "asyncTask")? {
        config.insert("asyncTask".into(), json!(v));
    }
    if let Some(v) = field(&body, "destinationConfig") {
        if !v.is_object() {
            return Err(ApiError::invalid("destinationConfig must be an object"));
        }
        config.insert("destinationConfig".into(), v.clone());
    }
    if let Some(v) = check_range(&body, "maxAsyncEventAgeInSeconds", 1, 604_800)? {
        config.insert("maxAsyncEventAgeInSeconds".into(), json!(v));
    }
    if let Some(v) = check_range(&body, "maxAsyncRetryAttempts", 0, 8)? {
        config.insert("maxAsyncRetryAttempts".into(), json!(v));
    }
    let stored = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            check_qualifier(record, name, &qualifier)?;
            let now = util::timestamp();
            let created = record
                .async_configs
                .get(&qualifier)
                .and_then(|c| c.get("createdTime").cloned())
                .unwrap_or_else(|| json!(now));
            config.insert("createdTime".into(), created);
            config.insert("lastModifiedTime".into(), json!(now));
            record
                .async_configs
                .insert(qualifier.clone(), config.clone());
            Ok(config)
        })
        .await?;
    Ok(Reply::json(&render_async(ctx, name, &qualifier, &stored)))
}

fn async_not_found(name: &str, qualifier: &str) -> ApiError {
    ApiError::new(
        404,
        "AsyncConfigNotExists",
        format!(
            "async invoke config of function '{name}' (qualifier '{qualifier}') does not exist"
        ),
    )
}

pub(crate) async fn get_async(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let config = ctx
        .read(|ns| {
            function(ns, name)?
                .async_configs
                .get(&qualifier)
                .cloned()
                .ok_or_else(|| async_not_found(name, &qualifier))
        })
        .await?;
    Ok(Reply::json(&render_async(ctx, name, &qualifier, &config)))
}

pub(crate) async fn delete_async(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    ctx.write(|ns| {
        function_mut(ns, name)?
            .async_configs
            .remove(&qualifier)
            .map(|_| ())
            .ok_or_else(|| async_not_found(name, &qualifier))
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_async(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    list_configs(
        ctx,
        "configs",
        |r| {
            r.async_configs
                .iter()
                .map(|(q, c)| (q.clone(), c.clone()))
                .collect()
        },
        render_async,
    )
    .await
}

// --- concurrency config ------------------------------------------------------------------------

fn render_concurrency(ctx: &Ctx<'_>, name: &str, _q: &str, config: &Object) -> Value {
    json!({
        "functionArn": ctx.arn(name),
        "reservedConcurrency": config.get("reservedConcurrency").cloned().unwrap_or(json!(0)),
    })
}

pub(crate) async fn put_concurrency(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let Some(n) = check_range(&body, "reservedConcurrency", 0, 1_000_000)? else {
        return Err(ApiError::invalid(
            "reservedConcurrency is required but not provided",
        ));
    };
    let mut config = Object::new();
    config.insert("reservedConcurrency".into(), json!(n));
    ctx.write(|ns| {
        function_mut(ns, name)?.concurrency = Some(config.clone());
        Ok(())
    })
    .await?;
    Ok(Reply::json(&render_concurrency(
        ctx, name, "LATEST", &config,
    )))
}

fn concurrency_not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "ConcurrencyConfigNotFound",
        format!("concurrency config of function '{name}' does not exist"),
    )
}

pub(crate) async fn get_concurrency(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let config = ctx
        .read(|ns| {
            function(ns, name)?
                .concurrency
                .clone()
                .ok_or_else(|| concurrency_not_found(name))
        })
        .await?;
    Ok(Reply::json(&render_concurrency(
        ctx, name, "LATEST", &config,
    )))
}

pub(crate) async fn delete_concurrency(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    ctx.write(|ns| {
        function_mut(ns, name)?
            .concurrency
            .take()
            .map(|_| ())
            .ok_or_else(|| concurrency_not_found(name))
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_concurrency(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    list_configs(
        ctx,
        "configs",
        |r| {
            r.concurrency
                .iter()
                .map(|c| ("LATEST".to_owned(), c.clone()))
                .collect()
        },
        render_concurrency,
    )
    .await
}

// --- provision config --------------------------------------------------------------------------

/// The effective provision target: `defaultTarget` when set, else `target`.
pub(crate) fn provision_target(config: &Object) -> i64 {
    config
        .get("defaultTarget")
        .and_then(util::as_int)
        .or_else(|| config.get("target").and_then(util::as_int))
        .unwrap_or(0)
}

fn render_provision(ctx: &Ctx<'_>, name: &str, qualifier: &str, config: &Object) -> Value {
    let mut out = Map::new();
    out.insert(
        "functionArn".into(),
        json!(config_arn(ctx, name, qualifier)),
    );
    out.insert("alwaysAllocateCPU".into(), json!(true));
    out.insert("alwaysAllocateGPU".into(), json!(true));
    out.insert("scheduledActions".into(), json!([]));
    out.insert("targetTrackingPolicies".into(), json!([]));
    for (k, v) in config {
        out.insert(k.clone(), v.clone());
    }
    let target = provision_target(config);
    let (current, error) =
        super::invoke::provision_status(ctx.shared, &ctx.region, name, qualifier, target);
    out.insert("target".into(), json!(target));
    out.insert("current".into(), json!(current));
    out.insert("currentError".into(), json!(error));
    Value::Object(out)
}

fn check_list(body: &Map<String, Value>, key: &str, required: &[&str]) -> Result<(), ApiError> {
    let Some(value) = field(body, key) else {
        return Ok(());
    };
    let Value::Array(items) = value else {
        return Err(ApiError::invalid(format!("{key} must be an array")));
    };
    for item in items {
        for r in required {
            if item.get(*r).is_none_or(Value::is_null) {
                return Err(ApiError::invalid(format!(
                    "every entry of {key} needs {}",
                    required.join(", ")
                )));
            }
        }
    }
    Ok(())
}

pub(crate) async fn put_provision(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let qualifier = ctx.qualifier();
    let mut config = Object::new();
    for key in ["defaultTarget", "target"] {
        if let Some(v) = check_range(&body, key, 0, 10_000)? {
            config.insert(key.into(), json!(v));
        }
    }
    for key in ["alwaysAllocateCPU", "alwaysAllocateGPU"] {
        if let Some(v) = opt_bool(&body, key)? {
            config.insert(key.into(), json!(v));
        }
    }
    check_list(
        &body,
        "scheduledActions",
        &["name", "scheduleExpression", "target"],
    )?;
    check_list(
        &body,
        "targetTrackingPolicies",
        &[
            "name",
            "metricType",
            "metricTarget",
            "minCapacity",
            "maxCapacity",
        ],
    )?;
    for key in ["scheduledActions", "targetTrackingPolicies"] {
        if let Some(v) = field(&body, key) {
            config.insert(key.into(), v.clone());
        }
    }
    let tracking = config
        .get("targetTrackingPolicies")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let stored = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            check_qualifier(record, name, &qualifier)?;
            if record.scaling_configs.contains_key(&qualifier) {
                return Err(ApiError::new(
                    409,
                    "ResidentScalingConfigExists",
                    format!("function '{name}' (qualifier '{qualifier}') has a scaling config; delete it before putting a provision config"),
                ));
            }
            let metrics = record
                .config
                .get("logConfig")
                .and_then(|l| l.get("enableInstanceMetrics"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if tracking && !metrics {
                return Err(ApiError::new(
                    400,
                    "InstanceMetricsRequired",
                    "target tracking policies need logConfig.enableInstanceMetrics on the function",
                ));
            }
            record
                .provision_configs
                .insert(qualifier.clone(), config.clone());
            Ok(config)
        })
        .await?;
    let target = usize::try_from(provision_target(&stored)).unwrap_or(0);
    if target == 0 {
        super::invoke::unprovision(ctx.shared, &ctx.region, name, &qualifier);
    } else {
        super::invoke::provision(ctx.shared, &ctx.region, name, &qualifier, target).await;
    }
    Ok(Reply::json(&render_provision(
        ctx, name, &qualifier, &stored,
    )))
}

pub(crate) async fn get_provision(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let config = ctx
        .read(|ns| {
            Ok(function(ns, name)?
                .provision_configs
                .get(&qualifier)
                .cloned())
        })
        .await?;
    Ok(Reply::json(&match config {
        Some(c) => render_provision(ctx, name, &qualifier, &c),
        None => json!({}),
    }))
}

pub(crate) async fn delete_provision(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    ctx.write(|ns| {
        function_mut(ns, name)?.provision_configs.remove(&qualifier);
        Ok(())
    })
    .await?;
    super::invoke::unprovision(ctx.shared, &ctx.region, name, &qualifier);
    Ok(Reply::no_content())
}

pub(crate) async fn list_provision(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    list_configs(
        ctx,
        "provisionConfigs",
        |r| {
            r.provision_configs
                .iter()
                .map(|(q, c)| (q.clone(), c.clone()))
                .collect()
        },
        render_provision,
    )
    .await
}

// --- scaling config ----------------------------------------------------------------------------

fn render_scaling(ctx: &Ctx<'_>, name: &str, qualifier: &str, config: &Object) -> Value {
    let mut out = Map::new();
    out.insert(
        "functionArn".into(),
        json!(config_arn(ctx, name, qualifier)),
    );
    out.insert("horizontalScalingPolicies".into(), json!([]));
    out.insert("scheduledPolicies".into(), json!([]));
    for (k, v) in config {
        out.insert(k.clone(), v.clone());
    }
    let min = config
        .get("minInstances")
        .and_then(util::as_int)
        .unwrap_or(0);
    out.insert("currentInstances".into(), json!(min));
    out.insert("targetInstances".into(), json!(min));
    out.insert("currentError".into(), json!(""));
    Value::Object(out)
}

pub(crate) async fn put_scaling(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let qualifier = ctx.qualifier();
    let mut config = Object::new();
    if let Some(v) = check_range(&body, "minInstances", 0, 10_000)? {
        config.insert("minInstances".into(), json!(v));
    }
    for key in ["residentPoolId", "requestDispatchPolicy"] {
        if let Some(v) = opt_str(&body, key)? {
            config.insert(key.into(), json!(v));
        }
    }
    for key in ["enableMixMode", "enableOnDemandScaling"] {
        if let Some(v) = opt_bool(&body, key)? {
            config.insert(key.into(), json!(v));
        }
    }
    check_list(&body, "horizontalScalingPolicies", &[])?;
    check_list(&body, "scheduledPolicies", &[])?;
    for key in ["horizontalScalingPolicies", "scheduledPolicies"] {
        if let Some(v) = field(&body, key) {
            config.insert(key.into(), v.clone());
        }
    }
    let stored = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            check_qualifier(record, name, &qualifier)?;
            if record
                .provision_configs
                .get(&qualifier)
                .is_some_and(|p| provision_target(p) > 0)
            {
                return Err(ApiError::new(
                    409,
                    "ProvisionConfigExist",
                    format!("function '{name}' (qualifier '{qualifier}') has a provision config; delete it before putting a scaling config"),
                ));
            }
            record
                .scaling_configs
                .insert(qualifier.clone(), config.clone());
            Ok(config)
        })
        .await?;
    Ok(Reply::json(&render_scaling(ctx, name, &qualifier, &stored)))
}

pub(crate) async fn get_scaling(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let config = ctx
        .read(|ns| Ok(function(ns, name)?.scaling_configs.get(&qualifier).cloned()))
        .await?;
    Ok(Reply::json(&match config {
        Some(c) => render_scaling(ctx, name, &qualifier, &c),
        None => json!({}),
    }))
}

pub(crate) async fn delete_scaling(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    ctx.write(|ns| {
        function_mut(ns, name)?.scaling_configs.remove(&qualifier);
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_scaling(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    list_configs(
        ctx,
        "scalingConfigs",
        |r| {
            r.scaling_configs
                .iter()
                .map(|(q, c)| (q.clone(), c.clone()))
                .collect()
        },
        render_scaling,
    )
    .await
}

// --- VPC bindings ------------------------------------------------------------------------------

pub(crate) async fn create_vpc_binding(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let vpc = req_str(&body, "vpcId")?.to_owned();
    ctx.write(|ns| {
        let record = function_mut(ns, name)?;
        if !record.vpc_bindings.contains(&vpc) {
            record.vpc_bindings.push(vpc);
        }
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_vpc_bindings(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let ids = ctx
        .read(|ns| Ok(function(ns, name)?.vpc_bindings.clone()))
        .await?;
    Ok(Reply::json(&json!({"vpcIds": ids})))
}

pub(crate) async fn delete_vpc_binding(
    ctx: &Ctx<'_>,
    name: &str,
    vpc: &str,
) -> Result<Reply, ApiError> {
    ctx.write(|ns| {
        let record = function_mut(ns, name)?;
        let before = record.vpc_bindings.len();
        record.vpc_bindings.retain(|v| v != vpc);
        if record.vpc_bindings.len() == before {
            return Err(ApiError::new(
                404,
                "VpcBindingNotFound",
                format!("function '{name}' is not bound to VPC '{vpc}'"),
            ));
        }
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

// --- tags --------------------------------------------------------------------------------------

/// Checks one tag (fc-api.md §12).
pub(crate) fn check_tag(key: &str, value: &str) -> Result<(), ApiError> {
    let lower = key.to_ascii_lowercase();
    if key.is_empty()
        || key.chars().count() > 64
        || lower.starts_with("aliyun")
        || lower.starts_with("acs:")
        || lower.contains("http://")
        || lower.contains("https://")
    {
        return Err(ApiError::invalid(format!(
            "invalid tag key '{key}': 1-64 characters, not starting with 'aliyun' or 'acs:', without http:// or https://"
        )));
    }
    if value.chars().count() > 128 {
        return Err(ApiError::invalid(format!(
            "the value of tag '{key}' is longer than 128 characters"
        )));
    }
    Ok(())
}

/// The function a tag resource id names: a function ARN (`acs:fc:<region>:<account>:functions/<name>`)
/// or a bare function name; returns (region, name).
fn resource(ctx: &Ctx<'_>, id: &str) -> Result<(String, String), ApiError> {
    if let Some(rest) = id.strip_prefix("acs:fc:") {
        let parts: Vec<&str> = rest.splitn(3, ':').collect();
        if let [region, _account, resource] = parts.as_slice()
            && let Some(name) = resource.strip_prefix("functions/")
        {
            let region = if region.is_empty() {
                ctx.region.as_str()
            } else {
                region
            };
            return Ok((region.to_owned(), name.to_owned()));
        }
        return Err(ApiError::invalid(format!(
            "resource id '{id}' is not a function ARN"
        )));
    }
    Ok((ctx.region.clone(), id.to_owned()))
}

fn resource_ids(values: &[Value]) -> Result<Vec<String>, ApiError> {
    values
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| ApiError::invalid("ResourceId must be a list of strings"))
        })
        .collect()
}

fn check_resource_type(kind: Option<&str>) -> Result<(), ApiError> {
    match kind {
        None | Some("") => Ok(()),
        Some(k)
            if k.eq_ignore_ascii_case("function")
                || k.eq_ignore_ascii_case("ALIYUN::FC::FUNCTION") =>
        {
            Ok(())
        }
        Some(k) => Err(ApiError::invalid(format!(
            "ResourceType '{k}' is not supported (only function)"
        ))),
    }
}

pub(crate) async fn tag_resources(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    check_resource_type(opt_str(&body, "ResourceType")?)?;
    let ids = match field(&body, "ResourceId") {
        Some(Value::Array(items)) => resource_ids(items)?,
        Some(Value::String(s)) => vec![s.clone()],
        _ => return Err(ApiError::invalid("ResourceId is required but not provided")),
    };
    let Some(Value::Array(tags)) = field(&body, "Tag") else {
        return Err(ApiError::invalid("Tag is required but not provided"));
    };
    if tags.len() > 20 {
        return Err(ApiError::invalid("at most 20 tags per request"));
    }
    let mut pairs = Vec::new();
    for tag in tags {
        let key = tag.get("Key").and_then(Value::as_str).unwrap_or("");
        let value = tag.get("Value").and_then(Value::as_str).unwrap_or("");
        check_tag(key, value)?;
        pairs.push((key.to_owned(), value.to_owned()));
    }
    let targets = ids
        .iter()
        .map(|id| resource(ctx, id))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.write_state(|state| {
        for (region, name) in &targets {
            let record = function_mut(state.ns_mut(region), name)?;
            let mut tags: Vec<Value> = record
                .config
                .get("tags")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (key, value) in &pairs {
                tags.retain(|t| t.get("Key").and_then(Value::as_str) != Some(key));
                tags.push(json!({"Key": key, "Value": value}));
            }
            record.config.insert("tags".into(), Value::Array(tags));
        }
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn untag_resources(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    check_resource_type(ctx.q("ResourceType"))?;
    let ids = resource_ids(&util::query_list(&ctx.query, "ResourceId"))?;
    if ids.is_empty() {
        return Err(ApiError::invalid("ResourceId is required but not provided"));
    }
    let all = util::query_bool(&ctx.query, "All")?.unwrap_or(false);
    let keys: Vec<String> = util::query_list(&ctx.query, "TagKey")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let targets = ids
        .iter()
        .map(|id| resource(ctx, id))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.write_state(|state| {
        for (region, name) in &targets {
            let record = function_mut(state.ns_mut(region), name)?;
            let mut tags: Vec<Value> = record
                .config
                .get("tags")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            tags.retain(|t| {
                !all && !keys
                    .iter()
                    .any(|k| t.get("Key").and_then(Value::as_str) == Some(k))
            });
            if tags.is_empty() {
                record.config.remove("tags");
            } else {
                record.config.insert("tags".into(), Value::Array(tags));
            }
        }
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_tag_resources(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    check_resource_type(ctx.q("ResourceType"))?;
    let limit = util::limit(&ctx.query, "Limit", 20, 100)?;
    let token = ctx.q("NextToken").map(str::to_owned);
    let ids = resource_ids(&util::query_list(&ctx.query, "ResourceId"))?;
    let wanted = util::query_list(&ctx.query, "Tag");
    let targets = ids
        .iter()
        .map(|id| resource(ctx, id))
        .collect::<Result<Vec<_>, _>>()?;
    let region = ctx.region.clone();
    let account = ctx.account().to_owned();
    let items: Vec<(String, Value)> = {
        let store = ctx.shared.store.lock().await;
        let mut items = Vec::new();
        let mut visit = |region: &str, name: &str, record: &FunctionRecord| {
            let arn = util::function_arn(region, &account, name);
            let tags = record.config.get("tags").and_then(Value::as_array);
            for tag in tags.into_iter().flatten() {
                let key = tag.get("Key").and_then(Value::as_str).unwrap_or("");
                let value = tag.get("Value").and_then(Value::as_str).unwrap_or("");
                let matches = wanted.is_empty()
                    || wanted.iter().any(|w| {
                        w.get("Key").and_then(Value::as_str) == Some(key)
                            && w.get("Value")
                                .and_then(Value::as_str)
                                .is_none_or(|v| v == value)
                    });
                if matches {
                    items.push((
                        format!("{arn}\u{0}{key}"),
                        json!({"ResourceId": arn, "ResourceType": "function", "TagKey": key, "TagValue": value}),
                    ));
                }
            }
        };
        if targets.is_empty() {
            if let Some(ns) = store.state.regions.get(&region) {
                for (name, record) in &ns.functions {
                    visit(&region, name, record);
                }
            }
        } else {
            for (r, name) in &targets {
                let record = store
                    .state
                    .regions
                    .get(r)
                    .and_then(|ns| ns.functions.get(name))
                    .ok_or_else(|| ApiError::function_not_found(name))?;
                visit(r, name, record);
            }
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items
    };
    let (page, next) = util::paginate(items, token.as_deref(), limit);
    let mut body = Map::new();
    body.insert("TagResources".into(), Value::Array(page));
    body.insert("RequestId".into(), json!(ctx.request_id));
    if let Some(next) = next {
        body.insert("NextToken".into(), json!(next));
    }
    Ok(Reply::json(&Value::Object(body)))
}
