//! Remote engines of sdls, each usable from the language server (as a job with a cancel token
//! and typed events) and from the CLI: today the drift engine behind the code lenses and
//! `sdls plan`; deploy, pull, canary, stress and eval build on the same pieces.
//!
//! The pieces, from the file to a verdict:
//! - [`local`]: the functions an s.yaml declares (edition 3.0.0 `fc3` resources, legacy
//!   `fc` services as `service$function`), as JSON props in fc3 shape;
//! - [`snapshot`]: what one function looks like remotely (GetFunction, triggers, configs);
//! - [`normalize`]: both sides brought to one comparable form by the fc3 component's rules
//!   (serverless-devs.md §2.1.3, fc-api.md §4.4), and compared path by path;
//! - [`baseline`]: the function as read back after the last deploy (`.s/deployed/…`, and the
//!   legacy component's `.s/…` state files, read only);
//! - [`status`]: the three-way verdict of ARCHITECTURE.md "The drift model";
//! - [`fetch`], [`connect`], [`embedded`], [`engine`]: reading the remote with bounded
//!   concurrency, a per-function cache and the embedded local emulator (D19).

pub mod atomic;
pub mod baseline;
pub mod connect;
pub mod deploy;
pub mod desired;
pub mod embedded;
pub mod engine;
pub mod fetch;
pub mod local;
pub mod normalize;
pub mod path;
pub mod plan;
pub mod pull;
pub mod pull_code;
pub mod saved_plan;
pub mod seed;
pub mod snapshot;
pub mod status;

pub use path::FieldPath;
