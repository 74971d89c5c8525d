//! Initializer hooks (`instanceLifecycleConfig.initializer`, fc-api.md §9.5, §14 item 35): python
//! and nodejs `initializer(context)` once per instance before its first request, custom runtimes
//! `POST /initialize`, failures and timeouts as function errors that discard the instance, and
//! provisioned (pre-warmed) instances that serve their first request warm (§14 item 36).
#![cfg(test)]

mod exec_support;

use std::time::Duration;

use emulator::exec::Hook;
use exec_support::{Code, event, executor, json, spec, text};

const PYTHON: &str = r#"
import os
STATE = {"inits": 0, "value": None}

def initialize(context):
    STATE["inits"] += 1
    STATE["value"] = "set by " + context.function.name
    with open(os.path.join(os.environ["FC_FUNC_CODE_PATH"], "inits.log"), "a") as f:
        f.write("init\n")

def broken(context):
    raise ValueError("the database is down")

def slow(context):
    import time
    time.sleep(30)

def handler(event, context):
    return "%s/%d/%s" % (STATE["value"], STATE["inits"], os.environ.get("FC_INITIALIZER_HANDLER"))
"#;

fn hook(handler: &str, timeout: u64) -> Option<Hook> {
    Some(Hook {
        handler: handler.to_owned(),
        command: Vec::new(),
        timeout: Duration::from_secs(timeout),
    })
}

#[tokio::test]
async fn python_initializer_runs_once_per_instance_before_the_first_request() {
    let code = Code::new();
    code.write("index.py", PYTHON);
    let mut s = spec(&code, "python3.10", "index.handler");
    s.initializer = hook("index.initialize", 5);
    let ex = executor();
    let first = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(first.error_type, None, "{}", text(&first.body));
    assert_eq!(
        text(&first.body),
        format!("set by {}/1/index.initialize", s.name)
    );
    assert!(first.cold_start);
    let second = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(text(&second.body), text(&first.body));
    assert!(!second.cold_start);
    assert_eq!(second.instance_id, first.instance_id);
    let log = std::fs::read_to_string(code.path().join("inits.log")).unwrap();
    assert_eq!(log, "init\n");
    ex.shutdown().await;
}

#[tokio::test]
async fn a_failing_initializer_is_a_function_error_and_the_instance_is_discarded() {
    let code = Code::new();
    code.write("index.py", PYTHON);
    let mut s = spec(&code, "python3", "index.handler");
    s.initializer = hook("index.broken", 5);
    let ex = executor();
    for _ in 0..2 {
        let r = ex.invoke(&s, event(b"")).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
        let body = json(&r.body);
        assert_eq!(body["errorType"], "ValueError", "{body}");
        assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .contains("the database is down")
        );
        assert!(r.log.unwrap_or_default().contains("the database is down"));
    }
    let left = exec_support::wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "instances left running: {left:?}");
    assert_eq!(ex.instance_count(), 0);
    ex.shutdown().await;
}

#[tokio::test]
async fn an_initializer_past_its_timeout_is_a_function_error() {
    let code = Code::new();
    code.write("index.py", PYTHON);
    let mut s = spec(&code, "python3", "index.handler");
    s.initializer = hook("index.slow", 1);
    let ex = executor();
    let r = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    let body = json(&r.body);
    assert_eq!(body["errorType"], "InitializationTimeoutError", "{body}");
    let left = exec_support::wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "instances left running: {left:?}");
    ex.shutdown().await;
}

#[tokio::test]
async fn nodejs_initializer_runs_before_the_handler() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no node");
        return;
    }
    let code = Code::new();
    code.write(
        "index.js",
        "let value = 'unset';\n\
         exports.init = (context, callback) => { value = 'init:' + context.function.initializer; callback(null, ''); };\n\
         exports.handler = async (event, context) => value;\n",
    );
    let mut s = spec(&code, "nodejs20", "index.handler");
    s.initializer = hook("index.init", 3);
    let ex = executor();
    let r = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type, None, "{}", text(&r.body));
    assert_eq!(text(&r.body), "init:index.init");
    ex.shutdown().await;
}

#[tokio::test]
async fn custom_runtime_initializer_is_post_initialize() {
    let code = Code::new();
    code.write(
        "server.py",
        r#"
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
STATE = {"init": 0}
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path == "/initialize":
            STATE["init"] += 1
            body = ("ok " + self.headers.get("x-fc-function-initializer", "")).encode()
            status = 500 if os.environ.get("FAIL") else 200
        else:
            body = ("init=%d" % STATE["init"]).encode()
            status = 200
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(os.environ["FC_CUSTOM_LISTEN_PORT"])), H).serve_forever()
"#,
    );
    let mut s = spec(&code, "custom.debian12", "index.handler");
    s.command = vec!["python3".to_owned(), "server.py".to_owned()];
    s.initializer = hook("my-init", 3);
    let ex = executor();
    for _ in 0..2 {
        let r = ex.invoke(&s, event(b"")).await.unwrap();
        assert_eq!(r.error_type, None, "{}", text(&r.body));
        assert_eq!(text(&r.body), "init=1");
    }
    s.environment.insert("FAIL".to_owned(), "1".to_owned());
    let r = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert_eq!(json(&r.body)["errorType"], "InitializationError");
    ex.shutdown().await;
}

#[tokio::test]
async fn provisioned_instances_are_prewarmed_and_serve_warm() {
    let code = Code::new();
    code.write("index.py", PYTHON);
    let mut s = spec(&code, "python3", "index.handler");
    s.initializer = hook("index.initialize", 5);
    let ex = executor();
    assert_eq!(ex.prewarm(&s, 2).unwrap(), 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while ex.provisioned_instances(&s.name, "LATEST") < 2 {
        assert!(std::time::Instant::now() < deadline, "never pre-warmed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Already there: nothing more to start.
    assert_eq!(ex.prewarm(&s, 2).unwrap(), 0);
    let r = ex.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type, None, "{}", text(&r.body));
    assert!(
        !r.cold_start,
        "the first request after pre-warm was a cold start"
    );
    assert!(text(&r.body).ends_with("/1/index.initialize"));
    let log = std::fs::read_to_string(code.path().join("inits.log")).unwrap();
    assert_eq!(log, "init\ninit\n");
    ex.unprovision(&s.name, "LATEST");
    assert_eq!(ex.provisioned_instances(&s.name, "LATEST"), 0);
    ex.shutdown().await;
}
