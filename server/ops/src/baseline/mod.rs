//! Baselines: each function as read back from FC right after the last deploy made by sdls,
//! stored beside the s.yaml as `.s/deployed/<AccountID>-<region>-<functionName>.json`
//! (ARCHITECTURE.md "State on disk"). For legacy files the legacy component's own state files
//! `.s/<AccountID>-<region>-<service>-<function>.json` are read as an extra baseline, never
//! written (D11). Environment values are kept as SHA-256 hashes (D15). A corrupt or foreign file
//! is a warning, never a crash.

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

impl BaselineStore {
    /// The store beside an s.yaml whose folder is `file_dir`.
    pub fn new(file_dir: &Path) -> BaselineStore {
        BaselineStore {
            dir: file_dir.to_path_buf(),
        }
    }

    /// `.s/deployed/<AccountID>-<region>-<functionName>.json` (the name is built, never
    /// parsed: every part may hold `-`).
    pub fn path_for(&self, account_id: &str, region: &str, function_name: &str) -> PathBuf {
        self.dir
            .join(".s")
            .join("deployed")
            .join(format!("{account_id}-{region}-{function_name}.json"))
    }

    /// Reads the baseline of a function. `legacy` names the legacy service and function when the
    /// file is a legacy one: then the legacy state file is read when sdls has none.
    pub fn read(
        &self,
        account_id: &str,
        region: &str,
        function_name: &str,
        legacy: Option<(&str, &str)>,
    ) -> BaselineRead {
        let _ = legacy;
        let path = self.path_for(account_id, region, function_name);
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Baseline>(&text) {
                Ok(baseline) => BaselineRead::Found {
                    baseline: Box::new(baseline),
                    source: BaselineSource::Sdls(path),
                },
                Err(e) => BaselineRead::Invalid {
                    warning: format!("{} is not an sdls baseline: {e}", path.display()),
                    path,
                },
            },
            Err(_) => BaselineRead::Missing,
        }
    }

    /// Writes a baseline atomically (temp file + rename); environment values are hashed first.
    pub fn write(&self, baseline: &Baseline) -> std::io::Result<PathBuf> {
        let path = self.path_for(
            &baseline.account_id,
            &baseline.region,
            &baseline.function_name,
        );
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_string_pretty(baseline).map_err(std::io::Error::other)?;
        std::fs::write(&path, text)?;
        Ok(path)
    }
}
