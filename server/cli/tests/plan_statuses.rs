//! `sdls plan --format json` against an `sdls emulator` process (issue 5 acceptance): the three
//! classic cases and every status of the drift table (ARCHITECTURE.md "The drift model"), with
//! the exact fields (path, local, baseline, remote), the code state, the D17 exit codes, masked
//! secrets and hashed baselines (D15), a console-added trigger listed as unmanaged (D12), and
//! `--resource` filtering. Functions are created as fc3's first deploy creates them; the first
//! in-sync `sdls plan` records the baseline, as it does after an `s deploy`.
#![cfg(test)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::plan::{
    ACCOUNT, Emulator, baseline_path, credentials, function, plan, plan_with_env, project_with,
    s_yaml, statuses,
};
use common::write;
use serde_json::{Value, json};

fn props(name: &str) -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": name,
        "runtime": "python3.10",
        "code": "./code",
        "handler": "index.handler",
        "triggers": [{
            "triggerName": "http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}
        }]
    })
}

/// CRC-64 of sdls's package of the project's `code/` folder (what `code.local` must say).
fn local_crc(dir: &Path) -> String {
    fc::package::package(&dir.join("code"), &fc::package::PackageOptions::default())
        .expect("package code/")
        .summary
        .checksum
}

/// The function's code checksum as the emulator reports it.
fn remote_checksum(emu: &Emulator, name: &str) -> String {
    let console = emu.console();
    console
        .block_on(console.client.get_function(name, None))
        .expect("GetFunction")
        .code_checksum
        .expect("codeChecksum")
}

fn json_plan(dir: &Path, emu: &Emulator, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let run = plan(dir, emu, &args);
    run.assert_no_crash();
    (run.code(), run.json())
}

/// Deploys `props` as fc3 would and runs a first plan, which must find them in sync and record
/// their baselines (exit 0 when they are all the file declares).
fn deploy_and_adopt(dir: &Path, emu: &Emulator, resources: &[(&str, &Value)]) {
    deploy_and_adopt_some(dir, emu, resources, 0);
}

fn deploy_and_adopt_some(dir: &Path, emu: &Emulator, resources: &[(&str, &Value)], exit: i32) {
    let console = emu.console();
    for (_, p) in resources {
        console.deploy_like_fc3(p);
    }
    let (code, report) = json_plan(dir, emu, &[]);
    assert_eq!(code, exit, "{report:#}");
    for (resource, p) in resources {
        assert_eq!(
            function(&report, resource)["status"],
            "in-sync",
            "{report:#}"
        );
        let name = p["functionName"].as_str().expect("functionName");
        assert!(baseline_path(dir, name).is_file(), "no baseline for {name}");
    }
}

#[test]
fn local_new_and_remote_absent_is_not_deployed_exit_2() {
    let emu = Emulator::start(&[]);
    let p = props("fresh");
    let dir = project_with(&s_yaml(&[("fresh", &p)]));
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(
        report,
        json!({
            "remote": emu.url,
            "functions": [{
                "resource": "fresh",
                "functionName": "fresh",
                "region": "cn-hangzhou",
                "remote": emu.url,
                "status": "not-deployed",
                "fields": [],
                "unmanaged": [],
                "code": {
                    "local": local_crc(dir.path()),
                    "baseline": null,
                    "remote": null,
                    "status": "not-deployed"
                }
            }]
        })
    );
    // Nothing is written for a function that does not exist.
    assert!(!dir.path().join(".s").exists());
}

#[test]
fn in_sync_exits_0_and_records_the_baseline_unless_no_baseline() {
    let emu = Emulator::start(&[]);
    let p = props("steady");
    let dir = project_with(&s_yaml(&[("steady", &p)]));
    emu.console().deploy_like_fc3(&p);

    let (code, report) = json_plan(dir.path(), &emu, &["--no-baseline"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(!baseline_path(dir.path(), "steady").exists());
    let f = function(&report, "steady");
    assert_eq!(f["status"], "in-sync");
    assert_eq!(f["fields"], json!([]));
    assert_eq!(f["unmanaged"], json!([]));
    // D13: no baseline, so the code state is unknown with the reason; the status is unaffected.
    assert_eq!(
        f["code"],
        json!({
            "local": local_crc(dir.path()),
            "baseline": null,
            "remote": remote_checksum(&emu, "steady"),
            "status": "unknown",
            "reason": "no baseline: deploy from sdls once to track the code"
        })
    );

    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(function(&report, "steady")["status"], "in-sync");
    let path = baseline_path(dir.path(), "steady");
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("baseline")).expect("json");
    assert_eq!(baseline["accountId"], ACCOUNT);
    assert_eq!(baseline["region"], "cn-hangzhou");
    assert_eq!(baseline["functionName"], "steady");
    assert_eq!(baseline["snapshot"]["function"]["memorySize"], 512);
    assert_eq!(
        baseline["code"],
        json!({"localCrc": local_crc(dir.path()), "remoteChecksum": remote_checksum(&emu, "steady")})
    );

    // With a baseline the code is tracked too.
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 0, "{report:#}");
    let f = function(&report, "steady");
    assert_eq!(
        f["baseline"],
        ".s/deployed/1000000000000001-cn-hangzhou-steady.json"
    );
    assert_eq!(
        f["code"],
        json!({
            "local": local_crc(dir.path()),
            "baseline": remote_checksum(&emu, "steady"),
            "remote": remote_checksum(&emu, "steady"),
            "status": "in-sync"
        })
    );
}

