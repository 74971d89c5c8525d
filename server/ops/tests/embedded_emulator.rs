//! The embedded emulator (D19) with the real `sdls` binary: one process per folder, joined by
//! later callers, started once when callers race, replacing a stale lock, answering signed
//! requests as `ops::connect` makes them, and removing its lock file when stopped.
//!
//! `ops` cannot depend on the CLI crate, so the binary is `$SDLS_BIN` or `target/debug/sdls`
//! next to this test's `deps/` folder: run `cargo build -p sdls` first.
#![cfg(all(test, unix))]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ops::connect::{self, Plan, RemoteOptions};
use ops::embedded::{self, LOCK_FILE, LOG_FILE, LocalEmulator};

fn sdls_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("SDLS_BIN") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "SDLS_BIN={} does not exist", path.display());
        return path;
    }
    // target/debug/deps/embedded_emulator-<hash> → target/debug/sdls
    let exe = std::env::current_exe().expect("the test executable's path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|debug| debug.join("sdls"))
        .expect("the target directory");
    assert!(
        path.is_file(),
        "{} does not exist: run `cargo build -p sdls` first (or set SDLS_BIN)",
        path.display()
    );
    path
}

fn data_dir(folder: &tempfile::TempDir) -> PathBuf {
    folder.path().join(".s").join("emulator")
}

/// Stops the emulator at the end of a test, even a failing one.
struct Stop(u32);

impl Drop for Stop {
    fn drop(&mut self) {
        signal(self.0, "KILL");
    }
}

fn signal(pid: u32, name: &str) {
    let _ = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(std::process::Stdio::null())
        .status();
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ensure(data: &Path) -> LocalEmulator {
    tokio::time::timeout(Duration::from_secs(40), embedded::ensure(data, &sdls_bin()))
        .await
        .expect("ensure is bounded in time")
        .unwrap_or_else(|e| {
            let log = std::fs::read_to_string(data.join(LOG_FILE)).unwrap_or_default();
            panic!("ensure failed: {e}\nlog:\n{log}")
        })
}

/// SIGTERM, then the lock file must go away.
async fn stop_and_check_lock_removed(emulator: &LocalEmulator, data: &Path) {
    signal(emulator.pid, "TERM");
    let lock = data.join(LOCK_FILE);
    wait_until(
        "the lock file to be removed",
        Duration::from_secs(10),
        || !lock.exists(),
    )
    .await;
}

fn pid_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .and_then(|(_, r)| r.trim_start().chars().next())
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

#[tokio::test]
async fn ensure_starts_one_and_a_second_ensure_joins_it() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    let first = ensure(&data).await;
    let _stop = Stop(first.pid);
    assert!(first.url.starts_with("http://127.0.0.1:"), "{first:?}");
    assert!(!format!("{first:?}").contains(&first.access_key_secret));
    assert_eq!(first.account_id, emulator::DEFAULT_ACCOUNT_ID);
    assert_eq!(first.access_key_id, emulator::DEFAULT_ACCESS_KEY_ID);

    let second = ensure(&data).await;
    assert_eq!(second, first);
    assert_eq!(embedded::join(&data).await, Some(first.clone()));

    // The lock file is the owner's only: it holds the local credentials.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join(LOCK_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    stop_and_check_lock_removed(&first, &data).await;
    wait_until("the emulator to exit", Duration::from_secs(10), || {
        !pid_running(first.pid)
    })
    .await;
    assert_eq!(embedded::join(&data).await, None);
}

#[tokio::test]
async fn concurrent_ensures_give_one_emulator() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    let (a, b, c) = tokio::join!(ensure(&data), ensure(&data), ensure(&data));
    let _stop = Stop(a.pid);
    let _stop_b = Stop(b.pid);
    let _stop_c = Stop(c.pid);
    assert_eq!(a.pid, b.pid);
    assert_eq!(a.pid, c.pid);
    assert_eq!(a.url, b.url);
    stop_and_check_lock_removed(&a, &data).await;
}

#[tokio::test]
async fn a_stale_lock_is_replaced() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    std::fs::create_dir_all(&data).unwrap();
    // A port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // A pid that has exited.
    let dead = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let stale = |pid: u32| {
        serde_json::json!({
            "url": format!("http://127.0.0.1:{port}"),
            "pid": pid,
            "accountId": "1",
            "accessKeyId": "old",
            "accessKeySecret": "old",
            "version": "0.0.0"
        })
        .to_string()
    };

    // Dead pid.
    std::fs::write(data.join(LOCK_FILE), stale(dead)).unwrap();
    assert_eq!(embedded::join(&data).await, None);
    let fresh = ensure(&data).await;
    let _stop = Stop(fresh.pid);
    assert_ne!(fresh.pid, dead);
    assert_ne!(fresh.access_key_id, "old");
    stop_and_check_lock_removed(&fresh, &data).await;

    // A live pid (this test) that does not answer on the url.
    std::fs::write(data.join(LOCK_FILE), stale(std::process::id())).unwrap();
    let fresh = ensure(&data).await;
    let _stop = Stop(fresh.pid);
    assert_ne!(fresh.pid, std::process::id());
    assert_ne!(fresh.url, format!("http://127.0.0.1:{port}"));

    // Garbage in the lock file.
    signal(fresh.pid, "TERM");
    wait_until(
        "the lock file to be removed",
        Duration::from_secs(10),
        || !data.join(LOCK_FILE).exists(),
    )
    .await;
    std::fs::write(data.join(LOCK_FILE), "not json").unwrap();
    let again = ensure(&data).await;
    let _stop = Stop(again.pid);
    stop_and_check_lock_removed(&again, &data).await;
}

#[tokio::test]
async fn the_emulator_answers_signed_requests_made_like_connect_does() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    let local = ensure(&data).await;
    let _stop = Stop(local.pid);
    for region in ["cn-hangzhou", "cn-shanghai"] {
        let connection = connect::client(
            &Plan::Local,
            region,
            Some(&local),
            &RemoteOptions::default(),
        )
        .unwrap();
        assert!(connection.local);
        assert_eq!(connection.label, "local");
        let functions = tokio::time::timeout(
            Duration::from_secs(20),
            connection
                .client
                .list_functions(&fc::client::ListFunctionsQuery::default()),
        )
        .await
        .expect("ListFunctions is bounded in time")
        .expect("the emulator accepts the signed request");
        assert!(functions.is_empty(), "{functions:?}");
    }
    // The emulator keeps its state in the data folder.
    assert!(data.join(LOG_FILE).is_file());
    stop_and_check_lock_removed(&local, &data).await;
}

#[tokio::test]
async fn a_missing_binary_is_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    let missing = folder.path().join("no-such-sdls");
    let err = tokio::time::timeout(Duration::from_secs(20), embedded::ensure(&data, &missing))
        .await
        .expect("bounded")
        .expect_err("no binary, no emulator");
    let message = err.to_string();
    assert!(message.contains("no-such-sdls"), "{message}");
    assert!(
        message.contains("cannot start the local emulator"),
        "{message}"
    );
}

#[tokio::test]
async fn an_emulator_that_cannot_start_names_its_log() {
    let folder = tempfile::tempdir().unwrap();
    let data = data_dir(&folder);
    // `true` exits at once without a lock file.
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        embedded::ensure(&data, Path::new("/bin/true")),
    )
    .await
    .expect("bounded")
    .expect_err("it exits without answering");
    let message = err.to_string();
    assert!(message.contains("exited"), "{message}");
    assert!(
        message.contains(&data.join(LOG_FILE).display().to_string()),
        "{message}"
    );
}
