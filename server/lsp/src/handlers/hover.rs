//! `textDocument/hover`: schema docs, resolved `${...}` values, variable definitions, and on a
//! drifted field its local / last deployed / live values (from the cached remote read).

use std::sync::Arc;

use analysis::FileId;
use syntax::{TextRange, TextSize};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::drift::{self, present};
use crate::state::{ServerState, View};
use crate::to_proto;
use crate::worker::Analyzed;

pub(crate) async fn handle(state: &Arc<ServerState>, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let (view, offset) = state
        .view_at(&position.text_document.uri, position.position)
        .await?;
    let Some(analysis) = view.analysis() else {
        return Ok(None);
    };
    let found = analysis::ide::hover(analysis, offset);
    // Drift is shown from full analyses only: a partial one (right after an edit) has its own
    // offsets, and the full one follows within moments.
    let drifted = match &view {
        View::Full(analyzed) if state.config().drift.enable => {
            let (s, a) = (state.clone(), analyzed.clone());
            tokio::task::spawn_blocking(move || drift_at(&s, &a, offset))
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    let (markdown, range) = match (found, drifted) {
        (None, None) => return Ok(None),
        (Some(f), None) => (f.markdown, view.to_real(f.range)),
        (None, Some((range, section))) => (section, range),
        (Some(f), Some((_, section))) => (
            format!("{}\n\n---\n\n{section}", f.markdown),
            view.to_real(f.range),
        ),
    };
    let session = state.session();
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if session.markdown_hover {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: markdown,
        }),
        range: Some(to_proto::range(view.doc(), session.encoding, range)),
    }))
}

/// The drift section of the field at `offset`, with the field's range: the narrowest field of
/// the function around `offset` whose node contains it. Reads the baseline: off the serve task.
fn drift_at(
    state: &ServerState,
    analyzed: &Analyzed,
    offset: TextSize,
) -> Option<(TextRange, String)> {
    let analysis = analyzed.analysis.as_ref()?;
    let resource = analysis.model.as_ref()?.resources.iter().find(|r| {
        r.entry
            .filter(|e| e.file == FileId::MAIN)
            .is_some_and(|e| analysis.sources.range(e).contains_inclusive(offset))
    })?;
    let doc = drift::doc_functions(analyzed)?;
    let function = doc.functions.iter().find(|f| f.resource == resource.name)?;
    let report = state.drift.report(&doc, function)?;
    report
        .fields
        .iter()
        .filter_map(|field| {
            let range = present::field_range(analysis, function, &field.path)?;
            range
                .contains_inclusive(offset)
                .then(|| (range, present::hover_section(&report, field)))
        })
        .min_by_key(|(range, _)| range.len())
}
