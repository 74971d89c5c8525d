//! Instance processes: spawning with FC's environment in their own process group, stdout and
//! stderr merged into one pipe and kept in a bounded ring ([`LogSink`]), a monitor task that
//! reaps the process and kills the whole group when asked, when the process exits, or when the
//! handle is dropped, and `/proc` memory readings.
//!
//! No unsafe code: the group is killed by running `kill -s KILL -- -<pgid>`.

use std::collections::{BTreeMap, VecDeque};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::{FunctionSpec, RuntimeKind};

/// Bytes of output kept per instance.
const RING_BYTES: usize = 64 << 10;

/// What to start.
pub(super) struct Launch {
    /// An absolute path (see [`resolve_program`]).
    pub(super) program: PathBuf,
    pub(super) args: Vec<String>,
    pub(super) cwd: PathBuf,
    pub(super) env: BTreeMap<String, String>,
    /// `RLIMIT_AS` in KiB, applied through `sh -c 'ulimit -v'`.
    pub(super) address_space_kb: Option<u64>,
    /// Written to stdin (then stdin is closed); `None`: stdin is `/dev/null`.
    pub(super) stdin_line: Option<String>,
}

/// Counts the processes of one executor that are not yet reaped, so shutdown can wait for them.
#[derive(Default)]
pub(super) struct Registry {
    live: Mutex<usize>,
    changed: Notify,
}

impl Registry {
    pub(super) fn live(&self) -> usize {
        self.live.lock().map_or(0, |n| *n)
    }

    /// Waits until no process is left or `bound` passes; returns the number left.
    pub(super) async fn wait_empty(&self, bound: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let live = self.live();
            if live == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.live();
            }
        }
    }

    fn add(&self) {
        if let Ok(mut n) = self.live.lock() {
            *n += 1;
        }
    }

    fn remove(&self) {
        if let Ok(mut n) = self.live.lock() {
            *n = n.saturating_sub(1);
        }
        self.changed.notify_waiters();
    }
}

/// Decrements the registry when the monitor task ends (also when the runtime drops it).
struct LiveGuard(Arc<Registry>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.remove();
    }
}

/// Kills a process group when dropped unless disarmed (covers a dropped runtime).
struct GroupGuard {
    pgid: u32,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            kill_group_blocking(self.pgid);
        }
    }
}

fn kill_group_blocking(pgid: u32) {
    let _ = std::process::Command::new(kill_program())
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

async fn kill_group(pgid: u32) {
    let status = tokio::process::Command::new(kill_program())
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(5), status).await;
}

fn kill_program() -> &'static str {
    if Path::new("/bin/kill").exists() {
        "/bin/kill"
    } else {
        "/usr/bin/kill"
    }
}

/// A started instance process (its group leader).
pub(super) struct Process {
    pub(super) pid: u32,
    pub(super) logs: Arc<LogSink>,
    stop: CancellationToken,
    exited: watch::Receiver<Option<String>>,
    /// The group's members, rescanned at most every [`GROUP_SCAN_EVERY`].
    group: Mutex<Option<(Instant, Vec<u32>)>>,
}

/// How long a scan of the process group's members is reused.
const GROUP_SCAN_EVERY: Duration = Duration::from_secs(2);

