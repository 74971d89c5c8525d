//! Wire types of the FC 3.0 API (fc-api.md §4–§6, §11, §13). Fields the service may omit are
//! `Option`s; fields sdls does not model are kept in `extra`, so nothing the service returns is
//! lost when a value is read, compared or written back. Nested configs are JSON values: drift
//! compares them path by path after normalisation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A function as GetFunction / CreateFunction / UpdateFunction / ListFunctions return it, and as
/// CreateFunction / UpdateFunction accept it (with `code` set, read-only fields unset).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Function {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Write only: `{zipFile}` or `{ossBucketName, ossObjectName}` (+ optional `checksum`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<InputCodeLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_checksum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_concurrency: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internet_access: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Written as ARNs; read back as `[{arn, size}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nas_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss_mount_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_runtime_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_container_config: Option<Value>,
    #[serde(rename = "customDNS", skip_serializing_if = "Option::is_none")]
    pub custom_dns: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_lifecycle_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_isolation_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<String>,
    /// JSON text on the wire (fc-api.md §4.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_affinity_config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_ondemand: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<String>,
    /// Every other field, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputCodeLocation {
    /// Base64 of the zip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss_bucket_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss_object_name: Option<String>,
    /// CRC-64 of the zip as a decimal string, verified by the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFunctionsOutput {
    #[serde(default)]
    pub functions: Vec<Function>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A trigger (fc-api.md §5.1). `trigger_config` is JSON *text* on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocation_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_trigger: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Trigger {
    /// The parsed `triggerConfig` (JSON text on the wire).
    pub fn config(&self) -> Option<Value> {
        serde_json::from_str(self.trigger_config.as_deref()?).ok()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTriggersOutput {
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A published version (fc-api.md §6).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An alias with optional weighted routing: `{"3": 0.1}` sends 10 % to version 3.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_version_weight: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---- GetFunctionCode, list outputs, custom domains and function-scoped configs (fc-api.md §13).
// The configs and custom domains are light typed structs: the top-level keys sdls reads are typed,
// nested objects stay JSON values, and every other key is kept in `extra`.

/// GetFunctionCode: the CRC-64 of the code and a signed download link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCode {
    /// Decimal CRC-64/XZ of the ZIP (the function's `codeChecksum`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// A signed URL the ZIP can be downloaded from (short-lived).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// ListFunctionVersions: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListVersionsOutput {
    #[serde(default)]
    pub versions: Vec<Version>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
}

/// ListAliases: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAliasesOutput {
    #[serde(default)]
    pub aliases: Vec<Alias>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A custom domain (fc-api.md §13.1). `routeConfig` is replaced as a whole on update: merge the
/// routes client-side first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomDomain {
    /// The FQDN; in the path for get/update/delete (leave unset in an update body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// `HTTP`, `HTTPS` or `HTTP,HTTPS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `{routes: [{path, functionName, qualifier, methods, rewriteConfig}]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waf_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    /// `accountId`, `apiVersion`, `subdomainCount`, … as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// ListCustomDomains: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCustomDomainsOutput {
    #[serde(default)]
    pub custom_domains: Vec<CustomDomain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// An async-invoke config (fc-api.md §13.2); the Put body and the Get answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncInvokeConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub async_task: Option<bool>,
    /// `{onSuccess: {destination}, onFailure: {destination}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_async_event_age_in_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_async_retry_attempts: Option<u64>,
    /// Read only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A concurrency config (fc-api.md §13.3): `{reservedConcurrency}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConcurrencyConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u64>,
    /// Read only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A provision config (fc-api.md §13.4). A Get answering an empty `functionArn` means "none".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_target: Option<u64>,
    /// Deprecated on input; on read the currently effective target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<u64>,
    #[serde(rename = "alwaysAllocateCPU", skip_serializing_if = "Option::is_none")]
    pub always_allocate_cpu: Option<bool>,
    #[serde(rename = "alwaysAllocateGPU", skip_serializing_if = "Option::is_none")]
    pub always_allocate_gpu: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_actions: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_tracking_policies: Option<Vec<Value>>,
    /// Read only: instances up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ProvisionConfig {
    /// Whether this Get answer means "no provision config" (absent or empty `functionArn`).
    pub fn is_none(&self) -> bool {
        self.function_arn.as_deref().is_none_or(str::is_empty)
    }
}

/// A scaling config (fc-api.md §13.5): the Put body, and ScalingConfigStatus on read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_instances: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_mix_mode: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_on_demand_scaling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_dispatch_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizontal_scaling_policies: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_policies: Option<Vec<Value>>,
    /// Read only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_instances: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_instances: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScalingConfig {
    /// Whether this Get answer means "no scaling config" (absent or empty `functionArn`).
    pub fn is_none(&self) -> bool {
        self.function_arn.as_deref().is_none_or(str::is_empty)
    }
}

/// ListAsyncInvokeConfigs: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAsyncInvokeConfigsOutput {
    #[serde(default)]
    pub configs: Vec<AsyncInvokeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListConcurrencyConfigs: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListConcurrencyConfigsOutput {
    #[serde(default)]
    pub configs: Vec<ConcurrencyConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListProvisionConfigs: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProvisionConfigsOutput {
    #[serde(default)]
    pub provision_configs: Vec<ProvisionConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListScalingConfigs: one page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListScalingConfigsOutput {
    #[serde(default)]
    pub scaling_configs: Vec<ScalingConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_round_trips_and_keeps_unknown_fields() {
        let text = r#"{"functionName":"f","runtime":"python3.10","memorySize":512,"cpu":0.35,"customDNS":{"nameServers":["1.1.1.1"]},"layers":[{"arn":"acs:fc:cn-hangzhou:1:layers/x/versions/1","size":10}],"invocationRestriction":{"disable":false},"state":null}"#;
        let f: Function = serde_json::from_str(text).unwrap();
        assert_eq!(f.memory_size, Some(512));
        assert!(f.custom_dns.is_some());
        assert!(f.extra.contains_key("invocationRestriction"));
        let back = serde_json::to_value(&f).unwrap();
        assert_eq!(back["invocationRestriction"]["disable"], false);
        assert_eq!(back["customDNS"]["nameServers"][0], "1.1.1.1");
        assert!(back.get("handler").is_none());
    }

    #[test]
    fn trigger_config_is_json_text_and_alias_weights_are_numbers() {
        let t: Trigger = serde_json::from_str(r#"{"triggerName":"http","triggerType":"http","triggerConfig":"{\"authType\":\"anonymous\",\"methods\":[\"GET\"]}"}"#).unwrap();
        assert_eq!(t.config().unwrap()["authType"], "anonymous");
        let a: Alias = serde_json::from_str(
            r#"{"aliasName":"prod","versionId":"2","additionalVersionWeight":{"3":0.1}}"#,
        )
        .unwrap();
        assert_eq!(a.additional_version_weight.unwrap()["3"], 0.1);
    }
}
