//! The `LanguageServer` implementation: each method delegates to its handler module.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::ext::{DocumentStateParams, DocumentStateResult, DriftStatusParams, DriftStatusResult};
use crate::handlers;
use crate::state::ServerState;

pub struct Server {
    state: Arc<ServerState>,
}

impl Server {
    pub(crate) fn new(client: Client, options: &crate::Options) -> Server {
        Server {
            state: Arc::new(ServerState::new(client, options)),
        }
    }

    pub(crate) async fn work_done_progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        handlers::work_done_progress_cancel::handle(&self.state, params);
    }

    pub(crate) async fn document_state(
        &self,
        params: DocumentStateParams,
    ) -> Result<DocumentStateResult> {
        handlers::document_state::handle(&self.state, params)
    }

    pub(crate) async fn drift_status(
        &self,
        params: Option<DriftStatusParams>,
    ) -> Result<DriftStatusResult> {
        handlers::drift_status::handle(&self.state, params.unwrap_or_default()).await
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        handlers::initialize::handle(&self.state, params)
    }

    async fn initialized(&self, params: InitializedParams) {
        handlers::initialized::handle(&self.state, params);
    }

    async fn shutdown(&self) -> Result<()> {
        // Background reads stop; nothing is written by them, so there is nothing to flush.
        self.state.drift.shutdown();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        handlers::did_open::handle(&self.state, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        handlers::did_change::handle(&self.state, params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        handlers::did_close::handle(&self.state, params);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        handlers::did_change_configuration::handle(&self.state, params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        handlers::did_change_watched_files::handle(&self.state, params);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover::handle(&self.state, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion::handle(&self.state, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        handlers::goto_definition::handle(&self.state, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        handlers::document_symbol::handle(&self.state, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::code_action::handle(&self.state, params).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        handlers::execute_command::handle(&self.state, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        handlers::code_lens::handle(&self.state, params).await
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        handlers::document_diagnostic::handle(&self.state, params).await
    }
}
