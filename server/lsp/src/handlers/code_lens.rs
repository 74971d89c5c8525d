//! `textDocument/codeLens`: "Show resolved" on the `edition` key (`sdls.showResolved`), then one
//! lens per function on its resource key, titled with the drift
//! status from what is cached (never waits on the network; a missing or stale read is handed to
//! the background reader and the client is asked to refresh lenses when it lands). Clicking
//! runs `sdls.showDrift [uri, resource]`. After it, on the same line, the ways out the state
//! allows: "Pull remote" (`sdls.pull [uri, resource, version]`), "Deploy (local wins)"
//! (`sdls.deploy [uri, resource, {"mode": "localWins"}]`).

use std::sync::Arc;

use serde_json::json;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command};

use crate::drift::{self, present};
use crate::ext::{DEPLOY, DeployCommandOptions, DeployMode, PULL, SHOW_DRIFT, SHOW_RESOLVED};
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    let analyzed = state.analyzed(&uri).await?;
    if analyzed.analysis.is_none() {
        // Not an s.yaml (D6): no lens at all.
        return Ok(None);
    }
    let encoding = state.session().encoding;
    let doc = &analyzed.doc;
    let mut lenses = vec![resolved_lens(doc, encoding, &uri)];
    let functions = match drift::doc_functions(&analyzed) {
        Some(f) if state.config().drift.enable => f,
        _ => return Ok(Some(lenses)),
    };
    state.drift.kick(&functions);
    let (functions, states) = drift::Drift::states_off_thread(state, functions)
        .await
        .ok_or_else(Error::internal_error)?;
    let lens = |range, title: String, resource: &str| CodeLens {
        range: to_proto::range(doc, encoding, range),
        command: Some(Command {
            title,
            command: SHOW_DRIFT.into(),
            arguments: Some(vec![json!(uri), json!(resource)]),
        }),
        data: None,
    };
    let version = doc.version;
    let action_lens = |range, action: present::DriftAction, resource: &str| {
        let (command, arguments) = match action {
            present::DriftAction::Pull => (PULL, vec![json!(uri), json!(resource), json!(version)]),
            present::DriftAction::Deploy => {
                let options = DeployCommandOptions {
                    mode: DeployMode::LocalWins,
                    ..Default::default()
                };
                (DEPLOY, vec![json!(uri), json!(resource), json!(options)])
            }
        };
        CodeLens {
            range: to_proto::range(doc, encoding, range),
            command: Some(Command {
                title: action.title().into(),
                command: command.into(),
                arguments: Some(arguments),
            }),
            data: None,
        }
    };
    for s in &states {
        let Some(range) = s.function.key_range else {
            continue;
        };
        lenses.push(lens(
            range,
            present::lens_title(s.report.as_ref()),
            &s.function.resource,
        ));
        for action in present::actions(&s.function, s.report.as_ref()) {
            lenses.push(action_lens(range, action, &s.function.resource));
        }
    }
    lenses.extend(functions.skipped.iter().filter_map(|s| {
        Some(lens(
            s.key_range?,
            present::skipped_title(&s.reason),
            &s.resource,
        ))
    }));
    // Stable: on one line, the status lens stays first and the actions keep their order.
    lenses.sort_by_key(|l| (l.range.start.line, l.range.start.character));
    Ok(Some(lenses))
}

/// "Show resolved" (`sdls.showResolved [uri]`) on the top-level `edition` key (the first line
/// when there is none): the document as `s preview` resolves it.
fn resolved_lens(
    doc: &crate::document::Document,
    encoding: crate::line_map::Encoding,
    uri: &tower_lsp_server::ls_types::Uri,
) -> CodeLens {
    let mut at = 0;
    for line in doc.text.split_inclusive('\n') {
        if line.starts_with("edition") {
            break;
        }
        at += line.len();
    }
    if at >= doc.text.len() {
        at = 0;
    }
    let offset = syntax::TextSize::try_from(at).unwrap_or_default();
    CodeLens {
        range: to_proto::range(doc, encoding, syntax::TextRange::empty(offset)),
        command: Some(Command {
            title: "Show resolved".into(),
            command: SHOW_RESOLVED.into(),
            arguments: Some(vec![json!(uri)]),
        }),
        data: None,
    }
}
