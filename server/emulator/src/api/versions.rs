//! Versions and aliases (fc-api.md §6): PublishFunctionVersion snapshots LATEST (config and code
//! checksum) under ids `1`, `2`, … never reused; ListFunctionVersions pages BACKWARD (default) or
//! FORWARD; DeleteFunctionVersion is refused while an alias uses the version. Aliases point at a
//! main version with at most one additional version weighted in [0, 1] (never the main one,
//! `400 AdditionalVersionContainsMajorVersion`); updates are partial and `{}` clears the canary.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::functions::{function, function_mut};
use super::util::{self, field, opt_str, req_str};
use super::{Ctx, Reply};
use crate::store::{FunctionRecord, Object, VersionRecord};

/// The version an alias sends one request to: its additional version with that version's weight
/// (when `random` is given), else its main version.
pub(crate) fn route_alias(alias: &Object, random: Option<&dyn Fn() -> f64>) -> String {
    let main = alias
        .get("versionId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(random) = random else {
        return main;
    };
    if let Some(Value::Object(weights)) = alias.get("additionalVersionWeight")
        && let Some((version, weight)) = weights.iter().next()
    {
        let w = weight.as_f64().unwrap_or(0.0);
        if w > 0.0 && random() < w {
            return version.clone();
        }
    }
    main
}

fn version_json(id: u64, v: &VersionRecord) -> Value {
    json!({
        "versionId": id.to_string(),
        "description": v.description,
        "createdTime": v.created_time,
        "lastModifiedTime": v.last_modified_time,
    })
}

pub(crate) async fn publish(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let description = opt_str(&body, "description")?.unwrap_or("").to_owned();
    let out = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            let id = record.next_version.max(1);
            let now = util::timestamp();
            let version = VersionRecord {
                description,
                created_time: now.clone(),
                last_modified_time: now,
                config: record.config.clone(),
            };
            let out = version_json(id, &version);
            record.versions.insert(id, version);
            record.next_version = id + 1;
            Ok(out)
        })
        .await?;
    Ok(Reply::json(&out))
}

pub(crate) async fn list(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let direction = match ctx.q("direction").filter(|d| !d.is_empty()) {
        None => "BACKWARD",
        Some(d) if d.eq_ignore_ascii_case("BACKWARD") => "BACKWARD",
        Some(d) if d.eq_ignore_ascii_case("FORWARD") => "FORWARD",
        Some(d) => {
            return Err(ApiError::invalid(format!(
                "direction must be BACKWARD or FORWARD, got '{d}'"
            )));
        }
    };
    let token = match ctx.q("nextToken").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| {
            ApiError::invalid(format!("nextToken must be a version id, got '{t}'"))
        })?),
    };
    let versions: Vec<(u64, Value)> = ctx
        .read(|ns| {
            let record = function(ns, name)?;
            Ok(record
                .versions
                .iter()
                .map(|(id, v)| (*id, version_json(*id, v)))
                .collect())
        })
        .await?;
    let ordered: Box<dyn Iterator<Item = (u64, Value)>> = if direction == "BACKWARD" {
        Box::new(
            versions
                .into_iter()
                .rev()
                .filter(move |(id, _)| token.is_none_or(|t| *id <= t)),
        )
    } else {
        Box::new(
            versions
                .into_iter()
                .filter(move |(id, _)| token.is_none_or(|t| *id >= t)),
        )
    };
    let mut page = Vec::new();
    let mut next = None;
    for (id, v) in ordered {
        if page.len() == limit {
            next = Some(id.to_string());
            break;
        }
        page.push(v);
    }
    let mut body = Map::new();
    body.insert("versions".into(), Value::Array(page));
    body.insert("direction".into(), json!(direction));
    Ok(Reply::json(&util::with_token(body, next)))
}

