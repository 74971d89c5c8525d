//! The drift engine: reads the remote of many functions with bounded concurrency (D24: the bound
//! counts functions in flight, each function's calls run together), caches each function's read
//! with a TTL, and turns file + baseline + remote into [`FunctionReport`]s. Editing never waits
//! on it: callers take what is cached ([`DriftEngine::cached`]) and refresh in the background.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::baseline::{BaselineRead, BaselineSource, BaselineStore};
use crate::connect::{self, Connection, Plan, RemoteOptions};
use crate::embedded::LocalEmulator;
use crate::fetch::{self, Wanted};
use crate::local::{Dialect, LocalFunction};
use crate::normalize::{self, Context};
use crate::plan::FunctionReport;
use crate::snapshot::RemoteSnapshot;
use crate::status::{self, Sides};

/// Default number of functions read at once.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default time a read stays fresh.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// Knobs of the engine.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Functions read at once (at least 1).
    pub concurrency: usize,
    /// How long a read stays fresh.
    pub ttl: Duration,
    pub remote: RemoteOptions,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: DEFAULT_CONCURRENCY,
            ttl: DEFAULT_TTL,
            remote: RemoteOptions::default(),
        }
    }
}

/// One function's remote read.
#[derive(Clone, Debug)]
pub struct RemoteRead {
    /// The snapshot, or why it could not be read.
    pub snapshot: Result<RemoteSnapshot, String>,
    pub fetched_at: Instant,
    /// `local` or the endpoint URL (empty when no remote could be chosen).
    pub label: String,
    /// The account baselines are keyed by.
    pub account_id: Option<String>,
    /// CRC-64 of sdls's package of the local code at read time, or why there is none.
    pub local_code: Result<String, String>,
}

/// What identifies a cached read: the function and everything that changes what is read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReadKey {
    pub file_dir: PathBuf,
    pub function_name: String,
    pub region: String,
    pub wanted: Wanted,
    pub endpoint: Option<String>,
    pub access: Option<String>,
    pub code_path: Option<PathBuf>,
}

impl ReadKey {
    pub fn of(file_dir: &Path, function: &LocalFunction) -> ReadKey {
        ReadKey {
            file_dir: file_dir.to_path_buf(),
            function_name: function.function_name.clone(),
            region: function.region.clone(),
            // The account only matters for an `auto` domain name, resolved at read time.
            wanted: Wanted::for_function(function, None),
            endpoint: function.endpoint.clone(),
            access: function.access.clone(),
            code_path: function.code_path.clone(),
        }
    }
}

/// The engine. Share it behind an `Arc`.
pub struct DriftEngine {
    options: Mutex<EngineOptions>,
    cache: Mutex<HashMap<ReadKey, RemoteRead>>,
    in_flight: Mutex<HashSet<ReadKey>>,
    permits: Mutex<Arc<Semaphore>>,
    emulators: tokio::sync::Mutex<HashMap<PathBuf, LocalEmulator>>,
    clients: Mutex<HashMap<String, Connection>>,
}

