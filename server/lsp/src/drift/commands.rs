//! The drift commands: `sdls.showDrift` (the YAML diff of one function, from the cached read)
//! and `sdls.refreshDrift` (a job that reads functions again now, with `$/progress`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ops::engine::RemoteRead;
use ops::normalize::{self, Context};
use ops::status::Status;
use serde_json::{Map, Value as Json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ShowDocumentParams, Uri};

use super::{DocFunctions, doc_functions, render, wait_for_reads};
use crate::ext::ShowDriftResult;
use crate::jobs::{JobContext, Outcome};
use crate::state::ServerState;

/// A forced refresh also waits for reads another refresh had in flight, at most this long.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(60);
/// Clients may never answer `window/showDocument`.
const CLIENT_ANSWER: Duration = Duration::from_secs(10);

/// `sdls.showDrift [uri, resource]`.
pub(crate) async fn show_drift(
    state: &Arc<ServerState>,
    uri: Uri,
    resource: String,
) -> Result<ShowDriftResult> {
    let analyzed = state.analyzed(&uri).await?;
    let doc = doc_functions(&analyzed)
        .ok_or_else(|| Error::invalid_params(format!("{} is not an s.yaml", uri.as_str())))?;
    let job_state = state.clone();
    let name = resource.clone();
    let (title, text) = tokio::task::spawn_blocking(move || drift_text(&job_state, &doc, &name))
        .await
        .map_err(|_| Error::internal_error())??;
    let mut shown = None;
    if state.session().show_document {
        match crate::temp_view::write("drift", &uri, &format!("{resource}.diff"), &text) {
            Ok(path) => {
                if let Some(file_uri) = Uri::from_file_path(&path) {
                    shown = Some(file_uri.clone());
                    let client = state.client.clone();
                    // Spawned: no handler awaits a client round trip (rule 2).
                    tokio::spawn(async move {
                        let params = ShowDocumentParams {
                            uri: file_uri,
                            external: None,
                            take_focus: Some(true),
                            selection: None,
                        };
                        let _ =
                            tokio::time::timeout(CLIENT_ANSWER, client.show_document(params)).await;
                    });
                }
            }
            Err(err) => tracing::warn!("cannot write the drift diff: {err}"),
        }
    }
    Ok(ShowDriftResult {
        title,
        uri: shown,
        text,
    })
}

/// The title and text of the diff of `resource`.
fn drift_text(state: &ServerState, doc: &DocFunctions, resource: &str) -> Result<(String, String)> {
    let Some(function) = doc.functions.iter().find(|f| f.resource == resource) else {
        if let Some(skipped) = doc.skipped.iter().find(|s| s.resource == resource) {
            return Ok((
                format!("Drift of {resource}"),
                format!("# {resource} cannot be read remotely: {}\n", skipped.reason),
            ));
        }
        return Err(Error::invalid_params(format!(
            "no function resource `{resource}` in this file"
        )));
    };
    let Some(read) = state.drift.read(doc, function) else {
        return Ok((
            format!("Drift of {resource}: not read yet"),
            format!(
                "# the remote of {resource} has not been read yet (it is being read; or run sdls.refreshDrift)\n"
            ),
        ));
    };
    let report = ops::engine::report(&doc.file_dir, function, &read, false);
    let local_label = if report.remote == "local" {
        " (local emulator)"
    } else {
        ""
    };
    let title = format!(
        "Drift of {resource} ({}): {}{local_label}",
        function.function_name,
        report.status.as_str()
    );
    let mut text = format!(
        "# {resource}: function {} in {}, {} — read from {}\n",
        function.function_name,
        function.region,
        report.status.as_str(),
        if report.remote.is_empty() {
            "nowhere"
        } else {
            &report.remote
        },
    );
    let snapshot = match &read.snapshot {
        Ok(s) => s,
        Err(reason) => {
            text.push_str(&format!("# remote unknown: {reason}\n"));
            return Ok((title, text));
        }
    };
    let ctx = Context {
        account_id: read.account_id.clone(),
        region: function.region.clone(),
    };
    let mut local = normalize::local(function, &ctx).view;
    show_unknowns(&mut local);
    render::mask_secrets(&mut local);
    let differing: Vec<ops::FieldPath> = report.fields.iter().map(|f| f.path.clone()).collect();
    let live = normalize::remote(snapshot, &ctx).map(|mut v| {
        render::compared_part(&mut v, &local, &differing, &ops::FieldPath::root());
        render::mask_secrets(&mut v);
        render::yaml(&v)
    });
    if !report.unmanaged.is_empty() {
        let paths: Vec<String> = report.unmanaged.iter().map(|u| u.path.dotted()).collect();
        text.push_str(&format!(
            "# set remotely, not in the file, kept by deploy (not compared): {}\n",
            paths.join(", ")
        ));
    }
    if live.is_none() {
        text.push_str(if report.status == Status::DeletedRemotely {
            "# the function was deleted remotely since your last deploy\n"
        } else {
            "# the function does not exist remotely\n"
        });
    }
    let diff = render::diff(live.as_deref().unwrap_or(""), &render::yaml(&local));
    if diff.is_empty() {
        text.push_str("# no differences\n");
    }
    text.push_str(&diff);
    Ok((title, text))
}

