//! Wire models the client needs beyond `fc::types`: GetFunctionCode's answer, the list outputs of
//! versions, aliases, custom domains and the function-scoped configs, the configs themselves
//! (fc-api.md §13) and the list filters. The configs and custom domains are light typed structs:
//! the top-level keys sdls reads are typed, nested objects stay JSON values, and every other key
//! is kept in `extra` so nothing is lost when a value is read and written back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::types::{
    Alias, Function, ListFunctionsOutput, ListTriggersOutput, Tag, Trigger, Version,
};

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

/// The order of ListFunctionVersions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VersionDirection {
    /// Newest first (the service's default).
    #[default]
    Backward,
    /// Oldest first.
    Forward,
}

impl VersionDirection {
    /// The query value: `BACKWARD` or `FORWARD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "BACKWARD",
            Self::Forward => "FORWARD",
        }
    }
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

/// The common list filter: a name prefix and a page size (`None`: the service's default for one
/// page; for the list-all methods, 100 — 10 for triggers, as fc3 pages them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub prefix: Option<String>,
    pub limit: Option<u32>,
}

impl ListQuery {
    /// Only names starting with `prefix`.
    pub fn prefix(prefix: impl Into<String>) -> Self {
        Self {
            prefix: Some(prefix.into()),
            limit: None,
        }
    }
}

/// ListFunctions filters (fc-api.md §3, §11).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFunctionsQuery {
    pub prefix: Option<String>,
    pub limit: Option<u32>,
    pub description: Option<String>,
    /// `v2` or `v3`.
    pub fc_version: Option<String>,
    pub function_name: Option<String>,
    pub gpu_type: Option<String>,
    pub resource_group_id: Option<String>,
    pub runtime: Option<String>,
    /// Sent as a JSON array `[{"Key":..,"Value":..}]`.
    pub tags: Option<Vec<Tag>>,
}

/// One page of a list: its items and the token of the next page (`None` or empty: last page).
pub trait Page {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! page {
    ($output:ty, $item:ty, $field:ident) => {
        impl Page for $output {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (self.$field, self.next_token)
            }
        }
    };
}

page!(ListFunctionsOutput, Function, functions);
page!(ListTriggersOutput, Trigger, triggers);
page!(ListVersionsOutput, Version, versions);
page!(ListAliasesOutput, Alias, aliases);
page!(ListCustomDomainsOutput, CustomDomain, custom_domains);
page!(ListAsyncInvokeConfigsOutput, AsyncInvokeConfig, configs);
page!(ListConcurrencyConfigsOutput, ConcurrencyConfig, configs);
page!(
    ListProvisionConfigsOutput,
    ProvisionConfig,
    provision_configs
);
page!(ListScalingConfigsOutput, ScalingConfig, scaling_configs);
