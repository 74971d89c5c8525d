//! `window/workDoneProgress/cancel`: not a trait method of tower-lsp-server, registered as a
//! custom method (an unregistered notification would be dropped silently: rule 3).

use std::sync::Arc;

use tower_lsp_server::ls_types::{NumberOrString, WorkDoneProgressCancelParams};

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: WorkDoneProgressCancelParams) {
    let token = match params.token {
        NumberOrString::Number(n) => n.to_string(),
        NumberOrString::String(s) => s,
    };
    if !state.cancel_job(&token) {
        tracing::debug!("cancel for an unknown or finished job {token}");
    }
}
