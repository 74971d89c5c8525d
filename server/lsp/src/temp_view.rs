//! Read-only views the server shows through `window/showDocument` (the drift diff, the resolved
//! s.yaml): written to `<temp>/sdls-<kind>/<hash of the document uri>/<name>`, atomically (an
//! editor reloading it never sees half a file).

use std::path::PathBuf;

use tower_lsp_server::ls_types::Uri;

/// Writes `text` as the view `name` of `kind` for document `uri`; returns its path. `name` is
/// made safe for a file name (anything but ASCII letters, digits and `-_.` becomes `_`).
pub(crate) fn write(kind: &str, uri: &Uri, name: &str, text: &str) -> std::io::Result<PathBuf> {
    let path = path(kind, uri, name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    ops::atomic::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

fn path(kind: &str, uri: &Uri, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::env::temp_dir()
        .join(format!("sdls-{kind}"))
        .join(format!("{:016x}", fnv1a(uri.as_str().as_bytes())))
        .join(safe)
}

/// FNV-1a, 64 bits: a stable folder name per document (the std hasher may change between
/// releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::path;

    #[test]
    fn one_folder_per_document_and_safe_names() {
        let a: tower_lsp_server::ls_types::Uri = "file:///w/a/s.yaml".parse().unwrap();
        let b: tower_lsp_server::ls_types::Uri = "file:///w/b/s.yaml".parse().unwrap();
        let pa = path("drift", &a, "my fn/x.diff");
        assert_eq!(pa.file_name().unwrap(), "my_fn_x.diff");
        assert_ne!(pa.parent(), path("drift", &b, "my fn/x.diff").parent());
        assert_eq!(pa.parent(), path("drift", &a, "other.diff").parent());
        assert!(pa.to_string_lossy().contains("sdls-drift"));
    }
}
