//! `initialize`: negotiate the session, take settings from `initializationOptions`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{InitializeParams, InitializeResult, ServerInfo};

use crate::capabilities::server_capabilities;
use crate::session::Session;
use crate::state::ServerState;

pub(crate) fn handle(state: &ServerState, params: InitializeParams) -> Result<InitializeResult> {
    let session = Session::negotiate(&params);
    if let Some(options) = &params.initialization_options
        && let Ok(mut config) = state.config.write()
    {
        for problem in config.apply(options) {
            tracing::warn!("{problem}");
        }
    }
    state.drift.apply_config(&state.config());
    let capabilities = server_capabilities(&session);
    // A second `initialize` is a protocol error the transport already rejects; keep the first.
    let _ = state.session.set(session);
    Ok(InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "sdls".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        offset_encoding: None,
    })
}
