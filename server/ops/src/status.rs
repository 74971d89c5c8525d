//! The three-way verdict of ARCHITECTURE.md "The drift model": the local view, the baseline (the
//! remote as read back after the last deploy) and the remote now, compared over the managed paths
//! (D12); the code state compared separately and never changing the status (D13).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::baseline::Baseline;
use crate::normalize::{self, Context, LocalView, View};
use crate::path::FieldPath;
use crate::snapshot::RemoteSnapshot;

/// The status of one function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InSync,
    LocalChanges,
    RemoteDrift,
    Conflict,
    Untracked,
    NotDeployed,
    DeletedRemotely,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InSync => "in-sync",
            Status::LocalChanges => "local-changes",
            Status::RemoteDrift => "remote-drift",
            Status::Conflict => "conflict",
            Status::Untracked => "untracked",
            Status::NotDeployed => "not-deployed",
            Status::DeletedRemotely => "deleted-remotely",
            Status::Unknown => "unknown",
        }
    }
}

/// One differing managed path with its three values (`None` = absent on that side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldState {
    pub path: FieldPath,
    pub local: Option<Json>,
    pub baseline: Option<Json>,
    pub remote: Option<Json>,
    /// Who changed it since the baseline.
    pub change: Change,
}

/// Which side moved away from the baseline at one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only the file changed (or no baseline says otherwise and the remote is absent).
    Local,
    /// Only the remote changed.
    Remote,
    /// Both changed, differently.
    Both,
    /// No baseline to tell.
    Untracked,
}

/// The code state (D13).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeState {
    /// CRC-64 of sdls's deterministic package of the local code.
    pub local: Option<String>,
    /// The baseline's local CRC and remote checksum.
    pub baseline: Option<String>,
    pub remote: Option<String>,
    pub status: CodeStatus,
    /// Why the state is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeStatus {
    InSync,
    LocalChanges,
    RemoteChanged,
    Conflict,
    NotDeployed,
    #[default]
    Unknown,
}

/// The verdict for one function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    pub fields: Vec<FieldState>,
    /// Remote-only values deploy keeps (D12).
    pub unmanaged: Vec<(FieldPath, Json)>,
    pub code: CodeState,
    /// For `unknown`: why the remote could not be read.
    pub reason: Option<String>,
}

/// Inputs of [`decide`] besides the local view.
pub struct Sides<'a> {
    pub remote: &'a RemoteSnapshot,
    pub baseline: Option<&'a Baseline>,
    pub ctx: &'a Context,
    /// CRC-64 of the local package, or why there is none.
    pub local_code: Result<String, String>,
}

