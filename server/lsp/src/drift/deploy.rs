//! `sdls.deploy`: deploying functions of a document from the editor, as a job. The status the
//! user acted on is the one the lens showed (the cached read), so the optimistic guard of
//! `ops::deploy` catches a remote change made since the user looked; the local code's checksum
//! is taken again (the code may have changed since that read). Overwriting remote changes asks
//! first (`window/showMessageRequest`) unless the command says the user confirmed. Each step of
//! `ops::deploy` becomes a `$/progress` report; the result is shown as a message; afterwards the
//! deployed functions are read again, so the lens turns to what is now true.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ops::deploy::{self, Acted, DeployError, DeployOptions, DeployOutcome, DeployStep, Hooks};
use ops::engine::RemoteRead;
use ops::local::LocalFunction;
use tower_lsp_server::ls_types::{MessageActionItem, MessageType, Uri};

use super::{DocFunctions, doc_functions, wait_for_reads};
use crate::ext::{DeployCommandOptions, DeployMode, DeployPart};
use crate::jobs::{JobContext, Outcome};
use crate::state::ServerState;

/// How long the confirmation question waits for the user.
const CONFIRM_WAIT: Duration = Duration::from_secs(300);
/// The read after a deploy (what the lens shows next) waits at most this long.
const READ_BACK_WAIT: Duration = Duration::from_secs(60);
const OVERWRITE: &str = "Overwrite remote";
const KEEP: &str = "Cancel";

/// How one function ended.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ending {
    Done,
    Refused,
    Failed,
}

/// `sdls.deploy [uri, resource | null, options?]`.
pub(crate) async fn run(
    state: Arc<ServerState>,
    uri: Uri,
    resource: Option<String>,
    options: DeployCommandOptions,
    ctx: JobContext,
) -> anyhow::Result<Outcome> {
    let analyzed = state
        .analyzed(&uri)
        .await
        .map_err(|e| anyhow::anyhow!("{} cannot be analysed: {}", uri.as_str(), e.message))?;
    let Some(doc) = doc_functions(&analyzed) else {
        anyhow::bail!("{} is not an s.yaml file on disk", uri.as_str());
    };
    let selected: Vec<LocalFunction> = match &resource {
        Some(name) => match doc.functions.iter().find(|f| &f.resource == name) {
            Some(f) => vec![f.clone()],
            None => {
                let why = doc
                    .skipped
                    .iter()
                    .find(|s| &s.resource == name)
                    .map_or_else(
                        || format!("no function resource `{name}` in this file"),
                        |s| format!("{name} cannot be deployed: {}", s.reason),
                    );
                return Ok(Outcome::Announced(why, MessageType::WARNING));
            }
        },
        None => doc.functions.clone(),
    };
    if selected.is_empty() {
        return Ok(Outcome::Announced(
            "this file declares no function sdls can deploy".into(),
            MessageType::WARNING,
        ));
    }
    let unsaved = differs_from_disk(analyzed.doc.path.as_deref(), &analyzed.doc.text);

    let total = selected.len();
    let mut lines = Vec::new();
    let mut worst = Ending::Done;
    for (index, function) in selected.iter().enumerate() {
        if ctx.cancel.is_cancelled() {
            lines.push(format!("{}: not started (cancelled)", function.resource));
            continue;
        }
        let (ending, line) = deploy_one(&state, &doc, function, &options, &ctx, index, total).await;
        worst = worst.max(ending);
        lines.push(line);
        state
            .drift
            .engine()
            .invalidate(&doc.file_dir, std::slice::from_ref(function));
    }

    // Read the deployed functions again: the lens shows what is now true, and an in-sync
    // function's read becomes its baseline like any other read.
    ctx.report("reading the functions back", Some(95));
    let since = Instant::now();
    let on_read = |i: usize, read: &RemoteRead| {
        super::adopt_in_sync(&doc.file_dir, &selected, i, read);
        state.drift.changed();
    };
    let never = tokio_util::sync::CancellationToken::new();
    state
        .drift
        .engine()
        .refresh(&doc.file_dir, &selected, true, &never, &on_read)
        .await;
    let read_back = DocFunctions {
        file_dir: doc.file_dir.clone(),
        functions: selected.clone(),
        skipped: Vec::new(),
    };
    wait_for_reads(&state, &[read_back], since, READ_BACK_WAIT, &never).await;
    state.drift.changed();

    if unsaved {
        lines.push("(the editor's unsaved text was deployed; save the file to keep s.yaml and the remote in step)".into());
    }
    let kind = match worst {
        Ending::Done => MessageType::INFO,
        Ending::Refused => MessageType::WARNING,
        Ending::Failed => MessageType::ERROR,
    };
    Ok(Outcome::Announced(lines.join("\n"), kind))
}

