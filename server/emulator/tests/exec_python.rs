//! python3 handlers through the embedded bootstrap: return values (str, dict, bytes), the FC
//! environment and context, the log tail, exceptions, crashes and import errors as function
//! errors, the timeout, warm reuse, the memory limit, and HTTP events mapped both ways.
#![cfg(test)]

mod exec_support;

use std::time::{Duration, Instant};

use emulator::exec::ExecError;
use exec_support::{Code, event, executor, http, json, spec, text};

const HANDLERS: &str = r#"
import json, os, time, logging

def text(event, context):
    return "hello " + event.decode()

def dictionary(event, context):
    return {"ok": True, "n": 3}

def raw(event, context):
    return b"\x00\x01\xff"

def nothing(event, context):
    return None

def env(event, context):
    keys = ["FC_FUNCTION_MEMORY_SIZE", "FC_FUNCTION_NAME", "FC_FUNCTION_HANDLER", "FC_REGION",
            "FC_ACCOUNT_ID", "FC_INSTANCE_ID", "FC_TIMEOUT", "FC_RUNTIME", "FC_FUNC_CODE_PATH",
            "FC_CUSTOM_LISTEN_PORT", "MY_VAR", "CARGO_PKG_NAME", "CARGO_MANIFEST_DIR", "HOME"]
    return {k: os.environ.get(k) for k in keys} | {"path_set": bool(os.environ.get("PATH")), "cwd": os.getcwd()}

def ctx(event, context):
    return {
        "request_id": context.request_id,
        "name": context.function.name,
        "handler": context.function.handler,
        "memory": context.function.memory,
        "timeout": context.function.timeout,
        "qualifier": context.service.qualifier,
        "version_id": context.service.version_id,
        "region": context.region,
        "account_id": context.account_id,
        "ak": context.credentials.access_key_id,
        "secret": context.credentials.access_key_secret,
        "token": context.credentials.security_token,
        "event_type": type(event).__name__,
    }

def log(event, context):
    print("printed to stdout")
    import sys
    print("printed to stderr", file=sys.stderr)
    context.logger.info("from the context logger")
    os.system("echo from a child process")
    return "logged"

def noisy(event, context):
    for i in range(2000):
        print("line %04d %s" % (i, "x" * 20))
    print("THE-LAST-LINE")
    return "noisy"

def boom(event, context):
    raise ValueError("bad input: " + event.decode())

def sleepy(event, context):
    time.sleep(float(event.decode() or "5"))
    return "slept"

def crash(event, context):
    os._exit(3)

def hog(event, context):
    data = bytearray(400 * 1024 * 1024)
    return str(len(data))

def small(event, context):
    data = bytearray(20 * 1024 * 1024)
    for i in range(0, len(data), 4096):
        data[i] = 1
    return str(len(data))

def pid(event, context):
    return str(os.getpid())

def http_echo(event, context):
    e = json.loads(event)
    from datetime import datetime, timezone
    rc = e["requestContext"]
    stamp = datetime.fromtimestamp(int(rc["timeEpoch"]) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-raw-path": e["rawPath"]},
        "body": json.dumps({"event": e, "time_ok": stamp == rc["time"]}),
    }

def http_b64(event, context):
    return {"statusCode": 200, "isBase64Encoded": True, "body": "AAH/"}

def http_plain(event, context):
    return "just text"
"#;

