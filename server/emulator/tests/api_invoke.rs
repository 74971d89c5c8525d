//! Invocation routing (fc-api.md §9): InvokeFunction and HTTP-trigger requests reach the
//! executor with the right function and version, and what cannot run is mapped to clear FC
//! errors (a runtime the executor does not support, payload limits, reserved concurrency, missing
//! qualifiers, trigger methods and auth). With a local `python3`, alias weights route requests and
//! the version that ran comes back in `x-fc-invocation-service-version`.

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req, python_function, zip_of};
use serde_json::json;

fn java_function(name: &str) -> serde_json::Value {
    let (_, b64) = zip_of(&[("Main.class", "cafebabe")]);
    json!({"functionName": name, "runtime": "java11", "handler": "example.App::handleRequest", "code": {"zipFile": b64}})
}

#[tokio::test]
async fn unsupported_runtimes_and_limits_are_fc_errors() {
    let emu = Emu::start().await;
    assert_eq!(
        emu.post("/functions", &java_function("j")).await.status,
        200
    );
    let r = emu
        .send(Req::new("POST", "/functions/j/invocations").bytes(b"{}"))
        .await;
    let body = r.assert_error(400, "InvalidArgument");
    let message = body["Message"].as_str().unwrap();
    assert!(
        message.contains("java11") && message.contains("'j'"),
        "{message}"
    );

    let container = json!({"functionName": "c", "runtime": "custom-container", "handler": "h", "customContainerConfig": {"image": "registry/x:1"}});
    let created = emu.post("/functions", &container).await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    emu.send(Req::new("POST", "/functions/c/invocations"))
        .await
        .assert_error(400, "InvalidArgument");
    emu.get("/functions/c/code")
        .await
        .assert_error(400, "InvalidArgument");

    emu.send(Req::new("POST", "/functions/missing/invocations"))
        .await
        .assert_error(404, "FunctionNotFound");
    emu.send(Req::new("POST", "/functions/j/invocations").query("qualifier", "prod"))
        .await
        .assert_error(404, "AliasNotFound");
    emu.send(Req::new("POST", "/functions/j/invocations").query("qualifier", "3"))
        .await
        .assert_error(404, "VersionNotFound");
    emu.send(Req::new("POST", "/functions/j/invocations").header("x-fc-invocation-type", "Later"))
        .await
        .assert_error(400, "InvalidArgument");
    let big = vec![b'x'; 128 * 1024 + 1];
    emu.send(
        Req::new("POST", "/functions/j/invocations")
            .header("x-fc-invocation-type", "Async")
            .bytes(&big),
    )
    .await
    .assert_error(400, "EntityTooLarge");
    // Async accepted: 202, empty body (the run happens later and fails quietly).
    let accepted = emu
        .send(
            Req::new("POST", "/functions/j/invocations")
                .header("x-fc-invocation-type", "Async")
                .header("x-fc-async-task-id", "task-1")
                .bytes(b"{}"),
        )
        .await;
    assert_eq!(accepted.status, 202);
    assert!(accepted.body.is_empty());
    assert_eq!(
        accepted.header("x-fc-async-task-id").as_deref(),
        Some("task-1")
    );
    assert!(accepted.header("x-fc-request-id").is_some());

    // reservedConcurrency 0 blocks invocation with a throttling answer.
    emu.put(
        "/functions/j/concurrency",
        &json!({"reservedConcurrency": 0}),
    )
    .await;
    let r = emu.send(Req::new("POST", "/functions/j/invocations")).await;
    r.assert_error(429, "ResourceExhausted");
    assert!(r.header("x-acs-retry-after").is_some());

    // The request log records invocations by size and hash, with the qualifier.
    emu.send(
        Req::new("POST", "/functions/j/invocations")
            .query("qualifier", "LATEST")
            .bytes(b"payload"),
    )
    .await;
    let log = emu.control("GET", "requests", None).await;
    let last = log["requests"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["operation"], &last["qualifier"]),
        (&json!("InvokeFunction"), &json!("LATEST"))
    );
    assert_eq!(last["body"]["size"], 7);
    emu.stop().await;
}

