//! The baseline store on real folders: atomic writes with hashed environment values (D15),
//! unusable files reported as warnings with their path, and the legacy component's `.s/` state
//! files read (never written) as a baseline when sdls has none (D11, serverless-devs.md §2.2.1).
#![cfg(test)]

use std::collections::BTreeMap;
use std::path::Path;

use fc::types::Function;
use ops::baseline::{
    Baseline, BaselineRead, BaselineSource, BaselineStore, CodeBaseline, FORMAT_VERSION,
};
use ops::normalize::{HASH_PREFIX, hash_value};
use ops::snapshot::RemoteSnapshot;

const ACCOUNT: &str = "1234567890123456";
const REGION: &str = "cn-hangzhou";

fn baseline(function_name: &str, env: &[(&str, &str)]) -> Baseline {
    let function = Function {
        function_name: Some(function_name.to_string()),
        runtime: Some("python3.10".into()),
        handler: Some("index.handler".into()),
        memory_size: Some(512),
        code_checksum: Some("1234567890123456789".into()),
        environment_variables: Some(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        ),
        ..Function::default()
    };
    Baseline {
        version: FORMAT_VERSION,
        written_by: "sdls 0.1.0".into(),
        written_at: "2026-01-01T00:00:00Z".into(),
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        function_name: function_name.into(),
        snapshot: RemoteSnapshot {
            function: Some(function),
            ..RemoteSnapshot::default()
        },
        code: CodeBaseline {
            local_crc: Some("42".into()),
            remote_checksum: Some("1234567890123456789".into()),
        },
    }
}

fn found(read: BaselineRead) -> (Baseline, BaselineSource) {
    match read {
        BaselineRead::Found { baseline, source } => (*baseline, source),
        other => panic!("expected a baseline, got {other:?}"),
    }
}

fn invalid(read: BaselineRead) -> (std::path::PathBuf, String) {
    match read {
        BaselineRead::Invalid { path, warning } => (path, warning),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn env_of(baseline: &Baseline) -> BTreeMap<String, String> {
    baseline
        .snapshot
        .function
        .as_ref()
        .and_then(|f| f.environment_variables.clone())
        .unwrap_or_default()
}

fn trigger_names(baseline: &Baseline) -> Vec<String> {
    baseline
        .snapshot
        .triggers
        .iter()
        .map(|t| t.trigger_name.clone().unwrap_or_default())
        .collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn write_then_read_round_trips_with_hashed_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let written = baseline(
        "hello",
        &[("DB_PASSWORD", "hunter2-clear"), ("MODE", "prod")],
    );
    let path = store.write(&written).unwrap();
    assert_eq!(path, store.path_for(ACCOUNT, REGION, "hello"));
    assert_eq!(
        path,
        dir.path()
            .join(".s/deployed")
            .join(format!("{ACCOUNT}-{REGION}-hello.json"))
    );

    let (read, source) = found(store.read(ACCOUNT, REGION, "hello", None));
    assert_eq!(source, BaselineSource::Sdls(path.clone()));
    let env = env_of(&read);
    assert_eq!(env["DB_PASSWORD"], hash_value("hunter2-clear"));
    assert_eq!(env["MODE"], hash_value("prod"));
    assert!(env.values().all(|v| v.starts_with(HASH_PREFIX)));
    // Everything but the environment comes back as written.
    let mut expected = written.clone();
    expected
        .snapshot
        .function
        .as_mut()
        .unwrap()
        .environment_variables = Some(env.clone());
    assert_eq!(read, expected);

    // Writing what was read does not hash twice.
    store.write(&read).unwrap();
    let (again, _) = found(store.read(ACCOUNT, REGION, "hello", None));
    assert_eq!(env_of(&again), env);
}

#[test]
fn clear_environment_values_never_reach_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let path = store
        .write(&baseline(
            "secretive",
            &[("API_TOKEN", "tok-very-secret-value"), ("EMPTY", "")],
        ))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("tok-very-secret-value"), "{text}");
    assert!(
        text.contains(&hash_value("tok-very-secret-value")),
        "{text}"
    );
    assert!(text.contains(&hash_value("")), "{text}");
}

