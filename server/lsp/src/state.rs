//! Server state shared by the handlers: open documents, their analyses, settings, the
//! negotiated session and running jobs. Locks are `std::sync` and never held across `.await`
//! (all handlers share one task: a guard held over an await would stall the whole server).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::config::Config;
use crate::document::Document;
use crate::drift::Drift;
use crate::host::OverlayHost;
use crate::line_map;
use crate::session::Session;
use crate::worker::{self, Analyzed, PartialAnalyzed};
use syntax::{TextRange, TextSize};

/// How long a request waits for the analysis of the version it is about.
const ANALYSIS_WAIT: Duration = Duration::from_secs(10);

pub(crate) struct ServerState {
    pub(crate) client: Client,
    pub(crate) session: OnceLock<Session>,
    pub(crate) config: RwLock<Config>,
    docs: Mutex<HashMap<Uri, DocEntry>>,
    /// Progress tokens of running jobs → their cancel tokens (`window/workDoneProgress/cancel`).
    pub(crate) jobs: Mutex<HashMap<String, CancellationToken>>,
    /// Changes older than the document's current version, dropped (rule 1).
    pub(crate) stale_changes: std::sync::atomic::AtomicU64,
    /// Closed files the workspace check published non-empty diagnostics for.
    workspace_published: Mutex<std::collections::HashSet<Uri>>,
    /// Remote drift: the engine, its settings and the background reads.
    pub(crate) drift: Drift,
    /// Documents whose resolved view (`sdls.showResolved`) is shown and kept current.
    pub(crate) resolved_views: crate::resolved_view::ResolvedViews,
}

struct DocEntry {
    doc: Arc<Document>,
    /// The worker's input: the newest snapshot. Sending the same snapshot again re-analyses it.
    input: watch::Sender<Arc<Document>>,
    output: watch::Receiver<Option<Arc<Analyzed>>>,
    /// Asks the worker for the full analysis now.
    wanted: Arc<Notify>,
    diagnostics: watch::Receiver<Option<(i32, Arc<Vec<lsp::Diagnostic>>)>>,
    partial: watch::Receiver<Option<Arc<PartialAnalyzed>>>,
}

/// What a request is answered from: the full analysis of the current version, or the fast
/// stage's partial one when the request is about the part it covers.
pub(crate) enum View {
    Full(Arc<Analyzed>),
    Partial(Arc<PartialAnalyzed>),
}

impl View {
    pub(crate) fn doc(&self) -> &Arc<Document> {
        match self {
            View::Full(a) => &a.doc,
            View::Partial(p) => &p.doc,
        }
    }

    /// `None` for documents that are not s.yaml files.
    pub(crate) fn analysis(&self) -> Option<&analysis::Analysis> {
        match self {
            View::Full(a) => a.analysis.as_ref(),
            View::Partial(p) => Some(&p.partial.analysis),
        }
    }

    /// A range of [`View::analysis`] in the real text.
    pub(crate) fn to_real(&self, range: TextRange) -> TextRange {
        match self {
            View::Full(_) => range,
            View::Partial(p) => p.partial.to_real(range),
        }
    }
}

