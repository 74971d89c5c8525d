//! `sdls.showResolved [uri]`: the document as `s preview` resolves it (`analysis::preview`'s
//! human YAML), written as a temporary view (`<temp>/sdls-preview/…/<name>.resolved.yaml`) and
//! shown with `window/showDocument`, as `sdls.showDrift` shows its diff. While the document stays
//! open, the document's worker rewrites the view after the full analysis of each new version
//! ([`after_analysis`]), so the editor's copy follows the user's edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ShowDocumentParams, Uri};

use crate::ext::ShowResolvedResult;
use crate::state::ServerState;
use crate::worker::Analyzed;

/// Clients may never answer `window/showDocument`.
const CLIENT_ANSWER: Duration = Duration::from_secs(10);

/// The documents whose resolved view is shown, and where.
#[derive(Default)]
pub(crate) struct ResolvedViews(Mutex<HashMap<Uri, PathBuf>>);

impl ResolvedViews {
    fn shown(&self, uri: &Uri) -> Option<PathBuf> {
        self.lock().get(uri).cloned()
    }

    fn insert(&self, uri: Uri, path: PathBuf) {
        self.lock().insert(uri, path);
    }

    /// The document was closed: its view is no longer kept current.
    pub(crate) fn forget(&self, uri: &Uri) {
        self.lock().remove(uri);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uri, PathBuf>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) async fn show(state: &Arc<ServerState>, uri: Uri) -> Result<ShowResolvedResult> {
    let analyzed = state.analyzed(&uri).await?;
    let text = resolved_text(&analyzed)
        .ok_or_else(|| Error::invalid_params(format!("{} is not an s.yaml", uri.as_str())))?;
    let mut shown = None;
    if state.session().show_document {
        match crate::temp_view::write("preview", &uri, &view_name(&uri), &text) {
            Ok(path) => {
                if let Some(file_uri) = Uri::from_file_path(&path) {
                    shown = Some(file_uri.clone());
                    state.resolved_views.insert(uri.clone(), path);
                    let client = state.client.clone();
                    // Spawned: no handler awaits a client round trip.
                    tokio::spawn(async move {
                        let params = ShowDocumentParams {
                            uri: file_uri,
                            external: None,
                            take_focus: Some(true),
                            selection: None,
                        };
                        let _ =
                            tokio::time::timeout(CLIENT_ANSWER, client.show_document(params)).await;
                    });
                }
            }
            Err(err) => tracing::warn!("cannot write the resolved view: {err}"),
        }
    }
    Ok(ShowResolvedResult { uri: shown, text })
}

/// Called by the document's worker when the full analysis of a new version lands: rewrites
/// the view if it is shown (off the worker, which goes on with the next edit).
pub(crate) fn after_analysis(state: &ServerState, analyzed: &Arc<Analyzed>) {
    let uri = &analyzed.doc.uri;
    if state.resolved_views.shown(uri).is_none() {
        return;
    }
    let (analyzed, uri) = (analyzed.clone(), uri.clone());
    tokio::task::spawn_blocking(move || {
        if let Some(text) = resolved_text(&analyzed)
            && let Err(err) = crate::temp_view::write("preview", &uri, &view_name(&uri), &text)
        {
            tracing::warn!("cannot write the resolved view: {err}");
        }
    });
}

/// `<file stem>.resolved.yaml`.
fn view_name(uri: &Uri) -> String {
    let stem = uri
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or("s.yaml")
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml");
    format!("{stem}.resolved.yaml")
}

/// The resolved YAML of an analysed s.yaml (`None` for other YAML): a header, then the
/// preview, or the errors that keep `s preview` from resolving it.
fn resolved_text(analyzed: &Analyzed) -> Option<String> {
    let analysis = analyzed.analysis.as_ref()?;
    let doc = &analyzed.doc;
    let name = doc.path.as_deref().and_then(Path::file_name).map_or_else(
        || doc.uri.as_str().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!(
        "# {name} resolved by sdls (document version {}), kept current while you edit; read-only\n",
        doc.version
    );
    match ::analysis::preview(analysis, None) {
        Ok(p) if p.failures.is_empty() => out.push_str(&p.to_yaml()),
        Ok(p) => {
            out.push_str("# It cannot be resolved, as `s preview` would fail:\n");
            for d in &p.failures {
                let start = usize::from(d.range.start()).min(doc.text.len());
                let line = doc.text[..start].matches('\n').count() + 1;
                out.push_str(&format!(
                    "#   line {line}: error[{}] {}\n",
                    d.code,
                    d.message.replace('\n', " ")
                ));
            }
        }
        Err(e) => out.push_str(&format!("# {e}\n")),
    }
    Some(out)
}
