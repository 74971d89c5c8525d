//! `sdls emulator` takes its credentials from flags or the environment, prints the id it accepts
//! and never prints a secret it was given.
#![cfg(test)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn credentials_from_the_environment_are_accepted_and_the_secret_is_not_printed() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("SDLS_EMULATOR_ACCESS_KEY_ID", "LTAIfromEnvironment")
        .env(
            "SDLS_EMULATOR_ACCESS_KEY_SECRET",
            "do-not-print-this-secret",
        )
        .env("HOME", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines().take(6) {
        lines.push(line.unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let banner = lines.join("\n");
    assert!(
        banner.starts_with("listening on http://127.0.0.1:"),
        "{banner}"
    );
    assert!(
        banner.contains("access key id: LTAIfromEnvironment"),
        "{banner}"
    );
    assert!(!banner.contains("do-not-print-this-secret"), "{banner}");
}

#[cfg(unix)]
#[test]
fn the_lock_file_names_the_emulator_is_private_and_goes_away_on_sigterm() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    let data = tempfile::tempdir().unwrap();
    let lock = data.path().join("nested").join("lock.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .arg("--lock-file")
        .arg(&lock)
        .env("HOME", data.path())
        .env_remove("SDLS_EMULATOR_ACCESS_KEY_ID")
        .env_remove("SDLS_EMULATOR_ACCESS_KEY_SECRET")
        .env_remove("SDLS_EMULATOR_ACCOUNT_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The banner is unchanged: its first line is still the address.
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    // Keep reading: a closed pipe would fail the rest of the banner.
    let drain = std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected banner: {first}"))
        .to_string();

    // Written before the banner, atomically: complete as soon as it exists.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lock.exists() {
        assert!(Instant::now() < deadline, "no lock file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let content: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    assert_eq!(content["url"], url.as_str());
    assert_eq!(content["pid"], child.id());
    assert_eq!(content["accountId"], emulator::DEFAULT_ACCOUNT_ID);
    assert_eq!(content["accessKeyId"], emulator::DEFAULT_ACCESS_KEY_ID);
    assert_eq!(
        content["accessKeySecret"],
        emulator::DEFAULT_ACCESS_KEY_SECRET
    );
    assert_eq!(content["version"], env!("CARGO_PKG_VERSION"));
    let mode = std::fs::metadata(&lock).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    // No temp file is left beside it.
    let names: Vec<_> = std::fs::read_dir(lock.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("lock.json")]);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the emulator did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(!lock.exists(), "the lock file is still there");
    drain.join().unwrap().unwrap();
}

#[cfg(unix)]
#[test]
fn a_lock_file_that_names_another_process_is_left_alone() {
    use std::time::{Duration, Instant};

    let data = tempfile::tempdir().unwrap();
    let lock = data.path().join("lock.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--idle-exit",
            "1",
            "--data",
        ])
        .arg(data.path())
        .arg("--lock-file")
        .arg(&lock)
        .env("HOME", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lock.exists() {
        assert!(Instant::now() < deadline, "no lock file");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Another emulator took over the folder (this one was judged dead).
    let theirs = r#"{"url":"http://127.0.0.1:1","pid":1,"accountId":"1","accessKeyId":"k","accessKeySecret":"s","version":"0.1.0"}"#;
    std::fs::write(&lock, theirs).unwrap();
    // The idle exit (1 s) stops it without a signal.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the emulator did not exit when idle");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), theirs);
}