pub(crate) async fn delete(ctx: &Ctx<'_>, name: &str, version: &str) -> Result<Reply, ApiError> {
    if version == "LATEST" {
        return Err(ApiError::invalid("LATEST cannot be deleted"));
    }
    ctx.write(|ns| {
        let record = function_mut(ns, name)?;
        let id = version
            .parse::<u64>()
            .ok()
            .filter(|id| record.versions.contains_key(id))
            .ok_or_else(|| ApiError::version_not_found(name, version))?;
        if let Some(alias) = aliases_using(record, version).first() {
            return Err(ApiError::invalid(format!(
                "version '{version}' of function '{name}' is used by alias '{alias}'; update or delete the alias first"
            )));
        }
        record.versions.remove(&id);
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

/// Aliases that route to `version` (as main or additional version).
fn aliases_using(record: &FunctionRecord, version: &str) -> Vec<String> {
    record
        .aliases
        .iter()
        .filter(|(_, a)| {
            a.get("versionId").and_then(Value::as_str) == Some(version)
                || a.get("additionalVersionWeight")
                    .and_then(Value::as_object)
                    .is_some_and(|w| w.contains_key(version))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn check_alias_name(name: &str) -> Result<(), ApiError> {
    util::check_name("alias name", name, 128)?;
    if name == "LATEST" {
        return Err(ApiError::invalid("alias name 'LATEST' is reserved"));
    }
    Ok(())
}

/// Checks an alias's main version and weights against the function's versions.
fn check_alias(record: &FunctionRecord, function: &str, alias: &Object) -> Result<(), ApiError> {
    let main = alias
        .get("versionId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let exists = |v: &str| {
        v.parse::<u64>()
            .ok()
            .is_some_and(|id| record.versions.contains_key(&id))
    };
    if !exists(main) {
        return Err(ApiError::version_not_found(function, main));
    }
    let Some(weights) = alias.get("additionalVersionWeight") else {
        return Ok(());
    };
    let Value::Object(weights) = weights else {
        return Err(ApiError::invalid(
            "additionalVersionWeight must be an object of version id to weight",
        ));
    };
    if weights.len() > 1 {
        return Err(ApiError::invalid(
            "additionalVersionWeight may name at most one additional version",
        ));
    }
    for (version, weight) in weights {
        if version == main {
            return Err(ApiError::new(
                400,
                "AdditionalVersionContainsMajorVersion",
                format!("additionalVersionWeight contains the main version '{main}'"),
            ));
        }
        let w = weight.as_f64().ok_or_else(|| {
            ApiError::invalid(format!(
                "the weight of version '{version}' must be a number"
            ))
        })?;
        if !(0.0..=1.0).contains(&w) {
            return Err(ApiError::invalid(format!(
                "the weight of version '{version}' must be between 0 and 1, got {w}"
            )));
        }
        if !exists(version) {
            return Err(ApiError::version_not_found(function, version));
        }
    }
    Ok(())
}

fn alias_json(alias: &Object) -> Value {
    let mut out = Map::new();
    out.insert("additionalVersionWeight".into(), json!({}));
    out.insert("description".into(), json!(""));
    for (k, v) in alias {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

pub(crate) async fn create_alias(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let alias_name = req_str(&body, "aliasName")?.to_owned();
    check_alias_name(&alias_name)?;
    let version = req_str(&body, "versionId")?.to_owned();
    let mut alias = Object::new();
    alias.insert("aliasName".into(), json!(alias_name));
    alias.insert("versionId".into(), json!(version));
    if let Some(w) = field(&body, "additionalVersionWeight") {
        alias.insert("additionalVersionWeight".into(), w.clone());
    }
    alias.insert(
        "description".into(),
        json!(opt_str(&body, "description")?.unwrap_or("")),
    );
    let out = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            if record.aliases.contains_key(&alias_name) {
                return Err(ApiError::new(
                    409,
                    "AliasAlreadyExists",
                    format!("alias '{alias_name}' of function '{name}' already exists"),
                ));
            }
            check_alias(record, name, &alias)?;
            let now = util::timestamp();
            alias.insert("createdTime".into(), json!(now));
            alias.insert("lastModifiedTime".into(), json!(now));
            let out = alias_json(&alias);
            record.aliases.insert(alias_name, alias);
            Ok(out)
        })
        .await?;
    Ok(Reply::json(&out))
}

pub(crate) async fn get_alias(ctx: &Ctx<'_>, name: &str, alias: &str) -> Result<Reply, ApiError> {
    let out = ctx
        .read(|ns| {
            function(ns, name)?
                .aliases
                .get(alias)
                .map(alias_json)
                .ok_or_else(|| ApiError::alias_not_found(name, alias))
        })
        .await?;
    Ok(Reply::json(&out))
}

pub(crate) async fn update_alias(
    ctx: &Ctx<'_>,
    name: &str,
    alias_name: &str,
) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let version = opt_str(&body, "versionId")?.map(str::to_owned);
    let description = opt_str(&body, "description")?.map(str::to_owned);
    let weights = field(&body, "additionalVersionWeight").cloned();
    let out = ctx
        .write(|ns| {
            let record = function_mut(ns, name)?;
            let mut alias = record
                .aliases
                .get(alias_name)
                .cloned()
                .ok_or_else(|| ApiError::alias_not_found(name, alias_name))?;
            if let Some(v) = version {
                alias.insert("versionId".into(), json!(v));
            }
            if let Some(d) = description {
                alias.insert("description".into(), json!(d));
            }
            if let Some(w) = weights {
                alias.insert("additionalVersionWeight".into(), w);
            }
            check_alias(record, name, &alias)?;
            alias.insert("lastModifiedTime".into(), json!(util::timestamp()));
            let out = alias_json(&alias);
            record.aliases.insert(alias_name.to_owned(), alias);
            Ok(out)
        })
        .await?;
    Ok(Reply::json(&out))
}

pub(crate) async fn delete_alias(
    ctx: &Ctx<'_>,
    name: &str,
    alias: &str,
) -> Result<Reply, ApiError> {
    ctx.write(|ns| {
        function_mut(ns, name)?
            .aliases
            .remove(alias)
            .map(|_| ())
            .ok_or_else(|| ApiError::alias_not_found(name, alias))
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list_aliases(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let prefix = ctx.q("prefix").unwrap_or("").to_owned();
    let token = ctx.q("nextToken").map(str::to_owned);
    let aliases: Vec<(String, Value)> = ctx
        .read(|ns| {
            Ok(function(ns, name)?
                .aliases
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(n, a)| (n.clone(), alias_json(a)))
                .collect())
        })
        .await?;
    let (page, next) = util::paginate(aliases, token.as_deref(), limit);
    let mut body = Map::new();
    body.insert("aliases".into(), Value::Array(page));
    Ok(Reply::json(&util::with_token(body, next)))
}
