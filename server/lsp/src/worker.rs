//! One analysis worker per open document. It waits for a new snapshot, analyses the newest one
//! off the serve task (bursts coalesce: a `watch` channel keeps only the latest), stores the
//! result for requests, and is the document's only diagnostics publisher, so published
//! versions never go backwards. There is no fixed delay: analysis starts as soon as nothing
//! newer is pending (`sdls.diagnostics.debounceMs` adds one if a user wants it).

use std::sync::Arc;
use std::time::Duration;

use analysis::{CheckOptions, FileInput, UnsetEnv};
use tokio::sync::watch;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::document::Document;
use crate::session::Session;
use crate::state::ServerState;
use crate::to_proto;

/// The analysis of one document version.
pub(crate) struct Analyzed {
    pub(crate) doc: Arc<Document>,
    /// `None` for YAML files that are not s.yaml files (D6).
    pub(crate) analysis: Option<analysis::Analysis>,
    /// The diagnostics as the client sees them (empty when diagnostics are disabled).
    pub(crate) diagnostics: Vec<lsp::Diagnostic>,
}

pub(crate) async fn run(
    state: Arc<ServerState>,
    uri: Uri,
    mut input: watch::Receiver<Arc<Document>>,
    output: watch::Sender<Option<Arc<Analyzed>>>,
) {
    let mut published_any = false;
    let mut last_version = None;
    let mut first = true;
    loop {
        if !first {
            if input.changed().await.is_err() {
                break;
            }
            let debounce = state.config().diagnostics.debounce_ms;
            if debounce > 0 {
                tokio::time::sleep(Duration::from_millis(debounce)).await;
            }
        }
        first = false;
        let doc = input.borrow_and_update().clone();
        let session = state.session();
        let analyzed = {
            let state = state.clone();
            let doc = doc.clone();
            let session = session.clone();
            tokio::task::spawn_blocking(move || analyse(&state, &session, doc)).await
        };
        let analyzed = match analyzed {
            Ok(a) => Arc::new(a),
            Err(err) => {
                // A panic in analysis must not end the worker: report it and wait for an edit.
                tracing::error!("analysis of {} failed: {err}", uri.as_str());
                state
                    .client
                    .log_message(
                        lsp::MessageType::ERROR,
                        format!("sdls: analysis of {} failed: {err}", uri.as_str()),
                    )
                    .await;
                continue;
            }
        };
        let same_version = last_version == Some(doc.version);
        last_version = Some(doc.version);
        output.send_replace(Some(analyzed.clone()));
        if input.has_changed().unwrap_or(true) {
            // A newer snapshot is waiting: publishing this one would only flicker.
            continue;
        }
        if session.pull_diagnostics {
            if same_version {
                // Diagnostics changed without an edit (settings, a dependency): ask to re-pull.
                let client = state.client.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        client.workspace_diagnostic_refresh(),
                    )
                    .await;
                });
            }
            continue;
        }
        // Published for every version of an s.yaml, empty too: clients and tests can tell
        // "checked, clean" from "not checked yet". Other YAML stays quiet (one empty
        // publication clears what an earlier s.yaml version of it had).
        if analyzed.analysis.is_none() && !published_any {
            continue;
        }
        published_any = analyzed.analysis.is_some();
        state
            .client
            .publish_diagnostics(uri.clone(), analyzed.diagnostics.clone(), Some(doc.version))
            .await;
    }
    // Closed: clear what we published, unless the document was opened again meanwhile (then
    // its new worker owns the diagnostics).
    if published_any && state.document(&uri).is_none() && !state.session().pull_diagnostics {
        state
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }
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
    let host = state.overlay();
    let path = doc.analysis_path();
    let workspace = session.workspace_of(&path);
    let options = CheckOptions {
        unset_env: if config.diagnostics.unset_env_error {
            UnsetEnv::Error
        } else {
            UnsetEnv::Warn
        },
    };
    let result = analysis::check(
        &FileInput {
            path: &path,
            text: &doc.text,
            workspace: workspace.as_deref(),
        },
        &host,
        options,
    );
    let diagnostics = if config.diagnostics.enable {
        to_proto::diagnostics(&doc, session, &result, &host)
    } else {
        Vec::new()
    };
    Analyzed {
        doc,
        analysis: Some(result),
        diagnostics,
    }
}
