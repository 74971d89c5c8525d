//! `workspace/didChangeConfiguration`: use the payload when it carries our section, else pull
//! it with `workspace/configuration` (clients differ: editor-clients.md §2).

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{ConfigurationItem, DidChangeConfigurationParams, MessageType};

use crate::state::ServerState;

pub(crate) fn handle(state: &Arc<ServerState>, params: DidChangeConfigurationParams) {
    let before = state.config();
    let problems = match state.config.write() {
        Ok(mut config) => config.apply(&params.settings),
        Err(_) => Vec::new(),
    };
    report(state, problems);
    if state.config() != before {
        state.settings_changed();
    } else {
        pull_settings(state.clone());
    }
}

/// Asks the client for section `sdls` (spawned, with a timeout: clients may never answer).
pub(crate) fn pull_settings(state: Arc<ServerState>) {
    if !state.session().workspace_configuration {
        return;
    }
    tokio::spawn(async move {
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("sdls".into()),
        };
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            state.client.configuration(vec![item]),
        )
        .await;
        let Ok(Ok(values)) = answer else {
            return;
        };
        let Some(value) = values.into_iter().next() else {
            return;
        };
        let before = state.config();
        // The answer is the section itself.
        let wrapped = serde_json::json!({ "sdls": value });
        let problems = match state.config.write() {
            Ok(mut config) => config.apply(&wrapped),
            Err(_) => Vec::new(),
        };
        report(&state, problems);
        if state.config() != before {
            state.settings_changed();
        }
    });
}

fn report(state: &Arc<ServerState>, problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    let client = state.client.clone();
    tokio::spawn(async move {
        for p in problems {
            client
                .show_message(MessageType::WARNING, format!("sdls: {p}"))
                .await;
        }
    });
}
