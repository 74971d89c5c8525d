//! Plan speed (issue 5, D24): the drift engine reading 200 fc3 functions from an `sdls emulator`
//! that adds 50 ms to every API request. Not a timed test: prints wall times (figures in
//! docs/BENCHMARKS.md, "Plan: 200 functions against the emulator with 50 ms latency").
//!
//! cargo bench -p sdls --bench plan
//!
//! Measured: `DriftEngine::refresh(force)` at the default concurrency (8 functions in flight, each
//! function's calls together) and at concurrency 1; "one at a time": the same reads
//! (GetFunction, ListTriggers, GetConcurrencyConfig, GetScalingConfig LATEST, ListVpcBindings)
//! sent strictly one request after another, each awaited before the next; and the whole
//! `sdls plan --format json` process at the default.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use analysis::{CheckOptions, FileInput};
use fc::client::{Client, ClientConfig, ListQuery};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints};
use fc::sign::AccessKey;
use fc::types::{Function, InputCodeLocation, Trigger};
use ops::connect::RemoteOptions;
use ops::engine::{DriftEngine, EngineOptions};
use ops::local::LocalFunction;
use tokio_util::sync::CancellationToken;

const LATENCY_MS: &str = "50";

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, as a
/// smoke test with small counts (the full run takes about 1.5 minutes).
fn quick() -> bool {
    static QUICK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *QUICK.get_or_init(|| !std::env::args().any(|a| a == "--bench"))
}

/// Functions in the file: 200, or 10 in the smoke run.
fn functions_count() -> usize {
    if quick() { 10 } else { 200 }
}

/// Rounds of each measurement: 3, or 1 in the smoke run.
fn repeat() -> usize {
    if quick() { 1 } else { 3 }
}

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(data: &Path) -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--latency-ms",
            LATENCY_MS,
        ])
        .arg("--data")
        .arg(data)
        .env_clear()
        .env("HOME", data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sdls emulator");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        let _ = reader.read_line(&mut first);
        let _ = tx.send(first);
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("emulator banner");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("banner")
        .to_string();
    Emulator { child, url }
}

fn client(url: &str) -> Client {
    let endpoint = Endpoint::parse(url, EndpointSource::RemoteFlag).expect("endpoint");
    let key = AccessKey::new(
        emulator::DEFAULT_ACCESS_KEY_ID,
        emulator::DEFAULT_ACCESS_KEY_SECRET,
    );
    Client::new(ClientConfig::new(
        Endpoints::single(endpoint, None),
        key,
        "cn-hangzhou",
    ))
    .expect("client")
}

fn name(i: usize) -> String {
    format!("bench-fn-{i:03}")
}

fn s_yaml() -> String {
    let mut out = String::from("edition: 3.0.0\nname: plan-bench\naccess: default\nresources:\n");
    for i in 0..functions_count() {
        out.push_str(&format!(
            "  fn{i:03}:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      \
             functionName: {}\n      runtime: python3.10\n      code: ./code\n      \
             handler: index.handler\n      timeout: 30\n      environmentVariables:\n        \
             MODE: bench\n      triggers:\n        - triggerName: http\n          \
             triggerType: http\n          triggerConfig:\n            authType: anonymous\n            \
             methods:\n              - GET\n",
            name(i)
        ));
    }
    out
}

/// Creates the functions as fc3 would (many at once: the latency applies to seeding too).
async fn seed(url: &str) {
    let client = client(url);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..functions_count() {
        let client = client.clone();
        tasks.spawn(async move {
            let f = Function {
                function_name: Some(name(i)),
                runtime: Some("python3.10".into()),
                handler: Some("index.handler".into()),
                memory_size: Some(512),
                cpu: Some(0.35),
                disk_size: Some(512),
                timeout: Some(30),
                internet_access: Some(true),
                description: Some(String::new()),
                environment_variables: Some(BTreeMap::from([("MODE".into(), "bench".into())])),
                code: Some(InputCodeLocation {
                    zip_file: Some(ops::seed::EMPTY_ZIP_BASE64.into()),
                    ..InputCodeLocation::default()
                }),
                ..Function::default()
            };
            client.create_function(&f).await.expect("CreateFunction");
            let t = Trigger {
                trigger_name: Some("http".into()),
                trigger_type: Some("http".into()),
                trigger_config: Some(r#"{"authType":"anonymous","methods":["GET"]}"#.into()),
                qualifier: Some("LATEST".into()),
                ..Trigger::default()
            };
            client
                .create_trigger(&name(i), &t)
                .await
                .expect("CreateTrigger");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("seed task");
    }
}

fn credentials() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("AccountID".into(), emulator::DEFAULT_ACCOUNT_ID.into()),
        ("AccessKeyID".into(), emulator::DEFAULT_ACCESS_KEY_ID.into()),
        (
            "AccessKeySecret".into(),
            emulator::DEFAULT_ACCESS_KEY_SECRET.into(),
        ),
    ])
}

