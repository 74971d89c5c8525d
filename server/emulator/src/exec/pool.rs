//! Warm-instance pools, one per (function name, version, code checksum, configuration): leases
//! with at most `instanceConcurrency` requests per instance, cold starts in their own task (a
//! cancelled caller does not orphan a half-started process), retirement of a function's pools
//! when its code or configuration changes, an idle reaper, and shutdown that waits for every
//! process to be gone.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::process::{Process, Registry};
use super::{
    ExecError, ExecutorConfig, FunctionSpec, InitFailure, InvokeRequest, RuntimeKind, builtin,
    custom,
};

/// A pool's identity: the function, its version, its code checksum, and a fingerprint of the
/// rest of the configuration instances are started with (handler, memory, timeout, environment,
/// command…), since FC also replaces instances when a function's configuration changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct PoolKey {
    name: String,
    version: String,
    checksum: String,
    config: u64,
}

impl PoolKey {
    fn of(spec: &FunctionSpec) -> PoolKey {
        let mut hasher = std::hash::DefaultHasher::new();
        (
            &spec.runtime,
            &spec.handler,
            spec.timeout,
            spec.memory_mb,
            spec.instance_concurrency,
            &spec.environment,
            &spec.code_dir,
            &spec.command,
            &spec.args,
            &spec.region,
            &spec.account_id,
            &spec.initializer,
        )
            .hash(&mut hasher);
        PoolKey {
            name: spec.name.clone(),
            version: spec.version.clone(),
            checksum: spec.code_checksum.clone(),
            config: hasher.finish(),
        }
    }

    /// Another generation of the same function and version.
    fn supersedes(&self, other: &PoolKey) -> bool {
        self.name == other.name && self.version == other.version && self != other
    }
}

/// How a running instance is talked to.
pub(super) enum Channel {
    Builtin(builtin::Connection),
    Custom(custom::Endpoint),
}

/// A started instance.
pub(super) struct Running {
    pub(super) id: String,
    pub(super) process: Process,
    pub(super) channel: Channel,
    pub(super) init_duration: Duration,
}

impl Running {
    pub(super) fn kill(&self) {
        self.process.kill();
    }

    fn alive(&self) -> bool {
        self.process.exit_status().is_none()
    }
}

#[derive(Clone)]
enum Phase {
    Starting,
    Ready(Arc<Running>),
    Failed(String),
    /// The initializer failed or timed out (the instance is gone).
    InitFailed(InitFailure),
}

/// One instance of a pool, from the moment its start is decided.
pub(super) struct Instance {
    serial: u64,
    id: String,
    phase: watch::Receiver<Phase>,
}

impl Instance {
    fn running(&self) -> Option<Arc<Running>> {
        match &*self.phase.borrow() {
            Phase::Ready(r) => Some(Arc::clone(r)),
            _ => None,
        }
    }
}

struct Slot {
    instance: Arc<Instance>,
    in_flight: usize,
    last_used: Instant,
    /// Started for a provision config: never released for being idle.
    provisioned: bool,
}

impl Slot {
    /// Can take a request (starting, or running and alive).
    fn usable(&self) -> bool {
        match &*self.instance.phase.borrow() {
            Phase::Starting => true,
            Phase::Ready(r) => r.alive(),
            Phase::Failed(_) | Phase::InitFailed(_) => false,
        }
    }
}

#[derive(Default)]
struct Pool {
    slots: Vec<Slot>,
    /// The function's code or version moved on: instances stop once idle.
    retired: bool,
}

/// New code or configuration (or a rolled-back one) for the same function and version: the
/// other pools of that function and version retire; their idle instances go to `doomed` (to be
/// stopped outside the lock), busy ones finish their request first.
fn retire_superseded(state: &mut State, key: &PoolKey, doomed: &mut Vec<Arc<Running>>) {
    for (k, pool) in state.pools.iter_mut() {
        if key.supersedes(k) && !pool.retired {
            pool.retired = true;
            pool.slots.retain(|slot| {
                if slot.in_flight == 0 {
                    doomed.extend(slot.instance.running());
                    false
                } else {
                    true
                }
            });
        }
    }
    state
        .pools
        .retain(|_, pool| !(pool.retired && pool.slots.is_empty()));
}