/// Deploys one function; returns how it ended and the line that says so.
async fn deploy_one(
    state: &Arc<ServerState>,
    doc: &DocFunctions,
    function: &LocalFunction,
    options: &DeployCommandOptions,
    ctx: &JobContext,
    index: usize,
    total: usize,
) -> (Ending, String) {
    let label = format!("{} ({})", function.resource, function.function_name);
    let engine = state.drift.engine();
    let connection = match engine.connection(&doc.file_dir, function).await {
        Ok(c) => c,
        Err(reason) => return (Ending::Failed, format!("{label}: failed — {reason}")),
    };
    let Some(account) = connection.account_id.clone() else {
        return (
            Ending::Failed,
            format!(
                "{label}: failed — the credentials have no AccountID, so the deploy cannot be recorded in .s/deployed/; add AccountID to the credentials"
            ),
        );
    };
    let base = (index * 100 / total) as u32;
    let share = |p: u32| base + p / total as u32;
    ctx.report(
        format!("{}: reading its status", function.resource),
        Some(share(2)),
    );
    let acted = acted_on(state, doc, function, &connection, &account).await;
    let status = acted.report.status;

    let mut deploy_options = DeployOptions {
        mode: match options.mode {
            DeployMode::Default => deploy::Mode::Default,
            DeployMode::LocalWins => deploy::Mode::UseLocal,
            DeployMode::UseRemote => deploy::Mode::UseRemote,
        },
        part: match options.part {
            DeployPart::All => deploy::Part::All,
            DeployPart::Code => deploy::Part::Code,
            DeployPart::Config => deploy::Part::Config,
        },
        confirmed: options.confirmed,
        // D14: `auto` is refused on the cloud; the emulator gets placeholders.
        local: connection.local,
    };
    if deploy_options.mode == deploy::Mode::UseLocal
        && deploy::needs_confirmation(status)
        && !deploy_options.confirmed
    {
        deploy_options.confirmed = confirm(state, &label, &acted, ctx).await;
        if !deploy_options.confirmed {
            return (
                Ending::Refused,
                format!(
                    "{label}: not deployed — overwriting the remote changes was not confirmed; nothing was written"
                ),
            );
        }
    }

    let resource = function.resource.clone();
    let on_step = |step: DeployStep| {
        ctx.report(
            format!("{resource}: {}", step.describe()),
            Some(share(step.percentage())),
        );
    };
    let hooks = Hooks {
        on_step: &on_step,
        cancel: Some(&ctx.cancel),
    };
    let result = deploy::deploy_function_with(
        &connection.client,
        function,
        &doc.file_dir,
        &account,
        &acted,
        &deploy_options,
        hooks,
    )
    .await;
    let prefix = if connection.local { "local " } else { "" };
    match result {
        Ok(DeployOutcome::Done { applied }) if applied.is_empty() => {
            (Ending::Done, format!("{label}: in sync, nothing to deploy"))
        }
        Ok(DeployOutcome::Done { applied }) => (
            Ending::Done,
            format!("{label}: {prefix}deployed — {}", applied.join(", ")),
        ),
        Ok(DeployOutcome::Skipped { reason }) => {
            (Ending::Done, format!("{label}: skipped — {reason}"))
        }
        Ok(DeployOutcome::Refused { reason }) => (
            Ending::Refused,
            format!("{label}: refused — {}", editor_advice(&reason)),
        ),
        Err(e @ (DeployError::Changed { .. } | DeployError::Cancelled { .. })) => {
            // Nothing was written: the user decides again on fresh facts.
            (
                Ending::Refused,
                format!("{label}: refused — {}", editor_advice(&e.to_string())),
            )
        }
        Err(e) => (Ending::Failed, format!("{label}: failed — {e}")),
    }
}

