//! Issue 6's acceptance on real corpus files (`../shared/corpus/s-yaml`), end to end on an
//! in-process emulator: each file is copied into a fresh project (with the code folder it
//! names), every function deployed (`deploy::deploy_function`, local emulator) → plan in sync;
//! then a console change of a few managed fields (UpdateFunction, UpdateTrigger,
//! PutConcurrencyConfig) → plan remote-drift on exactly those paths → `sdls pull`'s edits
//! (`pull::changes_from_report`, `edits_for`, `apply`) written to the file → a fresh analysis
//! plans in sync. The snapshot is the trace and a zero-context unified diff of the file: only the
//! changed values' lines differ, with their keys, quoting and trailing comments kept, and every
//! other line (comments, blank lines, layout) is byte-for-byte the same.
#![cfg(test)]

mod common;

use std::path::Path;

use analysis::TextEdit;
use common::{ACCOUNT, Emulator, FsHost, corpus_dir};
use expect_test::{Expect, expect};
use fc::client::Client;
use fc::types::{ConcurrencyConfig, Function, Trigger};
use ops::deploy::{self, DeployOptions, DeployOutcome};
use ops::local::LocalFunction;
use ops::plan::FunctionReport;
use ops::status::{Change, CodeStatus, Status};

fn analyse(path: &Path, text: &str) -> analysis::Analysis {
    analysis::check(
        &analysis::FileInput {
            path,
            text,
            workspace: None,
        },
        &FsHost,
        analysis::CheckOptions::default(),
    )
}

fn functions(analysis: &analysis::Analysis, dir: &Path) -> Vec<LocalFunction> {
    ops::local::functions(analysis, dir).0
}

/// The function's status as `sdls plan` computes it, with secrets shown as `sdls pull` reads it
/// (D15: environment values must be the live ones).
async fn plan(c: &Client, dir: &Path, f: &LocalFunction) -> FunctionReport {
    let acted = deploy::status(c, f, dir, Some(ACCOUNT), "local").await;
    ops::engine::report(dir, f, &acted.read, true)
}

