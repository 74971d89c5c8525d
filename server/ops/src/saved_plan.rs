//! Saved plans (D16, D33): `sdls plan --out FILE` records, per function, what the plan saw —
//! the resolved local config, the local code CRC, the remote it read and the status — so that
//! `sdls deploy --plan FILE` deploys only what was reviewed: any function whose file, code or
//! remote changed since the plan is refused (D17 exit 2) with what changed.
//!
//! What is kept, and why:
//! - the normalised local view ([`crate::normalize::local`]) with environment values and values
//!   under secret-looking keys replaced by their SHA-256 (D15: a plan file may be shared or
//!   committed; it never holds a secret in clear), and the hash of that view. The view itself is
//!   kept so a refusal can name the paths that changed;
//! - the local code's package CRC-64 (or why there was none);
//! - the remote as seen: whether the function existed, the hash of its normalised view (and one
//!   hash per top-level key, to name what moved), `lastModifiedTime` and `codeChecksum`;
//! - the remote label and account, so a plan is never applied to another remote;
//! - the status, so a changed baseline (`.s/deployed/`) is noticed too.
//!
//! The deploy mode (`--use-local`, `-y`, `--type`) is *not* recorded: the flags given to
//! `sdls deploy --plan` apply, exactly as to `sdls deploy`. The plan says what the world looked
//! like; the deploy flags say how to act on it.
//!
//! [`planned`] builds the record of one function from a read; a deploy builds it again from its
//! fresh read and [`changes`] compares the two. Both are pure; [`read`] and [`write`] do the IO.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::engine::RemoteRead;
use crate::local::LocalFunction;
use crate::normalize::{self, Context, HASH_PREFIX, View};
use crate::plan::is_secret_name;
use crate::status::Status;

/// The `format` of a saved plan file: tells it apart from any other JSON.
pub const FORMAT: &str = "sdls-saved-plan";

/// The current format version; a file with a higher one was written by a newer sdls.
pub const VERSION: u32 = 1;

/// A saved plan file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// `sdls <version>`.
    pub written_by: String,
    /// RFC 3339 UTC.
    pub written_at: String,
    /// The s.yaml the plan was made from (absolute).
    pub file: PathBuf,
    pub functions: Vec<PlannedFunction>,
}

/// One function as the plan saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedFunction {
    pub resource: String,
    pub function_name: String,
    pub region: String,
    /// `local` or the endpoint URL the function was read from.
    pub remote_label: String,
    /// The account the remote belongs to (baselines are keyed by it).
    pub account_id: Option<String>,
    pub status: Status,
    pub local: PlannedLocal,
    /// The remote as read; `None` when it could not be read (`reason` says why).
    pub remote: Option<PlannedRemote>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

/// The file's side of one function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedLocal {
    /// `sha256:<hex>` of [`PlannedLocal::config`] in canonical form (keys sorted).
    pub config_hash: String,
    /// The normalised local view, secrets hashed (D15).
    pub config: View,
    /// CRC-64 of sdls's package of the local code.
    pub code_crc: Option<String>,
    /// Why there is no CRC (no local code, packaging failed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code_reason: Option<String>,
}

/// The remote of one function as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRemote {
    pub exists: bool,
    /// `sha256:<hex>` of the normalised remote view (environment values hashed first).
    pub config_hash: Option<String>,
    /// The hash of each top-level key of the remote view, to name what changed.
    #[serde(default)]
    pub field_hashes: BTreeMap<String, String>,
    pub last_modified_time: Option<String>,
    pub code_checksum: Option<String>,
}

