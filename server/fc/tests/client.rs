//! Tests of `fc::client` against scripted axum servers on 127.0.0.1: every request arrives
//! correctly signed (GET with a query and encoded path parameters, PUT with a JSON body, invoke
//! with a binary body, STS), each operation goes to its method, path and action, lists follow
//! `nextToken` to the end, FC errors keep Code, Message and RequestId, invocation headers are
//! decoded, proxy mode sends absolute-form requests carrying and signing the real FC host, and
//! unsafe configurations are refused.
#![cfg(test)]

mod client_support;

use std::collections::BTreeMap;

use client_support::*;
use fc::client::{
    Client, ClientError, InvokeOptions, ListFunctionsQuery, ListQuery, USER_AGENT, VersionDirection,
};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints, Scheme};
use fc::sign::{AccessKey, SignedHeaderSet, parse_acs_date};
use fc::types::{
    Alias, AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, Function, ProvisionConfig,
    ScalingConfig, Tag, Trigger,
};
use serde_json::{Value, json};

fn client(server: &Server) -> Client {
    Client::new(config(&server.url())).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Signing

#[tokio::test]
async fn get_with_query_and_encoded_path_is_signed() {
    let server = Server::start(|_, _| Reply::ok(function_json("my func*"))).await;
    let function = client(&server)
        .get_function("my func*/ü", Some("prod 1"))
        .await
        .unwrap();
    assert_eq!(function.function_name.as_deref(), Some("my func*"));
    assert_eq!(function.memory_size, Some(512));

    let [seen] = server.seen().try_into().unwrap();
    let verified = seen.assert_signed();
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.target,
        "/2023-03-30/functions/my%20func%2A%2F%C3%BC?qualifier=prod%201"
    );
    assert_eq!(seen.action(), "GetFunction");
    assert_eq!(seen.header("x-acs-version").as_deref(), Some("2023-03-30"));
    assert_eq!(seen.header("accept").as_deref(), Some("application/json"));
    assert_eq!(seen.header("user-agent").as_deref(), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("sdls/"));
    assert_eq!(seen.header("content-type"), None);
    assert_eq!(seen.header("host"), Some(server.addr.to_string()));
    assert!(parse_acs_date(&verified.date).is_some());
    assert_eq!(verified.nonce.len(), 32);
    // The Python SDK's set: every header present at signing time.
    for name in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "accept",
        "user-agent",
    ] {
        assert!(
            verified.signed_headers.iter().any(|s| s == name),
            "{name} not signed: {:?}",
            verified.signed_headers
        );
    }
}

#[tokio::test]
async fn put_with_json_body_is_signed() {
    let server = Server::start(|seen, _| {
        let mut body = seen.json();
        body["functionName"] = json!("f");
        Reply::ok(body)
    })
    .await;
    let update = Function {
        memory_size: Some(1024),
        environment_variables: Some(BTreeMap::from([("K".to_owned(), "v é".to_owned())])),
        ..Function::default()
    };
    let updated = client(&server).update_function("f", &update).await.unwrap();
    assert_eq!(updated.memory_size, Some(1024));

    let [seen] = server.seen().try_into().unwrap();
    let verified = seen.assert_signed();
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("PUT", "/2023-03-30/functions/f")
    );
    assert_eq!(seen.action(), "UpdateFunction");
    assert_eq!(
        seen.header("content-type").as_deref(),
        Some("application/json")
    );
    assert!(verified.signed_headers.iter().any(|s| s == "content-type"));
    assert_eq!(
        seen.json(),
        json!({"memorySize": 1024, "environmentVariables": {"K": "v é"}})
    );
}

