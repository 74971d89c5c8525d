//! Custom runtimes: a small python `http.server` as `bootstrap` (or as `command` + `args`)
//! listening on FC_CUSTOM_LISTEN_PORT; event invocations as `POST /invoke` with FC's headers,
//! HTTP requests forwarded as they came, instance concurrency (two requests on one instance; three
//! instances with their own ports), 5xx and crashes as function errors, the timeout, and start
//! failures with clear messages.
#![cfg(test)]

mod exec_support;

use std::time::{Duration, Instant};

use emulator::exec::{ExecError, Executor, ExecutorConfig};
use exec_support::{Code, event, executor, http, json, spec, text};

const SERVER: &str = r#"#!/usr/bin/env python3
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["FC_CUSTOM_LISTEN_PORT"])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, obj, extra=()):
        data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(status)
        self.send_header("content-type", "application/json")
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def any(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        info = {
            "method": self.command, "path": self.path, "body": body.decode(errors="replace"),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "port": PORT, "pid": os.getpid(), "args": sys.argv[1:],
            "instance": os.environ.get("FC_INSTANCE_ID"), "memory": os.environ.get("FC_FUNCTION_MEMORY_SIZE"),
        }
        ev = body.decode(errors="replace")
        if self.path == "/invoke":
            if ev.startswith("sleep:"):
                time.sleep(float(ev[6:]))
            if ev == "fail":
                return self.send(500, {"errorMessage": "it failed", "errorType": "Boom", "stackTrace": []})
            if ev == "fail-text":
                return self.send(503, b"plain failure")
            if ev == "exit":
                os._exit(4)
            print("invoke log line", ev, flush=True)
            return self.send(200, info)
        if self.path.startswith("/slow"):
            time.sleep(1)
        status = 418 if self.path.startswith("/teapot") else 200
        self.send(status, info, [("x-from-server", "yes")])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = any


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
"#;

fn code() -> Code {
    let code = Code::new();
    code.write_executable("bootstrap", SERVER);
    code.write("server.py", SERVER);
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_post_invoke_with_fc_headers() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "custom.debian12", "index.handler");
    s.memory_mb = 1024;
    let req = event(b"the-event");
    let id = req.request_id.clone();
    let r = exec.invoke(&s, req).await.unwrap();
    assert_eq!(
        (r.status, r.error_type.clone()),
        (200, None),
        "{}",
        text(&r.body)
    );
    assert!(r.cold_start);
    let v = json(&r.body);
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/invoke");
    assert_eq!(v["body"], "the-event");
    assert_eq!(v["instance"], r.instance_id.as_str());
    assert_eq!(v["memory"], "1024");
    let h = &v["headers"];
    assert_eq!(h["x-fc-request-id"], id.as_str());
    assert_eq!(h["x-fc-function-name"], s.name.as_str());
    assert_eq!(h["x-fc-function-memory"], "1024");
    assert_eq!(h["x-fc-function-timeout"], "10");
    assert_eq!(h["x-fc-function-handler"], "index.handler");
    assert_eq!(h["x-fc-region"], "cn-hangzhou");
    assert_eq!(h["x-fc-account-id"], "1000000000000001");
    assert_eq!(h["x-fc-access-key-id"], "");
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_ne!(
        v["port"], 9000,
        "each instance gets its own port, not the configured one"
    );
    assert!(r.log.unwrap().contains("invoke log line the-event"));
    let again = exec.invoke(&s, event(b"2")).await.unwrap();
    assert_eq!(
        (again.cold_start, again.instance_id),
        (false, r.instance_id)
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requests_are_forwarded_as_they_came() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "custom", "");
    let req = http(
        "PUT",
        "/some/path",
        "a=1&b=x%20y",
        &[
            ("x-custom", "v"),
            ("host", "fn.example.com"),
            ("connection", "keep-alive"),
            ("x-fc-access-key-id", "spoof"),
        ],
        b"request body",
    );
    let r = exec.invoke(&s, req).await.unwrap();
    assert_eq!(r.status, 200);
    let v = json(&r.body);
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["path"], "/some/path?a=1&b=x%20y");
    assert_eq!(v["body"], "request body");
    assert_eq!(v["headers"]["x-custom"], "v");
    assert_eq!(v["headers"]["host"], "fn.example.com");
    assert_eq!(
        v["headers"]["x-fc-access-key-id"], "",
        "callers cannot set FC's headers"
    );
    assert!(v["headers"]["x-fc-request-id"].is_string());
    assert!(
        r.headers
            .contains(&("x-from-server".to_owned(), "yes".to_owned())),
        "{:?}",
        r.headers
    );
    assert!(
        !r.headers
            .iter()
            .any(|(k, _)| k == "content-length" || k == "transfer-encoding")
    );
    let r = exec
        .invoke(&s, http("GET", "/teapot", "", &[], b""))
        .await
        .unwrap();
    assert_eq!((r.status, r.error_type), (418, None));
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_and_args_with_code_paths() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "custom.debian10", "");
    s.command = vec!["python3".to_owned(), "/code/server.py".to_owned()];
    s.args = vec!["--flag".to_owned(), "value".to_owned()];
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type, None, "{}", text(&r.body));
    assert_eq!(
        json(&r.body)["args"],
        serde_json::json!(["--flag", "value"])
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_share_one_instance_with_concurrency_two() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "custom.debian12", "");
    s.instance_concurrency = 2;
    let begun = Instant::now();
    let (a, b) = tokio::join!(
        exec.invoke(&s, event(b"sleep:1")),
        exec.invoke(&s, event(b"sleep:1"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let took = begun.elapsed();
    assert_eq!(a.instance_id, b.instance_id);
    assert_eq!(json(&a.body)["pid"], json(&b.body)["pid"]);
    assert!(
        took < Duration::from_millis(1900),
        "the two requests ran one after the other: {took:?}"
    );
    assert_eq!(exec.instance_count(), 1);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_requests_start_three_instances_on_their_own_ports() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "custom.debian12", "");
    let (a, b, c) = tokio::join!(
        exec.invoke(&s, event(b"sleep:0.7")),
        exec.invoke(&s, event(b"sleep:0.7")),
        exec.invoke(&s, event(b"sleep:0.7"))
    );
    let all = [a.unwrap(), b.unwrap(), c.unwrap()];
    let ids: std::collections::HashSet<_> = all.iter().map(|r| r.instance_id.clone()).collect();
    let ports: std::collections::HashSet<_> = all
        .iter()
        .map(|r| json(&r.body)["port"].as_u64().unwrap())
        .collect();
    assert_eq!((ids.len(), ports.len()), (3, 3), "{ids:?} {ports:?}");
    assert!(all.iter().all(|r| r.cold_start));
    assert_eq!(exec.instance_count(), 3);
    assert_eq!(code.processes().len(), 3);
    // Now warm: three more concurrent requests reuse them.
    let (a, b, c) = tokio::join!(
        exec.invoke(&s, event(b"")),
        exec.invoke(&s, event(b"")),
        exec.invoke(&s, event(b""))
    );
    assert!(
        [a.unwrap(), b.unwrap(), c.unwrap()]
            .iter()
            .all(|r| !r.cold_start && ids.contains(&r.instance_id))
    );
    exec.shutdown().await;
    assert!(code.processes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_crashes_and_timeouts() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "custom.debian12", "");
    s.timeout = Duration::from_secs(1);
    let r = exec.invoke(&s, event(b"fail")).await.unwrap();
    assert_eq!(
        (r.status, r.error_type.as_deref()),
        (200, Some("UnhandledInvocationError"))
    );
    assert_eq!(json(&r.body)["errorMessage"], "it failed");
    let r = exec.invoke(&s, event(b"fail-text")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert!(
        json(&r.body)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("503: plain failure")
    );
    let r = exec.invoke(&s, event(b"exit")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert!(
        json(&r.body)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("exit status 4"),
        "{}",
        text(&r.body)
    );
    let err = exec.invoke(&s, event(b"sleep:5")).await.unwrap_err();
    assert!(matches!(err, ExecError::Timeout(_)), "{err:?}");
    let left = exec_support::wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "{left:?}");
    let r = exec.invoke(&s, event(b"ok")).await.unwrap();
    assert!(r.cold_start && r.error_type.is_none());
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_failures_say_why() {
    let exec = Executor::with_config(ExecutorConfig {
        start_timeout: Duration::from_secs(1),
        ..ExecutorConfig::default()
    });
    // No bootstrap and no command.
    let empty = Code::new();
    let err = exec
        .invoke(&spec(&empty, "custom.debian12", ""), event(b""))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ExecError::StartFailed(m) if m.contains("bootstrap")),
        "{err}"
    );
    // A bootstrap that never listens.
    let silent = Code::new();
    silent.write_executable(
        "bootstrap",
        "#!/bin/sh\necho waiting forever\nexec sleep 60\n",
    );
    let begun = Instant::now();
    let err = exec
        .invoke(&spec(&silent, "custom.debian12", ""), event(b""))
        .await
        .unwrap_err();
    assert!(begun.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(&err, ExecError::StartFailed(m) if m.contains("FC_CUSTOM_LISTEN_PORT") && m.contains("waiting forever")),
        "{err}"
    );
    assert!(
        exec_support::wait_no_processes(&silent, Duration::from_secs(5))
            .await
            .is_empty()
    );
    // A bootstrap that exits at once.
    let quitter = Code::new();
    quitter.write_executable("bootstrap", "#!/bin/sh\necho bad config >&2\nexit 7\n");
    let err = exec
        .invoke(&spec(&quitter, "custom", ""), event(b""))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ExecError::StartFailed(m) if m.contains("exit status 7") && m.contains("bad config")),
        "{err}"
    );
    // A command that does not exist.
    let mut s = spec(&quitter, "custom", "");
    s.command = vec!["definitely-not-a-command-sdls".to_owned()];
    let err = exec.invoke(&s, event(b"")).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::StartFailed(m) if m.contains("not found")),
        "{err}"
    );
    exec.shutdown().await;
}