#[derive(Default)]
struct State {
    pools: HashMap<PoolKey, Pool>,
    closing: bool,
    /// Start tasks not yet finished.
    starting: usize,
}

/// Everything the clones of an `Executor` share.
pub(super) struct Shared {
    pub(super) config: ExecutorConfig,
    state: Mutex<State>,
    /// Signalled when capacity may have become available.
    capacity: Notify,
    shutdown: CancellationToken,
    closing: AtomicBool,
    pub(super) registry: Arc<Registry>,
    /// Ports handed to custom-runtime instances that are alive.
    pub(super) ports: Arc<Mutex<HashSet<u16>>>,
    http_client: OnceLock<Result<reqwest::Client, String>>,
    next_serial: AtomicU64,
    reaper_started: AtomicBool,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Ends the reaper and any start in progress; the pools' processes die with their handles.
        self.shutdown.cancel();
    }
}

/// A reserved place on an instance. Dropping it unfinished gives the place back; for built-in
/// runtimes it also discards the instance (its protocol stream is mid-request).
struct Reservation {
    shared: Arc<Shared>,
    key: PoolKey,
    instance: Arc<Instance>,
    keep_if_dropped: bool,
    settled: bool,
}

impl Reservation {
    fn finish(mut self, healthy: bool) {
        self.settled = true;
        self.shared.release(&self.key, &self.instance, healthy);
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.settled {
            self.shared
                .release(&self.key, &self.instance, self.keep_if_dropped);
        }
    }
}

/// A place on a running instance for one request.
pub(super) struct Lease {
    reservation: Reservation,
    pub(super) running: Arc<Running>,
    /// The request waited for the instance to start.
    pub(super) cold: bool,
    /// No other request was on the instance when this one took its place.
    pub(super) alone: bool,
}

impl Lease {
    /// Gives the place back; `healthy: false` stops the instance.
    pub(super) fn finish(self, healthy: bool) {
        self.reservation.finish(healthy);
    }
}

enum Decision {
    Take {
        instance: Arc<Instance>,
        alone: bool,
        created: bool,
    },
    Wait,
}

