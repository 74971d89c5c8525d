//! The embedded local emulator (D19): `sdls emulator` as its own process on 127.0.0.1 with
//! `.s/emulator/` as data, shared by every sdls process of the folder through a lock file that
//! holds its port, pid, account id and local credentials; started on demand, exits after 10
//! idle minutes.

use std::path::{Path, PathBuf};

/// A running embedded emulator.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalEmulator {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub account_id: String,
    /// Local test credentials (open nothing but this emulator).
    pub access_key_id: String,
    pub access_key_secret: String,
    pub pid: u32,
}

impl std::fmt::Debug for LocalEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmulator")
            .field("url", &self.url)
            .field("account_id", &self.account_id)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

/// Why the embedded emulator could not be reached or started.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("cannot start the local emulator ({binary}): {reason}")]
    Start { binary: PathBuf, reason: String },
}

/// Connects to the emulator of `data_dir` (`<folder>/.s/emulator`), starting `sdls_binary
/// emulator` when none runs.
pub async fn ensure(data_dir: &Path, sdls_binary: &Path) -> Result<LocalEmulator, EmbeddedError> {
    let _ = data_dir;
    Err(EmbeddedError::Start {
        binary: sdls_binary.to_path_buf(),
        reason: "not implemented yet".into(),
    })
}
