//! Triggers (fc-api.md §5): `triggerConfig` is JSON *text*, stored and returned as the string it
//! was given; HTTP triggers get `httpTrigger.urlInternet` / `urlIntranet` pointing back at the
//! emulator (`http://127.0.0.1:PORT/http/<region>/<function>/<trigger>`, the intranet URL with
//! `<region>-vpc`); updates accept only description, invocationRole, qualifier and
//! triggerConfig; at most 50 triggers per function.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::functions::{function, function_mut};
use super::util::{self, field, opt_str, req_str};
use super::{Ctx, Reply};
use crate::store::Object;

pub(crate) const TRIGGER_TYPES: &[&str] = &[
    "oss",
    "log",
    "timer",
    "http",
    "tablestore",
    "cdn_events",
    "mns_topic",
    "eventbridge",
];
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];
const MAX_TRIGGERS: usize = 50;

/// Parses and checks a `triggerConfig` for `trigger_type`.
fn check_config(trigger_type: &str, config: Option<&Value>) -> Result<Option<String>, ApiError> {
    let text = match config {
        None => {
            return if trigger_type == "tablestore" {
                Ok(None)
            } else {
                Err(ApiError::invalid(
                    "triggerConfig is required but not provided",
                ))
            };
        }
        Some(Value::String(text)) => text.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "triggerConfig must be a string holding JSON (e.g. \"{\\\"authType\\\":\\\"anonymous\\\"}\")",
            ));
        }
    };
    if text.trim().is_empty() && trigger_type == "tablestore" {
        return Ok(Some(text));
    }
    let parsed: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::invalid(format!("triggerConfig is not valid JSON: {e}")))?;
    let Value::Object(parsed) = parsed else {
        return Err(ApiError::invalid("triggerConfig must hold a JSON object"));
    };
    if trigger_type == "http" {
        if let Some(auth) = parsed.get("authType").filter(|v| !v.is_null()) {
            let auth = auth.as_str().unwrap_or_default();
            if !["anonymous", "function", "jwt"].contains(&auth) {
                return Err(ApiError::invalid(format!(
                    "triggerConfig.authType must be anonymous, function or jwt, got '{auth}'"
                )));
            }
        }
        if let Some(methods) = parsed.get("methods").filter(|v| !v.is_null()) {
            let Some(methods) = methods.as_array() else {
                return Err(ApiError::invalid("triggerConfig.methods must be an array"));
            };
            for m in methods {
                let m = m.as_str().unwrap_or_default();
                if !HTTP_METHODS.contains(&m.to_ascii_uppercase().as_str()) {
                    return Err(ApiError::invalid(format!(
                        "triggerConfig.methods: '{m}' is not one of {}",
                        HTTP_METHODS.join(", ")
                    )));
                }
            }
        }
    }
    Ok(Some(text))
}

/// The emulator's URLs of an HTTP trigger: (internet, intranet).
pub(crate) fn http_urls(ctx: &Ctx<'_>, function: &str, trigger: &str) -> (String, String) {
    let f = fc::sign::percent_encode_str(function);
    let t = fc::sign::percent_encode_str(trigger);
    let base = &ctx.shared.base_url;
    let region = &ctx.region;
    (
        format!("{base}/http/{region}/{f}/{t}"),
        format!("{base}/http/{region}-vpc/{f}/{t}"),
    )
}

