//! Functions (fc-api.md §4): CreateFunction, GetFunction (with `qualifier`), UpdateFunction
//! (partial: omitted keys unchanged, present keys replace the stored value wholesale), DeleteFunction
//! (refused while triggers or a provision target exist), ListFunctions (prefix, filters,
//! pagination), GetFunctionCode (a URL served by the emulator); inline code is Base64-decoded,
//! checked to be a ZIP, checksummed with CRC-64/XZ and stored by checksum. Validation follows §4.1
//! and §12 (`400 InvalidArgument` with a readable message).

use base64::Engine;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::util::{self, as_int, field, opt_str, req_str};
use super::{Ctx, Reply};
use crate::store::{self, FunctionRecord, Namespace, Object};

/// Runtimes CreateFunction accepts (SDK 4.8.3 doc, plus fc3's `micro-sandbox` and FC 2.0
/// leftovers).
pub(crate) const RUNTIMES: &[&str] = &[
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "go1",
    "python3",
    "python3.9",
    "python3.10",
    "python3.12",
    "java8",
    "java11",
    "php7.2",
    "dotnetcore3.1",
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
    "custom-container",
    "micro-sandbox",
    "nodejs8",
    "nodejs10",
    "python2.7",
    "dotnetcore2.1",
];

/// The JSON type a function field must have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Num,
    Bool,
    Obj,
    StrMap,
    StrList,
}

/// Fields CreateFunction and UpdateFunction store (`code`, `functionName`, `tags` are handled
/// apart; `resourceGroupId` only on create).
const FIELDS: &[(&str, Kind)] = &[
    ("runtime", Kind::Str),
    ("handler", Kind::Str),
    ("description", Kind::Str),
    ("role", Kind::Str),
    ("cpu", Kind::Num),
    ("memorySize", Kind::Int),
    ("diskSize", Kind::Int),
    ("timeout", Kind::Int),
    ("instanceConcurrency", Kind::Int),
    ("internetAccess", Kind::Bool),
    ("environmentVariables", Kind::StrMap),
    ("layers", Kind::StrList),
    ("logConfig", Kind::Obj),
    ("vpcConfig", Kind::Obj),
    ("nasConfig", Kind::Obj),
    ("ossMountConfig", Kind::Obj),
    ("polarFsConfig", Kind::Obj),
    ("juiceFsConfig", Kind::Obj),
    ("tracingConfig", Kind::Obj),
    ("customRuntimeConfig", Kind::Obj),
    ("customContainerConfig", Kind::Obj),
    ("customDNS", Kind::Obj),
    ("gpuConfig", Kind::Obj),
    ("instanceLifecycleConfig", Kind::Obj),
    ("microSandboxConfig", Kind::Obj),
    ("instanceIsolationMode", Kind::Str),
    ("sessionAffinity", Kind::Str),
    ("sessionAffinityConfig", Kind::Str),
    ("disableOndemand", Kind::Bool),
    ("disableInjectCredentials", Kind::Str),
    ("enableLongLiving", Kind::Bool),
    ("idleTimeout", Kind::Int),
];

/// Builds a default value.
type MakeDefault = fn() -> Value;

/// Defaults a read shows for fields never sent (fc-api.md §4.1, §14 item 13).
const READ_DEFAULTS: &[(&str, MakeDefault)] = &[
    ("description", || json!("")),
    ("role", || json!("")),
    ("timeout", || json!(3)),
    ("memorySize", || json!(512)),
    ("internetAccess", || json!(true)),
    ("instanceIsolationMode", || json!("SHARE")),
    ("sessionAffinity", || json!("NONE")),
    ("disableOndemand", || json!(false)),
];

/// Whether `runtime` is a custom runtime or container (the ones that may serve concurrently).
pub(crate) fn is_custom(runtime: &str) -> bool {
    runtime.starts_with("custom")
}

/// A decoded, validated code package.
pub(crate) struct Code {
    pub(crate) checksum: String,
    pub(crate) size: u64,
}

