//! `textDocument/didClose`: drop the document; its worker clears its diagnostics and ends.

use std::sync::Arc;

use tower_lsp_server::ls_types::DidCloseTextDocumentParams;

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: DidCloseTextDocumentParams) {
    state.close(&params.text_document.uri);
}
