//! The embedded local emulator (D19): `sdls emulator` as its own process on 127.0.0.1 with
//! `.s/emulator/` as data, shared by every sdls process of the folder through a lock file that
//! holds its port, pid, account id and local credentials; started on demand, exits after 10
//! idle minutes.
//!
//! Files in the data folder:
//! - `lock.json`: written by the emulator once it listens (`sdls emulator --lock-file`, 0600),
//!   removed by it when it stops; whoever finds a live emulator there joins it;
//! - `start.lock`: an OS advisory lock ([`std::fs::File::try_lock`]) held while one process
//!   starts the emulator, so that two sdls processes starting at once end with one emulator.
//!   The OS drops the lock when its holder dies, so it can never go stale; the file itself
//!   stays (deleting a lock file others may have open would let two holders coexist);
//! - `emulator.log`: the started emulator's stdout and stderr, named in every start error.
//!
//! An emulator counts as running when the lock's pid is alive and its url answers an HTTP
//! request as the emulator does (a control endpoint, which is neither signed nor logged, and
//! resets its idle clock). A lock that fails either test is stale and replaced. Only loopback
//! urls are ever joined: a lock file is no way to send signed requests elsewhere.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The lock file, in the data folder.
pub const LOCK_FILE: &str = "lock.json";
/// The file locked while an emulator is being started, in the data folder.
pub const START_LOCK_FILE: &str = "start.lock";
/// The started emulator's output, in the data folder.
pub const LOG_FILE: &str = "emulator.log";
/// The emulator exits after this many seconds without a request (D19: 10 minutes).
pub const IDLE_EXIT_SECS: u64 = 600;

/// How long a started emulator may take to write its lock file and answer.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for another process that is starting the emulator (its own start is
/// bounded by [`START_TIMEOUT`]).
const WAIT_FOR_STARTER: Duration = Duration::from_secs(25);
/// One probe of a running emulator.
const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);
/// Between two looks at the lock file or the start lock.
const POLL: Duration = Duration::from_millis(50);

/// A running embedded emulator.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalEmulator {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub account_id: String,
    /// Local test credentials (open nothing but this emulator).
    pub access_key_id: String,
    pub access_key_secret: String,
    pub pid: u32,
}

impl std::fmt::Debug for LocalEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmulator")
            .field("url", &self.url)
            .field("account_id", &self.account_id)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

/// Why the embedded emulator could not be reached or started.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("cannot start the local emulator ({binary}): {reason}")]
    Start { binary: PathBuf, reason: String },
    #[error("the local emulator's folder {path} cannot be used: {reason}")]
    DataDir { path: PathBuf, reason: String },
}

/// The lock file `sdls emulator --lock-file` writes and [`ensure`] reads (D19). It holds the
/// local test credentials: written with mode 0600. `Debug` is not derived: it would print them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockFile {
    pub url: String,
    pub pid: u32,
    pub account_id: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The sdls version of the emulator (informational).
    #[serde(default)]
    pub version: String,
}

impl From<LockFile> for LocalEmulator {
    fn from(lock: LockFile) -> LocalEmulator {
        LocalEmulator {
            url: lock.url,
            account_id: lock.account_id,
            access_key_id: lock.access_key_id,
            access_key_secret: lock.access_key_secret,
            pid: lock.pid,
        }
    }
}

/// Connects to the emulator of `data_dir` (`<folder>/.s/emulator`), starting `sdls_binary
/// emulator` when none runs. Bounded in time: at most about [`WAIT_FOR_STARTER`] plus
/// [`START_TIMEOUT`].
pub async fn ensure(data_dir: &Path, sdls_binary: &Path) -> Result<LocalEmulator, EmbeddedError> {
    if let Some(running) = join(data_dir).await {
        return Ok(running);
    }
    let data_dir = std::path::absolute(data_dir).map_err(|e| EmbeddedError::DataDir {
        path: data_dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    std::fs::create_dir_all(&data_dir).map_err(|e| EmbeddedError::DataDir {
        path: data_dir.clone(),
        reason: format!("cannot create it: {e}"),
    })?;
    let _start_lock = acquire_start_lock(&data_dir).await?;
    // Whoever held the start lock before us has probably just started one.
    if let Some(running) = join(&data_dir).await {
        return Ok(running);
    }
    start(&data_dir, sdls_binary).await
}

/// The running emulator of `data_dir`, if its lock file names a live one; never starts one.
pub async fn join(data_dir: &Path) -> Option<LocalEmulator> {
    let lock = read_lock(&data_dir.join(LOCK_FILE))?;
    if answers(&lock).await {
        Some(lock.into())
    } else {
        None
    }
}

/// The lock file's content, or `None` when it is missing or not a lock file.
fn read_lock(path: &Path) -> Option<LockFile> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether the emulator of `lock` runs: its pid lives and its loopback url answers like the
/// emulator.
async fn answers(lock: &LockFile) -> bool {
    pid_alive(lock.pid) && probe(&lock.url).await
}

/// Whether `pid` names a live process. On Linux a zombie (exited, not yet reaped by the
/// process that started it) counts as dead; where `/proc` is missing the HTTP probe decides.
fn pid_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    if !Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (comm) S …`: comm may hold spaces and parentheses, the state follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// The `host:port` of a loopback `http://` url, else `None`.
fn loopback_authority(url: &str) -> Option<&str> {
    let authority = url.strip_prefix("http://")?.trim_end_matches('/');
    let addr: std::net::SocketAddr = authority.parse().ok()?;
    addr.ip().is_loopback().then_some(authority)
}

/// Whether `url` answers a control request the way the emulator does (an HTTP answer with its
/// `x-fc-request-id` header), within [`PROBE_TIMEOUT`].
async fn probe(url: &str) -> bool {
    let Some(authority) = loopback_authority(url) else {
        return false;
    };
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await.ok()?;
        let request = format!(
            "GET /__emulator/faults HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        // The status line and headers are enough; stop at the blank line or 16 KiB.
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        Some(head.starts_with("http/1.") && head.contains("\r\nx-fc-request-id:"))
    };
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, attempt).await,
        Ok(Some(true))
    )
}

