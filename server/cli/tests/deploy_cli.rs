//! `sdls deploy` against an `sdls emulator` process (issue 6): a fresh project deploys and plans
//! in sync; drift is refused (exit 2, nothing changed remotely) until `--use-local -y`; without
//! `-y` and without a terminal, drifted functions are refused while the others deploy; an
//! injected failure mid-deploy exits 1 with what was applied, and a re-run converges.
#![cfg(test)]

mod common;

use std::path::Path;

use common::Run;
use common::plan::{Emulator, against, pairs, plan_statuses, project_with, s_yaml};
use serde_json::{Value, json};

fn props(name: &str) -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": name,
        "runtime": "python3.10",
        "code": "./code",
        "handler": "index.handler",
        "timeout": 10,
        "environmentVariables": {"MODE": "prod"},
        "triggers": [{
            "triggerName": "http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}
        }]
    })
}

/// `sdls deploy ARGS --remote URL` with only PATH, a throwaway HOME and the emulator's
/// credentials; stdin is not a terminal.
fn deploy(cwd: &Path, emu: &Emulator, args: &[&str]) -> Run {
    let run = against("deploy", cwd, emu, args);
    run.assert_no_crash();
    run
}

#[test]
fn deploy_then_plan_in_sync_and_drift_refused_until_use_local() {
    let emu = Emulator::start(&[]);
    let (a, b) = (props("fa"), props("fb"));
    let dir = project_with(&s_yaml(&[("fa", &a), ("fb", &b)]));
    let run = deploy(dir.path(), &emu, &[]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("fa (fa): deployed — function created, trigger http created"),
        "{}",
        run.describe()
    );
    assert_eq!(
        plan_statuses(dir.path(), &emu),
        pairs(&[("fa", "in-sync"), ("fb", "in-sync")])
    );
    let run = deploy(dir.path(), &emu, &[]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("fa (fa): in sync, nothing to deploy"),
        "{}",
        run.describe()
    );

    // Someone changes fa in the console.
    let console = emu.console();
    console.update_function("fa", json!({"timeout": 60}));
    let before = console
        .block_on(console.client.get_function("fa", None))
        .expect("GetFunction");
    let run = deploy(dir.path(), &emu, &[]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("fa (fa): refused — remote-drift")
            && run.stdout.contains("--use-local")
            && run.stdout.contains("fb (fb): in sync"),
        "{}",
        run.describe()
    );
    // Without -y and without a terminal: refused, nothing asked.
    let run = deploy(dir.path(), &emu, &["--use-local"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("run again with -y"),
        "{}",
        run.describe()
    );
    let after = console
        .block_on(console.client.get_function("fa", None))
        .expect("GetFunction");
    assert_eq!(after, before);

    let run = deploy(dir.path(), &emu, &["--use-local", "-y", "--resource", "fa"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("fa (fa): deployed"),
        "{}",
        run.describe()
    );
    assert!(!run.stdout.contains("fb (fb)"), "{}", run.describe());
    assert_eq!(
        plan_statuses(dir.path(), &emu),
        pairs(&[("fa", "in-sync"), ("fb", "in-sync")])
    );
}

#[test]
fn a_failure_mid_deploy_exits_1_with_what_was_applied_and_a_rerun_converges() {
    let emu = Emulator::start(&[]);
    let a = props("fa");
    let dir = project_with(&s_yaml(&[("fa", &a)]));
    emu.set_faults(
        &json!({"errorRate": 1, "errorStatuses": [500], "operations": ["CreateTrigger"]}),
    );
    let run = deploy(dir.path(), &emu, &["-y"]);
    run.assert_code(1);
    assert!(
        run.stdout
            .contains("fa (fa): failed — CreateTrigger http failed")
            && run.stdout.contains("applied before it: function created")
            && run.stdout.contains("running deploy again"),
        "{}",
        run.describe()
    );
    emu.set_faults(&json!({}));
    let run = deploy(dir.path(), &emu, &["-y"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("trigger http created"),
        "{}",
        run.describe()
    );
    assert_eq!(plan_statuses(dir.path(), &emu), pairs(&[("fa", "in-sync")]));
}

#[test]
fn help_documents_the_confirmation_rule_and_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = common::sdls(dir.path(), &["deploy", "--help"]);
    run.assert_code(0);
    for words in [
        "--use-local",
        "--use-remote",
        "--type",
        "without a terminal on stdin",
        "0 done, 2 anything refused",
    ] {
        assert!(run.stdout.contains(words), "{words}\n{}", run.describe());
    }
}