#[test]
fn atomic_write_leaves_no_temp_files_and_creates_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    for round in 0..5 {
        store
            .write(&baseline("f1", &[("ROUND", &round.to_string())]))
            .unwrap();
        store.write(&baseline("f2", &[])).unwrap();
    }
    assert_eq!(
        files_in(&dir.path().join(".s/deployed")),
        vec![
            format!("{ACCOUNT}-{REGION}-f1.json"),
            format!("{ACCOUNT}-{REGION}-f2.json")
        ]
    );
    // No .gitignore or anything else the user did not ask for.
    assert_eq!(
        files_in(&dir.path().join(".s")),
        vec!["deployed".to_string()]
    );
    assert_eq!(store.list().len(), 2);
}

#[test]
fn a_missing_baseline_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    assert_eq!(
        store.read(ACCOUNT, REGION, "nope", None),
        BaselineRead::Missing
    );
    assert_eq!(
        store.read(ACCOUNT, REGION, "svc$nope", Some(("svc", "nope"))),
        BaselineRead::Missing
    );
    assert!(store.list().is_empty());
    store.remove(ACCOUNT, REGION, "nope").unwrap();
}

#[test]
fn unusable_files_are_invalid_with_their_path_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    std::fs::create_dir_all(dir.path().join(".s/deployed")).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("corrupt", "{\"version\": 1, \"acc".into(), "not valid JSON"),
        ("array", "[1, 2, 3]".into(), "not an sdls baseline"),
        (
            "foreign",
            r#"{"statefulConfig": {"name": "foreign"}}"#.into(),
            "not an sdls baseline",
        ),
        (
            "wrongshape",
            r#"{"version": 1, "accountId": 5}"#.into(),
            "not an sdls baseline",
        ),
        (
            "future",
            format!(
                r#"{{"version": {}, "somethingNew": true}}"#,
                FORMAT_VERSION + 1
            ),
            "newer sdls",
        ),
    ];
    for (name, text, why) in &cases {
        let path = store.path_for(ACCOUNT, REGION, name);
        std::fs::write(&path, text).unwrap();
        let (reported, warning) = invalid(store.read(ACCOUNT, REGION, name, None));
        assert_eq!(reported, path);
        assert!(warning.contains(&path.display().to_string()), "{warning}");
        assert!(warning.contains(why), "{name}: {warning}");
        assert!(warning.contains("delete it or deploy again"), "{warning}");
    }

    // A file whose content names another function (copied or renamed by hand).
    let other = baseline("other", &[]);
    let text = serde_json::to_string(&other).unwrap();
    let path = store.path_for(ACCOUNT, REGION, "renamed");
    std::fs::write(&path, &text).unwrap();
    let (reported, warning) = invalid(store.read(ACCOUNT, REGION, "renamed", None));
    assert_eq!(reported, path);
    assert!(warning.contains("another function"), "{warning}");
    // Another account's baseline is never reused (§2.5 item 26).
    let path = store.path_for("999", REGION, "other");
    std::fs::write(&path, &text).unwrap();
    assert!(matches!(
        store.read("999", REGION, "other", None),
        BaselineRead::Invalid { .. }
    ));

    // A directory in the place of the file.
    let path = store.path_for(ACCOUNT, REGION, "adir");
    std::fs::create_dir_all(&path).unwrap();
    let (reported, warning) = invalid(store.read(ACCOUNT, REGION, "adir", None));
    assert_eq!(reported, path);
    assert!(warning.contains("directory"), "{warning}");

    // Names that would leave .s/deployed/.
    assert!(matches!(
        store.read(ACCOUNT, REGION, "../../etc/passwd", None),
        BaselineRead::Invalid { .. }
    ));
    assert!(store.write(&baseline("a/b", &[])).is_err());

    // `list` reports each of them, the good one included.
    store.write(&baseline("good", &[])).unwrap();
    let listed = store.list();
    assert_eq!(
        listed
            .iter()
            .filter(|r| matches!(r, BaselineRead::Found { .. }))
            .count(),
        1
    );
    assert_eq!(listed.len(), cases.len() + 4);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_invalid() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let path = store.write(&baseline("locked", &[])).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads anything: then there is nothing to test.
    if std::fs::read(&path).is_ok() {
        return;
    }
    let (reported, warning) = invalid(store.read(ACCOUNT, REGION, "locked", None));
    assert_eq!(reported, path);
    assert!(warning.contains("cannot be read"), "{warning}");
}

