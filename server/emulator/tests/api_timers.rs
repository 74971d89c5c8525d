//! Timer triggers fire with `Config::fire_timers` (fc-api.md §5.2, §14 item 26): `@every 1s`
//! invokes the function with FC's timer event, a disabled trigger stops firing, and nothing fires
//! without the option.
#![cfg(test)]

mod api_common;

use std::path::Path;
use std::time::{Duration, Instant};

use api_common::{Emu, zip_of};
use serde_json::json;

async fn setup(emu: &Emu, out: &Path) {
    let code = format!(
        "def handler(event, context):\n    with open({:?}, 'a') as f:\n        f.write(event.decode() + '\\n')\n    return 'ok'\n",
        out.display().to_string()
    );
    let r = emu
        .post(
            "/functions",
            &json!({
                "functionName": "tick",
                "runtime": "python3.10",
                "handler": "index.handler",
                "code": {"zipFile": zip_of(&[("index.py", &code)]).1},
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let config = json!({"cronExpression": "@every 1s", "enable": true, "payload": "hello timer"});
    let r = emu
        .post(
            "/functions/tick/triggers",
            &json!({"triggerName": "every-second", "triggerType": "timer", "triggerConfig": config.to_string()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_one_second_fires_the_function_with_the_timer_event() {
    let emu = Emu::start_with(|c| c.fire_timers = true).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("fired.log");
    setup(&emu, &out).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while lines(&out).len() < 2 {
        assert!(Instant::now() < deadline, "fired {:?}", lines(&out));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let event: serde_json::Value = serde_json::from_str(&lines(&out)[0]).unwrap();
    assert_eq!(event["triggerName"], "every-second");
    assert_eq!(event["payload"], "hello timer");
    let time = event["triggerTime"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.len() == 20, "{time}");

    // Disabled: no more firings.
    let config = json!({"cronExpression": "@every 1s", "enable": false, "payload": "x"});
    let r = emu
        .put(
            "/functions/tick/triggers/every-second",
            &json!({"triggerConfig": config.to_string()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = lines(&out).len();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(lines(&out).len(), before);
    emu.stop().await;
}

#[tokio::test]
async fn timers_do_not_fire_by_default() {
    let emu = Emu::start().await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("fired.log");
    setup(&emu, &out).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(lines(&out).is_empty());
    emu.stop().await;
}
