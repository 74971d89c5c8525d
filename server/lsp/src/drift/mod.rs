//! Remote drift in the server: one [`DriftEngine`] (from `ops`) per server, fed from settings,
//! and the scheduling around it. Editing never waits on the network: lenses, hover and
//! diagnostics use only what the engine has cached; a background task reads the functions
//! whose read is missing or stale (`refresh(force = false)`, so typing in one function never
//! re-reads the others: the engine's cache key does not change when a value is edited). When
//! reads land, the document workers recompute their drift diagnostics (a `watch` generation)
//! and the client is asked to refresh its code lenses, if it advertised that (D5).
//!
//! The drift logic itself (normalisation, the three-way verdict) stays in `ops`; this module
//! only converts and schedules. [`present`] turns reports into titles, messages and byte
//! ranges; [`render`] makes the YAML diff of `sdls.showDrift`.

pub(crate) mod commands;
pub(crate) mod deploy;
pub(crate) mod present;
pub(crate) mod pull;
pub(crate) mod render;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ops::engine::{DriftEngine, EngineOptions, RemoteRead};
use ops::local::{LocalFunction, Skipped};
use ops::plan::FunctionReport;
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, DriftConfig};
use crate::state::ServerState;
use crate::worker::Analyzed;

/// The smallest period of the background check for stale reads (a TTL of 1 s must not turn
/// into a busy loop).
const MIN_TICK: Duration = Duration::from_secs(5);
/// Reads landing within this time become one `workspace/codeLens/refresh`.
const LENS_REFRESH_COALESCE: Duration = Duration::from_millis(50);
/// Clients may never answer a request: give up waiting after this.
const CLIENT_ANSWER: Duration = Duration::from_secs(10);

/// Where the remote is reached from: the environment snapshot taken at start (D18).
struct Host {
    env: BTreeMap<String, String>,
    home: PathBuf,
    sdls_binary: PathBuf,
    retry: Option<fc::client::RetryPolicy>,
    timeout: Option<Duration>,
}

impl Host {
    fn new(options: &crate::Options) -> Host {
        let env: BTreeMap<String, String> = options
            .env
            .clone()
            .unwrap_or_else(|| std::env::vars().collect());
        let home = options
            .home
            .clone()
            .or_else(|| env.get("HOME").map(PathBuf::from))
            .unwrap_or_default();
        let sdls_binary = options
            .sdls_binary
            .clone()
            .or_else(|| env.get("SDLS_BIN").map(PathBuf::from))
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("sdls"));
        Host {
            env,
            home,
            sdls_binary,
            retry: options.retry,
            timeout: options.timeout,
        }
    }
}

/// The functions of one analysed document.
#[derive(Clone)]
pub(crate) struct DocFunctions {
    /// The folder of the file: relative code paths, baselines and the embedded emulator.
    pub(crate) file_dir: PathBuf,
    pub(crate) functions: Vec<LocalFunction>,
    pub(crate) skipped: Vec<Skipped>,
}

/// One function as the editor shows it.
pub(crate) struct FunctionDrift {
    pub(crate) function: LocalFunction,
    /// `None` until the remote was read once.
    pub(crate) report: Option<FunctionReport>,
}

/// The settings drift depends on: `remote`, `access`, `drift.*`.
type Applied = (Option<String>, Option<String>, DriftConfig);

/// Functions a background refresh should read if stale.
struct Kick {
    file_dir: PathBuf,
    functions: Vec<LocalFunction>,
}

pub(crate) struct Drift {
    engine: Arc<DriftEngine>,
    host: Host,
    /// Bumped whenever reads land (or settings change what is shown): document workers
    /// recompute their drift diagnostics.
    generation: watch::Sender<u64>,
    lens_wanted: Notify,
    kicks: mpsc::UnboundedSender<Kick>,
    /// Taken by [`start_background`].
    kick_rx: Mutex<Option<mpsc::UnboundedReceiver<Kick>>>,
    /// Stops background reads at `shutdown`.
    cancel: CancellationToken,
    /// The settings last applied (`remote`, `access`, `drift.*`), to tell a real change.
    applied: Mutex<Option<Applied>>,
}