impl Shared {
    pub(super) fn new(config: ExecutorConfig) -> Shared {
        Shared {
            config,
            state: Mutex::new(State::default()),
            capacity: Notify::new(),
            shutdown: CancellationToken::new(),
            closing: AtomicBool::new(false),
            registry: Arc::new(Registry::default()),
            ports: Arc::new(Mutex::new(HashSet::new())),
            http_client: OnceLock::new(),
            next_serial: AtomicU64::new(1),
            reaper_started: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent-enough bookkeeping; keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    pub(super) fn http_client(&self) -> Result<&reqwest::Client, String> {
        self.http_client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .retry(reqwest::retry::never())
                    .connect_timeout(Duration::from_secs(2))
                    // A fresh connection per request: instances come and go, ports get reused.
                    .pool_max_idle_per_host(0)
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    pub(super) fn instance_count(&self) -> usize {
        self.lock().pools.values().map(|p| p.slots.len()).sum()
    }

    /// Takes a place on an instance of `spec`'s pool, starting one when needed (bounded by
    /// `queue_timeout` while the pool is full and by the start task's own bound).
    /// `Ok(Err(_))`: the instance's initializer failed (a function error for this request).
    pub(super) async fn acquire(
        self: &Arc<Self>,
        spec: &FunctionSpec,
        kind: RuntimeKind,
    ) -> Result<Result<Lease, InitFailure>, ExecError> {
        self.ensure_reaper();
        let key = PoolKey::of(spec);
        let concurrency = match kind {
            RuntimeKind::Python | RuntimeKind::Node => 1,
            RuntimeKind::Custom => {
                usize::try_from(spec.instance_concurrency.clamp(1, 200)).unwrap_or(1)
            }
        };
        let deadline = tokio::time::Instant::now() + self.config.queue_timeout;
        let (instance, alone, created) = loop {
            let notified = self.capacity.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.decide(&key, spec, kind, concurrency)? {
                Decision::Take {
                    instance,
                    alone,
                    created,
                } => break (instance, alone, created),
                Decision::Wait => {
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        return Err(ExecError::StartFailed(format!(
                            "all {} instances of `{}` stayed busy for {:?} (the emulator's instance cap)",
                            self.config.max_instances, spec.name, self.config.queue_timeout
                        )));
                    }
                }
            }
        };
        let mut phase_rx = instance.phase.clone();
        let mut reservation = Reservation {
            shared: Arc::clone(self),
            key,
            instance: Arc::clone(&instance),
            keep_if_dropped: true,
            settled: false,
        };
        let starting = created || matches!(*phase_rx.borrow(), Phase::Starting);
        let bound = self.config.start_timeout
            + spec
                .initializer
                .as_ref()
                .map_or(Duration::ZERO, super::Hook::effective_timeout)
            + Duration::from_secs(10);
        let phase =
            match tokio::time::timeout(bound, phase_rx.wait_for(|p| !matches!(p, Phase::Starting)))
                .await
            {
                Ok(Ok(phase)) => phase.clone(),
                Ok(Err(_)) => Phase::Failed("the instance's start was abandoned".to_owned()),
                Err(_) => Phase::Failed(format!("the instance did not start within {bound:?}")),
            };
        match phase {
            Phase::Ready(running) => {
                reservation.keep_if_dropped = kind == RuntimeKind::Custom;
                Ok(Ok(Lease {
                    reservation,
                    running,
                    cold: starting,
                    alone,
                }))
            }
            Phase::InitFailed(failure) => {
                reservation.finish(false);
                if self.is_closing() {
                    Err(ExecError::ShuttingDown)
                } else {
                    Ok(Err(failure))
                }
            }
            Phase::Failed(message) => {
                reservation.finish(false);
                if self.is_closing() {
                    Err(ExecError::ShuttingDown)
                } else {
                    Err(ExecError::StartFailed(message))
                }
            }
            Phase::Starting => {
                reservation.finish(false);
                Err(ExecError::StartFailed(
                    "the instance did not start".to_owned(),
                ))
            }
        }
    }

    fn decide(
        self: &Arc<Self>,
        key: &PoolKey,
        spec: &FunctionSpec,
        kind: RuntimeKind,
        concurrency: usize,
    ) -> Result<Decision, ExecError> {
        let mut doomed = Vec::new();
        let decision = {
            let mut state = self.lock();
            if state.closing {
                return Err(ExecError::ShuttingDown);
            }
            retire_superseded(&mut state, key, &mut doomed);
            let max = self.config.max_instances.max(1);
            let pool = state.pools.entry(key.clone()).or_default();
            pool.retired = false;
            // Forget dead idle instances.
            pool.slots.retain(|slot| {
                if slot.in_flight == 0 && !slot.usable() {
                    doomed.extend(slot.instance.running());
                    false
                } else {
                    true
                }
            });
            // Prefer a running instance with room (the busiest, to pack requests), then a
            // starting one with room.
            let ready = |s: &Slot| matches!(*s.instance.phase.borrow(), Phase::Ready(_));
            let pick = pool
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.in_flight < concurrency && s.usable())
                .max_by_key(|(_, s)| (ready(s), s.in_flight))
                .map(|(i, _)| i);
            if let Some(i) = pick {
                let slot = &mut pool.slots[i];
                let alone = slot.in_flight == 0;
                slot.in_flight += 1;
                slot.last_used = Instant::now();
                Decision::Take {
                    instance: Arc::clone(&slot.instance),
                    alone,
                    created: false,
                }
            } else if pool.slots.len() < max {
                let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
                let (tx, rx) = watch::channel(Phase::Starting);
                let instance = Arc::new(Instance {
                    serial,
                    id: new_instance_id(),
                    phase: rx,
                });
                pool.slots.push(Slot {
                    instance: Arc::clone(&instance),
                    in_flight: 1,
                    last_used: Instant::now(),
                    provisioned: false,
                });
                state.starting += 1;
                tokio::spawn(start_task(
                    Arc::clone(self),
                    spec.clone(),
                    kind,
                    Arc::clone(&instance),
                    tx,
                ));
                Decision::Take {
                    instance,
                    alone: true,
                    created: true,
                }
            } else {
                Decision::Wait
            }
        };
        for running in doomed {
            running.kill();
        }
        Ok(decision)
    }

    fn release(&self, key: &PoolKey, instance: &Arc<Instance>, healthy: bool) {
        let mut doomed = None;
        {
            let mut state = self.lock();
            let mut remove_pool = false;
            if let Some(pool) = state.pools.get_mut(key) {
                if let Some(pos) = pool
                    .slots
                    .iter()
                    .position(|s| s.instance.serial == instance.serial)
                {
                    let slot = &mut pool.slots[pos];
                    slot.in_flight = slot.in_flight.saturating_sub(1);
                    slot.last_used = Instant::now();
                    let idle = slot.in_flight == 0;
                    if !healthy || (pool.retired && idle) || (idle && !slot.usable()) {
                        doomed = pool.slots.remove(pos).instance.running();
                    }
                }
                remove_pool = pool.retired && pool.slots.is_empty();
            }
            if remove_pool {
                state.pools.remove(key);
            }
        }
        if doomed.is_none() && !healthy {
            // Already removed from its pool (shutdown, retirement): still make sure it stops.
            doomed = instance.running();
        }
        if let Some(running) = doomed {
            running.kill();
        }
        self.capacity.notify_waiters();
    }

    /// Makes `n` instances of `spec`'s pool provisioned (fc-api.md §13.4): marks idle ones,
    /// starts the missing ones in the background, and un-marks extra ones (they are then released
    /// when idle). Returns how many instances it started.
    pub(super) fn prewarm(
        self: &Arc<Self>,
        spec: &FunctionSpec,
        kind: RuntimeKind,
        n: usize,
    ) -> Result<usize, ExecError> {
        self.ensure_reaper();
        let key = PoolKey::of(spec);
        let mut doomed = Vec::new();
        let mut started = 0;
        {
            let mut state = self.lock();
            if state.closing {
                return Err(ExecError::ShuttingDown);
            }
            retire_superseded(&mut state, &key, &mut doomed);
            let max = self.config.max_instances.max(1);
            let n = n.min(max);
            let mut spawns = Vec::new();
            {
                let pool = state.pools.entry(key.clone()).or_default();
                pool.retired = false;
                let mut have = 0;
                for slot in pool.slots.iter_mut() {
                    if !slot.usable() {
                        slot.provisioned = false;
                    } else if have < n {
                        slot.provisioned = true;
                        have += 1;
                    } else {
                        slot.provisioned = false;
                    }
                }
                while have < n && pool.slots.len() < max {
                    let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
                    let (tx, rx) = watch::channel(Phase::Starting);
                    let instance = Arc::new(Instance {
                        serial,
                        id: new_instance_id(),
                        phase: rx,
                    });
                    pool.slots.push(Slot {
                        instance: Arc::clone(&instance),
                        in_flight: 0,
                        last_used: Instant::now(),
                        provisioned: true,
                    });
                    spawns.push((instance, tx));
                    have += 1;
                }
            }
            for (instance, tx) in spawns {
                state.starting += 1;
                started += 1;
                tokio::spawn(start_task(
                    Arc::clone(self),
                    spec.clone(),
                    kind,
                    instance,
                    tx,
                ));
            }
        }
        for running in doomed {
            running.kill();
        }
        Ok(started)
    }

    /// Provisioned instances of `name` at `version` that are up (started and alive).
    pub(super) fn provisioned_running(&self, name: &str, version: &str) -> usize {
        let state = self.lock();
        state
            .pools
            .iter()
            .filter(|(k, p)| k.name == name && k.version == version && !p.retired)
            .flat_map(|(_, p)| p.slots.iter())
            .filter(|s| {
                s.provisioned && matches!(&*s.instance.phase.borrow(), Phase::Ready(r) if r.alive())
            })
            .count()
    }

    /// Un-marks the provisioned instances of `name` at `version` (a deleted provision config):
    /// they are released once idle like any other.
    pub(super) fn unprovision(&self, name: &str, version: &str) {
        let mut state = self.lock();
        for (k, pool) in state.pools.iter_mut() {
            if k.name == name && k.version == version {
                for slot in pool.slots.iter_mut() {
                    slot.provisioned = false;
                }
            }
        }
    }

    fn ensure_reaper(self: &Arc<Self>) {
        if self.reaper_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        let token = self.shutdown.clone();
        let idle = self.config.idle_timeout;
        let interval = (idle / 4).clamp(Duration::from_millis(20), Duration::from_secs(5));
        tokio::spawn(async move {
            // Ends on shutdown or when the executor is dropped.
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(shared) = weak.upgrade() else { break };
                shared.reap(idle);
            }
        });
    }

