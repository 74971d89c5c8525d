//! `textDocument/documentSymbol`: resources → functions → triggers.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{DocumentSymbolParams, DocumentSymbolResponse};

use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let analyzed = state.analyzed(&params.text_document.uri).await?;
    let Some(analysis) = analyzed.analysis.as_ref() else {
        return Ok(None);
    };
    let session = state.session();
    let symbols = analysis::ide::document_symbols(analysis);
    let doc = &analyzed.doc;
    Ok(Some(if session.hierarchical_symbols {
        DocumentSymbolResponse::Nested(
            symbols
                .iter()
                .map(|s| to_proto::document_symbol(doc, session.encoding, s))
                .collect(),
        )
    } else {
        let mut flat = Vec::new();
        to_proto::flat_symbols(doc, session.encoding, &symbols, None, &mut flat);
        DocumentSymbolResponse::Flat(flat)
    }))
}
