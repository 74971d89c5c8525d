//! One open document as an immutable snapshot: what the client sent, newline-normalised, with
//! its line index. A `didChange` replaces the whole snapshot (FULL sync), never mutates one.

use std::path::PathBuf;
use std::sync::Arc;

use syntax::{LineEndings, LineIndex};
use tower_lsp_server::ls_types::Uri;

#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) uri: Uri,
    /// The file path, for `file://` URIs.
    pub(crate) path: Option<PathBuf>,
    pub(crate) version: i32,
    /// Newline-normalised text (analysis works on `\n` only; lines are the same as the
    /// client's, because LSP counts `\r\n`, `\r` and `\n` each as one line break).
    pub(crate) text: Arc<str>,
    pub(crate) line_endings: LineEndings,
    pub(crate) line_index: LineIndex,
    /// Whether sdls analyses this document (D6); other YAML is kept only as an overlay for
    /// files an s.yaml reads (`extend`, `${file()}`).
    pub(crate) is_s_yaml: bool,
}

impl Document {
    pub(crate) fn new(uri: Uri, version: i32, raw: &str) -> Document {
        let (text, line_endings) = syntax::normalize_newlines(raw);
        let text: Arc<str> = Arc::from(text.as_ref());
        let path = uri.to_file_path().map(|p| p.into_owned());
        let is_s_yaml = is_s_yaml(path.as_deref(), uri.as_str(), &text);
        Document {
            line_index: LineIndex::new(&text),
            uri,
            path,
            version,
            text,
            line_endings,
            is_s_yaml,
        }
    }

    /// The path analysis uses: the real one, or a stand-in for `untitled:` documents.
    pub(crate) fn analysis_path(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| PathBuf::from("/untitled/s.yaml"))
    }
}

/// D6: `s.yaml`, `s.yml`, `s-*.yaml`/`s-*.yml`, or any YAML whose top level has `edition` with
/// `resources` or `services`.
pub(crate) fn is_s_yaml(path: Option<&std::path::Path>, uri: &str, text: &str) -> bool {
    let name = path
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            uri.rsplit(['/', ':'])
                .next()
                .unwrap_or_default()
                .to_string()
        });
    analysis::is_s_yaml_name(&name) || analysis::has_s_yaml_top_level(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert!(is_s_yaml(p("/a/s.yaml").as_deref(), "", ""));
        assert!(is_s_yaml(p("/a/s.yml").as_deref(), "", ""));
        assert!(is_s_yaml(p("/a/s-prod.yaml").as_deref(), "", ""));
        assert!(is_s_yaml(p("/a/s-prod.yml").as_deref(), "", ""));
        assert!(!is_s_yaml(
            p("/a/docker-compose.yaml").as_deref(),
            "",
            "services:\n  a: {}\n"
        ));
        assert!(!is_s_yaml(p("/a/sx.yaml").as_deref(), "", "edition: 1\n"));
        assert!(is_s_yaml(
            p("/a/app.yaml").as_deref(),
            "",
            "# c\nedition: 3.0.0\nresources:\n  a: {}\n"
        ));
        assert!(is_s_yaml(
            p("/a/app.yaml").as_deref(),
            "",
            "\"edition\": 1.0.0\nservices:\n  a: {}\n"
        ));
        assert!(!is_s_yaml(
            p("/a/app.yaml").as_deref(),
            "",
            "x:\n  edition: 3.0.0\n  resources: {}\n"
        ));
        assert!(is_s_yaml(None, "untitled:s.yaml", ""));
    }
}
