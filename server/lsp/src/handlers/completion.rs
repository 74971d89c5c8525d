//! `textDocument/completion`: keys, values, `${` names and snippets at the cursor.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CompletionList, CompletionParams, CompletionResponse};

use crate::line_map;
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let uri = params.text_document_position.text_document.uri;
    let analyzed = state.analyzed(&uri).await?;
    let Some(analysis) = analyzed.analysis.as_ref() else {
        return Ok(None);
    };
    let session = state.session();
    let doc = &analyzed.doc;
    let offset = line_map::offset(
        &doc.line_index,
        session.encoding,
        params.text_document_position.position,
    );
    let host = state.overlay();
    let path = doc.analysis_path();
    let items = analysis::ide::completion(analysis, &host, &path, offset);
    let items = items
        .iter()
        .filter_map(|item| to_proto::completion_item(doc, &session, item))
        .collect();
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    })))
}
