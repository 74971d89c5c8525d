//! `sdls preview` as a user runs it: the default file, `--env-file` and the process environment
//! (§1.3.5: the process wins, then `--env-file`, then `.env` files), `--resource`, exit codes (D8).
#![cfg(test)]

use std::path::Path;
use std::process::{Command, Output};

fn sdls(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sdls"));
    cmd.arg("preview")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run sdls preview")
}

const S_YAML: &str = r#"edition: 3.0.0
resources:
  api:
    component: fc3
    props:
      a: ${env('A')}
      b: ${env('B')}
      c: ${env('C')}
      role: ${config('AccountID')}
"#;

#[test]
fn environment_precedence_format_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), S_YAML).unwrap();
    std::fs::write(dir.path().join(".env"), "A=dotenv\nB=dotenv\nC=dotenv\n").unwrap();
    std::fs::write(dir.path().join("extra.env"), "A=envfile\nB=envfile\n").unwrap();

    let out = sdls(
        dir.path(),
        &["--format", "json", "--env-file", "extra.env"],
        &[("A", "process")],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let props = &j["steps"][0]["props"];
    assert_eq!(props["a"], "process");
    assert_eq!(props["b"], "envfile");
    assert_eq!(props["c"], "dotenv");
    assert_eq!(props["role"], "${config('AccountID')}");

    // The human format: run-time values commented.
    let out = sdls(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("role: ${config('AccountID')} # known only when s runs: "),
        "{text}"
    );

    // An unknown resource is a tool error (1); an unset variable fails resolution (2).
    let out = sdls(dir.path(), &["--resource", "nope"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no resource `nope`"));
    std::fs::remove_file(dir.path().join(".env")).unwrap();
    let out = sdls(dir.path(), &["s.yaml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("s.yaml:6:10: error[unset-env]"), "{err}");
    assert!(out.stdout.is_empty());

    // No file: a tool error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(sdls(empty.path(), &[], &[]).status.code(), Some(1));
}
