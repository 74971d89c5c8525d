//! The legacy fc component's state files (serverless-devs.md §2.2.1): FC 2.0-shaped
//! `{"statefulConfig": {…}}` read back after a legacy `s deploy`, mapped to FC 3.0's view of
//! `service$function` so they can serve as a baseline. Read only (D11): nothing here writes,
//! renames or deletes a file.
//!
//! The files sit directly in `.s/`:
//! - service: `<AccountID>-<region>-<service>.json` (`{"statefulConfig", "statefulAutoConfig"}`);
//! - function: `<AccountID>-<region>-<service>-<function>.json`;
//! - trigger: `<AccountID>-<region>-<service>-<function>-<trigger>.json`.
//!
//! Every part may itself contain `-`, so names are built, never parsed; the one place a name is
//! matched against a listing (the triggers, whose names the file does not know) accepts a file
//! only when the name inside it agrees with the rest of the file name.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::{Baseline, BaselineRead, BaselineSource, CodeBaseline, FORMAT_VERSION};
use crate::snapshot::RemoteSnapshot;

/// What a legacy baseline says it was written by (there is no such field in the legacy files).
pub const LEGACY_WRITER: &str = "legacy fc component (s deploy)";

/// The legacy function state file `.s/<AccountID>-<region>-<service>-<function>.json`.
pub fn function_path(
    state_dir: &Path,
    account_id: &str,
    region: &str,
    service: &str,
    function: &str,
) -> PathBuf {
    state_dir.join(format!("{account_id}-{region}-{service}-{function}.json"))
}

/// The legacy service state file `.s/<AccountID>-<region>-<service>.json`.
pub fn service_path(state_dir: &Path, account_id: &str, region: &str, service: &str) -> PathBuf {
    state_dir.join(format!("{account_id}-{region}-{service}.json"))
}

/// Reads the legacy state of `service`/`function` from `state_dir` (the `.s/` folder) as a
/// baseline named `function_name` (FC 3.0's `service$function`). `Missing` when the legacy
/// component left no function file; `Invalid` when the function file is there but unusable. A
/// missing, corrupt or foreign service or trigger file only drops that part: the function file
/// alone is a usable baseline.
pub(crate) fn read(
    state_dir: &Path,
    account_id: &str,
    region: &str,
    function_name: &str,
    (service, function): (&str, &str),
) -> BaselineRead {
    let path = function_path(state_dir, account_id, region, service, function);
    let fix = "delete it or run `s deploy` again";
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BaselineRead::Missing,
        Err(e) => {
            return BaselineRead::Invalid {
                warning: format!(
                    "the legacy state file {} cannot be read ({e}); {fix}",
                    path.display()
                ),
                path,
            };
        }
    };
    let state = match stateful_config(&text) {
        Ok(state) => state,
        Err(why) => {
            return BaselineRead::Invalid {
                warning: format!(
                    "the legacy state file {} is not a legacy fc state ({why}); {fix}",
                    path.display()
                ),
                path,
            };
        }
    };
    // The same file name is shared by service `a`, function `b-c` and service `a-b`, function
    // `c`: the function name inside decides which one it is.
    let named = state
        .get("functionName")
        .or_else(|| state.get("name"))
        .and_then(Json::as_str);
    if named != Some(function) {
        return BaselineRead::Invalid {
            warning: format!(
                "the legacy state file {} describes function {} of another service, not {service}/{function}; {fix}",
                path.display(),
                named.map_or_else(|| "(unnamed)".to_string(), |n| format!("`{n}`")),
            ),
            path,
        };
    }

    let service_state = read_named(
        &service_path(state_dir, account_id, region, service),
        &["serviceName", "name"],
        service,
    );
    let triggers = read_triggers(state_dir, account_id, region, service, function);

    let mut snapshot = map_state(function_name, service_state.as_ref(), &state, &triggers);
    super::hash_environment(&mut snapshot);
    let remote_checksum = state.get("codeChecksum").and_then(|c| match c {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let written_at = state
        .get("lastModifiedTime")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    BaselineRead::Found {
        baseline: Box::new(Baseline {
            version: FORMAT_VERSION,
            written_by: LEGACY_WRITER.to_string(),
            written_at,
            account_id: account_id.to_string(),
            region: region.to_string(),
            function_name: function_name.to_string(),
            snapshot,
            code: CodeBaseline {
                // The legacy component zips differently (§2.5 C15): no CRC of sdls's package.
                local_crc: None,
                remote_checksum,
            },
        }),
        source: BaselineSource::Legacy(path),
    }
}

/// The `statefulConfig` object of a state file's text, or why there is none.
fn stateful_config(text: &str) -> Result<Json, String> {
    let value: Json = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    match value.get("statefulConfig") {
        Some(state @ Json::Object(_)) => Ok(state.clone()),
        Some(_) => Err("`statefulConfig` is not an object".into()),
        None => Err("no `statefulConfig`".into()),
    }
}

/// A service or trigger state whose name (first of `keys` present) is `name`; anything else
/// (missing, unreadable, corrupt, another resource's) is `None`, as the legacy component itself
/// treats an unreadable state as absent (§2.2.1).
fn read_named(path: &Path, keys: &[&str], name: &str) -> Option<Json> {
    let text = std::fs::read_to_string(path).ok()?;
    let state = stateful_config(&text).ok()?;
    let named = keys
        .iter()
        .find_map(|k| state.get(*k))
        .and_then(Json::as_str);
    if named == Some(name) {
        Some(state)
    } else {
        tracing::debug!(
            path = %path.display(),
            "legacy state file ignored: it names another resource"
        );
        None
    }
}

/// The function's trigger states: every `<prefix>-<trigger>.json` in `state_dir` whose
/// `statefulConfig.triggerName` is `<trigger>` (a file of function `f-x` or of one of its
/// triggers also starts with function `f`'s prefix: the name inside tells them apart). Sorted
/// by trigger name so the snapshot does not depend on the directory order.
fn read_triggers(
    state_dir: &Path,
    account_id: &str,
    region: &str,
    service: &str,
    function: &str,
) -> Vec<Json> {
    let prefix = format!("{account_id}-{region}-{service}-{function}-");
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, Json)> = entries
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name();
            let file_name = file_name.to_str()?;
            let trigger = file_name.strip_prefix(&prefix)?.strip_suffix(".json")?;
            if trigger.is_empty() {
                return None;
            }
            let state = read_named(&entry.path(), &["triggerName", "name"], trigger)?;
            Some((trigger.to_string(), state))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, state)| state).collect()
}

/// Maps the FC 2.0 states to FC 3.0's view of `service$function` (named `function_name`
/// whether or not the service file was there to say which service it is).
fn map_state(
    function_name: &str,
    service_state: Option<&Json>,
    function_state: &Json,
    trigger_states: &[Json],
) -> RemoteSnapshot {
    let mut snapshot = crate::normalize::legacy::snapshot_from_state(
        service_state,
        function_state,
        trigger_states,
    );
    if let Some(function) = snapshot.function.as_mut() {
        function.function_name = Some(function_name.to_string());
    }
    snapshot
}
