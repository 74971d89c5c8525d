//! Legacy (edition 1.0.0/2.0.0) props mapped to fc3 shape, the legacy `.s/` state read as an
//! FC 3.0 snapshot, and the fc3 `desired::requests` of a function.
#![allow(clippy::unwrap_used)]

use ops::desired::{self, DesiredError};
use ops::local::{Dialect, LocalFunction, UNKNOWN};
use ops::normalize::{self, Context, legacy};
use ops::path::FieldPath;
use ops::snapshot::Fetched;
use serde_json::{Value as Json, json};

fn ctx() -> Context {
    Context {
        account_id: Some("1234567890".into()),
        region: "cn-shenzhen".into(),
    }
}

fn legacy_props() -> Json {
    json!({
        "region": "cn-shenzhen",
        "service": {
            "name": "svc", "description": "dropped", "internetAccess": false,
            "role": "acs:ram::1234567890:role/FcRole",
            "vpcConfig": {"vpcId": "vpc-1", "securityGroupId": "sg-1", "vswitchIds": ["vsw-1"]},
            "nasConfig": {"userId": 10003, "groupId": 10003, "mountPoints": [{"serverAddr": "x.nas.aliyuncs.com", "nasDir": "/data", "fcDir": "/mnt/data"}]},
            "vpcBinding": ["vpc-9"]
        },
        "function": {
            "name": "fn", "runtime": "custom", "codeUri": "./code", "caPort": 8080,
            "customRuntimeConfig": {"command": ["node"], "args": ["index.js"]},
            "initializer": "index.init", "initializationTimeout": 20,
            "instanceLifecycleConfig": {"preFreeze": {"handler": "a", "timeout": 1}, "preStop": {"handler": "index.stop", "timeout": 5}},
            "environmentVariables": {"testEnv": true},
            "layers": ["57bbf06269f73c18099ca76b3f7214f0#my-layer#2"],
            "asyncConfiguration": {"destination": {"onSuccess": "acs:fc:::services/s/functions/ok"}, "maxAsyncRetryAttempts": 2, "statefulInvocation": true}
        },
        "triggers": [
            {"name": "oss", "type": "oss", "role": "acs:ram::1234567890:role/OssRole",
             "config": {"bucketName": "bkt", "events": ["oss:ObjectCreated:*"], "filter": {"Key": {"Prefix": "in/", "Suffix": ".png"}}}},
            {"name": "mns", "type": "mns_topic", "config": {"topicName": "t", "region": "cn-hangzhou", "notifyStrategy": "BACKOFF_RETRY"}}
        ],
        "customDomains": [{"domainName": "d.example.com", "protocol": "HTTP", "routeConfigs": [{"path": "/*", "serviceName": "svc", "functionName": "fn"}]}]
    })
}

#[test]
fn legacy_props_map_to_fc3_shape() {
    let (name, dialect, props) = legacy::to_fc3(legacy_props().as_object().unwrap()).unwrap();
    assert_eq!(name, "svc$fn");
    assert_eq!(
        dialect,
        Dialect::Legacy {
            service: "svc".into(),
            function: "fn".into()
        }
    );
    let props = Json::Object(props);
    let acct = legacy::ACCOUNT_PLACEHOLDER;
    let expected = json!({
        "region": "cn-shenzhen",
        "functionName": "svc$fn",
        "internetAccess": false,
        "role": "acs:ram::1234567890:role/FcRole",
        "vpcConfig": {"vpcId": "vpc-1", "securityGroupId": "sg-1", "vSwitchIds": ["vsw-1"]},
        "nasConfig": {"userId": 10003, "groupId": 10003, "mountPoints": [{"serverAddr": "x.nas.aliyuncs.com:/data", "mountDir": "/mnt/data"}]},
        "vpcBinding": {"vpcIds": ["vpc-9"]},
        "customRuntimeConfig": {"command": ["node"], "args": ["index.js"], "port": 8080},
        "layers": [format!("acs:fc:cn-shenzhen:{acct}:layers/my-layer/versions/2")],
        "description": legacy::DEFAULT_DESCRIPTION,
        "runtime": "custom",
        "handler": "index.handler",
        "memorySize": 128,
        "timeout": 3,
        "environmentVariables": {"testEnv": true},
        "code": "./code",
        "instanceLifecycleConfig": {"initializer": {"handler": "index.init", "timeout": 20}, "preStop": {"handler": "index.stop", "timeout": 5}},
        "asyncInvokeConfig": {"maxAsyncRetryAttempts": 2, "asyncTask": true,
            "destinationConfig": {"onSuccess": {"destination": "acs:fc:cn-shenzhen::services/s/functions/ok"}}},
        "triggers": [
            {"triggerName": "oss", "triggerType": "oss", "invocationRole": "acs:ram::1234567890:role/OssRole",
             "sourceArn": format!("acs:oss:cn-shenzhen:{acct}:bkt"),
             "triggerConfig": {"events": ["oss:ObjectCreated:*"], "filter": {"key": {"prefix": "in/", "suffix": ".png"}}}},
            {"triggerName": "mns", "triggerType": "mns_topic", "sourceArn": format!("acs:mns:cn-hangzhou:{acct}:/topics/t"),
             "triggerConfig": {"notifyStrategy": "BACKOFF_RETRY"}}
        ],
        "customDomain": {"domainName": "d.example.com", "protocol": "HTTP", "route": {"path": "/*"}}
    });
    assert_eq!(props, expected);
}