/// The status the user acted on: the lens's read when there is one from this remote (the local
/// code's checksum taken again: the code may have changed since), else a fresh read.
async fn acted_on(
    state: &ServerState,
    doc: &DocFunctions,
    function: &LocalFunction,
    connection: &ops::connect::Connection,
    account: &str,
) -> Acted {
    if let Some(mut read) = state.drift.read(doc, function)
        && read.snapshot.is_ok()
        && read.account_id.as_deref() == Some(account)
        && read.label == connection.label
    {
        read.local_code = ops::engine::local_code_crc(function).await;
        let file_dir = doc.file_dir.clone();
        let function = function.clone();
        let for_report = read.clone();
        // The report reads the baseline file: off the async threads.
        let report = tokio::task::spawn_blocking(move || {
            ops::engine::report(&file_dir, &function, &for_report, false)
        })
        .await;
        if let Ok(report) = report {
            return Acted { read, report };
        }
    }
    deploy::status(
        &connection.client,
        function,
        &doc.file_dir,
        Some(account),
        &connection.label,
    )
    .await
}

/// Asks the user whether the file may overwrite the remote changes; `false` on "Cancel", no
/// answer within [`CONFIRM_WAIT`], a cancelled job, or a client that cannot ask.
async fn confirm(state: &ServerState, label: &str, acted: &Acted, ctx: &JobContext) -> bool {
    let fields: Vec<String> = acted
        .report
        .fields
        .iter()
        .take(5)
        .map(|f| f.path.dotted())
        .collect();
    let what = if fields.is_empty() {
        String::new()
    } else {
        format!(" ({})", fields.join(", "))
    };
    let question = format!(
        "{label} is {}{what}. Deploying overwrites the remote with the file. Overwrite?",
        acted.report.status.as_str()
    );
    let asked = state.client.show_message_request(
        MessageType::WARNING,
        question,
        Some(vec![
            MessageActionItem {
                title: OVERWRITE.into(),
                properties: Default::default(),
            },
            MessageActionItem {
                title: KEEP.into(),
                properties: Default::default(),
            },
        ]),
    );
    tokio::select! {
        answer = tokio::time::timeout(CONFIRM_WAIT, asked) => {
            matches!(answer, Ok(Ok(Some(item))) if item.title == OVERWRITE)
        }
        () = ctx.cancel.cancelled() => false,
    }
}

/// `ops::deploy`'s advice names CLI flags; in the editor the same choices are lenses.
fn editor_advice(reason: &str) -> String {
    reason
        .replace(
            "run `sdls plan` to see the differences",
            "click the status lens to see the differences",
        )
        .replace(
            "then `sdls deploy --use-local` to overwrite the remote with the file, or `sdls pull` to take the remote into the file",
            "then \"Deploy (local wins)\" to overwrite the remote with the file, or \"Pull remote\" to take the remote into the file",
        )
        .replace(
            "Run `sdls plan` to see the new state, then deploy again",
            "Look at the refreshed lens, then deploy again",
        )
}

/// Whether the editor's text differs from the file on disk (unsaved changes): the deploy uses
/// the editor's text, and says so.
fn differs_from_disk(path: Option<&Path>, text: &str) -> bool {
    let Some(path) = path else {
        return false;
    };
    match std::fs::read_to_string(path) {
        Ok(disk) => disk.replace("\r\n", "\n").replace('\r', "\n") != text,
        Err(_) => true,
    }
}
