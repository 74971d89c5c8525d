//! What was negotiated in `initialize`: position encoding and the optional client features the
//! server may use (D5: never send a request the client did not advertise).

use std::path::PathBuf;

use tower_lsp_server::ls_types::{ClientCapabilities, InitializeParams, PositionEncodingKind};

use crate::line_map::Encoding;

#[derive(Clone, Debug, Default)]
pub(crate) struct Session {
    pub(crate) encoding: Encoding,
    /// Pull diagnostics (`textDocument/diagnostic`) instead of pushing: only for clients that
    /// can also be told to re-pull (`workspace.diagnostics.refreshSupport`), because diagnostics
    /// change without an edit (settings, a changed `.env`).
    pub(crate) pull_diagnostics: bool,
    pub(crate) work_done_progress: bool,
    pub(crate) document_changes: bool,
    pub(crate) snippets: bool,
    pub(crate) hierarchical_symbols: bool,
    pub(crate) related_information: bool,
    pub(crate) markdown_hover: bool,
    pub(crate) workspace_configuration: bool,
    pub(crate) watch_files: bool,
    /// `workspace/codeLens/refresh` may be sent (D5: only when advertised).
    pub(crate) code_lens_refresh: bool,
    /// `window/showDocument` may be sent (`sdls.showDrift` opens the diff with it).
    pub(crate) show_document: bool,
    pub(crate) roots: Vec<PathBuf>,
}

impl Session {
    pub(crate) fn negotiate(params: &InitializeParams) -> Session {
        let caps: &ClientCapabilities = &params.capabilities;
        let offered = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        let encoding = if offered.is_some_and(|o| o.contains(&PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let text = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        let pull_diagnostics = text.and_then(|t| t.diagnostic.as_ref()).is_some()
            && workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                == Some(true);
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path())
        {
            roots.push(root.into_owned());
        }
        Session {
            encoding,
            pull_diagnostics,
            work_done_progress: caps.window.as_ref().and_then(|w| w.work_done_progress)
                == Some(true),
            document_changes: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                == Some(true),
            snippets: text
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                == Some(true),
            hierarchical_symbols: text
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                == Some(true),
            related_information: text
                .and_then(|t| t.publish_diagnostics.as_ref())
                .and_then(|p| p.related_information)
                != Some(false),
            markdown_hover: text
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                .is_none_or(|f| f.contains(&tower_lsp_server::ls_types::MarkupKind::Markdown)),
            workspace_configuration: workspace.and_then(|w| w.configuration) == Some(true),
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                == Some(true),
            code_lens_refresh: workspace
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                == Some(true),
            show_document: caps
                .window
                .as_ref()
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|s| s.support),
            roots,
        }
    }

    /// The folder `s` would run from for `path`: the innermost workspace folder containing it.
    pub(crate) fn workspace_of(&self, path: &std::path::Path) -> Option<PathBuf> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
    }
}