impl Drift {
    pub(crate) fn new(options: &crate::Options) -> Drift {
        let host = Host::new(options);
        let engine = DriftEngine::new(engine_options(&host, &Config::default()));
        let (kicks, kick_rx) = mpsc::unbounded_channel();
        Drift {
            engine,
            host,
            generation: watch::channel(0).0,
            lens_wanted: Notify::new(),
            kicks,
            kick_rx: Mutex::new(Some(kick_rx)),
            cancel: CancellationToken::new(),
            applied: Mutex::new(None),
        }
    }

    pub(crate) fn engine(&self) -> &Arc<DriftEngine> {
        &self.engine
    }

    /// New settings: remote, access, TTL, concurrency. A different remote or access drops
    /// every cached read (the engine decides); what is shown is recomputed either way.
    pub(crate) fn apply_config(&self, config: &Config) {
        let now = (
            config.remote.clone(),
            config.access.clone(),
            config.drift.clone(),
        );
        let before = self
            .applied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(now.clone());
        if before.as_ref() == Some(&now) {
            return;
        }
        self.engine.set_options(engine_options(&self.host, config));
        if before.is_some() {
            self.changed();
        }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// What is shown changed: workers recompute their diagnostics, lenses are refreshed.
    pub(crate) fn changed(&self) {
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
        self.lens_wanted.notify_one();
    }

    pub(crate) fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// Asks the background task to read the functions whose read is missing or stale.
    pub(crate) fn kick(&self, doc: &DocFunctions) {
        let stale = doc
            .functions
            .iter()
            .any(|f| !self.engine.is_fresh(&doc.file_dir, f));
        if stale {
            let _ = self.kicks.send(Kick {
                file_dir: doc.file_dir.clone(),
                functions: doc.functions.clone(),
            });
        }
    }

    /// The cached state of each function. Reads baseline files: call it off the serve task.
    pub(crate) fn states(&self, doc: &DocFunctions) -> Vec<FunctionDrift> {
        doc.functions
            .iter()
            .map(|f| FunctionDrift {
                function: f.clone(),
                report: self.report(doc, f),
            })
            .collect()
    }

    /// [`Drift::states`] on a blocking thread (baseline files are read): for request handlers.
    pub(crate) async fn states_off_thread(
        state: &Arc<crate::state::ServerState>,
        doc: DocFunctions,
    ) -> Option<(DocFunctions, Vec<FunctionDrift>)> {
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            let states = state.drift.states(&doc);
            (doc, states)
        })
        .await
        .ok()
    }

    /// The report of one function from its cached read (secrets masked), `None` before one.
    pub(crate) fn report(
        &self,
        doc: &DocFunctions,
        function: &LocalFunction,
    ) -> Option<FunctionReport> {
        let read = self.engine.cached(&doc.file_dir, function)?;
        Some(ops::engine::report(&doc.file_dir, function, &read, false))
    }

    /// The cached read of one function.
    pub(crate) fn read(&self, doc: &DocFunctions, function: &LocalFunction) -> Option<RemoteRead> {
        self.engine.cached(&doc.file_dir, function)
    }
}

fn engine_options(host: &Host, config: &Config) -> EngineOptions {
    EngineOptions {
        concurrency: config.drift.concurrency.max(1),
        ttl: Duration::from_secs(config.drift.refresh_seconds.max(1)),
        remote: ops::connect::RemoteOptions {
            remote_flag: None,
            remote_setting: config.remote.clone(),
            access: config.access.clone(),
            env: host.env.clone(),
            home: host.home.clone(),
            sdls_binary: host.sdls_binary.clone(),
            retry: host.retry,
            timeout: host.timeout,
        },
    }
}

/// The functions of a full analysis; `None` for documents that are not s.yaml files and for
/// documents without a file (`untitled:`): baselines and the embedded emulator live beside the
/// file.
pub(crate) fn doc_functions(analyzed: &Analyzed) -> Option<DocFunctions> {
    let analysis = analyzed.analysis.as_ref()?;
    let path = analyzed.doc.path.as_ref()?;
    let file_dir = path.parent().map(PathBuf::from)?;
    let (functions, skipped) = ops::local::functions(analysis, &file_dir);
    Some(DocFunctions {
        file_dir,
        functions,
        skipped,
    })
}