impl Drop for Process {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Process {
    /// Starts `launch` in a new process group. Must run inside a tokio runtime.
    pub(super) fn spawn(launch: Launch, registry: &Arc<Registry>) -> Result<Process, String> {
        let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot create a pipe: {e}"))?;
        let writer2 = writer
            .try_clone()
            .map_err(|e| format!("cannot create a pipe: {e}"))?;
        let mut command = match launch.address_space_kb {
            Some(kb) => {
                let mut c = tokio::process::Command::new("/bin/sh");
                c.arg("-c")
                    .arg("ulimit -v \"$0\" 2>/dev/null; exec \"$@\"")
                    .arg(kb.to_string())
                    .arg(&launch.program)
                    .args(&launch.args);
                c
            }
            None => {
                let mut c = tokio::process::Command::new(&launch.program);
                c.args(&launch.args);
                c
            }
        };
        command
            .current_dir(&launch.cwd)
            .env_clear()
            .envs(&launch.env)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::from(writer2))
            .stdin(if launch.stdin_line.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .process_group(0)
            .kill_on_drop(true);
        let spawned = command.spawn();
        // The command holds our copies of the pipe's write end: drop it so EOF can arrive.
        drop(command);
        let mut child =
            spawned.map_err(|e| format!("cannot start {}: {e}", launch.program.display()))?;
        let pid = child.id().unwrap_or(0);
        let logs = Arc::new(LogSink::default());
        let receiver =
            tokio::net::unix::pipe::Receiver::from_owned_fd(std::os::fd::OwnedFd::from(reader))
                .map_err(|e| format!("cannot read the instance's output: {e}"))?;
        tokio::spawn(read_output(receiver, Arc::clone(&logs)));
        if let (Some(line), Some(mut stdin)) = (launch.stdin_line, child.stdin.take()) {
            tokio::spawn(async move {
                let write = async {
                    stdin.write_all(line.as_bytes()).await?;
                    stdin.write_all(b"\n").await?;
                    stdin.shutdown().await
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), write).await;
            });
        }
        let stop = CancellationToken::new();
        let (exited_tx, exited) = watch::channel(None);
        registry.add();
        let live = LiveGuard(Arc::clone(registry));
        let token = stop.clone();
        tokio::spawn(async move {
            let _live = live;
            let mut guard = GroupGuard {
                pgid: pid,
                armed: pid != 0,
            };
            let status = tokio::select! {
                status = child.wait() => match status {
                    Ok(s) => describe_exit(s),
                    Err(e) => format!("cannot wait for the process: {e}"),
                },
                () = token.cancelled() => {
                    if pid != 0 {
                        kill_group(pid).await;
                    }
                    let _ = child.start_kill();
                    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                    "killed by the emulator".to_owned()
                }
            };
            // Whatever the leader did, no descendant outlives it.
            if pid != 0 {
                kill_group(pid).await;
            }
            guard.armed = false;
            let _ = exited_tx.send(Some(status));
        });
        Ok(Process {
            pid,
            logs,
            stop,
            exited,
            group: Mutex::new(None),
        })
    }

    /// The processes of the instance's group (the leader and what it started).
    pub(super) fn group_pids(&self) -> Vec<u32> {
        let Ok(mut cache) = self.group.lock() else {
            return vec![self.pid];
        };
        match &*cache {
            Some((at, pids)) if at.elapsed() < GROUP_SCAN_EVERY => pids.clone(),
            _ => {
                let pids = group_pids(self.pid);
                *cache = Some((Instant::now(), pids.clone()));
                pids
            }
        }
    }

    /// A start that failed: waits briefly for the last output, kills the process and returns
    /// `reason` with that output appended (what the user needs to see why it did not start).
    pub(super) async fn start_failed(&self, reason: String) -> String {
        self.logs
            .settle(Duration::from_millis(20), Duration::from_millis(300))
            .await;
        let output = self.logs.tail(2000);
        self.kill();
        if output.is_empty() {
            reason
        } else {
            format!("{reason}; output:\n{output}")
        }
    }

    /// Asks the monitor to kill the process group (returns at once).
    pub(super) fn kill(&self) {
        self.stop.cancel();
    }

    /// How the process ended, when it has.
    pub(super) fn exit_status(&self) -> Option<String> {
        self.exited.borrow().clone()
    }

    /// Waits (bounded) until the process has ended; returns how it ended.
    pub(super) async fn wait_exit(&self, bound: Duration) -> Option<String> {
        let mut rx = self.exited.clone();
        match tokio::time::timeout(bound, rx.wait_for(Option::is_some)).await {
            Ok(Ok(status)) => status.clone(),
            _ => self.exit_status(),
        }
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(9)) => "killed by SIGKILL (out of memory?)".to_owned(),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

async fn read_output(mut receiver: tokio::net::unix::pipe::Receiver, logs: Arc<LogSink>) {
    let mut buf = vec![0u8; 16 << 10];
    // Ends at EOF: every writer (the group) has exited or closed the pipe.
    loop {
        match receiver.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => logs.ingest(&buf[..n]),
        }
    }
    logs.finish();
}

