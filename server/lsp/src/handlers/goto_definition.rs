//! `textDocument/definition`: variables, resources, templates, `extend` and `${file()}` paths.

use std::sync::Arc;

use analysis::Host;
use syntax::{LineIndex, TextRange};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, Position, Range, Uri,
};

use crate::line_map;
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    let (view, offset) = state
        .view_at(&position.text_document.uri, position.position)
        .await?;
    let Some(analysis) = view.analysis() else {
        return Ok(None);
    };
    let session = state.session();
    let doc = view.doc();
    let targets = analysis::ide::definition(analysis, offset);
    let mut locations = Vec::new();
    for target in targets {
        let location = match (&target.path, target.range) {
            (None, Some(r)) => Location {
                uri: doc.uri.clone(),
                range: to_proto::range(doc, session.encoding, view.to_real(r)),
            },
            (None, None) => continue,
            (Some(path), range) => {
                let Some(uri) = Uri::from_file_path(path) else {
                    continue;
                };
                let range = match range {
                    Some(r) => {
                        other_file_range(&state.overlay(), analysis, path, session.encoding, r)
                    }
                    None => Range::new(Position::new(0, 0), Position::new(0, 0)),
                };
                Location { uri, range }
            }
        };
        locations.push(location);
    }
    Ok(match locations.len() {
        0 => None,
        1 => locations.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    })
}

fn other_file_range(
    host: &dyn Host,
    analysis: &analysis::Analysis,
    path: &std::path::Path,
    enc: line_map::Encoding,
    r: TextRange,
) -> Range {
    let text = match analysis.sources.files.iter().find(|f| f.path == path) {
        Some(f) => f.text.clone(),
        // Open documents first: the editor's unsaved text is what it will show.
        None => host
            .read_file(path)
            .map(|t| syntax::normalize_newlines(&t).0.into_owned())
            .unwrap_or_default(),
    };
    line_map::range(&LineIndex::new(&text), enc, r)
}
