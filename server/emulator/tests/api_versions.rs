//! Versions and aliases (fc-api.md §6): publish snapshots LATEST with ids never reused; list in
//! both directions with paging; GetFunction by version or alias; alias weights validated;
//! deleting a version an alias uses is refused; `{}` clears the canary.

#![cfg(test)]

mod api_common;

use api_common::{Emu, Req};
use serde_json::json;

#[tokio::test]
async fn versions_snapshot_latest_and_page_both_ways() {
    let emu = Emu::start().await;
    emu.create_python("f").await;
    let v1 = emu
        .post("/functions/f/versions", &json!({"description": "one"}))
        .await;
    assert_eq!(v1.status, 200);
    let v1 = v1.json();
    assert_eq!(
        (&v1["versionId"], &v1["description"]),
        (&json!("1"), &json!("one"))
    );
    assert!(v1["createdTime"].is_string() && v1["lastModifiedTime"].is_string());
    emu.put("/functions/f", &json!({"timeout": 30})).await;
    // An empty body publishes too.
    let v2 = emu
        .send(Req::new("POST", "/functions/f/versions"))
        .await
        .json();
    assert_eq!(v2["versionId"], "2");
    assert_eq!(
        emu.post("/functions/f/versions", &json!({})).await.json()["versionId"],
        "3"
    );

    // The snapshots keep their config.
    let got1 = emu
        .send(Req::new("GET", "/functions/f").query("qualifier", "1"))
        .await
        .json();
    assert_eq!(got1["timeout"], 3);
    let got2 = emu
        .send(Req::new("GET", "/functions/f").query("qualifier", "2"))
        .await
        .json();
    assert_eq!(got2["timeout"], 30);
    emu.send(Req::new("GET", "/functions/f").query("qualifier", "9"))
        .await
        .assert_error(404, "VersionNotFound");
    emu.send(Req::new("GET", "/functions/f").query("qualifier", "nope"))
        .await
        .assert_error(404, "AliasNotFound");

    let list = emu.get("/functions/f/versions").await.json();
    assert_eq!(list["direction"], "BACKWARD");
    let ids: Vec<&str> = list["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["versionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["3", "2", "1"]);
    let page = emu
        .send(
            Req::new("GET", "/functions/f/versions")
                .query("limit", "2")
                .query("direction", "FORWARD"),
        )
        .await
        .json();
    assert_eq!(page["direction"], "FORWARD");
    let ids: Vec<&str> = page["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["versionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(page["nextToken"], "3");
    let rest = emu
        .send(
            Req::new("GET", "/functions/f/versions")
                .query("limit", "2")
                .query("direction", "FORWARD")
                .query("nextToken", "3"),
        )
        .await
        .json();
    assert_eq!(rest["versions"][0]["versionId"], "3");
    assert!(rest.get("nextToken").is_none());
    let back = emu
        .send(Req::new("GET", "/functions/f/versions").query("limit", "1"))
        .await
        .json();
    assert_eq!(
        (
            back["versions"][0]["versionId"].as_str(),
            back["nextToken"].as_str()
        ),
        (Some("3"), Some("2"))
    );

    // Ids are never reused.
    assert_eq!(emu.delete("/functions/f/versions/3").await.status, 204);
    emu.delete("/functions/f/versions/3")
        .await
        .assert_error(404, "VersionNotFound");
    assert_eq!(
        emu.post("/functions/f/versions", &json!({})).await.json()["versionId"],
        "4"
    );
    emu.get("/functions/missing/versions")
        .await
        .assert_error(404, "FunctionNotFound");
    emu.stop().await;
}

#[tokio::test]
async fn aliases_with_weights() {
    let emu = Emu::start().await;
    emu.create_python("f").await;
    for _ in 0..3 {
        emu.post("/functions/f/versions", &json!({})).await;
    }
    let created = emu
        .post("/functions/f/aliases", &json!({"aliasName": "prod", "versionId": "1", "additionalVersionWeight": {"2": 0.1}, "description": "d"}))
        .await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let a = created.json();
    assert_eq!(
        (
            &a["aliasName"],
            &a["versionId"],
            &a["additionalVersionWeight"]
        ),
        (&json!("prod"), &json!("1"), &json!({"2": 0.1}))
    );
    assert!(a["createdTime"].is_string());
    emu.post(
        "/functions/f/aliases",
        &json!({"aliasName": "prod", "versionId": "1"}),
    )
    .await
    .assert_error(409, "AliasAlreadyExists");

    // Weight rules.
    for (body, status, code) in [
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"1": 0.5}}),
            400,
            "AdditionalVersionContainsMajorVersion",
        ),
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": 1.5}}),
            400,
            "InvalidArgument",
        ),
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": -0.1}}),
            400,
            "InvalidArgument",
        ),
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": 0.1, "3": 0.1}}),
            400,
            "InvalidArgument",
        ),
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": "x"}}),
            400,
            "InvalidArgument",
        ),
        (
            json!({"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"7": 0.1}}),
            404,
            "VersionNotFound",
        ),
        (
            json!({"aliasName": "a", "versionId": "9"}),
            404,
            "VersionNotFound",
        ),
        (
            json!({"aliasName": "LATEST", "versionId": "1"}),
            400,
            "InvalidArgument",
        ),
        (
            json!({"aliasName": "1x", "versionId": "1"}),
            400,
            "InvalidArgument",
        ),
        (json!({"versionId": "1"}), 400, "InvalidArgument"),
    ] {
        emu.post("/functions/f/aliases", &body)
            .await
            .assert_error(status, code);
    }

    // GetFunction through the alias gives the main version's snapshot.
    emu.put("/functions/f", &json!({"timeout": 40})).await;
    let through = emu
        .send(Req::new("GET", "/functions/f").query("qualifier", "prod"))
        .await
        .json();
    assert_eq!(through["timeout"], 3);

    // Deleting a version an alias uses (main or weighted) is refused.
    let refused = emu
        .delete("/functions/f/versions/2")
        .await
        .assert_error(400, "InvalidArgument");
    assert!(refused["Message"].as_str().unwrap().contains("prod"));
    emu.delete("/functions/f/versions/1")
        .await
        .assert_error(400, "InvalidArgument");

    // Partial update keeps the weights; moving the main onto the weighted version is refused.
    let u = emu
        .put("/functions/f/aliases/prod", &json!({"description": "e"}))
        .await
        .json();
    assert_eq!(
        (
            &u["versionId"],
            &u["additionalVersionWeight"],
            &u["description"]
        ),
        (&json!("1"), &json!({"2": 0.1}), &json!("e"))
    );
    emu.put("/functions/f/aliases/prod", &json!({"versionId": "2"}))
        .await
        .assert_error(400, "AdditionalVersionContainsMajorVersion");
    // Promote: main 2, weights cleared with {}.
    let p = emu
        .put(
            "/functions/f/aliases/prod",
            &json!({"versionId": "2", "additionalVersionWeight": {}}),
        )
        .await
        .json();
    assert_eq!(
        (&p["versionId"], &p["additionalVersionWeight"]),
        (&json!("2"), &json!({}))
    );
    assert_ne!(p["lastModifiedTime"], a["lastModifiedTime"]);
    assert_eq!(emu.delete("/functions/f/versions/1").await.status, 204);

    emu.post(
        "/functions/f/aliases",
        &json!({"aliasName": "beta", "versionId": "3"}),
    )
    .await;
    let list = emu.get("/functions/f/aliases").await.json();
    let names: Vec<&str> = list["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["aliasName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta", "prod"]);
    let paged = emu
        .send(Req::new("GET", "/functions/f/aliases").query("limit", "1"))
        .await
        .json();
    assert_eq!(paged["nextToken"], "prod");
    let prefixed = emu
        .send(Req::new("GET", "/functions/f/aliases").query("prefix", "pr"))
        .await
        .json();
    assert_eq!(prefixed["aliases"].as_array().unwrap().len(), 1);

    assert_eq!(
        emu.get("/functions/f/aliases/prod").await.json()["versionId"],
        "2"
    );
    assert_eq!(emu.delete("/functions/f/aliases/prod").await.status, 204);
    emu.get("/functions/f/aliases/prod")
        .await
        .assert_error(404, "AliasNotFound");
    emu.delete("/functions/f/aliases/prod")
        .await
        .assert_error(404, "AliasNotFound");
    assert_eq!(emu.delete("/functions/f/versions/2").await.status, 204);
    emu.stop().await;
}
