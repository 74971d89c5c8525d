//! Acceptance "No false drift" (issue 5, D13): every addressable function of the corpus, created
//! in the emulator the way fc3's `s deploy -y` would (`desired::requests`, `auto` filled with
//! placeholders as D14 says), read back with `fetch`, compares equal to the file. And the other
//! direction: a managed field changed remotely is reported at exactly that path.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions may unwrap

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{ACCOUNT, Emulator, FsHost, corpus_dir};
use fc::client::{Client, RetryPolicy};
use fc::types::{CustomDomain, Function, InputCodeLocation};
use ops::desired::{self, DesiredError, Requests};
use ops::fetch::{self, Wanted};
use ops::local::LocalFunction;
use ops::normalize::{self, Context};
use serde_json::{Value as Json, json};

/// A client in proxy mode ([`Emulator::proxy_config`]) that retries a failed request once,
/// quickly, each attempt with the default timeout.
fn client(emulator: &Emulator, region: &str) -> Client {
    let mut config = emulator.proxy_config(region);
    config.retry = RetryPolicy {
        attempts: 2,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(20),
        max_total_wait: Duration::from_secs(2),
    };
    Client::new(config).unwrap()
}

fn ctx(f: &LocalFunction) -> Context {
    Context {
        account_id: Some(ACCOUNT.into()),
        region: f.region.clone(),
    }
}

/// D14: what the emulator's callers put where the file says `auto`.
fn fill_auto(requests: &mut Requests, f: &LocalFunction) {
    let region = &f.region;
    for path in requests.auto.clone() {
        let segments: Vec<&str> = path.segments().iter().map(String::as_str).collect();
        let body = &mut requests.function;
        match segments.as_slice() {
            ["logConfig"] => {
                body.log_config = Some(
                    json!({"project": "sdls-auto-project", "logstore": "default-logs",
                    "enableRequestMetrics": true, "enableInstanceMetrics": true, "logBeginRule": "DefaultRegex"}),
                )
            }
            ["vpcConfig"] => {
                body.vpc_config = Some(
                    json!({"vpcId": "vpc-sdlsauto", "vSwitchIds": ["vsw-sdlsauto"], "securityGroupId": "sg-sdlsauto"}),
                )
            }
            ["vpcConfig", key] => {
                let value = if *key == "vSwitchIds" {
                    json!(["vsw-sdlsauto"])
                } else {
                    json!("sg-sdlsauto")
                };
                if let Some(Json::Object(vpc)) = body.vpc_config.as_mut() {
                    vpc.insert((*key).to_string(), value);
                }
            }
            ["nasConfig"] => {
                body.nas_config = Some(json!({"userId": 0, "groupId": 0, "mountPoints": [
                    {"serverAddr": "sdlsauto.nas.aliyuncs.com:/fn", "mountDir": "/mnt/auto", "enableTLS": false}]}))
            }
            ["ossMountConfig"] => {
                body.oss_mount_config = Some(
                    json!({"mountPoints": [{"bucketName": "sdls-auto-bucket",
                    "endpoint": format!("http://oss-{region}-internal.aliyuncs.com"), "mountDir": "/mnt/sdls-auto-bucket",
                    "readOnly": false, "bucketPath": "/"}]}),
                )
            }
            ["role"] => body.role = Some(format!("acs:ram::{ACCOUNT}:role/aliyunfcdefaultrole")),
            _ => {}
        }
    }
}

