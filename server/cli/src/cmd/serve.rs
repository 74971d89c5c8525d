//! `sdls serve`: the language server on stdin/stdout. Logs go to stderr only (stdout is the
//! LSP channel); `SDLS_LOG` sets the filter (`info` by default, e.g. `SDLS_LOG=debug`).

use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Speak LSP over stdin/stdout (the default and only transport; accepted because editors
    /// and `vscode-languageclient` pass it)
    #[arg(long)]
    stdio: bool,
}

pub(crate) fn run(args: ServeArgs) -> Result<u8> {
    let _ = args.stdio;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SDLS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(lsp::serve_stdio());
    // Pending blocking analyses must not keep the process alive after `exit`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(0)
}
