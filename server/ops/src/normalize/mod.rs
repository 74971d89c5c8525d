//! Both sides of a comparison brought to one form, by the fc3 component's own rules
//! (serverless-devs.md §2.1.3 step 2, fc-api.md §4.4, §5.5, §13, defaults of §1.8), so that a
//! function freshly deployed from the file compares equal to it; then compared path by path.
//!
//! A [`View`] is a JSON object in props shape: function fields at the top, `triggers` as an object
//! keyed by trigger name, the sub-configs under their prop names (`asyncInvokeConfig`,
//! `concurrencyConfig`, `provisionConfig`, `scalingConfig`, `vpcBinding`, `customDomain`).
//! What counts as managed (D12): a path the file declares, or one deploy would clear.

mod compare;
mod file_side;
pub mod legacy;
mod remote_side;
pub mod values;

pub use compare::server_default;
pub use file_side::FUNCTION_FIELDS;

use serde_json::{Map, Value as Json};

use crate::local::LocalFunction;
use crate::path::FieldPath;
use crate::snapshot::RemoteSnapshot;

/// A normalised function with its sub-resources.
pub type View = Map<String, Json>;

/// What normalisation needs beyond the values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Completes bare role names (`acs:ram::<AccountID>:role/<name>`) and `auto` domain names.
    pub account_id: Option<String>,
    pub region: String,
}

/// The local side: the view, plus the paths whose value is `auto` (they match any concrete
/// remote value) and the paths known only at run time (never compared).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocalView {
    pub view: View,
    pub auto: Vec<FieldPath>,
    pub unknown: Vec<FieldPath>,
}

/// One differing path. `None` = absent on that side.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDiff {
    pub path: FieldPath,
    pub local: Option<Json>,
    pub other: Option<Json>,
}

/// The outcome of [`compare`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Managed paths whose values differ.
    pub diffs: Vec<FieldDiff>,
    /// Remote-only values deploy keeps (D12): listed, never a difference.
    pub unmanaged: Vec<(FieldPath, Json)>,
}

/// The local view of a function (fc3 defaults and rules L1–L9 applied).
pub fn local(function: &LocalFunction, ctx: &Context) -> LocalView {
    file_side::local(function, ctx)
}

/// The remote (or baseline) view; `None` when the function does not exist.
pub fn remote(snapshot: &RemoteSnapshot, ctx: &Context) -> Option<View> {
    remote_side::remote(snapshot, ctx)
}

/// Compares the local view with a remote or baseline view over the managed paths.
pub fn compare(local: &LocalView, other: &View) -> Comparison {
    compare::compare(local, other)
}

/// Whether two normalised values at `path` are equal (set semantics where order has no meaning,
/// numbers by value, role ARNs case-insensitive).
pub fn same_value(path: &FieldPath, a: Option<&Json>, b: Option<&Json>) -> bool {
    compare::same_value(path, a, b)
}

/// D15: environment values replaced by `sha256:<hex>` of the value (baselines keep no secrets).
pub fn hash_env(view: &mut View) {
    if let Some(Json::Object(env)) = view.get_mut("environmentVariables") {
        for value in env.values_mut() {
            if let Json::String(text) = value
                && !text.starts_with(HASH_PREFIX)
            {
                *value = Json::String(hash_value(text));
            }
        }
    }
}

/// The prefix of a hashed environment value.
pub const HASH_PREFIX: &str = "sha256:";

/// `sha256:<hex>` of a value.
pub fn hash_value(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{HASH_PREFIX}{}",
        hex::encode(Sha256::digest(text.as_bytes()))
    )
}

/// One trigger of the file as fc3 sends it (defaults L7, roles L6, jwt L8), `triggerConfig` as
/// an object; used by [`crate::desired`].
pub(crate) fn file_side_trigger(
    trigger: &Map<String, Json>,
    account: Option<&str>,
    legacy: bool,
) -> Map<String, Json> {
    file_side::trigger_view(trigger, account, legacy)
}
