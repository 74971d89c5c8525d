//! `sdls pull` round trips against an `sdls emulator` process (issue 6 acceptance, first
//! bullet): functions created as fc3's first deploy creates them, a first `sdls plan` recording
//! the baselines, a change made from the console, `sdls plan` = remote-drift, `sdls pull
//! --dry-run` (a unified diff, the file untouched), `sdls pull`, then `sdls plan` in sync; the
//! file's diff is exactly the changed values, comments and everything else byte for byte kept.
#![cfg(test)]

mod common;

use std::path::Path;

use common::Run;
use common::plan::{Emulator, against, plan, project_with};
use serde_json::{Value, json};

/// `sdls pull ARGS --remote URL` with the emulator's credentials only.
fn pull(cwd: &Path, emu: &Emulator, args: &[&str]) -> Run {
    against("pull", cwd, emu, args)
}

fn plan_code(dir: &Path, emu: &Emulator) -> (i32, Value) {
    let run = plan(dir, emu, &["--format", "json"]);
    run.assert_no_crash();
    (run.code(), run.json())
}

fn statuses(report: &Value) -> Vec<String> {
    report["functions"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| format!("{}={}", f["resource"], f["status"]))
                .collect()
        })
        .unwrap_or_default()
}

/// Lines removed and added between two texts (`-…` / `+…`), in order.
fn changed_lines(before: &str, after: &str) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => continue,
        };
        out.push(sign);
        out.push_str(change.value());
    }
    out
}

/// Seeds `functions` (props as fc3 deploys them), checks the first plan adopts them in sync,
/// applies `console`, then pulls and checks the round trip; returns the changed lines of the file
/// and pull's stdout.
fn round_trip(
    text: &str,
    functions: &[Value],
    console: impl FnOnce(&common::plan::Console),
) -> (String, String) {
    let emu = Emulator::start(&[]);
    let dir = project_with(text);
    let c = emu.console();
    for props in functions {
        c.deploy_like_fc3(props);
    }
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 0, "first plan: {report:#}");
    console(&c);
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 2, "{report:#}");
    assert!(
        statuses(&report)
            .iter()
            .any(|s| s.ends_with("=\"remote-drift\"")),
        "{report:#}"
    );

    let dry = pull(dir.path(), &emu, &["--dry-run"]);
    dry.assert_code(0);
    let on_disk = std::fs::read_to_string(dir.path().join("s.yaml")).expect("s.yaml");
    assert_eq!(on_disk, text, "--dry-run wrote the file");
    assert!(dry.stdout.contains("--- a/s.yaml"), "{}", dry.describe());

    let run = pull(dir.path(), &emu, &[]);
    run.assert_code(0);
    let after = std::fs::read_to_string(dir.path().join("s.yaml")).expect("s.yaml");
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 0, "after pull:\n{after}\n{report:#}");
    (changed_lines(text, &after), run.stdout)
}

const API: &str = r#"# The API of the shop.
edition: 3.0.0
name: shop
access: default
vars:
  region: cn-hangzhou # everything runs here
resources:
  api:
    component: fc3
    props:
      region: ${vars.region}
      functionName: shop-api   # the public name
      description: 'shop API'
      runtime: python3.10
      code: ./code
      handler: index.handler
      timeout: 10
      environmentVariables:
        MODE: prod # the mode
        LEVEL: "info"
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods:
              - GET
"#;

fn api_props() -> Value {
    json!({
        "region": "cn-hangzhou",
        "functionName": "shop-api",
        "description": "shop API",
        "runtime": "python3.10",
        "code": "./code",
        "handler": "index.handler",
        "timeout": 10,
        "environmentVariables": {"MODE": "prod", "LEVEL": "info"},
        "triggers": [{
            "triggerName": "http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}
        }]
    })
}

#[test]
fn console_changes_are_pulled_into_the_file() {
    let (lines, out) = round_trip(API, &[api_props()], |c| {
        c.update_function(
            "shop-api",
            json!({
                "timeout": 60,
                "description": "shop API (hotfix)",
                "environmentVariables": {"MODE": "debug", "LEVEL": "info", "TRACE": "on"}
            }),
        );
    });
    assert_eq!(
        lines,
        concat!(
            "-      description: 'shop API'\n",
            "+      description: 'shop API (hotfix)'\n",
            "-      timeout: 10\n",
            "+      timeout: 60\n",
            "-        MODE: prod # the mode\n",
            "+        MODE: debug # the mode\n",
            "+        TRACE: 'on'\n",
        ),
        "{out}"
    );
}

const TWO: &str = r#"edition: 3.0.0
name: pair
access: default
vars:
  memory: 1024 # both functions
  methods: [GET, POST] # only the front
