//! `workspace/executeCommand`: validates, starts a job and returns at once (the job reports
//! through `$/progress` and messages; nothing here waits for it). `sdls.showDrift` answers from
//! the cached remote read (it may wait for the document's analysis, never for the network).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, Uri};

use crate::drift::commands;
use crate::ext::{CHECK_WORKSPACE, REFRESH_DRIFT, SHOW_DRIFT};
use crate::jobs;
use crate::state::ServerState;
use crate::workspace_check;

/// The commands the server executes (advertised in the capabilities).
pub(crate) const COMMANDS: &[&str] = &[CHECK_WORKSPACE, SHOW_DRIFT, REFRESH_DRIFT];

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let token = params.work_done_progress_params.work_done_token;
    match params.command.as_str() {
        CHECK_WORKSPACE => {
            let job_state = state.clone();
            jobs::start(state.clone(), "Checking s.yaml files", token, move |ctx| {
                workspace_check::run(job_state, ctx)
            });
            Ok(None)
        }
        SHOW_DRIFT => {
            let (uri, resource) = match params.arguments.as_slice() {
                [uri, resource, ..] => (parse_uri(uri)?, string(resource, "resource")?),
                _ => {
                    return Err(Error::invalid_params(
                        "sdls.showDrift takes [uri, resource]",
                    ));
                }
            };
            let result = commands::show_drift(state, uri, resource).await?;
            Ok(Some(
                serde_json::to_value(result).map_err(|_| Error::internal_error())?,
            ))
        }
        REFRESH_DRIFT => {
            let uri = match params.arguments.first() {
                None | Some(Value::Null) => None,
                Some(v) => Some(parse_uri(v)?),
            };
            let job_state = state.clone();
            jobs::start(
                state.clone(),
                "Reading remote functions",
                token,
                move |ctx| commands::refresh(job_state, uri, ctx),
            );
            Ok(None)
        }
        other => Err(Error::invalid_params(format!(
            "unknown command `{other}`; sdls executes: {}",
            COMMANDS.join(", ")
        ))),
    }
}

fn string(value: &Value, what: &str) -> Result<String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::invalid_params(format!("{what} must be a string, not {value}")))
}

fn parse_uri(value: &Value) -> Result<Uri> {
    serde_json::from_value(value.clone())
        .map_err(|e| Error::invalid_params(format!("not a document uri: {value} ({e})")))
}
