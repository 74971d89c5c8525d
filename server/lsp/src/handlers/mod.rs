//! One module per LSP method. Handlers convert, take snapshots and call `analysis`; state
//! changes happen before any `.await`, and no handler awaits a client round trip (spawned).

pub(crate) mod code_action;
pub(crate) mod code_lens;
pub(crate) mod completion;
pub(crate) mod did_change;
pub(crate) mod did_change_configuration;
pub(crate) mod did_change_watched_files;
pub(crate) mod did_close;
pub(crate) mod did_open;
pub(crate) mod document_diagnostic;
pub(crate) mod document_state;
pub(crate) mod document_symbol;
pub(crate) mod drift_status;
pub(crate) mod execute_command;
pub(crate) mod goto_definition;
pub(crate) mod hover;
pub(crate) mod initialize;
pub(crate) mod initialized;
pub(crate) mod work_done_progress_cancel;
