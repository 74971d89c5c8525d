//! `textDocument/hover`: schema docs, resolved `${...}` values, variable definitions.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(state: &Arc<ServerState>, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let (view, offset) = state
        .view_at(&position.text_document.uri, position.position)
        .await?;
    let Some(analysis) = view.analysis() else {
        return Ok(None);
    };
    let Some(found) = analysis::ide::hover(analysis, offset) else {
        return Ok(None);
    };
    let session = state.session();
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if session.markdown_hover {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: found.markdown,
        }),
        range: Some(to_proto::range(
            view.doc(),
            session.encoding,
            view.to_real(found.range),
        )),
    }))
}
