//! `textDocument/codeAction`: quick fixes built from the server's OWN current diagnostics on
//! the requested lines — never from the ranges a client echoes back (Neovim 0.7 echoes byte
//! columns; D5) — and the legacy → 3.0.0 conversion as a reviewable, versioned edit. Inside a
//! function resource, the ways out of drift its cached state allows: "Pull remote into s.yaml"
//! (a quick fix of its `remote-drift` diagnostics), "Deploy (local wins)" and "Show diff" —
//! commands, so nothing waits on the network here.

use std::sync::Arc;

use serde_json::json;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command,
};

use crate::drift::{self, present};
use crate::ext::{DEPLOY, DeployCommandOptions, DeployMode, PULL, SHOW_DRIFT};
use crate::state::ServerState;
use crate::to_proto;

/// The kind of the deploy and diff actions: source actions of sdls (VS Code lists them under
/// "Source Action…"; Neovim lists every kind).
const SOURCE_SDLS: &str = "source.sdls";

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
    if state.config().drift.enable {
        drift_actions(
            state,
            &params,
            &analyzed,
            first_line,
            last_line,
            &wants,
            &mut actions,
        )
        .await;
    }
    Ok(Some(actions))
}

/// The drift actions of the function resources the requested lines fall in.
async fn drift_actions(
    state: &Arc<ServerState>,
    params: &CodeActionParams,
    analyzed: &crate::worker::Analyzed,
    first_line: u32,
    last_line: u32,
    wants: &(dyn Fn(&CodeActionKind) -> bool + Sync),
    actions: &mut Vec<CodeActionOrCommand>,
) {
    let (Some(analysis), Some(functions)) =
        (analyzed.analysis.as_ref(), drift::doc_functions(analyzed))
    else {
        return;
    };
    let Some(model) = analysis.model.as_ref() else {
        return;
    };
    let doc = &analyzed.doc;
    // The resources whose text (key to the end of its value) meets the requested lines.
    let touched: Vec<&str> = model
        .resources
        .iter()
        .filter(|r| r.key.file == analysis::FileId::MAIN)
        .filter_map(|r| {
            let start = doc
                .line_index
                .line_col(analysis.sources.range(r.key).start())
                .line;
            let end = r
                .entry
                .filter(|e| e.file == analysis::FileId::MAIN)
                .map_or(start, |e| {
                    doc.line_index
                        .line_col(analysis.sources.range(e).end())
                        .line
                });
            (start <= last_line && end >= first_line).then_some(r.name.as_str())
        })
        .collect();
    if touched.is_empty() {
        return;
    }
    let Some((_, states)) = drift::Drift::states_off_thread(state, functions).await else {
        return;
    };
    let uri = &params.text_document.uri;
    let source = CodeActionKind::new(SOURCE_SDLS);
    let encoding = state.session().encoding;
    for s in &states {
        let resource = s.function.resource.as_str();
        if !touched.contains(&resource) {
            continue;
        }
        for action in present::actions(&s.function, s.report.as_ref()) {
            let (kind, title, command, arguments) = match action {
                present::DriftAction::Pull => (
                    CodeActionKind::QUICKFIX,
                    format!("Pull remote into s.yaml ({resource})"),
                    PULL,
                    vec![json!(uri), json!(resource), json!(doc.version)],
                ),
                present::DriftAction::Deploy => {
                    let options = DeployCommandOptions {
                        mode: DeployMode::LocalWins,
                        ..Default::default()
                    };
                    (
                        source.clone(),
                        format!("{} ({resource})", action.title()),
                        DEPLOY,
                        vec![json!(uri), json!(resource), json!(options)],
                    )
                }
            };
            if !wants(&kind) {
                continue;
            }
            // The pull resolves this function's remote-drift diagnostics.
            let diagnostics = (action == present::DriftAction::Pull).then(|| {
                present::findings(analysis, std::slice::from_ref(s))
                    .iter()
                    .map(|f| to_proto::drift_diagnostic(doc, encoding, f))
                    .collect()
            });
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(kind),
                diagnostics,
                command: Some(Command {
                    title,
                    command: command.into(),
                    arguments: Some(arguments),
                }),
                ..Default::default()
            }));
        }
        let has_report = s.report.is_some();
        if has_report && wants(&source) {
            let title = format!("Show diff with the remote ({resource})");
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(source.clone()),
                command: Some(Command {
                    title,
                    command: SHOW_DRIFT.into(),
                    arguments: Some(vec![json!(uri), json!(resource)]),
                }),
                ..Default::default()
            }));
        }
    }
}
