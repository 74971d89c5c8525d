//! sdls's own protocol extensions (documented in docs/lsp-extensions.md).

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::Uri;

/// `workspace/executeCommand` command: check every s.yaml of the workspace not open in the
/// editor and publish its diagnostics (a cancellable job with `$/progress`).
pub const CHECK_WORKSPACE: &str = "sdls.checkWorkspace";

/// `sdls/documentState` request method name.
pub const DOCUMENT_STATE: &str = "sdls/documentState";

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentStateParams {
    pub uri: Uri,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentStateResult {
    pub version: i32,
    /// The text as the server holds it (line breaks normalised to `\n`).
    pub text: String,
    /// Whether sdls analyses this document (an s.yaml by name or content).
    pub analysed: bool,
    /// `didChange` messages dropped because their version was not newer (server lifetime).
    pub stale_changes_dropped: u64,
}