    /// Stops instances idle for `idle` or dead, and drops empty pools.
    fn reap(&self, idle: Duration) {
        let mut doomed = Vec::new();
        {
            let mut state = self.lock();
            for pool in state.pools.values_mut() {
                pool.slots.retain(|slot| {
                    let stale = slot.in_flight == 0
                        && !matches!(*slot.instance.phase.borrow(), Phase::Starting)
                        && ((!slot.provisioned && slot.last_used.elapsed() >= idle)
                            || !slot.usable());
                    if stale {
                        doomed.extend(slot.instance.running());
                    }
                    !stale
                });
            }
            state.pools.retain(|_, pool| !pool.slots.is_empty());
        }
        if !doomed.is_empty() {
            tracing::debug!(count = doomed.len(), "stopping idle instances");
        }
        for running in doomed {
            running.kill();
        }
    }

    pub(super) async fn shutdown(&self) {
        let doomed: Vec<Arc<Running>> = {
            let mut state = self.lock();
            state.closing = true;
            self.closing.store(true, Ordering::SeqCst);
            state
                .pools
                .drain()
                .flat_map(|(_, pool)| pool.slots)
                .filter_map(|s| s.instance.running())
                .collect()
        };
        self.shutdown.cancel();
        for running in &doomed {
            running.kill();
        }
        self.capacity.notify_waiters();
        // Start tasks see `closing` (or the cancelled token) and kill what they started.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.lock().starting > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for running in &doomed {
            running.process.wait_exit(Duration::from_secs(5)).await;
        }
        drop(doomed);
        let left = self.registry.wait_empty(Duration::from_secs(5)).await;
        if left > 0 {
            tracing::warn!(left, "instance processes still running after shutdown");
        }
    }
}

