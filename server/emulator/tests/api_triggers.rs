//! Triggers (HTTP triggers carry `httpTrigger.urlInternet` pointing back at the emulator),
//! custom domains, and the function-scoped configs (async-invoke, concurrency, provision,
//! scaling), VPC bindings and tags (fc-api.md §5, §13, §7.5).

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req};
use serde_json::{Value, json};

#[tokio::test]
async fn triggers_round_trip() {
    let emu = Emu::start().await;
    emu.create_python("f").await;
    let config = r#"{"authType":"anonymous","methods":["GET","POST"]}"#;
    let created = emu
        .post("/functions/f/triggers", &json!({"triggerName": "web", "triggerType": "http", "triggerConfig": config, "qualifier": "LATEST"}))
        .await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let t = created.json();
    assert_eq!(
        t["triggerConfig"], config,
        "triggerConfig is returned as the string given"
    );
    assert_eq!(
        (&t["qualifier"], &t["description"], &t["status"]),
        (&json!("LATEST"), &json!(""), &json!("Enabled"))
    );
    assert!(t["triggerId"].is_string() && t["createdTime"].is_string());
    assert_eq!(
        t["targetArn"],
        "acs:fc:cn-hangzhou:1000000000000001:functions/f"
    );
    let url = t["httpTrigger"]["urlInternet"].as_str().unwrap();
    assert_eq!(url, format!("http://{}/http/cn-hangzhou/f/web", emu.addr));
    let intranet = t["httpTrigger"]["urlIntranet"].as_str().unwrap();
    assert!(
        intranet.contains("/http/cn-hangzhou-vpc/f/web"),
        "{intranet}"
    );

    emu.post(
        "/functions/f/triggers",
        &json!({"triggerName": "web", "triggerType": "http", "triggerConfig": config}),
    )
    .await
    .assert_error(409, "TriggerAlreadyExists");
    emu.post(
        "/functions/missing/triggers",
        &json!({"triggerName": "web", "triggerType": "http", "triggerConfig": config}),
    )
    .await
    .assert_error(404, "FunctionNotFound");
    for bad in [
        json!({"triggerName": "x", "triggerType": "ftp", "triggerConfig": "{}"}),
        json!({"triggerName": "x", "triggerType": "http", "triggerConfig": {"authType": "anonymous"}}),
        json!({"triggerName": "x", "triggerType": "http", "triggerConfig": "{not json"}),
        json!({"triggerName": "x", "triggerType": "http", "triggerConfig": "{\"methods\":[\"FETCH\"]}"}),
        json!({"triggerName": "x", "triggerType": "timer"}),
        json!({"triggerName": "-x", "triggerType": "timer", "triggerConfig": "{}"}),
    ] {
        emu.post("/functions/f/triggers", &bad)
            .await
            .assert_error(400, "InvalidArgument");
    }
    // Tablestore triggers need no config.
    let ots = emu
        .post("/functions/f/triggers", &json!({"triggerName": "ots", "triggerType": "tablestore", "sourceArn": "acs:ots:cn-hangzhou:1:instance/i/table/t"}))
        .await;
    assert_eq!(ots.status, 200);
    assert!(ots.json().get("httpTrigger").is_none());

    // Update: only description/invocationRole/qualifier/triggerConfig.
    let new_config = r#"{"authType":"function","methods":["GET"]}"#;
    let u = emu
        .put(
            "/functions/f/triggers/web",
            &json!({"triggerConfig": new_config, "description": "d"}),
        )
        .await
        .json();
    assert_eq!(
        (&u["triggerConfig"], &u["description"], &u["triggerType"]),
        (&json!(new_config), &json!("d"), &json!("http"))
    );
    assert_ne!(u["lastModifiedTime"], t["lastModifiedTime"]);
    emu.put(
        "/functions/f/triggers/web",
        &json!({"triggerType": "timer"}),
    )
    .await
    .assert_error(400, "InvalidArgument");
    assert_eq!(
        emu.put("/functions/f/triggers/web", &json!({"triggerType": "http"}))
            .await
            .status,
        200
    );

    let got = emu.get("/functions/f/triggers/web").await.json();
    assert_eq!(got["triggerConfig"], new_config);
    let list = emu.get("/functions/f/triggers").await.json();
    let names: Vec<&str> = list["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["triggerName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ots", "web"]);
    let page = emu
        .send(Req::new("GET", "/functions/f/triggers").query("limit", "1"))
        .await
        .json();
    assert_eq!(page["nextToken"], "web");

    assert_eq!(emu.delete("/functions/f/triggers/web").await.status, 204);
    emu.get("/functions/f/triggers/web")
        .await
        .assert_error(404, "TriggerNotFound");
    emu.delete("/functions/f/triggers/web")
        .await
        .assert_error(404, "TriggerNotFound");
    emu.stop().await;
}

#[tokio::test]
async fn custom_domains_round_trip() {
    let emu = Emu::start().await;
    let body = json!({
        "domainName": "api.example.com",
        "protocol": "HTTP",
        "routeConfig": {"routes": [{"path": "/a/*", "functionName": "f", "qualifier": "LATEST", "methods": ["GET"]}]},
        "certConfig": {"certName": "c", "certificate": "-----BEGIN CERTIFICATE-----", "privateKey": "-----BEGIN PRIVATE KEY-----"},
    });
    let created = emu.post("/custom-domains", &body).await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let d = created.json();
    assert_eq!(
        (&d["domainName"], &d["apiVersion"], &d["accountId"]),
        (
            &json!("api.example.com"),
            &json!("2023-03-30"),
            &json!("1000000000000001")
        )
    );
    assert!(
        d["certConfig"].get("privateKey").is_none(),
        "privateKey is never returned"
    );
    assert_eq!(d["routeConfig"]["routes"][0]["path"], "/a/*");
    emu.post("/custom-domains", &body)
        .await
        .assert_error(409, "DomainNameAlreadyExists");
    emu.get("/custom-domains/other.example.com")
        .await
        .assert_error(404, "DomainNameNotFound");
    emu.post(
        "/custom-domains",
        &json!({"domainName": "x.example.com", "protocol": "FTP"}),
    )
    .await
    .assert_error(400, "InvalidArgument");
    emu.post("/custom-domains", &json!({"domainName": "x.example.com", "routeConfig": {"routes": [{"path": "a", "functionName": "f"}]}}))
        .await
        .assert_error(400, "InvalidArgument");

    // routeConfig is replaced as a whole; other fields stay.
    let u = emu
        .put(
            "/custom-domains/api.example.com",
            &json!({"routeConfig": {"routes": [{"path": "/b", "functionName": "g"}]}}),
        )
        .await
        .json();
    assert_eq!(u["routeConfig"]["routes"].as_array().unwrap().len(), 1);
    assert_eq!(u["routeConfig"]["routes"][0]["functionName"], "g");
    assert_eq!(u["certConfig"]["certName"], "c");
    assert_eq!(u["protocol"], "HTTP");

    emu.post("/custom-domains", &json!({"domainName": "b.example.com"}))
        .await;
    let list = emu.get("/custom-domains").await.json();
    assert_eq!(list["customDomains"].as_array().unwrap().len(), 2);
    let page = emu
        .send(Req::new("GET", "/custom-domains").query("limit", "1"))
        .await
        .json();
    assert_eq!(page["customDomains"][0]["domainName"], "api.example.com");
    assert_eq!(page["nextToken"], "b.example.com");
    assert_eq!(
        emu.delete("/custom-domains/api.example.com").await.status,
        204
    );
    emu.delete("/custom-domains/api.example.com")
        .await
        .assert_error(404, "DomainNameNotFound");
    emu.stop().await;
}

#[tokio::test]
async fn configs_round_trip() {
    let emu = Emu::start().await;
    emu.create_python("f").await;
    emu.create_python("g").await;

    // Async-invoke config: 404 until put; defaults filled on read; keyed by qualifier.
    emu.get("/functions/f/async-invoke-config")
        .await
        .assert_error(404, "AsyncConfigNotExists");
    let a = emu
        .put(
            "/functions/f/async-invoke-config",
            &json!({"maxAsyncRetryAttempts": 1, "destinationConfig": {}}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.json());
    let a = a.json();
    assert_eq!(
        (&a["maxAsyncRetryAttempts"], &a["maxAsyncEventAgeInSeconds"]),
        (&json!(1), &json!(86400))
    );
    assert_eq!(
        a["functionArn"],
        "acs:fc:cn-hangzhou:1000000000000001:functions/f"
    );
    assert!(a["createdTime"].is_string());
    emu.put(
        "/functions/f/async-invoke-config",
        &json!({"maxAsyncRetryAttempts": 9}),
    )
    .await
    .assert_error(400, "InvalidArgument");
    let got = emu
        .send(Req::new("GET", "/functions/f/async-invoke-config").query("qualifier", "LATEST"))
        .await
        .json();
    assert_eq!(got["maxAsyncRetryAttempts"], 1);
    emu.send(
        Req::new("PUT", "/functions/f/async-invoke-config")
            .query("qualifier", "prod")
            .json(&json!({})),
    )
    .await
    .assert_error(404, "AliasNotFound");
    emu.put("/functions/g/async-invoke-config", &json!({}))
        .await;
    let list = emu.get("/async-invoke-configs").await.json();
    assert_eq!(list["configs"].as_array().unwrap().len(), 2);
    let only = emu
        .send(Req::new("GET", "/async-invoke-configs").query("functionName", "g"))
        .await
        .json();
    assert_eq!(only["configs"].as_array().unwrap().len(), 1);
    assert_eq!(
        emu.delete("/functions/f/async-invoke-config").await.status,
        204
    );
    emu.get("/functions/f/async-invoke-config")
        .await
        .assert_error(404, "AsyncConfigNotExists");

    // Concurrency.
    emu.get("/functions/f/concurrency")
        .await
        .assert_error(404, "ConcurrencyConfigNotFound");
    let c = emu
        .put(
            "/functions/f/concurrency",
            &json!({"reservedConcurrency": 5}),
        )
        .await
        .json();
    assert_eq!(
        c,
        json!({"functionArn": "acs:fc:cn-hangzhou:1000000000000001:functions/f", "reservedConcurrency": 5})
    );
    emu.put("/functions/f/concurrency", &json!({}))
        .await
        .assert_error(400, "InvalidArgument");
    assert_eq!(
        emu.get("/concurrency-configs").await.json()["configs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(emu.delete("/functions/f/concurrency").await.status, 204);

    // Provision: 200 {} when none; current counts the pre-warmed instances that are up (python
    // runs here: they start in the background); target tracking needs metrics.
    assert_eq!(
        emu.get("/functions/f/provision-config").await.json(),
        json!({})
    );
    let p = emu
        .put(
            "/functions/f/provision-config",
            &json!({"defaultTarget": 2, "scheduledActions": [], "targetTrackingPolicies": []}),
        )
        .await
        .json();
    assert_eq!(
        (&p["defaultTarget"], &p["target"], &p["alwaysAllocateCPU"]),
        (&json!(2), &json!(2), &json!(true))
    );
    assert!(p["current"].as_i64().unwrap() <= 2, "{p}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let p = emu.get("/functions/f/provision-config").await.json();
        if p["current"] == json!(2) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never pre-warmed: {p}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    emu.put(
        "/functions/f/provision-config",
        &json!({"defaultTarget": 20000}),
    )
    .await
    .assert_error(400, "InvalidArgument");
    emu.put(
        "/functions/f/provision-config",
        &json!({"defaultTarget": 1, "targetTrackingPolicies": [{"name": "p", "metricType": "CPUUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 2}]}),
    )
    .await
    .assert_error(400, "InstanceMetricsRequired");
    assert_eq!(
        emu.get("/provision-configs").await.json()["provisionConfigs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A provision target blocks DeleteFunction and a scaling config.
    emu.delete("/functions/f")
        .await
        .assert_error(409, "ProvisionConfigExist");
    emu.put("/functions/f/scaling-config", &json!({"minInstances": 1}))
        .await
        .assert_error(409, "ProvisionConfigExist");
    assert_eq!(
        emu.delete("/functions/f/provision-config").await.status,
        204
    );
    assert_eq!(
        emu.get("/functions/f/provision-config").await.json(),
        json!({})
    );

    // Scaling.
    assert_eq!(
        emu.get("/functions/f/scaling-config").await.json(),
        json!({})
    );
    let s = emu
        .put(
            "/functions/f/scaling-config",
            &json!({"minInstances": 2, "horizontalScalingPolicies": [], "scheduledPolicies": []}),
        )
        .await
        .json();
    assert_eq!(
        (
            &s["minInstances"],
            &s["currentInstances"],
            &s["targetInstances"]
        ),
        (&json!(2), &json!(2), &json!(2))
    );
    emu.put(
        "/functions/f/provision-config",
        &json!({"defaultTarget": 1}),
    )
    .await
    .assert_error(409, "ResidentScalingConfigExists");
    assert_eq!(
        emu.get("/scaling-configs").await.json()["scalingConfigs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(emu.delete("/functions/f/scaling-config").await.status, 204);

    // VPC bindings.
    assert_eq!(
        emu.post("/functions/f/vpc-bindings", &json!({"vpcId": "vpc-1"}))
            .await
            .status,
        204
    );
    assert_eq!(
        emu.get("/functions/f/vpc-bindings").await.json(),
        json!({"vpcIds": ["vpc-1"]})
    );
    assert_eq!(
        emu.delete("/functions/f/vpc-bindings/vpc-1").await.status,
        204
    );
    assert_eq!(
        emu.get("/functions/f/vpc-bindings").await.json(),
        json!({"vpcIds": []})
    );

    // Tags on the function ARN.
    let arn = "acs:fc:cn-hangzhou:1000000000000001:functions/f";
    let tagged = emu
        .post("/tags-v2", &json!({"ResourceId": [arn], "ResourceType": "FUNCTION", "Tag": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}]}))
        .await;
    assert_eq!(
        tagged.status,
        204,
        "{}",
        String::from_utf8_lossy(&tagged.body)
    );
    let f = emu.get("/functions/f").await.json();
    assert_eq!(f["tags"].as_array().unwrap().len(), 2);
    let listed = emu
        .send(
            Req::new("GET", "/tags-v2")
                .query("ResourceId", &json!([arn]).to_string())
                .query("ResourceType", "function"),
        )
        .await
        .json();
    assert_eq!(listed["TagResources"].as_array().unwrap().len(), 2);
    assert_eq!(listed["TagResources"][0]["ResourceId"], arn);
    let untag = emu
        .send(
            Req::new("DELETE", "/tags-v2")
                .query("ResourceId", &json!([arn]).to_string())
                .query("ResourceType", "function")
                .query("TagKey", r#"["env"]"#),
        )
        .await;
    assert_eq!(untag.status, 204);
    let f = emu.get("/functions/f").await.json();
    assert_eq!(f["tags"], json!([{"Key": "team", "Value": "a"}]));
    let all = emu
        .send(
            Req::new("DELETE", "/tags-v2")
                .query("ResourceId", &json!([arn]).to_string())
                .query("All", "True"),
        )
        .await;
    assert_eq!(all.status, 204);
    assert_eq!(
        emu.get("/functions/f").await.json()["tags"],
        Value::Array(vec![])
    );
    emu.post(
        "/tags-v2",
        &json!({"ResourceId": [arn], "Tag": [{"Key": "aliyun:x", "Value": "v"}]}),
    )
    .await
    .assert_error(400, "InvalidArgument");

    // Deleting a function removes its configs.
    emu.put(
        "/functions/g/concurrency",
        &json!({"reservedConcurrency": 1}),
    )
    .await;
    assert_eq!(emu.delete("/functions/g").await.status, 204);
    assert_eq!(
        emu.get("/concurrency-configs").await.json()["configs"],
        json!([])
    );
    emu.stop().await;
}