impl DriftEngine {
    pub fn new(options: EngineOptions) -> Arc<DriftEngine> {
        let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
        Arc::new(DriftEngine {
            options: Mutex::new(options),
            cache: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashSet::new()),
            permits: Mutex::new(permits),
            emulators: tokio::sync::Mutex::new(HashMap::new()),
            clients: Mutex::new(HashMap::new()),
        })
    }

    pub fn options(&self) -> EngineOptions {
        lock(&self.options).clone()
    }

    /// New options; a different remote, access or environment drops every cached read and client.
    pub fn set_options(&self, options: EngineOptions) {
        let mut current = lock(&self.options);
        let remote_changed = current.remote.remote_flag != options.remote.remote_flag
            || current.remote.remote_setting != options.remote.remote_setting
            || current.remote.access != options.remote.access
            || current.remote.env != options.remote.env;
        if current.concurrency != options.concurrency {
            *lock(&self.permits) = Arc::new(Semaphore::new(options.concurrency.max(1)));
        }
        *current = options;
        drop(current);
        if remote_changed {
            lock(&self.cache).clear();
            lock(&self.clients).clear();
        }
    }

    /// The cached read of a function, fresh or not.
    pub fn cached(&self, file_dir: &Path, function: &LocalFunction) -> Option<RemoteRead> {
        lock(&self.cache)
            .get(&ReadKey::of(file_dir, function))
            .cloned()
    }

    /// Whether the cached read is younger than the TTL.
    pub fn is_fresh(&self, file_dir: &Path, function: &LocalFunction) -> bool {
        let ttl = lock(&self.options).ttl;
        self.cached(file_dir, function)
            .is_some_and(|r| r.fetched_at.elapsed() < ttl)
    }

    /// Forgets the reads of these functions (after a deploy).
    pub fn invalidate(&self, file_dir: &Path, functions: &[LocalFunction]) {
        let mut cache = lock(&self.cache);
        for f in functions {
            cache.remove(&ReadKey::of(file_dir, f));
        }
    }

    /// Forgets every read.
    pub fn clear(&self) {
        lock(&self.cache).clear();
    }

    /// Reads the functions whose read is missing or stale (all of them with `force`), at most
    /// `concurrency` at a time, skipping those another refresh is reading. `on_read` is called as
    /// each one lands (index into `functions`). Returns how many were read.
    pub async fn refresh(
        self: &Arc<Self>,
        file_dir: &Path,
        functions: &[LocalFunction],
        force: bool,
        cancel: &CancellationToken,
        on_read: &(dyn Fn(usize, &RemoteRead) + Send + Sync),
    ) -> usize {
        let ttl = lock(&self.options).ttl;
        let mut todo = Vec::new();
        {
            let cache = lock(&self.cache);
            let mut in_flight = lock(&self.in_flight);
            for (index, function) in functions.iter().enumerate() {
                let key = ReadKey::of(file_dir, function);
                let fresh = cache
                    .get(&key)
                    .is_some_and(|r| r.fetched_at.elapsed() < ttl);
                if (force || !fresh) && in_flight.insert(key.clone()) {
                    todo.push((index, key, function));
                }
            }
        }
        let permits = lock(&self.permits).clone();
        let mut reads: FuturesUnordered<_> = todo
            .into_iter()
            .map(|(index, key, function)| {
                let permits = permits.clone();
                async move {
                    let read = match permits.acquire_owned().await {
                        Ok(_permit) => {
                            tokio::select! {
                                biased;
                                () = cancel.cancelled() => None,
                                // A read that failed because it was cancelled is not news about
                                // the remote: drop it rather than cache an `unknown`.
                                read = self.read(file_dir, function, cancel) => {
                                    (!cancel.is_cancelled()).then_some(read)
                                }
                            }
                        }
                        Err(_) => None,
                    };
                    (index, key, read)
                }
            })
            .collect();
        let mut count = 0;
        while let Some((index, key, read)) = reads.next().await {
            lock(&self.in_flight).remove(&key);
            if let Some(read) = read {
                lock(&self.cache).insert(key, read.clone());
                on_read(index, &read);
                count += 1;
            }
        }
        count
    }

    /// Reads one function now (no cache).
    async fn read(
        &self,
        file_dir: &Path,
        function: &LocalFunction,
        cancel: &CancellationToken,
    ) -> RemoteRead {
        let local_code = local_code_crc(function).await;
        let fetched = |snapshot, label: String, account_id| RemoteRead {
            snapshot,
            fetched_at: Instant::now(),
            label,
            account_id,
            local_code: local_code.clone(),
        };
        let connection = match self.connection(file_dir, function).await {
            Ok(c) => c,
            Err(reason) => return fetched(Err(reason), String::new(), None),
        };
        let wanted = Wanted::for_function(function, connection.account_id.as_deref());
        let client = connection.client.with_cancel(cancel.clone());
        let snapshot = fetch::fetch(&client, &function.function_name, &wanted)
            .await
            .map_err(|e| e.to_string());
        fetched(snapshot, connection.label, connection.account_id)
    }

    /// A client for the function's remote (cached per remote and region); the local emulator is
    /// started or joined once per folder. Deploys from the editor use the reads' connection.
    pub async fn connection(
        &self,
        file_dir: &Path,
        function: &LocalFunction,
    ) -> Result<Connection, String> {
        let options = lock(&self.options).remote.clone();
        let plan = connect::choose(
            &options,
            &function.region,
            function.endpoint.as_deref(),
            function.access.as_deref(),
        )
        .map_err(|e| e.to_string())?;
        let emulator = match plan {
            Plan::Local => Some(self.emulator(file_dir, &options).await?),
            Plan::Cloud { .. } => None,
        };
        let key = match (&plan, &emulator) {
            (
                Plan::Cloud {
                    endpoints,
                    credentials,
                },
                _,
            ) => format!(
                "{}|{}|{}",
                endpoints.management_base_url(),
                function.region,
                credentials.access_key_id
            ),
            (Plan::Local, Some(e)) => format!("{}|{}|local", e.url, function.region),
            (Plan::Local, None) => return Err("the local emulator is not running".into()),
        };
        if let Some(c) = lock(&self.clients).get(&key) {
            return Ok(c.clone());
        }
        let connection = connect::client(&plan, &function.region, emulator.as_ref(), &options)
            .map_err(|e| e.to_string())?;
        lock(&self.clients).insert(key, connection.clone());
        Ok(connection)
    }

    async fn emulator(
        &self,
        file_dir: &Path,
        options: &RemoteOptions,
    ) -> Result<LocalEmulator, String> {
        let mut emulators = self.emulators.lock().await;
        if let Some(e) = emulators.get(file_dir) {
            return Ok(e.clone());
        }
        let emulator = connect::local_emulator(file_dir, options)
            .await
            .map_err(|e| e.to_string())?;
        emulators.insert(file_dir.to_path_buf(), emulator.clone());
        Ok(emulator)
    }

    /// Forgets the emulator of a folder (it stopped; the next read starts or joins another).
    pub async fn forget_emulator(&self, file_dir: &Path) {
        self.emulators.lock().await.remove(file_dir);
        lock(&self.clients).retain(|key, c| !(c.local && key.contains("|local")));
    }
}