#[tokio::test]
async fn minimal_header_set_also_verifies() {
    let server = Server::start(|_, _| Reply::ok(function_json("f"))).await;
    let mut config = config(&server.url());
    config.signed_headers = SignedHeaderSet::Minimal;
    Client::new(config)
        .unwrap()
        .update_function("f", &Function::default())
        .await
        .unwrap();
    let [seen] = server.seen().try_into().unwrap();
    let verified = seen.assert_signed();
    assert!(!verified.signed_headers.iter().any(|s| s == "user-agent"));
    assert!(verified.signed_headers.iter().any(|s| s == "content-type"));
}

#[tokio::test]
async fn sts_token_is_sent_and_signed() {
    let server = Server::start(|_, _| Reply::ok(function_json("f"))).await;
    let mut config = config(&server.url());
    config.access_key = AccessKey::sts(STS_ID, STS_SECRET, STS_TOKEN);
    Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    let [seen] = server.seen().try_into().unwrap();
    let verified = seen.assert_signed();
    assert!(verified.sts);
    assert_eq!(verified.access_key_id, STS_ID);
    assert_eq!(
        seen.header("x-acs-security-token").as_deref(),
        Some(STS_TOKEN)
    );
    assert_eq!(seen.header("x-acs-accesskey-id").as_deref(), Some(STS_ID));
    for name in ["x-acs-security-token", "x-acs-accesskey-id"] {
        assert!(verified.signed_headers.iter().any(|s| s == name), "{name}");
    }
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_verifier() {
    // The verifier really checks: the same request with another secret does not verify.
    let server = Server::start(|_, _| Reply::ok(function_json("f"))).await;
    let mut config = config(&server.url());
    config.access_key = AccessKey::new(AK_ID, "not-the-secret");
    Client::new(config)
        .unwrap()
        .get_function("f", None)
        .await
        .unwrap();
    let [seen] = server.seen().try_into().unwrap();
    assert!(seen.verified.is_err());
}

// ---------------------------------------------------------------------------------------------
// Invoke

#[tokio::test]
async fn invoke_sends_binary_body_signed_and_decodes_headers() {
    let payload: Vec<u8> = (0..=255u8).chain([0, 0xff, b'\r', b'\n']).collect();
    let server = Server::start(|_, _| Reply::Answer {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/octet-stream".into()),
            ("x-fc-request-id".into(), "inv-1".into()),
            (
                "x-fc-log-result".into(),
                "U1RBUlQKZXJyb3IgbGluZQpFTkQK".into(),
            ),
            ("x-fc-error-type".into(), "UnhandledInvocationError".into()),
            ("x-fc-invocation-duration".into(), "37".into()),
            ("x-fc-max-memory-usage".into(), "21.5".into()),
            ("x-fc-code-checksum".into(), "11051210869376104954".into()),
            ("x-fc-invocation-service-version".into(), "3".into()),
            ("x-fc-instance-id".into(), "c-abc".into()),
        ],
        body: br#"{"errorMessage":"boom","errorType":"Error"}"#.to_vec(),
    })
    .await;
    let out = client(&server)
        .invoke(
            "f",
            Some("prod"),
            payload.clone(),
            &InvokeOptions {
                log_tail: true,
                ..InvokeOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.status, 200);
    assert!(out.is_function_error());
    assert_eq!(
        &out.body[..],
        br#"{"errorMessage":"boom","errorType":"Error"}"#
    );
    let h = &out.headers;
    assert_eq!(h.request_id.as_deref(), Some("inv-1"));
    assert_eq!(h.log_result.as_deref(), Some("START\nerror line\nEND\n"));
    assert_eq!(h.error_type.as_deref(), Some("UnhandledInvocationError"));
    assert_eq!(h.duration, Some(std::time::Duration::from_millis(37)));
    assert_eq!(h.max_memory_usage_mb, Some(21.5));
    assert_eq!(h.code_checksum.as_deref(), Some("11051210869376104954"));
    assert_eq!(h.version.as_deref(), Some("3"));
    assert_eq!(h.instance_id.as_deref(), Some("c-abc"));

    let [seen] = server.seen().try_into().unwrap();
    let verified = seen.assert_signed();
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.target,
        "/2023-03-30/functions/f/invocations?qualifier=prod"
    );
    assert_eq!(seen.action(), "InvokeFunction");
    assert_eq!(seen.body, payload);
    assert_eq!(
        seen.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(seen.header("x-fc-invocation-type").as_deref(), Some("Sync"));
    assert_eq!(seen.header("x-fc-log-type").as_deref(), Some("Tail"));
    assert!(verified.signed_headers.iter().any(|s| s == "x-fc-log-type"));
}

#[tokio::test]
async fn async_invoke_without_payload() {
    let server = Server::start(|_, _| Reply::Answer {
        status: 202,
        headers: vec![
            ("x-fc-request-id".into(), "inv-2".into()),
            ("x-fc-async-task-id".into(), "task-1".into()),
        ],
        body: Vec::new(),
    })
    .await;
    let out = client(&server)
        .invoke(
            "f",
            None,
            Vec::new(),
            &InvokeOptions {
                asynchronous: true,
                async_task_id: Some("task-1".into()),
                ..InvokeOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.status, 202);
    assert!(out.body.is_empty() && !out.is_function_error());
    assert_eq!(out.headers.async_task_id.as_deref(), Some("task-1"));
    assert_eq!(out.headers.log_result, None);
    let [seen] = server.seen().try_into().unwrap();
    seen.assert_signed();
    assert_eq!(seen.target, "/2023-03-30/functions/f/invocations");
    assert_eq!(seen.header("content-type"), None);
    assert!(seen.body.is_empty());
    assert_eq!(
        seen.header("x-fc-invocation-type").as_deref(),
        Some("Async")
    );
    assert_eq!(seen.header("x-fc-log-type").as_deref(), Some("None"));
    assert_eq!(seen.header("x-fc-async-task-id").as_deref(), Some("task-1"));
}

// ---------------------------------------------------------------------------------------------
// Pagination

fn paged_functions(token: Option<&str>, last_token: Value) -> Reply {
    let (names, next) = match token {
        None => (vec!["a", "b"], json!("c")),
        Some("c") => (vec!["c", "d"], json!("e")),
        Some("e") => (vec!["e"], last_token),
        Some(other) => panic!("unexpected token {other}"),
    };
    let functions: Vec<Value> = names.into_iter().map(function_json).collect();
    let mut body = json!({ "functions": functions });
    if !next.is_null() {
        body["nextToken"] = next;
    }
    Reply::ok(body)
}

#[tokio::test]
async fn list_all_follows_next_token_until_absent() {
    let server = Server::start(|seen, _| {
        paged_functions(seen.query_value("nextToken").as_deref(), Value::Null)
    })
    .await;
    let query = ListFunctionsQuery {
        prefix: Some("a b".into()),
        tags: Some(vec![Tag {
            key: "k".into(),
            value: "v".into(),
        }]),
        ..ListFunctionsQuery::default()
    };
    let functions = client(&server).list_functions(&query).await.unwrap();
    let names: Vec<_> = functions
        .iter()
        .map(|f| f.function_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);

    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let tokens: Vec<_> = seen.iter().map(|s| s.query_value("nextToken")).collect();
    assert_eq!(tokens, [None, Some("c".into()), Some("e".into())]);
    for s in &seen {
        s.assert_signed();
        assert_eq!(s.action(), "ListFunctions");
        assert_eq!(s.query_value("limit").as_deref(), Some("100"));
        assert_eq!(s.query_value("prefix").as_deref(), Some("a b"));
        assert_eq!(
            s.query_value("tags").as_deref(),
            Some(r#"[{"Key":"k","Value":"v"}]"#)
        );
    }
    assert!(seen[0].target.contains("prefix=a%20b"));
}

#[tokio::test]
async fn list_all_stops_on_empty_token_and_one_page_is_one_call() {
    let server = Server::start(|seen, _| {
        paged_functions(seen.query_value("nextToken").as_deref(), json!(""))
    })
    .await;
    let client = client(&server);
    let all = client
        .list_functions(&ListFunctionsQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(server.count(), 3);

    let page = client
        .list_functions_page(
            &ListFunctionsQuery {
                limit: Some(2),
                ..ListFunctionsQuery::default()
            },
            Some("c"),
        )
        .await
        .unwrap();
    assert_eq!(page.functions.len(), 2);
    assert_eq!(page.next_token.as_deref(), Some("e"));
    let last = server.seen().pop().unwrap();
    assert_eq!(last.target, "/2023-03-30/functions?limit=2&nextToken=c");
}

#[tokio::test]
async fn a_repeated_token_stops_paging() {
    let server = Server::start(|_, _| {
        Reply::ok(json!({"triggers": [{"triggerName": "t"}], "nextToken": "same"}))
    })
    .await;
    let err = client(&server)
        .list_triggers("f", &ListQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Decode { action: "ListTriggers", message } if message.contains("same")),
        "{err:?}"
    );
    assert_eq!(server.count(), 2);
    assert_eq!(server.seen()[0].query_value("limit").as_deref(), Some("10"));
}

#[tokio::test]
async fn versions_aliases_and_configs_page_too() {
    let server = Server::start(|seen, _| {
        let token = seen.query_value("nextToken");
        let path = seen.path();
        let (key, item) = if path.ends_with("/versions") {
            ("versions", "versionId")
        } else if path.ends_with("/aliases") {
            ("aliases", "aliasName")
        } else {
            ("provisionConfigs", "functionArn")
        };
        match token.as_deref() {
            None => Reply::ok(json!({ key: [{ item: "1" }], "nextToken": "2" })),
            Some("2") => Reply::ok(json!({ key: [{ item: "2" }] })),
            Some(other) => panic!("{other}"),
        }
    })
    .await;
    let client = client(&server);
    let versions = client
        .list_versions("f", VersionDirection::Forward)
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].version_id.as_deref(), Some("2"));
    let aliases = client
        .list_aliases("f", &ListQuery::prefix("p"))
        .await
        .unwrap();
    assert_eq!(aliases[0].alias_name.as_deref(), Some("1"));
    let configs = client.list_provision_configs(Some("f")).await.unwrap();
    assert_eq!(configs.len(), 2);
    let seen = server.seen();
    assert_eq!(seen.len(), 6);
    assert_eq!(seen[0].query_value("direction").as_deref(), Some("FORWARD"));
    assert_eq!(seen[2].query_value("prefix").as_deref(), Some("p"));
    assert_eq!(seen[4].query_value("functionName").as_deref(), Some("f"));
}

// ---------------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn fc_errors_keep_code_message_and_request_id() {
    let server = Server::start(|seen, _| match seen.method.as_str() {
        "GET" => Reply::error(
            404,
            "FunctionNotFound",
            "function 'f' does not exist",
            "req-404",
        ),
        _ => Reply::error(
            409,
            "FunctionAlreadyExists",
            "function 'f' already exists",
            "req-409",
        ),
    })
    .await;
    let client = client(&server);
    let err = client.get_function("f", None).await.unwrap_err();
    assert!(err.is_not_found() && !err.is_retryable());
    let ClientError::Fc(fc) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fc.status, 404);
    assert_eq!(fc.code, "FunctionNotFound");
    assert_eq!(fc.message, "function 'f' does not exist");
    assert_eq!(fc.request_id.as_deref(), Some("req-404"));
    assert!(err.to_string().contains("FunctionNotFound"));

    let create = Function {
        function_name: Some("f".into()),
        ..Function::default()
    };
    let err = client.create_function(&create).await.unwrap_err();
    assert!(err.is_already_exists());
    let fc = err.fc().unwrap();
    assert_eq!(
        (fc.status, fc.code.as_str(), fc.request_id.as_deref()),
        (409, "FunctionAlreadyExists", Some("req-409"))
    );
    assert_eq!(fc.message, "function 'f' already exists");
    // Neither is retried.
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_non_json_2xx_is_a_decode_error_and_non_json_errors_keep_the_status() {
    let server = Server::start(|seen, _| match seen.action().as_str() {
        "GetFunction" => Reply::Answer {
            status: 200,
            headers: Vec::new(),
            body: b"<html>".to_vec(),
        },
        _ => Reply::Answer {
            status: 403,
            headers: vec![("x-acs-request-id".into(), "hdr-403".into())],
            body: b"<html>denied</html>".to_vec(),
        },
    })
    .await;
    let client = client(&server);
    let err = client.get_function("f", None).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Decode {
                action: "GetFunction",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client.get_trigger("f", "t").await.unwrap_err();
    let fc = err.fc().unwrap();
    assert_eq!((fc.status, fc.code.as_str()), (403, "Unknown"));
    assert_eq!(fc.request_id.as_deref(), Some("hdr-403"));
}

#[tokio::test]
async fn bad_path_parameters_are_refused_before_sending() {
    let server = Server::start(|_, _| Reply::ok(json!({}))).await;
    let client = client(&server);
    for name in ["", ".", ".."] {
        let err = client.get_function(name, None).await.unwrap_err();
        assert!(matches!(err, ClientError::Encode { .. }), "{err:?}");
    }
    assert_eq!(server.count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Every operation: method, path, action

#[tokio::test]
async fn every_operation_goes_to_its_method_path_and_action() {
    let server = Server::start(|seen, _| {
        if seen.method == "DELETE" {
            Reply::no_content()
        } else if seen.action() == "GetFunctionCode" {
            Reply::ok(json!({"checksum": "1", "url": "https://x"}))
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let c = client(&server);
    let q = Some("LATEST");
    let alias = Alias {
        alias_name: Some("prod".into()),
        version_id: Some("1".into()),
        ..Alias::default()
    };
    let trigger = Trigger {
        trigger_name: Some("t".into()),
        ..Trigger::default()
    };
    let domain = CustomDomain {
        domain_name: Some("a.example.com".into()),
        ..CustomDomain::default()
    };
    c.create_function(&Function::default()).await.unwrap();
    let code = c.get_function_code("f", Some("1")).await.unwrap();
    assert_eq!(code.checksum.as_deref(), Some("1"));
    c.delete_function("f").await.unwrap();
    c.publish_version("f", Some("v1")).await.unwrap();
    c.publish_version("f", None).await.unwrap();
    c.delete_version("f", "1").await.unwrap();
    c.create_alias("f", &alias).await.unwrap();
    c.get_alias("f", "prod").await.unwrap();
    c.update_alias(
        "f",
        "prod",
        &Alias {
            additional_version_weight: Some(BTreeMap::new()),
            ..Alias::default()
        },
    )
    .await
    .unwrap();
    c.delete_alias("f", "prod").await.unwrap();
    c.create_trigger("f", &trigger).await.unwrap();
    c.get_trigger("f", "t").await.unwrap();
    c.update_trigger("f", "t", &Trigger::default())
        .await
        .unwrap();
    c.delete_trigger("f", "t").await.unwrap();
    c.create_custom_domain(&domain).await.unwrap();
    c.get_custom_domain("a.example.com").await.unwrap();
    c.update_custom_domain("a.example.com", &CustomDomain::default())
        .await
        .unwrap();
    c.delete_custom_domain("a.example.com").await.unwrap();
    c.list_custom_domains(&ListQuery::default()).await.unwrap();
    let async_config = AsyncInvokeConfig {
        max_async_retry_attempts: Some(1),
        ..AsyncInvokeConfig::default()
    };
    c.put_async_invoke_config("f", q, &async_config)
        .await
        .unwrap();
    c.get_async_invoke_config("f", q).await.unwrap();
    c.delete_async_invoke_config("f", None).await.unwrap();
    c.list_async_invoke_configs(None).await.unwrap();
    let concurrency = ConcurrencyConfig {
        reserved_concurrency: Some(3),
        ..ConcurrencyConfig::default()
    };
    c.put_concurrency_config("f", &concurrency).await.unwrap();
    c.get_concurrency_config("f").await.unwrap();
    c.delete_concurrency_config("f").await.unwrap();
    c.list_concurrency_configs(Some("f")).await.unwrap();
    let provision = ProvisionConfig {
        default_target: Some(2),
        always_allocate_cpu: Some(true),
        scheduled_actions: Some(Vec::new()),
        target_tracking_policies: Some(Vec::new()),
        ..ProvisionConfig::default()
    };
    c.put_provision_config("f", q, &provision).await.unwrap();
    assert!(c.get_provision_config("f", q).await.unwrap().is_none());
    c.delete_provision_config("f", q).await.unwrap();
    let scaling = ScalingConfig {
        min_instances: Some(1),
        ..ScalingConfig::default()
    };
    c.put_scaling_config("f", q, &scaling).await.unwrap();
    assert!(c.get_scaling_config("f", q).await.unwrap().is_none());
    c.delete_scaling_config("f", q).await.unwrap();
    c.list_scaling_configs(None).await.unwrap();

    let seen = server.seen();
    let got: Vec<String> = seen
        .iter()
        .map(|s| {
            s.assert_signed();
            format!("{} {} {}", s.action(), s.method, s.target)
        })
        .collect();
    let expected = [
        "CreateFunction POST /2023-03-30/functions",
        "GetFunctionCode GET /2023-03-30/functions/f/code?qualifier=1",
        "DeleteFunction DELETE /2023-03-30/functions/f",
        "PublishFunctionVersion POST /2023-03-30/functions/f/versions",
        "PublishFunctionVersion POST /2023-03-30/functions/f/versions",
        "DeleteFunctionVersion DELETE /2023-03-30/functions/f/versions/1",
        "CreateAlias POST /2023-03-30/functions/f/aliases",
        "GetAlias GET /2023-03-30/functions/f/aliases/prod",
        "UpdateAlias PUT /2023-03-30/functions/f/aliases/prod",
        "DeleteAlias DELETE /2023-03-30/functions/f/aliases/prod",
        "CreateTrigger POST /2023-03-30/functions/f/triggers",
        "GetTrigger GET /2023-03-30/functions/f/triggers/t",
        "UpdateTrigger PUT /2023-03-30/functions/f/triggers/t",
        "DeleteTrigger DELETE /2023-03-30/functions/f/triggers/t",
        "CreateCustomDomain POST /2023-03-30/custom-domains",
        "GetCustomDomain GET /2023-03-30/custom-domains/a.example.com",
        "UpdateCustomDomain PUT /2023-03-30/custom-domains/a.example.com",
        "DeleteCustomDomain DELETE /2023-03-30/custom-domains/a.example.com",
        "ListCustomDomains GET /2023-03-30/custom-domains?limit=100",
        "PutAsyncInvokeConfig PUT /2023-03-30/functions/f/async-invoke-config?qualifier=LATEST",
        "GetAsyncInvokeConfig GET /2023-03-30/functions/f/async-invoke-config?qualifier=LATEST",
        "DeleteAsyncInvokeConfig DELETE /2023-03-30/functions/f/async-invoke-config",
        "ListAsyncInvokeConfigs GET /2023-03-30/async-invoke-configs?limit=100",
        "PutConcurrencyConfig PUT /2023-03-30/functions/f/concurrency",
        "GetConcurrencyConfig GET /2023-03-30/functions/f/concurrency",
        "DeleteConcurrencyConfig DELETE /2023-03-30/functions/f/concurrency",
        "ListConcurrencyConfigs GET /2023-03-30/concurrency-configs?functionName=f&limit=100",
        "PutProvisionConfig PUT /2023-03-30/functions/f/provision-config?qualifier=LATEST",
        "GetProvisionConfig GET /2023-03-30/functions/f/provision-config?qualifier=LATEST",
        "DeleteProvisionConfig DELETE /2023-03-30/functions/f/provision-config?qualifier=LATEST",
        "PutScalingConfig PUT /2023-03-30/functions/f/scaling-config?qualifier=LATEST",
        "GetScalingConfig GET /2023-03-30/functions/f/scaling-config?qualifier=LATEST",
        "DeleteScalingConfig DELETE /2023-03-30/functions/f/scaling-config?qualifier=LATEST",
        "ListScalingConfigs GET /2023-03-30/scaling-configs?limit=100",
    ];
    assert_eq!(got, expected);

    let body = |i: usize| seen[i].json();
    assert_eq!(body(0), json!({}));
    assert_eq!(body(3), json!({"description": "v1"}));
    assert_eq!(body(4), json!({}));
    assert_eq!(body(6), json!({"aliasName": "prod", "versionId": "1"}));
    assert_eq!(body(8), json!({"additionalVersionWeight": {}}));
    assert_eq!(body(14), json!({"domainName": "a.example.com"}));
    assert_eq!(body(19), json!({"maxAsyncRetryAttempts": 1}));
    assert_eq!(body(23), json!({"reservedConcurrency": 3}));
    assert_eq!(
        body(27),
        json!({"defaultTarget": 2, "alwaysAllocateCPU": true, "scheduledActions": [], "targetTrackingPolicies": []})
    );
    assert_eq!(body(30), json!({"minInstances": 1}));
    for s in seen
        .iter()
        .filter(|s| s.method != "GET" && s.method != "DELETE")
    {
        assert_eq!(
            s.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            s.action()
        );
    }
}

#[tokio::test]
async fn canary_weights_are_sent_as_numbers() {
    let server = Server::start(|seen, _| Reply::ok(seen.json())).await;
    let update = Alias {
        version_id: Some("2".into()),
        additional_version_weight: Some(BTreeMap::from([("3".to_owned(), 0.1)])),
        ..Alias::default()
    };
    let back = client(&server)
        .update_alias("f", "prod", &update)
        .await
        .unwrap();
    assert_eq!(back.additional_version_weight.unwrap()["3"], 0.1);
    assert_eq!(
        server.seen()[0].json(),
        json!({"versionId": "2", "additionalVersionWeight": {"3": 0.1}})
    );
}

// ---------------------------------------------------------------------------------------------
// Proxy mode and configuration

#[tokio::test]
async fn proxy_mode_sends_absolute_form_with_the_real_host_signed() {
    let server = Server::start(|seen, _| {
        if seen.action() == "InvokeFunction" {
            Reply::Answer {
                status: 200,
                headers: vec![("x-fc-invocation-service-version".into(), "LATEST".into())],
                body: b"ok".to_vec(),
            }
        } else {
            Reply::ok(function_json("f"))
        }
    })
    .await;
    let management =
        Endpoint::parse("fcv3.cn-shanghai.aliyuncs.com", EndpointSource::Default).unwrap();
    let invocation = Endpoint::parse(
        "1234567890.cn-shanghai.fc.aliyuncs.com",
        EndpointSource::Default,
    )
    .unwrap();
    let mut config = config(&server.url());
    config.endpoints = Endpoints {
        management,
        invocation: Some(invocation),
        chosen_by: None,
    };
    config.region = "cn-shanghai".into();
    config.proxy = Some(server.url());
    let client = Client::new(config).unwrap();
    assert!(client.is_proxied());
    assert_eq!(
        client.management_url(),
        "http://fcv3.cn-shanghai.aliyuncs.com"
    );
    assert_eq!(
        client.invocation_url(),
        "http://1234567890.cn-shanghai.fc.aliyuncs.com"
    );
    client.get_function("f", Some("1")).await.unwrap();
    let out = client
        .invoke("f", None, b"{}".to_vec(), &InvokeOptions::default())
        .await
        .unwrap();
    assert_eq!(out.headers.version.as_deref(), Some("LATEST"));

    let [get, invoke] = server.seen().try_into().unwrap();
    get.assert_signed();
    invoke.assert_signed();
    assert_eq!(
        get.target,
        "http://fcv3.cn-shanghai.aliyuncs.com/2023-03-30/functions/f?qualifier=1"
    );
    assert_eq!(
        get.header("host").as_deref(),
        Some("fcv3.cn-shanghai.aliyuncs.com")
    );
    assert!(
        get.assert_signed()
            .signed_headers
            .iter()
            .any(|s| s == "host")
    );
    assert_eq!(
        invoke.target,
        "http://1234567890.cn-shanghai.fc.aliyuncs.com/2023-03-30/functions/f/invocations"
    );
    assert_eq!(
        invoke.header("host").as_deref(),
        Some("1234567890.cn-shanghai.fc.aliyuncs.com")
    );
}

#[test]
fn unsafe_configurations_are_refused() {
    let https = Endpoint::parse("fcv3.cn-hangzhou.aliyuncs.com", EndpointSource::Default).unwrap();
    let base = config("http://127.0.0.1:9");
    let with = |endpoint: Endpoint, proxy: Option<&str>| {
        let mut config = base.clone();
        config.endpoints = Endpoints::single(endpoint, None);
        config.proxy = proxy.map(str::to_owned);
        Client::new(config)
    };
    // Plain http to a public host (an Endpoint built by hand, bypassing Endpoint::parse).
    let plain = Endpoint {
        scheme: Scheme::Http,
        ..https.clone()
    };
    let err = with(plain.clone(), None).unwrap_err();
    assert!(
        matches!(&err, ClientError::Config(m) if m.contains("loopback")),
        "{err}"
    );
    for proxy in [
        "http://10.0.0.1:8080",
        "https://127.0.0.1:8080",
        "http://proxy.example.com:3128",
        "http://127.0.0.1:8080/path",
        "http://user:pw@127.0.0.1:8080",
        "not a url",
    ] {
        let err = with(https.clone(), Some(proxy)).unwrap_err();
        assert!(matches!(err, ClientError::Config(_)), "{proxy}: {err}");
    }
    // Through a loopback proxy, even a hand-built http endpoint stays on the machine.
    assert!(with(plain, Some("http://127.0.0.1:8080")).is_ok());
    assert!(with(https.clone(), Some("http://localhost:8080/")).is_ok());
    let direct = with(https, None).unwrap();
    assert_eq!(
        direct.management_url(),
        "https://fcv3.cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(direct.invocation_url(), direct.management_url());
    assert!(!format!("{direct:?}").contains(AK_SECRET));
    assert!(!format!("{base:?}").contains(AK_SECRET));
}

#[test]
fn config_from_credentials_keeps_the_token_and_account() {
    let credentials = fc::credentials::Credentials {
        account_id: Some("1234".into()),
        access_key_id: STS_ID.into(),
        access_key_secret: STS_SECRET.into(),
        security_token: Some(STS_TOKEN.into()),
        source: fc::credentials::CredentialSource::EnvTrio {
            security_token: true,
        },
    };
    let endpoint = Endpoint::parse("http://127.0.0.1:9", EndpointSource::RemoteFlag).unwrap();
    let config = fc::client::ClientConfig::from_credentials(
        Endpoints::single(endpoint, None),
        &credentials,
        "cn-hangzhou",
    );
    assert_eq!(
        config.access_key,
        AccessKey::sts(STS_ID, STS_SECRET, STS_TOKEN)
    );
    let client = Client::new(config).unwrap();
    assert_eq!(client.account_id(), Some("1234"));
    assert_eq!(client.region(), "cn-hangzhou");
}
