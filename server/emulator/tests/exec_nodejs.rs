//! nodejs handlers through the embedded bootstrap: async and callback styles, `callback(err)` as
//! a handled error and throws/rejections as unhandled ones, the log tail, the FC environment,
//! ESM handlers, the timeout, warm reuse and HTTP events.
#![cfg(test)]

mod exec_support;

use std::time::Duration;

use emulator::exec::ExecError;
use exec_support::{Code, event, executor, http, json, spec, text};

const HANDLERS: &str = r#"
'use strict';
exports.asyncHandler = async (event, context) => {
  return { got: event.toString(), isBuffer: Buffer.isBuffer(event), requestId: context.requestId,
           fn: context.function, qualifier: context.service.qualifier, ak: context.credentials.accessKeyId };
};
exports.callbackHandler = (event, context, callback) => {
  setTimeout(() => callback(null, 'cb:' + event.toString()), 10);
};
exports.handled = (event, context, callback) => callback(new TypeError('nope'));
exports.thrown = (event, context, callback) => { throw new RangeError('thrown here'); };
exports.rejected = async () => { throw new Error('rejected here'); };
exports.escaped = (event, context, callback) => { setTimeout(() => { throw new Error('escaped'); }, 5); };
exports.log = async (event, context) => {
  console.log('console.log line');
  console.error('console.error line');
  context.logger.info('logger line %d', 7);
  return 'logged';
};
exports.env = async () => ({ mem: process.env.FC_FUNCTION_MEMORY_SIZE, name: process.env.FC_FUNCTION_NAME,
                            cargo: process.env.CARGO_PKG_NAME || null, mine: process.env.MY_VAR });
exports.sleepy = async (event) => { await new Promise((r) => setTimeout(r, Number(event.toString()))); return 'slept'; };
exports.pid = async () => String(process.pid);
exports.buffer = async () => Buffer.from([0, 1, 255]);
exports.http = async (event) => {
  const e = JSON.parse(event.toString());
  return { statusCode: 404, headers: { 'x-path': e.rawPath }, body: JSON.stringify(e.queryParameters) };
};
"#;

fn code() -> Code {
    let code = Code::new();
    code.write("index.js", HANDLERS);
    code.write(
        "esm.mjs",
        "export const handler = async (event) => 'esm:' + event.toString();\n",
    );
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_and_callback_handlers() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "nodejs20", "index.asyncHandler");
    let req = event(b"payload");
    let id = req.request_id.clone();
    let r = exec.invoke(&s, req).await.unwrap();
    assert_eq!(r.error_type, None, "{}", text(&r.body));
    let v = json(&r.body);
    assert_eq!(v["got"], "payload");
    assert_eq!(v["isBuffer"], true);
    assert_eq!(v["requestId"], id.as_str());
    assert_eq!(v["fn"]["name"], s.name.as_str());
    assert_eq!(v["fn"]["memory"], 256);
    assert_eq!(v["fn"]["timeout"], 10);
    assert_eq!(v["qualifier"], "LATEST");
    assert_eq!(v["ak"], "");
    let r = exec
        .invoke(
            &spec(&code, "nodejs18", "index.callbackHandler"),
            event(b"x"),
        )
        .await
        .unwrap();
    assert_eq!(text(&r.body), "cb:x");
    let r = exec
        .invoke(&spec(&code, "nodejs16", "index.buffer"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.body, vec![0, 1, 255]);
    let r = exec
        .invoke(&spec(&code, "nodejs20", "esm.handler"), event(b"m"))
        .await
        .unwrap();
    assert_eq!(text(&r.body), "esm:m", "{:?}", r.log);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_handled_and_unhandled() {
    let code = code();
    let exec = executor();
    let r = exec
        .invoke(&spec(&code, "nodejs20", "index.handled"), event(b""))
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.error_type.as_deref()),
        (200, Some("HandledInvocationError"))
    );
    let v = json(&r.body);
    assert_eq!(
        (v["errorMessage"].as_str(), v["errorType"].as_str()),
        (Some("nope"), Some("TypeError"))
    );
    let r = exec
        .invoke(&spec(&code, "nodejs20", "index.thrown"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    let v = json(&r.body);
    assert_eq!(
        (v["errorMessage"].as_str(), v["errorType"].as_str()),
        (Some("thrown here"), Some("RangeError"))
    );
    assert!(
        v["stackTrace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("index.js")),
        "{v}"
    );
    assert!(r.log.unwrap().contains("thrown here"));
    let r = exec
        .invoke(&spec(&code, "nodejs20", "index.rejected"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert_eq!(json(&r.body)["errorMessage"], "rejected here");
    // An exception thrown outside the handler's control flow answers the request, then the
    // instance ends; the next call starts a new one.
    let s = spec(&code, "nodejs20", "index.escaped");
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert_eq!(json(&r.body)["errorMessage"], "escaped");
    let next = exec.invoke(&s, event(b"")).await.unwrap();
    assert!(next.cold_start);
    assert_ne!(next.instance_id, r.instance_id);
    assert_eq!(json(&next.body)["errorMessage"], "escaped");
    let r = exec
        .invoke(&spec(&code, "nodejs20", "missing.handler"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_output_is_the_log() {
    let code = code();
    let exec = executor();
    let req = event(b"");
    let id = req.request_id.clone();
    let r = exec
        .invoke(&spec(&code, "nodejs20", "index.log"), req)
        .await
        .unwrap();
    assert_eq!(text(&r.body), "logged");
    let log = r.log.unwrap();
    for line in [
        "console.log line",
        "console.error line",
        "[info] logger line 7",
        &format!("Start RequestId: {id}"),
    ] {
        assert!(log.contains(line), "missing {line:?} in {log}");
    }
    assert!(!log.contains('\x1e'));
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_timeout_and_warm_reuse() {
    let exec = executor();
    let env_code = code();
    let mut s = spec(&env_code, "nodejs20", "index.env");
    s.memory_mb = 2048;
    s.environment.insert("MY_VAR".to_owned(), "v".to_owned());
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    let v = json(&r.body);
    assert_eq!(v["mem"], "2048");
    assert_eq!(v["name"], s.name.as_str());
    assert_eq!(v["mine"], "v");
    assert!(v["cargo"].is_null());

    let code = code();
    let mut s = spec(&code, "nodejs20", "index.sleepy");
    s.timeout = Duration::from_secs(1);
    let a = exec.invoke(&s, event(b"1")).await.unwrap();
    let b = exec.invoke(&s, event(b"1")).await.unwrap();
    assert!(a.cold_start && !b.cold_start);
    assert_eq!(a.instance_id, b.instance_id);
    let err = exec.invoke(&s, event(b"20000")).await.unwrap_err();
    assert!(matches!(err, ExecError::Timeout(_)), "{err:?}");
    let left = exec_support::wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(left.is_empty(), "{left:?}");
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_events_for_node() {
    let code = code();
    let exec = executor();
    let r = exec
        .invoke(
            &spec(&code, "nodejs20", "index.http"),
            http("GET", "/p", "a=1", &[], b""),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    assert!(r.headers.contains(&("x-path".to_owned(), "/p".to_owned())));
    assert_eq!(json(&r.body), serde_json::json!({"a": "1"}));
    exec.shutdown().await;
}