pub(crate) enum Update {
    Applied,
    /// The version was not newer than the current one: dropped.
    Stale,
    /// A change for a document that is not open.
    NotOpen,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind: keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ServerState {
    pub(crate) fn new(client: Client, options: &crate::Options) -> ServerState {
        ServerState {
            drift: Drift::new(options),
            client,
            session: OnceLock::new(),
            config: RwLock::new(Config::default()),
            docs: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
            stale_changes: Default::default(),
            workspace_published: Default::default(),
            resolved_views: Default::default(),
        }
    }

    pub(crate) fn session(&self) -> Session {
        self.session.get().cloned().unwrap_or_default()
    }

    pub(crate) fn config(&self) -> Config {
        self.config
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// `didOpen`: (re)places the document and starts its analysis worker. Synchronous on
    /// purpose: called before any `.await` of the handler.
    pub(crate) fn open(self: &Arc<Self>, doc: Document) {
        let doc = Arc::new(doc);
        let (input, input_rx) = watch::channel(doc.clone());
        let (output_tx, output) = watch::channel(None);
        let (diagnostics_tx, diagnostics) = watch::channel(None);
        let (partial_tx, partial) = watch::channel(None);
        let wanted = Arc::new(Notify::new());
        let uri = doc.uri.clone();
        {
            let mut docs = lock(&self.docs);
            // Dropping an old entry's sender ends its worker.
            docs.insert(
                uri.clone(),
                DocEntry {
                    doc: doc.clone(),
                    input,
                    output,
                    wanted: wanted.clone(),
                    diagnostics,
                    partial,
                },
            );
        }
        let signals = worker::Signals {
            wanted,
            diagnostics: diagnostics_tx,
            partial: partial_tx,
        };
        tokio::spawn(worker::run(self.clone(), uri, input_rx, output_tx, signals));
        self.dependents_changed(&doc);
    }

    /// `didChange`: swaps in the new snapshot when its version is newer. Synchronous.
    pub(crate) fn change(&self, uri: &Uri, version: i32, text: &str) -> Update {
        // Built before taking the lock (it is O(text)); still no `.await` before the swap.
        let doc = Arc::new(Document::new(uri.clone(), version, text));
        {
            let mut docs = lock(&self.docs);
            let Some(entry) = docs.get_mut(uri) else {
                return Update::NotOpen;
            };
            if version <= entry.doc.version {
                self.stale_changes
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Update::Stale;
            }
            entry.doc = doc.clone();
            entry.input.send_replace(doc.clone());
        }
        self.dependents_changed(&doc);
        Update::Applied
    }

    pub(crate) fn close(&self, uri: &Uri) {
        // Dropping the entry drops the worker's input: it publishes empty diagnostics and ends.
        lock(&self.docs).remove(uri);
        self.resolved_views.forget(uri);
    }

    pub(crate) fn document(&self, uri: &Uri) -> Option<Arc<Document>> {
        lock(&self.docs).get(uri).map(|e| e.doc.clone())
    }

    /// Open documents as an overlay over the file system, for analysis.
    pub(crate) fn overlay(&self) -> OverlayHost {
        let docs = lock(&self.docs);
        OverlayHost {
            overlay: docs
                .values()
                .filter_map(|e| Some((e.doc.path.clone()?, e.doc.text.clone())))
                .collect(),
        }
    }

    /// Re-analyses every open document (settings changed).
    pub(crate) fn reanalyse_all(&self) {
        for entry in lock(&self.docs).values() {
            entry.input.send_modify(|_| {});
        }
    }

    /// A document changed: re-analyse the s.yaml files that read it. An s.yaml is re-analysed
    /// when its last analysis loaded the changed file (`extend`); any other file (`.env`,
    /// `${file()}` targets) re-analyses all of them, as analysis does not record those reads.
    fn dependents_changed(&self, changed: &Document) {
        let Some(path) = changed.path.as_ref() else {
            return;
        };
        let docs = lock(&self.docs);
        for (uri, entry) in docs.iter() {
            if *uri == changed.uri || !entry.doc.is_s_yaml {
                continue;
            }
            // Without a finished analysis (one is being built) nobody knows: re-analyse.
            let reads_it = !changed.is_s_yaml
                || entry.output.borrow().as_ref().is_none_or(|a| {
                    a.analysis
                        .as_ref()
                        .is_some_and(|a| a.sources.files.iter().skip(1).any(|f| &f.path == path))
                });
            if reads_it {
                entry.input.send_modify(|_| {});
            }
        }
    }

    /// The analysis of the document's current version, waiting for it if it is still running.
    /// `ContentModified` when the document changed meanwhile (the request's positions are
    /// about a text that no longer exists).
    pub(crate) async fn analyzed(&self, uri: &Uri) -> jsonrpc::Result<Arc<Analyzed>> {
        let (version, mut output) = {
            let docs = lock(&self.docs);
            let entry = docs.get(uri).ok_or_else(|| not_open(uri))?;
            // Requests need the full analysis of this version: start it now if it waits for
            // the quiet time after typing (no wake-up when it is there already: a stored
            // permit would start the next one early).
            let current = entry
                .output
                .borrow()
                .as_ref()
                .is_some_and(|a| a.doc.version == entry.doc.version);
            if !current {
                entry.wanted.notify_one();
            }
            (entry.doc.version, entry.output.clone())
        };
        let waited = tokio::time::timeout(
            ANALYSIS_WAIT,
            output.wait_for(|a| a.as_ref().is_some_and(|a| a.doc.version >= version)),
        )
        .await;
        match waited {
            Ok(Ok(found)) => match found.as_ref() {
                Some(a) if a.doc.version == version => Ok(a.clone()),
                _ => Err(jsonrpc::Error::content_modified()),
            },
            // Closed meanwhile.
            Ok(Err(_)) => Err(jsonrpc::Error::content_modified()),
            Err(_) => Err(jsonrpc::Error::internal_error()),
        }
    }

    /// Records whether the workspace check leaves diagnostics on `uri`; returns whether it
    /// had before (then even a clean result must be published, to clear them).
    pub(crate) fn mark_workspace_published(&self, uri: &Uri, non_empty: bool) -> bool {
        let mut set = lock(&self.workspace_published);
        if non_empty {
            !set.insert(uri.clone())
        } else {
            set.remove(uri)
        }
    }

    /// What to answer a request at a position from, with the position's offset in it: the full
    /// analysis of the current version when it is ready, else the fast stage's partial analysis
    /// when it covers the position, else the full analysis once it is ready.
    pub(crate) async fn view_at(
        &self,
        uri: &Uri,
        position: lsp::Position,
    ) -> jsonrpc::Result<(View, TextSize)> {
        let encoding = self.session().encoding;
        {
            let docs = lock(&self.docs);
            let entry = docs.get(uri).ok_or_else(|| not_open(uri))?;
            let version = entry.doc.version;
            let offset = line_map::offset(&entry.doc.line_index, encoding, position);
            if let Some(full) = entry.output.borrow().as_ref()
                && full.doc.version == version
            {
                return Ok((View::Full(full.clone()), offset));
            }
            if let Some(partial) = entry.partial.borrow().as_ref()
                && partial.doc.version == version
                && let Some(at) = partial.partial.to_partial(offset)
            {
                return Ok((View::Partial(partial.clone()), at));
            }
        }
        let full = self.analyzed(uri).await?;
        let offset = line_map::offset(&full.doc.line_index, encoding, position);
        Ok((View::Full(full), offset))
    }

    /// The diagnostics of the document's current version (pull diagnostics), from whichever
    /// stage has them first; `ContentModified` when the document changes meanwhile.
    pub(crate) async fn current_diagnostics(
        &self,
        uri: &Uri,
    ) -> jsonrpc::Result<(i32, Arc<Vec<lsp::Diagnostic>>)> {
        let (version, mut diagnostics) = {
            let docs = lock(&self.docs);
            let entry = docs.get(uri).ok_or_else(|| not_open(uri))?;
            (entry.doc.version, entry.diagnostics.clone())
        };
        let waited = tokio::time::timeout(
            ANALYSIS_WAIT,
            diagnostics.wait_for(|d| d.as_ref().is_some_and(|(v, _)| *v >= version)),
        )
        .await;
        match waited {
            Ok(Ok(found)) => match found.as_ref() {
                Some((v, d)) if *v == version => Ok((*v, d.clone())),
                _ => Err(jsonrpc::Error::content_modified()),
            },
            Ok(Err(_)) => Err(jsonrpc::Error::content_modified()),
            Err(_) => Err(jsonrpc::Error::internal_error()),
        }
    }

    /// The newest full analysis of every open s.yaml document (whatever its version).
    pub(crate) fn full_analyses(&self) -> Vec<Arc<Analyzed>> {
        lock(&self.docs)
            .values()
            .filter(|e| e.doc.is_s_yaml)
            .filter_map(|e| e.output.borrow().clone())
            .collect()
    }

    /// The open s.yaml documents.
    pub(crate) fn open_s_yaml(&self) -> Vec<Uri> {
        lock(&self.docs)
            .values()
            .filter(|e| e.doc.is_s_yaml)
            .map(|e| e.doc.uri.clone())
            .collect()
    }

    /// Settings changed: drift takes the new remote, access, TTL and concurrency.
    pub(crate) fn settings_changed(&self) {
        self.drift.apply_config(&self.config());
        self.reanalyse_all();
    }

    pub(crate) fn open_paths(&self) -> Vec<std::path::PathBuf> {
        lock(&self.docs)
            .values()
            .filter_map(|e| e.doc.path.clone())
            .collect()
    }

    pub(crate) fn jobs_insert(&self, token: String, cancel: CancellationToken) {
        lock(&self.jobs).insert(token, cancel);
    }

    pub(crate) fn jobs_remove(&self, token: &str) {
        lock(&self.jobs).remove(token);
    }

    pub(crate) fn cancel_job(&self, token: &str) -> bool {
        match lock(&self.jobs).get(token) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}

fn not_open(uri: &Uri) -> jsonrpc::Error {
    jsonrpc::Error::invalid_params(format!("{} is not open", uri.as_str()))
}
