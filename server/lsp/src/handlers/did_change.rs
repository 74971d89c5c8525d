//! `textDocument/didChange` (FULL sync): swap in the newest text before any `.await`; a change
//! whose version is not newer than the current one is dropped.

use std::sync::Arc;

use tower_lsp_server::ls_types::DidChangeTextDocumentParams;

use crate::state::{ServerState, Update};

pub(crate) fn handle(state: &Arc<ServerState>, params: DidChangeTextDocumentParams) {
    // With FULL sync every change carries the whole text; the last one is the newest.
    let Some(change) = params.content_changes.last() else {
        return;
    };
    if change.range.is_some() {
        // We advertise FULL; a client sending a range anyway cannot be followed safely.
        tracing::warn!("ignored an incremental change: sdls uses full text sync");
        return;
    }
    match state.change(
        &params.text_document.uri,
        params.text_document.version,
        &change.text,
    ) {
        Update::Applied => {}
        Update::Stale => tracing::debug!(
            "dropped stale change v{} of {}",
            params.text_document.version,
            params.text_document.uri.as_str()
        ),
        Update::NotOpen => tracing::warn!(
            "change for a document that is not open: {}",
            params.text_document.uri.as_str()
        ),
    }
}
