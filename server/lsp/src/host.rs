//! The `Host` analysis reads through: open documents first (unsaved edits of an `extend` base
//! or a `.env` count), then the file system and the server's environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use analysis::{Host, PathKind};

#[derive(Clone, Default)]
pub(crate) struct OverlayHost {
    pub(crate) overlay: HashMap<PathBuf, Arc<str>>,
}

impl Host for OverlayHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        if let Some(text) = self.overlay.get(path) {
            return Some(text.to_string());
        }
        let bytes = std::fs::read(path).ok()?;
        String::from_utf8(bytes).ok()
    }

    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        if self.overlay.contains_key(path) {
            return Some(PathKind::File);
        }
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
