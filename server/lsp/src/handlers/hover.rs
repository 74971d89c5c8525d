//! `textDocument/hover`: schema docs, resolved `${...}` values, variable definitions.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::line_map;
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(state: &Arc<ServerState>, params: HoverParams) -> Result<Option<Hover>> {
    let uri = params.text_document_position_params.text_document.uri;
    let analyzed = state.analyzed(&uri).await?;
    let Some(analysis) = analyzed.analysis.as_ref() else {
        return Ok(None);
    };
    let session = state.session();
    let doc = &analyzed.doc;
    let offset = line_map::offset(
        &doc.line_index,
        session.encoding,
        params.text_document_position_params.position,
    );
    let Some(found) = analysis::ide::hover(analysis, offset) else {
        return Ok(None);
    };
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if session.markdown_hover {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: found.markdown,
        }),
        range: Some(to_proto::range(doc, session.encoding, found.range)),
    }))
}