#[test]
fn legacy_without_a_service_mapping_is_refused() {
    let props =
        json!({"region": "cn-hangzhou", "service": "${vars.svc}", "function": {"name": "f"}});
    assert_eq!(
        legacy::to_fc3(props.as_object().unwrap()).unwrap_err(),
        "its service is not a mapping"
    );
    let props = json!({"region": "cn-hangzhou", "service": {"name": "s"}});
    assert_eq!(
        legacy::to_fc3(props.as_object().unwrap()).unwrap_err(),
        "it has no function.name"
    );
}

fn legacy_function() -> LocalFunction {
    let (name, dialect, props) = legacy::to_fc3(legacy_props().as_object().unwrap()).unwrap();
    LocalFunction {
        resource: "svc".into(),
        function_name: name,
        region: "cn-shenzhen".into(),
        dialect,
        props,
        code_path: None,
        endpoint: None,
        access: None,
        key_range: None,
    }
}

#[test]
fn legacy_local_view_fills_the_account_and_keeps_legacy_defaults() {
    let local = normalize::local(&legacy_function(), &ctx());
    assert_eq!(local.view["memorySize"], json!(128));
    assert!(
        !local.view.contains_key("cpu"),
        "no fc3 defaults for legacy"
    );
    assert_eq!(
        local.view["environmentVariables"],
        json!({"testEnv": "true"})
    );
    assert_eq!(
        local.view["triggers"]["oss"]["sourceArn"],
        json!("acs:oss:cn-shenzhen:1234567890:bkt")
    );
    assert_eq!(
        local.view["triggers"]["oss"]["invocationRole"],
        json!("acs:ram::1234567890:role/ossrole")
    );
    assert_eq!(
        local.view["layers"],
        json!(["acs:fc:cn-shenzhen:1234567890:layers/my-layer/versions/2"])
    );
    // Without an account, what depends on it is unknown.
    let local = normalize::local(
        &legacy_function(),
        &Context {
            account_id: None,
            region: "cn-shenzhen".into(),
        },
    );
    let unknown: Vec<String> = local.unknown.iter().map(FieldPath::dotted).collect();
    assert_eq!(
        unknown,
        ["layers", "triggers.mns.sourceArn", "triggers.oss.sourceArn"]
    );
}

