//! The pull edit engine on fixtures: a remote view made from the file's own view with a few
//! values changed, compared (the differences `sdls plan` shows), turned into edits; the edited
//! file is snapshotted, and a fresh analysis of it compares equal to the remote except for the
//! paths reported as not pulled ("after a pull, plan reports config in-sync").
#![cfg(test)]

use std::path::Path;

use analysis::{Analysis, CheckOptions, FileInput, MemoryHost};
use expect_test::{Expect, expect};
use ops::normalize::{self, Context, View};
use ops::pull::{self, PullChange};
use serde_json::{Value as Json, json};

fn analyse(text: &str) -> Analysis {
    let path = Path::new("/w/s.yaml");
    let host = MemoryHost::new().with_file(path, text);
    analysis::check(
        &FileInput {
            path,
            text,
            workspace: Some(Path::new("/w")),
        },
        &host,
        CheckOptions::default(),
    )
}

fn ctx() -> Context {
    Context {
        account_id: Some("1234567890".into()),
        region: "cn-hangzhou".into(),
    }
}

fn local_view(analysis: &Analysis, resource: &str) -> normalize::LocalView {
    let (functions, _) = ops::local::functions(analysis, Path::new("/w"));
    let function = functions
        .iter()
        .find(|f| f.resource == resource)
        .expect("the function");
    normalize::local(function, &ctx())
}

/// Pulls `resource` from a remote made by `change` on the local view; returns the new text, the
/// not-pulled lines, and checks the round trip.
fn pull(text: &str, resource: &str, change: impl FnOnce(&mut View)) -> (String, String) {
    let before = analyse(text);
    let local = local_view(&before, resource);
    let mut remote = local.view.clone();
    change(&mut remote);
    let diffs = normalize::compare(&local, &remote).diffs;
    assert!(!diffs.is_empty(), "the change makes no difference");
    let changes: Vec<PullChange> = diffs
        .iter()
        .map(|d| PullChange {
            path: d.path.clone(),
            remote: d.other.clone(),
        })
        .collect();
    let edits = pull::edits_for(&before, resource, &changes).expect("edits");
    let after_text = pull::apply(text, &edits.edits);
    let after = analyse(&after_text);
    let left: Vec<String> = normalize::compare(&local_view(&after, resource), &remote)
        .diffs
        .iter()
        .map(|d| d.path.dotted())
        .collect();
    let not_pulled: Vec<String> = edits.not_pulled.iter().map(|n| n.path.dotted()).collect();
    assert_eq!(left, not_pulled, "after the pull:\n{after_text}");
    let report = edits
        .not_pulled
        .iter()
        .map(|n| format!("{}: {}\n", n.path, n.reason))
        .collect();
    (after_text, report)
}

fn check(text: &str, resource: &str, change: impl FnOnce(&mut View), file: Expect, report: Expect) {
    let (after, not_pulled) = pull(text, resource, change);
    file.assert_eq(&after);
    report.assert_eq(&not_pulled);
}

