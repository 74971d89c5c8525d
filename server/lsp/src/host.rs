//! The `Host` analysis reads through: the file system and the process environment
//! ([`FsHost`], also what `sdls check` uses), and for the server the open documents first
//! ([`OverlayHost`]: unsaved edits of an `extend` base or a `.env` count).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use analysis::{Host, PathKind};

/// The real file system and process environment.
pub struct FsHost;

impl Host for FsHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        let bytes = std::fs::read(path).ok()?;
        String::from_utf8(bytes).ok()
    }

    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        let meta = std::fs::metadata(path).ok()?;
        Some(if meta.is_dir() {
            PathKind::Dir
        } else {
            PathKind::File
        })
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Open documents over [`FsHost`].
#[derive(Clone, Default)]
pub(crate) struct OverlayHost {
    pub(crate) overlay: HashMap<PathBuf, Arc<str>>,
}

impl Host for OverlayHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        match self.overlay.get(path) {
            Some(text) => Some(text.to_string()),
            None => FsHost.read_file(path),
        }
    }

    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        if self.overlay.contains_key(path) {
            return Some(PathKind::File);
        }
        FsHost.path_kind(path)
    }

    fn env_var(&self, name: &str) -> Option<String> {
        FsHost.env_var(name)
    }
}
