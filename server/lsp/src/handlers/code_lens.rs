//! `textDocument/codeLens`: one lens per function on its resource key, titled with the drift
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
use crate::ext::{DEPLOY, DeployCommandOptions, DeployMode, PULL, SHOW_DRIFT};
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    if !state.config().drift.enable {
        return Ok(None);
    }
    let uri = params.text_document.uri;
    let analyzed = state.analyzed(&uri).await?;
    let Some(functions) = drift::doc_functions(&analyzed) else {
        return Ok(None);
    };
    state.drift.kick(&functions);
    let (functions, states) = drift::Drift::states_off_thread(state, functions)
        .await
        .ok_or_else(Error::internal_error)?;
    let encoding = state.session().encoding;
    let doc = &analyzed.doc;
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
    let mut lenses: Vec<CodeLens> = Vec::new();
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