fn set(view: &mut View, path: &[&str], value: Option<Json>) {
    let mut map = view;
    for seg in &path[..path.len() - 1] {
        map = map
            .entry(seg.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object");
    }
    let last = path[path.len() - 1].to_string();
    match value {
        Some(v) => {
            map.insert(last, v);
        }
        None => {
            map.remove(&last);
        }
    }
}

const APP: &str = r#"edition: 3.0.0
name: app
vars:
  region: cn-hangzhou
  memory: 512 # shared by both functions
  timeout: 30 # only api
resources:
  api:
    component: fc3
    props:
      region: ${vars.region}
      functionName: 'api-fn' # quoted
      runtime: nodejs18
      handler: index.handler
      description: "the api"
      memorySize: ${vars.memory}
      timeout: ${vars.timeout}
      environmentVariables:
        MODE: prod # the mode
        OLD: x
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods:
              - GET
              - POST
  worker:
    component: fc3
    props:
      region: ${vars.region}
      functionName: worker
      runtime: python3.10
      handler: index.handler
      memorySize: ${vars.memory}
"#;

#[test]
fn scalars_keep_their_style_and_comments() {
    check(
        APP,
        "api",
        |v| {
            set(v, &["description"], Some(json!("the new api: v2")));
            set(v, &["handler"], Some(json!("main.handler")));
            set(v, &["runtime"], Some(json!("nodejs20")));
        },
        expect![[r#"
            edition: 3.0.0
            name: app
            vars:
              region: cn-hangzhou
              memory: 512 # shared by both functions
              timeout: 30 # only api
            resources:
              api:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: 'api-fn' # quoted
                  runtime: nodejs20
                  handler: main.handler
                  description: "the new api: v2"
                  memorySize: ${vars.memory}
                  timeout: ${vars.timeout}
                  environmentVariables:
                    MODE: prod # the mode
                    OLD: x
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
                          - POST
              worker:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: worker
                  runtime: python3.10
                  handler: index.handler
                  memorySize: ${vars.memory}
        "#]],
        expect![""],
    );
}

#[test]
fn a_var_used_once_is_edited_a_shared_one_is_reported() {
    check(
        APP,
        "api",
        |v| {
            set(v, &["memorySize"], Some(json!(1024)));
            set(v, &["timeout"], Some(json!(60)));
        },
        expect![[r#"
            edition: 3.0.0
            name: app
            vars:
              region: cn-hangzhou
              memory: 512 # shared by both functions
              timeout: 60 # only api
            resources:
              api:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: 'api-fn' # quoted
                  runtime: nodejs18
                  handler: index.handler
                  description: "the api"
                  memorySize: ${vars.memory}
                  timeout: ${vars.timeout}
                  environmentVariables:
                    MODE: prod # the mode
                    OLD: x
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
                          - POST
              worker:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: worker
                  runtime: python3.10
                  handler: index.handler
                  memorySize: ${vars.memory}
        "#]],
        expect![[r#"
            memorySize: it comes from ${vars.memory}, used 2 times; change it there by hand
        "#]],
    );
}

#[test]
fn env_vars_changed_added_removed() {
    check(
        APP,
        "api",
        |v| {
            set(v, &["environmentVariables", "MODE"], Some(json!("dev")));
            set(v, &["environmentVariables", "OLD"], None);
            set(
                v,
                &["environmentVariables", "NEW"],
                Some(json!("yes: really")),
            );
        },
        expect![[r#"
            edition: 3.0.0
            name: app
            vars:
              region: cn-hangzhou
              memory: 512 # shared by both functions
              timeout: 30 # only api
            resources:
              api:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: 'api-fn' # quoted
                  runtime: nodejs18
                  handler: index.handler
                  description: "the api"
                  memorySize: ${vars.memory}
                  timeout: ${vars.timeout}
                  environmentVariables:
                    MODE: dev # the mode
                    NEW: 'yes: really'
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
                          - POST
              worker:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: worker
                  runtime: python3.10
                  handler: index.handler
                  memorySize: ${vars.memory}
        "#]],
        expect![""],
    );
}

#[test]
fn trigger_methods_list_replaced() {
    check(
        APP,
        "api",
        |v| {
            set(
                v,
                &["triggers", "http", "triggerConfig", "methods"],
                Some(json!(["GET", "POST", "PUT"])),
            );
        },
        expect![[r#"
            edition: 3.0.0
            name: app
            vars:
              region: cn-hangzhou
              memory: 512 # shared by both functions
              timeout: 30 # only api
            resources:
              api:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: 'api-fn' # quoted
                  runtime: nodejs18
                  handler: index.handler
                  description: "the api"
                  memorySize: ${vars.memory}
                  timeout: ${vars.timeout}
                  environmentVariables:
                    MODE: prod # the mode
                    OLD: x
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
                          - POST
                          - PUT
              worker:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: worker
                  runtime: python3.10
                  handler: index.handler
                  memorySize: ${vars.memory}
        "#]],
        expect![""],
    );
}

#[test]
fn missing_keys_inserted_in_block_style() {
    check(
        APP,
        "worker",
        |v| {
            set(v, &["timeout"], Some(json!(60)));
            set(
                v,
                &["environmentVariables"],
                Some(json!({"A": "1", "B": "two words"})),
            );
        },
        expect![[r#"
            edition: 3.0.0
            name: app
            vars:
              region: cn-hangzhou
              memory: 512 # shared by both functions
              timeout: 30 # only api
            resources:
              api:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: 'api-fn' # quoted
                  runtime: nodejs18
                  handler: index.handler
                  description: "the api"
                  memorySize: ${vars.memory}
                  timeout: ${vars.timeout}
                  environmentVariables:
                    MODE: prod # the mode
                    OLD: x
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
                          - POST
              worker:
                component: fc3
                props:
                  region: ${vars.region}
                  functionName: worker
                  runtime: python3.10
                  handler: index.handler
                  memorySize: ${vars.memory}
                  environmentVariables:
                    A: '1'
                    B: two words
                  timeout: 60
        "#]],
        expect![""],
    );
}

#[test]
fn flow_mapping_is_rewritten() {
    let text = "edition: 3.0.0\nname: a\nresources:\n  f:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: f\n      runtime: nodejs18\n      handler: index.handler\n      environmentVariables: {A: '1', B: '2'} # flow\n";
    check(
        text,
        "f",
        |v| set(v, &["environmentVariables", "A"], Some(json!("3"))),
        expect![[r#"
            edition: 3.0.0
            name: a
            resources:
              f:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: f
                  runtime: nodejs18
                  handler: index.handler
                  environmentVariables: {A: '3', B: '2'} # flow
        "#]],
        expect![""],
    );
}

#[test]
fn legacy_files_are_refused() {
    let text = "edition: 1.0.0\nname: a\nservices:\n  f:\n    component: fc\n    props:\n      region: cn-hangzhou\n      service:\n        name: s\n      function:\n        name: f\n        runtime: nodejs14\n        handler: index.handler\n";
    let analysis = analyse(text);
    let err = pull::edits_for(&analysis, "f", &[]).expect_err("refused");
    assert_eq!(err, pull::LEGACY_REFUSAL);
}

const VARS: &str = r#"edition: 3.0.0
name: v
vars:
  methods: [GET, POST] # only here
resources:
  f:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: f
      runtime: nodejs18
      handler: ${env('HANDLER')}
      environmentVariables: {A: '1', B: '2'}
      triggers:
        - triggerName: web
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: ${vars.methods}
"#;

#[test]
fn a_list_var_used_once_is_rewritten_in_its_flow_style() {
    check(
        VARS,
        "f",
        |v| {
            set(
                v,
                &["triggers", "web", "triggerConfig", "methods"],
                Some(json!(["GET"])),
            )
        },
        expect![[r#"
            edition: 3.0.0
            name: v
            vars:
              methods: [GET] # only here
            resources:
              f:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: f
                  runtime: nodejs18
                  handler: ${env('HANDLER')}
                  environmentVariables: {A: '1', B: '2'}
                  triggers:
                    - triggerName: web
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods: ${vars.methods}
        "#]],
        expect![""],
    );
}

#[test]
fn flow_removals_and_run_time_values_are_reported() {
    check(
        VARS,
        "f",
        |v| {
            set(v, &["environmentVariables", "B"], None);
            set(v, &["description"], Some(json!("from the console")));
        },
        expect![[r#"
            edition: 3.0.0
            name: v
            vars:
              methods: [GET, POST] # only here
            resources:
              f:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: f
                  runtime: nodejs18
                  handler: ${env('HANDLER')}
                  environmentVariables: {A: '1', B: '2'}
                  triggers:
                    - triggerName: web
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods: ${vars.methods}
                  description: from the console
        "#]],
        expect![[r#"
            environmentVariables.B: it is in a flow mapping; remove it by hand
        "#]],
    );
}

#[test]
fn a_block_list_replaced_keeps_the_lines_after_it() {
    let text = "edition: 3.0.0\nname: a\nresources:\n  f:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: f\n      runtime: nodejs18\n      handler: index.handler\n      triggers:\n        - triggerName: web\n          triggerType: http\n          triggerConfig:\n            methods:\n            - GET # first\n            - POST # last\n            authType: anonymous # after\n";
    check(
        text,
        "f",
        |v| {
            set(
                v,
                &["triggers", "web", "triggerConfig", "methods"],
                Some(json!(["GET", "PUT"])),
            )
        },
        expect![[r#"
            edition: 3.0.0
            name: a
            resources:
              f:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: f
                  runtime: nodejs18
                  handler: index.handler
                  triggers:
                    - triggerName: web
                      triggerType: http
                      triggerConfig:
                        methods:
                        - GET
                        - PUT # last
                        authType: anonymous # after
        "#]],
        expect![""],
    );
}

#[test]
fn a_key_is_appended_after_a_nested_last_entry() {
    let text = "edition: 3.0.0\nname: a\nresources:\n  f:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: f\n      runtime: nodejs18\n      handler: index.handler\n      triggers:\n        - triggerName: web\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET]\n  # the next resource\n  g:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: g\n      runtime: nodejs18\n      handler: index.handler\n";
    check(
        text,
        "f",
        |v| {
            set(v, &["timeout"], Some(json!(60)));
            set(v, &["environmentVariables"], Some(json!({"A": "x"})));
        },
        expect![[r#"
            edition: 3.0.0
            name: a
            resources:
              f:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: f
                  runtime: nodejs18
                  handler: index.handler
                  triggers:
                    - triggerName: web
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods: [GET]
                  environmentVariables:
                    A: x
                  timeout: 60
              # the next resource
              g:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: g
                  runtime: nodejs18
                  handler: index.handler
        "#]],
        expect![""],
    );
}
