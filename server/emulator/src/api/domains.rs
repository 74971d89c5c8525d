//! Custom domains (fc-api.md §13.1): create/get/update/delete/list with `409
//! DomainNameAlreadyExists` / `404 DomainNameNotFound`; updates replace each sent top-level field
//! (so `routeConfig` as a whole); no DNS checks; reads never return `certConfig.privateKey`.
//! Requests to a domain are served by `api::invoke::custom_domain`.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::util::{self, field, opt_str, req_str};
use super::{Ctx, Reply};
use crate::store::Object;

/// Fields Create/UpdateCustomDomain store, with whether they must be objects.
const FIELDS: &[&str] = &[
    "routeConfig",
    "certConfig",
    "tlsConfig",
    "wafConfig",
    "authConfig",
    "corsConfig",
];

fn check_domain_name(name: &str) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.contains('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*'));
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("invalid domain name '{name}'")))
    }
}

fn apply(domain: &mut Object, body: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(protocol) = opt_str(body, "protocol")? {
        if !["HTTP", "HTTPS", "HTTP,HTTPS"].contains(&protocol) {
            return Err(ApiError::invalid(format!(
                "protocol must be HTTP, HTTPS or HTTP,HTTPS, got '{protocol}'"
            )));
        }
        domain.insert("protocol".into(), json!(protocol));
    }
    for key in FIELDS {
        if let Some(value) = field(body, key) {
            if !value.is_object() {
                return Err(ApiError::invalid(format!("{key} must be an object")));
            }
            domain.insert((*key).to_owned(), value.clone());
        }
    }
    if let Some(Value::Object(route_config)) = domain.get("routeConfig") {
        let routes = match route_config.get("routes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(routes)) => routes.clone(),
            Some(_) => return Err(ApiError::invalid("routeConfig.routes must be an array")),
        };
        for route in &routes {
            let path = route.get("path").and_then(Value::as_str).unwrap_or("");
            if !path.starts_with('/') {
                return Err(ApiError::invalid(format!(
                    "routeConfig.routes: path '{path}' must start with '/'"
                )));
            }
            if route
                .get("functionName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::invalid(format!(
                    "routeConfig.routes: the route of path '{path}' needs a functionName"
                )));
            }
            check_rewrites(path, route.get("rewriteConfig"))?;
        }
    }
    if let Some(Value::Object(cert)) = domain.get("certConfig") {
        let filled: Vec<bool> = ["certName", "certificate", "privateKey"]
            .iter()
            .map(|k| {
                cert.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
            .collect();
        if filled.iter().any(|f| *f) && !filled.iter().all(|f| *f) {
            return Err(ApiError::invalid(
                "certConfig needs certName, certificate and privateKey together",
            ));
        }
    }
    Ok(())
}

/// Every rewrite rule needs `match` and `replacement` (fc-api.md §13.1); regex rules must
/// compile.
fn check_rewrites(path: &str, config: Option<&Value>) -> Result<(), ApiError> {
    let Some(config) = config.filter(|c| !c.is_null()) else {
        return Ok(());
    };
    for kind in ["equalRules", "wildcardRules", "regexRules"] {
        let rules = match config.get(kind) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(rules)) => rules,
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "rewriteConfig.{kind} of path '{path}' must be an array"
                )));
            }
        };
        for rule in rules {
            let (Some(m), Some(_)) = (
                rule.get("match").and_then(Value::as_str),
                rule.get("replacement").and_then(Value::as_str),
            ) else {
                return Err(ApiError::invalid(format!(
                    "every rule of rewriteConfig.{kind} (path '{path}') needs match and replacement"
                )));
            };
            if kind == "regexRules"
                && let Err(e) = regex::Regex::new(m)
            {
                return Err(ApiError::invalid(format!(
                    "rewriteConfig.regexRules of path '{path}': '{m}' is not a valid regular expression: {e}"
                )));
            }
        }
    }
    Ok(())
}

/// The domain as reads return it.
fn render(domain: &Object) -> Value {
    let mut out = domain.clone();
    if let Some(Value::Object(cert)) = out.get_mut("certConfig") {
        cert.remove("privateKey");
    }
    Value::Object(out)
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "DomainNameNotFound",
        format!("domain name '{name}' does not exist"),
    )
}

pub(crate) async fn create(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let name = req_str(&body, "domainName")?.to_ascii_lowercase();
    check_domain_name(&name)?;
    let mut domain = Object::new();
    domain.insert("domainName".into(), json!(name));
    domain.insert("protocol".into(), json!("HTTP"));
    domain.insert("routeConfig".into(), json!({"routes": []}));
    apply(&mut domain, &body)?;
    let account = ctx.account().to_owned();
    let stored = ctx
        .write(|ns| {
            if ns.custom_domains.contains_key(&name) {
                return Err(ApiError::new(
                    409,
                    "DomainNameAlreadyExists",
                    format!("domain name '{name}' already exists"),
                ));
            }
            let now = util::timestamp();
            domain.insert("accountId".into(), json!(account));
            domain.insert("apiVersion".into(), json!("2023-03-30"));
            domain.insert("subdomainCount".into(), json!("1"));
            domain.insert("createdTime".into(), json!(now));
            domain.insert("lastModifiedTime".into(), json!(now));
            ns.custom_domains.insert(name.clone(), domain.clone());
            Ok(domain)
        })
        .await?;
    Ok(Reply::json(&render(&stored)))
}

pub(crate) async fn get(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let name = name.to_ascii_lowercase();
    let domain = ctx
        .read(|ns| {
            ns.custom_domains
                .get(&name)
                .cloned()
                .ok_or_else(|| not_found(&name))
        })
        .await?;
    Ok(Reply::json(&render(&domain)))
}

pub(crate) async fn update(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let name = name.to_ascii_lowercase();
    let stored = ctx
        .write(|ns| {
            let mut domain = ns
                .custom_domains
                .get(&name)
                .cloned()
                .ok_or_else(|| not_found(&name))?;
            apply(&mut domain, &body)?;
            domain.insert("lastModifiedTime".into(), json!(util::timestamp()));
            ns.custom_domains.insert(name.clone(), domain.clone());
            Ok(domain)
        })
        .await?;
    Ok(Reply::json(&render(&stored)))
}

pub(crate) async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let name = name.to_ascii_lowercase();
    ctx.write(|ns| {
        ns.custom_domains
            .remove(&name)
            .map(|_| ())
            .ok_or_else(|| not_found(&name))
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let prefix = ctx.q("prefix").unwrap_or("").to_owned();
    let token = ctx.q("nextToken").map(str::to_owned);
    let domains: Vec<(String, Value)> = ctx
        .read(|ns| {
            Ok(ns
                .custom_domains
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(n, d)| (n.clone(), render(d)))
                .collect())
        })
        .await?;
    let (page, next) = util::paginate(domains, token.as_deref(), limit);
    let mut body = Map::new();
    body.insert("customDomains".into(), Value::Array(page));
    Ok(Reply::json(&util::with_token(body, next)))
}
