//! The normalisation and comparison rules one by one (serverless-devs.md §2.1.3, §2.5; fc-api.md
//! §4.4, §5.5, §13), each with a small file-side props object and a remote snapshot.
#![allow(clippy::unwrap_used)]

use fc::types::{CustomDomain, Function, ProvisionConfig, Trigger};
use ops::local::{Dialect, LocalFunction, UNKNOWN};
use ops::normalize::{self, Comparison, Context, FieldDiff, LocalView};
use ops::path::FieldPath;
use ops::snapshot::{Fetched, RemoteSnapshot};
use serde_json::{Value as Json, json};

const ACCOUNT: &str = "1234567890";

fn ctx() -> Context {
    Context {
        account_id: Some(ACCOUNT.into()),
        region: "cn-hangzhou".into(),
    }
}

fn fc3(props: Json) -> LocalFunction {
    let mut props = props.as_object().unwrap().clone();
    props.entry("region").or_insert(json!("cn-hangzhou"));
    props.entry("functionName").or_insert(json!("f"));
    props.entry("runtime").or_insert(json!("python3.10"));
    props.entry("handler").or_insert(json!("index.handler"));
    props.entry("code").or_insert(json!("./code"));
    LocalFunction {
        resource: "f".into(),
        function_name: props["functionName"].as_str().unwrap().into(),
        region: "cn-hangzhou".into(),
        dialect: Dialect::Fc3,
        props,
        code_path: None,
        endpoint: None,
        access: None,
        key_range: None,
    }
}