/// Decodes `code` (`{zipFile}` only: OSS cannot be reached offline), checks the ZIP and the
/// optional `checksum`, and stores the blob by checksum.
pub(crate) async fn store_code(ctx: &Ctx<'_>, code: &Value) -> Result<Code, ApiError> {
    let Value::Object(code) = code else {
        return Err(ApiError::invalid("code must be an object"));
    };
    let zip = opt_str(code, "zipFile")?.filter(|s| !s.is_empty());
    let bucket = opt_str(code, "ossBucketName")?.filter(|s| !s.is_empty());
    let object = opt_str(code, "ossObjectName")?.filter(|s| !s.is_empty());
    let text = match (zip, bucket.or(object)) {
        (Some(zip), None) => zip,
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "the emulator cannot read code from OSS (ossBucketName/ossObjectName); send code.zipFile",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "Either ossBucketName/ossObjectName or zipFile must be set",
            ));
        }
    };
    if text.len() as u64 > fc::package::INLINE_BASE64_LIMIT {
        return Err(ApiError::invalid(format!(
            "code.zipFile is {} bytes of Base64, over the limit of {} bytes (100 MiB)",
            text.len(),
            fc::package::INLINE_BASE64_LIMIT
        )));
    }
    let expected = opt_str(code, "checksum")?.map(str::to_owned);
    let text = text.to_owned();
    let dir = ctx.shared.config.data_dir.clone();
    tokio::task::spawn_blocking(move || -> Result<Code, ApiError> {
        let cleaned: Vec<u8> = text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&cleaned)
            .map_err(|e| ApiError::invalid(format!("code.zipFile is not valid Base64: {e}")))?;
        zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).map_err(|e| {
            ApiError::invalid(format!("code.zipFile is not a valid ZIP archive: {e}"))
        })?;
        let checksum = fc::crc64::checksum_decimal(&bytes);
        if let Some(expected) = expected
            && !expected.is_empty()
            && expected != checksum
        {
            return Err(ApiError::invalid(format!(
                "checksum mismatch: code.checksum is '{expected}' but the CRC-64 of the uploaded code is '{checksum}'"
            )));
        }
        store::store_blob(&dir, &checksum, &bytes)
            .map_err(|e| ApiError::internal(format!("cannot store the code package: {e}")))?;
        Ok(Code {
            checksum,
            size: bytes.len() as u64,
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("code decoder failed: {e}")))?
}

/// Copies the known fields of `body` into `config` (type-checked); `null` means "not sent".
fn apply_fields(config: &mut Object, body: &Map<String, Value>) -> Result<(), ApiError> {
    for (name, kind) in FIELDS {
        let Some(value) = field(body, name) else {
            continue;
        };
        let value = check_kind(name, *kind, value)?;
        config.insert((*name).to_owned(), value);
    }
    Ok(())
}

fn check_kind(name: &str, kind: Kind, value: &Value) -> Result<Value, ApiError> {
    let bad = |what: &str| ApiError::invalid(format!("{name} must be {what}"));
    Ok(match kind {
        Kind::Str => match value {
            Value::String(_) => value.clone(),
            _ => return Err(bad("a string")),
        },
        Kind::Int => json!(as_int(value).ok_or_else(|| bad("an integer"))?),
        Kind::Num => match value {
            Value::Number(_) => value.clone(),
            _ => return Err(bad("a number")),
        },
        Kind::Bool => match value {
            Value::Bool(_) => value.clone(),
            _ => return Err(bad("a boolean")),
        },
        Kind::Obj => match value {
            Value::Object(_) => value.clone(),
            _ => return Err(bad("an object")),
        },
        Kind::StrMap => match value {
            Value::Object(map) if map.values().all(Value::is_string) => value.clone(),
            _ => return Err(bad("an object whose values are strings")),
        },
        Kind::StrList => match value {
            Value::Array(items) if items.iter().all(Value::is_string) => value.clone(),
            _ => return Err(bad("an array of strings")),
        },
    })
}

fn num(config: &Object, name: &str) -> Option<f64> {
    config.get(name).and_then(Value::as_f64)
}

fn int(config: &Object, name: &str) -> Option<i64> {
    config.get(name).and_then(as_int)
}

