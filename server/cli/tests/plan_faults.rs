//! Faults (issue 5 acceptance): with 20% injected 5xx/429 and added latency, `sdls plan` gives
//! each function its correct status (through retries) or `unknown` with a reason, never a wrong
//! status; exit 1 whenever any function is unknown (D17). The functions are put in known states
//! against a fault-free emulator, which is then restarted on the same data directory with
//! `--fault-rate 0.2 --latency-ms 20 --seed N`.
#![cfg(test)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::plan::{Emulator, baseline_path, function, plan, project_with, s_yaml, statuses};
use common::write;
use serde_json::{Value, json};

fn props(name: &str) -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": name,
        "runtime": "nodejs18",
        "code": "./code",
        "handler": "index.handler",
        "timeout": 10,
        "environmentVariables": {"STAGE": "test"},
        "triggers": [{
            "triggerName": "timer",
            "triggerType": "timer",
            "triggerConfig": {"cronExpression": "@every 10m", "enable": true, "payload": "{}"}
        }]
    })
}

/// `(resource, expected status)` of the project.
const STATES: &[(&str, &str)] = &[
    ("sync1", "in-sync"),
    ("sync2", "in-sync"),
    ("sync3", "in-sync"),
    ("sync4", "in-sync"),
    ("drift1", "remote-drift"),
    ("drift2", "remote-drift"),
    ("drift3", "remote-drift"),
    ("edited", "local-changes"),
    ("both", "conflict"),
    ("theirs", "untracked"),
    ("new1", "not-deployed"),
    ("new2", "not-deployed"),
    ("gone", "deleted-remotely"),
];

/// Puts the project in the states of [`STATES`] against a fault-free emulator on `data`.
fn seed(dir: &Path, data: &Path) {
    let emu = Emulator::start_on(data, &[]);
    let console = emu.console();
    let all: Vec<(String, Value)> = STATES
        .iter()
        .map(|(r, _)| ((*r).to_string(), props(&format!("f-{r}"))))
        .collect();
    let resources: Vec<(&str, &Value)> = all.iter().map(|(r, p)| (r.as_str(), p)).collect();
    write(dir, "s.yaml", s_yaml(&resources));
    for (r, p) in &all {
        if !matches!(r.as_str(), "theirs" | "new1" | "new2") {
            console.deploy_like_fc3(p);
        }
    }
    let first = plan(dir, &emu, &["--format", "json"]);
    first.assert_code(2);
    for (r, _) in &all {
        if !matches!(r.as_str(), "theirs" | "new1" | "new2") {
            assert!(baseline_path(dir, &format!("f-{r}")).is_file(), "{r}");
        }
    }
    let mut theirs = props("f-theirs");
    theirs["memorySize"] = json!(1024);
    console.deploy_like_fc3(&theirs);
    console.update_function("f-drift1", json!({"timeout": 99}));
    console.update_function(
        "f-drift2",
        json!({"environmentVariables": {"STAGE": "prod"}}),
    );
    let t = fc::types::Trigger {
        trigger_config: Some(
            r#"{"cronExpression":"@every 10m","enable":false,"payload":"{}"}"#.into(),
        ),
        ..fc::types::Trigger::default()
    };
    console
        .block_on(console.client.update_trigger("f-drift3", "timer", &t))
        .expect("UpdateTrigger");
    console.update_function("f-both", json!({"description": "console"}));
    console.delete_function_and_triggers("f-gone");
    let mut edited = all.clone();
    for (r, p) in edited.iter_mut() {
        if r == "edited" || r == "both" {
            p["timeout"] = json!(20);
        }
    }
    let resources: Vec<(&str, &Value)> = edited.iter().map(|(r, p)| (r.as_str(), p)).collect();
    write(dir, "s.yaml", s_yaml(&resources));

    // The states hold without faults.
    let check = plan(dir, &emu, &["--format", "json"]);
    check.assert_code(2);
    let got = statuses(&check.json());
    let want: Vec<(String, String)> = STATES
        .iter()
        .map(|(r, s)| ((*r).to_string(), (*s).to_string()))
        .collect();
    assert_eq!(got, want, "{}", check.stdout);
}

