//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod emulator;
pub(crate) mod plan;
pub(crate) mod preview;
pub(crate) mod pull;
pub(crate) mod serve;

/// The async runtime of the commands that talk to a remote (plan, deploy, pull, demo).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