/// Starts one instance and publishes the outcome on `tx` (under the state lock, so shutdown
/// either sees it in a pool or the start task sees `closing`).
async fn start_task(
    shared: Arc<Shared>,
    spec: FunctionSpec,
    kind: RuntimeKind,
    instance: Arc<Instance>,
    tx: watch::Sender<Phase>,
) {
    let begun = Instant::now();
    let started = tokio::select! {
        r = start_and_initialize(&shared, &spec, kind, &instance.id) => r,
        () = shared.shutdown.cancelled() => Err(StartFailure::Start("the executor is shutting down".to_owned())),
    };
    let mut leftover = None;
    {
        let state = shared.lock();
        match started {
            Ok((process, channel)) => {
                let running = Arc::new(Running {
                    id: instance.id.clone(),
                    process,
                    channel,
                    init_duration: begun.elapsed(),
                });
                if state.closing {
                    running.kill();
                    leftover = Some(Arc::clone(&running));
                    let _ = tx.send(Phase::Failed("the executor is shutting down".to_owned()));
                } else {
                    tracing::debug!(instance = %instance.id, function = %spec.name, ms = running.init_duration.as_millis() as u64, "instance started");
                    let _ = tx.send(Phase::Ready(running));
                }
            }
            Err(StartFailure::Start(message)) => {
                tracing::debug!(instance = %instance.id, function = %spec.name, %message, "instance failed to start");
                let _ = tx.send(Phase::Failed(message));
            }
            Err(StartFailure::Init(failure)) => {
                tracing::debug!(instance = %instance.id, function = %spec.name, "instance initializer failed");
                let _ = tx.send(Phase::InitFailed(failure));
            }
        }
    }
    if let Some(running) = leftover {
        running.process.wait_exit(Duration::from_secs(5)).await;
    }
    {
        let mut state = shared.lock();
        state.starting = state.starting.saturating_sub(1);
    }
    shared.capacity.notify_waiters();
}