#[test]
fn remove_deletes_only_the_sdls_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    write_legacy(dir.path(), "svc", "fn", &[]);
    store.write(&baseline("svc$fn", &[])).unwrap();
    store.remove(ACCOUNT, REGION, "svc$fn").unwrap();
    assert!(!store.path_for(ACCOUNT, REGION, "svc$fn").exists());
    let (_, source) = found(store.read(ACCOUNT, REGION, "svc$fn", Some(("svc", "fn"))));
    assert!(matches!(source, BaselineSource::Legacy(_)));
}

// ---- legacy state files (serverless-devs.md §2.2.1) ----

fn write_state(dir: &Path, name: &str, value: serde_json::Value) {
    let state = dir.join(".s");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join(name),
        serde_json::to_string_pretty(&value).unwrap(),
    )
    .unwrap();
}

/// A realistic legacy deploy of `service`/`function` with `triggers`: the service file, the
/// function file (FC 2.0 GetFunction + `name`) and one file per trigger.
fn write_legacy(dir: &Path, service: &str, function: &str, triggers: &[&str]) {
    write_state(
        dir,
        &format!("{ACCOUNT}-{REGION}-{service}.json"),
        serde_json::json!({
            "statefulConfig": {
                "serviceId": "2c3a5b1e-0000-0000-0000-000000000001",
                "serviceName": service,
                "description": "legacy service",
                "role": "acs:ram::1234567890123456:role/aliyunfcdefaultrole",
                "logConfig": {"project": "my-logs", "logstore": "fc", "enableRequestMetrics": true, "enableInstanceMetrics": false, "logBeginRule": "None"},
                "vpcConfig": {"vpcId": "", "vSwitchIds": [], "securityGroupId": ""},
                "internetAccess": true,
                "tracingConfig": {},
                "nasConfig": {"userId": -1, "groupId": -1, "mountPoints": []},
                "createdTime": "2023-05-01T08:00:00Z",
                "lastModifiedTime": "2023-05-02T08:00:00Z",
                "vpcBinding": [],
                "name": service
            },
            "statefulAutoConfig": {}
        }),
    );
    write_state(
        dir,
        &format!("{ACCOUNT}-{REGION}-{service}-{function}.json"),
        serde_json::json!({
            "statefulConfig": {
                "functionId": "8b1d2c3e-0000-0000-0000-000000000002",
                "functionName": function,
                "description": "legacy function",
                "runtime": "python3.9",
                "handler": "index.handler",
                "timeout": 60,
                "initializer": null,
                "initializationTimeout": 3,
                "codeSize": 1234,
                "codeChecksum": "9876543210987654321",
                "memorySize": 512,
                "environmentVariables": {"DB_PASSWORD": "legacy-clear-secret", "PORT": "8080"},
                "createdTime": "2023-05-01T08:00:00Z",
                "lastModifiedTime": "2023-05-02T09:00:00Z",
                "instanceConcurrency": 1,
                "instanceType": "e1",
                "layers": null,
                "customContainerConfig": null,
                "caPort": null,
                "cpu": null,
                "diskSize": 512,
                "name": function
            }
        }),
    );
    for trigger in triggers {
        write_state(
            dir,
            &format!("{ACCOUNT}-{REGION}-{service}-{function}-{trigger}.json"),
            serde_json::json!({
                "statefulConfig": {
                    "triggerId": "3f2e1d0c-0000-0000-0000-000000000003",
                    "triggerName": trigger,
                    "triggerType": "http",
                    "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]},
                    "qualifier": "LATEST",
                    "sourceArn": null,
                    "invocationRole": null,
                    "createdTime": "2023-05-01T08:00:00Z",
                    "lastModifiedTime": "2023-05-01T08:00:00Z",
                    "urlInternet": "https://example.cn-hangzhou.fcapp.run",
                    "name": trigger
                }
            }),
        );
    }
}