/// Validates a complete (merged) function configuration.
fn validate(name: &str, config: &Object) -> Result<(), ApiError> {
    let runtime = config.get("runtime").and_then(Value::as_str).unwrap_or("");
    if runtime.is_empty() {
        return Err(ApiError::invalid("runtime is required but not provided"));
    }
    if !RUNTIMES.contains(&runtime) {
        return Err(ApiError::invalid(format!(
            "runtime '{runtime}' is not supported; use one of {}",
            RUNTIMES.join(", ")
        )));
    }
    if config
        .get("handler")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::invalid("Handler is required but not provided"));
    }
    let memory = int(config, "memorySize");
    // GPU functions follow their card's limits, not the CPU ones (serverless-devs.md §1.8.3,
    // §1.11: 65536 MB with fc.gpu.ada.1 in the corpus).
    let gpu = config
        .get("gpuConfig")
        .and_then(|g| g.get("gpuType"))
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let max_memory = if gpu { 131_072 } else { 32768 };
    if let Some(m) = memory
        && (!(128..=max_memory).contains(&m) || m % 64 != 0)
    {
        return Err(ApiError::invalid(format!(
            "memorySize must be a multiple of 64 between 128 and {max_memory} (MB), got {m}"
        )));
    }
    if let Some(cpu) = num(config, "cpu") {
        let twentieths = cpu * 20.0;
        if !(0.05 - 1e-9..=16.0 + 1e-9).contains(&cpu)
            || (twentieths - twentieths.round()).abs() > 1e-6
        {
            return Err(ApiError::invalid(format!(
                "cpu must be a multiple of 0.05 between 0.05 and 16 (vCPU), got {cpu}"
            )));
        }
        let gb = memory.unwrap_or(512) as f64 / 1024.0;
        let ratio = gb / cpu;
        if !gpu && !(1.0 - 1e-9..=4.0 + 1e-9).contains(&ratio) {
            return Err(ApiError::invalid(format!(
                "the ratio of memorySize (GB) to cpu must be between 1 and 4, got {gb} GB / {cpu} vCPU = {ratio:.3}"
            )));
        }
    }
    if let Some(disk) = int(config, "diskSize")
        && disk != 512
        && disk != 10240
    {
        return Err(ApiError::invalid(format!(
            "diskSize must be 512 or 10240 (MB), got {disk}"
        )));
    }
    if let Some(t) = int(config, "timeout")
        && !(1..=86400).contains(&t)
    {
        return Err(ApiError::invalid(format!(
            "timeout must be between 1 and 86400 (seconds), got {t}"
        )));
    }
    if let Some(c) = int(config, "instanceConcurrency") {
        if !(1..=200).contains(&c) {
            return Err(ApiError::invalid(format!(
                "instanceConcurrency must be between 1 and 200, got {c}"
            )));
        }
        if c > 1 && !is_custom(runtime) && !name.contains('$') {
            return Err(ApiError::invalid(format!(
                "instanceConcurrency must be 1 for the built-in runtime '{runtime}' (only custom runtimes and containers serve concurrently)"
            )));
        }
    }
    if let Some(Value::Object(hooks)) = config.get("instanceLifecycleConfig") {
        for (hook, limit) in [("initializer", 300), ("preStop", 90)] {
            let Some(Value::Object(h)) = hooks.get(hook) else {
                continue;
            };
            let handler = h.get("handler").and_then(Value::as_str).unwrap_or("");
            let command = h
                .get("command")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty());
            if !handler.is_empty() && command {
                return Err(ApiError::invalid(format!(
                    "instanceLifecycleConfig.{hook}: handler and command are mutually exclusive"
                )));
            }
            if let Some(t) = h.get("timeout").and_then(as_int)
                && !(1..=limit).contains(&t)
            {
                return Err(ApiError::invalid(format!(
                    "instanceLifecycleConfig.{hook}.timeout must be between 1 and {limit}, got {t}"
                )));
            }
        }
    }
    if let Some(Value::Array(layers)) = config.get("layers") {
        if layers.len() > 5 {
            return Err(ApiError::invalid("a function may use at most 5 layers"));
        }
        for layer in layers.iter().filter_map(Value::as_str) {
            let ok = layer.starts_with("acs:fc:")
                && layer.contains(":layers/")
                && layer.contains("/versions/");
            if !ok {
                return Err(ApiError::invalid(format!(
                    "invalid layer ARN '{layer}': expected acs:fc:<region>:<account>:layers/<name>/versions/<n>"
                )));
            }
        }
    }
    if let Some(Value::Object(env)) = config.get("environmentVariables") {
        let size: usize = env
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        if size > 4096 {
            return Err(ApiError::invalid(format!(
                "environmentVariables take {size} bytes, over the limit of 4 KB"
            )));
        }
    }
    if runtime == "custom-container"
        && config
            .get("customContainerConfig")
            .and_then(|c| c.get("image"))
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(ApiError::invalid(
            "customContainerConfig.image is required for runtime custom-container",
        ));
    }
    Ok(())
}

