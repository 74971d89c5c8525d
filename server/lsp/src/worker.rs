//! One analysis worker per open document, and the document's only diagnostics publisher (so
//! published versions never go backwards). No fixed delay: work starts as soon as a snapshot
//! arrives, and a `watch` channel keeps only the newest, so bursts coalesce.
//!
//! Two stages per version. Fast: when the edit stays inside one resource,
//! `analysis::diagnostics_after_edit` re-checks that resource and the ones linked to it, on top
//! of the last full analysis, and the result is published at once (D4). Full: `analysis::check`
//! on the whole file, off the serve task and without holding up the next fast stage; it feeds
//! hover, completion and the other requests, becomes the base of the next fast stage, and is
//! published when it differs from what the fast stage said (it is the authority).
//!
//! Remote drift diagnostics (`remote-drift`) are merged into every publication: computed with
//! each full analysis and again whenever remote reads land (without an edit); the fast stage
//! carries the last ones over, shifted past the edit (those inside the edited span wait for the
//! full analysis). After each full analysis the drift reader is asked to read the functions
//! whose read is missing or stale — never the others.

use std::sync::Arc;
use std::time::Duration;

use analysis::{EditBase, FileInput, Partial};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::document::Document;
use crate::drift::{self, present::Finding};
use crate::host::OverlayHost;
use crate::session::Session;
use crate::state::ServerState;
use crate::to_proto;

/// The full analysis of one document version.
pub(crate) struct Analyzed {
    pub(crate) doc: Arc<Document>,
    /// `None` for YAML files that are not s.yaml files (D6).
    pub(crate) analysis: Option<analysis::Analysis>,
    /// The diagnostics as the client sees them (empty when diagnostics are disabled).
    pub(crate) diagnostics: Vec<lsp::Diagnostic>,
}

/// The fast stage's analysis of the part of a version it checked again: requests at the place
/// just edited are answered from it until the full analysis is ready.
pub(crate) struct PartialAnalyzed {
    pub(crate) doc: Arc<Document>,
    pub(crate) partial: Partial,
}

/// What was last published, to skip identical re-publications.
struct Published {
    version: i32,
    diagnostics: Vec<lsp::Diagnostic>,
}

/// The drift diagnostics of one version, in byte offsets of its text.
struct DriftFindings {
    text: Arc<str>,
    findings: Vec<Finding>,
}

/// Quiet time after the last edit before the full analysis runs by itself (a request that
/// needs it starts it at once). Typing is never slowed down by full analyses in between.
const FULL_AFTER_IDLE: Duration = Duration::from_millis(300);

/// The worker's inputs besides the snapshots.
pub(crate) struct Signals {
    /// A request waits for the full analysis of the current version: run it now.
    pub(crate) wanted: Arc<Notify>,
    /// Diagnostics of the newest version, from whichever stage found them (pull requests).
    pub(crate) diagnostics: watch::Sender<Option<(i32, Arc<Vec<lsp::Diagnostic>>)>>,
    /// The fast stage's partial analysis of the newest version, if it ran.
    pub(crate) partial: watch::Sender<Option<Arc<PartialAnalyzed>>>,
}

