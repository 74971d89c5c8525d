//! `textDocument/completion`: keys, values, `${` names and snippets at the cursor.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CompletionList, CompletionParams, CompletionResponse};

use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position;
    let (view, offset) = state
        .view_at(&position.text_document.uri, position.position)
        .await?;
    let Some(analysis) = view.analysis() else {
        return Ok(None);
    };
    let session = state.session();
    let doc = view.doc();
    let host = state.overlay();
    let path = doc.analysis_path();
    let items = analysis::ide::completion(analysis, &host, &path, offset)
        .into_iter()
        .filter_map(|mut item| {
            item.replace_range = view.to_real(item.replace_range);
            to_proto::completion_item(doc, &session, &item)
        })
        .collect();
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    })))
}