#[tokio::test]
async fn http_trigger_routes_check_methods_auth_and_urls() {
    let emu = Emu::start().await;
    emu.post("/functions", &java_function("j")).await;
    let anon = emu
        .post("/functions/j/triggers", &json!({"triggerName": "web", "triggerType": "http", "triggerConfig": "{\"authType\":\"anonymous\",\"methods\":[\"GET\"]}"}))
        .await
        .json();
    let url = anon["httpTrigger"]["urlInternet"]
        .as_str()
        .unwrap()
        .to_owned();
    // GET reaches the executor (which cannot run java: a clear FC error).
    let r = emu
        .client
        .get(format!("{url}/some/path?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("x-fc-request-id").is_some());
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["Message"].as_str().unwrap().contains("java11"),
        "{body}"
    );
    // POST is not allowed.
    let r = emu.client.post(&url).body("x").send().await.unwrap();
    assert_eq!(r.status(), 405);
    // Unknown trigger / function.
    let r = emu
        .client
        .get(emu.url("/http/cn-hangzhou/j/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = emu
        .client
        .get(emu.url("/http/cn-hangzhou/nope/web"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // authType function: unsigned requests are refused.
    emu.post("/functions/j/triggers", &json!({"triggerName": "signed", "triggerType": "http", "triggerConfig": "{\"authType\":\"function\"}"}))
        .await;
    let r = emu
        .client
        .get(emu.url("/http/cn-hangzhou/j/signed/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Signed (sdls-style, D32): reaches the executor.
    let signed = emulator::testkit::sign_request(
        emulator::DEFAULT_ACCESS_KEY_ID,
        emulator::DEFAULT_ACCESS_KEY_SECRET,
        &emu.host(),
        "GET",
        "/http/cn-hangzhou/j/signed/",
        &[],
        "HttpTrigger",
        b"",
    );
    let mut builder = emu.client.get(emu.url(&signed.target));
    for (n, v) in &signed.headers {
        if n != "host" {
            builder = builder.header(n, v);
        }
    }
    assert_eq!(
        builder.send().await.unwrap().status(),
        400,
        "signed request reached the executor"
    );

    // disableURLInternet: the internet URL refuses, the intranet one serves.
    emu.post(
        "/functions/j/triggers",
        &json!({"triggerName": "internal", "triggerType": "http", "triggerConfig": "{\"authType\":\"anonymous\",\"disableURLInternet\":true}"}),
    )
    .await;
    let r = emu
        .client
        .get(emu.url("/http/cn-hangzhou/j/internal"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = emu
        .client
        .get(emu.url("/http/cn-hangzhou-vpc/j/internal"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    emu.stop().await;
}

fn have_python() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn alias_weights_route_invocations_when_python_runs() {
    if !have_python() {
        eprintln!("skipped: no python3");
        return;
    }
    let emu = Emu::start_with(|c| c.seed = Some(42)).await;
    let code = |tag: &str| {
        zip_of(&[("index.py", &format!("def handler(event, context):\n    print('log-{tag}')\n    return b'{tag}:' + event\n"))]).1
    };
    let mut body = python_function("w");
    body["code"] = json!({"zipFile": code("v1")});
    emu.post("/functions", &body).await;
    emu.post("/functions/w/versions", &json!({})).await;
    emu.put("/functions/w", &json!({"code": {"zipFile": code("v2")}}))
        .await;
    emu.post("/functions/w/versions", &json!({})).await;
    emu.post(
        "/functions/w/aliases",
        &json!({"aliasName": "prod", "versionId": "1", "additionalVersionWeight": {"2": 0.5}}),
    )
    .await;

    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..40 {
        let r = emu
            .send(
                Req::new("POST", "/functions/w/invocations")
                    .query("qualifier", "prod")
                    .bytes(b"x"),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let version = r.header("x-fc-invocation-service-version").unwrap();
        assert_eq!(String::from_utf8_lossy(&r.body), format!("v{version}:x"));
        assert!(r.header("x-fc-code-checksum").is_some());
        assert!(r.header("x-fc-invocation-duration").is_some());
        *counts.entry(version).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 2, "{counts:?}");

    let r = emu
        .send(
            Req::new("POST", "/functions/w/invocations")
                .header("x-fc-log-type", "Tail")
                .bytes(b"y"),
        )
        .await;
    assert_eq!(
        r.header("x-fc-invocation-service-version").as_deref(),
        Some("LATEST")
    );
    use base64::Engine;
    let log = base64::engine::general_purpose::STANDARD
        .decode(r.header("x-fc-log-result").unwrap())
        .unwrap();
    assert!(String::from_utf8_lossy(&log).contains("log-v2"));
    emu.stop().await;
}

#[tokio::test]
async fn custom_domains_route_by_host() {
    let emu = Emu::start().await;
    emu.post("/functions", &java_function("j")).await;
    let domain = json!({
        "domainName": "api.example.com",
        "routeConfig": {"routes": [
            {"path": "/api/*", "functionName": "j", "methods": ["GET"]},
            {"path": "/exact", "functionName": "missing"},
        ]},
    });
    assert_eq!(emu.post("/custom-domains", &domain).await.status, 200);
    let get = |path: &str| {
        emu.client
            .get(emu.url(path))
            .header("host", "api.example.com")
            .send()
    };
    // Longest wildcard route → the function (which cannot run java: a clear FC error).
    let r = get("/api/users/1").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["Message"].as_str().unwrap().contains("java11"),
        "{body}"
    );
    // Exact route to a missing function.
    let r = get("/exact").await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["Code"], "FunctionNotFound");
    // No route; method filter; unknown host.
    assert_eq!(get("/other").await.unwrap().status(), 404);
    let r = emu
        .client
        .post(emu.url("/api/x"))
        .header("host", "api.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = emu.client.get(emu.url("/api/x")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("x-fc-request-id").is_some());
    emu.stop().await;
}

#[tokio::test]
async fn custom_domain_regex_rules_rewrite_the_path_the_function_sees() {
    if !have_python() {
        eprintln!("skipped: no python3");
        return;
    }
    let emu = Emu::start().await;
    let mut body = python_function("paths");
    body["code"] = json!({"zipFile": zip_of(&[(
        "index.py",
        "import json\ndef handler(event, context):\n    return json.loads(event)['rawPath']\n",
    )]).1});
    assert_eq!(emu.post("/functions", &body).await.status, 200);
    let bad = json!({
        "domainName": "bad.example.com",
        "routeConfig": {"routes": [{"path": "/*", "functionName": "paths",
            "rewriteConfig": {"regexRules": [{"match": "^/api/(", "replacement": "/$1"}]}}]},
    });
    emu.post("/custom-domains", &bad)
        .await
        .assert_error(400, "InvalidArgument");
    let domain = json!({
        "domainName": "re.example.com",
        "routeConfig": {"routes": [{"path": "/*", "functionName": "paths",
            "rewriteConfig": {
                "equalRules": [{"match": "/api/exact", "replacement": "/equal"}],
                "regexRules": [{"match": "^/api/(.*)", "replacement": "/$1"}],
            }}]},
    });
    assert_eq!(emu.post("/custom-domains", &domain).await.status, 200);
    let get = |path: &str| {
        emu.client
            .get(emu.url(path))
            .header("host", "re.example.com")
            .send()
    };
    for (path, seen) in [
        ("/api/users/1", "/users/1"),
        ("/api/exact", "/equal"),
        ("/other/api/x", "/other/api/x"),
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.text().await.unwrap(), seen, "{path}");
    }
    emu.stop().await;
}
