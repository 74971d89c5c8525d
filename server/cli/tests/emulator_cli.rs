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
