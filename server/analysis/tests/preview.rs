//! The resolved view (`analysis::preview`): run order, the JSON shape of Serverless Devs' steps,
//! and the human (YAML) format with its comments on values known only at run time. One fixture
//! per magic-variable form (reference §1.3.2) and per rule of §1.3.3–§1.3.8, §1.6 and §1.3.10.
#![cfg(test)]

use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, UnsetEnv, check, preview};
use expect_test::{Expect, expect};

const DIR: &str = "/p";

fn analyse(text: &str, host: &MemoryHost) -> analysis::Analysis {
    let path = Path::new(DIR).join("s.yaml");
    let input = FileInput {
        path: &path,
        text,
        workspace: Some(Path::new(DIR)),
    };
    check(
        &input,
        host,
        CheckOptions {
            unset_env: UnsetEnv::Error,
        },
    )
}

/// The human format, or the failures when resolution fails.
fn human(text: &str, host: &MemoryHost, resource: Option<&str>) -> String {
    let analysis = analyse(text, host);
    let p = preview(&analysis, resource).unwrap();
    if p.failures.is_empty() {
        p.to_yaml()
    } else {
        p.failures
            .iter()
            .map(|d| format!("error[{}] {}\n", d.code, d.message))
            .collect()
    }
}

fn check_yaml(text: &str, expect: Expect) {
    expect.assert_eq(&human(text, &MemoryHost::new(), None));
}