/// The report of one function from its read: the baseline is read from `file_dir`'s store,
/// the verdict computed (pure), secrets masked unless `show_secrets`.
pub fn report(
    file_dir: &Path,
    function: &LocalFunction,
    read: &RemoteRead,
    show_secrets: bool,
) -> FunctionReport {
    let legacy_names = match &function.dialect {
        Dialect::Legacy { service, function } => Some((service.as_str(), function.as_str())),
        Dialect::Fc3 => None,
    };
    let ctx = Context {
        account_id: read.account_id.clone(),
        region: function.region.clone(),
    };
    let mut warnings = Vec::new();
    let mut baseline_source = None;
    let baseline = match &read.account_id {
        Some(account) => match BaselineStore::new(file_dir).read(
            account,
            &function.region,
            &function.function_name,
            legacy_names,
        ) {
            BaselineRead::Found { baseline, source } => {
                baseline_source = Some(match source {
                    BaselineSource::Sdls(p) | BaselineSource::Legacy(p) => p,
                });
                Some(baseline)
            }
            BaselineRead::Missing => None,
            BaselineRead::Invalid { warning, .. } => {
                warnings.push(warning);
                None
            }
        },
        None => {
            if read.snapshot.is_ok() {
                warnings.push(
                    "the credentials have no AccountID, so baselines (.s/deployed/<AccountID>-…) cannot be read or written; add AccountID to the credentials".into(),
                );
            }
            None
        }
    };
    if let Ok(snapshot) = &read.snapshot
        && let Some(live) = &snapshot.function
    {
        // §2.5 item 18: a function being updated may still change; say so rather than guess.
        if live.last_update_status.as_deref() == Some("InProgress")
            || live.state.as_deref() == Some("Pending")
        {
            warnings.push(
                "the function is being updated (lastUpdateStatus InProgress): its live values may still change; refresh in a moment".into(),
            );
        } else if live.last_update_status.as_deref() == Some("Failed") {
            warnings.push(
                "the last update of the function failed (lastUpdateStatus Failed): the live config may not be what was sent".into(),
            );
        }
    }
    let verdict = match &read.snapshot {
        Err(reason) => status::unknown(reason.clone()),
        Ok(snapshot) => {
            let local = normalize::local(function, &ctx);
            status::decide(
                &local,
                &Sides {
                    remote: snapshot,
                    baseline: baseline.as_deref(),
                    ctx: &ctx,
                    local_code: read.local_code.clone(),
                },
            )
        }
    };
    let mut report = FunctionReport::new(
        &function.resource,
        &function.function_name,
        &function.region,
        &read.label,
        verdict,
    );
    report.warnings = warnings;
    report.baseline = baseline_source.map(|p| {
        p.strip_prefix(file_dir)
            .map(Path::to_path_buf)
            .unwrap_or(p)
            .display()
            .to_string()
    });
    report.legacy = legacy_names.is_some();
    if !show_secrets {
        report.mask_secrets();
    }
    report
}

