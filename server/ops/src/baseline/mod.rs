//! Baselines: each function as read back from FC right after the last deploy made by sdls,
//! stored beside the s.yaml as `.s/deployed/<AccountID>-<region>-<functionName>.json`
//! (ARCHITECTURE.md "State on disk"). For legacy files the legacy component's own state files
//! `.s/<AccountID>-<region>-<service>-<function>.json` are read as an extra baseline, never
//! written (D11). Environment values are kept as SHA-256 hashes (D15). A corrupt or foreign file
//! is a warning, never a crash.
//!
//! Writes are atomic (a temp file in the same directory, fsync, rename), so a reader sees the
//! old baseline or the new one, never half a file. Nothing else under `.s/` is created (no
//! `.gitignore` the user did not ask for), and legacy files are never written or removed.

pub mod legacy;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::snapshot::RemoteSnapshot;

/// The current format version of a baseline file.
pub const FORMAT_VERSION: u32 = 1;

/// One baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Baseline {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// `sdls <version>`.
    pub written_by: String,
    /// RFC 3339 UTC.
    pub written_at: String,
    pub account_id: String,
    pub region: String,
    pub function_name: String,
    /// The remote read back after the deploy, environment values hashed.
    pub snapshot: RemoteSnapshot,
    pub code: CodeBaseline,
}

impl Baseline {
    /// A baseline of `function_name` in `region` of `account_id`, written now by this sdls.
    pub fn new(
        account_id: &str,
        region: &str,
        function_name: &str,
        snapshot: RemoteSnapshot,
        code: CodeBaseline,
    ) -> Baseline {
        Baseline {
            version: FORMAT_VERSION,
            written_by: format!("sdls {}", env!("CARGO_PKG_VERSION")),
            written_at: crate::seed::now_rfc3339(),
            account_id: account_id.to_string(),
            region: region.to_string(),
            function_name: function_name.to_string(),
            snapshot,
            code,
        }
    }
}

/// The code as deployed: the CRC-64 of sdls's own package of the local code, and the remote
/// `codeChecksum` read back (they differ when another tool zipped the code, §2.5 C15).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeBaseline {
    pub local_crc: Option<String>,
    pub remote_checksum: Option<String>,
}

/// Where a baseline came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaselineSource {
    /// `.s/deployed/…` written by sdls.
    Sdls(PathBuf),
    /// The legacy component's `.s/…` state file (read only).
    Legacy(PathBuf),
}

/// The outcome of a read.
#[derive(Clone, Debug, PartialEq)]
pub enum BaselineRead {
    Found {
        baseline: Box<Baseline>,
        source: BaselineSource,
    },
    Missing,
    /// The file exists but cannot be used; the warning says which file and why.
    Invalid {
        path: PathBuf,
        warning: String,
    },
}

/// The baselines of one s.yaml folder.
#[derive(Clone, Debug)]
pub struct BaselineStore {
    dir: PathBuf,
}

/// The advice every unusable sdls baseline ends with.
const FIX: &str = "delete it or deploy again to write a fresh one";

impl BaselineStore {
    /// The store beside an s.yaml whose folder is `file_dir`.
    pub fn new(file_dir: &Path) -> BaselineStore {
        BaselineStore {
            dir: file_dir.to_path_buf(),
        }
    }

    /// `.s/`, where the legacy component keeps its state files.
    fn state_dir(&self) -> PathBuf {
        self.dir.join(".s")
    }

    /// `.s/deployed/`.
    fn deployed_dir(&self) -> PathBuf {
        self.state_dir().join("deployed")
    }

    /// `.s/deployed/<AccountID>-<region>-<functionName>.json` (the name is built, never
    /// parsed: every part may hold `-`).
    pub fn path_for(&self, account_id: &str, region: &str, function_name: &str) -> PathBuf {
        self.deployed_dir()
            .join(format!("{account_id}-{region}-{function_name}.json"))
    }

    /// Reads the baseline of a function. `legacy` names the legacy service and function when the
    /// file is a legacy one: then the legacy state files are read when sdls has none (sdls's own
    /// baseline, written by a later deploy or pull, is newer by construction).
    ///
    /// Never fails: an unusable file is [`BaselineRead::Invalid`] with a warning naming it.
    pub fn read(
        &self,
        account_id: &str,
        region: &str,
        function_name: &str,
        legacy: Option<(&str, &str)>,
    ) -> BaselineRead {
        if let Some(part) = unsafe_part(&[account_id, region, function_name]) {
            return BaselineRead::Invalid {
                path: self.deployed_dir(),
                warning: format!(
                    "no baseline can be kept for `{part}`: a name with `/`, `\\` or `..` cannot be a file name"
                ),
            };
        }
        let path = self.path_for(account_id, region, function_name);
        match read_sdls(&path, Some((account_id, region, function_name))) {
            BaselineRead::Missing => match legacy {
                Some((service, function)) => {
                    if unsafe_part(&[service, function]).is_some() {
                        return BaselineRead::Missing;
                    }
                    legacy::read(
                        &self.state_dir(),
                        account_id,
                        region,
                        function_name,
                        (service, function),
                    )
                }
                None => BaselineRead::Missing,
            },
            other => other,
        }
    }