fn check_tags(tags: &Value) -> Result<Value, ApiError> {
    let Value::Array(items) = tags else {
        return Err(ApiError::invalid("tags must be an array of {Key, Value}"));
    };
    let mut out = Vec::new();
    for item in items {
        let key = item.get("Key").and_then(Value::as_str);
        let value = item.get("Value").and_then(Value::as_str).unwrap_or("");
        let Some(key) = key else {
            return Err(ApiError::invalid("every tag needs a Key"));
        };
        super::configs::check_tag(key, value)?;
        out.push(json!({"Key": key, "Value": value}));
    }
    Ok(Value::Array(out))
}

/// The Function object a read returns for stored `config` (LATEST or a version snapshot).
pub(crate) fn render(ctx: &Ctx<'_>, config: &Object, in_progress: bool) -> Value {
    let name = config
        .get("functionName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("functionName".into(), json!(name));
    out.insert("functionArn".into(), json!(ctx.arn(name)));
    for (key, default) in READ_DEFAULTS {
        out.insert((*key).to_owned(), default());
    }
    if ctx.shared.config.fill_defaults {
        let memory = int(config, "memorySize").unwrap_or(512);
        let cpu = ((memory as f64 / 1024.0 / 2.0) * 20.0).round().max(1.0) / 20.0;
        out.insert("cpu".into(), json!(cpu));
        out.insert("diskSize".into(), json!(512));
        out.insert("instanceConcurrency".into(), json!(1));
    }
    for (key, value) in config {
        if key == "layers" {
            let layers: Vec<Value> = value
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|arn| json!({"arn": arn, "size": 0}))
                        .collect()
                })
                .unwrap_or_default();
            out.insert(key.clone(), Value::Array(layers));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    if !out.contains_key("tags") {
        out.insert("tags".into(), json!([]));
    }
    let (state, status) = if in_progress {
        ("Pending", "InProgress")
    } else {
        ("Active", "Successful")
    };
    out.insert("state".into(), json!(state));
    out.insert("stateReason".into(), json!(""));
    out.insert("stateReasonCode".into(), json!(""));
    out.insert("lastUpdateStatus".into(), json!(status));
    out.insert("lastUpdateStatusReason".into(), json!(""));
    out.insert("lastUpdateStatusReasonCode".into(), json!(""));
    Value::Object(out)
}

/// The function called `name` or `404 FunctionNotFound`.
pub(crate) fn function<'a>(ns: &'a Namespace, name: &str) -> Result<&'a FunctionRecord, ApiError> {
    ns.functions
        .get(name)
        .ok_or_else(|| ApiError::function_not_found(name))
}

pub(crate) fn function_mut<'a>(
    ns: &'a mut Namespace,
    name: &str,
) -> Result<&'a mut FunctionRecord, ApiError> {
    ns.functions
        .get_mut(name)
        .ok_or_else(|| ApiError::function_not_found(name))
}

/// The configuration `qualifier` designates and the version id it stands for (`LATEST`, a
/// version id, or an alias's main version; with `route` an alias picks its additional version
/// with its weight using `random`).
pub(crate) fn resolve(
    record: &FunctionRecord,
    name: &str,
    qualifier: &str,
    route: Option<&dyn Fn() -> f64>,
) -> Result<(Object, String), ApiError> {
    if qualifier.is_empty() || qualifier == "LATEST" {
        return Ok((record.config.clone(), "LATEST".to_owned()));
    }
    let version_id = if qualifier.chars().all(|c| c.is_ascii_digit()) {
        qualifier.to_owned()
    } else {
        let alias = record
            .aliases
            .get(qualifier)
            .ok_or_else(|| ApiError::alias_not_found(name, qualifier))?;
        super::versions::route_alias(alias, route)
    };
    let version = version_id
        .parse::<u64>()
        .ok()
        .and_then(|id| record.versions.get(&id))
        .ok_or_else(|| ApiError::version_not_found(name, &version_id))?;
    Ok((version.config.clone(), version_id))
}