/// One forced refresh of every function by a fresh engine; returns the wall time and how many
/// functions came back in sync.
async fn engine_run(
    url: &str,
    dir: &Path,
    home: &Path,
    functions: &[LocalFunction],
    concurrency: usize,
) -> (Duration, usize) {
    let engine = DriftEngine::new(EngineOptions {
        concurrency,
        remote: RemoteOptions {
            remote_flag: Some(url.to_string()),
            env: credentials(),
            home: home.to_path_buf(),
            sdls_binary: PathBuf::from(env!("CARGO_BIN_EXE_sdls")),
            ..RemoteOptions::default()
        },
        ..EngineOptions::default()
    });
    let cancel = CancellationToken::new();
    let start = Instant::now();
    let read = engine
        .refresh(dir, functions, true, &cancel, &|_, _| {})
        .await;
    let wall = start.elapsed();
    assert_eq!(read, functions.len());
    let in_sync = functions
        .iter()
        .filter(|f| {
            let read = engine.cached(dir, f).expect("read");
            ops::engine::report(dir, f, &read, false).status == ops::status::Status::InSync
        })
        .count();
    (wall, in_sync)
}

/// The same reads as the engine's, one request at a time.
async fn one_at_a_time(url: &str, functions: &[LocalFunction]) -> Duration {
    let client = client(url);
    let start = Instant::now();
    for f in functions {
        let n = &f.function_name;
        client.get_function(n, None).await.expect("GetFunction");
        client
            .list_triggers(n, &ListQuery::default())
            .await
            .expect("ListTriggers");
        let _ = client.get_concurrency_config(n).await;
        let _ = client.get_scaling_config(n, Some("LATEST")).await;
        client.list_vpc_bindings(n).await.expect("ListVpcBindings");
    }
    start.elapsed()
}

fn cli_run(url: &str, dir: &Path, home: &Path) -> Duration {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sdls"));
    cmd.args(["plan", "--format", "json", "--no-baseline", "--remote", url])
        .current_dir(dir)
        .env_clear()
        .env("HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in credentials() {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("sdls plan");
    let wall = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let count = functions_count();
    let work = tempfile::tempdir().expect("temp");
    let data = work.path().join("emulator");
    let dir = work.path().join("project");
    let home = work.path().join("home");
    for d in [&data, &dir, &home, &dir.join("code")] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(
        dir.join("code/index.py"),
        "def handler(event, context):\n    return 'ok'\n",
    )
    .expect("code");
    let text = s_yaml();
    let path = dir.join("s.yaml");
    std::fs::write(&path, &text).expect("s.yaml");
    let emu = start_emulator(&data);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let seed_start = Instant::now();
    rt.block_on(seed(&emu.url));
    println!(
        "seeded {count} functions (+1 http trigger each) in {}; emulator latency {LATENCY_MS} ms per request",
        ms(seed_start.elapsed())
    );

    let analysis = analysis::check(
        &FileInput {
            path: &path,
            text: &text,
            workspace: Some(&dir),
        },
        &lsp::FsHost,
        CheckOptions::default(),
    );
    let (functions, skipped) = ops::local::functions(&analysis, &dir);
    assert_eq!(functions.len(), count);
    assert!(skipped.is_empty());

    let mut default_runs = Vec::new();
    let mut one_runs = Vec::new();
    for round in 0..repeat() {
        let (wall, in_sync) = rt.block_on(engine_run(&emu.url, &dir, &home, &functions, 8));
        assert_eq!(in_sync, count, "every function should be in sync");
        println!(
            "round {round}: engine, concurrency 8: {} ({in_sync}/{count} in sync)",
            ms(wall)
        );
        default_runs.push(wall);
        let (wall, in_sync) = rt.block_on(engine_run(&emu.url, &dir, &home, &functions, 1));
        assert_eq!(in_sync, count);
        println!("round {round}: engine, concurrency 1: {}", ms(wall));
        one_runs.push(wall);
    }
    let mut cli_runs = Vec::new();
    for round in 0..repeat() {
        let wall = cli_run(&emu.url, &dir, &home);
        println!("round {round}: sdls plan process, default: {}", ms(wall));
        cli_runs.push(wall);
    }
    let sequential = rt.block_on(one_at_a_time(&emu.url, &functions));
    println!(
        "one at a time ({} requests, each awaited before the next): {}",
        count * 5,
        ms(sequential)
    );

    let d = median(default_runs);
    let c1 = median(one_runs);
    let cli = median(cli_runs);
    println!();
    println!("median engine, concurrency 8 (default): {}", ms(d));
    println!("median engine, concurrency 1:           {}", ms(c1));
    println!("median sdls plan process (default):     {}", ms(cli));
    println!("one request at a time:                  {}", ms(sequential));
    println!(
        "speed-up of the default: {:.1}x vs one at a time, {:.1}x vs concurrency 1; goal <= 2 s: {}",
        sequential.as_secs_f64() / d.as_secs_f64(),
        c1.as_secs_f64() / d.as_secs_f64(),
        if d <= Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );
    drop(emu);
}