#[test]
fn with_twenty_percent_faults_every_status_is_right_or_unknown_with_a_reason() {
    let data = tempfile::tempdir().expect("data");
    let dir = project_with("");
    seed(dir.path(), data.path());
    let want: BTreeMap<&str, &str> = STATES.iter().copied().collect();

    let emu = Emulator::start_on(
        data.path(),
        &["--fault-rate", "0.2", "--latency-ms", "20", "--seed", "7"],
    );
    let runs = 6;
    let (mut correct, mut unknown, mut any_unknown_runs) = (0usize, 0usize, 0usize);
    for round in 0..runs {
        let run = plan(dir.path(), &emu, &["--format", "json"]);
        run.assert_no_crash();
        let report = run.json();
        let mut round_unknown = 0;
        for (resource, status) in statuses(&report) {
            let expected = want[resource.as_str()];
            if status == expected {
                correct += 1;
                continue;
            }
            assert_eq!(
                status, "unknown",
                "round {round}: {resource} is {status}, expected {expected} or unknown\n{report:#}"
            );
            let f = function(&report, &resource);
            let reason = f["reason"].as_str().unwrap_or("");
            assert!(
                !reason.trim().is_empty(),
                "round {round}: unknown without a reason\n{f:#}"
            );
            assert_eq!(f["fields"], json!([]));
            round_unknown += 1;
        }
        unknown += round_unknown;
        if round_unknown > 0 {
            any_unknown_runs += 1;
            assert_eq!(run.code(), 1, "round {round}: unknown present\n{report:#}");
        } else {
            assert_eq!(run.code(), 2, "round {round}\n{report:#}");
        }
    }
    let total = runs * STATES.len();
    println!(
        "plan under 20% faults + 20 ms latency: {correct}/{total} statuses correct, {unknown} unknown with a reason, 0 wrong ({any_unknown_runs}/{runs} runs exited 1)"
    );
    assert_eq!(correct + unknown, total);
    // Retries absorb almost every fault: at most one function in ten may stay unknown.
    assert!(correct * 10 >= total * 9, "{correct}/{total} correct");
}

#[test]
fn with_sixty_percent_faults_some_reads_fail_and_none_is_wrong() {
    let data = tempfile::tempdir().expect("data");
    let dir = project_with("");
    seed(dir.path(), data.path());
    let want: BTreeMap<&str, &str> = STATES.iter().copied().collect();
    let emu = Emulator::start_on(data.path(), &["--seed", "11"]);
    emu.set_faults(&json!({"errorRate": 0.6, "errorStatuses": [503, 429, 500], "retryAfterMs": 5, "latencyMs": 5}));
    let (mut correct, mut unknown) = (0usize, 0usize);
    for round in 0..4 {
        let run = plan(dir.path(), &emu, &["--format", "json"]);
        run.assert_no_crash();
        let report = run.json();
        let mut round_unknown = 0;
        for (resource, status) in statuses(&report) {
            if status == want[resource.as_str()] {
                correct += 1;
                continue;
            }
            assert_eq!(
                status, "unknown",
                "round {round}: {resource} is {status}\n{report:#}"
            );
            let reason = function(&report, &resource)["reason"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert!(
                ["503", "429", "500"].iter().any(|c| reason.contains(c)),
                "round {round}: {resource}: {reason}"
            );
            round_unknown += 1;
        }
        unknown += round_unknown;
        assert_eq!(
            run.code(),
            if round_unknown > 0 { 1 } else { 2 },
            "round {round}"
        );
    }
    println!("plan under 60% faults: {correct} correct, {unknown} unknown with the error, 0 wrong");
    // Both outcomes occur at this rate (retries rescue some reads, not all).
    assert!(
        correct > 0 && unknown > 0,
        "{correct} correct, {unknown} unknown"
    );
}

#[test]
fn when_every_request_fails_every_function_is_unknown_with_the_error_exit_1() {
    let data = tempfile::tempdir().expect("data");
    let dir = project_with("");
    seed(dir.path(), data.path());
    let emu = Emulator::start_on(data.path(), &[]);
    emu.set_faults(&json!({"errorRate": 1.0, "errorStatuses": [503], "latencyMs": 5}));
    let run = plan(dir.path(), &emu, &["--format", "json"]);
    run.assert_code(1);
    let report = run.json();
    for (resource, status) in statuses(&report) {
        assert_eq!(status, "unknown", "{resource}\n{report:#}");
        let f = function(&report, &resource);
        let reason = f["reason"].as_str().expect("reason");
        assert!(
            reason.contains("503") || reason.contains("ServiceUnavailable"),
            "{resource}: {reason}"
        );
    }
    // Nothing was recorded from a failed read: the baselines are those of the seeding.
    assert!(!baseline_path(dir.path(), "f-theirs").exists());
    assert!(!baseline_path(dir.path(), "f-new1").exists());
}
