//! `sdls plan`'s command line: the default file, errors (no file, a file that is not an s.yaml,
//! an unknown `--resource`), a legacy file read-only (`service$function`, D11), the human format
//! of a remote-drift case (snapshot, port masked) and the JSON format.
#![cfg(test)]

mod common;

use std::time::Duration;

use common::plan::{
    Emulator, baseline_path, credentials, function, plan, plan_with_env, project_with, s_yaml,
};
use common::write;
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/plan");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture")
}

fn props(name: &str) -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": name,
        "runtime": "python3.10",
        "code": "./code",
        "handler": "index.handler",
        "timeout": 30,
        "environmentVariables": {"LOG_LEVEL": "info", "API_TOKEN": "tok-1234567890"},
        "triggers": [{
            "triggerName": "http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}
        }]
    })
}

#[test]
fn no_file_is_a_clear_error_exit_1() {
    let dir = tempfile::tempdir().expect("dir");
    let run = plan_with_env(dir.path(), &[], &credentials(), Duration::from_secs(30));
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    let canonical = dir.path().canonicalize().expect("canonical");
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "sdls: error: the s.yaml/s.yml file was not found in {}; give a path: sdls plan path/to/s.yaml",
            canonical.display()
        )
    );

    let run = plan_with_env(
        dir.path(),
        &["missing.yaml"],
        &credentials(),
        Duration::from_secs(30),
    );
    run.assert_code(1);
    assert!(
        run.stderr
            .starts_with("sdls: error: cannot read missing.yaml"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_file_that_does_not_parse_exits_1_with_a_hint() {
    let dir = project_with(&fixture("broken.yaml"));
    let run = plan_with_env(
        dir.path(),
        &["s.yaml"],
        &credentials(),
        Duration::from_secs(30),
    );
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr.trim_end(),
        "sdls: error: s.yaml cannot be read as an s.yaml (run `sdls check s.yaml` to see why)"
    );
}

#[test]
fn a_file_without_functions_exits_1() {
    let dir = project_with(&fixture("no-functions.yaml"));
    let run = plan_with_env(dir.path(), &[], &credentials(), Duration::from_secs(30));
    run.assert_code(1);
    assert_eq!(
        run.stderr.trim_end(),
        "sdls: error: s.yaml declares no function (fc3 resources in edition 3.0.0, fc services in legacy files)"
    );
}

#[test]
fn an_unknown_resource_exits_1_listing_the_functions() {
    let a = props("alpha");
    let b = props("beta");
    let dir = project_with(&s_yaml(&[("alpha", &a), ("beta", &b)]));
    let run = plan_with_env(
        dir.path(),
        &["--resource", "nope"],
        &credentials(),
        Duration::from_secs(30),
    );
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr.trim_end(),
        "sdls: error: no function resource `nope` in s.yaml (functions: alpha, beta)"
    );
}

#[test]
fn a_bad_format_is_a_usage_error() {
    let dir = project_with(&s_yaml(&[("alpha", &props("alpha"))]));
    let run = plan_with_env(
        dir.path(),
        &["--format", "yaml"],
        &credentials(),
        Duration::from_secs(30),
    );
    assert_ne!(run.code(), 0, "{}", run.describe());
    assert_ne!(run.code(), 2, "{}", run.describe());
    assert!(run.stderr.contains("--format"), "{}", run.describe());
}

#[test]
fn a_legacy_file_is_read_as_service_dollar_function() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&fixture("legacy.yaml"));
    // What FC 3.0 shows for the function the legacy component deployed (D11).
    emu.console().deploy_like_fc3(&json!({
        "functionName": "legacy-svc$web",
        "runtime": "python3.10",
        "handler": "index.handler",
        "memorySize": 256,
        "timeout": 10,
        "description": "legacy web",
        "cpu": 0.25,
        "diskSize": 512,
        "environmentVariables": {"MODE": "prod"},
        "triggers": [{
            "triggerName": "web-http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}
        }]
    }));
    let run = plan(dir.path(), &emu, &["--format", "json"]);
    run.assert_code(0);
    let report = run.json();
    let f = function(&report, "web-service");
    assert_eq!(f["functionName"], "legacy-svc$web");
    assert_eq!(f["region"], "cn-hangzhou");
    assert_eq!(f["status"], "in-sync", "{report:#}");
    assert_eq!(f["legacy"], true);
    assert_eq!(f["fields"], json!([]));

    emu.console()
        .update_function("legacy-svc$web", json!({"timeout": 20}));
    let run = plan(dir.path(), &emu, &["--format", "json"]);
    run.assert_code(2);
    let report = run.json();
    let f = function(&report, "web-service");
    assert_eq!(f["status"], "remote-drift", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([{"path": "timeout", "local": 10, "baseline": 10, "remote": 20, "change": "remote"}])
    );
    // Read-only: never the legacy component's own state file.
    let legacy_state = dir.path().join(".s").join(format!(
        "{}-cn-hangzhou-legacy-svc-web.json",
        common::plan::ACCOUNT
    ));
    assert!(!legacy_state.exists());
}

/// The report with the emulator's port masked.
fn masked(text: &str, emu: &Emulator) -> String {
    text.replace(&emu.url, "http://127.0.0.1:PORT")
}

