//! Functions through the emulator's API: the create/get/update/list/delete round trip with the
//! wire shapes of fc-api.md §4 (codeSize/codeChecksum from an uploaded zip built with
//! `fc::package`), partial updates and clearing, 404/409, validation errors, pagination over 25
//! functions, GetFunctionCode and its download, legacy `service$function` names.

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req, python_function, zip_of};
use serde_json::json;

#[tokio::test]
async fn function_round_trip_with_wire_shapes() {
    let emu = Emu::start().await;
    let (zip, b64) = zip_of(&[("index.py", "def handler(e, c):\n    return e\n")]);
    let body = json!({
        "functionName": "hello",
        "runtime": "python3.10",
        "handler": "index.handler",
        "memorySize": 512,
        "timeout": 10,
        "description": "first",
        "environmentVariables": {"A": "1", "B": "ü"},
        "code": {"zipFile": b64, "checksum": fc::crc64::checksum_decimal(&zip)},
        "tags": [{"Key": "team", "Value": "x"}],
    });
    let created = emu.post("/functions", &body).await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    assert!(created.header("x-fc-request-id").is_some());
    assert_eq!(
        created.header("x-fc-request-id"),
        created.header("x-acs-request-id")
    );
    assert!(
        created
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let f = created.json();
    assert_eq!(f["functionName"], "hello");
    assert_eq!(f["codeSize"], zip.len());
    assert_eq!(f["codeChecksum"], fc::crc64::checksum_decimal(&zip));
    assert_eq!(
        f["functionArn"],
        "acs:fc:cn-hangzhou:1000000000000001:functions/hello"
    );
    assert!(uuid::Uuid::parse_str(f["functionId"].as_str().unwrap()).is_ok());
    for key in ["createdTime", "lastModifiedTime"] {
        let t = f[key].as_str().unwrap();
        assert!(
            t.ends_with('Z') && t.len() >= 20 && t.as_bytes()[10] == b'T',
            "{t}"
        );
    }
    assert!(f.get("code").is_none());
    // Defaults on read; never-sent fields absent.
    assert_eq!(
        (
            &f["internetAccess"],
            &f["role"],
            &f["instanceIsolationMode"],
            &f["sessionAffinity"],
            &f["disableOndemand"]
        ),
        (
            &json!(true),
            &json!(""),
            &json!("SHARE"),
            &json!("NONE"),
            &json!(false)
        )
    );
    assert!(
        f.get("cpu").is_none()
            && f.get("diskSize").is_none()
            && f.get("instanceConcurrency").is_none()
    );
    assert_eq!(f["tags"], json!([{"Key": "team", "Value": "x"}]));
    assert_eq!(f["environmentVariables"]["B"], "ü");

    let got = emu.get("/functions/hello").await;
    assert_eq!(got.status, 200);
    let g = got.json();
    assert_eq!(
        (
            &g["runtime"],
            &g["handler"],
            &g["memorySize"],
            &g["timeout"]
        ),
        (
            &json!("python3.10"),
            &json!("index.handler"),
            &json!(512),
            &json!(10)
        )
    );
    assert_eq!(g["codeChecksum"], f["codeChecksum"]);

    // Partial update: only what is sent changes; present keys replace wholesale.
    let updated = emu
        .put("/functions/hello", &json!({"memorySize": 1024, "environmentVariables": {"C": "3"}, "vpcConfig": {"vpcId": "", "vSwitchIds": [], "securityGroupId": ""}}))
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.json());
    let u = updated.json();
    assert_eq!(
        (&u["memorySize"], &u["description"], &u["timeout"]),
        (&json!(1024), &json!("first"), &json!(10))
    );
    assert_eq!(u["environmentVariables"], json!({"C": "3"}));
    assert_eq!(
        u["vpcConfig"],
        json!({"vpcId": "", "vSwitchIds": [], "securityGroupId": ""})
    );
    assert_ne!(u["lastModifiedTime"], f["lastModifiedTime"]);
    assert_eq!(u["createdTime"], f["createdTime"]);
    assert_eq!(
        u["codeChecksum"], f["codeChecksum"],
        "code unchanged when not sent"
    );

    // New code changes the checksum.
    let (zip2, b64_2) = zip_of(&[("index.py", "def handler(e, c):\n    return b'2'\n")]);
    let u2 = emu
        .put("/functions/hello", &json!({"code": {"zipFile": b64_2}}))
        .await
        .json();
    assert_eq!(u2["codeChecksum"], fc::crc64::checksum_decimal(&zip2));
    assert_eq!(u2["codeSize"], zip2.len());
    assert_eq!(u2["memorySize"], 1024);

    // GetFunctionCode: a URL served by the emulator.
    let code = emu.get("/functions/hello/code").await.json();
    assert_eq!(code["checksum"], fc::crc64::checksum_decimal(&zip2));
    let url = code["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("http://{}/", emu.addr)), "{url}");
    let downloaded = emu
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(downloaded.as_ref(), zip2.as_slice());

    // 409 on a second create, 404 after delete.
    emu.post("/functions", &body)
        .await
        .assert_error(409, "FunctionAlreadyExists");
    let deleted = emu.delete("/functions/hello").await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.header("x-fc-request-id").is_some());
    emu.get("/functions/hello")
        .await
        .assert_error(404, "FunctionNotFound");
    emu.delete("/functions/hello")
        .await
        .assert_error(404, "FunctionNotFound");
    emu.put("/functions/hello", &json!({"memorySize": 256}))
        .await
        .assert_error(404, "FunctionNotFound");
    emu.stop().await;
}