/// The merged stdout/stderr of one instance: a bounded ring addressed by absolute byte offsets,
/// with end-of-request markers (see the module docs of `exec`) cut out and recorded.
#[derive(Default)]
pub(super) struct LogSink {
    state: Mutex<LogState>,
    changed: Notify,
}

#[derive(Default)]
struct LogState {
    ring: VecDeque<u8>,
    /// Bytes emitted so far (the offset one past the ring's last byte).
    total: u64,
    /// Bytes not yet emitted because they may begin a marker.
    pending: Vec<u8>,
    /// `\x1eFCEND:<secret>:`; markers are `<prefix><seq>\x1e`.
    marker_prefix: Option<Vec<u8>>,
    /// (seq, offset) of the markers seen, newest last (bounded).
    marks: VecDeque<(u64, u64)>,
    eof: bool,
}

impl LogState {
    fn emit(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        self.ring.extend(bytes);
        let excess = self.ring.len().saturating_sub(RING_BYTES);
        if excess > 0 {
            self.ring.drain(..excess);
        }
    }

    fn process(&mut self) {
        let Some(prefix) = self.marker_prefix.clone() else {
            let pending = std::mem::take(&mut self.pending);
            self.emit(&pending);
            return;
        };
        // Each round consumes at least one byte of `pending` or stops.
        for _ in 0..=self.pending.len() {
            let pending = std::mem::take(&mut self.pending);
            match find(&pending, &prefix) {
                Some(i) => {
                    self.emit(&pending[..i]);
                    let rest = &pending[i + prefix.len()..];
                    match rest.iter().position(|&b| b == 0x1e) {
                        Some(j) => {
                            if let Some(seq) = std::str::from_utf8(&rest[..j])
                                .ok()
                                .and_then(|s| s.parse::<u64>().ok())
                            {
                                self.marks.push_back((seq, self.total));
                                if self.marks.len() > 64 {
                                    self.marks.pop_front();
                                }
                            }
                            self.pending = rest[j + 1..].to_vec();
                        }
                        None if rest.len() > 24 => {
                            // Not a marker after all: emit the prefix as text.
                            self.emit(&pending[i..i + prefix.len()]);
                            self.pending = rest.to_vec();
                        }
                        None => {
                            self.pending = pending[i..].to_vec();
                            return;
                        }
                    }
                }
                None => {
                    let keep = (1..prefix.len())
                        .rev()
                        .find(|&k| pending.ends_with(&prefix[..k]))
                        .unwrap_or(0);
                    self.emit(&pending[..pending.len() - keep]);
                    self.pending = pending[pending.len() - keep..].to_vec();
                    return;
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl LogSink {
    /// Turns on marker parsing for `secret` (built-in runtimes).
    pub(super) fn set_marker_secret(&self, secret: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.marker_prefix = Some(format!("\x1eFCEND:{secret}:").into_bytes());
        }
    }

    fn ingest(&self, bytes: &[u8]) {
        if let Ok(mut state) = self.state.lock() {
            state.pending.extend_from_slice(bytes);
            state.process();
        }
        self.changed.notify_waiters();
    }

    fn finish(&self) {
        if let Ok(mut state) = self.state.lock() {
            let pending = std::mem::take(&mut state.pending);
            state.emit(&pending);
            state.eof = true;
        }
        self.changed.notify_waiters();
    }

    /// The current end offset.
    pub(super) fn offset(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.total)
    }

    /// The bytes in `[from, to)` still held by the ring (the newest `max` at most).
    pub(super) fn range(&self, from: u64, to: u64, max: usize) -> Vec<u8> {
        let Ok(state) = self.state.lock() else {
            return Vec::new();
        };
        let ring_start = state.total - state.ring.len() as u64;
        let to = to.min(state.total);
        let from = from.max(ring_start).max(to.saturating_sub(max as u64));
        if from >= to {
            return Vec::new();
        }
        let (a, b) = ((from - ring_start) as usize, (to - ring_start) as usize);
        state.ring.range(a..b).copied().collect()
    }

    /// The newest `max` bytes (for start-failure messages).
    pub(super) fn tail(&self, max: usize) -> String {
        let end = self.offset();
        String::from_utf8_lossy(&self.range(0, end, max))
            .trim()
            .to_owned()
    }

    /// Waits (bounded) for the marker of `seq`; returns its offset, or the current end offset
    /// when it does not come (the process died, or output is stuck).
    pub(super) async fn wait_marker(&self, seq: u64, bound: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Ok(state) = self.state.lock() {
                if let Some(&(_, offset)) = state.marks.iter().rev().find(|(s, _)| *s == seq) {
                    return offset;
                }
                if state.eof {
                    return state.total;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.offset();
            }
        }
    }

    /// Waits until no output arrived for `quiet` (at most `bound`); returns the end offset.
    pub(super) async fn settle(&self, quiet: Duration, bound: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return self.offset();
            }
            if tokio::time::timeout(quiet.min(deadline - now), notified)
                .await
                .is_err()
            {
                return self.offset();
            }
        }
    }
}

/// Finds `program` on `path` (or takes it as is when it contains a `/`).
pub(super) fn which(program: &str, path: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

pub(super) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The emulator's own `PATH` (or a sane default).
pub(super) fn host_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned())
}