/// Step names in run order with their `order` / `flowId`.
fn order(text: &str) -> String {
    let p = preview(&analyse(text, &MemoryHost::new()), None).unwrap();
    let j = p.to_json();
    j["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} order={} flowId={}",
                s["projectName"].as_str().unwrap(),
                s["order"],
                s["flowId"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn magic_variable_forms() {
    let host = MemoryHost::new()
        .with_file("/p/code/a.txt", "hello\nworld\n")
        .with_file("/p/conf.json", r#"{"name": "from-json", "n": 3}"#)
        .with_file("/p/.env", "FROM_DOTENV=dotenv-value\n")
        .with_env("SET_HERE", "process-value");
    let text = r#"edition: 3.0.0
name: app
vars:
  region: cn-hangzhou
  mem: 512
  tags: [a, b]
resources:
  api:
    component: fc3
    props:
      region: ${vars.region}
      memorySize: ${vars.mem}
      description: mem-${vars.mem}-${vars.tags}
      env-default: ${env('NOPE', 'fallback')}
      env-number-default: ${env('NOPE', 3)}
      env-process: ${env('SET_HERE')}
      env-dotenv: ${env(FROM_DOTENV)}
      file: ${file('./code/a.txt')}
      json: ${json(file('./conf.json')).name}
      path: ${path('./code/a.txt')}
      b64: ${base64(abc)}
      str: ${str('vars.mem')}
      this-name: ${this.name}
      this-prop: ${this.props.region}
      cwd: ${cwd}
      account: ${config('AccountID')}
      secret-ref: ${secret('k')}
      placeholder: ${self.x}
      output: ${resources.db.output.url}
      info: ${resources.db.info.x}
      empty:
      nothing: null
  db:
    component: fc3
    props:
      region: ${resources.api.props.region}
      functionName: db
"#;
    expect![[r#"
        # Resolved by sdls as `s preview` shows it for `deploy`
        edition: 3.0.0
        vars:
          region: cn-hangzhou
          mem: 512
          tags:
            - a
            - b
        resources: # in run order
          db: # order 0
            component: fc3
            props:
              region: cn-hangzhou
              functionName: db
          api: # order 1
            component: fc3
            props:
              region: cn-hangzhou
              memorySize: 512
              description: mem-512-a,b
              env-default: fallback
              env-number-default: 3
              env-process: process-value
              env-dotenv: dotenv-value
              file: |
                hello
                world
              json: from-json
              path: /p/code/a.txt
              b64: YWJj
              str: "512"
              this-name: api
              this-prop: cn-hangzhou
              cwd: /p
              account: ${config('AccountID')} # known only when s runs: read from your credentials when `s` runs
              secret-ref: ${secret('k')} # known only when s runs: read from `s secret` when `s` runs
              placeholder: ${self.x} # known only when s runs: a template placeholder filled in by `s init`
              output: ${resources.db.output.url} # known only when s runs: known only after the resource runs
              info: ${resources.db.info.x} # known only when s runs: known only after the resource runs
    "#]]
    .assert_eq(&human(text, &host, None));
}

#[test]
fn secrets_are_masked_in_the_human_format_only() {
    let host = MemoryHost::new().with_env("DB_PASSWORD", "hunter2");
    let text = r#"edition: 3.0.0
resources:
  api:
    component: fc3
    props:
      environmentVariables:
        DB_PASSWORD: ${env('DB_PASSWORD')}
        accessKeySecret: literal-secret
        plain: shown
"#;
    expect![[r#"
        # Resolved by sdls as `s preview` shows it for `deploy`
        edition: 3.0.0
        resources: # in run order
          api:
            component: fc3
            props:
              environmentVariables:
                DB_PASSWORD: •••••• # hidden: the name looks like a secret
                accessKeySecret: •••••• # hidden: the name looks like a secret
                plain: shown
    "#]]
    .assert_eq(&human(text, &host, None));
    let json = preview(&analyse(text, &host), None).unwrap().to_json();
    assert_eq!(
        json["steps"][0]["props"]["environmentVariables"]["DB_PASSWORD"],
        "hunter2"
    );
}

#[test]
fn template_extend_and_types() {
    check_yaml(
        r#"edition: 3.0.0
template:
  base:
    region: cn-shanghai
    timeout: 60
    layers: [x, y]
resources:
  api:
    component: fc3
    extend:
      name: base
      ignore: [timeout]
    props:
      layers: [z]
      on: "true"
      quoted: "${this.name}"
      spaced: " ${this.name}"
"#,
        expect![[r##"
            # Resolved by sdls as `s preview` shows it for `deploy`
            edition: 3.0.0
            resources: # in run order
              api:
                component: fc3
                props:
                  region: cn-shanghai
                  layers:
                    - z
                  "on": "true"
                  quoted: api
                  spaced: " api"
        "##]],
    );
}

#[test]
fn unknown_names_and_unset_env_fail_as_s_preview_does() {
    check_yaml(
        r#"edition: 3.0.0
resources:
  api:
    component: fc3
    props:
      a: ${vars.nope}
      b: ${env('UNSET_FOR_SURE_123')}
"#,
        expect![[r#"
            error[unresolved-variable] `${vars.nope}` not found: `vars` has no `nope`
            error[unset-env] environment variable `UNSET_FOR_SURE_123` is not set here and `${env('UNSET_FOR_SURE_123')}` has no default; `s` fails unless it is set where it runs (add it to .env or give a default: `${env('UNSET_FOR_SURE_123', 'value')}`)
        "#]],
    );
}

#[test]
fn output_references_order_the_steps() {
    // c uses b's output, b uses a's: a, b, c although the file says c, b, a.
    let text = r#"edition: 3.0.0
resources:
  c:
    component: fc3
    props: { x: "${resources.b.output.x}" }
  b:
    component: fc3
    props: { x: "${resources.a.output.x}" }
  a:
    component: fc3
    props: { x: 1 }
"#;
    expect![[r#"
        a order=0 flowId=null
        b order=1 flowId=null
        c order=2 flowId=null"#]]
    .assert_eq(&order(text));
    // No output reference: file order, no `order`. `props` and `actions` references do not count.
    let text = r#"edition: 3.0.0
resources:
  b:
    component: fc3
    props: { x: "${resources.a.props.x}" }
    actions:
      pre-deploy:
        - run: echo ${resources.a.output.x}
          path: ./
  a:
    component: fc3
    props: { x: 1 }
"#;
    expect![[r#"
        b order=null flowId=null
        a order=null flowId=null"#]]
    .assert_eq(&order(text));
}

#[test]
fn output_cycles_come_last_in_file_order() {
    // §1.3.8: `b↔c` cycle, `a`, `d→a` run as a, d, b, c.
    let text = r#"edition: 3.0.0
resources:
  a: { component: fc3, props: { x: 1 } }
  b: { component: fc3, props: { x: "${resources.c.output.x}" } }
  c: { component: fc3, props: { x: "${resources.b.output.x}" } }
  d: { component: fc3, props: { x: "${resources.a.output.x}" } }
"#;
    expect![[r#"
        a order=0 flowId=null
        d order=1 flowId=null
        b order=null flowId=null
        c order=null flowId=null"#]]
    .assert_eq(&order(text));
}

#[test]
fn a_deploy_flow_decides_the_order_and_leaves_out_unlisted_resources() {
    let text = r#"edition: 3.0.0
flow:
  remove:
    - [a]
  deploy:
    - [db]
    - [api, worker]
resources:
  api: { component: fc3, props: { x: "${resources.db.output.x}" } }
  worker: { component: fc3, props: { x: 1 } }
  db: { component: fc3, props: { x: 2 } }
  unused: { component: fc3, props: { x: 3 } }
"#;
    expect![[r#"
        db order=1 flowId=0
        api order=2 flowId=1
        worker order=0 flowId=1"#]]
    .assert_eq(&order(text));
    // A dependency in the same or a later group: `s` rejects the flow.
    check_yaml(
        r#"edition: 3.0.0
flow:
  deploy:
    - [api, db]
resources:
  api: { component: fc3, props: { x: "${resources.db.output.x}" } }
  db: { component: fc3, props: { x: 2 } }
"#,
        expect![[r#"
            error[flow-order] flow is invalid, db must be executed before api
        "#]],
    );
}

#[test]
fn a_flow_key_may_be_a_regex_tested_against_the_command() {
    // The first key that applies wins: `${regex('dep|rem')}` matches `deploy`, the later
    // literal `deploy` key is not used; a regex that does not match is skipped.
    let text = r#"edition: 3.0.0
flow:
  ${regex('^rem')}:
    - [b]
  ${regex('dep|rem')}:
    - [b]
    - [a]
  deploy:
    - [a]
resources:
  a: { component: fc3, props: { x: 1 } }
  b: { component: fc3, props: { x: 2 } }
"#;
    expect![[r#"
        b order=null flowId=0
        a order=null flowId=1"#]]
    .assert_eq(&order(text));
}

#[test]
fn one_resource_skips_order_and_flow() {
    let text = r#"edition: 3.0.0
flow:
  deploy:
    - [b]
resources:
  a: { component: fc3, props: { x: "${resources.b.output.x}" } }
  b: { component: fc3, props: { x: 2 } }
"#;
    expect![[r#"
        # Resolved by sdls as `s preview` shows it for `deploy`
        edition: 3.0.0
        resources: # in run order
          a:
            component: fc3
            props:
              x: ${resources.b.output.x} # known only when s runs: known only after the resource runs
    "#]]
    .assert_eq(&human(text, &MemoryHost::new(), Some("a")));
    let analysis = analyse(text, &MemoryHost::new());
    let err = preview(&analysis, Some("nope")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no resource `nope` in the file (resources: a, b)"
    );
}

#[test]
fn legacy_dialect() {
    // §1.3.10: `${S.output.x}`/`${S.props.x}` count as dependencies; most dependants first.
    let host = MemoryHost::new().with_env("REGION", "cn-beijing");
    let text = r#"edition: 1.0.0
name: app
vars:
  n: 5
services:
  web:
    component: devsapp/fc
    props:
      region: ${env(REGION)}
      service:
        name: svc-${vars.n}
      function:
        name: fn
        environmentVariables:
          DB: ${db.output.url}
  db:
    component: devsapp/fc
    props:
      region: ${web.props.region}
      service:
        name: db
"#;
    expect![[r##"
        # Resolved by sdls as `s preview` shows it for `deploy` (legacy dialect of editions 1.0.0/2.0.0)
        edition: 1.0.0
        vars:
          "n": 5
        services: # in run order
          web: # order 0
            component: devsapp/fc
            props:
              region: cn-beijing
              service:
                name: 5
              function:
                name: fn
                environmentVariables:
                  DB: ${db.output.url} # known only when s runs: known only after the resource runs
          db: # order 1
            component: devsapp/fc
            props:
              region: cn-beijing
              service:
                name: db
    "##]]
    .assert_eq(&human(text, &host, None));
}

#[test]
fn json_has_the_shape_of_serverless_devs_steps() {
    let text = r#"edition: 3.0.0
vars: { r: cn-hangzhou }
resources:
  api:
    component: fc3
    props: { region: "${vars.r}", cpu: 2.0, role: "${config('AccountID')}" }
    actions:
      pre-deploy:
        - run: npm i
          path: ./code
"#;
    let j = preview(&analyse(text, &MemoryHost::new()), None)
        .unwrap()
        .to_json();
    expect![[r#"
        {
          "edition": "3.0.0",
          "steps": [
            {
              "projectName": "api",
              "component": "fc3",
              "props": {
                "region": "cn-hangzhou",
                "cpu": 2.0,
                "role": "${config('AccountID')}"
              },
              "actions": {
                "pre-deploy": [
                  {
                    "run": "npm i",
                    "path": "./code"
                  }
                ]
              }
            }
          ],
          "vars": {
            "r": "cn-hangzhou"
          },
          "unknowns": [
            {
              "path": "steps.0.props.role",
              "text": "${config('AccountID')}",
              "reason": "read from your credentials when `s` runs"
            }
          ]
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&j).unwrap());
}

#[test]
fn more_magic_variable_forms() {
    let host = MemoryHost::new()
        .with_file("/p/conf.yaml", "name: from-yaml\nlist: [1, 2]\n")
        .with_file("/p/.env", "EMPTY=\nSHADOWED=dotenv\n")
        .with_env("SHADOWED", "process");
    let text = r#"edition: 3.0.0
vars:
  all: 1
  chain: ${vars.all}
resources:
  db:
    component: fc3
    vars:
      size: 3
    props:
      functionName: db
  api:
    component: fc3
    access: default
    props:
      yaml: ${yaml(file('./conf.yaml')).list}
      whole-vars: ${vars}
      chain: ${vars.chain}
      that-name: ${that.name}
      access: ${this.access}
      component: ${resources.db.component}
      db-vars: ${resources.db.vars.size}
      db-props: ${resources.db.props.functionName}
      components-output: ${components.db.output.x}
      this-output: ${this.output.x}
      credential: ${credential.AccessKeyID}
      dotenv-empty-default: ${env('EMPTY', 'empty counts as unset')}
      process-wins: ${env('SHADOWED')}
"#;
    expect![[r#"
        # Resolved by sdls as `s preview` shows it for `deploy`
        edition: 3.0.0
        vars:
          all: 1
          chain: 1
        resources: # in run order
          db:
            component: fc3
            props:
              functionName: db
          api:
            component: fc3
            props:
              yaml:
                - 1
                - 2
              whole-vars:
                all: 1
                chain: 1
              chain: 1
              that-name: api
              access: ${this.access} # known only when s runs: read from your credentials when `s` runs
              component: fc3
              db-vars: 3
              db-props: db
              components-output: ${components.db.output.x} # known only when s runs: known only after the resource runs
              this-output: ${this.output.x} # known only when s runs: known only after the resource runs
              credential: ${credential.AccessKeyID} # known only when s runs: a credential value (never shown)
              dotenv-empty-default: empty counts as unset
              process-wins: process
    "#]].assert_eq(&human(text, &host, None));
}

#[test]
fn env_dot_x_and_this_outside_a_resource_fail() {
    check_yaml(
        r#"edition: 3.0.0
vars:
  a: ${this.name}
resources:
  api:
    component: fc3
    props:
      x: ${env.HOME}
"#,
        expect![[r#"
            error[unresolved-variable] `${this.name}` not found: `this` exists only inside a resource
            error[unresolved-variable] `${env.HOME}` is not supported in edition 3.0.0 (it is always "not found"); write `${env('HOME')}`
        "#]],
    );
}
