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
mod drift;
pub mod ext;
mod handlers;
mod host;
mod jobs;
mod line_map;
mod resolved_view;
mod server;
mod session;
mod state;
mod temp_view;
mod to_proto;
mod worker;
mod workspace_check;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{ClientSocket, LspService};

pub use host::FsHost;
pub use server::Server;

/// Handler futures polled at once. A slot is a future, not a thread; 4 (the default) lets four
/// slow requests hold up every message behind them (rule 4).
pub const CONCURRENCY: usize = 32;

/// How the server reaches the remote for drift. Injectable so that tests and embedders choose
/// the environment without touching the process's own (D18: tests isolate `HOME` and the
/// credential variables). `Default` takes everything from the process at start.
#[derive(Clone, Default)]
pub struct Options {
    /// The environment snapshot credentials and endpoints are read from (`AccountID`,
    /// `AccessKeyID`, `AccessKeySecret`, `FC_CLIENT_CUSTOM_ENDPOINT`, …); `None`: the process
    /// environment when the server starts.
    pub env: Option<BTreeMap<String, String>>,
    /// The home folder of `~/.s/access.yaml`; `None`: `HOME` of the environment snapshot.
    pub home: Option<PathBuf>,
    /// The `sdls` binary that runs the embedded emulator (`sdls emulator`, D19); `None`:
    /// `SDLS_BIN` of the environment snapshot, else the running executable.
    pub sdls_binary: Option<PathBuf>,
    /// Retry policy of the FC clients (tests shorten it); `None`: the client's default.
    pub retry: Option<fc::client::RetryPolicy>,
    /// Timeout of one FC call; `None`: the client's default.
    pub timeout: Option<Duration>,
}

/// The service with sdls's custom methods registered.
pub fn service() -> (LspService<Server>, ClientSocket) {
    service_with(Options::default())
}

/// [`service`] with explicit [`Options`].
pub fn service_with(options: Options) -> (LspService<Server>, ClientSocket) {
    LspService::build(move |client| Server::new(client, &options))
        .custom_method(
            "window/workDoneProgress/cancel",
            Server::work_done_progress_cancel,
        )
        .custom_method(ext::DOCUMENT_STATE, Server::document_state)
        .custom_method(ext::DRIFT_STATUS, Server::drift_status)
        .finish()
}

/// Serves LSP over any byte streams (stdio in production, a duplex pipe in tests) until `exit`.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    serve_with(input, output, Options::default()).await;
}

/// [`serve`] with explicit [`Options`].
pub async fn serve_with<I, O>(input: I, output: O, options: Options)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = service_with(options);
    tower_lsp_server::Server::new(input, output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
}

/// `sdls serve`: LSP on stdin/stdout.
pub async fn serve_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}
