//! Files analysis reads (`.env`, `extend` bases, `${file()}` targets) changed on disk:
//! re-analyse the open s.yaml files.

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher,
    GlobPattern, Registration,
};

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, _: DidChangeWatchedFilesParams) {
    state.reanalyse_all();
}

/// Dynamic registration of the watcher (spawned; only useful to clients that support it, and
/// harmless to the others, which answer with an error we ignore).
pub(crate) fn register(state: Arc<ServerState>) {
    if !state.session().watch_files {
        return;
    }
    tokio::spawn(async move {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: ["**/.env", "**/.env.*", "**/*.yaml", "**/*.yml", "**/*.json"]
                .into_iter()
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob.into()),
                    kind: None,
                })
                .collect(),
        };
        let registration = Registration {
            id: "sdls-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            state.client.register_capability(vec![registration]),
        )
        .await;
    });
}
