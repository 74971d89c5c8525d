//! The real file system and process environment, as analysis's `Host`.

use std::path::Path;

use analysis::{Host, PathKind};

pub(crate) struct FsHost;

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
