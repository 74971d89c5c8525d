//! The instance pool's life cycle: a new code checksum or version means new instances (and the
//! old ones stop), idle instances are stopped, the per-pool cap queues requests, `shutdown()` and
//! dropping the executor leave no process behind, and unsupported runtimes answer clear errors.
#![cfg(test)]

mod exec_support;

use std::time::Duration;

use emulator::exec::{ExecError, Executor, ExecutorConfig};
use exec_support::{Code, event, executor, spec, text, wait_no_processes};

const HANDLER: &str = "import os, time\n\ndef pid(event, context):\n    time.sleep(float(event.decode() or '0'))\n    return str(os.getpid())\n";

fn code() -> Code {
    let code = Code::new();
    code.write("index.py", HANDLER);
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_checksum_or_version_means_new_instances() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "python3.10", "index.pid");
    let first = exec.invoke(&s, event(b"")).await.unwrap();
    let old_pid: u32 = text(&first.body).parse().unwrap();
    s.code_checksum = "5678".to_owned();
    let second = exec.invoke(&s, event(b"")).await.unwrap();
    assert!(second.cold_start);
    assert_ne!(second.instance_id, first.instance_id);
    // The old code's idle instance was retired.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{old_pid}/cmdline")).exists()
        && std::fs::read(format!("/proc/{old_pid}/cmdline")).is_ok_and(|c| !c.is_empty())
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        std::fs::read(format!("/proc/{old_pid}/cmdline")).map_or(true, |c| c.is_empty()),
        "old instance alive"
    );
    assert_eq!(exec.instance_count(), 1);
    // A published version is its own pool; LATEST stays warm.
    let mut v1 = s.clone();
    v1.version = "1".to_owned();
    let third = exec.invoke(&v1, event(b"")).await.unwrap();
    assert!(third.cold_start);
    let latest = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(
        (latest.cold_start, latest.instance_id),
        (false, second.instance_id)
    );
    assert_eq!(exec.instance_count(), 2);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instances_are_stopped() {
    let code = code();
    let exec = Executor::with_config(ExecutorConfig {
        idle_timeout: Duration::from_millis(300),
        ..ExecutorConfig::default()
    });
    let s = spec(&code, "python3.10", "index.pid");
    let first = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(code.processes().len(), 1);
    let left = wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(exec.instance_count(), 0);
    let again = exec.invoke(&s, event(b"")).await.unwrap();
    assert!(again.cold_start);
    assert_ne!(again.instance_id, first.instance_id);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_cap_queues_requests() {
    let code = code();
    let exec = Executor::with_config(ExecutorConfig {
        max_instances: 1,
        ..ExecutorConfig::default()
    });
    let s = spec(&code, "python3.10", "index.pid");
    let (a, b) = tokio::join!(
        exec.invoke(&s, event(b"0.3")),
        exec.invoke(&s, event(b"0.3"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.instance_id, b.instance_id);
    assert_eq!(a.body, b.body);
    assert_eq!(exec.instance_count(), 1);
    // With a short queue bound, a waiting request gives up with a clear error.
    let exec2 = Executor::with_config(ExecutorConfig {
        max_instances: 1,
        queue_timeout: Duration::from_millis(200),
        ..ExecutorConfig::default()
    });
    let (a, b) = tokio::join!(exec2.invoke(&s, event(b"1.5")), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        exec2.invoke(&s, event(b"0")).await
    });
    assert!(a.is_ok());
    assert!(
        matches!(&b, Err(ExecError::StartFailed(m)) if m.contains("busy")),
        "{b:?}"
    );
    exec.shutdown().await;
    exec2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_leaves_no_process() {
    let code = code();
    code.write_executable(
        "bootstrap",
        "#!/bin/sh\n# a wrapper whose child does the listening: the whole group must go\npython3 -m http.server --bind 127.0.0.1 \"$FC_CUSTOM_LISTEN_PORT\" --directory \"$FC_FUNC_CODE_PATH\" >/dev/null 2>&1 &\nwait\n",
    );
    let exec = executor();
    let py = spec(&code, "python3.10", "index.pid");
    let node_code = Code::new();
    node_code.write("index.js", "exports.h = async () => 'ok';\n");
    let node = spec(&node_code, "nodejs20", "index.h");
    let custom = spec(&code, "custom.debian12", "");
    exec.invoke(&py, event(b"")).await.unwrap();
    exec.invoke(&node, event(b"")).await.unwrap();
    let r = exec
        .invoke(
            &custom,
            exec_support::http("GET", "/index.py", "", &[], b""),
        )
        .await
        .unwrap();
    assert_eq!((r.status, text(&r.body)), (200, HANDLER.to_owned()));
    // The python bootstrap, the custom runtime's shell and its python child.
    assert!(code.processes().len() >= 2, "{:?}", code.processes());
    assert_eq!(node_code.processes().len(), 1);
    // A request in flight while shutting down ends with ShuttingDown.
    let in_flight = {
        let exec = exec.clone();
        let py = py.clone();
        tokio::spawn(async move { exec.invoke(&py, event(b"30")).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    exec.shutdown().await;
    assert!(code.processes().is_empty(), "{:?}", code.processes());
    assert!(node_code.processes().is_empty());
    let outcome = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(outcome, Err(ExecError::ShuttingDown)),
        "{outcome:?}"
    );
    let after = exec.invoke(&py, event(b"")).await;
    assert!(matches!(after, Err(ExecError::ShuttingDown)), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_executor_stops_its_instances() {
    let code = code();
    let exec = executor();
    exec.invoke(&spec(&code, "python3.10", "index.pid"), event(b""))
        .await
        .unwrap();
    assert_eq!(code.processes().len(), 1);
    drop(exec);
    let left = wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_runtimes_answer_clear_errors() {
    let code = code();
    let exec = executor();
    for runtime in ["custom-container", "micro-sandbox"] {
        let err = exec
            .invoke(&spec(&code, runtime, "x"), event(b""))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ExecError::UnsupportedRuntime(_)));
        assert!(
            message.contains(runtime) && message.contains("container images cannot be pulled"),
            "{message}"
        );
    }
    for runtime in [
        "java11",
        "go1",
        "php7.2",
        "dotnetcore3.1",
        "python2.7",
        "nonsense",
    ] {
        let err = exec
            .invoke(&spec(&code, runtime, "x"), event(b""))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ExecError::UnsupportedRuntime(m) if m.contains(runtime)),
            "{err}"
        );
    }
    let mut missing = spec(&code, "python3.10", "index.pid");
    missing.code_dir = code.path().join("does-not-exist");
    let err = exec.invoke(&missing, event(b"")).await.unwrap_err();
    assert!(matches!(err, ExecError::StartFailed(_)));
    let no_python = Executor::with_config(ExecutorConfig {
        python: "python3-not-installed".to_owned(),
        ..ExecutorConfig::default()
    });
    let err = no_python
        .invoke(&spec(&code, "python3.10", "index.pid"), event(b""))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ExecError::StartFailed(m) if m.contains("python3-not-installed")),
        "{err}"
    );
    assert_eq!(exec.instance_count(), 0);
    exec.shutdown().await;
    no_python.shutdown().await;
}
