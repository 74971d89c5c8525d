//! Deploy end to end on an in-process emulator: deploy → plan in-sync on files with triggers,
//! env, async config and concurrency; the default mode refuses drift and writes nothing; local
//! wins with `--use-local`; the optimistic guard catches a change made after the status; no code
//! is sent when the checksum is unchanged; an injected failure mid-deploy reports what was
//! applied, keeps the baseline of the function update, and a re-run converges.
#![cfg(test)]

mod common;

use std::path::{Path, PathBuf};

use common::{ACCOUNT, Emulator, functions, project};
use fc::client::Client;
use ops::deploy::{self, Acted, DeployError, DeployOptions, DeployOutcome, Mode};
use ops::local::LocalFunction;
use ops::status::Status;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// A control request to the emulator (`/__emulator/…`), answered as JSON.
async fn control(emu: &Emulator, method: &str, path: &str, body: &str) -> Value {
    let mut stream = tokio::net::TcpStream::connect(&emu.addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        emu.addr,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{text}");
    serde_json::from_str(body).unwrap()
}

async fn log_since(emu: &Emulator, since: u64) -> Vec<Value> {
    let log = control(
        emu,
        "GET",
        &format!("/__emulator/requests?since={since}"),
        "",
    )
    .await;
    log["requests"].as_array().unwrap().clone()
}

async fn last_seq(emu: &Emulator) -> u64 {
    log_since(emu, 0)
        .await
        .last()
        .and_then(|e| e["seq"].as_u64())
        .unwrap_or(0)
}

/// The requests logged after `since` that are not GETs.
async fn writes_since(emu: &Emulator, since: u64) -> Vec<Value> {
    log_since(emu, since)
        .await
        .into_iter()
        .filter(|e| e["method"] != "GET")
        .collect()
}

/// The `operation` requests logged after `since`.
async fn operations_since(emu: &Emulator, since: u64, operation: &str) -> Vec<Value> {
    log_since(emu, since)
        .await
        .into_iter()
        .filter(|e| e["operation"] == operation)
        .collect()
}

fn yaml(functions: &[(&str, &str)]) -> String {
    common::fc3_yaml("deploy", functions)
}

async fn status(c: &Client, dir: &Path, f: &LocalFunction) -> Acted {
    deploy::status(c, f, dir, Some(ACCOUNT), "test").await
}

async fn deploy_with(
    c: &Client,
    dir: &Path,
    f: &LocalFunction,
    options: DeployOptions,
) -> Result<DeployOutcome, DeployError> {
    let acted = status(c, dir, f).await;
    deploy::deploy_function(c, f, dir, ACCOUNT, &acted, &options).await
}

fn applied(outcome: &DeployOutcome) -> Vec<String> {
    match outcome {
        DeployOutcome::Done { applied } => applied.clone(),
        other => panic!("not done: {other:?}"),
    }
}

const RICH: &str = "      memorySize: 1024\n      timeout: 30\n      environmentVariables:\n        MODE: prod\n        LEVEL: info\n      triggers:\n        - triggerName: http\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET, POST]\n        - triggerName: timer\n          triggerType: timer\n          triggerConfig:\n            cronExpression: '0 0 4 * * *'\n            enable: true\n            payload: ''\n      asyncInvokeConfig:\n        maxAsyncRetryAttempts: 1\n        maxAsyncEventAgeInSeconds: 300\n      concurrencyConfig:\n        reservedConcurrency: 5\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_then_plan_is_in_sync_and_a_second_deploy_does_nothing() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[
        ("plain", ""),
        ("rich", RICH),
        ("env-only", "      environmentVariables:\n        A: '1'\n"),
    ]);
    for f in functions(&dir, &text) {
        let before = status(&c, &dir, &f).await;
        assert_eq!(before.report.status, Status::NotDeployed);
        let done = applied(
            &deploy_with(&c, &dir, &f, DeployOptions::default())
                .await
                .unwrap(),
        );
        assert!(done.contains(&"function created".to_string()), "{done:?}");
        let after = status(&c, &dir, &f).await;
        assert_eq!(after.report.status, Status::InSync, "{:#?}", after.report);
        let again = deploy_with(&c, &dir, &f, DeployOptions::default())
            .await
            .unwrap();
        assert_eq!(again, DeployOutcome::Done { applied: vec![] });
    }
    let rich = c.list_triggers("rich", &Default::default()).await.unwrap();
    assert_eq!(rich.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_deploy_over_drift_refuses_and_writes_nothing_then_use_local_wins() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("drifted", "      memorySize: 512\n      timeout: 10\n")]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let console = fc::types::Function {
        memory_size: Some(1024),
        ..fc::types::Function::default()
    };
    c.update_function("drifted", &console).await.unwrap();
    let before = c.get_function("drifted", None).await.unwrap();
    let seq = last_seq(&emu).await;
    let outcome = deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let DeployOutcome::Refused { reason } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.contains("remote-drift") && reason.contains("--use-local"),
        "{reason}"
    );
    assert!(reason.contains("sdls pull"), "{reason}");
    let writes = writes_since(&emu, seq).await;
    assert!(writes.is_empty(), "{writes:#?}");
    assert_eq!(c.get_function("drifted", None).await.unwrap(), before);

    // --use-local without confirmation is still refused; with it, the file wins.
    let unconfirmed = DeployOptions {
        mode: Mode::UseLocal,
        ..DeployOptions::default()
    };
    let outcome = deploy_with(&c, &dir, f, unconfirmed).await.unwrap();
    assert!(
        matches!(outcome, DeployOutcome::Refused { .. }),
        "{outcome:?}"
    );
    let local = DeployOptions {
        mode: Mode::UseLocal,
        confirmed: true,
        ..DeployOptions::default()
    };
    let done = applied(&deploy_with(&c, &dir, f, local).await.unwrap());
    assert_eq!(done, vec!["function updated (config; code unchanged)"]);
    let now = c.get_function("drifted", None).await.unwrap();
    assert_eq!(now.memory_size, Some(512));
    assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);

    // --use-remote skips the drifted function.
    c.update_function("drifted", &console).await.unwrap();
    let remote = DeployOptions {
        mode: Mode::UseRemote,
        ..DeployOptions::default()
    };
    let outcome = deploy_with(&c, &dir, f, remote).await.unwrap();
    assert!(
        matches!(outcome, DeployOutcome::Skipped { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        c.get_function("drifted", None).await.unwrap().memory_size,
        Some(1024)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_between_status_and_deploy_is_caught_by_the_guard() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("guarded", "      timeout: 10\n")]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let edited = functions(&dir, &text.replace("timeout: 10", "timeout: 20"));
    let f = &edited[0];
    let acted = status(&c, &dir, f).await;
    assert_eq!(acted.report.status, Status::LocalChanges);
    // Someone changes the function after the user saw the status.
    c.update_function(
        "guarded",
        &fc::types::Function {
            memory_size: Some(1024),
            ..fc::types::Function::default()
        },
    )
    .await
    .unwrap();
    let seq = last_seq(&emu).await;
    let error = deploy::deploy_function(&c, f, &dir, ACCOUNT, &acted, &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, DeployError::Changed { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("changed since its status was read (remotely: "),
        "{error}"
    );
    let writes = writes_since(&emu, seq).await;
    assert!(writes.is_empty(), "{writes:#?}");
    let live = c.get_function("guarded", None).await.unwrap();
    assert_eq!((live.timeout, live.memory_size), (Some(10), Some(1024)));

    // New code, seen in the status; then saved again before the deploy: the code the user saw
    // is not the code that would ship, so nothing is written.
    let write_code = |body: &str| {
        std::fs::write(
            dir.join("code/index.py"),
            format!("def handler(e, c):\n    return '{body}'\n"),
        )
        .unwrap();
    };
    write_code("seen in the status");
    let acted = status(&c, &dir, f).await;
    write_code("saved after the status");
    let seq = last_seq(&emu).await;
    let local_wins = DeployOptions {
        mode: Mode::UseLocal,
        confirmed: true,
        ..DeployOptions::default()
    };
    let error = deploy::deploy_function(&c, f, &dir, ACCOUNT, &acted, &local_wins)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("changed since its status was read (the local code changed"),
        "{error}"
    );
    let writes = writes_since(&emu, seq).await;
    assert!(writes.is_empty(), "{writes:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_is_sent_only_when_its_checksum_changed() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("coded", "      timeout: 10\n")]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let edited = functions(&dir, &text.replace("timeout: 10", "timeout: 20"));
    let seq = last_seq(&emu).await;
    deploy_with(&c, &dir, &edited[0], DeployOptions::default())
        .await
        .unwrap();
    let updates = operations_since(&emu, seq, "UpdateFunction").await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(updates[0]["body"]["timeout"], json!(20));
    assert!(updates[0]["body"].get("code").is_none(), "{updates:#?}");

    // New code: sent, and only the code with --type code.
    std::fs::write(
        dir.join("code/index.py"),
        "def handler(e, c):\n    return 'new'\n",
    )
    .unwrap();
    let seq = last_seq(&emu).await;
    let code_only = DeployOptions {
        part: deploy::Part::Code,
        ..DeployOptions::default()
    };
    let done = applied(&deploy_with(&c, &dir, &edited[0], code_only).await.unwrap());
    assert_eq!(done, vec!["code updated"]);
    let updates = operations_since(&emu, seq, "UpdateFunction").await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let body = updates[0]["body"].as_object().unwrap();
    assert_eq!(body.keys().collect::<Vec<_>>(), vec!["code"], "{body:?}");
    assert_eq!(
        status(&c, &dir, &edited[0]).await.report.status,
        Status::InSync
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_deploy_reports_what_was_applied_and_a_rerun_converges() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("failing", "      timeout: 10\n")]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let edited_text = text.replace(
        "      timeout: 10\n",
        "      timeout: 20\n      triggers:\n        - triggerName: http\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET]\n",
    );
    let edited = functions(&dir, &edited_text);
    let f = &edited[0];
    control(
        &emu,
        "POST",
        "/__emulator/faults",
        r#"{"errorRate": 1, "errorStatuses": [500], "operations": ["CreateTrigger"]}"#,
    )
    .await;
    let error = deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap_err();
    let DeployError::Failed {
        step,
        applied: written,
        baseline_written,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(step, "CreateTrigger http");
    assert_eq!(
        written,
        &vec!["function updated (config; code unchanged)".to_string()]
    );
    assert!(baseline_written);
    assert!(
        error.to_string().contains("running deploy again"),
        "{error}"
    );
    // The baseline holds the applied update: only the trigger is left to do.
    let acted = status(&c, &dir, f).await;
    assert_eq!(
        acted.report.status,
        Status::LocalChanges,
        "{:#?}",
        acted.report
    );
    assert!(
        acted
            .report
            .fields
            .iter()
            .all(|r| r.path.dotted().starts_with("triggers")),
        "{:#?}",
        acted.report.fields
    );
    control(&emu, "POST", "/__emulator/faults", "{}").await;
    let done = applied(
        &deploy_with(&c, &dir, f, DeployOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(
        done,
        vec![
            "function updated (config; code unchanged)".to_string(),
            "trigger http created".to_string()
        ]
    );
    assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_function_update_leaves_the_baseline_alone() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("stuck", "      timeout: 10\n")]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let store = dir.join(".s");
    let snapshot = |p: &Path| {
        let mut files: Vec<_> = walk(p)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&store);
    let edited = functions(&dir, &text.replace("timeout: 10", "timeout: 20"));
    control(
        &emu,
        "POST",
        "/__emulator/faults",
        r#"{"errorRate": 1, "errorStatuses": [500], "operations": ["UpdateFunction"]}"#,
    )
    .await;
    let error = deploy_with(&c, &dir, &edited[0], DeployOptions::default())
        .await
        .unwrap_err();
    let DeployError::Failed {
        applied,
        baseline_written,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(applied.is_empty() && !baseline_written, "{error:?}");
    assert!(error.to_string().contains("nothing was applied"), "{error}");
    assert_eq!(snapshot(&store), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_values_are_refused() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("vpc", "      vpcConfig: auto\n")]);
    let f = &functions(&dir, &text)[0];
    let outcome = deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let DeployOutcome::Refused { reason } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.contains("vpcConfig") && reason.contains("auto"),
        "{reason}"
    );
    assert!(c.get_function("vpc", None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_fills_auto_values_with_placeholders() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[(
        "autos",
        "      logConfig: auto\n      nasConfig: auto\n      role: ''\n",
    )]);
    let f = &functions(&dir, &text)[0];
    let local = DeployOptions {
        local: true,
        ..DeployOptions::default()
    };
    let done = applied(&deploy_with(&c, &dir, f, local).await.unwrap());
    assert_eq!(done, vec!["function created"]);
    let live = c.get_function("autos", None).await.unwrap();
    assert_eq!(
        live.vpc_config.as_ref().and_then(|v| v.get("vpcId")),
        Some(&json!("vpc-sdls-local"))
    );
    assert!(live.log_config.is_some() && live.nas_config.is_some());
    assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_domain_routes_are_merged_by_path_and_a_taken_path_is_refused() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let route = |path: &str| {
        format!(
            "      customDomain:\n        domainName: api.example.com\n        protocol: HTTP\n        route:\n          path: {path}\n          methods: [GET]\n"
        )
    };
    let text = yaml(&[
        ("one", &route("/one")),
        ("two", &route("/two")),
        ("three", &route("/one")),
    ]);
    let all = functions(&dir, &text);
    for f in &all[..2] {
        deploy_with(&c, &dir, f, DeployOptions::default())
            .await
            .unwrap();
    }
    let paths = |d: &fc::types::CustomDomain| -> Vec<(String, String)> {
        d.route_config.as_ref().unwrap()["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["path"].as_str().unwrap().to_string(),
                    r["functionName"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let domain = c.get_custom_domain("api.example.com").await.unwrap();
    let both = vec![
        ("/one".to_string(), "one".to_string()),
        ("/two".to_string(), "two".to_string()),
    ];
    assert_eq!(paths(&domain), both);
    for f in &all[..2] {
        assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);
    }
    let seq = last_seq(&emu).await;
    let outcome = deploy_with(&c, &dir, &all[2], DeployOptions::default())
        .await
        .unwrap();
    let DeployOutcome::Refused { reason } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.contains("already routes to function one"),
        "{reason}"
    );
    let writes = writes_since(&emu, seq).await;
    assert!(writes.is_empty(), "{writes:#?}");
    let domain = c.get_custom_domain("api.example.com").await.unwrap();
    assert_eq!(paths(&domain), both);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_update_concurrency_clears_and_use_remote_ships_only_code() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[(
        "cfg",
        "      triggers:\n        - triggerName: http\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET]\n      concurrencyConfig:\n        reservedConcurrency: 5\n",
    )]);
    let f = &functions(&dir, &text)[0];
    deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let edited = text
        .replace("methods: [GET]", "methods: [GET, POST]")
        .replace(
            "      concurrencyConfig:\n        reservedConcurrency: 5\n",
            "",
        );
    let f = &functions(&dir, &edited)[0];
    let done = applied(
        &deploy_with(&c, &dir, f, DeployOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(
        done,
        vec![
            "function updated (config; code unchanged)",
            "trigger http updated",
            "concurrency config deleted"
        ]
    );
    assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);

    // The console changes the memory; the code changes locally. --use-remote --type code ships
    // the code and leaves the memory, which stays remote drift.
    c.update_function(
        "cfg",
        &fc::types::Function {
            memory_size: Some(1024),
            ..fc::types::Function::default()
        },
    )
    .await
    .unwrap();
    std::fs::write(
        dir.join("code/index.py"),
        "def handler(e, c):\n    return 2\n",
    )
    .unwrap();
    let options = DeployOptions {
        mode: Mode::UseRemote,
        part: deploy::Part::Code,
        ..DeployOptions::default()
    };
    let done = applied(&deploy_with(&c, &dir, f, options).await.unwrap());
    assert_eq!(done, vec!["code updated"]);
    let live = c.get_function("cfg", None).await.unwrap();
    assert_eq!(live.memory_size, Some(1024));
    let after = status(&c, &dir, f).await.report;
    assert_eq!(after.status, Status::RemoteDrift, "{after:#?}");
    assert_eq!(
        after.code.status,
        ops::status::CodeStatus::InSync,
        "{after:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_functions_are_refused_with_the_conversion_offered() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = "edition: 1.0.0\nname: a\nservices:\n  f:\n    component: fc\n    props:\n      region: cn-hangzhou\n      service:\n        name: s\n      function:\n        name: f\n        runtime: nodejs14\n        handler: index.handler\n        codeUri: ./code\n";
    let f = &functions(&dir, text)[0];
    let seq = last_seq(&emu).await;
    let outcome = deploy_with(&c, &dir, f, DeployOptions::default())
        .await
        .unwrap();
    let DeployOutcome::Refused { reason } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.contains("edition 3.0.0") && reason.contains("s cli fc3 s2tos3"),
        "{reason}"
    );
    let writes = writes_since(&emu, seq).await;
    assert!(writes.is_empty(), "{writes:#?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_are_reported_in_order_and_a_cancel_before_the_first_write_writes_nothing() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let c = emu.client();
    let text = yaml(&[("stepped", RICH)]);
    let f = &functions(&dir, &text)[0];

    // Cancelled before anything is written: nothing reaches the emulator but reads.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let steps = std::sync::Mutex::new(Vec::new());
    let record = |s: deploy::DeployStep| steps.lock().unwrap().push(s);
    let since = last_seq(&emu).await;
    let acted = status(&c, &dir, f).await;
    let hooks = deploy::Hooks {
        on_step: &record,
        cancel: Some(&cancel),
    };
    let result = deploy::deploy_function_with(
        &c,
        f,
        &dir,
        ACCOUNT,
        &acted,
        &DeployOptions::default(),
        hooks,
    )
    .await;
    assert!(
        matches!(result, Err(DeployError::Cancelled { .. })),
        "{result:?}"
    );
    let written: Vec<Value> = log_since(&emu, since)
        .await
        .into_iter()
        .filter(|e| {
            let op = e["operation"].as_str().unwrap_or("");
            !op.starts_with("Get") && !op.starts_with("List")
        })
        .collect();
    assert!(written.is_empty(), "{written:#?}");
    assert_eq!(status(&c, &dir, f).await.report.status, Status::NotDeployed);

    // Not cancelled: every step, in order, each once.
    steps.lock().unwrap().clear();
    let acted = status(&c, &dir, f).await;
    let hooks = deploy::Hooks {
        on_step: &record,
        cancel: None,
    };
    let done = deploy::deploy_function_with(
        &c,
        f,
        &dir,
        ACCOUNT,
        &acted,
        &DeployOptions::default(),
        hooks,
    )
    .await
    .unwrap();
    assert!(applied(&done).contains(&"function created".to_string()));
    let seen: Vec<String> = steps
        .lock()
        .unwrap()
        .iter()
        .map(|s| match s {
            deploy::DeployStep::Upload { bytes } => {
                assert!(*bytes > 0);
                "Upload".to_string()
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        seen,
        [
            "Package",
            "Check",
            "Upload",
            "UpdateFunction",
            "Triggers",
            "Configs",
            "Verify"
        ]
    );
    assert_eq!(status(&c, &dir, f).await.report.status, Status::InSync);
}