/// One reason a planned function may no longer be deployed from the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The deploy targets another remote or account than the plan read.
    Target { planned: String, now: String },
    /// The function's name or region in the file changed.
    Identity { planned: String, now: String },
    /// The file's resolved config changed at these paths.
    LocalConfig { paths: Vec<String> },
    /// The local code's package changed.
    LocalCode {
        planned: Option<String>,
        now: Option<String>,
    },
    /// The remote changed: each detail says what.
    Remote { details: Vec<String> },
    /// The remote could not be read when the plan was made.
    NotReadAtPlan { reason: String },
    /// The remote cannot be read now.
    NotReadNow { reason: String },
    /// The status moved although file, code and remote did not (the baseline changed).
    Status { planned: Status, now: Status },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Target { planned, now } => write!(
                f,
                "the plan was made against {planned}, this deploy goes to {now}"
            ),
            Change::Identity { planned, now } => {
                write!(
                    f,
                    "the function in the file is now {now} (planned: {planned})"
                )
            }
            Change::LocalConfig { paths } => {
                write!(f, "the file changed since the plan ({})", paths.join(", "))
            }
            Change::LocalCode { planned, now } => {
                let crc = |c: &Option<String>| c.clone().unwrap_or_else(|| "none".into());
                write!(
                    f,
                    "the local code changed since the plan (package CRC-64 {} → {})",
                    crc(planned),
                    crc(now)
                )
            }
            Change::Remote { details } => write!(
                f,
                "the remote changed since the plan ({})",
                details.join("; ")
            ),
            Change::NotReadAtPlan { reason } => write!(
                f,
                "its remote could not be read when the plan was made ({reason})"
            ),
            Change::NotReadNow { reason } => {
                write!(f, "its remote cannot be read now ({reason})")
            }
            Change::Status { planned, now } => write!(
                f,
                "its status changed since the plan ({} → {}): the baseline in .s/deployed/ changed",
                planned.as_str(),
                now.as_str()
            ),
        }
    }
}

/// The record of one function: its local side from `function`, its remote side from `read`,
/// and the `status` the plan computed from them.
pub fn planned(function: &LocalFunction, read: &RemoteRead, status: Status) -> PlannedFunction {
    let ctx = Context {
        account_id: read.account_id.clone(),
        region: function.region.clone(),
    };
    let mut config = normalize::local(function, &ctx).view;
    hash_secrets(&mut config);
    let (code_crc, code_reason) = match &read.local_code {
        Ok(crc) => (Some(crc.clone()), None),
        Err(reason) => (None, Some(reason.clone())),
    };
    let (remote, reason) = match &read.snapshot {
        Ok(snapshot) => {
            let view = normalize::remote(snapshot, &ctx).map(|mut view| {
                hash_secrets(&mut view);
                view
            });
            let live = snapshot.function.as_ref();
            (
                Some(PlannedRemote {
                    exists: snapshot.exists(),
                    config_hash: view.as_ref().map(|v| hash_json(&Json::Object(v.clone()))),
                    field_hashes: view
                        .iter()
                        .flatten()
                        .map(|(key, value)| (key.clone(), hash_json(value)))
                        .collect(),
                    last_modified_time: live.and_then(|f| f.last_modified_time.clone()),
                    code_checksum: snapshot.code_checksum().map(str::to_string),
                }),
                None,
            )
        }
        Err(reason) => (None, Some(reason.clone())),
    };
    PlannedFunction {
        resource: function.resource.clone(),
        function_name: function.function_name.clone(),
        region: function.region.clone(),
        remote_label: read.label.clone(),
        account_id: read.account_id.clone(),
        status,
        local: PlannedLocal {
            config_hash: hash_json(&Json::Object(config.clone())),
            config,
            code_crc,
            code_reason,
        },
        remote,
        reason,
    }
}

/// What changed between the plan's record of a function and the record of it now (both built
/// by [`planned`]). Empty: deploying it does what the plan showed.
pub fn changes(saved: &PlannedFunction, now: &PlannedFunction) -> Vec<Change> {
    let target = |f: &PlannedFunction| {
        format!(
            "{} (account {})",
            if f.remote_label.is_empty() {
                "no remote"
            } else {
                &f.remote_label
            },
            f.account_id.as_deref().unwrap_or("unknown")
        )
    };
    if saved.remote_label != now.remote_label || saved.account_id != now.account_id {
        // Everything else was computed against another remote: comparing it says nothing.
        return vec![Change::Target {
            planned: target(saved),
            now: target(now),
        }];
    }
    let mut found = Vec::new();
    let identity = |f: &PlannedFunction| format!("{} in {}", f.function_name, f.region);
    if saved.function_name != now.function_name || saved.region != now.region {
        found.push(Change::Identity {
            planned: identity(saved),
            now: identity(now),
        });
    }
    if saved.local.config_hash != now.local.config_hash {
        let mut paths = Vec::new();
        differing_paths(
            "",
            &Json::Object(saved.local.config.clone()),
            &Json::Object(now.local.config.clone()),
            &mut paths,
        );
        if paths.is_empty() {
            // Same values, different hash: a plan edited by hand. Still a change.
            paths.push("its recorded config hash".into());
        }
        found.push(Change::LocalConfig {
            paths: shorten(paths),
        });
    }
    if saved.local.code_crc != now.local.code_crc {
        found.push(Change::LocalCode {
            planned: saved.local.code_crc.clone(),
            now: now.local.code_crc.clone(),
        });
    }
    match (&saved.remote, &now.remote) {
        (None, _) => found.push(Change::NotReadAtPlan {
            reason: saved
                .reason
                .clone()
                .unwrap_or_else(|| "no reason recorded".into()),
        }),
        (Some(_), None) => found.push(Change::NotReadNow {
            reason: now
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".into()),
        }),
        (Some(before), Some(after)) => {
            let details = remote_details(before, after);
            if !details.is_empty() {
                found.push(Change::Remote { details });
            }
        }
    }
    if found.is_empty() && saved.status != now.status {
        found.push(Change::Status {
            planned: saved.status,
            now: now.status,
        });
    }
    found
}