fn render(ctx: &Ctx<'_>, function: &str, trigger: &Object) -> Value {
    let mut out = trigger.clone();
    let name = trigger
        .get("triggerName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let qualifier = trigger
        .get("qualifier")
        .and_then(Value::as_str)
        .unwrap_or("LATEST");
    let arn = ctx.arn(function);
    let target = if qualifier == "LATEST" {
        arn
    } else {
        format!("{arn}/{qualifier}")
    };
    out.insert("targetArn".into(), json!(target));
    if trigger.get("triggerType").and_then(Value::as_str) == Some("http") {
        let (internet, intranet) = http_urls(ctx, function, name);
        out.insert(
            "httpTrigger".into(),
            json!({"urlInternet": internet, "urlIntranet": intranet}),
        );
    }
    Value::Object(out)
}

pub(crate) async fn create(ctx: &Ctx<'_>, function_name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let name = req_str(&body, "triggerName")?.to_owned();
    util::check_name("trigger name", &name, 128)?;
    let trigger_type = req_str(&body, "triggerType")?.to_owned();
    if !TRIGGER_TYPES.contains(&trigger_type.as_str()) {
        return Err(ApiError::invalid(format!(
            "triggerType must be one of {}, got '{trigger_type}'",
            TRIGGER_TYPES.join(", ")
        )));
    }
    let config = check_config(&trigger_type, field(&body, "triggerConfig"))?;
    let mut trigger = Object::new();
    trigger.insert("triggerName".into(), json!(name));
    trigger.insert("triggerType".into(), json!(trigger_type));
    if let Some(config) = config {
        trigger.insert("triggerConfig".into(), json!(config));
    }
    trigger.insert(
        "qualifier".into(),
        json!(
            opt_str(&body, "qualifier")?
                .filter(|q| !q.is_empty())
                .unwrap_or("LATEST")
        ),
    );
    trigger.insert(
        "description".into(),
        json!(opt_str(&body, "description")?.unwrap_or("")),
    );
    for key in ["sourceArn", "invocationRole"] {
        if let Some(v) = opt_str(&body, key)? {
            trigger.insert(key.into(), json!(v));
        }
    }
    let stored = ctx
        .write(|ns| {
            let record = function_mut(ns, function_name)?;
            if record.triggers.contains_key(&name) {
                return Err(ApiError::new(
                    409,
                    "TriggerAlreadyExists",
                    format!("trigger '{name}' of function '{function_name}' already exists"),
                ));
            }
            if record.triggers.len() >= MAX_TRIGGERS {
                return Err(ApiError::new(
                    400,
                    "LimitExceeded",
                    format!("function '{function_name}' already has {MAX_TRIGGERS} triggers"),
                ));
            }
            let now = util::timestamp();
            trigger.insert("triggerId".into(), json!(uuid::Uuid::new_v4().to_string()));
            trigger.insert("createdTime".into(), json!(now));
            trigger.insert("lastModifiedTime".into(), json!(now));
            trigger.insert("status".into(), json!("Enabled"));
            record.triggers.insert(name.clone(), trigger.clone());
            Ok(trigger)
        })
        .await?;
    Ok(Reply::json(&render(ctx, function_name, &stored)))
}

fn not_found(function: &str, trigger: &str) -> ApiError {
    ApiError::new(
        404,
        "TriggerNotFound",
        format!("trigger '{trigger}' of function '{function}' does not exist"),
    )
}

pub(crate) async fn get(ctx: &Ctx<'_>, function_name: &str, name: &str) -> Result<Reply, ApiError> {
    let trigger = ctx
        .read(|ns| {
            function(ns, function_name)?
                .triggers
                .get(name)
                .cloned()
                .ok_or_else(|| not_found(function_name, name))
        })
        .await?;
    Ok(Reply::json(&render(ctx, function_name, &trigger)))
}

pub(crate) async fn update(
    ctx: &Ctx<'_>,
    function_name: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let stored = ctx
        .write(|ns| {
            let record = function_mut(ns, function_name)?;
            let mut trigger = record
                .triggers
                .get(name)
                .cloned()
                .ok_or_else(|| not_found(function_name, name))?;
            for key in ["triggerType", "sourceArn"] {
                if let Some(v) = field(&body, key)
                    && trigger.get(key) != Some(v)
                {
                    return Err(ApiError::invalid(format!(
                        "{key} cannot be changed by UpdateTrigger; delete and re-create the trigger"
                    )));
                }
            }
            let trigger_type = trigger
                .get("triggerType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(config) = field(&body, "triggerConfig")
                && let Some(text) = check_config(&trigger_type, Some(config))?
            {
                trigger.insert("triggerConfig".into(), json!(text));
            }
            for key in ["description", "invocationRole", "qualifier"] {
                if let Some(v) = opt_str(&body, key)? {
                    let v = if key == "qualifier" && v.is_empty() {
                        "LATEST"
                    } else {
                        v
                    };
                    trigger.insert(key.into(), json!(v));
                }
            }
            trigger.insert("lastModifiedTime".into(), json!(util::timestamp()));
            record.triggers.insert(name.to_owned(), trigger.clone());
            Ok(trigger)
        })
        .await?;
    Ok(Reply::json(&render(ctx, function_name, &stored)))
}

pub(crate) async fn delete(
    ctx: &Ctx<'_>,
    function_name: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    ctx.write(|ns| {
        function_mut(ns, function_name)?
            .triggers
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found(function_name, name))
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list(ctx: &Ctx<'_>, function_name: &str) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let prefix = ctx.q("prefix").unwrap_or("").to_owned();
    let token = ctx.q("nextToken").map(str::to_owned);
    let triggers: Vec<(String, Object)> = ctx
        .read(|ns| {
            Ok(function(ns, function_name)?
                .triggers
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(n, t)| (n.clone(), t.clone()))
                .collect())
        })
        .await?;
    let (page, next) = util::paginate(triggers, token.as_deref(), limit);
    let mut body = Map::new();
    body.insert(
        "triggers".into(),
        Value::Array(page.iter().map(|t| render(ctx, function_name, t)).collect()),
    );
    Ok(Reply::json(&util::with_token(body, next)))
}
