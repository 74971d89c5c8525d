//! `window/workDoneProgress/cancel`: not a trait method of tower-lsp-server, registered as a
//! custom method (an unregistered notification would be dropped silently: rule 3).

use std::sync::Arc;

use tower_lsp_server::ls_types::WorkDoneProgressCancelParams;

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: WorkDoneProgressCancelParams) {
    let token = crate::jobs::token_key(&params.token);
    if !state.cancel_job(&token) {
        tracing::debug!("cancel for an unknown or finished job {token}");
    }
}