#[test]
fn legacy_state_files_serve_as_the_baseline_when_sdls_has_none() {
    let dir = tempfile::tempdir().unwrap();
    write_legacy(dir.path(), "web", "api", &["http-in"]);
    let store = BaselineStore::new(dir.path());
    let (read, source) = found(store.read(ACCOUNT, REGION, "web$api", Some(("web", "api"))));
    assert_eq!(
        source,
        BaselineSource::Legacy(
            dir.path()
                .join(".s")
                .join(format!("{ACCOUNT}-{REGION}-web-api.json"))
        )
    );
    assert_eq!(read.account_id, ACCOUNT);
    assert_eq!(read.region, REGION);
    assert_eq!(read.function_name, "web$api");
    assert_eq!(read.version, FORMAT_VERSION);
    assert_eq!(
        read.code,
        CodeBaseline {
            local_crc: None,
            remote_checksum: Some("9876543210987654321".into()),
        }
    );
    let function = read.snapshot.function.as_ref().unwrap();
    assert_eq!(function.function_name.as_deref(), Some("web$api"));
    assert_eq!(function.runtime.as_deref(), Some("python3.9"));
    assert_eq!(function.memory_size, Some(512));
    // Service-level settings come from the service file (FC 3.0 keeps them on the function).
    assert_eq!(
        function.role.as_deref(),
        Some("acs:ram::1234567890123456:role/aliyunfcdefaultrole")
    );
    assert_eq!(trigger_names(&read), vec!["http-in".to_string()]);
    // Clear in the legacy file, hashed in memory (D15).
    let env = env_of(&read);
    assert_eq!(env["DB_PASSWORD"], hash_value("legacy-clear-secret"));
    assert_eq!(env["PORT"], hash_value("8080"));

    // Without the legacy names, the legacy files are not looked at.
    assert_eq!(
        store.read(ACCOUNT, REGION, "web$api", None),
        BaselineRead::Missing
    );
    // Another account or region does not reuse them.
    assert_eq!(
        store.read("999", REGION, "web$api", Some(("web", "api"))),
        BaselineRead::Missing
    );
    assert_eq!(
        store.read(ACCOUNT, "cn-beijing", "web$api", Some(("web", "api"))),
        BaselineRead::Missing
    );
}

#[test]
fn sdls_baseline_wins_over_the_legacy_state() {
    let dir = tempfile::tempdir().unwrap();
    write_legacy(dir.path(), "web", "api", &[]);
    let store = BaselineStore::new(dir.path());
    let mut mine = baseline("web$api", &[("DB_PASSWORD", "newer")]);
    mine.code.remote_checksum = Some("111".into());
    let path = store.write(&mine).unwrap();
    let (read, source) = found(store.read(ACCOUNT, REGION, "web$api", Some(("web", "api"))));
    assert_eq!(source, BaselineSource::Sdls(path));
    assert_eq!(read.code.remote_checksum.as_deref(), Some("111"));
    assert_eq!(env_of(&read)["DB_PASSWORD"], hash_value("newer"));

    // An unusable sdls file is reported, not silently replaced by the legacy one.
    std::fs::write(store.path_for(ACCOUNT, REGION, "web$api"), "garbage").unwrap();
    assert!(matches!(
        store.read(ACCOUNT, REGION, "web$api", Some(("web", "api"))),
        BaselineRead::Invalid { .. }
    ));
}

