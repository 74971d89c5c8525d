//! What one function looks like remotely: the raw answers of GetFunction, ListTriggers and the
//! function-scoped configs, kept as the API returned them (normalisation happens later, so a
//! baseline written today is read with tomorrow's rules).

use fc::types::{
    AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, Function, ProvisionConfig, ScalingConfig,
    Trigger,
};
use serde::{Deserialize, Serialize};

/// The remote state of one function. `function: None` means GetFunction answered "not found".
/// A sub-config that was not fetched (the file does not declare it and deploy would not touch it)
/// is `Fetched::Skipped`; one the service says does not exist is `Fetched::Absent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteSnapshot {
    pub function: Option<Function>,
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub async_invoke_config: Fetched<AsyncInvokeConfig>,
    #[serde(default)]
    pub concurrency_config: Fetched<ConcurrencyConfig>,
    #[serde(default)]
    pub provision_config: Fetched<ProvisionConfig>,
    #[serde(default)]
    pub scaling_config: Fetched<ScalingConfig>,
    /// ListVpcBindings' `vpcIds`.
    #[serde(default)]
    pub vpc_binding: Fetched<Vec<String>>,
    /// The custom domain the file's `customDomain.domainName` names (the whole domain: drift
    /// looks only at this function's route in it).
    #[serde(default)]
    pub custom_domain: Fetched<CustomDomain>,
}

impl RemoteSnapshot {
    /// Whether the function exists remotely.
    pub fn exists(&self) -> bool {
        self.function.is_some()
    }

    /// The remote code checksum (CRC-64/XZ, decimal), when the function has code.
    pub fn code_checksum(&self) -> Option<&str> {
        self.function.as_ref()?.code_checksum.as_deref()
    }
}

/// A sub-resource read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "value")]
pub enum Fetched<T> {
    /// Not read (not declared and not touched by deploy).
    #[default]
    Skipped,
    /// Read: the service says there is none.
    Absent,
    Present(T),
}

impl<T> Fetched<T> {
    pub fn present(&self) -> Option<&T> {
        match self {
            Fetched::Present(v) => Some(v),
            _ => None,
        }
    }

    pub fn was_read(&self) -> bool {
        !matches!(self, Fetched::Skipped)
    }
}
