//! Saved plans (D16, D33) against an `sdls emulator` process: `sdls plan --out PLAN` then
//! `sdls deploy --plan PLAN` deploys what was planned (and only that); a console change, an edit
//! of the s.yaml or a change of the code made after the plan is refused with exit 2 and nothing
//! written remotely (the emulator's request log shows no write) — a change made between status
//! and deploy is caught. A corrupt, foreign or future-version plan is exit 1 naming the file.
#![cfg(test)]

mod common;

use std::path::Path;

use common::Run;
use common::plan::{Emulator, against, pairs, plan, plan_statuses, project_with, s_yaml};
use serde_json::{Value, json};

fn props(name: &str, timeout: u64) -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": name,
        "runtime": "python3.10",
        "code": "./code",
        "handler": "index.handler",
        "timeout": timeout,
        "environmentVariables": {"MODE": "prod-mode-value", "DB_PASSWORD": "hunter2-secret"},
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

fn assert_contains(run: &Run, words: &[&str]) {
    for w in words {
        assert!(run.stdout.contains(w), "missing {w:?}\n{}", run.describe());
    }
}

#[test]
fn plan_out_then_deploy_plan_deploys_only_the_planned_functions() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&s_yaml(&[
        ("fa", &props("fa", 10)),
        ("fb", &props("fb", 10)),
    ]));
    let run = plan(
        dir.path(),
        &emu,
        &["--resource", "fa", "--out", "plan.json"],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("sdls deploy --plan plan.json"),
        "{}",
        run.describe()
    );
    let text = std::fs::read_to_string(dir.path().join("plan.json")).expect("plan written");
    // D15: no environment value in clear.
    assert!(
        !text.contains("hunter2-secret") && !text.contains("prod-mode-value"),
        "{text}"
    );
    let saved: Value = serde_json::from_str(&text).expect("plan is JSON");
    assert_eq!(saved["format"], "sdls-saved-plan");
    assert_eq!(saved["functions"][0]["status"], "not-deployed");
    assert_eq!(saved["functions"][0]["remote"]["exists"], false);

    // FILE defaults to the plan's s.yaml.
    let run = deploy(dir.path(), &emu, &["--plan", "plan.json"]);
    run.assert_code(0);
    assert_contains(
        &run,
        &[
            "fa (fa): deployed — function created, trigger http created",
            "fb (fb): not in the saved plan plan.json, not deployed",
        ],
    );
    assert_eq!(
        plan_statuses(dir.path(), &emu),
        pairs(&[("fa", "in-sync"), ("fb", "not-deployed")])
    );
}

#[test]
fn a_console_change_after_the_plan_is_refused_and_nothing_is_written() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&s_yaml(&[("fa", &props("fa", 10))]));
    deploy(dir.path(), &emu, &["-y"]).assert_code(0);
    plan(dir.path(), &emu, &["--out", "plan.json"]).assert_code(0);

    // A teammate changes the function in the console between the plan and the deploy.
    let console = emu.console();
    console.update_function("fa", json!({"timeout": 60}));
    let before = console
        .block_on(console.client.get_function("fa", None))
        .expect("GetFunction");
    let seq = emu.last_seq();
    for extra in [&[][..], &["--use-local", "-y"][..]] {
        let mut args = vec!["--plan", "plan.json"];
        args.extend_from_slice(extra);
        let run = deploy(dir.path(), &emu, &args);
        run.assert_code(2);
        assert_contains(
            &run,
            &[
                "fa (fa): refused — the remote changed since the plan",
                "lastModifiedTime",
                "changed: timeout",
                "nothing was deployed",
                "sdls plan --out plan.json",
            ],
        );
    }
    assert_eq!(emu.writes_since(seq), Vec::<String>::new());
    let after = console
        .block_on(console.client.get_function("fa", None))
        .expect("GetFunction");
    assert_eq!(after, before);

    // A new plan sees the drift; deploying it with --use-local -y overwrites, as reviewed.
    plan(dir.path(), &emu, &["--out", "plan.json"]).assert_code(2);
    let run = deploy(
        dir.path(),
        &emu,
        &["--plan", "plan.json", "--use-local", "-y"],
    );
    run.assert_code(0);
    assert_contains(&run, &["fa (fa): deployed"]);
    assert_eq!(plan_statuses(dir.path(), &emu), pairs(&[("fa", "in-sync")]));
}

