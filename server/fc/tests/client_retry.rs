//! Retry, timeout and cancellation behaviour of `fc::client` against scripted servers on
//! 127.0.0.1: idempotent calls are retried on 503, 429 (honouring `x-acs-retry-after`), dropped
//! connections, timeouts and `ConcurrentUpdateError`, each attempt freshly signed; retries are
//! bounded by attempts and by the total wait; create, publish and invoke are sent exactly once;
//! a silent server gives `Timeout`; cancellation ends a backoff wait or a request in flight.
#![cfg(test)]

mod client_support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use client_support::*;
use fc::client::{Client, ClientConfig, ClientError, InvokeOptions, RetryPolicy};
use fc::error::FcError;
use fc::types::Function;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const NOW: i64 = 1_736_929_800; // 2025-01-15T08:30:00Z

fn deterministic(url: &str) -> (ClientConfig, std::sync::Arc<TestSources>) {
    let sources = TestSources::at(NOW);
    let mut config = config(url);
    config.sources = sources.clone();
    (config, sources)
}

/// The first `failures` GetFunction calls answer `fail`, then a Function.
async fn flaky(failures: usize, fail: fn() -> Reply) -> Server {
    Server::start(move |_, n| {
        if n < failures {
            fail()
        } else {
            Reply::ok(function_json("f"))
        }
    })
    .await
}

fn unavailable() -> Reply {
    Reply::error(503, "ServiceUnavailable", "try later", "req-503")
}

fn throttled() -> Reply {
    Reply::error(429, "TooManyRequests", "slow down", "req-429")
        .with_header("x-acs-retry-after", "10")
}

#[tokio::test]
async fn retries_503_with_fresh_nonce_and_date_per_attempt() {
    let server = flaky(2, unavailable).await;
    let (config, sources) = deterministic(&server.url());
    let function = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    assert_eq!(function.function_name.as_deref(), Some("f"));
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let nonces: Vec<String> = seen.iter().map(|s| s.nonce()).collect();
    assert_eq!(nonces, ["nonce0000", "nonce0001", "nonce0002"]);
    for s in &seen {
        let verified = s.assert_signed();
        assert_eq!(verified.date, "2025-01-15T08:30:00Z");
    }
    // Full jitter at its maximum (TestSources): base × 2ⁿ.
    assert_eq!(
        sources.sleeps(),
        [Duration::from_millis(200), Duration::from_millis(400)]
    );
}

#[tokio::test]
async fn real_sources_sign_each_attempt_with_a_new_nonce() {
    let server = flaky(2, unavailable).await;
    let mut config = config(&server.url());
    config.retry = RetryPolicy {
        base: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    let seen = server.seen();
    let nonces: HashSet<String> = seen.iter().map(|s| s.nonce()).collect();
    assert_eq!((seen.len(), nonces.len()), (3, 3));
    for s in &seen {
        s.assert_signed();
    }
}

#[tokio::test]
async fn honours_retry_after() {
    let server = flaky(2, throttled).await;
    let (config, sources) = deterministic(&server.url());
    Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    assert_eq!(server.count(), 3);
    assert_eq!(
        sources.sleeps(),
        [Duration::from_millis(10), Duration::from_millis(10)]
    );
}

#[tokio::test]
async fn retries_concurrent_update_errors_of_updates() {
    let server = flaky(1, || {
        Reply::error(
            409,
            "ConcurrentUpdateError",
            "update in progress",
            "req-409",
        )
    })
    .await;
    let (config, _) = deterministic(&server.url());
    Client::new(config)
        .unwrap()
        .update_function("f", &Function::default())
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let server = DropServer::start(2, function_json("f")).await;
    let (config, sources) = deterministic(&server.url());
    let function = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    assert_eq!(function.function_name.as_deref(), Some("f"));
    assert_eq!(server.nonces(), ["nonce0000", "nonce0001", "nonce0002"]);
    assert_eq!(sources.sleeps().len(), 2);
}

#[tokio::test]
async fn too_many_failures_exhaust_the_retries() {
    let server = Server::start(|_, _| unavailable()).await;
    let (config, sources) = deterministic(&server.url());
    let err = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap_err();
    let ClientError::RetriesExhausted { attempts, last } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 4);
    assert_eq!(
        **last,
        ClientError::Fc(FcError {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: "try later".into(),
            request_id: Some("req-503".into()),
            retry_after: None,
        })
    );
    assert_eq!(
        err.fc().map(|e| e.code.as_str()),
        Some("ServiceUnavailable")
    );
    assert_eq!(server.count(), 4);
    assert_eq!(sources.sleeps().len(), 3);
    let nonces: HashSet<String> = server.seen().iter().map(|s| s.nonce()).collect();
    assert_eq!(nonces.len(), 4);
}