resources:
  front:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: pair-front
      runtime: nodejs18
      code: ./code
      handler: index.handler
      memorySize: ${vars.memory}
      environmentVariables:
        KEEP: "1"
        DROP: gone
      triggers:
        - triggerName: web
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: ${vars.methods}
  back:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: pair-back
      runtime: nodejs18
      code: ./code
      handler: index.handler
      memorySize: ${vars.memory}
"#;

fn two_props() -> [Value; 2] {
    [
        json!({
            "region": "cn-hangzhou",
            "functionName": "pair-front",
            "runtime": "nodejs18",
            "code": "./code",
            "handler": "index.handler",
            "memorySize": 1024,
            "environmentVariables": {"KEEP": "1", "DROP": "gone"},
            "triggers": [{
                "triggerName": "web",
                "triggerType": "http",
                "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}
            }]
        }),
        json!({
            "region": "cn-hangzhou",
            "functionName": "pair-back",
            "runtime": "nodejs18",
            "code": "./code",
            "handler": "index.handler",
            "memorySize": 1024
        }),
    ]
}

#[test]
fn a_removed_env_var_goes_and_a_var_used_once_is_edited() {
    let (lines, out) = round_trip(TWO, &two_props(), |c| {
        c.update_function(
            "pair-front",
            json!({"environmentVariables": {"KEEP": "1"}, "handler": "main.handler"}),
        );
    });
    assert_eq!(
        lines,
        concat!(
            "-      handler: index.handler\n",
            "+      handler: main.handler\n",
            "-        DROP: gone\n",
        ),
        "{out}"
    );
}

#[test]
fn a_shared_var_is_not_pulled_and_pull_exits_2() {
    let emu = Emulator::start(&[]);
    let dir = project_with(TWO);
    let c = emu.console();
    for props in two_props() {
        c.deploy_like_fc3(&props);
    }
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 0, "{report:#}");
    c.update_function("pair-back", json!({"memorySize": 2048}));
    let run = pull(dir.path(), &emu, &[]);
    run.assert_code(2);
    assert!(
        run.stdout
            .contains("back: not pulled: memorySize: it comes from ${vars.memory}, used 2 times"),
        "{}",
        run.describe()
    );
    let after = std::fs::read_to_string(dir.path().join("s.yaml")).expect("s.yaml");
    assert_eq!(after, TWO);
}

#[test]
fn legacy_files_are_refused() {
    let emu = Emulator::start(&[]);
    let dir = project_with(
        "edition: 1.0.0\nname: old\naccess: default\nservices:\n  f:\n    component: fc\n    props:\n      region: cn-hangzhou\n      service:\n        name: s\n      function:\n        name: f\n        runtime: nodejs14\n        handler: index.handler\n        codeUri: ./code\n",
    );
    let run = pull(dir.path(), &emu, &[]);
    run.assert_code(2);
    assert!(run.stdout.contains("edition 3.0.0"), "{}", run.describe());
}

