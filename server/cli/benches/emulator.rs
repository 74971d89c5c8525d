//! Emulator throughput on loopback (issue 3): GetFunction through sdls's signed client with N
//! concurrent callers, and InvokeFunction of a trivial python handler (warm instance). Bounded
//! in count and time; prints requests/s and latency percentiles. Figures: docs/BENCHMARKS.md.
//!
//! cargo bench -p sdls --bench emulator

use std::sync::Arc;
use std::time::{Duration, Instant};

use fc::client::{Client, ClientConfig, InvokeOptions};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints};
use fc::sign::AccessKey;
use fc::types::{Function, InputCodeLocation};
use tokio_util::sync::CancellationToken;

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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `total` calls of `call` with `concurrency` callers; at most `limit` of wall time.
async fn run<F, Fut>(name: &str, concurrency: usize, total: usize, limit: Duration, call: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut i = worker;
            while i < total && start.elapsed() < limit {
                let t = Instant::now();
                if !call(i).await {
                    errors += 1;
                }
                latencies.push(t.elapsed());
                i += concurrency;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("worker");
        all.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    all.sort();
    println!(
        "{name}: {} calls in {:.2} s = {:.0} req/s, errors {errors}, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        percentile(&all, 50.0).as_secs_f64() * 1e3,
        percentile(&all, 90.0).as_secs_f64() * 1e3,
        percentile(&all, 99.0).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --benches` runs this once as a smoke test with small counts.
    let quick = !std::env::args().any(|a| a == "--bench");
    let scale = if quick { 20 } else { 1 };
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let stop = CancellationToken::new();
    tokio::spawn(emulator::serve(
        listener,
        emulator::Config::new(dir.path()),
        stop.clone(),
    ));

    let c = client(&url);
    let (_, b64) = emulator::testkit::zip_base64(&[(
        "index.py",
        "def handler(event, context):\n    return event\n",
    )])
    .expect("zip");
    let f = Function {
        function_name: Some("bench".into()),
        runtime: Some("python3.10".into()),
        handler: Some("index.handler".into()),
        memory_size: Some(512),
        code: Some(InputCodeLocation {
            zip_file: Some(b64),
            ..Default::default()
        }),
        ..Default::default()
    };
    c.create_function(&f).await.expect("create");

    for concurrency in [1usize, 8, 32] {
        let c = c.clone();
        run(
            &format!("GetFunction, {concurrency} callers"),
            concurrency,
            20_000 / scale,
            Duration::from_secs(20),
            move |_| {
                let c = c.clone();
                async move { c.get_function("bench", None).await.is_ok() }
            },
        )
        .await;
    }
    let _ = c
        .invoke("bench", None, b"warm".to_vec(), &InvokeOptions::default())
        .await;
    let ci = c.clone();
    run(
        "InvokeFunction (python, warm, 1 caller)",
        1,
        3_000 / scale,
        Duration::from_secs(20),
        move |_| {
            let c = ci.clone();
            async move {
                c.invoke("bench", None, b"ping".to_vec(), &InvokeOptions::default())
                    .await
                    .is_ok()
            }
        },
    )
    .await;
    stop.cancel();
}
