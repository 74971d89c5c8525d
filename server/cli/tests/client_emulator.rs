//! sdls's own FC client against the emulator with faults on (issue 3 acceptance): idempotent
//! calls succeed through retries, non-idempotent calls are never repeated (asserted from the
//! emulator's request log), and errors surface with FC's code and request id.
#![cfg(test)]

use std::time::Duration;

use fc::client::{Client, ClientConfig, ListFunctionsQuery, RetryPolicy};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints};
use fc::sign::AccessKey;
use fc::types::{Function, InputCodeLocation};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

struct Emulator {
    url: String,
    stop: CancellationToken,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Emulator {
    async fn start() -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let config = emulator::Config::new(dir.path());
        tokio::spawn(emulator::serve(listener, config, stop.clone()));
        Emulator {
            url,
            stop,
            _dir: dir,
            http: reqwest::Client::new(),
        }
    }

    fn client(&self) -> Client {
        let endpoint = Endpoint::parse(&self.url, EndpointSource::RemoteFlag).unwrap();
        let key = AccessKey::new(
            emulator::DEFAULT_ACCESS_KEY_ID,
            emulator::DEFAULT_ACCESS_KEY_SECRET,
        );
        let mut config = ClientConfig::new(Endpoints::single(endpoint, None), key, "cn-hangzhou");
        config.retry = RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(40),
            max_total_wait: Duration::from_secs(5),
        };
        config.timeout = Duration::from_secs(10);
        Client::new(config).unwrap()
    }

    async fn faults(&self, faults: Value) {
        let r = self
            .http
            .post(format!("{}/__emulator/faults", self.url))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    /// Requests of `operation` the emulator saw, faulted ones included.
    async fn seen(&self, operation: &str) -> Vec<Value> {
        let log: Value = self
            .http
            .get(format!("{}/__emulator/requests", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["operation"] == operation)
            .cloned()
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn function(name: &str) -> Function {
    let (_, b64) =
        emulator::testkit::zip_base64(&[("index.py", "def handler(e, c):\n    return e\n")])
            .unwrap();
    Function {
        function_name: Some(name.into()),
        runtime: Some("python3.10".into()),
        handler: Some("index.handler".into()),
        memory_size: Some(512),
        code: Some(InputCodeLocation {
            zip_file: Some(b64),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn idempotent_calls_succeed_through_injected_faults() {
    let emu = Emulator::start().await;
    let client = emu.client();
    for i in 0..5 {
        client
            .create_function(&function(&format!("f{i}")))
            .await
            .unwrap();
    }
    emu.faults(json!({"errorRate": 0.3, "errorStatuses": [503, 429, 500], "retryAfterMs": 5, "dropRate": 0.05, "latencyMs": 2, "latencyMaxMs": 10}))
        .await;
    for round in 0..6 {
        for i in 0..5 {
            let f = client
                .get_function(&format!("f{i}"), None)
                .await
                .unwrap_or_else(|e| panic!("round {round} f{i}: {e}"));
            assert_eq!(f.memory_size, Some(512));
        }
        let all = client
            .list_functions(&ListFunctionsQuery {
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 5);
    }
    let gets = emu.seen("GetFunction").await;
    let faulted = gets.iter().filter(|r| r.get("fault").is_some()).count();
    assert!(
        gets.len() > 30 && faulted > 0,
        "{} GetFunction requests, {faulted} faulted",
        gets.len()
    );
    // Every retry is a new signed request (fresh nonce): none was refused as a replay.
    assert!(
        gets.iter()
            .all(|r| r.get("fault").is_some() || r.get("accessKeyId").is_some())
    );
}

#[tokio::test]
async fn non_idempotent_calls_are_never_repeated() {
    let emu = Emulator::start().await;
    let client = emu.client();
    emu.faults(json!({"errorRate": 1.0, "errorStatuses": [503], "operations": ["CreateFunction", "PublishFunctionVersion", "InvokeFunction"]}))
        .await;
    let err = client.create_function(&function("once")).await.unwrap_err();
    let fc = err.fc().expect("an FC error");
    assert_eq!((fc.status, fc.code.as_str()), (503, "ServiceUnavailable"));
    assert!(fc.request_id.is_some());
    assert_eq!(
        emu.seen("CreateFunction").await.len(),
        1,
        "CreateFunction was sent more than once"
    );

    emu.faults(json!({})).await;
    client.create_function(&function("once")).await.unwrap();
    emu.faults(json!({"errorRate": 1.0, "errorStatuses": [429], "retryAfterMs": 1, "operations": ["PublishFunctionVersion", "InvokeFunction"]}))
        .await;
    assert!(client.publish_version("once", None).await.is_err());
    assert_eq!(emu.seen("PublishFunctionVersion").await.len(), 1);
    let invoke = client
        .invoke("once", None, b"x".to_vec(), &Default::default())
        .await;
    assert!(invoke.is_err());
    assert_eq!(emu.seen("InvokeFunction").await.len(), 1);
}

#[tokio::test]
async fn errors_carry_fc_code_and_request_id() {
    let emu = Emulator::start().await;
    let client = emu.client();
    let err = client.get_function("missing", None).await.unwrap_err();
    let fc = err.fc().unwrap();
    assert_eq!((fc.status, fc.code.as_str()), (404, "FunctionNotFound"));
    let request_id = fc.request_id.clone().unwrap();
    assert!(
        emu.seen("GetFunction")
            .await
            .iter()
            .any(|r| r["requestId"] == request_id.as_str())
    );
    client.create_function(&function("dup")).await.unwrap();
    let err = client.create_function(&function("dup")).await.unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert_eq!(err.fc().unwrap().code, "FunctionAlreadyExists");
}
