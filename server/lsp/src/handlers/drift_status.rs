//! `sdls/driftStatus`: the cached drift state of one or every open s.yaml document, as `sdls
//! plan --format json` reports it plus each lens's range. Never waits on the network: functions
//! not read yet are `unknown` with reason `not read yet` and `pending: true`.

use std::sync::Arc;

use ops::plan::{FunctionReport, PlanReport};
use ops::status;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};

use crate::drift;
use crate::ext::{DocumentDrift, DriftStatusParams, DriftStatusResult, SkippedFunction};
use crate::state::ServerState;
use crate::to_proto;

pub(crate) async fn handle(
    state: &Arc<ServerState>,
    params: DriftStatusParams,
) -> Result<DriftStatusResult> {
    // Asked about one document: its errors (not open, changed meanwhile) are the answer.
    let one = params.text_document.is_some();
    let uris = match params.text_document {
        Some(doc) => vec![doc.uri],
        None => state.open_s_yaml(),
    };
    let encoding = state.session().encoding;
    let mut documents = Vec::new();
    for uri in uris {
        let analyzed = match state.analyzed(&uri).await {
            Ok(a) => a,
            Err(err) if one => return Err(err),
            // Closed or changed meanwhile: a listing of all documents skips it.
            Err(_) => continue,
        };
        let Some(functions) = drift::doc_functions(&analyzed) else {
            continue;
        };
        let (functions, states) = drift::Drift::states_off_thread(state, functions)
            .await
            .ok_or_else(Error::internal_error)?;
        let doc = &analyzed.doc;
        let mut reports = Vec::new();
        let mut entries = Vec::new();
        for s in &states {
            let pending = s.report.is_none();
            let report = s.report.clone().unwrap_or_else(|| {
                FunctionReport::new(
                    &s.function.resource,
                    &s.function.function_name,
                    &s.function.region,
                    "",
                    status::unknown("not read yet".into()),
                )
            });
            let mut value = serde_json::to_value(&report).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut value {
                map.insert(
                    "range".into(),
                    json!(
                        s.function
                            .key_range
                            .map(|r| to_proto::range(doc, encoding, r))
                    ),
                );
                map.insert("pending".into(), json!(pending));
            }
            entries.push(value);
            reports.push(report);
        }
        documents.push(DocumentDrift {
            uri: uri.clone(),
            version: doc.version,
            remote: PlanReport::remote_label(&reports),
            functions: entries,
            skipped: functions
                .skipped
                .iter()
                .map(|s| SkippedFunction {
                    resource: s.resource.clone(),
                    reason: s.reason.clone(),
                    range: s.key_range.map(|r| to_proto::range(doc, encoding, r)),
                })
                .collect(),
        });
    }
    Ok(DriftStatusResult { documents })
}
