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

/// `workspace/executeCommand` command: the unified diff between the live function and the
/// file's view of it. Arguments `[uri, resource]`; returns [`ShowDriftResult`].
pub const SHOW_DRIFT: &str = "sdls.showDrift";

/// `workspace/executeCommand` command: the document as `s preview` resolves it (YAML, resources
/// in run order, run-time values commented, secrets masked), written to a temporary file shown
/// with `window/showDocument` and rewritten after each edit while the document is open.
/// Arguments `[uri]`; returns [`ShowResolvedResult`].
pub const SHOW_RESOLVED: &str = "sdls.showResolved";

/// `workspace/executeCommand` command: read the remote again now (a job with `$/progress`).
/// Arguments `[uri]` (one document) or none (every open s.yaml).
pub const REFRESH_DRIFT: &str = "sdls.refreshDrift";

/// `workspace/executeCommand` command: write the remote config of a function into the document
/// as the smallest text edits. Arguments `[uri, resource, version]`: `version` is the document
/// version the user acted on; another version answers `ContentModified` and nothing is edited.
/// The edit is sent with `workspace/applyEdit` (versioned when the client supports
/// `documentChanges`); returns [`PullResult`] at once, without waiting for the client.
pub const PULL: &str = "sdls.pull";

/// `workspace/executeCommand` command: deploy functions of a document (a job with `$/progress`:
/// package, check, upload, update function, triggers, configs, verify). Arguments
/// `[uri, resource | null, options?]`: `null` deploys every function of the document;
/// `options` is [`DeployCommandOptions`].
pub const DEPLOY: &str = "sdls.deploy";

/// The options of `sdls.deploy`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeployCommandOptions {
    /// `default` (refuse remote changes), `localWins` (overwrite them, after confirmation), or
    /// `useRemote` (leave drifted functions as they are).
    pub mode: DeployMode,
    /// `all`, `code` or `config`.
    pub part: DeployPart,
    /// The user already confirmed overwriting remote changes (no `window/showMessageRequest`).
    pub confirmed: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeployMode {
    #[default]
    Default,
    LocalWins,
    UseRemote,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeployPart {
    #[default]
    All,
    Code,
    Config,
}

/// What `sdls.pull` returns.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResult {
    /// The fields whose remote value is in the edit (dotted paths).
    pub pulled: Vec<String>,
    /// Differences left as they are, with why (a shared expression, a run-time value…).
    pub not_pulled: Vec<NotPulledField>,
    /// Whether an edit was sent to the client (`false`: nothing to pull).
    pub edit_sent: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotPulledField {
    pub path: String,
    pub reason: String,
}

/// What `sdls.showResolved` returns.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowResolvedResult {
    /// The file the resolved YAML was written to and shown with `window/showDocument`; `null`
    /// when the client cannot show documents.
    pub uri: Option<Uri>,
    /// The resolved YAML.
    pub text: String,
}

/// `sdls/driftStatus` request method name.
pub const DRIFT_STATUS: &str = "sdls/driftStatus";

/// What `sdls.showDrift` returns.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowDriftResult {
    pub title: String,
    /// The file the diff was written to and shown with `window/showDocument`; `null` when the
    /// client cannot show documents.
    pub uri: Option<Uri>,
    /// The diff (or why there is none), `---`/`+++` headers `live (remote)` / `s.yaml (local)`.
    pub text: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftStatusParams {
    /// One document; absent: every open s.yaml document.
    #[serde(default)]
    pub text_document: Option<tower_lsp_server::ls_types::TextDocumentIdentifier>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftStatusResult {
    pub documents: Vec<DocumentDrift>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentDrift {
    pub uri: Uri,
    /// The version of the document the functions were taken from.
    pub version: i32,
    /// `local`, the endpoint URL, `mixed`, or `none` before any read.
    pub remote: String,
    /// One entry per function: `ops`'s report JSON (as `sdls plan --format json` prints it)
    /// plus `range` (of the lens: the resource key) and `pending` (no read yet).
    pub functions: Vec<serde_json::Value>,
    /// Function resources that cannot be addressed remotely, with why.
    pub skipped: Vec<SkippedFunction>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedFunction {
    pub resource: String,
    pub reason: String,
    pub range: Option<tower_lsp_server::ls_types::Range>,
}
