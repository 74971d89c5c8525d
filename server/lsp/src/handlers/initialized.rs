//! `initialized`: pull settings with `workspace/configuration` and watch files analysis reads,
//! both spawned (never awaited inside a handler: crates.md §1.2 rule 2); start the background
//! drift reader.

use std::sync::Arc;

use tower_lsp_server::ls_types::InitializedParams;

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, _: InitializedParams) {
    super::did_change_configuration::pull_settings(state.clone());
    super::did_change_watched_files::register(state.clone());
    crate::drift::start_background(state.clone());
}