/// What moved between two reads of the remote.
fn remote_details(before: &PlannedRemote, after: &PlannedRemote) -> Vec<String> {
    match (before.exists, after.exists) {
        (false, true) => return vec!["it was created".into()],
        (true, false) => return vec!["it was deleted".into()],
        (false, false) => return Vec::new(),
        (true, true) => {}
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    let mut details = Vec::new();
    if before.last_modified_time != after.last_modified_time {
        details.push(format!(
            "lastModifiedTime {} → {}",
            text(&before.last_modified_time),
            text(&after.last_modified_time)
        ));
    }
    if before.code_checksum != after.code_checksum {
        details.push(format!(
            "codeChecksum {} → {}",
            text(&before.code_checksum),
            text(&after.code_checksum)
        ));
    }
    if before.config_hash != after.config_hash {
        let keys: Vec<String> = before
            .field_hashes
            .keys()
            .chain(after.field_hashes.keys())
            .filter(|key| before.field_hashes.get(*key) != after.field_hashes.get(*key))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        details.push(if keys.is_empty() {
            "its configuration changed".into()
        } else {
            format!("changed: {}", shorten(keys).join(", "))
        });
    }
    details
}

/// At most ten paths, then how many more.
fn shorten(mut paths: Vec<String>) -> Vec<String> {
    const SHOWN: usize = 10;
    if paths.len() > SHOWN {
        let more = paths.len() - SHOWN;
        paths.truncate(SHOWN);
        paths.push(format!("and {more} more"));
    }
    paths
}

/// The dotted paths at which `a` and `b` differ (arrays compared whole).
fn differing_paths(prefix: &str, a: &Json, b: &Json, out: &mut Vec<String>) {
    match (a, b) {
        (Json::Object(a), Json::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differing_paths(&path, x, y, out),
                    _ => out.push(path),
                }
            }
        }
        _ if a == b => {}
        _ => out.push(if prefix.is_empty() {
            "(the whole config)".into()
        } else {
            prefix.to_string()
        }),
    }
}

/// D15 for a view: environment values, and any string under a key that looks secret, replaced
/// by `sha256:<hex>`. Changes stay visible (the hash changes), the values do not.
fn hash_secrets(view: &mut View) {
    normalize::hash_env(view);
    for (key, value) in view.iter_mut() {
        hash_secret_values(key, value);
    }
}

fn hash_secret_values(key: &str, value: &mut Json) {
    match value {
        Json::String(text) if is_secret_name(key) && !text.starts_with(HASH_PREFIX) => {
            *value = Json::String(normalize::hash_value(text));
        }
        Json::Object(map) => {
            for (k, v) in map.iter_mut() {
                hash_secret_values(k, v);
            }
        }
        Json::Array(items) => {
            for item in items {
                hash_secret_values(key, item);
            }
        }
        _ => {}
    }
}

/// `sha256:<hex>` of the canonical JSON text of `value` (object keys sorted at every level), so
/// reordering keys in the s.yaml is not a change.
fn hash_json(value: &Json) -> String {
    normalize::hash_value(&canonical(value).to_string())
}

