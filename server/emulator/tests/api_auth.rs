//! Signatures and namespaces: unsigned, wrongly signed, unknown key, tampered body, skewed clock,
//! replayed nonce and STS requests get FC's codes and statuses (fc-api.md §8.2, §10.3, §10.6);
//! the Go/TS minimal header set verifies; the clock and nonce checks can be switched off for
//! vector replay; in proxy mode the region comes from the real FC host name (D20).

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req, acs_date, python_function};
use emulator::StsCredential;
use fc::sign::{self, AccessKey, SignedHeaderSet};
use serde_json::json;

#[tokio::test]
async fn bad_signatures_get_fc_errors() {
    let emu = Emu::start().await;
    emu.create_python("f").await;

    let mut unsigned = Req::new("GET", "/functions/f");
    unsigned.sign = false;
    emu.send(unsigned)
        .await
        .assert_error(403, "SignatureNotMatch");

    let wrong = Req::new("GET", "/functions/f").key(AccessKey::new(
        emulator::DEFAULT_ACCESS_KEY_ID,
        "wrong-secret",
    ));
    let body = emu.send(wrong).await.assert_error(403, "SignatureNotMatch");
    assert!(body["Message"].as_str().unwrap().contains("signature"));

    let unknown = Req::new("GET", "/functions/f").key(AccessKey::new("LTAIunknown", "s"));
    let body = emu
        .send(unknown)
        .await
        .assert_error(403, "InvalidAccessKeyID");
    assert!(body["Message"].as_str().unwrap().contains("LTAIunknown"));

    let mut skewed = Req::new("GET", "/functions/f");
    skewed.date = Some(acs_date(-16 * 60));
    emu.send(skewed)
        .await
        .assert_error(403, "RequestTimeTooSkewed");
    let mut future = Req::new("GET", "/functions/f");
    future.date = Some(acs_date(16 * 60));
    emu.send(future)
        .await
        .assert_error(403, "RequestTimeTooSkewed");
    let mut near = Req::new("GET", "/functions/f");
    near.date = Some(acs_date(-10 * 60));
    assert_eq!(emu.send(near).await.status, 200);

    let mut first = Req::new("GET", "/functions/f");
    first.nonce = Some("0123456789abcdef0123456789abcdef".to_owned());
    let replay = first.clone();
    assert_eq!(emu.send(first).await.status, 200);
    emu.send(replay)
        .await
        .assert_error(403, "SignatureNonceUsed");

    // A body changed after signing.
    let host = emu.host();
    let request = sign::Request::new("PUT", &host, "/2023-03-30/functions/f")
        .with_header("content-type", "application/json")
        .with_body(br#"{"timeout":5}"#.to_vec());
    let key = AccessKey::new(
        emulator::DEFAULT_ACCESS_KEY_ID,
        emulator::DEFAULT_ACCESS_KEY_SECRET,
    );
    let signed = sign::sign(
        &request,
        &key,
        &acs_date(0),
        "n-tamper",
        SignedHeaderSet::All,
    );
    let mut builder = emu.client.put(emu.url("/2023-03-30/functions/f"));
    for (n, v) in &signed.headers {
        if n != "host" {
            builder = builder.header(n, v);
        }
    }
    let response = builder.body(r#"{"timeout":6}"#).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["Code"], "SignatureNotMatch");

    // Go/TS-style signing (host, content-type and x-acs-* only) verifies.
    let request = sign::Request::new("GET", &host, "/2023-03-30/functions/f")
        .with_header("x-acs-action", "GetFunction")
        .with_header("x-acs-version", "2023-03-30")
        .with_header("user-agent", "go-sdk");
    let signed = sign::sign(
        &request,
        &key,
        &acs_date(0),
        "n-minimal",
        SignedHeaderSet::Minimal,
    );
    assert!(!signed.signed_headers.contains("user-agent"));
    let mut builder = emu.client.get(emu.url("/2023-03-30/functions/f"));
    for (n, v) in &signed.headers {
        if n != "host" {
            builder = builder.header(n, v);
        }
    }
    assert_eq!(builder.send().await.unwrap().status(), 200);

    // The request log records auth failures with their code.
    let log = emu.control("GET", "requests", None).await;
    let codes: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"SignatureNonceUsed") && codes.contains(&"InvalidAccessKeyID"),
        "{codes:?}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn replay_mode_and_sts_credentials() {
    let emu = Emu::start_with(|c| {
        c.clock_window = None;
        c.check_nonce = false;
        c.sts_credentials.push(StsCredential {
            access_key_id: "STS.tmp".into(),
            secret: "tmp-secret".into(),
            security_token: "CAIS.token/with+special=chars".into(),
        });
    })
    .await;
    emu.create_python("f").await;
    let mut old = Req::new("GET", "/functions/f");
    old.date = Some("2025-01-15T08:30:00Z".into());
    old.nonce = Some("00000000000000000000000000000001".into());
    let again = old.clone();
    assert_eq!(emu.send(old).await.status, 200);
    assert_eq!(
        emu.send(again).await.status,
        200,
        "nonce reuse allowed in replay mode"
    );

    let sts = Req::new("GET", "/functions/f").key(AccessKey::sts(
        "STS.tmp",
        "tmp-secret",
        "CAIS.token/with+special=chars",
    ));
    assert_eq!(emu.send(sts).await.status, 200);
    let bad_token =
        Req::new("GET", "/functions/f").key(AccessKey::sts("STS.tmp", "tmp-secret", "other"));
    emu.send(bad_token)
        .await
        .assert_error(403, "InvalidSecurityToken");
    emu.stop().await;
}

#[tokio::test]
async fn proxy_mode_takes_the_region_from_the_host() {
    let emu = Emu::start().await;
    let shanghai = "fcv3.cn-shanghai.aliyuncs.com";
    let created = emu
        .send(
            Req::new("POST", "/functions")
                .json(&python_function("regional"))
                .host(shanghai),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    assert_eq!(
        created.json()["functionArn"],
        "acs:fc:cn-shanghai:1000000000000001:functions/regional"
    );
    let got = emu
        .send(Req::new("GET", "/functions/regional").host(shanghai))
        .await;
    assert_eq!(got.status, 200);
    // Not visible in cn-hangzhou, neither direct (default region) nor through the proxy.
    emu.get("/functions/regional")
        .await
        .assert_error(404, "FunctionNotFound");
    emu.send(Req::new("GET", "/functions/regional").host("fcv3.cn-hangzhou.aliyuncs.com"))
        .await
        .assert_error(404, "FunctionNotFound");
    // The account host of the same region sees it.
    let account_host = "1000000000000001.cn-shanghai.fc.aliyuncs.com";
    assert_eq!(
        emu.send(Req::new("GET", "/functions/regional").host(account_host))
            .await
            .status,
        200
    );
    // The request log records the region.
    let log = emu.control("GET", "requests", None).await;
    let first = &log["requests"][0];
    assert_eq!(
        (&first["region"], &first["operation"]),
        (&json!("cn-shanghai"), &json!("CreateFunction"))
    );
    emu.stop().await;
}

#[tokio::test]
async fn direct_mode_uses_the_configured_region() {
    let emu = Emu::start_with(|c| c.default_region = "us-west-1".into()).await;
    let created = emu.create_python("west").await;
    assert_eq!(
        created["functionArn"],
        "acs:fc:us-west-1:1000000000000001:functions/west"
    );
    emu.stop().await;
}
