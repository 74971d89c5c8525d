//! `sdls/documentState`: the server's view of a document (version, text, dropped stale
//! changes), for clients that want to verify synchronisation and for the ordering test.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};

use crate::ext::{DocumentStateParams, DocumentStateResult};
use crate::state::ServerState;

pub(crate) fn handle(
    state: &Arc<ServerState>,
    params: DocumentStateParams,
) -> Result<DocumentStateResult> {
    let doc = state
        .document(&params.uri)
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", params.uri.as_str())))?;
    Ok(DocumentStateResult {
        version: doc.version,
        text: doc.text.to_string(),
        analysed: doc.is_s_yaml,
        stale_changes_dropped: state
            .stale_changes
            .load(std::sync::atomic::Ordering::Relaxed),
    })
}
