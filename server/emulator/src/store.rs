//! The emulator's state and how it is kept on disk.
//!
//! Layout of the data directory:
//!
//! ```text
//! state.json          every namespace (one per region): functions with their versions,
//!                     aliases, triggers and configs; custom domains. Rewritten whole, atomically,
//!                     after every successful write (temp file, fsync, rename, fsync directory).
//! code/<crc>.zip      code packages by CRC-64 (FC's codeChecksum), written atomically before the
//!                     state that refers to them; never modified.
//! unpacked/<crc>/     code packages unpacked for execution (made on first invocation, atomically
//!                     by rename; disposable).
//! requests.jsonl      the request log, one JSON object per line (appended).
//! ```
//!
//! A `kill -9` at any moment leaves either the old or the new `state.json`, never a torn one; a
//! leftover temp file is removed at the next start.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::api::error::ApiError;

/// Version of the `state.json` format.
const FORMAT: u32 = 1;
pub(crate) const STATE_FILE: &str = "state.json";
pub(crate) const CODE_DIR: &str = "code";
pub(crate) const UNPACKED_DIR: &str = "unpacked";
pub(crate) const REQUEST_LOG: &str = "requests.jsonl";
/// Marks temporary files (`.<name>.tmp-<uuid>`), removed at start.
const TMP_MARK: &str = ".tmp-";

/// A JSON object as stored and returned.
pub(crate) type Object = Map<String, Value>;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) format: u32,
    pub(crate) regions: BTreeMap<String, Namespace>,
}

impl Default for State {
    fn default() -> Self {
        State {
            format: FORMAT,
            regions: BTreeMap::new(),
        }
    }
}

impl State {
    pub(crate) fn ns_mut(&mut self, region: &str) -> &mut Namespace {
        self.regions.entry(region.to_owned()).or_default()
    }
}

/// One region of the account.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Namespace {
    pub(crate) functions: BTreeMap<String, FunctionRecord>,
    /// Custom domains by name, as returned (without `privateKey` when rendered).
    pub(crate) custom_domains: BTreeMap<String, Object>,
}

/// A function: its LATEST configuration and everything keyed by it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct FunctionRecord {
    /// The stored fields of LATEST as sent (validated), plus `functionName`, `functionId`,
    /// `createdTime`, `lastModifiedTime`, `codeChecksum`, `codeSize`, `tags`.
    pub(crate) config: Object,
    pub(crate) versions: BTreeMap<u64, VersionRecord>,
    /// The id the next published version gets (ids are never reused).
    pub(crate) next_version: u64,
    pub(crate) aliases: BTreeMap<String, Object>,
    pub(crate) triggers: BTreeMap<String, Object>,
    /// By qualifier.
    pub(crate) async_configs: BTreeMap<String, Object>,
    pub(crate) provision_configs: BTreeMap<String, Object>,
    pub(crate) scaling_configs: BTreeMap<String, Object>,
    pub(crate) concurrency: Option<Object>,
    pub(crate) vpc_bindings: Vec<String>,
    /// GetFunction reads left that report `InProgress` (not persisted).
    #[serde(skip)]
    pub(crate) pending_reads: u32,
}

impl FunctionRecord {
    pub(crate) fn new(config: Object) -> FunctionRecord {
        FunctionRecord {
            config,
            next_version: 1,
            ..FunctionRecord::default()
        }
    }
}

/// A published version: an immutable snapshot of LATEST.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct VersionRecord {
    pub(crate) description: String,
    pub(crate) created_time: String,
    pub(crate) last_modified_time: String,
    pub(crate) config: Object,
}

/// The state in memory and its directory.
#[derive(Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    pub(crate) state: State,
}

impl Store {
    /// Creates the directories when missing, removes temp files a crash left behind, and reads
    /// `state.json` (an empty state when there is none).
    pub(crate) fn open(dir: &Path) -> Result<Store, Error> {
        for sub in [
            dir.to_path_buf(),
            dir.join(CODE_DIR),
            dir.join(UNPACKED_DIR),
        ] {
            fs::create_dir_all(&sub)
                .map_err(|e| Error::io(format!("cannot create {}", sub.display()), e))?;
        }
        for sub in [
            dir.to_path_buf(),
            dir.join(CODE_DIR),
            dir.join(UNPACKED_DIR),
        ] {
            remove_temp_files(&sub);
        }
        let path = dir.join(STATE_FILE);
        let state = match fs::read(&path) {
            Ok(bytes) => {
                let state: State = serde_json::from_slice(&bytes).map_err(|e| Error::State {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                if state.format != FORMAT {
                    return Err(Error::State {
                        path,
                        message: format!(
                            "format {} is not supported (expected {FORMAT})",
                            state.format
                        ),
                    });
                }
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            state,
        })
    }

    /// Writes `draft` to disk atomically and makes it the current state.
    pub(crate) async fn commit(&mut self, draft: State) -> Result<(), ApiError> {
        let bytes = serde_json::to_vec(&draft)
            .map_err(|e| ApiError::internal(format!("cannot serialise the state: {e}")))?;
        let path = self.dir.join(STATE_FILE);
        tokio::task::spawn_blocking(move || atomic_write(&path, &bytes))
            .await
            .map_err(|e| ApiError::internal(format!("state writer failed: {e}")))?
            .map_err(|e| ApiError::internal(format!("cannot write the state: {e}")))?;
        self.state = draft;
        Ok(())
    }
}

/// Path of the code blob with checksum `crc`.
pub(crate) fn blob_path(dir: &Path, crc: &str) -> PathBuf {
    dir.join(CODE_DIR).join(format!("{crc}.zip"))
}

/// Stores a code blob unless an identical one is there.
pub(crate) fn store_blob(dir: &Path, crc: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = blob_path(dir, crc);
    if fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
        return Ok(());
    }
    atomic_write(&path, bytes)
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new content: a temp file
/// beside it, fsync, rename over `path`, fsync of the directory.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}{TMP_MARK}{}",
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes a rename in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn remove_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().contains(TMP_MARK) {
            let path = entry.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            if let Err(e) = removed {
                tracing::warn!("cannot remove {}: {e}", path.display());
            }
        }
    }
}

/// The directory a temp unpacking goes to before it is renamed into place.
pub(crate) fn unpack_temp_dir(dir: &Path) -> PathBuf {
    dir.join(UNPACKED_DIR).join(format!(
        ".unpack{TMP_MARK}{}",
        uuid::Uuid::new_v4().simple()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_temp_files_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut state = State::default();
        let mut config = Object::new();
        config.insert("functionName".into(), "f".into());
        state
            .ns_mut("cn-hangzhou")
            .functions
            .insert("f".into(), FunctionRecord::new(config));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(store.commit(state)).unwrap();
        fs::write(dir.path().join(".state.json.tmp-x"), b"torn").unwrap();
        let again = Store::open(dir.path()).unwrap();
        assert!(
            again.state.regions["cn-hangzhou"]
                .functions
                .contains_key("f")
        );
        assert!(!dir.path().join(".state.json.tmp-x").exists());
        fs::write(dir.path().join(STATE_FILE), b"{").unwrap();
        assert!(matches!(Store::open(dir.path()), Err(Error::State { .. })));
    }
}