/// The environment of an instance (see the module docs of `exec`).
pub(super) fn instance_env(
    spec: &FunctionSpec,
    kind: RuntimeKind,
    instance_id: &str,
    port: Option<u16>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".to_owned(), host_path());
    env.insert(
        "HOME".to_owned(),
        std::env::var("HOME").unwrap_or_else(|_| "/tmp".to_owned()),
    );
    let timeout = super::effective_timeout(spec);
    let mut code_path = spec.code_dir.display().to_string();
    if !code_path.ends_with('/') {
        code_path.push('/');
    }
    let fc = [
        ("FC_RUNTIME", spec.runtime.clone()),
        ("FC_TIMEOUT", timeout.as_secs().max(1).to_string()),
        ("FC_FUNC_CODE_PATH", code_path),
        ("FC_ACCOUNT_ID", spec.account_id.clone()),
        ("FC_REGION", spec.region.clone()),
        ("FC_FUNCTION_NAME", spec.name.clone()),
        ("FC_FUNCTION_HANDLER", spec.handler.clone()),
        ("FC_FUNCTION_MEMORY_SIZE", spec.memory_mb.to_string()),
    ];
    for (k, v) in fc {
        env.insert(k.to_owned(), v);
    }
    if let Some(init) = &spec.initializer {
        env.insert("FC_INITIALIZER_HANDLER".to_owned(), init.handler.clone());
        env.insert(
            "FC_INITIALIZATION_TIMEOUT".to_owned(),
            init.effective_timeout().as_secs().max(1).to_string(),
        );
    }
    for (k, v) in &spec.environment {
        env.insert(k.clone(), v.clone());
    }
    env.insert("FC_INSTANCE_ID".to_owned(), instance_id.to_owned());
    if let (RuntimeKind::Custom, Some(port)) = (kind, port) {
        env.insert("FC_CUSTOM_LISTEN_PORT".to_owned(), port.to_string());
    }
    env
}

/// The processes of group `pgid` (scans `/proc`, bounded).
fn group_pids(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![pgid];
    };
    let mut pids = Vec::new();
    for entry in entries.flatten().take(65_536) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name (which may contain spaces) in parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = after.split_whitespace();
        let pgrp = fields.nth(2).and_then(|f| f.parse::<u32>().ok());
        if pgrp == Some(pgid) {
            pids.push(pid);
        }
    }
    pids
}

/// Resets the peak-RSS counters (`VmHWM`) of `pids`.
pub(super) fn reset_peak_memory(pids: &[u32]) {
    for pid in pids {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
}

/// The sum of `VmHWM` over `pids`, in MiB; `None` when none could be read.
pub(super) fn peak_memory_mb(pids: &[u32]) -> Option<f64> {
    let mut total_kb = 0u64;
    let mut any = false;
    for pid in pids {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        if let Some(kb) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            total_kb += kb;
            any = true;
        }
    }
    any.then(|| (total_kb as f64 / 1024.0 * 100.0).round() / 100.0)
}