pub(crate) async fn run(
    state: Arc<ServerState>,
    uri: Uri,
    mut input: watch::Receiver<Arc<Document>>,
    output: watch::Sender<Option<Arc<Analyzed>>>,
    signals: Signals,
) {
    let mut latest = input.borrow_and_update().clone();
    let mut base: Option<Arc<EditBase>> = None;
    let mut full: Option<JoinHandle<(Analyzed, Vec<Finding>)>> = None;
    let mut drift_now: Option<DriftFindings> = None;
    let mut generation = state.drift.subscribe();
    // When the full analysis of `latest` should start; `None` once it has.
    let mut full_due: Option<Instant> = Some(Instant::now());
    let mut published: Option<Published> = None;
    loop {
        if full.is_none() && full_due.is_some_and(|due| due <= Instant::now()) {
            full_due = None;
            if latest.version != output.borrow().as_ref().map_or(i32::MIN, |a| a.doc.version) {
                // The analysis of an older version serves no request any more: free it before
                // building the next one, so at most one full analysis is held.
                output.send_replace(None);
            }
            let (state, doc) = (state.clone(), latest.clone());
            full = Some(tokio::task::spawn_blocking(move || {
                let analyzed = analyse(&state, &state.session(), doc);
                let findings = drift::findings(&state, &analyzed);
                (analyzed, findings)
            }));
        }
        let sleep_until = full_due.filter(|_| full.is_none());
        tokio::select! {
            changed = input.changed() => {
                if changed.is_err() {
                    break;
                }
                let debounce = state.config().diagnostics.debounce_ms;
                if debounce > 0 {
                    tokio::time::sleep(Duration::from_millis(debounce)).await;
                }
                let doc = input.borrow_and_update().clone();
                // The same snapshot again means "settings or a dependency changed": only the
                // full analysis can say what that does.
                let edited = doc.version != latest.version;
                latest = doc;
                let mut fast = None;
                if edited && let Some(b) = base.clone() {
                    fast = fast_stage(&state, b, latest.clone()).await;
                }
                match fast {
                    Some((diagnostics, next, partial)) => {
                        base = Some(Arc::new(next));
                        signals.partial.send_replace(Some(Arc::new(PartialAnalyzed {
                            doc: latest.clone(),
                            partial,
                        })));
                        full_due = Some(Instant::now() + FULL_AFTER_IDLE);
                        let mut diagnostics = diagnostics;
                        diagnostics.extend(carried_drift(&state, drift_now.as_ref(), &latest));
                        let diagnostics = Arc::new(diagnostics);
                        signals.diagnostics.send_replace(Some((latest.version, diagnostics.clone())));
                        if !input.has_changed().unwrap_or(true) {
                            publish(&state, &uri, &mut published, latest.version, &diagnostics).await;
                        }
                    }
                    None => {
                        base = None;
                        signals.partial.send_replace(None);
                        full_due = Some(Instant::now());
                    }
                }
            }
            () = signals.wanted.notified(), if full_due.is_some() => {
                full_due = Some(Instant::now());
            }
            () = sleep_until_or_never(sleep_until) => {}
            Ok(()) = generation.changed() => {
                // Remote reads landed (or drift settings changed) without an edit: recompute
                // the drift diagnostics of the current full analysis. When one is pending it
                // will compute them itself.
                let current = output.borrow().clone();
                let Some(current) = current else { continue };
                if current.doc.version != latest.version || full.is_some() || full_due.is_some() {
                    continue;
                }
                let (s, a) = (state.clone(), current.clone());
                let Ok(findings) = tokio::task::spawn_blocking(move || drift::findings(&s, &a)).await else {
                    continue;
                };
                if drift_now.as_ref().is_some_and(|d| d.findings == findings && Arc::ptr_eq(&d.text, &current.doc.text)) {
                    continue;
                }
                let findings = DriftFindings { text: current.doc.text.clone(), findings };
                let diagnostics = Arc::new(merged(&state, &current, &findings));
                drift_now = Some(findings);
                signals.diagnostics.send_replace(Some((current.doc.version, diagnostics.clone())));
                if state.session().pull_diagnostics {
                    let client = state.client.clone();
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(10),
                            client.workspace_diagnostic_refresh(),
                        ).await;
                    });
                    continue;
                }
                if current.analysis.is_some() {
                    publish(&state, &uri, &mut published, current.doc.version, &diagnostics).await;
                }
            }
            done = async { full.as_mut().expect("guarded by the branch condition").await }, if full.is_some() => {
                full = None;
                let (analyzed, findings) = match done {
                    Ok((a, findings)) => (Arc::new(a), findings),
                    Err(err) => {
                        // A panic in analysis must not end the worker: say so, wait for an edit.
                        tracing::error!("analysis of {} failed: {err}", uri.as_str());
                        state.client.log_message(
                            lsp::MessageType::ERROR,
                            format!("sdls: analysis of {} failed: {err}", uri.as_str()),
                        ).await;
                        continue;
                    }
                };
                if analyzed.doc.version != latest.version {
                    // Overtaken by an edit: its result helps nobody.
                    full_due.get_or_insert_with(Instant::now);
                    continue;
                }
                output.send_replace(Some(analyzed.clone()));
                signals.partial.send_replace(None);
                crate::resolved_view::after_analysis(&state, &analyzed);
                if state.config().drift.enable
                    && let Some(functions) = drift::doc_functions(&analyzed)
                {
                    state.drift.kick(&functions);
                }
                if full_due.is_some() {
                    // A re-analysis (settings, a dependency) is already waiting.
                    continue;
                }
                base = analyzed.analysis.as_ref().and_then(EditBase::new).map(Arc::new);
                let findings = DriftFindings { text: analyzed.doc.text.clone(), findings };
                let diagnostics = Arc::new(merged(&state, &analyzed, &findings));
                drift_now = Some(findings);
                signals.diagnostics.send_replace(Some((analyzed.doc.version, diagnostics.clone())));
                let session = state.session();
                if session.pull_diagnostics {
                    let refresh = published.as_ref().is_some_and(|p| p.version == analyzed.doc.version);
                    published = Some(Published { version: analyzed.doc.version, diagnostics: Vec::new() });
                    if refresh {
                        // Diagnostics changed without an edit (settings, a dependency).
                        let client = state.client.clone();
                        tokio::spawn(async move {
                            let _ = tokio::time::timeout(
                                Duration::from_secs(10),
                                client.workspace_diagnostic_refresh(),
                            ).await;
                        });
                    }
                    continue;
                }
                if analyzed.analysis.is_none() && published.is_none() {
                    // Other YAML stays quiet (one empty publication clears what an earlier
                    // s.yaml version of it had).
                    continue;
                }
                publish(&state, &uri, &mut published, analyzed.doc.version, &diagnostics).await;
                if analyzed.analysis.is_none() {
                    published = None;
                }
            }
        }
    }
    if let Some(full) = full {
        full.abort();
    }
    // Closed: clear what we published, unless the document was opened again meanwhile (then
    // its new worker owns the diagnostics).
    if published.is_some() && state.document(&uri).is_none() && !state.session().pull_diagnostics {
        state
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }
}

