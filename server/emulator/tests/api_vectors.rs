//! Replays the official SDK's captured requests (`reference/acs3-signature-vectors.json`, the
//! `wire` of each vector: request-target and headers exactly as the Python SDK sent them) against
//! the emulator in replay mode (clock and nonce checks off, the vectors' fixed credentials): every
//! one passes signature verification and gets an FC answer, never an authentication error.

#![cfg(test)]

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use emulator::testkit::{self, SignedRequest};
use emulator::{Config, StsCredential};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const AUTH_CODES: &[&str] = &[
    "SignatureNotMatch",
    "InvalidAccessKeyID",
    "InvalidSecurityToken",
    "RequestTimeTooSkewed",
    "SignatureNonceUsed",
    "MissingRequiredHeader",
];

fn vectors() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/acs3-signature-vectors.json");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the vectors file")).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

async fn replay(
    vectors: &[&Value],
    configure: impl FnOnce(&mut Config),
) -> Vec<(String, u16, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.clock_window = None;
    config.check_nonce = false;
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(emulator::serve(listener, config, token.clone()));
    let mut out = Vec::new();
    for v in vectors {
        let wire = &v["wire"];
        let input = &v["input"];
        let body = match input["body_encoding"].as_str() {
            Some("base64") => base64::engine::general_purpose::STANDARD
                .decode(input["body"].as_str().unwrap())
                .unwrap(),
            _ => input["body"].as_str().unwrap_or("").as_bytes().to_vec(),
        };
        let headers: Vec<(String, String)> = wire["headers_in_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(n, _)| {
                !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("connection")
            })
            .collect();
        let request = SignedRequest {
            method: input["method"].as_str().unwrap().to_owned(),
            target: wire["request_target"].as_str().unwrap().to_owned(),
            headers,
            body,
        };
        let response = tokio::task::spawn_blocking(move || {
            testkit::send(addr, &request, Duration::from_secs(30))
        })
        .await
        .unwrap()
        .unwrap();
        let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        out.push((
            v["name"].as_str().unwrap().to_owned(),
            response.status,
            json,
        ));
    }
    token.cancel();
    server.await.unwrap().unwrap();
    out
}

#[tokio::test]
async fn official_sdk_requests_verify() {
    let all = vectors();
    let (sts, permanent): (Vec<&Value>, Vec<&Value>) = all
        .iter()
        .filter(|v| v.get("wire").is_some())
        .partition(|v| v["input"]["security_token"].is_string());
    assert!(permanent.len() >= 11 && sts.len() == 1);
    let first = &permanent[0]["input"];
    let id = first["access_key_id"].as_str().unwrap().to_owned();
    let secret = first["access_key_secret"].as_str().unwrap().to_owned();
    let results = replay(&permanent, |c| {
        c.credentials = vec![(id.clone(), secret.clone())]
    })
    .await;
    for (name, status, body) in &results {
        let code = body["Code"].as_str().unwrap_or("");
        assert!(
            !AUTH_CODES.contains(&code) && *status != 403,
            "{name}: {status} {body}"
        );
    }
    // The create vector's inline zip was accepted.
    let create = results
        .iter()
        .find(|(n, ..)| n == "create_function_inline_zip")
        .unwrap();
    assert_eq!(create.1, 200, "{}", create.2);

    let input = &sts[0]["input"];
    let sts_credential = StsCredential {
        access_key_id: input["access_key_id"].as_str().unwrap().to_owned(),
        secret: input["access_key_secret"].as_str().unwrap().to_owned(),
        security_token: input["security_token"].as_str().unwrap().to_owned(),
    };
    let results = replay(&sts, |c| {
        c.credentials = Vec::new();
        c.sts_credentials = vec![sts_credential];
    })
    .await;
    let (name, status, body) = &results[0];
    assert_eq!(
        (*status, body["Code"].as_str()),
        (404, Some("FunctionNotFound")),
        "{name}"
    );
}
