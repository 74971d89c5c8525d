//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod emulator;
pub(crate) mod plan;
pub(crate) mod pull;
pub(crate) mod serve;