/// What the service returns for a function created from `props` alone (the emulator's read
/// defaults), with `extra` members merged in.
fn remote_function(extra: Json) -> Function {
    let mut base = json!({
        "functionName": "f", "runtime": "python3.10", "handler": "index.handler",
        "description": "", "role": "", "timeout": 3, "memorySize": 512, "cpu": 0.35,
        "diskSize": 512, "internetAccess": true, "instanceIsolationMode": "SHARE",
        "sessionAffinity": "NONE", "disableOndemand": false, "tags": [],
        "functionArn": "acs:fc:cn-hangzhou:1234567890:functions/f", "codeChecksum": "1",
        "codeSize": 10, "state": "Active", "lastUpdateStatus": "Successful",
        "createdTime": "2024-01-01T00:00:00Z", "lastModifiedTime": "2024-01-01T00:00:00Z",
        "environmentVariables": {}, "layers": [],
        "vpcConfig": {"vpcId": "", "vSwitchIds": [], "securityGroupId": ""},
        "logConfig": {"project": "", "logstore": "", "enableRequestMetrics": false, "enableInstanceMetrics": false, "logBeginRule": "None"},
        "nasConfig": {"userId": 0, "groupId": 0, "mountPoints": []},
        "ossMountConfig": {"mountPoints": []}, "tracingConfig": {}
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    serde_json::from_value(base).unwrap()
}

fn snapshot(extra: Json) -> RemoteSnapshot {
    RemoteSnapshot {
        function: Some(remote_function(extra)),
        concurrency_config: Fetched::Absent,
        scaling_config: Fetched::Absent,
        vpc_binding: Fetched::Present(Vec::new()),
        ..RemoteSnapshot::default()
    }
}

fn run(props: Json, remote: &RemoteSnapshot) -> (LocalView, Comparison) {
    let local = normalize::local(&fc3(props), &ctx());
    let view = normalize::remote(remote, &ctx()).unwrap();
    let comparison = normalize::compare(&local, &view);
    (local, comparison)
}

fn paths(c: &Comparison) -> Vec<String> {
    c.diffs.iter().map(|d| d.path.dotted()).collect()
}

fn unmanaged(c: &Comparison) -> Vec<String> {
    c.unmanaged.iter().map(|(p, _)| p.dotted()).collect()
}

fn trigger(name: &str, kind: &str, config: Json) -> Trigger {
    Trigger {
        trigger_name: Some(name.into()),
        trigger_type: Some(kind.into()),
        trigger_config: Some(config.to_string()),
        qualifier: Some("LATEST".into()),
        description: Some(String::new()),
        trigger_id: Some("id".into()),
        created_time: Some("t".into()),
        http_trigger: Some(json!({"urlInternet": "https://x"})),
        ..Trigger::default()
    }
}

#[test]
fn a_function_created_from_the_defaults_is_in_sync() {
    let (local, c) = run(json!({}), &snapshot(json!({})));
    assert_eq!(c, Comparison::default());
    // L3, L4: the defaults fc3 applies are declared paths.
    assert_eq!(local.view["memorySize"], json!(512));
    assert_eq!(local.view["cpu"], json!(0.35));
    assert_eq!(local.view["diskSize"], json!(512));
    assert_eq!(local.view["timeout"], json!(3));
    assert_eq!(local.view["internetAccess"], json!(true));
    // L9: code, region, functionName are not compared.
    for key in ["code", "region", "functionName", "description"] {
        assert!(!local.view.contains_key(key), "{key}");
    }
}

#[test]
fn defaults_depend_on_runtime_and_memory() {
    let custom = normalize::local(
        &fc3(json!({"runtime": "custom.debian10", "memorySize": 1024})),
        &ctx(),
    );
    assert_eq!(custom.view["instanceConcurrency"], json!(1));
    assert!(!custom.view.contains_key("cpu"));
    assert!(!custom.view.contains_key("diskSize"));
    let builtin = normalize::local(&fc3(json!({"memorySize": 512, "diskSize": 10240})), &ctx());
    assert!(!builtin.view.contains_key("instanceConcurrency"));
    assert!(!builtin.view.contains_key("cpu"));
}

#[test]
fn env_values_are_stringified_like_js() {
    let (local, c) = run(
        json!({"environmentVariables": {"A": 1, "B": true, "C": 1.5, "D": "x"}}),
        &snapshot(json!({"environmentVariables": {"A": "1", "B": "true", "C": "1.5", "D": "x"}})),
    );
    assert_eq!(
        local.view["environmentVariables"],
        json!({"A": "1", "B": "true", "C": "1.5", "D": "x"})
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
}

#[test]
fn remote_only_env_var_is_a_difference_with_no_local_value() {
    let (_, c) = run(
        json!({"environmentVariables": {"A": "1"}}),
        &snapshot(json!({"environmentVariables": {"A": "1", "X": "console"}})),
    );
    assert_eq!(
        c.diffs,
        vec![FieldDiff {
            path: FieldPath::new(["environmentVariables", "X"]),
            local: None,
            other: Some(json!("console")),
        }]
    );
}

#[test]
fn env_var_changed_and_empty_values_differ() {
    let (_, c) = run(
        json!({"environmentVariables": {"A": "1", "E": ""}}),
        &snapshot(json!({"environmentVariables": {"A": "2"}})),
    );
    assert_eq!(
        paths(&c),
        ["environmentVariables.A", "environmentVariables.E"]
    );
}

#[test]
fn roles_are_completed_lower_cased_and_compared_case_insensitively() {
    let (local, c) = run(
        json!({"role": "MyRole"}),
        &snapshot(json!({"role": "acs:ram::1234567890:role/MYROLE"})),
    );
    assert_eq!(local.view["role"], json!("acs:ram::1234567890:role/myrole"));
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    let (_, c) = run(
        json!({"role": "acs:ram::1234567890:role/a"}),
        &snapshot(json!({"role": "acs:ram::1234567890:role/b"})),
    );
    assert_eq!(paths(&c), ["role"]);
    // No role in the file: deploy clears the remote one.
    let (_, c) = run(json!({}), &snapshot(json!({"role": "acs:ram::1:role/x"})));
    assert_eq!(
        c.diffs,
        vec![FieldDiff {
            path: FieldPath::new(["role"]),
            local: None,
            other: Some(json!("acs:ram::1:role/x"))
        }]
    );
}

#[test]
fn role_without_account_matches_by_name() {
    let local = normalize::local(
        &fc3(json!({"role": "MyRole"})),
        &Context {
            account_id: None,
            region: "cn-hangzhou".into(),
        },
    );
    assert_eq!(local.view["role"], json!("myrole"));
    let view =
        normalize::remote(&snapshot(json!({"role": "acs:ram::9:role/myrole"})), &ctx()).unwrap();
    assert!(normalize::compare(&local, &view).diffs.is_empty());
}

#[test]
fn layers_read_as_objects_compare_with_arns_in_order() {
    let a = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2";
    let b = "acs:fc:cn-hangzhou:1:layers/x/versions/1";
    let (_, c) = run(
        json!({"layers": [a, b]}),
        &snapshot(json!({"layers": [{"arn": a, "size": 1}, {"arn": b, "size": 2}]})),
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    let (_, c) = run(
        json!({"layers": [a, b]}),
        &snapshot(json!({"layers": [{"arn": b, "size": 2}, {"arn": a, "size": 1}]})),
    );
    assert_eq!(paths(&c), ["layers"]);
    let (_, c) = run(
        json!({}),
        &snapshot(json!({"layers": [{"arn": a, "size": 1}]})),
    );
    assert_eq!(
        c.diffs,
        vec![FieldDiff {
            path: FieldPath::new(["layers"]),
            local: None,
            other: Some(json!([a]))
        }]
    );
}

#[test]
fn auto_matches_a_concrete_value_and_differs_from_none() {
    let vpc = json!({"vpcId": "vpc-1", "vSwitchIds": ["vsw-1"], "securityGroupId": "sg-1"});
    let (local, c) = run(
        json!({"vpcConfig": "auto"}),
        &snapshot(json!({"vpcConfig": vpc})),
    );
    assert_eq!(local.auto, vec![FieldPath::new(["vpcConfig"])]);
    assert_eq!(c, Comparison::default());
    let (_, c) = run(json!({"vpcConfig": "auto"}), &snapshot(json!({})));
    assert_eq!(
        c.diffs,
        vec![FieldDiff {
            path: FieldPath::new(["vpcConfig"]),
            local: Some(json!("auto")),
            other: None
        }]
    );
    // `Auto|k=v` forms, and per-field autos.
    let (local, c) = run(
        json!({"logConfig": "Auto|enableRequestMetrics=false", "vpcConfig": {"vpcId": "vpc-1", "vSwitchIds": "auto", "securityGroupId": "AUTO"}}),
        &snapshot(json!({"vpcConfig": vpc, "logConfig": {"project": "p", "logstore": "l"}})),
    );
    assert_eq!(
        local.auto,
        vec![
            FieldPath::new(["logConfig"]),
            FieldPath::new(["vpcConfig", "securityGroupId"]),
            FieldPath::new(["vpcConfig", "vSwitchIds"])
        ]
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
}

#[test]
fn nas_auto_makes_the_vpc_auto_and_oss_mounts_make_the_role_auto() {
    let local = normalize::local(
        &fc3(json!({"nasConfig": "auto|mountDir=/mnt/x", "ossMountConfig": "auto"})),
        &ctx(),
    );
    let auto: Vec<String> = local.auto.iter().map(FieldPath::dotted).collect();
    assert_eq!(auto, ["nasConfig", "ossMountConfig", "role", "vpcConfig"]);
}

#[test]
fn unknown_values_are_never_compared() {
    let (local, c) = run(
        json!({"description": UNKNOWN, "environmentVariables": {"K": UNKNOWN, "A": "1"}, "layers": [UNKNOWN]}),
        &snapshot(
            json!({"description": "live", "environmentVariables": {"K": "secret", "A": "1"}, "layers": [{"arn": "acs:fc:x:1:layers/a/versions/1"}]}),
        ),
    );
    let unknown: Vec<String> = local.unknown.iter().map(FieldPath::dotted).collect();
    assert_eq!(unknown, ["description", "environmentVariables.K", "layers"]);
    assert_eq!(c, Comparison::default());
}

#[test]
fn derived_cpu_is_unmanaged_when_memory_is_not_512() {
    let (_, c) = run(
        json!({"memorySize": 1024}),
        &snapshot(json!({"memorySize": 1024, "cpu": 0.5, "diskSize": 512})),
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    assert_eq!(c.unmanaged, vec![(FieldPath::new(["cpu"]), json!(0.5))]);
}

#[test]
fn server_defaults_and_server_fields_are_not_differences() {
    let (_, c) = run(
        json!({"runtime": "custom", "customRuntimeConfig": {"command": ["python"]}}),
        &snapshot(json!({"runtime": "custom", "instanceConcurrency": 1,
            "customRuntimeConfig": {"command": ["python"], "args": [], "port": 9000,
                "healthCheckConfig": {"periodSeconds": 3, "timeoutSeconds": 1}},
            "stateReason": "", "lockInfo": null, "invocationRestriction": {"disable": false}})),
    );
    assert_eq!(c, Comparison::default());
    // A non-default port only the remote has is cleared (the block is replaced wholesale).
    let (_, c) = run(
        json!({"runtime": "custom", "customRuntimeConfig": {"command": ["python"]}}),
        &snapshot(
            json!({"runtime": "custom", "instanceConcurrency": 1, "customRuntimeConfig": {"command": ["python"], "args": ["-u"], "port": 8080}}),
        ),
    );
    assert_eq!(
        paths(&c),
        ["customRuntimeConfig.args", "customRuntimeConfig.port"]
    );
}

#[test]
fn numbers_compare_by_value() {
    let p = FieldPath::new(["memorySize"]);
    assert!(normalize::same_value(
        &p,
        Some(&json!(512)),
        Some(&json!(512.0))
    ));
    let p = FieldPath::new(["cpu"]);
    assert!(normalize::same_value(
        &p,
        Some(&json!(0.35)),
        Some(&json!(0.35000000000001))
    ));
    assert!(!normalize::same_value(
        &p,
        Some(&json!(0.35)),
        Some(&json!(0.4))
    ));
    // Absent ≡ the server default.
    assert!(normalize::same_value(
        &FieldPath::new(["timeout"]),
        None,
        Some(&json!(3))
    ));
    assert!(!normalize::same_value(
        &FieldPath::new(["timeout"]),
        None,
        Some(&json!(4))
    ));
}

#[test]
fn hashed_env_values_compare_through_the_hash() {
    let p = FieldPath::new(["environmentVariables", "A"]);
    let hashed = json!(normalize::hash_value("secret"));
    assert!(normalize::same_value(
        &p,
        Some(&json!("secret")),
        Some(&hashed)
    ));
    assert!(normalize::same_value(
        &p,
        Some(&hashed),
        Some(&json!("secret"))
    ));
    assert!(!normalize::same_value(
        &p,
        Some(&hashed),
        Some(&json!("other"))
    ));
}

#[test]
fn remote_only_trigger_is_unmanaged_and_http_methods_are_a_set() {
    let mut remote = snapshot(json!({}));
    remote.triggers = vec![
        trigger(
            "http",
            "http",
            json!({"authType": "anonymous", "methods": ["post", "GET"], "disableURLInternet": false, "authConfig": null}),
        ),
        trigger(
            "console",
            "timer",
            json!({"cronExpression": "@every 1m", "enable": true}),
        ),
    ];
    let (_, c) = run(
        json!({"triggers": [{"triggerName": "http", "triggerType": "http", "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}}]}),
        &remote,
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    assert_eq!(unmanaged(&c), ["triggers.console"]);
    let (_, c) = run(
        json!({"triggers": [{"triggerName": "http", "triggerType": "http", "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}}]}),
        &remote,
    );
    assert_eq!(paths(&c), ["triggers.http.triggerConfig.methods"]);
}

#[test]
fn trigger_config_nulls_and_server_fields_are_dropped() {
    let mut remote = snapshot(json!({}));
    let mut t = trigger(
        "log",
        "log",
        json!({"sourceConfig": {"logstore": "a", "startTime": null}, "enable": true, "functionParameter": null}),
    );
    t.extra.insert("status".into(), json!("Enabled"));
    t.extra.insert("targetArn".into(), json!("acs:fc:…"));
    t.source_arn = Some("acs:log:cn-hangzhou:1:project/p".into());
    t.invocation_role = Some("acs:ram::1234567890:role/AliyunLogETLRole".into());
    remote.triggers = vec![t];
    let (_, c) = run(
        json!({"triggers": [{"triggerName": "log", "triggerType": "log", "sourceArn": "acs:log:cn-hangzhou:1:project/p",
            "invocationRole": "AliyunLogETLRole", "triggerConfig": {"sourceConfig": {"logstore": "a"}, "enable": true}}]}),
        &remote,
    );
    assert_eq!(c, Comparison::default());
}

#[test]
fn jwt_lists_become_fc3_strings() {
    let local = normalize::local(
        &fc3(
            json!({"triggers": [{"triggerName": "h", "triggerType": "http", "triggerConfig": {"authType": "jwt", "methods": ["get"],
            "authConfig": {"jwks": {"keys": []},
                "tokenLookup": [{"readPosition": "header", "parameterName": "Authorization", "prefix": "Bearer"}, {"readPosition": "cookie", "parameterName": "token"}],
                "claimPassBy": [{"claimName": "uid", "mappingParameterName": "x-uid", "mappingParameterPosition": "header"}]}}}]}),
        ),
        &ctx(),
    );
    let config = &local.view["triggers"]["h"]["triggerConfig"];
    assert_eq!(
        config["authConfig"]["tokenLookup"],
        json!("header:Authorization:Bearer,cookie:token")
    );
    assert_eq!(
        config["authConfig"]["claimPassBy"],
        json!("header:uid:x-uid")
    );
    assert_eq!(config["methods"], json!(["GET"]));
    assert_eq!(local.view["triggers"]["h"]["qualifier"], json!("LATEST"));
    let local = normalize::local(
        &fc3(
            json!({"triggers": [{"triggerName": "h", "triggerType": "http", "triggerConfig": {"authType": "jwt", "authConfig": {"tokenLookup": "header:a"}}}]}),
        ),
        &ctx(),
    );
    assert_eq!(
        local.view["triggers"]["h"]["triggerConfig"]["authConfig"]["claimPassBy"],
        json!("query::")
    );
}

#[test]
fn provision_target_and_default_target() {
    let mut remote = snapshot(json!({}));
    remote.provision_config = Fetched::Present(ProvisionConfig {
        default_target: Some(2),
        target: Some(0),
        always_allocate_cpu: Some(true),
        always_allocate_gpu: Some(true),
        scheduled_actions: Some(vec![]),
        target_tracking_policies: Some(vec![]),
        current: Some(0),
        function_arn: Some("arn".into()),
        ..ProvisionConfig::default()
    });
    // `target` is the older spelling of `defaultTarget`; `mode` and `qualifier` are local only.
    let (_, c) = run(
        json!({"provisionConfig": {"target": 2, "mode": "sync", "qualifier": "LATEST"}}),
        &remote,
    );
    assert_eq!(c, Comparison::default());
    let (_, c) = run(json!({"provisionConfig": {"defaultTarget": 3}}), &remote);
    assert_eq!(paths(&c), ["provisionConfig.defaultTarget"]);
    // A remote-only provision config is kept by deploy.
    let (_, c) = run(json!({}), &remote);
    assert_eq!(unmanaged(&c), ["provisionConfig"]);
}

#[test]
fn deploy_deletes_remote_concurrency_scaling_and_vpc_bindings() {
    let mut remote = snapshot(json!({}));
    remote.concurrency_config = Fetched::Present(
        serde_json::from_value(json!({"reservedConcurrency": 5, "functionArn": "a"})).unwrap(),
    );
    remote.scaling_config = Fetched::Present(
        serde_json::from_value(
            json!({"minInstances": 1, "functionArn": "a", "currentInstances": 1}),
        )
        .unwrap(),
    );
    remote.vpc_binding = Fetched::Present(vec!["vpc-b".into(), "vpc-a".into()]);
    let (_, c) = run(json!({}), &remote);
    assert_eq!(
        paths(&c),
        [
            "concurrencyConfig.reservedConcurrency",
            "scalingConfig.minInstances",
            "vpcBinding.vpcIds"
        ]
    );
    let (_, c) = run(
        json!({"vpcBinding": {"vpcIds": ["vpc-a", "vpc-b"]}, "concurrencyConfig": {"reservedConcurrency": 5}, "scalingConfig": {"minInstances": 1}}),
        &remote,
    );
    assert_eq!(c, Comparison::default());
}

#[test]
fn async_invoke_config_defaults_and_remote_only() {
    let mut remote = snapshot(json!({}));
    remote.async_invoke_config = Fetched::Present(serde_json::from_value(json!({
        "asyncTask": false, "destinationConfig": {}, "maxAsyncEventAgeInSeconds": 86400, "maxAsyncRetryAttempts": 1,
        "functionArn": "a", "createdTime": "t"})).unwrap());
    let (_, c) = run(
        json!({"asyncInvokeConfig": {"maxAsyncRetryAttempts": 1, "qualifier": "LATEST"}}),
        &remote,
    );
    assert_eq!(c, Comparison::default());
    let (_, c) = run(json!({}), &remote);
    assert_eq!(unmanaged(&c), ["asyncInvokeConfig"]);
}

#[test]
fn tags_are_a_set_with_lower_cased_property_names() {
    let remote =
        snapshot(json!({"tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}));
    let (_, c) = run(
        json!({"tags": [{"Key": "a", "Value": "1"}, {"key": "b", "value": "2"}]}),
        &remote,
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    let (_, c) = run(json!({}), &remote);
    assert_eq!(paths(&c), ["tags"]);
}

#[test]
fn session_affinity_config_text_is_parsed() {
    let (_, c) = run(
        json!({"sessionAffinity": "HEADER_FIELD", "sessionAffinityConfig": {"affinityHeaderFieldName": "x", "sessionTTLInSeconds": 60}}),
        &snapshot(
            json!({"sessionAffinity": "HEADER_FIELD", "sessionAffinityConfig": "{\"sessionTTLInSeconds\":60,\"affinityHeaderFieldName\":\"x\"}"}),
        ),
    );
    assert_eq!(c, Comparison::default());
    let (_, c) = run(
        json!({}),
        &snapshot(json!({"sessionAffinity": "GENERATED_COOKIE"})),
    );
    assert_eq!(paths(&c), ["sessionAffinity"]);
}

#[test]
fn remote_only_object_members_are_cleared_unless_defaults() {
    let (_, c) = run(
        json!({"logConfig": {"project": "p", "logstore": "l"}}),
        &snapshot(
            json!({"logConfig": {"project": "p", "logstore": "l", "enableRequestMetrics": true, "enableInstanceMetrics": true, "logBeginRule": "None"}}),
        ),
    );
    assert_eq!(paths(&c), ["logConfig.enableInstanceMetrics"]);
    let (_, c) = run(
        json!({}),
        &snapshot(
            json!({"gpuConfig": {"gpuType": "fc.gpu.tesla.1", "gpuMemorySize": 1024}, "customDNS": {"nameServers": ["1.1.1.1"]}}),
        ),
    );
    assert!(c.diffs.is_empty());
    assert_eq!(unmanaged(&c), ["customDNS", "gpuConfig"]);
}

#[test]
fn lifecycle_hooks() {
    let (_, c) = run(
        json!({"instanceLifecycleConfig": {"initializer": {"handler": "index.init"}}}),
        &snapshot(
            json!({"instanceLifecycleConfig": {"initializer": {"handler": "index.init", "timeout": 3, "command": []}, "preStop": {"handler": "", "command": []}}}),
        ),
    );
    assert_eq!(c, Comparison::default());
    let (_, c) = run(
        json!({}),
        &snapshot(
            json!({"instanceLifecycleConfig": {"preStop": {"handler": "index.stop", "timeout": 10}}}),
        ),
    );
    assert_eq!(
        paths(&c),
        [
            "instanceLifecycleConfig.preStop.handler",
            "instanceLifecycleConfig.preStop.timeout"
        ]
    );
}

#[test]
fn custom_domain_only_this_functions_route() {
    let mut remote = snapshot(json!({}));
    remote.custom_domain = Fetched::Present(CustomDomain {
        domain_name: Some("d.example.com".into()),
        protocol: Some("HTTP,HTTPS".into()),
        route_config: Some(json!({"routes": [
            {"path": "/other", "functionName": "g", "qualifier": "LATEST"},
            {"path": "/old", "functionName": "f", "qualifier": "LATEST"},
            {"path": "/*", "functionName": "f", "methods": ["get", "POST"]}
        ]})),
        cert_config: Some(json!({"certName": "c", "certificate": "-----BEGIN"})),
        extra: serde_json::from_value(
            json!({"accountId": "1", "apiVersion": "2023-03-30", "subdomainCount": "1"}),
        )
        .unwrap(),
        ..CustomDomain::default()
    });
    let (_, c) = run(
        json!({"customDomain": {"domainName": "d.example.com", "protocol": "http", "route": {"path": "/*", "methods": ["POST", "GET"]}}}),
        &remote,
    );
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
    assert_eq!(
        unmanaged(&c),
        ["customDomain.certConfig", "customDomain.otherRoutes"]
    );
    let (local, c) = run(
        json!({"customDomain": {"domainName": "auto", "protocol": "HTTP", "route": {"path": "/*", "qualifier": "prod"}}}),
        &remote,
    );
    assert_eq!(
        local.auto,
        vec![FieldPath::new(["customDomain", "domainName"])]
    );
    assert_eq!(
        paths(&c),
        ["customDomain.route.methods", "customDomain.route.qualifier"]
    );
}

#[test]
fn diffs_are_sorted_by_path() {
    let (_, c) = run(
        json!({"timeout": 10, "memorySize": 1024, "description": "x"}),
        &snapshot(
            json!({"timeout": 3, "memorySize": 512, "description": "y", "environmentVariables": {"B": "1", "A": "1"}}),
        ),
    );
    assert_eq!(
        paths(&c),
        [
            "description",
            "environmentVariables.A",
            "environmentVariables.B",
            "memorySize",
            "timeout"
        ]
    );
}

#[test]
fn remote_view_of_a_missing_function_is_none() {
    assert_eq!(normalize::remote(&RemoteSnapshot::default(), &ctx()), None);
}
