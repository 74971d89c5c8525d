//! What analysis needs from the outside world, supplied by the caller (CLI, language server,
//! tests). Analysis itself never touches the file system or the process environment: it asks
//! through this trait, so tests run on in-memory files and the server on its own snapshots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    File,
    Dir,
}

pub trait Host {
    /// The text of a file, or `None` when it does not exist or cannot be read as UTF-8.
    fn read_file(&self, path: &Path) -> Option<String>;
    /// Whether a path exists, and as what.
    fn path_kind(&self, path: &Path) -> Option<PathKind>;
    /// A variable of the process environment `s` would run in.
    fn env_var(&self, name: &str) -> Option<String>;
}

/// An in-memory host: files by absolute path, and an environment. Used by tests and by callers
/// that already hold the text of every file.
#[derive(Clone, Debug, Default)]
pub struct MemoryHost {
    pub files: HashMap<PathBuf, String>,
    pub env: HashMap<String, String>,
}

impl MemoryHost {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_file(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }

    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.to_string(), value.to_string());
        self
    }
}

impl Host for MemoryHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        self.files.get(path).cloned()
    }

    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        if self.files.contains_key(path) {
            return Some(PathKind::File);
        }
        self.files
            .keys()
            .any(|f| f.starts_with(path))
            .then_some(PathKind::Dir)
    }

    fn env_var(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}
