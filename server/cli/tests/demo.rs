//! The README's main command, `sdls demo`: on a copy of examples/quickstart, against the embedded
//! local emulator it starts itself, every step behaves (check, plan, deploy, a console change,
//! plan showing remote drift, pull, plan in sync) and the run exits 0 (D34).

mod common;

use std::process::Command;
use std::time::Duration;

#[test]
fn demo_walks_the_drift_loop_on_the_quickstart_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let into = tempfile::tempdir().unwrap();
    let copy = into.path().join("quickstart");
    let output = Command::new(common::bin())
        .args(["demo", "--into"])
        .arg(&copy)
        .current_dir(common::workspace_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lock = copy.join(".s/emulator/lock.json");
    let pid = std::fs::read_to_string(&lock)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["pid"].as_u64());
    // The emulator outlives the demo by design (it exits after 10 idle minutes): stop it here.
    if let Some(pid) = pid {
        let _ = Command::new("kill").arg(pid.to_string()).status();
        for _ in 0..50 {
            if !lock.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    for expected in [
        "1. sdls check s.yaml",
        "no findings",
        "● hello (function quickstart-hello, cn-hangzhou): [local] not-deployed",
        "3. sdls deploy --remote local -y",
        "hello (quickstart-hello): deployed — function created, trigger http created",
        "✓ hello (function quickstart-hello, cn-hangzhou): [local] in-sync",
        "a teammate changes memorySize 512 → 1024",
        "⚠ hello (function quickstart-hello, cn-hangzhou): [local] remote-drift",
        "~ memorySize: 1024 (remote) → 512 (file) (changed remotely), last deployed 512",
        "7. sdls pull --remote local",
        "hello: pulled memorySize",
        "   -   memory: 512\n   +   memory: 1024",
        "8. sdls plan --remote local",
        "The demo behaved",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        pid.is_some(),
        "the demo should have started the embedded emulator"
    );
    // The copy holds the baseline; the checkout's own example is untouched.
    assert!(copy.join(".s/deployed").is_dir());
    assert!(
        !common::workspace_root()
            .join("examples/quickstart/.s")
            .exists()
    );
}
