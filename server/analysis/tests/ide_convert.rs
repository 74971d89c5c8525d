//! The legacy → 3.0.0 conversion: every legacy file of the corpus converts to a file that parses,
//! checks without new errors, keeps every comment and deploys the same functions; fixtures pin the
//! full output of a few files and the fixes of the upstream `s2tos3` bugs.
#![cfg(test)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use analysis::ide::{self, Rewrite};
use analysis::{
    Analysis, CheckOptions, ComponentKind, FileInput, MemoryHost, Severity, Value, check,
};
use expect_test::{Expect, expect};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml")
}

fn legacy_corpus() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(corpus_dir())
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?.replace("\r\n", "\n");
            text.lines()
                .any(|l| l.starts_with("services:"))
                .then(|| (p.file_name().unwrap().to_string_lossy().into_owned(), text))
        })
        .collect();
    files.sort();
    files
}

fn analyse(text: &str, host: &MemoryHost) -> Analysis {
    check(
        &FileInput {
            path: Path::new("/p/s.yaml"),
            text,
            workspace: None,
        },
        host,
        CheckOptions::default(),
    )
}

fn apply(text: &str, rewrite: &Rewrite) -> String {
    let mut out = text.to_string();
    let mut edits = rewrite.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    for e in edits {
        out.replace_range(
            usize::from(e.range.start())..usize::from(e.range.end()),
            &e.new_text,
        );
    }
    out
}

fn convert(text: &str, host: &MemoryHost) -> (String, Rewrite) {
    let analysis = analyse(text, host);
    let rewrite = ide::convert_legacy(&analysis).expect("a legacy file converts");
    (apply(text, &rewrite), rewrite)
}

/// Every comment of a text (from `#` to the end of the line), trimmed.
fn comments(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            if t.starts_with('#') {
                return Some(t.to_string());
            }
            l.find(" #").map(|i| l[i + 1..].trim().to_string())
        })
        .filter(|c| c.len() > 1)
        .collect()
}

fn errors(a: &Analysis) -> BTreeSet<String> {
    a.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code.to_string())
        .collect()
}

fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    let v = v.path(path)?;
    v.js_string()
        .or_else(|| v.to_json().as_str().map(str::to_string))
}