/// Holds `start.lock` locked until dropped (closing the file releases the OS lock).
struct StartLock {
    _file: std::fs::File,
}

/// Locks `start.lock`, waiting up to [`WAIT_FOR_STARTER`] for another starter.
async fn acquire_start_lock(data_dir: &Path) -> Result<StartLock, EmbeddedError> {
    let path = data_dir.join(START_LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| EmbeddedError::DataDir {
            path: path.clone(),
            reason: format!("cannot open the start lock: {e}"),
        })?;
    let deadline = Instant::now() + WAIT_FOR_STARTER;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(StartLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(POLL).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(EmbeddedError::DataDir {
                    path,
                    reason: format!(
                        "another sdls process has been starting the local emulator for more than {} s; \
                         see {} or try again",
                        WAIT_FOR_STARTER.as_secs(),
                        data_dir.join(LOG_FILE).display()
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EmbeddedError::DataDir {
                    path,
                    reason: format!("cannot lock the start lock: {e}"),
                });
            }
        }
    }
}

/// Starts `sdls emulator` for `data_dir` (the start lock held) and waits for it to answer.
async fn start(data_dir: &Path, sdls_binary: &Path) -> Result<LocalEmulator, EmbeddedError> {
    let lock_path = data_dir.join(LOCK_FILE);
    let log_path = data_dir.join(LOG_FILE);
    let failed = |reason: String| EmbeddedError::Start {
        binary: sdls_binary.to_path_buf(),
        reason,
    };
    // A stale lock (dead pid or no answer: `join` just said so, and no one else starts one
    // while we hold the start lock) must not be taken for the new emulator's.
    match std::fs::remove_file(&lock_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(failed(format!(
                "cannot remove the stale lock file {}: {e}",
                lock_path.display()
            )));
        }
        _ => {}
    }
    let log = std::fs::File::create(&log_path)
        .map_err(|e| failed(format!("cannot create its log {}: {e}", log_path.display())))?;
    let log_err = log
        .try_clone()
        .map_err(|e| failed(format!("cannot open its log {}: {e}", log_path.display())))?;

    let mut command = std::process::Command::new(sdls_binary);
    command
        .arg("emulator")
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(data_dir)
        .args(["--idle-exit", &IDLE_EXIT_SECS.to_string()])
        .arg("--lock-file")
        .arg(&lock_path)
        // Its own process group: a Ctrl-C meant for this sdls does not stop the emulator
        // other processes share. The folder as working directory: nothing else held open.
        .current_dir(data_dir)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log_err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| failed(format!("cannot run it: {e}")))?;
    let pid = child.id();
    tracing::info!(pid, data = %data_dir.display(), "started the local emulator");

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(lock) = read_lock(&lock_path).filter(|l| l.pid == pid)
            && probe(&lock.url).await
        {
            reap(child);
            return Ok(lock.into());
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                return Err(failed(format!(
                    "it exited ({status}) before answering{}; see {}",
                    log_tail(&log_path),
                    log_path.display()
                )));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(failed(format!(
                    "cannot watch it: {e}; see {}",
                    log_path.display()
                )));
            }
        }
        if Instant::now() >= deadline {
            // Half started is worse than not started: nobody could join or stop it cleanly.
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed(format!(
                "it did not answer within {} s{}; see {}",
                START_TIMEOUT.as_secs(),
                log_tail(&log_path),
                log_path.display()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits for the started emulator in a thread of its own, so that it does not stay a zombie
/// of this (long-lived) process once it exits.
fn reap(mut child: std::process::Child) {
    let spawned = std::thread::Builder::new()
        .name("sdls-emulator-reaper".into())
        .spawn(move || {
            let _ = child.wait();
        });
    if let Err(e) = spawned {
        tracing::debug!("cannot watch the local emulator's exit: {e}");
    }
}

/// `: <last lines of the log>` for an error message, leaving out any line that mentions a
/// secret (the banner prints the local test secret).
fn log_tail(path: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().contains("secret"))
        .collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    if tail.is_empty() {
        String::new()
    } else {
        format!(": {}", tail.join(" / "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_joined() {
        assert_eq!(
            loopback_authority("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080")
        );
        assert_eq!(loopback_authority("http://[::1]:9/"), Some("[::1]:9"));
        assert_eq!(loopback_authority("http://10.0.0.1:8080"), None);
        assert_eq!(loopback_authority("https://127.0.0.1:8080"), None);
        assert_eq!(loopback_authority("http://example.com:80"), None);
    }

    #[test]
    fn this_process_is_alive_and_pid_zero_is_not() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0));
    }

    #[test]
    fn the_log_tail_leaves_out_secrets() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log");
        std::fs::write(
            &path,
            "listening on x\naccess key secret: abc\n\nError: cannot listen\n",
        )
        .expect("write");
        assert_eq!(log_tail(&path), ": listening on x / Error: cannot listen");
        assert_eq!(log_tail(&dir.path().join("missing")), "");
    }
}
