//! `workspace/executeCommand`: validates, starts a job and returns at once (the job reports
//! through `$/progress` and messages; nothing here waits for it). `sdls.showDrift` answers from
//! the cached remote read (it may wait for the document's analysis, never for the network);
//! `sdls.pull` computes its edit from the cached read too, and sends it from a task.
//! `sdls.showResolved` writes the resolved view of the document's analysis (see
//! `resolved_view.rs`).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, Uri};

use crate::drift::commands;
use crate::drift::{deploy, pull};
use crate::ext::{
    CHECK_WORKSPACE, DEPLOY, DeployCommandOptions, PULL, REFRESH_DRIFT, SHOW_DRIFT, SHOW_RESOLVED,
};
use crate::jobs;
use crate::state::ServerState;
use crate::workspace_check;

/// The commands the server executes (advertised in the capabilities).
pub(crate) const COMMANDS: &[&str] = &[
    CHECK_WORKSPACE,
    SHOW_DRIFT,
    SHOW_RESOLVED,
    REFRESH_DRIFT,
    PULL,
    DEPLOY,
];

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
        SHOW_RESOLVED => {
            let uri = match params.arguments.first() {
                Some(uri) => parse_uri(uri)?,
                None => return Err(Error::invalid_params("sdls.showResolved takes [uri]")),
            };
            let result = crate::resolved_view::show(state, uri).await?;
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
        PULL => {
            let (uri, resource, version) = match params.arguments.as_slice() {
                [uri, resource, version, ..] => (
                    parse_uri(uri)?,
                    string(resource, "resource")?,
                    version
                        .as_i64()
                        .and_then(|v| i32::try_from(v).ok())
                        .ok_or_else(|| {
                            Error::invalid_params(format!(
                                "version must be the document version (an integer), not {version}"
                            ))
                        })?,
                ),
                _ => {
                    return Err(Error::invalid_params(
                        "sdls.pull takes [uri, resource, version]",
                    ));
                }
            };
            let result = pull::pull(state, uri, resource, version).await?;
            Ok(Some(
                serde_json::to_value(result).map_err(|_| Error::internal_error())?,
            ))
        }
        DEPLOY => {
            let mut arguments = params.arguments.iter();
            let uri = match arguments.next() {
                Some(v) => parse_uri(v)?,
                None => {
                    return Err(Error::invalid_params(
                        "sdls.deploy takes [uri, resource | null, options?]",
                    ));
                }
            };
            let resource = match arguments.next() {
                None | Some(Value::Null) => None,
                Some(v) => Some(string(v, "resource")?),
            };
            let options: DeployCommandOptions = match arguments.next() {
                None | Some(Value::Null) => DeployCommandOptions::default(),
                Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                    Error::invalid_params(format!(
                        "sdls.deploy options: {e} (expected {{\"mode\": \"default\"|\"localWins\"|\"useRemote\", \"part\": \"all\"|\"code\"|\"config\", \"confirmed\": bool}})"
                    ))
                })?,
            };
            // The document must be open: what is deployed is what the editor shows.
            if state.document(&uri).is_none() {
                return Err(Error::invalid_params(format!(
                    "{} is not open",
                    uri.as_str()
                )));
            }
            let job_state = state.clone();
            jobs::start(state.clone(), "Deploying", token, move |ctx| {
                deploy::run(job_state, uri, resource, options, ctx)
            });
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