#[test]
fn legacy_state_files_read_as_an_fc3_snapshot() {
    let service = json!({"statefulConfig": {
        "serviceName": "svc", "role": "acs:ram::1234567890:role/FcRole", "internetAccess": true,
        "vpcConfig": {"vpcId": "vpc-1", "vSwitchIds": ["vsw-1"], "securityGroupId": "sg-1"},
        "vpcBinding": ["vpc-9"], "lastModifiedTime": "t"}});
    let function = json!({"statefulConfig": {
        "functionId": "id", "functionName": "hello", "description": "d",
        "runtime": "custom", "handler": "index.handler", "timeout": 60,
        "initializer": "index.init", "initializationTimeout": 3,
        "codeSize": 1234, "codeChecksum": "1234567890123456789",
        "memorySize": 512, "environmentVariables": {"K": "v"},
        "createdTime": "c", "lastModifiedTime": "2024-01-01T00:00:00Z",
        "instanceConcurrency": 1, "instanceType": "e1", "layers": ["a#b#1"], "layersArnV2": ["acs:fc:cn-shenzhen:1:layers/b/versions/1"],
        "customContainerConfig": null, "caPort": 9001, "cpu": null, "diskSize": 512, "name": "hello",
        "asyncConfiguration": {"destinationConfig": {"onSuccess": {"destination": "acs:fc:cn-shenzhen:1:functions/ok"}}, "maxAsyncRetryAttempts": 1, "statefulInvocation": false}
    }});
    let triggers = [
        json!({"statefulConfig": {"triggerName": "http", "triggerType": "http", "qualifier": "LATEST",
        "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}, "lastModifiedTime": "t"}}),
    ];
    let snapshot = legacy::snapshot_from_state(Some(&service), &function, &triggers);
    let f = snapshot.function.as_ref().unwrap();
    assert_eq!(f.function_name.as_deref(), Some("svc$hello"));
    assert_eq!(f.role.as_deref(), Some("acs:ram::1234567890:role/FcRole"));
    assert_eq!(f.code_checksum.as_deref(), Some("1234567890123456789"));
    assert_eq!(
        f.layers,
        Some(vec![json!("acs:fc:cn-shenzhen:1:layers/b/versions/1")])
    );
    assert_eq!(f.custom_runtime_config, Some(json!({"port": 9001})));
    assert_eq!(
        f.instance_lifecycle_config,
        Some(json!({"initializer": {"handler": "index.init", "timeout": 3}}))
    );
    assert_eq!(f.vpc_config.as_ref().unwrap()["vpcId"], json!("vpc-1"));
    assert_eq!(
        snapshot.vpc_binding,
        Fetched::Present(vec!["vpc-9".to_string()])
    );
    let async_config = snapshot.async_invoke_config.present().unwrap();
    assert_eq!(async_config.max_async_retry_attempts, Some(1));
    assert_eq!(async_config.async_task, Some(false));
    assert_eq!(snapshot.triggers.len(), 1);
    assert_eq!(
        snapshot.triggers[0].config(),
        Some(json!({"authType": "anonymous", "methods": ["GET"]}))
    );
    assert_eq!(snapshot.concurrency_config, Fetched::Skipped);
    // The snapshot goes through the same remote normalisation.
    let view = normalize::remote(&snapshot, &ctx()).unwrap();
    assert_eq!(
        view["triggers"]["http"]["triggerConfig"]["methods"],
        json!(["GET"])
    );
}

#[test]
fn odd_state_never_panics() {
    for odd in [
        json!(null),
        json!([1, 2]),
        json!({"statefulConfig": "x"}),
        json!({"memorySize": "big", "cpu": "x", "functionName": 3}),
    ] {
        let s = legacy::snapshot_from_state(Some(&odd), &odd, std::slice::from_ref(&odd));
        assert!(s.function.is_some());
    }
    let s = legacy::snapshot_from_state(
        None,
        &json!({"functionName": "f", "memorySize": "128", "timeout": 5}),
        &[],
    );
    let f = s.function.unwrap();
    assert_eq!((f.memory_size, f.timeout), (None, Some(5)));
}

fn fc3(props: Json) -> LocalFunction {
    LocalFunction {
        resource: "r".into(),
        function_name: props["functionName"].as_str().unwrap().into(),
        region: "cn-hangzhou".into(),
        dialect: Dialect::Fc3,
        props: props.as_object().unwrap().clone(),
        code_path: None,
        endpoint: None,
        access: None,
        key_range: None,
    }
}

#[test]
fn desired_requests_follow_fc3_deploy() {
    let f = fc3(json!({
        "region": "cn-hangzhou", "functionName": "my_fn", "runtime": "custom", "code": "./code",
        "role": "MyRole", "logConfig": "auto",
        "environmentVariables": {"A": 1},
        "sessionAffinityConfig": {"sessionTTLInSeconds": 60},
        "tags": [{"Key": "team", "Value": "a"}],
        "triggers": [{"triggerName": "h", "triggerType": "http", "triggerConfig": {"authType": "anonymous", "methods": ["get"]}}],
        "asyncInvokeConfig": {"qualifier": "prod", "maxAsyncRetryAttempts": 1},
        "provisionConfig": {"defaultTarget": 1, "mode": "async"},
        "vpcBinding": {"vpcIds": ["vpc-1"]},
        "customDomain": {"domainName": "auto", "protocol": "HTTP", "route": {"path": "/*"}}
    }));
    let ctx = Context {
        account_id: Some("1234567890".into()),
        region: "cn-hangzhou".into(),
    };
    let r = desired::requests(&f, &ctx).unwrap();
    let body = serde_json::to_value(&r.function).unwrap();
    assert_eq!(
        body,
        json!({
            "functionName": "my_fn", "runtime": "custom", "handler": "handler",
            "description": "", "role": "acs:ram::1234567890:role/myrole",
            "cpu": 0.35, "memorySize": 512, "diskSize": 512, "timeout": 3,
            "instanceConcurrency": 1, "internetAccess": true,
            "environmentVariables": {"A": "1"}, "layers": [],
            "vpcConfig": {"vpcId": "", "vSwitchIds": [], "securityGroupId": ""},
            "nasConfig": {"userId": 0, "groupId": 0, "mountPoints": []},
            "ossMountConfig": {"mountPoints": []}, "tracingConfig": {},
            "instanceIsolationMode": "SHARE", "sessionAffinity": "NONE",
            "sessionAffinityConfig": "{\"sessionTTLInSeconds\":60}",
            "tags": [{"Key": "team", "Value": "a"}]
        })
    );
    let auto: Vec<String> = r.auto.iter().map(FieldPath::dotted).collect();
    assert_eq!(auto, ["customDomain.domainName", "logConfig"]);
    assert_eq!(r.triggers.len(), 1);
    assert_eq!(
        r.triggers[0].trigger_config.as_deref(),
        Some(r#"{"authType":"anonymous","methods":["GET"]}"#)
    );
    assert_eq!(r.triggers[0].qualifier.as_deref(), Some("LATEST"));
    assert_eq!(r.triggers[0].description.as_deref(), Some(""));
    let (q, a) = r.async_invoke_config.unwrap();
    assert_eq!(
        (q.as_str(), a.max_async_retry_attempts, a.destination_config),
        ("prod", Some(1), Some(json!({})))
    );
    let (q, p) = r.provision_config.unwrap();
    assert_eq!(q, "LATEST");
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"defaultTarget": 1, "scheduledActions": [], "targetTrackingPolicies": []})
    );
    assert_eq!(r.vpc_binding, Some(vec!["vpc-1".to_string()]));
    let d = r.custom_domain.unwrap();
    assert_eq!(
        d.domain_name.as_deref(),
        Some("my-fn.fcv3.1234567890.cn-hangzhou.fc.devsapp.net")
    );
    assert_eq!(
        d.route_config,
        Some(json!({"routes": [{"path": "/*", "functionName": "my_fn", "qualifier": "LATEST"}]}))
    );
}

#[test]
fn desired_refuses_unknown_values() {
    let f = fc3(
        json!({"region": "cn-hangzhou", "functionName": "f", "runtime": "nodejs18", "handler": "i.h", "role": UNKNOWN}),
    );
    let ctx = Context {
        account_id: None,
        region: "cn-hangzhou".into(),
    };
    assert_eq!(
        desired::requests(&f, &ctx),
        Err(DesiredError::Unknown {
            path: FieldPath::new(["role"])
        })
    );
}

#[test]
fn legacy_auto_domains_use_the_legacy_name() {
    let f = legacy_function();
    assert_eq!(
        desired::auto_domain_name(&f, Some("1")).as_deref(),
        Some("fn.svc.1.cn-shenzhen.fc.devsapp.net")
    );
}