fn code() -> Code {
    let code = Code::new();
    code.write("index.py", HANDLERS);
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_str_dict_bytes_and_none() {
    let code = code();
    let exec = executor();
    let r = exec
        .invoke(&spec(&code, "python3.10", "index.text"), event(b"world"))
        .await
        .unwrap();
    assert_eq!(
        (r.status, text(&r.body), r.error_type.clone()),
        (200, "hello world".to_owned(), None)
    );
    let r = exec
        .invoke(&spec(&code, "python3", "index.dictionary"), event(b""))
        .await
        .unwrap();
    assert_eq!(json(&r.body), serde_json::json!({"ok": true, "n": 3}));
    let r = exec
        .invoke(&spec(&code, "python3.12", "index.raw"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.body, b"\x00\x01\xff");
    let r = exec
        .invoke(&spec(&code, "python3.9", "index.nothing"), event(b""))
        .await
        .unwrap();
    assert_eq!((r.status, r.body.len(), r.error_type), (200, 0, None));
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_fc_environment_and_not_the_emulators() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "python3.10", "index.env");
    s.memory_mb = 1024;
    s.timeout = Duration::from_secs(7);
    s.environment.insert("MY_VAR".to_owned(), "mine".to_owned());
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    let v = json(&r.body);
    assert_eq!(v["FC_FUNCTION_MEMORY_SIZE"], "1024");
    assert_eq!(v["FC_FUNCTION_NAME"], s.name.as_str());
    assert_eq!(v["FC_FUNCTION_HANDLER"], "index.env");
    assert_eq!(v["FC_REGION"], "cn-hangzhou");
    assert_eq!(v["FC_ACCOUNT_ID"], "1000000000000001");
    assert_eq!(v["FC_TIMEOUT"], "7");
    assert_eq!(v["FC_RUNTIME"], "python3.10");
    assert_eq!(v["FC_INSTANCE_ID"], r.instance_id.as_str());
    assert_eq!(
        v["FC_FUNC_CODE_PATH"],
        format!("{}/", code.path().display()).as_str()
    );
    assert_eq!(v["MY_VAR"], "mine");
    assert!(v["FC_CUSTOM_LISTEN_PORT"].is_null());
    // Cargo sets these for the test process: the handler must not inherit them.
    assert!(
        v["CARGO_PKG_NAME"].is_null() && v["CARGO_MANIFEST_DIR"].is_null(),
        "{v}"
    );
    assert!(v["HOME"].is_string());
    assert_eq!(v["path_set"], true);
    assert_eq!(
        std::fs::canonicalize(v["cwd"].as_str().unwrap()).unwrap(),
        std::fs::canonicalize(code.path()).unwrap()
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_carries_request_function_service_and_empty_credentials() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "python3.10", "index.ctx");
    s.version = "3".to_owned();
    s.memory_mb = 512;
    s.timeout = Duration::from_secs(9);
    let mut req = event(b"e");
    req.qualifier = Some("prod".to_owned());
    let id = req.request_id.clone();
    let r = exec.invoke(&s, req).await.unwrap();
    let v = json(&r.body);
    assert_eq!(v["request_id"], id.as_str());
    assert_eq!(v["name"], s.name.as_str());
    assert_eq!(v["handler"], "index.ctx");
    assert_eq!(v["memory"], 512);
    assert_eq!(v["timeout"], 9);
    assert_eq!(v["qualifier"], "prod");
    assert_eq!(v["version_id"], "3");
    assert_eq!(v["region"], "cn-hangzhou");
    assert_eq!(v["account_id"], "1000000000000001");
    assert_eq!(
        (v["ak"].as_str(), v["secret"].as_str(), v["token"].as_str()),
        (Some(""), Some(""), Some(""))
    );
    assert_eq!(v["event_type"], "bytes");
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_becomes_the_log_tail() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "python3.10", "index.log");
    let req = event(b"");
    let id = req.request_id.clone();
    let r = exec.invoke(&s, req).await.unwrap();
    assert_eq!(text(&r.body), "logged");
    let log = r.log.unwrap();
    assert!(
        log.starts_with(&format!("FC Invoke Start RequestId: {id}\n")),
        "{log}"
    );
    assert!(
        log.ends_with(&format!("FC Invoke End RequestId: {id}\n")),
        "{log}"
    );
    for line in [
        "printed to stdout",
        "printed to stderr",
        "from the context logger",
        "from a child process",
    ] {
        assert!(log.contains(line), "missing {line:?} in {log}");
    }
    assert!(
        log.contains(&format!("{id} [INFO] from the context logger")),
        "{log}"
    );
    assert!(
        !log.contains('\x1e'),
        "the end marker leaked into the log: {log:?}"
    );
    // Without Tail there is no log; the next request's log holds only its own output.
    let mut quiet = event(b"");
    quiet.log_tail = false;
    let r = exec.invoke(&s, quiet).await.unwrap();
    assert_eq!(r.log, None);
    let r = exec
        .invoke(&spec(&code, "python3.10", "index.text"), event(b"x"))
        .await
        .unwrap();
    assert!(!r.log.unwrap().contains("printed"));
    // A long log keeps its last 4 KB.
    let r = exec
        .invoke(&spec(&code, "python3.10", "index.noisy"), event(b""))
        .await
        .unwrap();
    let log = r.log.unwrap();
    assert!(log.len() <= 4096 && log.len() > 4000, "{}", log.len());
    assert!(
        log.contains("THE-LAST-LINE") && log.ends_with("\n"),
        "{log}"
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exception_is_an_unhandled_function_error() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "python3.10", "index.boom");
    let r = exec.invoke(&s, event(b"42")).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    let v = json(&r.body);
    assert_eq!(v["errorMessage"], "bad input: 42");
    assert_eq!(v["errorType"], "ValueError");
    let stack = v["stackTrace"].as_array().unwrap();
    assert!(
        stack
            .iter()
            .any(|f| f.as_str().unwrap().contains("index.py")),
        "{v}"
    );
    assert!(r.log.unwrap().contains("ValueError: bad input: 42"));
    // The instance survives an exception.
    let again = exec.invoke(&s, event(b"1")).await.unwrap();
    assert_eq!(
        (again.cold_start, again.instance_id),
        (false, r.instance_id)
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_errors_and_bad_handlers_are_function_errors() {
    let code = code();
    code.write("broken.py", "import does_not_exist_anywhere\n");
    let exec = executor();
    let r = exec
        .invoke(&spec(&code, "python3.10", "broken.handler"), event(b""))
        .await
        .unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert_eq!(json(&r.body)["errorType"], "ModuleNotFoundError");
    let r = exec
        .invoke(&spec(&code, "python3.10", "index.missing"), event(b""))
        .await
        .unwrap();
    assert!(
        json(&r.body)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    let r = exec
        .invoke(&spec(&code, "python3.10", "nodot"), event(b""))
        .await
        .unwrap();
    assert!(
        json(&r.body)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Invalid handler")
    );
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_is_a_function_error_and_the_next_call_starts_fresh() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "python3.10", "index.crash");
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type.as_deref(), Some("UnhandledInvocationError"));
    let v = json(&r.body);
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .contains("exit status 3"),
        "{v}"
    );
    let next = exec
        .invoke(&spec(&code, "python3.10", "index.text"), event(b""))
        .await
        .unwrap();
    assert!(next.cold_start);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_timeout_the_instance_is_killed() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "python3.10", "index.sleepy");
    s.timeout = Duration::from_secs(1);
    let warm = exec.invoke(&s, event(b"0")).await.unwrap();
    let begun = Instant::now();
    let err = exec.invoke(&s, event(b"30")).await.unwrap_err();
    let took = begun.elapsed();
    assert!(
        matches!(err, ExecError::Timeout(d) if d == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let left = exec_support::wait_no_processes(&code, Duration::from_secs(5)).await;
    assert!(
        left.is_empty(),
        "the timed-out instance is still running: {left:?}"
    );
    let after = exec.invoke(&s, event(b"0")).await.unwrap();
    assert!(after.cold_start);
    assert_ne!(after.instance_id, warm.instance_id);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_call_reuses_the_warm_instance() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "python3.10", "index.pid");
    let first = exec.invoke(&s, event(b"")).await.unwrap();
    assert!(first.cold_start);
    assert!(
        first
            .cold_start_duration
            .is_some_and(|d| d > Duration::ZERO)
    );
    assert!(first.instance_id.starts_with("c-"), "{}", first.instance_id);
    let second = exec.invoke(&s, event(b"")).await.unwrap();
    assert!(!second.cold_start);
    assert_eq!(second.cold_start_duration, None);
    assert_eq!(second.instance_id, first.instance_id);
    assert_eq!(second.body, first.body, "same process");
    assert!(second.duration < Duration::from_secs(1));
    assert_eq!(exec.instance_count(), 1);
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_is_limited_and_reported() {
    let code = code();
    let exec = executor();
    let mut s = spec(&code, "python3.10", "index.hog");
    s.memory_mb = 128;
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(
        r.error_type.as_deref(),
        Some("UnhandledInvocationError"),
        "{}",
        text(&r.body)
    );
    assert_eq!(json(&r.body)["errorType"], "MemoryError");
    s.handler = "index.small".to_owned();
    let r = exec.invoke(&s, event(b"")).await.unwrap();
    assert_eq!(r.error_type, None, "{}", text(&r.body));
    let peak = r.max_memory_mb.unwrap();
    assert!(peak > 20.0 && peak < 128.0, "{peak}");
    exec.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requests_become_v1_events_and_responses_map_back() {
    let code = code();
    let exec = executor();
    let s = spec(&code, "python3.10", "index.http_echo");
    let req = http(
        "POST",
        "/a/b",
        "x=1&y=hello+world&x=2&z=%E4%BD%A0",
        &[
            ("host", "abc.cn-hangzhou.fcapp.run"),
            ("user-agent", "ua/1"),
            ("x-multi", "1"),
            ("x-multi", "2"),
        ],
        b"{\"k\":1}",
    );
    let id = req.request_id.clone();
    let r = exec.invoke(&s, req).await.unwrap();
    assert_eq!(r.status, 201, "{}", text(&r.body));
    assert_eq!(r.error_type, None);
    assert!(
        r.headers
            .contains(&("x-raw-path".to_owned(), "/a/b".to_owned())),
        "{:?}",
        r.headers
    );
    assert!(
        r.headers
            .contains(&("content-type".to_owned(), "application/json".to_owned()))
    );
    let v = json(&r.body);
    assert_eq!(v["time_ok"], true);
    let e = &v["event"];
    assert_eq!(e["version"], "v1");
    assert_eq!(e["rawPath"], "/a/b");
    assert_eq!(e["body"], "{\"k\":1}");
    assert_eq!(e["isBase64Encoded"], false);
    assert_eq!(
        e["queryParameters"],
        serde_json::json!({"x": "1,2", "y": "hello world", "z": "你"})
    );
    assert_eq!(e["headers"]["x-multi"], "1,2");
    let rc = &e["requestContext"];
    assert_eq!(rc["accountId"], "1000000000000001");
    assert_eq!(rc["domainName"], "abc.cn-hangzhou.fcapp.run");
    assert_eq!(rc["domainPrefix"], "abc");
    assert_eq!(rc["requestId"], id.as_str());
    assert_eq!(rc["http"]["method"], "POST");
    assert_eq!(rc["http"]["path"], "/a/b");
    assert_eq!(rc["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["http"]["userAgent"], "ua/1");
    // Binary request bodies arrive Base64-encoded.
    let r = exec
        .invoke(&s, http("PUT", "/", "", &[], b"\xff\xfe"))
        .await
        .unwrap();
    let e = &json(&r.body)["event"];
    assert_eq!(
        (e["isBase64Encoded"].clone(), e["body"].clone()),
        (serde_json::json!(true), serde_json::json!("//4="))
    );
    // isBase64Encoded responses are decoded; plain return values are 200 bodies.
    let r = exec
        .invoke(
            &spec(&code, "python3.10", "index.http_b64"),
            http("GET", "/", "", &[], b""),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.body), (200, b"\x00\x01\xff".to_vec()));
    let r = exec
        .invoke(
            &spec(&code, "python3.10", "index.http_plain"),
            http("GET", "/", "", &[], b""),
        )
        .await
        .unwrap();
    assert_eq!((r.status, text(&r.body)), (200, "just text".to_owned()));
    // An exception answers 502 with the error JSON.
    let r = exec
        .invoke(
            &spec(&code, "python3.10", "index.boom"),
            http("GET", "/", "", &[], b"q"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.error_type.as_deref()),
        (502, Some("UnhandledInvocationError"))
    );
    assert!(
        json(&r.body)["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("bad input: {\"version\":\"v1\"")
    );
    exec.shutdown().await;
}