#[tokio::test]
async fn a_non_retryable_answer_after_a_retry_is_returned_as_is() {
    let server = Server::start(|_, n| {
        if n == 0 {
            unavailable()
        } else {
            Reply::error(404, "FunctionNotFound", "gone", "req-404")
        }
    })
    .await;
    let (config, _) = deterministic(&server.url());
    let err = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Fc(e) if e.code == "FunctionNotFound"),
        "{err:?}"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn the_total_wait_is_capped() {
    // The service asks for 30 s; the budget is 20 s: no retry, the throttling error surfaces.
    let server = Server::start(|_, _| {
        Reply::error(429, "TooManyRequests", "slow down", "req-429")
            .with_header("x-acs-retry-after", "30000")
    })
    .await;
    let (config, sources) = deterministic(&server.url());
    let err = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap_err();
    let ClientError::Fc(fc) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fc.retry_after, Some(Duration::from_secs(30)));
    assert_eq!(server.count(), 1);
    assert!(sources.sleeps().is_empty());

    // 10 ms waits with a 25 ms budget: two retries fit, the third does not.
    let server = Server::start(|_, _| throttled()).await;
    let (mut config, sources) = deterministic(&server.url());
    config.retry = RetryPolicy {
        attempts: 10,
        max_total_wait: Duration::from_millis(25),
        ..RetryPolicy::default()
    };
    let err = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(sources.sleeps().len(), 2);
}

#[tokio::test]
async fn creates_are_sent_exactly_once() {
    let server = Server::start(|_, _| unavailable()).await;
    let (config, sources) = deterministic(&server.url());
    let client = Client::new(config).unwrap();
    let create = Function {
        function_name: Some("f".into()),
        ..Function::default()
    };
    let err = client.create_function(&create).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Fc(e) if e.status == 503),
        "{err:?}"
    );
    assert!(err.is_retryable(), "the caller may decide to retry");
    assert_eq!(server.count(), 1);

    client.publish_version("f", None).await.unwrap_err();
    assert_eq!(server.count(), 2);
    client
        .invoke("f", None, b"x".to_vec(), &InvokeOptions::default())
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert!(sources.sleeps().is_empty());
}

#[tokio::test]
async fn invoke_is_not_repeated_after_a_dropped_connection() {
    let server = DropServer::start(1, json!({})).await;
    let (config, _) = deterministic(&server.url());
    let err = Client::new(config)
        .unwrap()
        .invoke("f", None, b"x".to_vec(), &InvokeOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Connection {
                action: "InvokeFunction",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(server.nonces().len(), 1);
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_timeout() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let (mut config, _) = deterministic(&server.url());
    config.timeout = Duration::from_millis(200);
    config.retry = RetryPolicy::never();
    let started = Instant::now();
    let err = Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        err,
        ClientError::Timeout {
            action: "GetFunction",
            after: Duration::from_millis(200)
        }
    );
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn timeouts_of_idempotent_calls_are_retried() {
    let server = Server::start(|_, n| {
        if n == 0 {
            Reply::Hang
        } else {
            Reply::ok(function_json("f"))
        }
    })
    .await;
    let (mut config, _) = deterministic(&server.url());
    config.timeout = Duration::from_millis(150);
    let client = Client::new(config).unwrap();
    client.get_function("f", None).await.unwrap();
    assert_eq!(server.count(), 2);

    // with_timeout overrides the configured one, and exhausted timeouts say so.
    let server = Server::start(|_, _| Reply::Hang).await;
    let (mut config, _) = deterministic(&server.url());
    config.retry = RetryPolicy {
        attempts: 2,
        ..RetryPolicy::default()
    };
    let client = Client::new(config)
        .unwrap()
        .with_timeout(Duration::from_millis(100));
    assert_eq!(client.timeout(), Duration::from_millis(100));
    let err = client.get_function("f", None).await.unwrap_err();
    let ClientError::RetriesExhausted { attempts: 2, last } = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(**last, ClientError::Timeout { .. }));
}

#[tokio::test]
async fn cancellation_ends_a_backoff_wait_promptly() {
    // Real sleeps: the service asks for 10 s between attempts.
    let server = Server::start(|_, _| {
        Reply::error(429, "TooManyRequests", "slow down", "req-429")
            .with_header("x-acs-retry-after", "10000")
    })
    .await;
    let client = Client::new(config(&server.url())).unwrap();
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = client
        .with_cancel(token)
        .get_function("f", None)
        .await
        .unwrap_err();
    assert_eq!(err, ClientError::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn cancellation_aborts_a_request_in_flight() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let token = CancellationToken::new();
    let mut config = config(&server.url());
    config.cancel = Some(token.clone());
    let client = Client::new(config).unwrap();
    let cancel = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = client
        .invoke("f", None, Vec::new(), &InvokeOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err, ClientError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
    // A client whose token has fired sends nothing more.
    let before = server.count();
    assert_eq!(
        client.get_function("f", None).await.unwrap_err(),
        ClientError::Cancelled
    );
    assert_eq!(server.count(), before);
}