#[test]
fn deployed_then_changed_remotely_is_remote_drift_with_exactly_the_changed_path() {
    let emu = Emulator::start(&[]);
    let p = props("drifty");
    let dir = project_with(&s_yaml(&[("drifty", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("drifty", &p)]);

    emu.console()
        .update_function("drifty", json!({"memorySize": 1024}));
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "drifty");
    assert_eq!(f["status"], "remote-drift", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([{"path": "memorySize", "local": 512, "baseline": 512, "remote": 1024, "change": "remote"}])
    );
    assert_eq!(f["unmanaged"], json!([]));
    assert_eq!(f["code"]["status"], "in-sync");
    // A drifted function's baseline is left as it was.
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(baseline_path(dir.path(), "drifty")).expect("baseline"),
    )
    .expect("json");
    assert_eq!(baseline["snapshot"]["function"]["memorySize"], 512);
}

#[test]
fn a_changed_trigger_config_is_reported_at_its_path() {
    let emu = Emulator::start(&[]);
    let p = props("hooked");
    let dir = project_with(&s_yaml(&[("hooked", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("hooked", &p)]);

    let console = emu.console();
    let update = fc::types::Trigger {
        trigger_config: Some(r#"{"authType":"anonymous","methods":["GET"]}"#.into()),
        ..fc::types::Trigger::default()
    };
    console
        .block_on(console.client.update_trigger("hooked", "http", &update))
        .expect("UpdateTrigger");
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "hooked");
    assert_eq!(f["status"], "remote-drift", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([{
            "path": "triggers.http.triggerConfig.methods",
            "local": ["GET", "POST"],
            "baseline": ["GET", "POST"],
            "remote": ["GET"],
            "change": "remote"
        }])
    );
}

#[test]
fn local_new_but_remote_exists_is_untracked() {
    let emu = Emulator::start(&[]);
    let p = props("theirs");
    let dir = project_with(&s_yaml(&[("theirs", &p)]));
    // Someone else created it with other settings; this folder never deployed it.
    let mut remote = p.clone();
    remote["timeout"] = json!(30);
    remote["description"] = json!("made in the console");
    emu.console().deploy_like_fc3(&remote);

    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "theirs");
    assert_eq!(f["status"], "untracked", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([
            // The file declares no description: fc3 sends "", so the remote one is remote-only.
            {"path": "description", "remote": "made in the console", "change": "untracked"},
            {"path": "timeout", "local": 3, "remote": 30, "change": "untracked"}
        ])
    );
    assert_eq!(f["code"]["status"], "unknown");
    assert!(f.get("baseline").is_none(), "{f:#}");
    // Not in sync: nothing is adopted as a baseline.
    assert!(!baseline_path(dir.path(), "theirs").exists());
}

#[test]
fn file_edited_after_the_baseline_is_local_changes() {
    let emu = Emulator::start(&[]);
    let p = props("edited");
    let dir = project_with(&s_yaml(&[("edited", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("edited", &p)]);

    let mut edited = p.clone();
    edited["timeout"] = json!(30);
    write(dir.path(), "s.yaml", s_yaml(&[("edited", &edited)]));
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "edited");
    assert_eq!(f["status"], "local-changes", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([{"path": "timeout", "local": 30, "baseline": 3, "remote": 3, "change": "local"}])
    );
}

#[test]
fn both_sides_changed_is_conflict_with_who_changed_each_field() {
    let emu = Emulator::start(&[]);
    let p = props("clash");
    let dir = project_with(&s_yaml(&[("clash", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("clash", &p)]);

    let mut edited = p.clone();
    edited["timeout"] = json!(30);
    write(dir.path(), "s.yaml", s_yaml(&[("clash", &edited)]));
    emu.console().update_function(
        "clash",
        json!({"timeout": 60, "description": "hotfix from the console"}),
    );
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "clash");
    assert_eq!(f["status"], "conflict", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([
            {"path": "description", "remote": "hotfix from the console", "change": "remote"},
            {"path": "timeout", "local": 30, "baseline": 3, "remote": 60, "change": "both"}
        ])
    );
}

#[test]
fn baseline_then_function_deleted_is_deleted_remotely() {
    let emu = Emulator::start(&[]);
    let p = props("gone");
    let dir = project_with(&s_yaml(&[("gone", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("gone", &p)]);

    emu.console().delete_function_and_triggers("gone");
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "gone");
    assert_eq!(f["status"], "deleted-remotely", "{report:#}");
    assert_eq!(f["fields"], json!([]));
    assert_eq!(f["code"]["status"], "not-deployed");
    assert_eq!(
        f["baseline"],
        ".s/deployed/1000000000000001-cn-hangzhou-gone.json"
    );
    // The baseline stays: deploy needs it to refuse.
    assert!(baseline_path(dir.path(), "gone").is_file());
}

#[test]
fn unreachable_remote_is_unknown_with_the_reason_exit_1() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let p = props("lost");
    let dir = project_with(&s_yaml(&[("lost", &p)]));
    let run = plan_with_env(
        dir.path(),
        &["--format", "json", "--remote", &url],
        &credentials(),
        Duration::from_secs(60),
    );
    run.assert_code(1);
    let report = run.json();
    let f = function(&report, "lost");
    assert_eq!(f["status"], "unknown", "{report:#}");
    assert_eq!(f["fields"], json!([]));
    let reason = f["reason"].as_str().expect("reason");
    assert!(reason.starts_with("GetFunction: "), "{reason}");
    assert_eq!(f["code"]["status"], "unknown");
    assert!(!dir.path().join(".s").exists());
}

#[test]
fn no_credentials_with_remote_aliyun_is_unknown_exit_1() {
    let p = props("nocreds");
    let dir = project_with(&s_yaml(&[("nocreds", &p)]));
    let run = plan_with_env(
        dir.path(),
        &["--format", "json", "--remote", "aliyun"],
        &[],
        Duration::from_secs(60),
    );
    run.assert_code(1);
    let report = run.json();
    assert_eq!(report["remote"], "none");
    let f = function(&report, "nocreds");
    assert_eq!(f["status"], "unknown", "{report:#}");
    assert_eq!(
        f["reason"],
        "no credentials: set AccountID, AccessKeyID and AccessKeySecret, add an alias with `s config add`, or use --remote local"
    );
    assert_eq!(f["remote"], "");
}

#[test]
fn environment_values_are_hashed_in_baselines_and_secrets_masked_unless_asked() {
    let emu = Emulator::start(&[]);
    let mut p = props("envy");
    p["environmentVariables"] = json!({"MODE": "prod", "DB_PASSWORD": "hunter2-long-secret"});
    let dir = project_with(&s_yaml(&[("envy", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("envy", &p)]);

    // D15: the baseline keeps SHA-256 of every value, never the value.
    let text = std::fs::read_to_string(baseline_path(dir.path(), "envy")).expect("baseline");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("\"prod\""), "{text}");
    let baseline: Value = serde_json::from_str(&text).expect("json");
    let hash_mode = ops::normalize::hash_value("prod");
    let hash_password = ops::normalize::hash_value("hunter2-long-secret");
    assert_eq!(
        baseline["snapshot"]["function"]["environmentVariables"],
        json!({"DB_PASSWORD": hash_password, "MODE": hash_mode})
    );

    emu.console().update_function(
        "envy",
        json!({"environmentVariables": {"MODE": "dev", "DB_PASSWORD": "changed-in-console", "ADDED": "x"}}),
    );
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let f = function(&report, "envy");
    assert_eq!(f["status"], "remote-drift", "{report:#}");
    assert_eq!(
        f["fields"],
        json!([
            {"path": "environmentVariables.ADDED", "remote": "x", "change": "remote"},
            {"path": "environmentVariables.DB_PASSWORD", "local": "hun****ret", "baseline": hash_password, "remote": "cha****ole", "change": "remote"},
            {"path": "environmentVariables.MODE", "local": "prod", "baseline": hash_mode, "remote": "dev", "change": "remote"}
        ])
    );
    let plain = plan(dir.path(), &emu, &["--format", "json"]).stdout;
    assert!(!plain.contains("hunter2"), "{plain}");
    assert!(!plain.contains("changed-in-console"), "{plain}");

    let (code, report) = json_plan(dir.path(), &emu, &["--show-secrets"]);
    assert_eq!(code, 2);
    let f = function(&report, "envy");
    assert_eq!(
        f["fields"][1],
        json!({"path": "environmentVariables.DB_PASSWORD", "local": "hunter2-long-secret", "baseline": hash_password, "remote": "changed-in-console", "change": "remote"})
    );
}

#[test]
fn a_console_added_trigger_is_unmanaged_and_keeps_the_status() {
    let emu = Emulator::start(&[]);
    let p = props("kept");
    let dir = project_with(&s_yaml(&[("kept", &p)]));
    deploy_and_adopt(dir.path(), &emu, &[("kept", &p)]);

    emu.console().create_trigger(
        "kept",
        &json!({
            "triggerName": "nightly",
            "triggerType": "timer",
            "triggerConfig": {"cronExpression": "CRON_TZ=Asia/Shanghai 0 0 2 * * *", "enable": true, "payload": ""}
        }),
    );
    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 0, "{report:#}");
    let f = function(&report, "kept");
    assert_eq!(f["status"], "in-sync", "{report:#}");
    assert_eq!(f["fields"], json!([]));
    let unmanaged = f["unmanaged"].as_array().expect("unmanaged");
    assert_eq!(unmanaged.len(), 1, "{f:#}");
    assert_eq!(unmanaged[0]["path"], "triggers.nightly");
    assert_eq!(unmanaged[0]["remote"]["triggerType"], "timer");
    assert_eq!(
        unmanaged[0]["remote"]["triggerConfig"],
        json!({"cronExpression": "CRON_TZ=Asia/Shanghai 0 0 2 * * *", "enable": true, "payload": ""})
    );
}

#[test]
fn resource_filter_reports_only_the_named_functions() {
    let emu = Emulator::start(&[]);
    let a = props("fa");
    let b = props("fb");
    let c = props("fc");
    let dir = project_with(&s_yaml(&[("a", &a), ("b", &b), ("c", &c)]));
    emu.console().deploy_like_fc3(&b);

    let (code, report) = json_plan(dir.path(), &emu, &["--resource", "b"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        statuses(&report),
        [("b".to_string(), "in-sync".to_string())]
    );

    let (code, report) = json_plan(dir.path(), &emu, &["--resource", "c", "--resource", "b"]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(
        statuses(&report),
        [
            ("b".to_string(), "in-sync".to_string()),
            ("c".to_string(), "not-deployed".to_string())
        ]
    );

    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(
        statuses(&report),
        [
            ("a".to_string(), "not-deployed".to_string()),
            ("b".to_string(), "in-sync".to_string()),
            ("c".to_string(), "not-deployed".to_string())
        ]
    );
}

#[test]
fn every_status_of_the_table_in_one_file() {
    let emu = Emulator::start(&[]);
    let names = [
        "in-sync",
        "local-changes",
        "remote-drift",
        "conflict",
        "untracked",
        "not-deployed",
        "deleted-remotely",
    ];
    let all: Vec<(String, Value)> = names
        .iter()
        .map(|n| (n.replace('-', "_"), props(&format!("table-{n}"))))
        .collect();
    let resources: Vec<(&str, &Value)> = all.iter().map(|(r, p)| (r.as_str(), p)).collect();
    let dir = project_with(&s_yaml(&resources));
    let deployed: Vec<(&str, &Value)> = resources
        .iter()
        .copied()
        .filter(|(r, _)| !matches!(*r, "untracked" | "not_deployed"))
        .collect();
    deploy_and_adopt_some(dir.path(), &emu, &deployed, 2);

    let console = emu.console();
    let mut untracked = all[4].1.clone();
    untracked["timeout"] = json!(9);
    console.deploy_like_fc3(&untracked);
    console.update_function("table-remote-drift", json!({"timeout": 10}));
    console.update_function("table-conflict", json!({"timeout": 11}));
    console.delete_function_and_triggers("table-deleted-remotely");
    let mut edited = all.clone();
    edited[1].1["timeout"] = json!(20);
    edited[3].1["memorySize"] = json!(2048);
    let resources: Vec<(&str, &Value)> = edited.iter().map(|(r, p)| (r.as_str(), p)).collect();
    write(dir.path(), "s.yaml", s_yaml(&resources));

    let (code, report) = json_plan(dir.path(), &emu, &[]);
    assert_eq!(code, 2, "{report:#}");
    let got: Vec<(String, String)> = statuses(&report);
    let want: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.replace('-', "_"), (*n).to_string()))
        .collect();
    assert_eq!(got, want, "{report:#}");
    for f in report["functions"].as_array().expect("functions") {
        assert_eq!(f["remote"], emu.url.as_str());
        assert_eq!(f["region"], "cn-hangzhou");
        assert!(
            f["functionName"]
                .as_str()
                .expect("name")
                .starts_with("table-")
        );
    }
}