/// Creates everything `requests` holds, in fc3's order (§2.1.2 phase C).
async fn deploy(client: &Client, requests: &Requests) -> Result<(), String> {
    let mut function: Function = requests.function.clone();
    let name = function.function_name.clone().unwrap_or_default();
    if function.runtime.as_deref() != Some("custom-container") {
        let (_, b64) = emulator::testkit::zip_base64(&[(
            "index.js",
            "exports.handler = (e, c, cb) => cb(null, e);\n",
        )])
        .unwrap();
        function.code = Some(InputCodeLocation {
            zip_file: Some(b64),
            ..Default::default()
        });
    }
    let e = |what: &str| {
        let what = what.to_string();
        move |err: fc::client::ClientError| format!("{what}: {err}")
    };
    client
        .create_function(&function)
        .await
        .map_err(e("CreateFunction"))?;
    for trigger in &requests.triggers {
        client
            .create_trigger(&name, trigger)
            .await
            .map_err(e("CreateTrigger"))?;
    }
    if let Some((q, config)) = &requests.async_invoke_config {
        client
            .put_async_invoke_config(&name, Some(q), config)
            .await
            .map_err(e("PutAsyncInvokeConfig"))?;
    }
    if let Some(config) = &requests.concurrency_config {
        client
            .put_concurrency_config(&name, config)
            .await
            .map_err(e("PutConcurrencyConfig"))?;
    }
    if let Some((q, config)) = &requests.provision_config {
        client
            .put_provision_config(&name, Some(q), config)
            .await
            .map_err(e("PutProvisionConfig"))?;
    }
    if let Some((q, config)) = &requests.scaling_config {
        client
            .put_scaling_config(&name, Some(q), config)
            .await
            .map_err(e("PutScalingConfig"))?;
    }
    for vpc in requests.vpc_binding.iter().flatten() {
        client
            .create_vpc_binding(&name, vpc)
            .await
            .map_err(e("CreateVpcBinding"))?;
    }
    if let Some(domain) = &requests.custom_domain {
        let domain_name = domain.domain_name.clone().unwrap_or_default();
        match client.get_custom_domain(&domain_name).await {
            Ok(existing) => {
                // fc3's per-route merge (fc-api.md §13.1): replace this function's route on the
                // same path, keep every other route.
                let mine = domain
                    .route_config
                    .as_ref()
                    .and_then(|r| r["routes"].as_array())
                    .cloned()
                    .unwrap_or_default();
                let mut routes: Vec<Json> = existing
                    .route_config
                    .as_ref()
                    .and_then(|r| r["routes"].as_array())
                    .cloned()
                    .unwrap_or_default();
                for route in mine {
                    match routes.iter_mut().find(|r| r["path"] == route["path"]) {
                        Some(r) if r["functionName"] == route["functionName"] => *r = route,
                        Some(r) => {
                            return Err(format!(
                                "path {} is used by other function: {}",
                                route["path"], r["functionName"]
                            ));
                        }
                        None => routes.push(route),
                    }
                }
                let update = CustomDomain {
                    protocol: domain.protocol.clone(),
                    route_config: Some(json!({"routes": routes})),
                    ..CustomDomain::default()
                };
                client
                    .update_custom_domain(&domain_name, &update)
                    .await
                    .map_err(e("UpdateCustomDomain"))?;
            }
            Err(err) if err.is_not_found() => {
                client
                    .create_custom_domain(domain)
                    .await
                    .map_err(e("CreateCustomDomain"))?;
            }
            Err(err) => return Err(format!("GetCustomDomain: {err}")),
        }
    }
    Ok(())
}

