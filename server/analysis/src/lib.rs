//! The s.yaml model and its checks, as plain data (no IO, no LSP, no async).
//!
//! Callers hand in the file text and a [`Host`] that reads other files and the environment;
//! [`check`] returns the resolved [`Model`] and [`Diagnostic`]s with byte ranges.

mod check;
mod checks;
mod diagnostic;
mod env;
mod expr;
mod files;
mod host;
pub mod ide;
mod incremental;
mod legacy;
mod model;
mod preview;
mod resolve;
pub mod schema;
mod suggest;
mod value;

pub use check::{Analysis, CheckOptions, FileInput, check};
pub use diagnostic::{Diagnostic, Fix, Related, Severity, TextEdit};
pub use env::{EnvSource, Environment, parse_dotenv};
pub use files::{has_s_yaml_top_level, is_s_yaml_name};
pub use host::{Host, MemoryHost, PathKind};
pub use incremental::{AfterEdit, EditBase, Partial, diagnostics_after_edit};
pub use model::{ComponentKind, Edition, Model, Resource, SourceFile, Sources};
pub use preview::{PREVIEW_MASK, Preview, PreviewError, PreviewStep, PreviewUnknown, preview};
pub use resolve::UnsetEnv;
pub use suggest::{best as suggest_best, ranked as suggest_ranked};
pub use value::{FileId, Kind, Member, Origin, Site, Unknown, UnknownReason, Value};