#[test]
fn resource_filter_and_dry_run_diff() {
    let emu = Emulator::start(&[]);
    let dir = project_with(TWO);
    let c = emu.console();
    for props in two_props() {
        c.deploy_like_fc3(&props);
    }
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 0, "{report:#}");
    c.update_function("pair-front", json!({"handler": "front.handler"}));
    c.update_function("pair-back", json!({"handler": "back.handler"}));

    let dry = pull(dir.path(), &emu, &["--resource", "front", "--dry-run"]);
    dry.assert_code(0);
    assert_eq!(
        dry.stdout,
        concat!(
            "--- a/s.yaml\n",
            "+++ b/s.yaml\n",
            "@@ -12,7 +12,7 @@\n",
            "       functionName: pair-front\n",
            "       runtime: nodejs18\n",
            "       code: ./code\n",
            "-      handler: index.handler\n",
            "+      handler: front.handler\n",
            "       memorySize: ${vars.memory}\n",
            "       environmentVariables:\n",
            "         KEEP: \"1\"\n",
            "front: would pull handler\n",
        ),
        "{}",
        dry.describe()
    );
    pull(dir.path(), &emu, &["--resource", "front"]).assert_code(0);
    let after = std::fs::read_to_string(dir.path().join("s.yaml")).expect("s.yaml");
    assert_eq!(
        changed_lines(TWO, &after),
        "-      handler: index.handler\n+      handler: front.handler\n"
    );
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(
        statuses(&report),
        ["\"front\"=\"in-sync\"", "\"back\"=\"remote-drift\""],
        "{report:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// `sdls pull --code` (D25)

/// `sdls deploy ARGS --remote URL` with the emulator's credentials only.
fn deploy(cwd: &Path, emu: &Emulator, args: &[&str]) -> Run {
    against("deploy", cwd, emu, args)
}

/// Every file below `dir` (relative path → bytes), `.s/` left out.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if entry.file_name() == ".s" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                out.insert(
                    rel.to_string_lossy().replace('\\', "/"),
                    std::fs::read(&path).expect("read file"),
                );
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn pull_code_restores_the_deployed_code_byte_for_byte_after_confirmation() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&common::plan::s_yaml(&[("api", &api_props())]));
    common::write(
        dir.path(),
        "code/lib/util.py",
        "def util():\n    return 42\n",
    );
    let run = deploy(dir.path(), &emu, &["-y"]);
    run.assert_code(0);
    let deployed = tree(&dir.path().join("code"));

    // Local edits: one file altered, one deleted, one added.
    common::write(dir.path(), "code/index.py", "broken\n");
    std::fs::remove_file(dir.path().join("code/lib/util.py")).expect("delete");
    common::write(dir.path(), "code/notes.txt", "mine\n");
    let edited = tree(dir.path());

    // No terminal and no -y: refused before anything is read or written.
    let run = pull(dir.path(), &emu, &["--code"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("needs confirmation") && run.stdout.contains("-y"),
        "{}",
        run.describe()
    );
    assert_eq!(tree(dir.path()), edited);

    // --dry-run says what would be written, and writes nothing.
    let run = pull(dir.path(), &emu, &["--code", "--dry-run"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("api: would pull the deployed code")
            && run.stdout.contains("new: lib/util.py")
            && run.stdout.contains("overwritten: index.py"),
        "{}",
        run.describe()
    );
    assert_eq!(tree(dir.path()), edited);

    let run = pull(dir.path(), &emu, &["--code", "-y"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("api: pulled the deployed code")
            && run
                .stdout
                .contains("into code/ — wrote 2 files; new: lib/util.py; overwritten: index.py")
            && run.stdout.contains("kept (not in the package): notes.txt"),
        "{}",
        run.describe()
    );
    let mut expected = deployed.clone();
    expected.insert("notes.txt".into(), b"mine\n".to_vec());
    assert_eq!(tree(&dir.path().join("code")), expected);
    // No staging directory is left beside the code.
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("sdls-pull"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Without the local-only file the code is the deployed package again.
    std::fs::remove_file(dir.path().join("code/notes.txt")).expect("delete");
    let (code, report) = plan_code(dir.path(), &emu);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["functions"][0]["code"]["status"], "in-sync",
        "{report:#}"
    );

    // Nothing left to pull.
    let run = pull(dir.path(), &emu, &["--code", "-y"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("already is the deployed package"),
        "{}",
        run.describe()
    );
}

#[test]
fn pull_code_refuses_a_code_path_that_is_a_file() {
    let emu = Emulator::start(&[]);
    let dir = project_with(&common::plan::s_yaml(&[("api", &api_props())]));
    deploy(dir.path(), &emu, &["-y"]).assert_code(0);
    let mut props = api_props();
    props["code"] = json!("./app.zip");
    common::write(
        dir.path(),
        "s.yaml",
        common::plan::s_yaml(&[("api", &props)]),
    );
    common::write(dir.path(), "app.zip", "not really a zip");
    let before = tree(dir.path());
    let run = pull(dir.path(), &emu, &["--code", "-y"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("api: code not pulled")
            && run.stdout.contains("is a file")
            && run.stdout.contains("point `code:` at a directory"),
        "{}",
        run.describe()
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn code_a_teammate_deployed_is_pulled_and_plan_shows_the_code_in_sync() {
    let emu = Emulator::start(&[]);
    let text = common::plan::s_yaml(&[("api", &api_props())]);
    let mine = project_with(&text);
    deploy(mine.path(), &emu, &["-y"]).assert_code(0);
    // A teammate deploys other code to the same function from their own copy.
    let theirs = project_with(&text);
    common::write(
        theirs.path(),
        "code/index.py",
        "def handler(e, c):\n    return 'v2'\n",
    );
    deploy(theirs.path(), &emu, &["--use-local", "-y"]).assert_code(0);

    let (_, report) = plan_code(mine.path(), &emu);
    assert_eq!(
        report["functions"][0]["code"]["status"], "remote-changed",
        "{report:#}"
    );
    let run = pull(mine.path(), &emu, &["--code", "-y"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("overwritten: index.py"),
        "{}",
        run.describe()
    );
    assert_eq!(
        tree(&mine.path().join("code")),
        tree(&theirs.path().join("code"))
    );
    let (code, report) = plan_code(mine.path(), &emu);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["functions"][0]["code"]["status"], "in-sync",
        "{report:#}"
    );
}