/// CRC-64 of sdls's deterministic package of the function's local code (D13), or why not.
pub async fn local_code_crc(function: &LocalFunction) -> Result<String, String> {
    let Some(path) = function.code_path.clone() else {
        return Err(match function.props.get("code") {
            None => "the function has no local code".into(),
            Some(_) => "the code is not a local path".into(),
        });
    };
    let options = function.package_options();
    let packaged = tokio::task::spawn_blocking(move || {
        fc::package::package(&path, &options).map(|p| p.summary.checksum)
    })
    .await;
    match packaged {
        Ok(Ok(crc)) => Ok(crc),
        Ok(Err(e)) => Err(format!("the local code cannot be packaged: {e}")),
        Err(e) => Err(format!("packaging the local code failed: {e}")),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind: keep using it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records the remote as the baseline of a function that is in sync with the file, when there is
/// no baseline yet or the remote moved since it (another tool deployed the same config, §2.5
/// item 25) and its code did not: the next console change is then told apart from the file's.
/// Writes only `.s/deployed/…`; returns the path written.
pub fn adopt_in_sync(
    file_dir: &Path,
    function: &LocalFunction,
    read: &RemoteRead,
    report: &FunctionReport,
) -> Option<PathBuf> {
    if report.status != crate::status::Status::InSync || !report.warnings.is_empty() {
        return None;
    }
    let snapshot = read.snapshot.as_ref().ok()?;
    let account = read.account_id.as_deref()?;
    let store = BaselineStore::new(file_dir);
    let mut hashed = snapshot.clone();
    if let Some(f) = hashed.function.as_mut()
        && let Some(env) = f.environment_variables.as_mut()
    {
        for value in env.values_mut() {
            if !value.starts_with(normalize::HASH_PREFIX) {
                *value = normalize::hash_value(value);
            }
        }
    }
    let previous = match store.read(account, &function.region, &function.function_name, None) {
        BaselineRead::Found { baseline, source } => {
            if matches!(source, BaselineSource::Legacy(_)) {
                None
            } else {
                Some(baseline)
            }
        }
        BaselineRead::Missing => None,
        BaselineRead::Invalid { .. } => return None,
    };
    let local_crc = read.local_code.as_ref().ok().cloned();
    if let Some(previous) = &previous {
        let code_same = previous.code.remote_checksum.as_deref() == snapshot.code_checksum();
        if previous.snapshot == hashed || !code_same {
            return None;
        }
    }
    let baseline = crate::baseline::Baseline::new(
        account,
        &function.region,
        &function.function_name,
        snapshot.clone(),
        crate::baseline::CodeBaseline {
            local_crc: match &previous {
                // The code did not move remotely: what the file's code was then still holds.
                Some(p) => p.code.local_crc.clone().or(local_crc),
                None => local_crc,
            },
            remote_checksum: snapshot.code_checksum().map(str::to_string),
        },
    );
    store.write(&baseline).ok()
}
