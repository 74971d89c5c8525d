//! `workspace/executeCommand`: validates, starts a job and returns at once (the job reports
//! through `$/progress` and messages; nothing here waits for it).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::ExecuteCommandParams;

use crate::ext::CHECK_WORKSPACE;
use crate::jobs;
use crate::state::ServerState;
use crate::workspace_check;

/// The commands the server executes (advertised in the capabilities).
pub(crate) const COMMANDS: &[&str] = &[CHECK_WORKSPACE];

pub(crate) fn handle(
    state: &Arc<ServerState>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    match params.command.as_str() {
        CHECK_WORKSPACE => {
            let job_state = state.clone();
            jobs::start(
                state.clone(),
                "Checking s.yaml files",
                params.work_done_progress_params.work_done_token,
                move |ctx| workspace_check::run(job_state, ctx),
            );
            Ok(None)
        }
        other => Err(Error::invalid_params(format!(
            "unknown command `{other}`; sdls executes: {}",
            COMMANDS.join(", ")
        ))),
    }
}