fn analyse(path: &Path) -> Option<(Vec<LocalFunction>, usize)> {
    let text = std::fs::read_to_string(path).ok()?;
    let analysis = analysis::check(
        &analysis::FileInput {
            path,
            text: &text,
            workspace: None,
        },
        &FsHost,
        analysis::CheckOptions::default(),
    );
    let (functions, skipped) = ops::local::functions(&analysis, path.parent()?);
    Some((functions, skipped.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_drift_over_the_corpus() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let (mut checked, mut with_functions, mut unknown, mut rejected) =
        (0, 0, Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for file in &files {
        let Some((functions, _)) = analyse(file) else {
            continue;
        };
        if functions.is_empty() {
            continue;
        }
        with_functions += 1;
        let short = file.file_name().unwrap().to_string_lossy().to_string();
        // One emulator per file: files reuse function names in the same region.
        let emulator = Emulator::start().await;
        for f in &functions {
            let ctx = ctx(f);
            let mut requests = match desired::requests(f, &ctx) {
                Ok(r) => r,
                Err(DesiredError::Unknown { path }) => {
                    unknown.push(format!("{short} {}: {path} is unknown", f.function_name));
                    continue;
                }
                Err(err) => {
                    failures.push(format!("{short} {}: desired: {err}", f.function_name));
                    continue;
                }
            };
            fill_auto(&mut requests, f);
            let client = client(&emulator, &f.region);
            if let Err(err) = deploy(&client, &requests).await {
                rejected.push(format!("{short} {}: {err}", f.function_name));
                continue;
            }
            let wanted = Wanted::for_function(f, Some(ACCOUNT));
            // Drift reads the very domain deploy writes (`auto` names included).
            if let Some(domain) = &requests.custom_domain {
                assert_eq!(wanted.custom_domain, domain.domain_name, "{short}");
            }
            let snapshot = fetch::fetch(&client, &f.function_name, &wanted)
                .await
                .unwrap();
            let remote = normalize::remote(&snapshot, &ctx).expect("the function exists");
            let local = normalize::local(f, &ctx);
            let comparison = normalize::compare(&local, &remote);
            checked += 1;
            if !comparison.diffs.is_empty() {
                failures.push(format!(
                    "{short} {}: {:#?}\n  local view: {}\n  remote view: {}",
                    f.function_name,
                    comparison.diffs,
                    serde_json::to_string(&local.view).unwrap(),
                    serde_json::to_string(&remote).unwrap()
                ));
            }
        }
    }
    for u in &unknown {
        println!("skipped (unknown value): {u}");
    }
    for r in &rejected {
        println!("not created (the emulator refused what fc3 sends): {r}");
    }
    println!(
        "no false drift: {}/{} functions from {} corpus files",
        checked - failures.len().min(checked),
        checked,
        with_functions
    );
    assert!(failures.is_empty(), "false drift:\n{}", failures.join("\n"));
    assert!(checked >= 20, "too few functions were checked: {checked}");
}

/// The other direction: a managed field changed remotely (as a console user would, through the
/// API) is reported at exactly that path; a console-added trigger is unmanaged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_change_is_reported_at_its_path() {
    let file = corpus_dir().join("devsapp__fc3____tests____e2e__custom-domain__s.yaml");
    let (functions, _) = analyse(&file).unwrap();
    let f = &functions[0];
    let ctx = ctx(f);
    let emulator = Emulator::start().await;
    let client = client(&emulator, &f.region);
    let mut requests = desired::requests(f, &ctx).unwrap();
    fill_auto(&mut requests, f);
    deploy(&client, &requests).await.unwrap();
    let wanted = Wanted::for_function(f, Some(ACCOUNT));
    let local = normalize::local(f, &ctx);
    let diffs = |snapshot: &ops::snapshot::RemoteSnapshot| {
        let c = normalize::compare(&local, &normalize::remote(snapshot, &ctx).unwrap());
        (
            c.diffs
                .iter()
                .map(|d| (d.path.dotted(), d.local.clone(), d.other.clone()))
                .collect::<Vec<_>>(),
            c.unmanaged
                .iter()
                .map(|(p, _)| p.dotted())
                .collect::<Vec<_>>(),
        )
    };
    let update = Function {
        memory_size: Some(256),
        ..Function::default()
    };
    client
        .update_function(&f.function_name, &update)
        .await
        .unwrap();
    let snapshot = fetch::fetch(&client, &f.function_name, &wanted)
        .await
        .unwrap();
    assert_eq!(
        diffs(&snapshot).0,
        vec![("memorySize".to_string(), Some(json!(128)), Some(json!(256)))]
    );

    let update = Function {
        environment_variables: Some([("ADDED".to_string(), "console".to_string())].into()),
        ..Function::default()
    };
    client
        .update_function(&f.function_name, &update)
        .await
        .unwrap();
    let trigger = fc::types::Trigger {
        trigger_name: Some("console".into()),
        trigger_type: Some("timer".into()),
        trigger_config: Some(json!({"cronExpression": "@every 5m", "enable": true}).to_string()),
        ..Default::default()
    };
    client
        .create_trigger(&f.function_name, &trigger)
        .await
        .unwrap();
    let mut http = requests.triggers[0].clone();
    http.trigger_config = Some(
        json!({"authType": "anonymous", "methods": ["GET"], "disableURLInternet": false})
            .to_string(),
    );
    client
        .update_trigger(&f.function_name, "httpTrigger", &http)
        .await
        .unwrap();
    let snapshot = fetch::fetch(&client, &f.function_name, &wanted)
        .await
        .unwrap();
    let (diffs, unmanaged) = diffs(&snapshot);
    assert_eq!(
        diffs,
        vec![
            (
                "environmentVariables.ADDED".to_string(),
                None,
                Some(json!("console"))
            ),
            ("memorySize".to_string(), Some(json!(128)), Some(json!(256))),
            (
                "triggers.httpTrigger.triggerConfig.methods".to_string(),
                Some(json!(["GET", "POST"])),
                Some(json!(["GET"]))
            ),
        ]
    );
    assert_eq!(unmanaged, ["triggers.console"]);
}