fn canonical(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Json::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect::<Map<String, Json>>(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

impl SavedPlan {
    /// A plan of `file` (absolute) written now by this sdls.
    pub fn new(file: PathBuf, functions: Vec<PlannedFunction>) -> SavedPlan {
        SavedPlan {
            format: FORMAT.into(),
            version: VERSION,
            written_by: format!("sdls {}", env!("CARGO_PKG_VERSION")),
            written_at: crate::seed::now_rfc3339(),
            file,
            functions,
        }
    }

    /// The planned function of `resource`.
    pub fn function(&self, resource: &str) -> Option<&PlannedFunction> {
        self.functions.iter().find(|f| f.resource == resource)
    }

    /// Parses the text of a saved plan; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let shown = path.display().to_string();
        let value: Json = serde_json::from_str(text).map_err(|e| SavedPlanError::Corrupt {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        if value.get("format").and_then(Json::as_str) != Some(FORMAT) {
            return Err(SavedPlanError::Foreign { path: shown });
        }
        match value.get("version").and_then(Json::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) if v > u64::from(VERSION) => {
                return Err(SavedPlanError::Future {
                    path: shown,
                    version: v,
                });
            }
            _ => {
                return Err(SavedPlanError::Corrupt {
                    path: shown,
                    detail: format!("`version` is not {VERSION}"),
                });
            }
        }
        serde_json::from_value(value).map_err(|e| SavedPlanError::Corrupt {
            path: shown,
            detail: e.to_string(),
        })
    }
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the saved plan {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a valid saved plan ({detail}); run `sdls plan --out {path}` to write a new one"
    )]
    Corrupt { path: String, detail: String },
    #[error(
        "{path} is not an sdls saved plan (no `\"format\": \"{FORMAT}\"`); give a file written by `sdls plan --out`"
    )]
    Foreign { path: String },
    #[error(
        "{path} is a saved plan of format version {version}, written by a newer sdls (this one reads version {VERSION}); update sdls or run `sdls plan --out {path}` again"
    )]
    Future { path: String, version: u64 },
    #[error("cannot write the saved plan {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Reads and checks a saved plan file.
pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
        path: path.display().to_string(),
        source,
    })?;
    SavedPlan::parse(&text, path)
}