enum StartFailure {
    Start(String),
    Init(InitFailure),
}

/// Starts an instance, then runs its initializer (when the function has one): both are the cold
/// start. A failed initializer kills the instance.
async fn start_and_initialize(
    shared: &Arc<Shared>,
    spec: &FunctionSpec,
    kind: RuntimeKind,
    id: &str,
) -> Result<(Process, Channel), StartFailure> {
    let (process, channel) = start(shared, spec, kind, id)
        .await
        .map_err(StartFailure::Start)?;
    let Some(hook) = &spec.initializer else {
        return Ok((process, channel));
    };
    let request = InvokeRequest {
        request_id: format!("init-{}", uuid::Uuid::new_v4().simple()),
        ..InvokeRequest::default()
    };
    let log_start = process.logs.offset();
    let outcome = match (&channel, hook.handler.is_empty()) {
        (Channel::Custom(endpoint), _) => {
            custom::initialize(shared, spec, endpoint, hook, &request).await
        }
        (Channel::Builtin(connection), false) => {
            builtin::initialize(spec, &process, connection, hook, &request, id).await
        }
        (Channel::Builtin(_), true) => super::run_hook_command(shared, spec, kind, id, hook).await,
    };
    match outcome {
        Ok(()) => Ok((process, channel)),
        Err(mut failure) => {
            let end = process
                .logs
                .settle(Duration::from_millis(10), Duration::from_millis(200))
                .await;
            if failure.log.is_empty() {
                failure.log = process.logs.range(log_start, end, super::LOG_TAIL_BYTES);
            }
            process.kill();
            Err(StartFailure::Init(failure))
        }
    }
}

async fn start(
    shared: &Arc<Shared>,
    spec: &FunctionSpec,
    kind: RuntimeKind,
    id: &str,
) -> Result<(Process, Channel), String> {
    match kind {
        RuntimeKind::Python | RuntimeKind::Node => {
            let (process, connection) = builtin::start(shared, spec, kind, id).await?;
            Ok((process, Channel::Builtin(connection)))
        }
        RuntimeKind::Custom => {
            let (process, endpoint) = custom::start(shared, spec, id).await?;
            Ok((process, Channel::Custom(endpoint)))
        }
    }
}

/// An FC-looking instance id: `c-<hex seconds>-<random>`.
fn new_instance_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("c-{secs:08x}-{}", &random[..24])
}