/// The analysis diagnostics of a full analysis with its drift diagnostics.
fn merged(state: &ServerState, analyzed: &Analyzed, drift: &DriftFindings) -> Vec<lsp::Diagnostic> {
    let encoding = state.session().encoding;
    let mut all = analyzed.diagnostics.clone();
    all.extend(
        drift
            .findings
            .iter()
            .map(|f| to_proto::drift_diagnostic(&analyzed.doc, encoding, f)),
    );
    all
}

/// The last drift diagnostics moved into `doc`'s text: ranges before the edited span stay,
/// ranges after it shift by the length change, ranges touching it are dropped until the full
/// analysis computes them again.
fn carried_drift(
    state: &ServerState,
    drift: Option<&DriftFindings>,
    doc: &Document,
) -> Vec<lsp::Diagnostic> {
    let Some(drift) = drift else {
        return Vec::new();
    };
    let (old, new) = (drift.text.as_bytes(), doc.text.as_bytes());
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let (edit_start, old_edit_end) = (prefix, old.len() - suffix);
    let encoding = state.session().encoding;
    drift
        .findings
        .iter()
        .filter_map(|f| {
            let (start, end) = (usize::from(f.range.start()), usize::from(f.range.end()));
            let moved = if end <= edit_start {
                f.range
            } else if start >= old_edit_end {
                let shift = |o: usize| syntax::TextSize::try_from(o + new.len() - old.len()).ok();
                syntax::TextRange::new(shift(start)?, shift(end)?)
            } else {
                return None;
            };
            Some(to_proto::drift_diagnostic(
                doc,
                encoding,
                &Finding {
                    range: moved,
                    message: f.message.clone(),
                },
            ))
        })
        .collect()
}

async fn sleep_until_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Publishes `diagnostics` for `version` unless exactly that was already published for it.
/// Every version of an s.yaml gets one publication, empty too, so clients can tell "checked,
/// clean" from "not checked yet".
async fn publish(
    state: &ServerState,
    uri: &Uri,
    published: &mut Option<Published>,
    version: i32,
    diagnostics: &Arc<Vec<lsp::Diagnostic>>,
) {
    if state.session().pull_diagnostics {
        return;
    }
    if published
        .as_ref()
        .is_some_and(|p| p.version == version && p.diagnostics == **diagnostics)
    {
        return;
    }
    state
        .client
        .publish_diagnostics(uri.clone(), diagnostics.to_vec(), Some(version))
        .await;
    *published = Some(Published {
        version,
        diagnostics: diagnostics.to_vec(),
    });
}

/// The fast stage: `None` when the edit cannot be handled incrementally.
async fn fast_stage(
    state: &Arc<ServerState>,
    base: Arc<EditBase>,
    doc: Arc<Document>,
) -> Option<(Vec<lsp::Diagnostic>, EditBase, Partial)> {
    if !doc.is_s_yaml || !state.config().diagnostics.enable {
        return None;
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let session = state.session();
        let config = state.config();
        let host = state.overlay();
        let path = doc.analysis_path();
        let workspace = session.workspace_of(&path);
        let after = analysis::diagnostics_after_edit(
            &base,
            &FileInput {
                path: &path,
                text: &doc.text,
                workspace: workspace.as_deref(),
            },
            &host,
            config.check_options(),
        )?;
        // Related information of these diagnostics points into this file or into files read
        // from the host, never into an `extend` base (the fast path refuses those files).
        let converted = to_proto::diagnostic_list(&doc, &session, &after.diagnostics, &[], &host);
        Some((converted, after.base, after.partial))
    })
    .await
    .ok()
    .flatten()
}

fn analyse(state: &ServerState, session: &Session, doc: Arc<Document>) -> Analyzed {
    let config = state.config();
    if !doc.is_s_yaml {
        return Analyzed {
            doc,
            analysis: None,
            diagnostics: Vec::new(),
        };
    }
    let host: OverlayHost = state.overlay();
    let path = doc.analysis_path();
    let workspace = session.workspace_of(&path);
    let result = analysis::check(
        &FileInput {
            path: &path,
            text: &doc.text,
            workspace: workspace.as_deref(),
        },
        &host,
        config.check_options(),
    );
    let diagnostics = if config.diagnostics.enable {
        to_proto::diagnostic_list(
            &doc,
            session,
            &result.diagnostics,
            &result.sources.files,
            &host,
        )
    } else {
        Vec::new()
    };
    Analyzed {
        doc,
        analysis: Some(result),
        diagnostics,
    }
}