/// Creates the code the function names when the corpus does not ship it (the corpus has no code,
/// D13): a folder with one file, or a small archive for a `.jar`/`.zip` path.
fn make_code(f: &LocalFunction) {
    let Some(path) = &f.code_path else { return };
    if path.exists() {
        return;
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "jar" || ext == "zip" {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let (bytes, _) = emulator::testkit::zip_base64(&[("index.js", "x\n")]).unwrap();
        std::fs::write(path, bytes).unwrap();
    } else {
        std::fs::create_dir_all(path).unwrap();
        std::fs::write(path.join("index.js"), "exports.handler = () => 1;\n").unwrap();
    }
}

/// A console change of one managed field.
#[derive(Clone, Copy, Debug)]
enum Remote {
    /// Never 512 in the in-place cases: a 512 turns on fc3's 512 MB default (cpu 0.35,
    /// diskSize 512) in a file that sets neither, so pull adds the remote's `cpu` (a new line) or
    /// reports it — see `memory_512_pulls_the_remote_cpu_or_says_why_not`.
    Memory(u64),
    Timeout(u64),
    Description(&'static str),
    InstanceConcurrency(u64),
    /// One environment variable set (the console sends the whole map).
    Env(&'static str, &'static str),
    /// `instanceLifecycleConfig.initializer.timeout`.
    InitializerTimeout(u64),
    /// UpdateTrigger of one trigger's description.
    TriggerDescription(&'static str, &'static str),
    /// UpdateTrigger of an HTTP trigger's `triggerConfig.authType` (the whole config is sent).
    TriggerAuthType(&'static str, &'static str),
    /// PutConcurrencyConfig.
    ReservedConcurrency(u64),
}

/// One corpus file's round trip.
struct Case {
    file: &'static str,
    /// Text replacements that turn the corpus file into the variant tested (each must match
    /// exactly once); empty for the file as it is.
    derive: &'static [(&'static str, &'static str)],
    /// Per resource: the console changes, and the drift paths plan must then report.
    changes: &'static [(&'static str, &'static [Remote], &'static [&'static str])],
}

async fn change_remotely(c: &Client, name: &str, changes: &[Remote]) {
    let live = c.get_function(name, None).await.unwrap();
    let mut update = Function::default();
    for change in changes {
        match *change {
            Remote::Memory(m) => update.memory_size = Some(m),
            Remote::Timeout(t) => update.timeout = Some(t),
            Remote::Description(d) => update.description = Some(d.into()),
            Remote::InstanceConcurrency(n) => update.instance_concurrency = Some(n),
            Remote::Env(key, value) => {
                let env = update
                    .environment_variables
                    .get_or_insert_with(|| live.environment_variables.clone().unwrap_or_default());
                env.insert(key.into(), value.into());
            }
            Remote::InitializerTimeout(t) => {
                let mut config = live.instance_lifecycle_config.clone().unwrap();
                config["initializer"]["timeout"] = t.into();
                update.instance_lifecycle_config = Some(config);
            }
            Remote::TriggerDescription(trigger, description) => {
                let body = Trigger {
                    description: Some(description.into()),
                    ..Trigger::default()
                };
                c.update_trigger(name, trigger, &body).await.unwrap();
            }
            Remote::TriggerAuthType(trigger, auth) => {
                let live = c.get_trigger(name, trigger).await.unwrap();
                let mut config: serde_json::Value =
                    serde_json::from_str(live.trigger_config.as_deref().unwrap()).unwrap();
                config["authType"] = auth.into();
                let body = Trigger {
                    trigger_config: Some(config.to_string()),
                    ..Trigger::default()
                };
                c.update_trigger(name, trigger, &body).await.unwrap();
            }
            Remote::ReservedConcurrency(n) => {
                let body = ConcurrencyConfig {
                    reserved_concurrency: Some(n),
                    ..ConcurrencyConfig::default()
                };
                c.put_concurrency_config(name, &body).await.unwrap();
            }
        }
    }
    if update != Function::default() {
        c.update_function(name, &update).await.unwrap();
    }
}

fn short(value: Option<&serde_json::Value>) -> String {
    value.map_or_else(|| "(absent)".into(), |v| v.to_string())
}

/// A zero-context unified diff of two texts with the same number of lines (pull replaced values
/// in place), and the proof that the changed lines kept their key and trailing comment.
fn value_diff(before: &str, after: &str) -> String {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(
        old.len(),
        new.len(),
        "pull added or removed lines:\n{after}"
    );
    let changed: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
    let mut out = String::from("--- a/s.yaml\n+++ b/s.yaml\n");
    let mut i = 0;
    while i < changed.len() {
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1] == changed[j] + 1 {
            j += 1;
        }
        let (first, count) = (changed[i] + 1, j - i + 1);
        let range = if count == 1 {
            first.to_string()
        } else {
            format!("{first},{count}")
        };
        out.push_str(&format!("@@ -{range} +{range} @@\n"));
        for &k in &changed[i..=j] {
            out.push_str(&format!("-{}\n", old[k].trim_end_matches(['\r', '\n'])));
        }
        for &k in &changed[i..=j] {
            out.push_str(&format!("+{}\n", new[k].trim_end_matches(['\r', '\n'])));
        }
        i = j + 1;
    }
    for &k in &changed {
        let (a, b) = (old[k], new[k]);
        let key = |line: &str| line.split_once(':').map(|(key, _)| key.to_string());
        assert!(
            key(a).is_some() && key(a) == key(b),
            "line {} changed its key:\n{a}{b}",
            k + 1
        );
        let comment = |line: &str| line.find(" #").map(|at| line[at..].to_string());
        assert_eq!(comment(a), comment(b), "line {} lost its comment", k + 1);
        assert_eq!(a.ends_with('\n'), b.ends_with('\n'), "line {} end", k + 1);
    }
    out
}

/// Runs one case; returns the trace and the diff of the file.
async fn round_trip(case: &Case) -> String {
    let mut text = std::fs::read_to_string(corpus_dir().join(case.file)).unwrap();
    for (from, to) in case.derive {
        assert_eq!(text.matches(from).count(), 1, "{from:?} in {}", case.file);
        text = text.replacen(from, to, 1);
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    let path = dir.join("s.yaml");
    std::fs::write(&path, &text).unwrap();
    let before = analyse(&path, &text);
    let fns = functions(&before, &dir);
    for (resource, _, _) in case.changes {
        assert!(
            fns.iter().any(|f| f.resource == *resource),
            "{resource} is not a function of {}",
            case.file
        );
    }
    let emu = Emulator::start().await;
    let mut trace = String::new();

    // Deploy → plan in sync.
    for f in &fns {
        make_code(f);
        let c = emu.proxy_client(&f.region);
        let acted = deploy::status(&c, f, &dir, Some(ACCOUNT), "local").await;
        assert_eq!(acted.report.status, Status::NotDeployed, "{}", f.resource);
        let options = DeployOptions {
            local: true,
            ..DeployOptions::default()
        };
        let outcome = deploy::deploy_function(&c, f, &dir, ACCOUNT, &acted, &options)
            .await
            .unwrap();
        assert!(
            matches!(outcome, DeployOutcome::Done { ref applied } if !applied.is_empty()),
            "{}: {outcome:?}",
            f.resource
        );
        let report = plan(&c, &dir, f).await;
        assert_eq!(report.status, Status::InSync, "{report:#?}");
        assert_eq!(report.code.status, CodeStatus::InSync, "{report:#?}");
        trace.push_str(&format!(
            "deploy {} ({}): {}\n",
            f.resource,
            f.function_name,
            report.status.as_str()
        ));
    }

    // A console change → plan remote-drift on exactly the changed paths.
    for (resource, changes, _) in case.changes {
        let f = fns.iter().find(|f| f.resource == *resource).unwrap();
        change_remotely(&emu.proxy_client(&f.region), &f.function_name, changes).await;
    }
    let mut edits: Vec<TextEdit> = Vec::new();
    for f in &fns {
        let report = plan(&emu.proxy_client(&f.region), &dir, f).await;
        let expected: &[&str] = case
            .changes
            .iter()
            .find(|(r, _, _)| *r == f.resource)
            .map_or(&[], |(_, _, paths)| paths);
        let paths: Vec<String> = report.fields.iter().map(|x| x.path.dotted()).collect();
        assert_eq!(paths, expected, "{}: {report:#?}", f.resource);
        if expected.is_empty() {
            assert_eq!(report.status, Status::InSync, "{report:#?}");
            continue;
        }
        assert_eq!(report.status, Status::RemoteDrift, "{report:#?}");
        for field in &report.fields {
            assert_eq!(field.change, Change::Remote, "{field:?}");
            trace.push_str(&format!(
                "drift {} {}: {} -> {}\n",
                f.resource,
                field.path,
                short(field.local.as_ref()),
                short(field.remote.as_ref())
            ));
        }
        // Pull.
        let changes = ops::pull::changes_from_report(&report);
        let found = ops::pull::edits_for(&before, &f.resource, &changes).unwrap();
        assert!(found.not_pulled.is_empty(), "{:?}", found.not_pulled);
        let pulled: Vec<String> = found.pulled.iter().map(|p| p.dotted()).collect();
        assert_eq!(pulled, expected, "{}", f.resource);
        edits.extend(found.edits);
    }
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    assert!(
        edits
            .windows(2)
            .all(|w| w[0].range.end() <= w[1].range.start()),
        "overlapping edits: {edits:?}"
    );
    let after_text = ops::pull::apply(&text, &edits);
    std::fs::write(&path, &after_text).unwrap();

    // The pulled file plans in sync.
    let after = analyse(&path, &after_text);
    let pulled_fns = functions(&after, &dir);
    assert_eq!(pulled_fns.len(), fns.len());
    for f in &pulled_fns {
        let report = plan(&emu.proxy_client(&f.region), &dir, f).await;
        assert_eq!(report.status, Status::InSync, "after pull: {report:#?}");
        trace.push_str(&format!(
            "after pull {}: {}\n",
            f.resource,
            report.status.as_str()
        ));
    }
    trace.push_str(&value_diff(&text, &after_text));
    trace
}

async fn check(case: Case, expect: Expect) {
    expect.assert_eq(&round_trip(&case).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_domain_two_functions_memory_and_quoted_description_pulled_in_place() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__custom-domain__s.yaml",
            derive: &[],
            changes: &[(
                "hello_world_1",
                &[
                    Remote::Memory(256),
                    Remote::Description("hello world, edited in the console"),
                ],
                &["description", "memorySize"],
            )],
        },
        expect![[r#"
            deploy hello_world_1 (test-cd): in-sync
            deploy hello_world_2 (test-cd2): in-sync
            drift hello_world_1 description: "hello world by serverless devs" -> "hello world, edited in the console"
            drift hello_world_1 memorySize: 128 -> 256
            after pull hello_world_1: in-sync
            after pull hello_world_2: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -20 +20 @@
            -      description: 'hello world by serverless devs'
            +      description: 'hello world, edited in the console'
            @@ -24 +24 @@
            -      memorySize: 128
            +      memorySize: 256
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_env_var_and_timeout_pulled_in_place() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__python__s.yaml",
            derive: &[],
            changes: &[(
                "fcDemo",
                &[
                    Remote::Env("PYTHONPATH", "/code/python:/code/lib"),
                    Remote::Timeout(60),
                ],
                &["environmentVariables.PYTHONPATH", "timeout"],
            )],
        },
        expect![[r#"
            deploy fcDemo (fc3-event-python310): in-sync
            drift fcDemo environmentVariables.PYTHONPATH: "/code/python" -> "/code/python:/code/lib"
            drift fcDemo timeout: 30 -> 60
            after pull fcDemo: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -18 +18 @@
            -      timeout: 30
            +      timeout: 60
            @@ -21 +21 @@
            -        PYTHONPATH: /code/python
            +        PYTHONPATH: /code/python:/code/lib
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_triggers_description_auth_type_and_memory_pulled_comments_kept() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__trigger__http__s.yaml",
            derive: &[],
            changes: &[(
                "fcDemo",
                &[
                    Remote::Memory(256),
                    Remote::TriggerDescription("http_t2", "http trigger --> test, edited"),
                    Remote::TriggerAuthType("http_t2", "anonymous"),
                ],
                &[
                    "memorySize",
                    "triggers.http_t2.description",
                    "triggers.http_t2.triggerConfig.authType",
                ],
            )],
        },
        expect![[r#"
            deploy fcDemo (nodejs18-http): in-sync
            drift fcDemo memorySize: 128 -> 256
            drift fcDemo triggers.http_t2.description: "http trigger --> test" -> "http trigger --> test, edited"
            drift fcDemo triggers.http_t2.triggerConfig.authType: "function" -> "anonymous"
            after pull fcDemo: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -17 +17 @@
            -      memorySize: 128
            +      memorySize: 256
            @@ -25 +25 @@
            -          description: 'http trigger --> test'
            +          description: 'http trigger --> test, edited'
            @@ -28 +28 @@
            -            authType: function # 鉴权类型，可选值：anonymous、function
            +            authType: anonymous # 鉴权类型，可选值：anonymous、function
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodejs_with_provision_async_and_auto_domain_concurrency_and_timeout_pulled() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__nodejs__s.yaml",
            derive: &[],
            changes: &[(
                "fcDemo",
                &[Remote::ReservedConcurrency(3), Remote::Timeout(120)],
                &["concurrencyConfig.reservedConcurrency", "timeout"],
            )],
        },
        expect![[r#"
            deploy fcDemo (fc3-event-nodejs18): in-sync
            drift fcDemo concurrencyConfig.reservedConcurrency: 1 -> 3
            drift fcDemo timeout: 60 -> 120
            after pull fcDemo: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -18 +18 @@
            -      timeout: 60
            +      timeout: 120
            @@ -56 +56 @@
            -        reservedConcurrency: 1
            +        reservedConcurrency: 3
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_affinity_initializer_timeout_and_memory_pulled() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__session__s.yaml",
            derive: &[],
            changes: &[(
                "sessionTest",
                &[Remote::InitializerTimeout(20), Remote::Memory(1024)],
                &["instanceLifecycleConfig.initializer.timeout", "memorySize"],
            )],
        },
        expect![[r#"
            deploy sessionTest (fc3-session-test): in-sync
            drift sessionTest instanceLifecycleConfig.initializer.timeout: 10 -> 20
            drift sessionTest memorySize: 128 -> 1024
            after pull sessionTest: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -17 +17 @@
            -      memorySize: 128
            +      memorySize: 1024
            @@ -23 +23 @@
            -          timeout: 10
            +          timeout: 20
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_debian10_instance_concurrency_and_env_var_pulled() {
    check(
        Case {
            file: "devsapp__fc3____tests____e2e__custom.debian10__python__s.yaml",
            derive: &[],
            changes: &[(
                "helloworld",
                &[
                    Remote::InstanceConcurrency(20),
                    Remote::Env("PYTHONPATH", "/code/python:/opt/python"),
                ],
                &["environmentVariables.PYTHONPATH", "instanceConcurrency"],
            )],
        },
        expect![[r#"
            deploy helloworld (fc3-event-debian10-python310): in-sync
            drift helloworld environmentVariables.PYTHONPATH: "/code/python" -> "/code/python:/opt/python"
            drift helloworld instanceConcurrency: 10 -> 20
            after pull helloworld: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -21 +21 @@
            -      instanceConcurrency: 10
            +      instanceConcurrency: 20
            @@ -23 +23 @@
            -        PYTHONPATH: /code/python
            +        PYTHONPATH: /code/python:/opt/python
        "#]],
    )
    .await;
}

/// No deployable corpus file takes a changeable value from `${vars.x}` (their only var is the
/// region, which a console cannot change), so this case derives one from a corpus file: its
/// `memorySize` moves into `vars` beside the region, with a trailing comment. Pull edits the var's
/// definition, not the `${vars.memory}` reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_var_used_once_is_pulled_at_its_definition_with_its_comment() {
    check(
        Case {
            file: "Serverless-Devs__Serverless-Devs____tests____fixtures__action-case__s.yaml",
            derive: &[
                (
                    "  region: \"cn-huhehaote\"\n",
                    "  region: \"cn-huhehaote\"\n  memory: 128 # MB, hello_world only\n",
                ),
                (
                    "      memorySize: 128\n",
                    "      memorySize: ${vars.memory}\n",
                ),
            ],
            changes: &[(
                "hello_world",
                &[Remote::Memory(1024), Remote::Timeout(600)],
                &["memorySize", "timeout"],
            )],
        },
        expect![[r#"
            deploy hello_world (start-python-qmxq): in-sync
            drift hello_world memorySize: 128 -> 1024
            drift hello_world timeout: 86400 -> 600
            after pull hello_world: in-sync
            --- a/s.yaml
            +++ b/s.yaml
            @@ -12 +12 @@
            -  memory: 128 # MB, hello_world only
            +  memory: 1024 # MB, hello_world only
            @@ -29 +29 @@
            -      timeout: 86400
            +      timeout: 600
        "#]],
    )
    .await;
}

/// fc3 deploys cpu 0.35 and diskSize 512 with `memorySize: 512` when the file sets neither
/// (serverless-devs.md §2.1.3 L4). A console change to 512 MB that also set the CPU: pull writes
/// the memory in place and adds the remote's `cpu` (which turns that default off), and the file
/// plans in sync. A change to 512 MB with no CPU on the remote: the memory is pulled, `cpu` is
/// reported as not pulled with why, and plan names exactly that difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_512_pulls_the_remote_cpu_or_says_why_not() {
    let text =
        std::fs::read_to_string(corpus_dir().join("devsapp__fc3____tests____e2e__session__s.yaml"))
            .unwrap();
    for with_cpu in [true, false] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        let path = dir.join("s.yaml");
        std::fs::write(&path, &text).unwrap();
        let before = analyse(&path, &text);
        let f = functions(&before, &dir).remove(0);
        make_code(&f);
        let emu = Emulator::start().await;
        let c = emu.proxy_client(&f.region);
        let acted = deploy::status(&c, &f, &dir, Some(ACCOUNT), "local").await;
        let options = DeployOptions {
            local: true,
            ..DeployOptions::default()
        };
        deploy::deploy_function(&c, &f, &dir, ACCOUNT, &acted, &options)
            .await
            .unwrap();
        let console = Function {
            memory_size: Some(512),
            cpu: with_cpu.then_some(0.25),
            ..Function::default()
        };
        c.update_function(&f.function_name, &console).await.unwrap();
        let report = plan(&c, &dir, &f).await;
        assert_eq!(report.status, Status::RemoteDrift, "{report:#?}");
        let changes = ops::pull::changes_from_report(&report);
        let found = ops::pull::edits_for(&before, &f.resource, &changes).unwrap();
        let after_text = ops::pull::apply(&text, &found.edits);
        let after = analyse(&path, &after_text);
        let pulled_f = functions(&after, &dir).remove(0);
        let after_report = plan(&c, &dir, &pulled_f).await;
        let not_pulled: Vec<String> = found.not_pulled.iter().map(|n| n.path.dotted()).collect();
        let diff = similar::TextDiff::from_lines(&text, &after_text)
            .unified_diff()
            .context_radius(0)
            .to_string();
        if with_cpu {
            assert!(not_pulled.is_empty(), "{:?}", found.not_pulled);
            assert_eq!(after_report.status, Status::InSync, "{after_report:#?}");
            expect![[r#"
                @@ -17 +17 @@
                -      memorySize: 128
                +      memorySize: 512
                @@ -23 +23,2 @@
                -          timeout: 10
                \ No newline at end of file
                +          timeout: 10
                +      cpu: 0.25
            "#]]
            .assert_eq(&diff);
        } else {
            assert_eq!(not_pulled, ["cpu"]);
            assert!(
                found.not_pulled[0]
                    .reason
                    .contains("fc3 deploys cpu 0.35 and diskSize 512"),
                "{:?}",
                found.not_pulled
            );
            let left: Vec<String> = after_report
                .fields
                .iter()
                .map(|x| x.path.dotted())
                .collect();
            assert_eq!(left, ["cpu"], "{after_report:#?}");
            expect![[r#"
                @@ -17 +17 @@
                -      memorySize: 128
                +      memorySize: 512
            "#]]
            .assert_eq(&diff);
        }
    }
}
