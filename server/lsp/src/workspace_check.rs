//! The `sdls.checkWorkspace` job: every s.yaml under the workspace folders that is not open in
//! the editor is checked and its diagnostics published, so the editor's problem list covers
//! the whole project (open files keep their live diagnostics). Cancellable; bounded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use analysis::FileInput;
use tower_lsp_server::ls_types::Uri;

use crate::document::Document;
use crate::jobs::{JobContext, Outcome};
use crate::state::ServerState;
use crate::to_proto;

/// At most this many files are checked (the rest are named in the final message).
const MAX_FILES: usize = 10_000;
/// Larger files are skipped: no real s.yaml is this big.
const MAX_BYTES: u64 = 8 << 20;

pub(crate) async fn run(state: Arc<ServerState>, job: JobContext) -> anyhow::Result<Outcome> {
    let roots = state.session().roots;
    if roots.is_empty() {
        return Ok(Outcome::Done(
            "no workspace folder is open: nothing to check".into(),
        ));
    }
    let found = {
        let cancel = job.cancel.clone();
        tokio::task::spawn_blocking(move || find_files(&roots, &cancel)).await?
    };
    let open: HashSet<PathBuf> = state.open_paths().into_iter().collect();
    let files: Vec<PathBuf> = found.into_iter().filter(|p| !open.contains(p)).collect();
    let total = files.len().min(MAX_FILES);
    let (mut errors, mut warnings) = (0usize, 0usize);
    for (i, path) in files.iter().take(MAX_FILES).enumerate() {
        if job.cancel.is_cancelled() {
            return Ok(Outcome::Cancelled(format!(
                "workspace check cancelled after {i} of {total} files"
            )));
        }
        job.report(
            format!("{}/{total} {}", i + 1, short(path)),
            Some(u32::try_from(i * 100 / total.max(1)).unwrap_or(100)),
        );
        let checked = {
            let (state, path) = (state.clone(), path.clone());
            tokio::task::spawn_blocking(move || check_file(&state, &path)).await?
        };
        let Some((uri, diagnostics)) = checked else {
            continue;
        };
        errors += diagnostics
            .iter()
            .filter(|d| d.severity == Some(tower_lsp_server::ls_types::DiagnosticSeverity::ERROR))
            .count();
        warnings += diagnostics
            .iter()
            .filter(|d| d.severity == Some(tower_lsp_server::ls_types::DiagnosticSeverity::WARNING))
            .count();
        // A clean file is published only to clear what an earlier run said about it.
        let had = state.mark_workspace_published(&uri, !diagnostics.is_empty());
        if !diagnostics.is_empty() || had {
            state
                .client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
        }
    }
    let skipped = files.len().saturating_sub(MAX_FILES);
    let mut message = format!(
        "checked {total} s.yaml file{} not open in the editor: {errors} error{}, {warnings} warning{}",
        plural(total),
        plural(errors),
        plural(warnings)
    );
    if skipped > 0 {
        message.push_str(&format!(
            " ({skipped} more not checked: the limit is {MAX_FILES})"
        ));
    }
    Ok(Outcome::Done(message))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn short(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// s.yaml files by D6 (name, or `edition` + `resources`/`services` at the top level), honouring
/// `.gitignore` and skipping hidden folders (`.s`, `.git`) and `node_modules`.
fn find_files(roots: &[PathBuf], cancel: &tokio_util::sync::CancellationToken) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in roots {
        let walk = ignore::WalkBuilder::new(root)
            .filter_entry(|e| e.file_name() != "node_modules")
            .build();
        for entry in walk.flatten() {
            if cancel.is_cancelled() || out.len() > MAX_FILES * 2 {
                return out;
            }
            let path = entry.path();
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if !is_yaml || !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            if entry.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if analysis::is_s_yaml_name(&name)
                || std::fs::read_to_string(path).is_ok_and(|t| analysis::has_s_yaml_top_level(&t))
            {
                out.push(path.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn check_file(
    state: &ServerState,
    path: &Path,
) -> Option<(Uri, Vec<tower_lsp_server::ls_types::Diagnostic>)> {
    let raw = std::fs::read_to_string(path).ok()?;
    let uri = Uri::from_file_path(path)?;
    let doc = Document::new(uri.clone(), 0, &raw);
    let session = state.session();
    let config = state.config();
    let host = state.overlay();
    let workspace = session.workspace_of(path);
    let result = analysis::check(
        &FileInput {
            path,
            text: &doc.text,
            workspace: workspace.as_deref(),
        },
        &host,
        config.check_options(),
    );
    let diagnostics = to_proto::diagnostic_list(
        &doc,
        &session,
        &result.diagnostics,
        &result.sources.files,
        &host,
    );
    Some((uri, diagnostics))
}
