//! `sdls.showResolved [uri]`: the document as `s preview` resolves it (`analysis::preview`'s
//! human YAML), written to `<temp>/sdls-preview/<hash of uri>/<name>.resolved.yaml` and shown
//! with `window/showDocument`, as `sdls.showDrift` shows its diff. While the document stays
//! open, the file is written again after the full analysis of each new version (the editor
//! reloads it), so the view follows the user's edits.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ShowDocumentParams, Uri};

use crate::ext::ShowResolvedResult;
use crate::state::ServerState;
use crate::worker::Analyzed;

/// Clients may never answer `window/showDocument`.
const CLIENT_ANSWER: Duration = Duration::from_secs(10);
/// How often a shown view looks for a new version of its document.
const POLL: Duration = Duration::from_millis(150);

/// Views being kept current: (server, document).
static KEPT_CURRENT: Mutex<Vec<(usize, Uri)>> = Mutex::new(Vec::new());

pub(crate) async fn show_resolved(
    state: &Arc<ServerState>,
    uri: Uri,
) -> Result<ShowResolvedResult> {
    let analyzed = state.analyzed(&uri).await?;
    let text = resolved_text(&analyzed)
        .ok_or_else(|| Error::invalid_params(format!("{} is not an s.yaml", uri.as_str())))?;
    let mut shown = None;
    if state.session().show_document {
        match write_resolved(&resolved_path(&uri), &text) {
            Ok(path) => {
                if let Some(file_uri) = Uri::from_file_path(&path) {
                    shown = Some(file_uri.clone());
                    keep_current(state, uri.clone(), path, analyzed.doc.version);
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

/// `<temp>/sdls-preview/<hash of uri>/<file name>.resolved.yaml`.
fn resolved_path(uri: &Uri) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("sdls-preview")
        .join(format!("{:016x}", fnv1a(uri.as_str().as_bytes())));
    let stem = uri
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or("s.yaml")
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml");
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{name}.resolved.yaml"))
}

/// Writes through a temporary file and a rename, so an editor never shows half a file.
fn write_resolved(path: &Path, text: &str) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(path.to_path_buf())
}

/// Rewrites the view after the full analysis of each new version, until the document is
/// closed or the server ends. One task per (server, document).
fn keep_current(state: &Arc<ServerState>, uri: Uri, path: PathBuf, written: i32) {
    let key = (Arc::as_ptr(state) as usize, uri.clone());
    {
        let mut kept = KEPT_CURRENT.lock().unwrap_or_else(|e| e.into_inner());
        if kept.contains(&key) {
            return;
        }
        kept.push(key.clone());
    }
    let weak: Weak<ServerState> = Arc::downgrade(state);
    tokio::spawn(async move {
        let (mut written, mut seen) = (written, written);
        loop {
            tokio::time::sleep(POLL).await;
            let Some(state) = weak.upgrade() else { break };
            let Some(doc) = state.document(&uri) else {
                break;
            };
            if doc.version == written {
                continue;
            }
            if doc.version != seen {
                // Still typing: wait until a version stays for one poll.
                seen = doc.version;
                continue;
            }
            // The full analysis of this version (started now if it waits for quiet time).
            let Ok(analyzed) = state.analyzed(&uri).await else {
                continue;
            };
            if let Some(text) = resolved_text(&analyzed)
                && let Err(err) = write_resolved(&path, &text)
            {
                tracing::warn!("cannot write the resolved view: {err}");
            }
            written = analyzed.doc.version;
        }
        let mut kept = KEPT_CURRENT.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|k| *k != key);
    });
}

/// FNV-1a, 64 bits: a stable folder name per document.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
