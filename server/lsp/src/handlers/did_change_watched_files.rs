//! Files analysis reads (`.env`, `extend` bases, `${file()}` targets) changed on disk:
//! re-analyse the open s.yaml files. A changed baseline (`.s/deployed/…`, or the legacy
//! component's `.s/…` state) means someone deployed: the cached remote reads are dropped and
//! read again.

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher,
    GlobPattern, Registration,
};

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: DidChangeWatchedFilesParams) {
    let deployed = params.changes.iter().any(|c| {
        c.uri.to_file_path().is_some_and(|p| {
            // `.s/deployed/X.json` or `.s/X.json`; never the emulator's own files under
            // `.s/emulator/` (they change with every write the emulator serves).
            let parent = p.parent();
            let parent_name = parent.and_then(|d| d.file_name());
            let grandparent_name = parent.and_then(|d| d.parent()).and_then(|d| d.file_name());
            parent_name.is_some_and(|n| n == ".s")
                || (parent_name.is_some_and(|n| n == "deployed")
                    && grandparent_name.is_some_and(|n| n == ".s"))
        })
    });
    if deployed {
        state.drift.engine().clear();
        state.drift.changed();
    }
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
