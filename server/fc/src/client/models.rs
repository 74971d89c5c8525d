//! What the client asks with (list filters, version order) and the [`Page`] view of the list
//! outputs in `fc::types` that the list-all methods walk.

use crate::types::{
    Alias, AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, Function, ListAliasesOutput,
    ListAsyncInvokeConfigsOutput, ListConcurrencyConfigsOutput, ListCustomDomainsOutput,
    ListFunctionsOutput, ListProvisionConfigsOutput, ListScalingConfigsOutput, ListTriggersOutput,
    ListVersionsOutput, ProvisionConfig, ScalingConfig, Tag, Trigger, Version,
};

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
