//! The report `sdls plan` prints and `sdls/driftStatus` returns: per function the status, the
//! field differences (JSON path, local, baseline, remote) and the code state, in the JSON shape
//! of issue 5 (`{"remote", "functions": [{"resource", "functionName", "region", "status",
//! "fields", "code", …}]}`). Secret-looking environment values are masked unless asked (D15).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::path::FieldPath;
use crate::status::{Change, CodeState, Status, Verdict};

/// The whole report of one file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// `local`, the endpoint URL, or `mixed` when functions use different remotes.
    pub remote: String,
    pub functions: Vec<FunctionReport>,
}

/// One function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionReport {
    pub resource: String,
    pub function_name: String,
    pub region: String,
    /// `local` or the endpoint URL this function was read from (empty when none was chosen).
    pub remote: String,
    pub status: Status,
    pub fields: Vec<FieldReport>,
    /// Remote-only values deploy keeps (D12): never change the status.
    pub unmanaged: Vec<UnmanagedField>,
    pub code: CodeState,
    /// Why the status is `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Problems that did not stop the verdict (a corrupt baseline file, …).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
    /// Where the baseline came from (`.s/deployed/…` or the legacy state file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Legacy functions are read-only (D11).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub legacy: bool,
}

/// One differing path. Absent values are left out of the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldReport {
    pub path: FieldPath,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Json>,
    pub change: Change,
}

impl FieldReport {
    /// Terraform's marker: `~` changed, `+` local only, `-` remote only.
    pub fn marker(&self) -> char {
        match (&self.local, &self.remote) {
            (Some(_), None) => '+',
            (None, Some(_)) => '-',
            _ => '~',
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnmanagedField {
    pub path: FieldPath,
    pub remote: Json,
}

impl FunctionReport {
    /// A report from a verdict.
    pub fn new(
        resource: &str,
        function_name: &str,
        region: &str,
        remote: &str,
        verdict: Verdict,
    ) -> FunctionReport {
        FunctionReport {
            resource: resource.to_string(),
            function_name: function_name.to_string(),
            region: region.to_string(),
            remote: remote.to_string(),
            status: verdict.status,
            fields: verdict
                .fields
                .into_iter()
                .map(|f| FieldReport {
                    path: f.path,
                    local: f.local,
                    baseline: f.baseline,
                    remote: f.remote,
                    change: f.change,
                })
                .collect(),
            unmanaged: verdict
                .unmanaged
                .into_iter()
                .map(|(path, remote)| UnmanagedField { path, remote })
                .collect(),
            code: verdict.code,
            reason: verdict.reason,
            warnings: Vec::new(),
            baseline: None,
            legacy: false,
        }
    }

    /// Masks the local and remote values of environment keys that look secret (D15).
    pub fn mask_secrets(&mut self) {
        for field in &mut self.fields {
            if is_secret_env_path(&field.path) {
                for value in [&mut field.local, &mut field.remote].into_iter().flatten() {
                    *value = Json::String(mask(value));
                }
            } else if field.path.segments() == ["environmentVariables"] {
                for value in [&mut field.local, &mut field.remote, &mut field.baseline]
                    .into_iter()
                    .flatten()
                {
                    mask_env_map(value);
                }
            }
        }
        for field in &mut self.unmanaged {
            if is_secret_env_path(&field.path) {
                field.remote = Json::String(mask(&field.remote));
            }
        }
    }
}

impl PlanReport {
    /// `local`, the one endpoint, or `mixed`.
    pub fn remote_label(functions: &[FunctionReport]) -> String {
        let mut labels: Vec<&str> = functions
            .iter()
            .map(|f| f.remote.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        labels.sort_unstable();
        labels.dedup();
        match labels.as_slice() {
            [] => "none".into(),
            [one] => (*one).to_string(),
            _ => "mixed".into(),
        }
    }

    /// D17: 0 when every function is in sync, 2 when any is not, 1 when any status is unknown.
    pub fn exit_code(&self) -> u8 {
        if self.functions.iter().any(|f| f.status == Status::Unknown) {
            1
        } else if self.functions.iter().all(|f| f.status == Status::InSync) {
            0
        } else {
            2
        }
    }
}

/// Words that make an environment key look secret (D15).
const SECRET_WORDS: [&str; 5] = ["SECRET", "TOKEN", "PASSWORD", "KEY", "AK"];

/// Whether an environment variable name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| {
        if *w == "AK" {
            // `AK` only as a word of its own (`OSS_AK`, `AK_ID`), not inside `BREAKFAST`.
            upper
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|part| part == "AK")
        } else {
            upper.contains(w)
        }
    })
}

fn is_secret_env_path(path: &FieldPath) -> bool {
    matches!(path.segments(), [env, name] if env == "environmentVariables" && is_secret_name(name))
}

fn mask_env_map(value: &mut Json) {
    if let Json::Object(map) = value {
        for (key, v) in map.iter_mut() {
            if is_secret_name(key) {
                *v = Json::String(mask(v));
            }
        }
    }
}

fn mask(value: &Json) -> String {
    match value {
        Json::String(s) if s.starts_with(crate::normalize::HASH_PREFIX) => s.clone(),
        Json::String(s) => fc::credentials::mask(s),
        other => fc::credentials::mask(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "api_key",
            "OSS_AK",
            "AK",
            "GITHUB_TOKEN",
            "client_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["BREAKFAST", "REGION", "MODE", "LOG_LEVEL"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