/// The three-way verdict (ARCHITECTURE.md table; D13, D14).
pub fn decide(local: &LocalView, sides: &Sides<'_>) -> Verdict {
    let remote = normalize::remote(sides.remote, sides.ctx);
    let baseline_view: Option<View> = sides
        .baseline
        .and_then(|b| normalize::remote(&b.snapshot, sides.ctx));
    let code = code_state(sides);
    let Some(remote) = remote else {
        let status = if sides.baseline.is_some() {
            Status::DeletedRemotely
        } else {
            Status::NotDeployed
        };
        return Verdict {
            status,
            fields: Vec::new(),
            unmanaged: Vec::new(),
            code,
            reason: None,
        };
    };
    let lr = normalize::compare(local, &remote);
    let unmanaged = lr.unmanaged.clone();
    if lr.diffs.is_empty() {
        return Verdict {
            status: Status::InSync,
            fields: Vec::new(),
            unmanaged,
            code,
            reason: None,
        };
    }
    let Some(baseline_view) = baseline_view else {
        let fields = lr
            .diffs
            .into_iter()
            .map(|d| FieldState {
                path: d.path,
                local: d.local,
                baseline: None,
                remote: d.other,
                change: Change::Untracked,
            })
            .collect();
        return Verdict {
            status: Status::Untracked,
            fields,
            unmanaged,
            code,
            reason: None,
        };
    };
    // Baselines hold hashed environment values (D15): compare the local and remote sides with
    // the baseline through the same hashing.
    let mut hashed_local = local.clone();
    normalize::hash_env(&mut hashed_local.view);
    let mut hashed_remote = remote.clone();
    normalize::hash_env(&mut hashed_remote);
    let lb = normalize::compare(&hashed_local, &baseline_view);
    let mut fields = Vec::new();
    let (mut local_moved, mut remote_moved) = (false, false);
    for d in lr.diffs {
        let baseline_value = lookup(&baseline_view, &d.path);
        let local_vs_baseline = lb.diffs.iter().any(|b| b.path == d.path);
        let remote_hashed = lookup(&hashed_remote, &d.path);
        let remote_vs_baseline =
            !normalize::same_value(&d.path, remote_hashed.as_ref(), baseline_value.as_ref());
        let change = match (local_vs_baseline, remote_vs_baseline) {
            (true, true) => Change::Both,
            (false, true) => Change::Remote,
            (true, false) => Change::Local,
            // Equal to the baseline on both sides yet different from each other: only possible
            // through normalisation asymmetries; treat as both.
            (false, false) => Change::Both,
        };
        local_moved |= matches!(change, Change::Local | Change::Both);
        remote_moved |= matches!(change, Change::Remote | Change::Both);
        fields.push(FieldState {
            path: d.path,
            local: d.local,
            baseline: baseline_value,
            remote: d.other,
            change,
        });
    }
    let status = match (local_moved, remote_moved) {
        (true, true) => Status::Conflict,
        (false, true) => Status::RemoteDrift,
        _ => Status::LocalChanges,
    };
    Verdict {
        status,
        fields,
        unmanaged,
        code,
        reason: None,
    }
}

/// The verdict when the remote could not be read.
pub fn unknown(reason: String) -> Verdict {
    Verdict {
        status: Status::Unknown,
        fields: Vec::new(),
        unmanaged: Vec::new(),
        code: CodeState {
            reason: Some("the remote could not be read".into()),
            ..CodeState::default()
        },
        reason: Some(reason),
    }
}

fn lookup(view: &View, path: &FieldPath) -> Option<Json> {
    let (first, rest) = path.segments().split_first()?;
    let mut current = view.get(first)?;
    for seg in rest {
        current = current.as_object()?.get(seg)?;
    }
    Some(current.clone())
}

fn code_state(sides: &Sides<'_>) -> CodeState {
    let remote = sides.remote.code_checksum().map(str::to_string);
    let local = sides.local_code.as_ref().ok().cloned();
    let mut state = CodeState {
        local: local.clone(),
        remote: remote.clone(),
        ..CodeState::default()
    };
    if !sides.remote.exists() {
        state.status = CodeStatus::NotDeployed;
        return state;
    }
    let Some(baseline) = sides.baseline else {
        state.status = CodeStatus::Unknown;
        state.reason = Some("no baseline: deploy from sdls once to track the code".into());
        return state;
    };
    state.baseline = baseline.code.remote_checksum.clone();
    let remote_moved = remote != baseline.code.remote_checksum;
    let local_moved = match (&local, &baseline.code.local_crc) {
        (Some(now), Some(then)) => Some(now != then),
        _ => None,
    };
    match (local_moved, remote_moved) {
        // The local code is not tracked (no package, or a legacy baseline made by another zip),
        // but the remote checksum still tells whether someone uploaded other code.
        (None, true) => {
            state.status = CodeStatus::RemoteChanged;
            state.reason = Some(match &sides.local_code {
                Err(reason) => format!("the local code is not compared: {reason}"),
                Ok(_) => {
                    "the local code is not compared: the baseline has no local package checksum"
                        .into()
                }
            });
        }
        (None, false) => {
            state.status = CodeStatus::Unknown;
            state.reason = Some(match &sides.local_code {
                Err(reason) => reason.clone(),
                Ok(_) => "the baseline has no local package checksum".into(),
            });
        }
        (Some(false), false) => state.status = CodeStatus::InSync,
        (Some(true), false) => state.status = CodeStatus::LocalChanges,
        (Some(false), true) => state.status = CodeStatus::RemoteChanged,
        (Some(true), true) => state.status = CodeStatus::Conflict,
    }
    state
}