#[tokio::test]
async fn validation_errors_are_invalid_argument() {
    let emu = Emu::start().await;
    let base = python_function("v");
    let with = |patch: serde_json::Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases = [
        json!({"memorySize": 100}),
        json!({"memorySize": 200}),
        json!({"memorySize": 40000}),
        json!({"cpu": 0.07}),
        json!({"cpu": 4, "memorySize": 1024}),
        json!({"timeout": 0}),
        json!({"timeout": 86401}),
        json!({"diskSize": 1024}),
        json!({"instanceConcurrency": 2}),
        json!({"handler": null}),
        json!({"handler": ""}),
        json!({"runtime": "cobol"}),
        json!({"code": null}),
        json!({"code": {"zipFile": "not base64!"}}),
        json!({"code": {"zipFile": "aGVsbG8="}}),
        json!({"code": {"zipFile": base["code"]["zipFile"], "checksum": "1"}}),
        json!({"code": {"ossBucketName": "b", "ossObjectName": "o"}}),
        json!({"functionName": "1abc"}),
        json!({"functionName": "a b"}),
        json!({"memorySize": "512"}),
        json!({"instanceLifecycleConfig": {"initializer": {"handler": "i.init", "command": ["x"]}}}),
        json!({"layers": ["not-an-arn"]}),
    ];
    for case in cases {
        let r = emu.post("/functions", &with(case.clone())).await;
        let body = r.assert_error(400, "InvalidArgument");
        assert!(!body["Message"].as_str().unwrap().is_empty(), "{case}");
    }
    // Handler required message as FC words it.
    let r = emu
        .post("/functions", &with(json!({"handler": null})))
        .await;
    assert_eq!(r.json()["Message"], "Handler is required but not provided");
    // Valid edge cases.
    for (i, ok) in [
        json!({"memorySize": 128, "cpu": 0.05}),
        json!({"memorySize": 32768, "cpu": 16, "diskSize": 10240, "timeout": 86400}),
        json!({"runtime": "custom.debian10", "instanceConcurrency": 200}),
        json!({"unknownField": {"x": 1}}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut b = with(ok.clone());
        b["functionName"] = json!(format!("ok{i}"));
        let r = emu.post("/functions", &b).await;
        assert_eq!(r.status, 200, "{ok}: {:?}", r.json());
        assert!(r.json().get("unknownField").is_none());
    }
    // Legacy service$function names (percent-encoded on the wire).
    let mut legacy = base.clone();
    legacy["functionName"] = json!("svc$fn");
    assert_eq!(emu.post("/functions", &legacy).await.status, 200);
    let got = emu.get("/functions/svc%24fn").await.json();
    assert_eq!(got["functionName"], "svc$fn");
    let v2 = emu
        .send(Req::new("GET", "/functions").query("fcVersion", "v2"))
        .await
        .json();
    assert_eq!(v2["functions"].as_array().unwrap().len(), 1);
    // Updates are validated on the merged result.
    emu.put("/functions/ok0", &json!({"memorySize": 1024}))
        .await
        .assert_error(400, "InvalidArgument");
    emu.stop().await;
}

#[tokio::test]
async fn list_pages_over_25_functions() {
    let emu = Emu::start().await;
    for i in 0..25 {
        emu.create_python(&format!("page-{i:02}")).await;
    }
    emu.create_python("other").await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = Req::new("GET", "/functions")
            .query("prefix", "page-")
            .query("limit", "10");
        if let Some(t) = &token {
            req = req.query("nextToken", t);
        }
        let page = emu.send(req).await.json();
        let functions = page["functions"].as_array().unwrap();
        assert!(functions.len() <= 10);
        for f in functions {
            assert!(
                f["codeChecksum"].is_string(),
                "items are full Function objects"
            );
            seen.push(f["functionName"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match page.get("nextToken").and_then(|t| t.as_str()) {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..25).map(|i| format!("page-{i:02}")).collect();
    assert_eq!(seen, expected);
    // Defaults: limit 20, empty prefix = all.
    let all = emu
        .send(Req::new("GET", "/functions").query("prefix", ""))
        .await
        .json();
    assert_eq!(all["functions"].as_array().unwrap().len(), 20);
    assert!(all["nextToken"].is_string());
    emu.send(Req::new("GET", "/functions").query("limit", "0"))
        .await
        .assert_error(400, "InvalidArgument");
    emu.send(Req::new("GET", "/functions").query("limit", "101"))
        .await
        .assert_error(400, "InvalidArgument");
    emu.stop().await;
}

#[tokio::test]
async fn delete_is_refused_while_triggers_exist_and_unknown_paths_answer_json() {
    let emu = Emu::start().await;
    emu.create_python("busy").await;
    let trigger = json!({"triggerName": "t", "triggerType": "timer", "triggerConfig": "{\"cronExpression\":\"@every 1m\",\"enable\":false}"});
    assert_eq!(
        emu.post("/functions/busy/triggers", &trigger).await.status,
        200
    );
    emu.delete("/functions/busy")
        .await
        .assert_error(412, "FunctionNotEmpty");
    assert_eq!(emu.delete("/functions/busy/triggers/t").await.status, 204);
    assert_eq!(emu.delete("/functions/busy").await.status, 204);
    emu.get("/nothing/here")
        .await
        .assert_error(400, "PathNotSupported");
    emu.send(Req::new("PATCH", "/functions/x"))
        .await
        .assert_error(400, "PathNotSupported");
    emu.stop().await;
}

#[tokio::test]
async fn fill_defaults_and_in_progress_reads_are_switches() {
    let emu = Emu::start_with(|c| {
        c.fill_defaults = true;
        c.in_progress_reads = 2;
    })
    .await;
    let created = emu.create_python("slow").await;
    assert_eq!(
        (&created["diskSize"], &created["instanceConcurrency"]),
        (&json!(512), &json!(1))
    );
    assert!(created["cpu"].as_f64().unwrap() > 0.0);
    assert_eq!(created["lastUpdateStatus"], "InProgress");
    emu.put("/functions/slow", &json!({"timeout": 5}))
        .await
        .assert_error(409, "ConcurrentUpdateError");
    assert_eq!(
        emu.get("/functions/slow").await.json()["lastUpdateStatus"],
        "InProgress"
    );
    assert_eq!(
        emu.get("/functions/slow").await.json()["lastUpdateStatus"],
        "InProgress"
    );
    assert_eq!(
        emu.get("/functions/slow").await.json()["lastUpdateStatus"],
        "Successful"
    );
    assert_eq!(
        emu.put("/functions/slow", &json!({"timeout": 5}))
            .await
            .status,
        200
    );
    emu.stop().await;
}

#[tokio::test]
async fn code_above_the_default_body_limit_is_accepted() {
    let emu = Emu::start().await;
    let mut rng = fastrand::Rng::with_seed(3);
    let noise: String = (0..3 * 1024 * 1024).map(|_| rng.alphanumeric()).collect();
    let (zip, b64) = zip_of(&[
        ("index.py", "def handler(e, c):\n    return e\n"),
        ("data.txt", &noise),
    ]);
    assert!(b64.len() > 2 * 1024 * 1024);
    let mut body = python_function("big");
    body["code"] = json!({"zipFile": b64});
    let r = emu.post("/functions", &body).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["codeSize"], zip.len());
    emu.stop().await;
}