/// Values known only when `s` runs are marked by `ops` with an internal string: say so instead.
fn show_unknowns(map: &mut Map<String, Json>) {
    fn visit(value: &mut Json) {
        match value {
            Json::String(s) if s == ops::local::UNKNOWN => {
                *s = "(known only when `s` runs)".into();
            }
            Json::Array(items) => items.iter_mut().for_each(visit),
            Json::Object(m) => m.values_mut().for_each(visit),
            _ => {}
        }
    }
    map.values_mut().for_each(visit);
}

/// `sdls.refreshDrift [uri?]`: reads every function of the document (or of every open s.yaml)
/// again now, reporting `k/n resource` as each read lands.
pub(crate) async fn refresh(
    state: Arc<ServerState>,
    uri: Option<Uri>,
    ctx: JobContext,
) -> anyhow::Result<Outcome> {
    if !state.config().drift.enable {
        return Ok(Outcome::Done(
            "remote drift is off (setting sdls.drift.enable)".into(),
        ));
    }
    let uris = match uri {
        Some(uri) => vec![uri],
        None => state.open_s_yaml(),
    };
    let mut docs = Vec::new();
    for uri in uris {
        if let Ok(analyzed) = state.analyzed(&uri).await
            && let Some(doc) = doc_functions(&analyzed)
        {
            docs.push(doc);
        }
    }
    let total: usize = docs.iter().map(|d| d.functions.len()).sum();
    let since = Instant::now();
    let done = AtomicUsize::new(0);
    for doc in &docs {
        if ctx.cancel.is_cancelled() {
            break;
        }
        let on_read = |index: usize, read: &RemoteRead| {
            super::adopt_in_sync(&doc.file_dir, &doc.functions, index, read);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            let name = doc.functions.get(index).map_or("", |f| f.resource.as_str());
            let percentage = u32::try_from(n * 100 / total.max(1)).unwrap_or(100);
            ctx.report(format!("{n}/{total} {name}"), Some(percentage));
            state.drift.changed();
        };
        state
            .drift
            .engine()
            .refresh(&doc.file_dir, &doc.functions, true, &ctx.cancel, &on_read)
            .await;
    }
    wait_for_reads(&state, &docs, since, IN_FLIGHT_WAIT, &ctx.cancel).await;
    state.drift.changed();
    if ctx.cancel.is_cancelled() {
        return Ok(Outcome::Cancelled(format!(
            "reading remote functions: cancelled after {} of {total}",
            done.load(Ordering::Relaxed)
        )));
    }
    let summary_state = state.clone();
    let summary = tokio::task::spawn_blocking(move || summary(&summary_state, &docs)).await?;
    Ok(Outcome::Done(summary))
}

/// `read 3 functions: 1 in-sync, 2 remote-drift`.
fn summary(state: &ServerState, docs: &[DocFunctions]) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut total = 0;
    for doc in docs {
        for s in state.drift.states(doc) {
            total += 1;
            let status = s.report.map_or("not read", |r| r.status.as_str());
            match counts.iter_mut().find(|(name, _)| *name == status) {
                Some((_, n)) => *n += 1,
                None => counts.push((status, 1)),
            }
        }
    }
    let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let noun = if total == 1 { "function" } else { "functions" };
    if parts.is_empty() {
        format!("read {total} {noun}")
    } else {
        format!("read {total} {noun}: {}", parts.join(", "))
    }
}