#[test]
fn human_format_of_a_remote_drift() {
    let emu = Emulator::start(&[]);
    let p = props("shop");
    let q = props("cart");
    let dir = project_with(&s_yaml(&[("shop", &p), ("cart", &q)]));
    let console = emu.console();
    console.deploy_like_fc3(&p);
    console.deploy_like_fc3(&q);
    let first = plan(dir.path(), &emu, &[]);
    first.assert_code(0);
    insta::assert_snapshot!(masked(&first.stdout, &emu), @r"
    sdls plan s.yaml — remote: http://127.0.0.1:PORT

      ✓ shop (cn-hangzhou): in-sync — nothing to do
          code: unknown (no baseline: deploy from sdls once to track the code)

      ✓ cart (cn-hangzhou): in-sync — nothing to do
          code: unknown (no baseline: deploy from sdls once to track the code)

    2 functions: 2 in-sync.
    ");
    assert!(baseline_path(dir.path(), "shop").is_file());

    console.update_function(
        "shop",
        json!({
            "memorySize": 1024,
            "environmentVariables": {"LOG_LEVEL": "debug", "API_TOKEN": "tok-from-console-99"}
        }),
    );
    console.create_trigger(
        "cart",
        &json!({"triggerName": "console-timer", "triggerType": "timer",
                "triggerConfig": {"cronExpression": "@every 5m", "enable": true}}),
    );
    let run = plan(dir.path(), &emu, &[]);
    run.assert_code(2);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(masked(&run.stdout, &emu), @r#"
    sdls plan s.yaml — remote: http://127.0.0.1:PORT

      ⚠ shop (cn-hangzhou): remote-drift — changed remotely since your last deploy: pull, or deploy local-wins
          ~ environmentVariables.API_TOKEN: "tok****-99" (remote) → "tok****890" (file) (changed remotely), last deployed (hashed)
          ~ environmentVariables.LOG_LEVEL: "debug" (remote) → "info" (file) (changed remotely), last deployed (hashed)
          ~ memorySize: 1024 (remote) → 512 (file) (changed remotely), last deployed 512
          code: in sync

      ✓ cart (cn-hangzhou): in-sync — nothing to do
          code: in sync
          remote only, kept by deploy (not managed by this file): triggers.console-timer

    2 functions: 1 remote-drift, 1 in-sync.
    "#);
    assert!(!run.stdout.contains("tok-from-console-99"));

    // The same state in JSON parses, and says the same thing.
    let json = plan(dir.path(), &emu, &["--format", "json"]);
    json.assert_code(2);
    let report = json.json();
    assert_eq!(report["remote"], emu.url.as_str());
    assert_eq!(function(&report, "shop")["status"], "remote-drift");
    assert_eq!(function(&report, "cart")["status"], "in-sync");
}

#[test]
fn a_project_folder_plan_uses_the_default_file() {
    let emu = Emulator::start(&[]);
    let p = props("dflt");
    let dir = project_with(&s_yaml(&[("dflt", &p)]));
    std::fs::rename(dir.path().join("s.yaml"), dir.path().join("s.yml")).expect("rename");
    let run = plan(dir.path(), &emu, &["--format", "json"]);
    run.assert_code(2);
    assert_eq!(function(&run.json(), "dflt")["status"], "not-deployed");
    // A relative path from another folder resolves `code` beside the file.
    write(dir.path(), "sub/.keep", "");
    let run = plan(
        &dir.path().join("sub"),
        &emu,
        &["../s.yml", "--format", "json"],
    );
    run.assert_code(2);
    let report = run.json();
    assert!(
        function(&report, "dflt")["code"]["local"].is_string(),
        "{report:#}"
    );
}

/// Stops the embedded emulator a plan started in `dir` (pid from its lock file) on drop.
struct EmbeddedGuard(std::path::PathBuf);

impl Drop for EmbeddedGuard {
    fn drop(&mut self) {
        let lock = self.0.join(".s/emulator/lock.json");
        let Ok(text) = std::fs::read_to_string(&lock) else {
            return;
        };
        let Ok(lock) = serde_json::from_str::<Value>(&text) else {
            return;
        };
        if let Some(pid) = lock["pid"].as_u64() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }
}

#[cfg(unix)]
#[test]
fn without_credentials_the_quickstart_is_planned_against_the_local_emulator() {
    let dir = tempfile::tempdir().expect("dir");
    let root = common::workspace_root().join("examples/quickstart");
    let copy = dir.path().join("quickstart");
    copy_dir(&root, &copy);
    let _guard = EmbeddedGuard(copy.clone());
    let run = plan_with_env(&copy, &["--format", "json"], &[], Duration::from_secs(90));
    run.assert_code(2);
    let report = run.json();
    assert_eq!(report["remote"], "local", "{report:#}");
    for f in report["functions"].as_array().expect("functions") {
        assert_eq!(f["remote"], "local");
        assert_eq!(f["status"], "not-deployed", "{report:#}");
    }
    assert!(copy.join(".s/emulator/lock.json").is_file());
    // The human form says so too, and the same emulator is joined.
    let run = plan_with_env(&copy, &[], &[], Duration::from_secs(90));
    run.assert_code(2);
    assert!(
        run.stdout
            .contains("remote: local (the embedded emulator, .s/emulator/)"),
        "{}",
        run.describe()
    );
    // The function's line is labelled local too (D19: nobody mistakes it for the cloud).
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("quickstart-hello"))
        .unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(
        line.contains("local") && line.contains("not-deployed"),
        "{line}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            if entry.file_name() != ".s" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