pub(crate) async fn create(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let name = req_str(&body, "functionName")?.to_owned();
    util::check_function_name(&name)?;
    let mut config = Object::new();
    config.insert("functionName".into(), json!(name));
    apply_fields(&mut config, &body)?;
    if let Some(group) = opt_str(&body, "resourceGroupId")? {
        config.insert("resourceGroupId".into(), json!(group));
    }
    if let Some(tags) = field(&body, "tags") {
        let tags = check_tags(tags)?;
        if tags.as_array().is_some_and(|t| !t.is_empty()) {
            config.insert("tags".into(), tags);
        }
    }
    validate(&name, &config)?;
    let container = config.get("runtime").and_then(Value::as_str) == Some("custom-container");
    // Refuse an existing name before decoding a large package.
    ctx.read(|ns| match ns.functions.contains_key(&name) {
        true => Err(already_exists(&name)),
        false => Ok(()),
    })
    .await?;
    let code = match (field(&body, "code"), container) {
        (_, true) => None,
        (Some(code), false) => Some(store_code(ctx, code).await?),
        (None, false) => {
            return Err(ApiError::invalid(
                "code is required: Either ossBucketName/ossObjectName or zipFile must be set",
            ));
        }
    };
    let now = util::timestamp();
    config.insert("functionId".into(), json!(uuid::Uuid::new_v4().to_string()));
    config.insert("createdTime".into(), json!(now));
    config.insert("lastModifiedTime".into(), json!(now));
    match code {
        Some(code) => {
            config.insert("codeChecksum".into(), json!(code.checksum));
            config.insert("codeSize".into(), json!(code.size));
        }
        None => {
            config.insert("codeSize".into(), json!(0));
        }
    }
    let pending = ctx.shared.config.in_progress_reads;
    let stored = config.clone();
    ctx.write(move |ns| {
        if ns.functions.contains_key(&name) {
            return Err(already_exists(&name));
        }
        let mut record = FunctionRecord::new(stored);
        record.pending_reads = pending;
        ns.functions.insert(name, record);
        Ok(())
    })
    .await?;
    Ok(Reply::json(&render(ctx, &config, pending > 0)))
}

fn already_exists(name: &str) -> ApiError {
    ApiError::new(
        409,
        "FunctionAlreadyExists",
        format!("function '{name}' already exists"),
    )
}

pub(crate) async fn get(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let mut store = ctx.shared.store.lock().await;
    let record = store
        .state
        .regions
        .get_mut(&ctx.region)
        .and_then(|ns| ns.functions.get_mut(name))
        .ok_or_else(|| ApiError::function_not_found(name))?;
    let (config, version) = resolve(record, name, &qualifier, None)?;
    let in_progress = version == "LATEST" && record.pending_reads > 0;
    if in_progress {
        record.pending_reads -= 1;
    }
    drop(store);
    Ok(Reply::json(&render(ctx, &config, in_progress)))
}

pub(crate) async fn update(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = ctx.body()?;
    let mut patch = Object::new();
    apply_fields(&mut patch, &body)?;
    ctx.read(|ns| function(ns, name).map(|_| ())).await?;
    let code = match field(&body, "code") {
        Some(code) => Some(store_code(ctx, code).await?),
        None => None,
    };
    let pending = ctx.shared.config.in_progress_reads;
    let name_owned = name.to_owned();
    let updated = ctx
        .write(move |ns| {
            let name = name_owned;
            let record = function_mut(ns, &name)?;
            if record.pending_reads > 0 {
                return Err(ApiError::new(
                    409,
                    "ConcurrentUpdateError",
                    format!(
                        "function '{name}' is being updated (lastUpdateStatus InProgress); retry later"
                    ),
                ));
            }
            let mut merged = record.config.clone();
            for (k, v) in patch {
                merged.insert(k, v);
            }
            validate(&name, &merged)?;
            let container =
                merged.get("runtime").and_then(Value::as_str) == Some("custom-container");
            if let Some(code) = code
                && !container
            {
                merged.insert("codeChecksum".into(), json!(code.checksum));
                merged.insert("codeSize".into(), json!(code.size));
            }
            if !container && !merged.contains_key("codeChecksum") {
                return Err(ApiError::invalid(format!(
                    "function '{name}' has no code: send code.zipFile with the runtime change"
                )));
            }
            merged.insert("lastModifiedTime".into(), json!(util::timestamp()));
            record.config = merged.clone();
            record.pending_reads = pending;
            Ok(merged)
        })
        .await?;
    Ok(Reply::json(&render(ctx, &updated, pending > 0)))
}

