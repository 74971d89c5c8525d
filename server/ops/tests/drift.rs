//! The drift engine end to end in one process: an s.yaml analysed, functions seeded on an
//! in-process emulator the way fc3's first deploy creates them, baselines recorded as sdls's
//! deploy will, then every status of ARCHITECTURE.md's table, the code state, the cache (TTL,
//! no re-read on edits, forced refresh), the concurrency bound and cancellation.
#![cfg(test)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Emulator, functions, project};
use fc::client::RetryPolicy;
use ops::connect::RemoteOptions;
use ops::engine::{self, DriftEngine, EngineOptions};
use ops::local::LocalFunction;
use ops::normalize::Context;
use ops::plan::FunctionReport;
use ops::status::{Change, CodeStatus, Status};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// A field row: path, local, baseline, remote, who changed it.
type Row = (
    String,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    Change,
);

fn remote_options(url: &str, home: &Path) -> RemoteOptions {
    RemoteOptions {
        remote_flag: Some(url.to_string()),
        env: [
            ("AccountID", emulator::DEFAULT_ACCOUNT_ID),
            ("AccessKeyID", emulator::DEFAULT_ACCESS_KEY_ID),
            ("AccessKeySecret", emulator::DEFAULT_ACCESS_KEY_SECRET),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        home: home.to_path_buf(),
        retry: Some(RetryPolicy::never()),
        timeout: Some(Duration::from_secs(10)),
        ..RemoteOptions::default()
    }
}

fn ctx() -> Context {
    Context {
        account_id: Some(emulator::DEFAULT_ACCOUNT_ID.into()),
        region: "cn-hangzhou".into(),
    }
}

fn yaml(functions: &[(&str, &str)]) -> String {
    common::fc3_yaml("drift", functions)
}

async fn seed(emu: &Emulator, dir: &Path, function: &LocalFunction, baseline: bool) {
    let client = emu.client();
    ops::seed::create(&client, function, &ctx()).await.unwrap();
    if baseline {
        ops::seed::record_baseline(&client, function, dir, emulator::DEFAULT_ACCOUNT_ID)
            .await
            .unwrap();
    }
}

async fn reports(
    engine: &Arc<DriftEngine>,
    dir: &Path,
    functions: &[LocalFunction],
) -> Vec<FunctionReport> {
    engine
        .refresh(dir, functions, true, &CancellationToken::new(), &|_, _| {})
        .await;
    functions
        .iter()
        .map(|f| engine::report(dir, f, &engine.cached(dir, f).unwrap(), false))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_of_the_table_with_fields_and_code_state() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let names = [
        "in-sync",
        "local-changes",
        "remote-drift",
        "conflict",
        "untracked",
        "not-deployed",
        "deleted-remotely",
    ];
    let extra = "      memorySize: 512\n      timeout: 10\n";
    let text = yaml(&names.iter().map(|n| (*n, extra)).collect::<Vec<_>>());
    let deployed = functions(&dir, &text);
    for f in &deployed {
        match f.function_name.as_str() {
            "not-deployed" => {}
            "untracked" => seed(&emu, &dir, f, false).await,
            _ => seed(&emu, &dir, f, true).await,
        }
    }
    let c = emu.client();
    let console = |memory| fc::types::Function {
        memory_size: Some(memory),
        ..fc::types::Function::default()
    };
    // Someone changes memorySize in the console.
    c.update_function("remote-drift", &console(1024))
        .await
        .unwrap();
    c.update_function("conflict", &console(1024)).await.unwrap();
    c.delete_function("deleted-remotely").await.unwrap();
    // The file changes: timeout of local-changes and conflict, memory of untracked.
    let edited = text
        .replace(
            "functionName: local-changes\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512\n      timeout: 10",
            "functionName: local-changes\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512\n      timeout: 30",
        )
        .replace(
            "functionName: conflict\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512\n      timeout: 10",
            "functionName: conflict\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512\n      timeout: 30",
        )
        .replace(
            "functionName: untracked\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 512",
            "functionName: untracked\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 2048",
        );
    assert_ne!(edited, text);
    let now = functions(&dir, &edited);
    let engine = DriftEngine::new(EngineOptions {
        remote: remote_options(&emu.url, home.path()),
        ..EngineOptions::default()
    });
    let reports = reports(&engine, &dir, &now).await;
    let by_name = |name: &str| reports.iter().find(|r| r.function_name == name).unwrap();
    for (name, status) in [
        ("in-sync", Status::InSync),
        ("local-changes", Status::LocalChanges),
        ("remote-drift", Status::RemoteDrift),
        ("conflict", Status::Conflict),
        ("untracked", Status::Untracked),
        ("not-deployed", Status::NotDeployed),
        ("deleted-remotely", Status::DeletedRemotely),
    ] {
        assert_eq!(by_name(name).status, status, "{name}: {:#?}", by_name(name));
    }
    let fields = |name: &str| -> Vec<Row> {
        by_name(name)
            .fields
            .iter()
            .map(|f| {
                (
                    f.path.dotted(),
                    f.local.clone(),
                    f.baseline.clone(),
                    f.remote.clone(),
                    f.change,
                )
            })
            .collect()
    };
    assert_eq!(
        fields("remote-drift"),
        vec![(
            "memorySize".into(),
            Some(json!(512)),
            Some(json!(512)),
            Some(json!(1024)),
            Change::Remote
        )]
    );
    assert_eq!(
        fields("local-changes"),
        vec![(
            "timeout".into(),
            Some(json!(30)),
            Some(json!(10)),
            Some(json!(10)),
            Change::Local
        )]
    );
    let mut conflict = fields("conflict");
    conflict.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        conflict,
        vec![
            (
                "memorySize".into(),
                Some(json!(512)),
                Some(json!(512)),
                Some(json!(1024)),
                Change::Remote
            ),
            (
                "timeout".into(),
                Some(json!(30)),
                Some(json!(10)),
                Some(json!(10)),
                Change::Local
            ),
        ]
    );
    // memorySize 2048 also drops the fc3 defaults cpu 0.35 / diskSize 512 from the file side;
    // the remote keeps them but they are derived (unmanaged), so only memorySize differs.
    assert_eq!(
        fields("untracked"),
        vec![(
            "memorySize".into(),
            Some(json!(2048)),
            None,
            Some(json!(512)),
            Change::Untracked
        )]
    );
    // Code: tracked through the baseline (D13); untracked has no baseline: unknown, with why.
    assert_eq!(by_name("in-sync").code.status, CodeStatus::InSync);
    assert_eq!(by_name("untracked").code.status, CodeStatus::Unknown);
    assert!(
        by_name("untracked")
            .code
            .reason
            .as_deref()
            .unwrap()
            .contains("no baseline")
    );
    assert_eq!(by_name("not-deployed").code.status, CodeStatus::NotDeployed);
    assert_eq!(by_name("in-sync").remote, emu.url.trim_end_matches('/'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_code_change_and_remote_code_change_are_told_apart() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let text = yaml(&[("code-local", ""), ("code-remote", "")]);
    let fs = functions(&dir, &text);
    for f in &fs {
        seed(&emu, &dir, f, true).await;
    }
    let engine = DriftEngine::new(EngineOptions {
        remote: remote_options(&emu.url, home.path()),
        ..EngineOptions::default()
    });
    let before = reports(&engine, &dir, &fs).await;
    assert!(
        before.iter().all(|r| r.code.status == CodeStatus::InSync),
        "{before:#?}"
    );
    // Someone uploads other code to code-remote.
    let zip = {
        use base64::Engine;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("index.py"),
            "def handler(e, c):\n    return 'changed'\n",
        )
        .unwrap();
        let p = fc::package::package(tmp.path(), &Default::default()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(&p.bytes)
    };
    emu.client()
        .update_function(
            "code-remote",
            &fc::types::Function {
                code: Some(fc::types::InputCodeLocation {
                    zip_file: Some(zip),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let after_remote = reports(&engine, &dir, &fs).await;
    assert_eq!(after_remote[0].code.status, CodeStatus::InSync);
    assert_eq!(after_remote[1].code.status, CodeStatus::RemoteChanged);
    // The code does not change the status (D13).
    assert_eq!(after_remote[1].status, Status::InSync);
    // The local code changes.
    std::fs::write(
        dir.join("code/index.py"),
        "def handler(e, c):\n    return 'edited'\n",
    )
    .unwrap();
    let after_local = reports(&engine, &dir, &fs).await;
    assert_eq!(after_local[0].code.status, CodeStatus::LocalChanges);
    assert_eq!(after_local[1].code.status, CodeStatus::Conflict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_serves_edits_and_only_force_or_ttl_read_again() {
    let emu = Emulator::start().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let text = yaml(&[
        ("a", "      memorySize: 512\n"),
        ("b", "      memorySize: 512\n"),
    ]);
    let fs = functions(&dir, &text);
    let engine = DriftEngine::new(EngineOptions {
        remote: remote_options(&emu.url, home.path()),
        ..EngineOptions::default()
    });
    let cancel = CancellationToken::new();
    let read = |fs: Vec<LocalFunction>, force: bool| {
        let engine = engine.clone();
        let dir = dir.clone();
        let cancel = cancel.clone();
        async move { engine.refresh(&dir, &fs, force, &cancel, &|_, _| {}).await }
    };
    assert_eq!(read(fs.clone(), false).await, 2);
    assert_eq!(
        read(fs.clone(), false).await,
        0,
        "fresh reads are not repeated"
    );
    // Typing in `a` (a value changes) re-reads nothing: the key of a read does not hold values.
    let edited = functions(
        &dir,
        &text.replacen("memorySize: 512", "memorySize: 1024", 1),
    );
    assert_eq!(read(edited.clone(), false).await, 0);
    assert!(engine.is_fresh(&dir, &edited[0]));
    // Declaring a new sub-config changes what is read: only that function is read again.
    let with_async = functions(
        &dir,
        &text.replacen(
            "memorySize: 512\n",
            "memorySize: 512\n      asyncInvokeConfig:\n        maxAsyncRetryAttempts: 1\n",
            1,
        ),
    );
    assert_eq!(read(with_async, false).await, 1);
    assert_eq!(
        read(fs.clone(), true).await,
        2,
        "a forced refresh reads everything"
    );
    // A TTL of zero makes every read stale.
    let mut options = engine.options();
    options.ttl = Duration::ZERO;
    engine.set_options(options);
    assert_eq!(read(fs.clone(), false).await, 2);
    // Another remote drops the cache.
    let mut options = engine.options();
    options.ttl = Duration::from_secs(60);
    options.remote.remote_flag = Some("http://127.0.0.1:9".into());
    engine.set_options(options);
    assert!(engine.cached(&dir, &fs[0]).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_concurrency_functions_are_read_at_once_and_cancel_stops_reading() {
    let emu = Emulator::start_with(|config| config.faults.latency_ms = 100).await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..8).map(|i| format!("f{i}")).collect();
    let text = yaml(&names.iter().map(|n| (n.as_str(), "")).collect::<Vec<_>>());
    let fs = functions(&dir, &text);
    let engine = DriftEngine::new(EngineOptions {
        concurrency: 2,
        remote: remote_options(&emu.url, home.path()),
        ..EngineOptions::default()
    });
    let landed = AtomicUsize::new(0);
    let started = Instant::now();
    let count = engine
        .refresh(&dir, &fs, true, &CancellationToken::new(), &|_, _| {
            landed.fetch_add(1, Ordering::Relaxed);
        })
        .await;
    let took = started.elapsed();
    assert_eq!(count, 8);
    assert_eq!(landed.load(Ordering::Relaxed), 8);
    // Each function needs at least one 100 ms round trip; two at a time make four rounds.
    assert!(took >= Duration::from_millis(400), "took {took:?}");
    for f in &fs {
        let r = engine::report(&dir, f, &engine.cached(&dir, f).unwrap(), false);
        assert_eq!(r.status, Status::NotDeployed);
    }
    // Cancelled at once: nothing more lands, the call returns promptly, nothing stays in flight.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let started = Instant::now();
    let count = engine.refresh(&dir, &fs, true, &cancel, &|_, _| {}).await;
    assert_eq!(count, 0);
    assert!(started.elapsed() < Duration::from_secs(5));
    let count = engine
        .refresh(&dir, &fs, true, &CancellationToken::new(), &|_, _| {})
        .await;
    assert_eq!(count, 8, "a cancelled refresh leaves nothing in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_remote_is_unknown_with_the_reason_never_not_deployed() {
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let fs = functions(&dir, &yaml(&[("x", "")]));
    // A closed port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let engine = DriftEngine::new(EngineOptions {
        remote: remote_options(&format!("http://127.0.0.1:{closed}"), home.path()),
        ..EngineOptions::default()
    });
    let r = reports(&engine, &dir, &fs).await;
    assert_eq!(r[0].status, Status::Unknown);
    assert!(
        r[0].reason.as_deref().unwrap().contains("GetFunction"),
        "{:?}",
        r[0].reason
    );
    // No credentials and an explicit cloud remote.
    let mut options = remote_options("aliyun", home.path());
    options.env.clear();
    let engine = DriftEngine::new(EngineOptions {
        remote: options,
        ..EngineOptions::default()
    });
    let r = reports(&engine, &dir, &fs).await;
    assert_eq!(r[0].status, Status::Unknown);
    assert!(
        r[0].reason
            .as_deref()
            .unwrap()
            .starts_with("no credentials"),
        "{:?}",
        r[0].reason
    );
    assert_eq!(r[0].remote, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_filled_defaults_and_updates_in_progress_are_not_drift() {
    // A service that fills cpu / diskSize / instanceConcurrency in and reports InProgress for
    // a while after each write (fc-api.md §4.4 rule 3, §2.5 item 18).
    let emu = Emulator::start_with(|config| {
        config.fill_defaults = true;
        config.in_progress_reads = 2;
    })
    .await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().unwrap();
    let text = yaml(&[
        ("small", "      memorySize: 512\n"),
        ("big", "      memorySize: 2048\n      timeout: 60\n"),
        (
            "custom",
            "      memorySize: 1024\n      runtime: custom.debian10\n",
        ),
    ]);
    let text = text.replace(
        "      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: 1024\n      runtime: custom.debian10\n",
        "      runtime: custom.debian10\n      handler: index.handler\n      code: ./code\n      memorySize: 1024\n      customRuntimeConfig:\n        command: [python3, index.py]\n",
    );
    let fs = functions(&dir, &text);
    for f in &fs {
        seed(&emu, &dir, f, true).await;
    }
    let engine = DriftEngine::new(EngineOptions {
        remote: remote_options(&emu.url, home.path()),
        ..EngineOptions::default()
    });
    let first = reports(&engine, &dir, &fs).await;
    for r in &first {
        assert_eq!(r.status, Status::InSync, "{r:#?}");
    }
    // Right after a write the function reads as InProgress: a warning, not a difference.
    emu.client()
        .update_function(
            "big",
            &fc::types::Function {
                description: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let during = reports(&engine, &dir, &fs).await;
    let big = during.iter().find(|r| r.function_name == "big").unwrap();
    assert_eq!(big.status, Status::InSync, "{big:#?}");
    assert!(
        big.warnings.iter().any(|w| w.contains("being updated")),
        "{big:#?}"
    );
}