    /// Writes a baseline atomically and returns its path. Environment values are hashed first
    /// (D15), the version is [`FORMAT_VERSION`], and the write-only `code` of the function (a
    /// zip) is left out. Creates `.s/deployed/` when needed.
    pub fn write(&self, baseline: &Baseline) -> std::io::Result<PathBuf> {
        if let Some(part) = unsafe_part(&[
            &baseline.account_id,
            &baseline.region,
            &baseline.function_name,
        ]) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("`{part}` cannot be part of a baseline file name"),
            ));
        }
        let mut baseline = baseline.clone();
        baseline.version = FORMAT_VERSION;
        hash_environment(&mut baseline.snapshot);
        if let Some(function) = baseline.snapshot.function.as_mut() {
            function.code = None;
        }
        let path = self.path_for(
            &baseline.account_id,
            &baseline.region,
            &baseline.function_name,
        );
        let mut text = serde_json::to_string_pretty(&baseline).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::create_dir_all(self.deployed_dir())?;
        crate::atomic::write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Removes the sdls baseline of a function (never a legacy file); a missing one is fine.
    pub fn remove(
        &self,
        account_id: &str,
        region: &str,
        function_name: &str,
    ) -> std::io::Result<()> {
        if let Some(part) = unsafe_part(&[account_id, region, function_name]) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("`{part}` cannot be part of a baseline file name"),
            ));
        }
        match std::fs::remove_file(self.path_for(account_id, region, function_name)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Every sdls baseline of the folder (`Found` or `Invalid`), sorted by path; a file whose
    /// content does not match its name is `Invalid`. Temp files of a write in progress and other
    /// names are skipped. Legacy files are not listed (they are read per function).
    pub fn list(&self) -> Vec<BaselineRead> {
        let Ok(entries) = std::fs::read_dir(self.deployed_dir()) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| !n.starts_with('.'))
            })
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| match read_sdls(&path, None) {
                BaselineRead::Found { baseline, source } => {
                    let expected = self.path_for(
                        &baseline.account_id,
                        &baseline.region,
                        &baseline.function_name,
                    );
                    if expected == path {
                        BaselineRead::Found { baseline, source }
                    } else {
                        mismatch(path, &baseline)
                    }
                }
                other => other,
            })
            .filter(|read| !matches!(read, BaselineRead::Missing))
            .collect()
    }
}

/// The first part that would escape `.s/deployed/` or is empty.
fn unsafe_part<'a>(parts: &[&'a str]) -> Option<&'a str> {
    parts.iter().copied().find(|p| {
        p.is_empty() || p.contains('/') || p.contains('\\') || p.contains('\0') || p.contains("..")
    })
}

/// Reads an sdls baseline at `path`; `expected` is the (account, region, function) its name
/// was built from.
fn read_sdls(path: &Path, expected: Option<(&str, &str, &str)>) -> BaselineRead {
    let invalid = |why: String| BaselineRead::Invalid {
        warning: format!("the baseline {} {why}; {FIX}", path.display()),
        path: path.to_path_buf(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BaselineRead::Missing,
        Err(e) if path.is_dir() => {
            return invalid(format!("is a directory, not a file ({e})"));
        }
        Err(e) => return invalid(format!("cannot be read ({e})")),
    };
    // Read as JSON first: a newer format may not fit today's struct, and saying "newer" is
    // more useful than a field error.
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => return invalid(format!("is not valid JSON ({e})")),
    };
    if !value.is_object() {
        return invalid("is not an sdls baseline (not a JSON object)".into());
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        None => return invalid("is not an sdls baseline (no `version`)".into()),
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return invalid(format!(
                "was written by a newer sdls (format version {v}; this sdls reads up to {FORMAT_VERSION}): update sdls, or"
            ));
        }
        Some(0) => return invalid("has an unknown format version 0".into()),
        Some(_) => {}
    }
    let mut baseline: Baseline = match serde_json::from_value(value) {
        Ok(baseline) => baseline,
        Err(e) => return invalid(format!("is not an sdls baseline ({e})")),
    };
    if let Some((account_id, region, function_name)) = expected
        && (baseline.account_id != account_id
            || baseline.region != region
            || baseline.function_name != function_name)
    {
        return mismatch(path.to_path_buf(), &baseline);
    }
    // A hand-edited file may hold clear values: compare hashes with hashes all the same.
    hash_environment(&mut baseline.snapshot);
    BaselineRead::Found {
        baseline: Box::new(baseline),
        source: BaselineSource::Sdls(path.to_path_buf()),
    }
}

/// A baseline whose content names another function, account or region than its file name.
fn mismatch(path: PathBuf, baseline: &Baseline) -> BaselineRead {
    BaselineRead::Invalid {
        warning: format!(
            "the baseline {} belongs to another function (it names account {}, region {}, function {}); {FIX}",
            path.display(),
            baseline.account_id,
            baseline.region,
            baseline.function_name
        ),
        path,
    }
}

/// D15: every environment value of the snapshot's function replaced by
/// [`crate::normalize::hash_value`] unless it already is a hash.
pub(crate) fn hash_environment(snapshot: &mut RemoteSnapshot) {
    let Some(env) = snapshot
        .function
        .as_mut()
        .and_then(|f| f.environment_variables.as_mut())
    else {
        return;
    };
    for value in env.values_mut() {
        if !value.starts_with(crate::normalize::HASH_PREFIX) {
            *value = crate::normalize::hash_value(value);
        }
    }
}