#[test]
fn every_legacy_corpus_file_converts() {
    let files = legacy_corpus();
    assert!(files.len() >= 19, "{} legacy files", files.len());
    let host = MemoryHost::new();
    let mut failures = Vec::new();
    for (name, text) in &files {
        let before = analyse(text, &host);
        let (converted, rewrite) = convert(text, &host);
        let after = analyse(&converted, &host);
        let mut fail = |m: String| failures.push(format!("{name}: {m}"));
        assert!(!rewrite.edits.is_empty());
        // Parses (or fails exactly as the original did, for an unrendered registry template).
        if !syntax::parse(&converted).errors.is_empty() && syntax::parse(text).errors.is_empty() {
            fail(format!("does not parse:\n{converted}"));
            continue;
        }
        // No new errors, except those the notes explain: a resource with only a service (fc3
        // deploys functions), legacy environments (`${environment.*}` has no 3.0.0 form) and
        // duplicate trigger names the legacy component tolerated.
        let noted = |s: &str| rewrite.notes.iter().any(|n| n.contains(s));
        let new: Vec<String> = errors(&after)
            .difference(&errors(&before))
            .cloned()
            .collect();
        let unexplained: Vec<String> = after
            .diagnostics
            .iter()
            .filter(|d| new.contains(&d.code.to_string()))
            .filter(|d| {
                let explained = match d.code {
                    "missing-property" => {
                        noted("no function")
                            || (d.message.contains("`region`") && noted("legacy environment"))
                    }
                    "unresolved-variable" => {
                        d.message.contains("${environment.") && noted("legacy environment")
                    }
                    "duplicate-trigger" => noted("two triggers are named"),
                    _ => false,
                };
                !explained
            })
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        if !unexplained.is_empty() {
            fail(format!("new errors {unexplained:#?}\n{converted}"));
        }
        // Comments kept.
        for c in comments(text) {
            if !converted.contains(&c) {
                fail(format!("lost comment {c:?}"));
            }
        }
        // The same functions, with the same settings and triggers.
        let (Some(m0), Some(m1)) = (&before.model, &after.model) else {
            if before.model.is_some() {
                fail("no model after conversion".into());
            }
            continue;
        };
        if !converted.contains("edition: 3.0.0") {
            fail("edition not converted".into());
        }
        for r in &m0.resources {
            if r.kind.schema_kind() != Some(&ComponentKind::LegacyFc) {
                continue;
            }
            let Some(c) = m1.resources.iter().find(|x| x.name == r.name) else {
                fail(format!("resource {} missing", r.name));
                continue;
            };
            if c.kind.schema_kind() != Some(&ComponentKind::Fc3)
                && r.props.get("function").is_some()
            {
                fail(format!("{} is not fc3: {:?}", r.name, c.kind));
            }
            let Some(function) = r.props.get("function") else {
                continue;
            };
            let service = str_at(&r.props, &["service", "name"]);
            let fname = str_at(function, &["name"]);
            if let (Some(s), Some(f)) = (&service, &fname) {
                let expected = format!("{s}${f}");
                let got = str_at(&c.props, &["functionName"]);
                if got.as_deref() != Some(&expected) {
                    fail(format!(
                        "{}: functionName {got:?}, expected {expected}",
                        r.name
                    ));
                }
            }
            for (old, new) in [
                ("runtime", "runtime"),
                ("handler", "handler"),
                ("memorySize", "memorySize"),
                ("timeout", "timeout"),
                ("codeUri", "code"),
                ("cpu", "cpu"),
                ("diskSize", "diskSize"),
            ] {
                let a = function.get(old).map(Value::to_json);
                let b = c.props.get(new).map(Value::to_json);
                if a != b {
                    fail(format!("{}: {old} {a:?} became {new} {b:?}", r.name));
                }
            }
            let triggers =
                |v: Option<&Value>, n: &str, t: &str| -> Vec<(Option<String>, Option<String>)> {
                    v.and_then(Value::as_list)
                        .unwrap_or_default()
                        .iter()
                        .map(|x| (str_at(x, &[n]), str_at(x, &[t])))
                        .collect()
                };
            let t0 = triggers(r.props.get("triggers"), "name", "type");
            let t1 = triggers(c.props.get("triggers"), "triggerName", "triggerType");
            if t0 != t1 {
                fail(format!("{}: triggers {t0:?} became {t1:?}", r.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[track_caller]
fn check_convert(name: &str, expect: Expect, notes: Expect) {
    let text = std::fs::read_to_string(corpus_dir().join(name))
        .expect("corpus file")
        .replace("\r\n", "\n");
    let (converted, rewrite) = convert(&text, &MemoryHost::new());
    expect.assert_eq(&converted);
    notes.assert_eq(&(rewrite.notes.join("\n") + "\n"));
}

#[track_caller]
fn check_fixture(text: &str, expect: Expect) {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: String = text
        .lines()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect();
    let (converted, rewrite) = convert(&text, &MemoryHost::new());
    let after = analyse(&converted, &MemoryHost::new());
    let shown: Vec<String> = after
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("error[{}] {}", d.code, d.message))
        .collect();
    expect.assert_eq(&format!(
        "{converted}---\n{}\n---\n{}\n",
        rewrite.notes.join("\n"),
        shown.join("\n")
    ));
}

#[test]
fn function_config_in_full() {
    check_convert(
        "devsapp__fc__examples__function-config__s.yaml",
        expect![[r#"
            edition: 3.0.0          #  命令行YAML规范版本，遵循语义化版本（Semantic Versioning）规范
            name: fcDeployApp       #  项目名称
            access: default  #  秘钥别名

            resources:
              fc-deploy-test:
                component: fc3
                props: #  组件的属性值
                  region: cn-shenzhen
                  # sdls: FC 2.0 service description (fc3 has no services): demo for fc-deploy component
                  internetAccess: true
                  functionName: demo$function-config-test
                  description: this is a test
                  runtime: nodejs10
                  code: ./code
                  handler: index.handler
                  memorySize: 128
                  timeout: 60
                  instanceLifecycleConfig:
                    # sdls: fc3 has no preFreeze hook; it was removed
                    preStop:
                      handler: index.preStop
                      preStop: 60
                  asyncInvokeConfig:
                    destinationConfig:
                      onSuccess:
                        destination: acs:fc:${this.props.region}::services/ServerlessTool.LATEST/functions/serverless_demo_nodejs8_http
                      onFailure:
                        destination: acs:fc:${this.props.region}::services/Puppeteer/functions/HtmlToPng
                    maxAsyncEventAgeInSeconds: 456
                    maxAsyncRetryAttempts: 3
                    asyncTask: false
        "#]],
        expect![[r#"
            `fc-deploy-test`: component `${path(../..)}` is converted as the fc component; it now says `fc3`
            `fc-deploy-test`: the preFreeze hook has no fc3 equivalent and was removed
            `fc-deploy-test`: check the destination ARNs of `asyncInvokeConfig` (FC 3.0 functions are `<service>$<function>`)
        "#]],
    );
}

#[test]
fn custom_domain_in_full() {
    check_convert(
        "devsapp__fc__examples__custom-domain__s.yaml",
        expect![[r#"
            edition: 3.0.0
            name: fcDeployApp

            resources:
              fc-deploy-test:
                # component: ${path(../..)}
                component: fc3
                props:
                  region: cn-shenzhen
                  # sdls: FC 2.0 service description (fc3 has no services): demo for fc-deploy component
                  internetAccess: true
                  functionName: fc-deploy-service$http-trigger-function
                  description: this is a test
                  runtime: nodejs10
                  code: ./code
                  handler: index.handler
                  triggers:
                    - triggerName: httpTrigger
                      triggerType: http
                      triggerConfig:
                        authType: anonymous
                        methods:
                          - GET
              fc3_domain_0:
                component: fc3-domain
                props:
                  region: cn-shenzhen
                  domainName: auto
                  protocol: HTTP
                  routeConfig:
                    routes:
                      - path: /*
                        functionName: ${resources.fc-deploy-test.props.functionName}
        "#]],
        expect![[r#"
            `fc-deploy-test`: its custom domains became `fc3-domain` resources (or use fc3's own `customDomain` prop for a single route)
        "#]],
    );
}

#[test]
fn service_from_a_var_becomes_a_template() {
    check_fixture(
        r#"
        edition: 1.0.0
        vars:
          region: cn-hangzhou
          service:
            name: svc # the service
            description: demo
            internetAccess: true
            logConfig: auto
            vpcConfig: auto
        services:
          a:
            component: fc
            props:
              region: ${vars.region}
              service: ${vars.service}
              function:
                name: a
                runtime: python3.9
                codeUri: ./a
                handler: index.handler
          b:
            component: fc
            props:
              region: ${vars.region}
              service: ${vars.service}
              function:
                name: b
                runtime: python3.9
                codeUri: ./b
                handler: index.handler
                environmentVariables:
                  A_URL: ${a.output.url}
                  A_NAME: ${a.props.function.name}
        "#,
        expect![[r#"
            edition: 3.0.0
            vars:
              region: cn-hangzhou
              service:
                name: svc # the service
                description: demo
            template:
              template_svc:
                internetAccess: true
                logConfig: auto
                vpcConfig: auto
            resources:
              a:
                component: fc3
                extend:
                  name: template_svc
                props:
                  region: ${vars.region}
                  functionName: svc$a
                  runtime: python3.9
                  code: ./a
                  handler: index.handler
              b:
                component: fc3
                extend:
                  name: template_svc
                props:
                  region: ${vars.region}
                  functionName: svc$b
                  runtime: python3.9
                  code: ./b
                  handler: index.handler
                  environmentVariables:
                    A_URL: ${resources.a.output.url}
                    A_NAME: ${resources.a.props.functionName}

            ---
            `vars.service`: the service fields other than name and description moved to `template.template_svc`
            ---

        "#]],
    );
}

#[test]
fn gpu_containers_and_ports() {
    check_fixture(
        r#"
        edition: 1.0.0
        services:
          sd:
            component: devsapp/fc@0.1.2
            props:
              region: cn-hangzhou
              service:
                name: ai
              function:
                name: sd
                runtime: custom-container
                instanceType: fc.gpu.ampere.1 # A10
                gpuMemorySize: 8192
                memorySize: 16384
                cpu: 4
                caPort: 7860
                timeout: 600
                customContainerConfig:
                  image: registry.example/sd:1
                  command: '["python", "app.py"]'
                  args: '["--port", "7860"]'
                  accelerationType: Default
                  webServerMode: true
          web:
            component: fc
            props:
              region: cn-hangzhou
              service:
                name: ai
              function:
                name: web
                runtime: custom
                codeUri: ./web
                caPort: 9000
                instanceConcurrency: 10
                initializer: index.init
                initializationTimeout: 30
        "#,
        expect![[r#"
            edition: 3.0.0
            resources:
              sd:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: ai$sd
                  runtime: custom-container
                  # A10
                  gpuConfig:
                    gpuMemorySize: 8192
                    gpuType: fc.gpu.ampere.1
                  memorySize: 16384
                  cpu: 4
                  timeout: 600
                  customContainerConfig:
                    image: registry.example/sd:1
                    entrypoint: ["python", "app.py"]
                    command: ["--port", "7860"]
                    port: 7860
              web:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: ai$web
                  runtime: custom
                  code: ./web
                  customRuntimeConfig:
                    port: 9000
                  instanceConcurrency: 10
                  instanceLifecycleConfig:
                    initializer:
                      handler: index.init
                      timeout: 30

            ---

            ---

        "#]],
    );
}

#[test]
fn triggers_get_their_source_arn() {
    check_fixture(
        r#"
        edition: 1.0.0
        services:
          t:
            component: fc
            props:
              region: cn-hangzhou
              service:
                name: s
              function:
                name: f
                runtime: nodejs18
                codeUri: ./code
                handler: index.handler
              triggers:
                - name: oss
                  type: oss
                  role: acs:ram::1:role/r
                  config:
                    bucketName: b
                    events: [oss:ObjectCreated:*]
                    filter:
                      Key:
                        Prefix: in/
                        Suffix: .png
                - name: mns
                  type: mns_topic
                  config:
                    topicName: topic
                    notifyContentFormat: JSON
                    notifyStrategy: BACKOFF_RETRY
                - name: ots
                  type: tablestore
                  config:
                    instanceName: i
                    tableName: t
        "#,
        expect![[r#"
            edition: 3.0.0
            resources:
              t:
                component: fc3
                props:
                  region: cn-hangzhou
                  functionName: s$f
                  runtime: nodejs18
                  code: ./code
                  handler: index.handler
                  triggers:
                    - triggerName: oss
                      triggerType: oss
                      sourceArn: acs:oss:${this.props.region}:${config('AccountID')}:b
                      invocationRole: acs:ram::1:role/r
                      triggerConfig:
                        events: [oss:ObjectCreated:*]
                        filter:
                          key:
                            prefix: in/
                            suffix: .png
                    - triggerName: mns
                      triggerType: mns_topic
                      sourceArn: acs:mns:${this.props.region}:${config('AccountID')}:/topics/topic
                      triggerConfig:
                        notifyContentFormat: JSON
                        notifyStrategy: BACKOFF_RETRY
                    - triggerName: ots
                      triggerType: tablestore
                      sourceArn: acs:ots:${this.props.region}:${config('AccountID')}:instance/i/table/t
                      triggerConfig: {}

            ---

            ---

        "#]],
    );
}

#[test]
fn not_a_legacy_file() {
    let a = analyse("edition: 3.0.0\nresources: {}\n", &MemoryHost::new());
    assert!(ide::convert_legacy(&a).is_none());
}