#[test]
fn names_with_dashes_pick_the_right_legacy_files() {
    let dir = tempfile::tempdir().unwrap();
    // Service `my-svc`, function `fn-a` (file `…-my-svc-fn-a.json`) and, beside it, function
    // `fn-a-b` whose files also start with `…-my-svc-fn-a-`, and a trigger `t-1` of `fn-a`.
    write_legacy(dir.path(), "my-svc", "fn-a", &["t-1"]);
    write_legacy(dir.path(), "my-svc", "fn-a-b", &["x"]);
    let store = BaselineStore::new(dir.path());

    let (a, _) = found(store.read(ACCOUNT, REGION, "my-svc$fn-a", Some(("my-svc", "fn-a"))));
    assert_eq!(a.function_name, "my-svc$fn-a");
    // `…-my-svc-fn-a-b.json` (function fn-a-b) and `…-my-svc-fn-a-b-x.json` (its trigger) start
    // with fn-a's trigger prefix too: only `t-1` is fn-a's.
    assert_eq!(trigger_names(&a), vec!["t-1".to_string()]);
    let (b, source) =
        found(store.read(ACCOUNT, REGION, "my-svc$fn-a-b", Some(("my-svc", "fn-a-b"))));
    assert_eq!(b.function_name, "my-svc$fn-a-b");
    assert!(
        matches!(source, BaselineSource::Legacy(p) if p.ends_with(format!("{ACCOUNT}-{REGION}-my-svc-fn-a-b.json")))
    );
    assert_eq!(trigger_names(&b), vec!["x".to_string()]);

    // Service `my`, function `svc-fn-a` builds the same file name as service `my-svc`,
    // function `fn-a`: the function name inside says it is not ours.
    let (path, warning) =
        invalid(store.read(ACCOUNT, REGION, "my$svc-fn-a", Some(("my", "svc-fn-a"))));
    assert!(path.ends_with(format!("{ACCOUNT}-{REGION}-my-svc-fn-a.json")));
    assert!(warning.contains("another service"), "{warning}");
}

#[test]
fn a_corrupt_legacy_function_file_is_invalid_and_a_corrupt_service_file_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write_legacy(dir.path(), "svc", "fn", &[]);
    let store = BaselineStore::new(dir.path());
    std::fs::write(
        dir.path()
            .join(".s")
            .join(format!("{ACCOUNT}-{REGION}-svc.json")),
        "{not json",
    )
    .unwrap();
    let _ = found(store.read(ACCOUNT, REGION, "svc$fn", Some(("svc", "fn"))));

    let function_file = dir
        .path()
        .join(".s")
        .join(format!("{ACCOUNT}-{REGION}-svc-fn.json"));
    std::fs::write(&function_file, r#"{"something": "else"}"#).unwrap();
    let (path, warning) = invalid(store.read(ACCOUNT, REGION, "svc$fn", Some(("svc", "fn"))));
    assert_eq!(path, function_file);
    assert!(warning.contains("statefulConfig"), "{warning}");
    assert!(
        warning.contains(&function_file.display().to_string()),
        "{warning}"
    );
}

#[test]
fn reading_never_writes_a_legacy_file() {
    let dir = tempfile::tempdir().unwrap();
    write_legacy(dir.path(), "svc", "fn", &["http"]);
    let state = dir.path().join(".s");
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        files_in(dir)
            .into_iter()
            .filter(|n| dir.join(n).is_file())
            .map(|n| {
                let bytes = std::fs::read(dir.join(&n)).unwrap();
                (n, bytes)
            })
            .collect()
    };
    let before = snapshot(&state);
    let store = BaselineStore::new(dir.path());
    let (read, _) = found(store.read(ACCOUNT, REGION, "svc$fn", Some(("svc", "fn"))));
    // Writing the baseline read from the legacy files goes to .s/deployed/ only.
    store.write(&read).unwrap();
    store.remove(ACCOUNT, REGION, "svc$fn").unwrap();
    assert_eq!(before, snapshot(&state));
}
