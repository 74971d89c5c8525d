//! `sdls.pull [uri, resource, version]`: the remote config of one function written into the
//! document as the smallest text edits (`ops::pull`), from the read the lens shows — what the
//! user saw is what is pulled. The edit is tied to the version the user acted on: another
//! version answers `ContentModified` and nothing is edited; the `workspace/applyEdit` sent is
//! versioned (when the client takes `documentChanges`), so a client whose text moved on in the
//! meantime refuses it too. The handler never waits for the client: the edit is sent from a
//! task, which afterwards records the pulled read as the function's baseline once the edited
//! document compares in sync with it (as `sdls pull` does after writing the file).

use std::sync::Arc;
use std::time::Duration;

use ops::pull;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ApplyWorkspaceEditParams, MessageType, Uri, request};

use super::doc_functions;
use crate::ext::{NotPulledField, PullResult};
use crate::state::ServerState;
use crate::to_proto;

/// Clients may never answer `workspace/applyEdit`, or never send the edited text.
const CLIENT_ANSWER: Duration = Duration::from_secs(30);

pub(crate) async fn pull(
    state: &Arc<ServerState>,
    uri: Uri,
    resource: String,
    version: i32,
) -> Result<PullResult> {
    let current = state
        .document(&uri)
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))?;
    if current.version != version {
        return Err(stale(version, current.version));
    }
    let analyzed = state.analyzed(&uri).await?;
    if analyzed.doc.version != version {
        return Err(stale(version, analyzed.doc.version));
    }
    let (Some(analysis), Some(doc)) = (analyzed.analysis.as_ref(), doc_functions(&analyzed)) else {
        return Err(refused(format!(
            "{} is not an s.yaml file on disk",
            uri.as_str()
        )));
    };
    if let Some(model) = &analysis.model
        && matches!(model.edition, analysis::Edition::Legacy(_))
    {
        return Err(refused(pull::LEGACY_REFUSAL.into()));
    }
    let Some(function) = doc
        .functions
        .iter()
        .find(|f| f.resource == resource)
        .cloned()
    else {
        let why = doc
            .skipped
            .iter()
            .find(|s| s.resource == resource)
            .map_or_else(
                || format!("no function resource `{resource}` in this file"),
                |s| format!("{resource} cannot be read remotely: {}", s.reason),
            );
        return Err(refused(why));
    };
    let Some(read) = state.drift.read(&doc, &function) else {
        return Err(refused(format!(
            "the remote of {resource} has not been read yet; wait for its lens, or run sdls.refreshDrift"
        )));
    };
    // Secrets shown: the edit must carry the live environment values (D15), never masks.
    let file_dir = doc.file_dir.clone();
    let (for_report, f) = (read.clone(), function.clone());
    let report =
        tokio::task::spawn_blocking(move || ops::engine::report(&file_dir, &f, &for_report, true))
            .await
            .map_err(|_| Error::internal_error())?;
    if let Some(why) = pull::why_not(&report) {
        return Err(refused(format!("{resource}: {why}")));
    }
    let changes = pull::changes_from_report(&report);
    let found = pull::edits_for(analysis, &resource, &changes).map_err(refused)?;
    let result = PullResult {
        pulled: found.pulled.iter().map(|p| p.dotted()).collect(),
        not_pulled: found
            .not_pulled
            .iter()
            .map(|n| NotPulledField {
                path: n.path.dotted(),
                reason: n.reason.clone(),
            })
            .collect(),
        edit_sent: !found.edits.is_empty(),
    };
    if found.edits.is_empty() {
        return Ok(result);
    }
    let edit = to_proto::workspace_edit(&analyzed.doc, &state.session(), &found.edits);
    let label = format!("Pull {resource} from the remote");
    let state = state.clone();
    tokio::spawn(async move {
        let params = ApplyWorkspaceEditParams {
            edit,
            label: Some(label),
        };
        let answer = tokio::time::timeout(
            CLIENT_ANSWER,
            state
                .client
                .send_request::<request::ApplyWorkspaceEdit>(params),
        )
        .await;
        match answer {
            Ok(Ok(response)) if response.applied => {
                adopt_when_edited(&state, &uri, version, &resource, &read).await;
            }
            Ok(Ok(response)) => {
                let why = response
                    .failure_reason
                    .unwrap_or_else(|| "the editor refused the edit".into());
                state
                    .client
                    .show_message(
                        MessageType::WARNING,
                        format!("sdls: the pull of {resource} was not applied: {why}"),
                    )
                    .await;
            }
            _ => tracing::warn!("the client did not answer workspace/applyEdit for {resource}"),
        }
    });
    Ok(result)
}

/// Once the client sent the edited text: if the function now compares in sync with the read
/// it was pulled from, that read becomes its baseline (a later change of either side is then
/// told apart), and lenses and diagnostics are recomputed.
async fn adopt_when_edited(
    state: &Arc<ServerState>,
    uri: &Uri,
    version: i32,
    resource: &str,
    read: &ops::engine::RemoteRead,
) {
    let deadline = tokio::time::Instant::now() + CLIENT_ANSWER;
    let analyzed = loop {
        if state.document(uri).is_some_and(|d| d.version > version)
            && let Ok(a) = state.analyzed(uri).await
        {
            break a;
        }
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let Some(doc) = doc_functions(&analyzed) else {
        return;
    };
    let Some(function) = doc
        .functions
        .iter()
        .find(|f| f.resource == resource)
        .cloned()
    else {
        return;
    };
    let read = read.clone();
    let file_dir = doc.file_dir.clone();
    let _ = tokio::task::spawn_blocking(move || {
        let report = ops::engine::report(&file_dir, &function, &read, false);
        ops::engine::adopt_in_sync(&file_dir, &function, &read, &report);
    })
    .await;
    state.drift.changed();
}

fn stale(acted: i32, now: i32) -> Error {
    let mut error = Error::content_modified();
    error.message = format!(
        "the document changed since the pull was offered (version {acted}, now {now}); nothing was edited — pull again from the refreshed lens"
    )
    .into();
    error
}

fn refused(message: String) -> Error {
    Error {
        code: ErrorCode::InvalidRequest,
        message: message.into(),
        data: None,
    }
}
