//! `textDocument/codeAction`: quick fixes built from the server's OWN current diagnostics on
//! the requested lines — never from the ranges a client echoes back (Neovim 0.7 echoes byte
//! columns; D5) — and the legacy → 3.0.0 conversion as a reviewable, versioned edit.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
};

use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let analyzed = state.analyzed(&params.text_document.uri).await?;
    let Some(analysis) = analyzed.analysis.as_ref() else {
        return Ok(None);
    };
    let session = state.session();
    let doc = &analyzed.doc;
    let wants = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str()
                    || kind.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    // The requested lines, whole: a zero-width cursor range still covers its line.
    let first_line = params.range.start.line;
    let last_line = params.range.end.line.max(first_line);
    let mut actions = Vec::new();
    if wants(&CodeActionKind::QUICKFIX) {
        for (d, lsp_diag) in analysis.diagnostics.iter().zip(analyzed.diagnostics.iter()) {
            let start = doc.line_index.line_col(d.range.start()).line;
            let end = doc.line_index.line_col(d.range.end()).line;
            if end < first_line || start > last_line {
                continue;
            }
            for (i, fix) in d.fixes.iter().enumerate() {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag.clone()]),
                    edit: Some(to_proto::workspace_edit(doc, &session, &fix.edits)),
                    is_preferred: Some(i == 0),
                    ..Default::default()
                }));
            }
        }
    }
    if wants(&CodeActionKind::REFACTOR_REWRITE)
        && let Some(rewrite) = analysis::ide::convert_legacy(analysis)
    {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: rewrite.title.clone(),
            kind: Some(CodeActionKind::REFACTOR_REWRITE),
            edit: Some(to_proto::workspace_edit(doc, &session, &rewrite.edits)),
            ..Default::default()
        }));
    }
    Ok(Some(actions))
}
