//! `textDocument/didOpen`: store the snapshot and start its analysis (no `.await` before).

use std::sync::Arc;

use tower_lsp_server::ls_types::DidOpenTextDocumentParams;

use crate::document::Document;
use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    state.open(Document::new(item.uri, item.version, &item.text));
}