pub(crate) async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    ctx.write(|ns| {
        let record = function(ns, name)?;
        if !record.triggers.is_empty() {
            return Err(ApiError::new(
                412,
                "FunctionNotEmpty",
                format!("function '{name}' has active triggers"),
            ));
        }
        if record
            .provision_configs
            .values()
            .any(|p| super::configs::provision_target(p) > 0)
        {
            return Err(ApiError::new(
                409,
                "ProvisionConfigExist",
                format!("function '{name}' has a provision config with a target above 0; delete it first"),
            ));
        }
        ns.functions.remove(name);
        Ok(())
    })
    .await?;
    Ok(Reply::no_content())
}

pub(crate) async fn list(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let limit = util::limit(&ctx.query, "limit", 20, 100)?;
    let prefix = ctx.q("prefix").unwrap_or("").to_owned();
    let token = ctx.q("nextToken").map(str::to_owned);
    let fc_version = ctx
        .q("fcVersion")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    if let Some(v) = &fc_version
        && v != "v2"
        && v != "v3"
    {
        return Err(ApiError::invalid(format!(
            "fcVersion must be v2 or v3, got '{v}'"
        )));
    }
    let runtime = ctx.q("runtime").filter(|v| !v.is_empty());
    let description = ctx.q("description").filter(|v| !v.is_empty());
    let name_filter = ctx.q("functionName").filter(|v| !v.is_empty());
    let gpu = ctx.q("gpuType").filter(|v| !v.is_empty());
    let group = ctx.q("resourceGroupId").filter(|v| !v.is_empty());
    let tags = util::query_list(&ctx.query, "tags");
    let configs: Vec<(String, Object)> = ctx
        .read(|ns| {
            Ok(ns
                .functions
                .iter()
                .filter(|(name, record)| {
                    let c = &record.config;
                    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
                    name.starts_with(&prefix)
                        && match fc_version.as_deref() {
                            Some("v2") => name.contains('$'),
                            Some("v3") => !name.contains('$'),
                            _ => true,
                        }
                        && runtime.is_none_or(|r| s("runtime") == r)
                        && description.is_none_or(|d| s("description").contains(d))
                        && name_filter.is_none_or(|n| name.contains(n))
                        && group.is_none_or(|g| s("resourceGroupId") == g)
                        && gpu.is_none_or(|g| {
                            c.get("gpuConfig")
                                .and_then(|x| x.get("gpuType"))
                                .and_then(Value::as_str)
                                == Some(g)
                        })
                        && tags.iter().all(|want| has_tag(c, want))
                })
                .map(|(name, record)| (name.clone(), record.config.clone()))
                .collect())
        })
        .await?;
    let (page, next) = util::paginate(configs, token.as_deref(), limit);
    let functions: Vec<Value> = page.iter().map(|c| render(ctx, c, false)).collect();
    let mut body = Map::new();
    body.insert("functions".into(), Value::Array(functions));
    Ok(Reply::json(&util::with_token(body, next)))
}

fn has_tag(config: &Object, want: &Value) -> bool {
    let key = want.get("Key").and_then(Value::as_str).unwrap_or("");
    let value = want.get("Value").and_then(Value::as_str);
    config
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| {
            tags.iter().any(|t| {
                t.get("Key").and_then(Value::as_str) == Some(key)
                    && value.is_none_or(|v| t.get("Value").and_then(Value::as_str) == Some(v))
            })
        })
}

pub(crate) async fn get_code(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let qualifier = ctx.qualifier();
    let config = ctx
        .read(|ns| Ok(resolve(function(ns, name)?, name, &qualifier, None)?.0))
        .await?;
    let Some(checksum) = config.get("codeChecksum").and_then(Value::as_str) else {
        return Err(ApiError::invalid(format!(
            "function '{name}' has no code package (custom-container)"
        )));
    };
    let url = format!(
        "{}{}code/{checksum}.zip",
        ctx.shared.base_url,
        crate::server::CONTROL_PREFIX
    );
    Ok(Reply::json(&json!({"checksum": checksum, "url": url})))
}
