//! Through the API: the initializer of a stored function (`instanceLifecycleConfig`, fc-api.md
//! §14 item 35) and provision configs that pre-warm instances (`current`, §13.4, §14 item 36).
#![cfg(test)]

mod api_common;

use std::time::{Duration, Instant};

use api_common::{Emu, Req, zip_of};
use serde_json::json;

const CODE: &str = "STATE = {'inits': 0}\n\
def init(context):\n    STATE['inits'] += 1\n\
def broken(context):\n    raise RuntimeError('init exploded')\n\
def handler(event, context):\n    return 'inits=%d' % STATE['inits']\n";

fn function(name: &str, initializer: &str) -> serde_json::Value {
    json!({
        "functionName": name,
        "runtime": "python3.10",
        "handler": "index.handler",
        "code": {"zipFile": zip_of(&[("index.py", CODE)]).1},
        "instanceLifecycleConfig": {"initializer": {"handler": initializer, "timeout": 5}},
    })
}

async fn invoke(emu: &Emu, name: &str) -> api_common::Resp {
    emu.send(Req::new("POST", &format!("/functions/{name}/invocations")).bytes(b""))
        .await
}

#[tokio::test]
async fn stored_initializers_run_once_per_instance_and_failures_are_function_errors() {
    let emu = Emu::start().await;
    assert_eq!(
        emu.post("/functions", &function("ok", "index.init"))
            .await
            .status,
        200
    );
    for _ in 0..2 {
        let r = invoke(&emu, "ok").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-fc-error-type"), None);
        assert_eq!(String::from_utf8_lossy(&r.body), "inits=1");
    }

    assert_eq!(
        emu.post("/functions", &function("bad", "index.broken"))
            .await
            .status,
        200
    );
    let r = invoke(&emu, "bad").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-fc-error-type").as_deref(),
        Some("UnhandledInvocationError")
    );
    let body = r.json();
    assert_eq!(body["errorType"], "RuntimeError", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("init exploded")
    );
    emu.stop().await;
}

#[tokio::test]
async fn provision_targets_prewarm_instances_and_current_counts_them() {
    let emu = Emu::start().await;
    assert_eq!(
        emu.post("/functions", &function("p", "index.init"))
            .await
            .status,
        200
    );
    let r = emu
        .put(
            "/functions/p/provision-config",
            &json!({"target": 2, "scheduledActions": [], "targetTrackingPolicies": []}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = emu.get("/functions/p/provision-config").await.json();
        assert_eq!(p["target"], 2);
        if p["current"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "never pre-warmed: {p}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = invoke(&emu, "p").await;
    assert_eq!(String::from_utf8_lossy(&r.body), "inits=1");
    assert_eq!(
        r.header("x-fc-emulator-cold-start").as_deref(),
        Some("false")
    );
    // Deleting the config stops counting them.
    assert_eq!(
        emu.delete("/functions/p/provision-config").await.status,
        204
    );
    assert_eq!(
        emu.get("/functions/p/provision-config").await.json(),
        json!({})
    );
    emu.stop().await;
}