/// The drift diagnostics of a full analysis (empty when drift or its diagnostics are off).
/// Reads baseline files: call it off the serve task.
pub(crate) fn findings(state: &ServerState, analyzed: &Analyzed) -> Vec<present::Finding> {
    let config = state.config();
    if !config.drift.enable || !config.drift.diagnostics || !config.diagnostics.enable {
        return Vec::new();
    }
    let (Some(analysis), Some(doc)) = (analyzed.analysis.as_ref(), doc_functions(analyzed)) else {
        return Vec::new();
    };
    present::findings(analysis, &state.drift.states(&doc))
}

/// Starts the background reader and the lens refresher (once, at `initialized`).
pub(crate) fn start_background(state: Arc<ServerState>) {
    let taken = state
        .drift
        .kick_rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let Some(mut kicks) = taken else {
        return;
    };
    tokio::spawn(lens_refresher(state.clone()));
    tokio::spawn(async move {
        loop {
            let period = Duration::from_secs(state.config().drift.refresh_seconds).max(MIN_TICK);
            tokio::select! {
                kick = kicks.recv() => match kick {
                    Some(kick) => spawn_refresh(&state, kick),
                    None => break,
                },
                () = tokio::time::sleep(period) => {
                    // Reads went stale while nobody typed: read them again.
                    if state.config().drift.enable {
                        for analyzed in state.full_analyses() {
                            if let Some(doc) = doc_functions(&analyzed) {
                                state.drift.kick(&doc);
                            }
                        }
                    }
                }
                () = state.drift.cancel.cancelled() => break,
            }
        }
    });
}

/// A quiet background read (no `$/progress`: it is not something the user asked for).
fn spawn_refresh(state: &Arc<ServerState>, kick: Kick) {
    if !state.config().drift.enable {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let drift = &state.drift;
        let on_read = |index: usize, read: &RemoteRead| {
            adopt_in_sync(&kick.file_dir, &kick.functions, index, read);
            drift.changed();
        };
        drift
            .engine
            .refresh(
                &kick.file_dir,
                &kick.functions,
                false,
                &drift.cancel,
                &on_read,
            )
            .await;
    });
}

/// An in-sync function's live state becomes its baseline when a read lands, as `sdls plan` does
/// (§2.5 item 25): after an `s deploy`, the next console change shows as remote drift.
pub(crate) fn adopt_in_sync(
    file_dir: &std::path::Path,
    functions: &[LocalFunction],
    index: usize,
    read: &RemoteRead,
) {
    if let Some(function) = functions.get(index) {
        let report = ops::engine::report(file_dir, function, read, false);
        ops::engine::adopt_in_sync(file_dir, function, read, &report);
    }
}

/// Sends `workspace/codeLens/refresh` after reads land, only to clients that advertised it
/// (D5). Runs in its own task: the round trip is never awaited inside a handler (rule 2).
async fn lens_refresher(state: Arc<ServerState>) {
    loop {
        tokio::select! {
            () = state.drift.lens_wanted.notified() => {}
            () = state.drift.cancel.cancelled() => break,
        }
        tokio::time::sleep(LENS_REFRESH_COALESCE).await;
        if !state.session().code_lens_refresh {
            continue;
        }
        let _ = tokio::time::timeout(CLIENT_ANSWER, state.client.code_lens_refresh()).await;
    }
}

/// Waits until every function has a read made after `since` (another refresh may have been
/// reading some when a forced refresh skipped them), bounded by `limit` and `cancel`.
pub(crate) async fn wait_for_reads(
    state: &ServerState,
    docs: &[DocFunctions],
    since: Instant,
    limit: Duration,
    cancel: &CancellationToken,
) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let all = docs.iter().all(|d| {
            d.functions.iter().all(|f| {
                state
                    .drift
                    .read(d, f)
                    .is_some_and(|r| r.fetched_at >= since)
            })
        });
        if all || cancel.is_cancelled() || tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