#[test]
fn an_edit_of_the_file_or_the_code_after_the_plan_is_refused() {
    let emu = Emulator::start(&[]);
    let original = s_yaml(&[("fa", &props("fa", 10))]);
    let dir = project_with(&original);
    deploy(dir.path(), &emu, &["-y"]).assert_code(0);
    // The plan shows a local change (timeout 20) to be deployed.
    common::write(dir.path(), "s.yaml", s_yaml(&[("fa", &props("fa", 20))]));
    plan(dir.path(), &emu, &["--out", "plan.json"]).assert_code(2);

    // The file is edited again after the plan.
    common::write(dir.path(), "s.yaml", s_yaml(&[("fa", &props("fa", 30))]));
    let seq = emu.last_seq();
    let run = deploy(dir.path(), &emu, &["--plan", "plan.json"]);
    run.assert_code(2);
    assert_contains(
        &run,
        &[
            "fa (fa): refused — the file changed since the plan (timeout)",
            "sdls plan --out plan.json",
        ],
    );
    assert_eq!(emu.writes_since(seq), Vec::<String>::new());

    // The file is back as planned, but the code changed.
    common::write(dir.path(), "s.yaml", s_yaml(&[("fa", &props("fa", 20))]));
    let index = dir.path().join("code/index.py");
    let code = std::fs::read_to_string(&index).expect("code");
    common::write(dir.path(), "code/index.py", format!("{code}# edited\n"));
    let run = deploy(dir.path(), &emu, &["--plan", "plan.json"]);
    run.assert_code(2);
    assert_contains(
        &run,
        &["fa (fa): refused — the local code changed since the plan"],
    );
    assert_eq!(emu.writes_since(seq), Vec::<String>::new());

    // Everything as planned: deployed, exactly the planned change.
    common::write(dir.path(), "code/index.py", code);
    let run = deploy(dir.path(), &emu, &["--plan", "plan.json"]);
    run.assert_code(0);
    assert_contains(
        &run,
        &["fa (fa): deployed — function updated (config; code unchanged)"],
    );
    assert_eq!(plan_statuses(dir.path(), &emu), pairs(&[("fa", "in-sync")]));
}

#[test]
fn bad_plan_files_are_errors_naming_the_file() {
    let dir = project_with(&s_yaml(&[("fa", &props("fa", 10))]));
    let cases = [
        (
            "corrupt.json",
            "{\"format\": ".to_string(),
            "not a valid saved plan",
        ),
        (
            "foreign.json",
            "{\"resources\": []}".to_string(),
            "not an sdls saved plan",
        ),
        (
            "future.json",
            "{\"format\": \"sdls-saved-plan\", \"version\": 99, \"functions\": []}".to_string(),
            "newer sdls",
        ),
    ];
    for (name, text, words) in cases {
        common::write(dir.path(), name, text);
        // No remote is touched: the plan is read first (no credentials are set either).
        let run = common::sdls(dir.path(), &["deploy", "--plan", name]);
        run.assert_code(1);
        assert!(
            run.stderr.contains(name) && run.stderr.contains(words),
            "{name}\n{}",
            run.describe()
        );
    }
    let run = common::sdls(dir.path(), &["deploy", "--plan", "missing.json"]);
    run.assert_code(1);
    assert!(run.stderr.contains("missing.json"), "{}", run.describe());
}

#[test]
fn a_plan_of_another_file_is_an_error() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&s_yaml(&[("fa", &props("fa", 10))]));
    common::write(
        dir.path(),
        "other/s.yaml",
        s_yaml(&[("fa", &props("fa", 10))]),
    );
    plan(dir.path(), &emu, &["--out", "plan.json"]).assert_code(2);
    let run = deploy(dir.path(), &emu, &["other/s.yaml", "--plan", "plan.json"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("was made for") && run.stderr.contains("other/s.yaml"),
        "{}",
        run.describe()
    );
}
