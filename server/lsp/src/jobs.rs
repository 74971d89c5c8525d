//! Long work as jobs: each runs in its own task with a cancel token, reports typed events, and
//! is shown as `$/progress`. A supervisor awaits the job and always ends the progress — on
//! success, error, cancel or panic — so no client keeps a spinner forever (crates.md §1.2
//! rule 3). `window/workDoneProgress/cancel` cancels the job's token.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::{
    self as lsp, MessageType, NumberOrString, ProgressParams, ProgressParamsValue,
    WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport,
    notification,
};

use crate::state::ServerState;

/// What a job tells the editor while it runs.
#[derive(Debug)]
pub(crate) enum JobEvent {
    Report {
        message: String,
        percentage: Option<u32>,
    },
}

/// How a job ended; the message is shown to the user.
#[derive(Debug)]
pub(crate) enum Outcome {
    Done(String),
    /// Ended early because the token was cancelled.
    Cancelled(String),
    /// Done, and the message is also shown with `window/showMessage` at this level (a deploy's
    /// result must be seen even where progress ends silently).
    Announced(String, MessageType),
}

/// Handed to the job's body.
pub(crate) struct JobContext {
    pub(crate) cancel: CancellationToken,
    events: mpsc::UnboundedSender<JobEvent>,
}

impl JobContext {
    pub(crate) fn report(&self, message: impl Into<String>, percentage: Option<u32>) {
        let _ = self.events.send(JobEvent::Report {
            message: message.into(),
            percentage: percentage.map(|p| p.min(100)),
        });
    }
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Starts `body` as a job titled `title` and returns at once. `client_token` is the request's
/// `workDoneToken`, used as is when the client sent one (no `create` round trip then).
pub(crate) fn start<F, Fut>(
    state: Arc<ServerState>,
    title: &'static str,
    client_token: Option<NumberOrString>,
    body: F,
) where
    F: FnOnce(JobContext) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<Outcome>> + Send + 'static,
{
    let (token, needs_create) = match client_token {
        Some(t) => (t, false),
        None => (
            NumberOrString::String(format!(
                "sdls/{}",
                NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
            )),
            true,
        ),
    };
    let key = token_key(&token);
    let cancel = CancellationToken::new();
    state.jobs_insert(key.clone(), cancel.clone());
    tokio::spawn(async move {
        let show_progress = state.session().work_done_progress;
        let progress = Progress {
            state: &state,
            token: token.clone(),
            enabled: show_progress,
        };
        if show_progress && needs_create {
            let created = tokio::time::timeout(
                Duration::from_secs(10),
                state.client.create_work_done_progress(token.clone()),
            )
            .await;
            if !matches!(created, Ok(Ok(()))) {
                tracing::warn!("the client did not create progress {key}; running without it");
            }
        }
        progress
            .send(WorkDoneProgress::Begin(WorkDoneProgressBegin {
                title: title.into(),
                cancellable: Some(true),
                message: None,
                percentage: Some(0),
            }))
            .await;
        let (events, mut event_rx) = mpsc::unbounded_channel();
        let context = JobContext {
            cancel: cancel.clone(),
            events,
        };
        let mut work = tokio::spawn(body(context));
        let ended = loop {
            tokio::select! {
                Some(event) = event_rx.recv() => match event {
                    JobEvent::Report { message, percentage } => {
                        progress.send(WorkDoneProgress::Report(WorkDoneProgressReport {
                            cancellable: Some(true),
                            message: Some(message),
                            percentage,
                        })).await;
                    }
                },
                joined = &mut work => break joined,
            }
        };
        let mut announce = false;
        let (message, kind) = match ended {
            Ok(Ok(Outcome::Done(m))) => (m, MessageType::INFO),
            Ok(Ok(Outcome::Cancelled(m))) => (m, MessageType::INFO),
            Ok(Ok(Outcome::Announced(m, kind))) => {
                announce = true;
                (m, kind)
            }
            Ok(Err(err)) => (format!("{title} failed: {err:#}"), MessageType::ERROR),
            Err(err) if err.is_cancelled() => (format!("{title}: cancelled"), MessageType::INFO),
            Err(_) => (
                format!("{title} failed: internal error (see the server log)"),
                MessageType::ERROR,
            ),
        };
        progress
            .send(WorkDoneProgress::End(WorkDoneProgressEnd {
                message: Some(message.clone()),
            }))
            .await;
        if announce || kind == MessageType::ERROR || !show_progress {
            state
                .client
                .show_message(kind, format!("sdls: {message}"))
                .await;
        }
        state.jobs_remove(&key);
    });
}

struct Progress<'a> {
    state: &'a ServerState,
    token: NumberOrString,
    enabled: bool,
}

impl Progress<'_> {
    async fn send(&self, value: WorkDoneProgress) {
        if !self.enabled {
            return;
        }
        self.state
            .client
            .send_notification::<notification::Progress>(ProgressParams {
                token: self.token.clone(),
                value: ProgressParamsValue::WorkDone(value),
            })
            .await;
    }
}

pub(crate) fn token_key(token: &lsp::ProgressToken) -> String {
    match token {
        NumberOrString::Number(n) => format!("n:{n}"),
        NumberOrString::String(s) => format!("s:{s}"),
    }
}
