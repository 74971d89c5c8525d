//! The sdls language server: tower-lsp-server glue over `analysis`. Handlers take snapshots and
//! convert; analysis runs in one worker per document, off the serve task; positions exist only
//! at the edge (`line_map`, `to_proto`).
//!
//! The rules this crate keeps (crates.md §1.2): FULL sync with versions, state changed before
//! any `.await`; no client round trip awaited inside a handler; `window/workDoneProgress/cancel`
//! registered; a raised concurrency level; an ordering test on the real transport.

mod capabilities;
mod config;
mod document;
pub mod ext;
mod handlers;
mod host;
mod jobs;
mod line_map;
mod server;
mod session;
mod state;
mod to_proto;
mod worker;
mod workspace_check;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{ClientSocket, LspService};

pub use host::FsHost;
pub use server::Server;

/// Handler futures polled at once. A slot is a future, not a thread; 4 (the default) lets four
/// slow requests hold up every message behind them (rule 4).
pub const CONCURRENCY: usize = 32;

/// The service with sdls's custom methods registered.
pub fn service() -> (LspService<Server>, ClientSocket) {
    LspService::build(Server::new)
        .custom_method(
            "window/workDoneProgress/cancel",
            Server::work_done_progress_cancel,
        )
        .custom_method(ext::DOCUMENT_STATE, Server::document_state)
        .finish()
}

/// Serves LSP over any byte streams (stdio in production, a duplex pipe in tests) until `exit`.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = service();
    tower_lsp_server::Server::new(input, output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
}

/// `sdls serve`: LSP on stdin/stdout.
pub async fn serve_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}
