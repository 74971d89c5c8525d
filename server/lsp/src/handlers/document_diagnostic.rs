//! `textDocument/diagnostic` (pull), offered only to clients that can be asked to re-pull.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    FullDocumentDiagnosticReport, RelatedFullDocumentDiagnosticReport,
};

use crate::state::ServerState;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    let (version, diagnostics) = state.current_diagnostics(&params.text_document.uri).await?;
    Ok(DocumentDiagnosticReportResult::Report(
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(format!("v{version}")),
                items: diagnostics.to_vec(),
            },
        }),
    ))
}