/// Writes `plan` to `path` atomically (a temp file beside it, synced, renamed over it).
pub fn write(path: &Path, plan: &SavedPlan) -> Result<(), SavedPlanError> {
    let failed = |source| SavedPlanError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut text = serde_json::to_string_pretty(plan).map_err(|e| failed(e.into()))?;
    text.push('\n');
    crate::atomic::write_atomic(path, text.as_bytes()).map_err(failed)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;
    use crate::local::Dialect;
    use crate::snapshot::RemoteSnapshot;

    fn function(props: Json) -> LocalFunction {
        let Json::Object(props) = props else {
            panic!("props must be an object")
        };
        LocalFunction {
            resource: "hello".into(),
            function_name: "hello".into(),
            region: "cn-hangzhou".into(),
            dialect: Dialect::Fc3,
            props,
            code_path: None,
            endpoint: None,
            access: None,
            key_range: None,
        }
    }

    fn props() -> Json {
        json!({
            "region": "cn-hangzhou",
            "functionName": "hello",
            "runtime": "python3.10",
            "handler": "index.handler",
            "timeout": 10,
            "environmentVariables": {"DB_PASSWORD": "hunter2", "MODE": "prod"},
        })
    }

    fn snapshot(timeout: u64, modified: &str, checksum: &str) -> RemoteSnapshot {
        RemoteSnapshot {
            function: Some(
                serde_json::from_value(json!({
                    "functionName": "hello",
                    "runtime": "python3.10",
                    "handler": "index.handler",
                    "timeout": timeout,
                    "memorySize": 512,
                    "environmentVariables": {"DB_PASSWORD": "hunter2", "MODE": "prod"},
                    "lastModifiedTime": modified,
                    "codeChecksum": checksum,
                }))
                .expect("function"),
            ),
            ..RemoteSnapshot::default()
        }
    }

    fn remote_read(snapshot: Result<RemoteSnapshot, String>, code: &str) -> RemoteRead {
        RemoteRead {
            snapshot,
            fetched_at: Instant::now(),
            label: "local".into(),
            account_id: Some("1234".into()),
            local_code: Ok(code.into()),
        }
    }

    fn base() -> PlannedFunction {
        planned(
            &function(props()),
            &remote_read(Ok(snapshot(10, "t1", "111")), "111"),
            Status::InSync,
        )
    }

    #[test]
    fn unchanged_is_no_change_and_key_order_does_not_matter() {
        let saved = base();
        let mut reordered = Map::new();
        let Json::Object(p) = props() else {
            unreachable!()
        };
        for (k, v) in p.into_iter().rev() {
            reordered.insert(k, v);
        }
        let now = planned(
            &function(Json::Object(reordered)),
            &remote_read(Ok(snapshot(10, "t1", "111")), "111"),
            Status::InSync,
        );
        assert_eq!(changes(&saved, &now), Vec::new());
    }

    #[test]
    fn no_secret_or_env_value_in_clear() {
        let plan = SavedPlan::new(PathBuf::from("/p/s.yaml"), vec![base()]);
        let text = serde_json::to_string(&plan).expect("json");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("\"prod\""), "{text}");
        assert!(text.contains(HASH_PREFIX));
    }

    #[test]
    fn a_file_edit_names_the_paths() {
        let saved = base();
        let mut p = props();
        p["timeout"] = json!(30);
        p["environmentVariables"]["MODE"] = json!("dev");
        let now = planned(
            &function(p),
            &remote_read(Ok(snapshot(10, "t1", "111")), "111"),
            Status::LocalChanges,
        );
        let found = changes(&saved, &now);
        assert_eq!(
            found,
            vec![Change::LocalConfig {
                paths: vec!["environmentVariables.MODE".into(), "timeout".into()]
            }]
        );
        assert!(found[0].to_string().contains("the file changed"));
    }

    #[test]
    fn a_code_change_and_a_remote_change_are_both_reported() {
        let saved = base();
        let now = planned(
            &function(props()),
            &remote_read(Ok(snapshot(60, "t2", "111")), "222"),
            Status::Conflict,
        );
        let found = changes(&saved, &now);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(matches!(&found[0], Change::LocalCode { now: Some(c), .. } if c == "222"));
        let Change::Remote { details } = &found[1] else {
            panic!("{found:?}")
        };
        assert_eq!(
            details,
            &vec![
                "lastModifiedTime t1 → t2".to_string(),
                "changed: timeout".to_string()
            ]
        );
    }

    #[test]
    fn creation_deletion_target_and_unread() {
        let saved = base();
        let gone = planned(
            &function(props()),
            &remote_read(Ok(RemoteSnapshot::default()), "111"),
            Status::DeletedRemotely,
        );
        assert_eq!(
            changes(&saved, &gone),
            vec![Change::Remote {
                details: vec!["it was deleted".into()]
            }]
        );
        assert_eq!(
            changes(&gone, &saved),
            vec![Change::Remote {
                details: vec!["it was created".into()]
            }]
        );
        let mut elsewhere = saved.clone();
        elsewhere.remote_label = "http://127.0.0.1:9".into();
        assert!(matches!(
            changes(&saved, &elsewhere).as_slice(),
            [Change::Target { .. }]
        ));
        let unread = planned(
            &function(props()),
            &remote_read(Err("timed out".into()), "111"),
            Status::Unknown,
        );
        assert!(matches!(
            changes(&unread, &saved).as_slice(),
            [Change::NotReadAtPlan { reason }] if reason == "timed out"
        ));
        let mut status_only = saved.clone();
        status_only.status = Status::RemoteDrift;
        assert!(matches!(
            changes(&saved, &status_only).as_slice(),
            [Change::Status { .. }]
        ));
    }

    #[test]
    fn round_trip_and_bad_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("plan.json");
        let plan = SavedPlan::new(dir.path().join("s.yaml"), vec![base()]);
        write(&path, &plan).expect("write");
        assert_eq!(read(&path).expect("read"), plan);
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temp file is left behind");

        let corrupt = SavedPlan::parse("{not json", &path).expect_err("corrupt");
        assert!(matches!(corrupt, SavedPlanError::Corrupt { .. }));
        assert!(corrupt.to_string().contains("plan.json"), "{corrupt}");
        let foreign = SavedPlan::parse(r#"{"functions": []}"#, &path).expect_err("foreign");
        assert!(
            matches!(foreign, SavedPlanError::Foreign { .. }),
            "{foreign}"
        );
        let future = SavedPlan::parse(
            &format!(r#"{{"format": "{FORMAT}", "version": 99, "functions": []}}"#),
            &path,
        )
        .expect_err("future");
        assert!(future.to_string().contains("newer sdls"), "{future}");
        let partial = SavedPlan::parse(
            &format!(r#"{{"format": "{FORMAT}", "version": {VERSION}}}"#),
            &path,
        )
        .expect_err("partial");
        assert!(
            matches!(partial, SavedPlanError::Corrupt { .. }),
            "{partial}"
        );
    }
}
