//! Completion: fixtures with a `$0` cursor; the snapshot lists the items in order as
//! `label [kind] (detail) => insert text`, after the replaced text.
#![cfg(test)]

#[allow(dead_code)]
mod support;

use analysis::{CheckOptions, FileInput, check, ide};
use expect_test::{Expect, expect};
use syntax::TextSize;

fn items(fixture: &str) -> (String, Vec<ide::CompletionItem>) {
    let mut f = support::parse_fixture(fixture);
    let offset = f.text.find("$0").expect("fixture needs a $0 cursor");
    f.text.replace_range(offset..offset + 2, "");
    let input = FileInput {
        path: &f.path,
        text: &f.text,
        workspace: None,
    };
    let analysis = check(&input, &f.host, CheckOptions::default());
    let items = ide::completion(&analysis, &f.host, &f.path, TextSize::from(offset as u32));
    (f.text, items)
}

#[track_caller]
fn complete(fixture: &str, expect: Expect) {
    complete_limit(fixture, 12, expect);
}

#[track_caller]
fn complete_limit(fixture: &str, limit: usize, expect: Expect) {
    let (text, items) = items(fixture);
    let mut out = String::new();
    if let Some(first) = items.first() {
        out.push_str(&format!("replace [{}]\n", &text[first.replace_range]));
    }
    for i in items.iter().take(limit) {
        out.push_str(&format!(
            "{} [{:?}]{} => {}\n",
            i.label,
            i.kind,
            i.detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            i.insert_text.replace('\n', "⏎")
        ));
    }
    if items.len() > limit {
        out.push_str(&format!("… {} more\n", items.len() - limit));
    }
    expect.assert_eq(&out);
}

fn labels(fixture: &str) -> Vec<String> {
    items(fixture).1.into_iter().map(|i| i.label).collect()
}

#[test]
fn keys_required_first_present_excluded() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              $0
              handler: index.handler
        "#,
        expect![[r#"
            replace []
            functionName [Property] (string · required) => functionName: 
            runtime [Property] (string · required) => runtime: 
            code [Property] (string | object) => code: 
            description [Property] (string · default "") => description: 
            memorySize [Property] (integer · default 512) => memorySize: 
            cpu [Property] (number · default 0.35) => cpu: 
            diskSize [Property] (number · default 512) => diskSize: 
            timeout [Property] (integer · default 3) => timeout: 
            instanceConcurrency [Property] (integer · default 1) => instanceConcurrency: 
            internetAccess [Property] (boolean · default true) => internetAccess: 
            environmentVariables [Property] (object · default {}) => environmentVariables:⏎  $0
            layers [Property] (array · default []) => layers:⏎  - $0
            … 29 more
        "#]],
    );
}

#[test]
fn partial_key_in_broken_text() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              memo$0
              runtime: python3.10
        "#,
        expect![[r#"
            replace [memo]
            handler [Property] (string · required) => handler: 
            code [Property] (string | object · required) => code: 
            description [Property] (string · default "") => description: 
            memorySize [Property] (integer · default 512) => memorySize: 
            cpu [Property] (number · default 0.35) => cpu: 
            diskSize [Property] (number · default 512) => diskSize: 
            timeout [Property] (integer · default 3) => timeout: 
            instanceConcurrency [Property] (integer · default 1) => instanceConcurrency: 
            internetAccess [Property] (boolean · default true) => internetAccess: 
            environmentVariables [Property] (object · default {}) => environmentVariables:⏎  $0
            layers [Property] (array · default []) => layers:⏎  - $0
            role [Property] (string) => role: 
            … 28 more
        "#]],
    );
}

#[test]
fn key_after_colon_with_nothing_typed_yet() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              logConfig:
                $0
        "#,
        expect![[r#"
            replace []
            project [Property] (string · required) => project: 
            logstore [Property] (string · required) => logstore: 
            enableRequestMetrics [Property] (boolean) => enableRequestMetrics: 
            enableInstanceMetrics [Property] (boolean) => enableInstanceMetrics: 
            enableLlmMetrics [Property] (boolean) => enableLlmMetrics: 
            logBeginRule [Property] (string) => logBeginRule: 
        "#]],
    );
}

#[test]
fn top_level_keys() {
    complete(
        r#"
        edition: 3.0.0
        na$0
        resources: {}
        "#,
        expect![[r#"
            replace [na]
            name [Property] (string) => name: 
            access [Property] (string | number) => access: 
            vars [Property] (object) => vars:⏎  $0
            services [Property] (object) => services:⏎  $0
            template [Property] (object) => template:⏎  $0
            extend [Property] (string) => extend: 
            extends [Property] (array) => extends:⏎  - $0
            flow [Property] (object) => flow:⏎  $0
            actions [Property] (object) => actions:⏎  $0
            env [Property] (string) => env: 
            validation [Property] => validation: 
            components [Property] (object) => components:⏎  $0
        "#]],
    );
}

#[test]
fn runtime_values_ranked_by_usage() {
    complete_limit(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props: {region: cn-beijing, functionName: a, runtime: nodejs20, code: ., handler: i.h}
          b:
            component: fc3
            props: {region: cn-beijing, functionName: b, runtime: nodejs20, code: ., handler: i.h}
          c:
            component: fc3
            props: {region: cn-shanghai, functionName: c, runtime: go1, code: ., handler: i.h}
          d:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: d
              runtime: $0
        "#,
        5,
        expect![[r#"
            replace []
            nodejs20 [Value] (used 2× in this file) => nodejs20
            go1 [Value] (used 1× in this file) => go1
            nodejs8 [Value] => nodejs8
            nodejs10 [Value] => nodejs10
            nodejs12 [Value] => nodejs12
            … 19 more
        "#]],
    );
}

#[test]
fn region_partial_value() {
    complete_limit(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-sh$0
        "#,
        3,
        expect![[r#"
            replace [cn-sh]
            cn-hangzhou [Value] => cn-hangzhou
            cn-shanghai [Value] => cn-shanghai
            cn-qingdao [Value] => cn-qingdao
            … 23 more
        "#]],
    );
}

#[test]
fn booleans_and_trigger_types() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              internetAccess: $0
        "#,
        expect![[r#"
            replace []
            true [Value] => true
            false [Value] => false
        "#]],
    );
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              triggers:
                - triggerName: t
                  triggerType: $0
        "#,
        expect![[r#"
            replace []
            http [Value] => http
            timer [Value] => timer
            oss [Value] => oss
            log [Value] => log
            mns_topic [Value] => mns_topic
            cdn_events [Value] => cdn_events
            tablestore [Value] => tablestore
            eventbridge [Value] => eventbridge
        "#]],
    );
}

#[test]
fn methods_in_flow_and_block_lists() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              triggers:
                - triggerName: t
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods: [GET, $0]
        "#,
        expect![[r#"
            replace []
            POST [Value] => POST
            PUT [Value] => PUT
            DELETE [Value] => DELETE
            HEAD [Value] => HEAD
            OPTIONS [Value] => OPTIONS
            PATCH [Value] => PATCH
        "#]],
    );
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              triggers:
                - triggerName: t
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods:
                      - P$0
        "#,
        expect![[r#"
            replace [P]
            GET [Value] => GET
            POST [Value] => POST
            PUT [Value] => PUT
            DELETE [Value] => DELETE
            HEAD [Value] => HEAD
            OPTIONS [Value] => OPTIONS
            PATCH [Value] => PATCH
        "#]],
    );
}

#[test]
fn trigger_config_keys_by_type() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              triggers:
                - triggerName: t
                  triggerType: timer
                  triggerConfig:
                    $0
        "#,
        expect![[r#"
            replace []
            cronExpression [Property] (string · required) => cronExpression: 
            enable [Property] (boolean · required) => enable: 
            payload [Property] (string) => payload: 
        "#]],
    );
}

#[test]
fn vars_names() {
    complete(
        r#"
        edition: 3.0.0
        vars:
          region: cn-hangzhou
          dbPassword: hunter2
          nested:
            level: 1
        resources:
          a:
            component: fc3
            props:
              region: ${vars.$0
        "#,
        expect![[r#"
            replace []
            region [Variable] ("cn-hangzhou") => region}
            dbPassword [Variable] (••••••) => dbPassword}
            nested [Variable] ({"level":1}) => nested}
        "#]],
    );
    complete(
        r#"
        edition: 3.0.0
        vars:
          nested:
            level: 1
        resources:
          a:
            component: fc3
            props:
              region: ${vars.nested.l$0}
        "#,
        expect![[r#"
            replace [l]
            level [Variable] (1) => level
        "#]],
    );
}

#[test]
fn env_names_from_dotenv() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              environmentVariables:
                A: ${env('REGION')}
                B: ${env('$0
        #- /p/.env
        STAGE=prod
        DB_PASSWORD=hunter2
        #- $env
        REGION=cn-beijing
        "#,
        expect![[r#"
            replace []
            STAGE [Variable] (prod · from .env) => STAGE')}
            DB_PASSWORD [Variable] (•••••• · from .env) => DB_PASSWORD')}
            REGION [Variable] (cn-beijing · from the environment) => REGION')}
        "#]],
    );
}

#[test]
fn resources_and_their_props() {
    let fixture = r#"
        edition: 3.0.0
        resources:
          first:
            component: fc3
            props: {region: cn-hangzhou, functionName: f, runtime: go1, code: ., handler: i.h}
          second:
            component: fc3
            props:
              region: ${resources.$0}
        "#;
    complete(
        fixture,
        expect![[r#"
        replace []
        first [Resource] (fc3) => first
        second [Resource] (fc3) => second
    "#]],
    );
    complete(
        &fixture.replace("${resources.$0}", "${resources.first.props.r$0}"),
        expect![[r#"
            replace [r]
            region [Property] ("cn-hangzhou") => region
            functionName [Property] ("f") => functionName
            runtime [Property] ("go1") => runtime
            code [Property] (".") => code
            handler [Property] ("i.h") => handler
        "#]],
    );
    complete(
        &fixture.replace("${resources.$0}", "${this.$0}"),
        expect![[r#"
            replace []
            name [Property] => name
            props [Property] => props
            vars [Property] => vars
            component [Property] => component
            access [Property] => access
            output [Property] => output
        "#]],
    );
}

#[test]
fn roots_and_functions_after_dollar_brace() {
    complete_limit(
        r#"
        edition: 3.0.0
        vars:
          region: cn-hangzhou
        resources:
          a:
            component: fc3
            props:
              region: ${$0}
        "#,
        20,
        expect![[r#"
            replace []
            vars [Variable] => vars
            resources [Variable] => resources
            this [Variable] => this
            cwd [Variable] => cwd
            vars.region [Variable] ("cn-hangzhou") => vars.region
            env() [Snippet] (an environment variable (process, then `.env` files)) => env('${1:NAME}')
            file() [Snippet] (the text of a file, relative to this file) => file('${1:./file}')
            path() [Snippet] (the absolute path of a file or folder) => path('${1:./dir}')
            json() [Snippet] (parsed JSON) => json(file('${1:./file.json}'))
            yaml() [Snippet] (parsed YAML) => yaml(file('${1:./file.yaml}'))
            base64() [Snippet] (the base64 of the text) => base64(${1:text})
            str() [Snippet] (the string of a value) => str('${1:vars.x}')
            config() [Snippet] (a credential field of the access alias (unknown here)) => config('${1:AccountID}')
            secret() [Snippet] (a value from `s secret` (unknown here)) => secret('${1:key}')
            regex() [Snippet] (whether the command matches (action and flow keys)) => regex('${1:deploy}')
        "#]],
    );
}

#[test]
fn function_snippet_under_resources() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props: {region: cn-shenzhen, functionName: f, runtime: go1, code: ., handler: i.h}
          $0
        "#,
        expect![[r#"
            replace []
            fc3 function [Snippet] (a new fc3 function resource) => ${1:my-function}:⏎  component: fc3⏎  props:⏎    region: ${2:cn-shenzhen}⏎    functionName: ${3:my-function}⏎    runtime: ${4|python3.10,python3.12,nodejs20,nodejs18,java11,go1,custom.debian10|}⏎    handler: ${5:index.handler}⏎    code: ${6:./code}⏎    memorySize: ${7:512}⏎    timeout: ${8:60}⏎$0
        "#]],
    );
}

#[test]
fn trigger_snippets() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              triggers:
                - $0
        "#,
        expect![[r#"
            replace []
            triggerName [Property] (string · required) => triggerName: 
            triggerType [Property] (string · required) => triggerType: 
            triggerConfig [Property] (object · required) => triggerConfig:⏎  $0
            qualifier [Property] (string · default LATEST) => qualifier: 
            invocationRole [Property] (string) => invocationRole: 
            sourceArn [Property] (string) => sourceArn: 
            description [Property] (string · default "") => description: 
            http trigger [Snippet] (a `http` trigger with its required fields) => triggerName: ${1:http-trigger}⏎triggerType: http⏎triggerConfig:⏎  authType: ${2|anonymous,function,jwt|}⏎  methods:⏎    - ${3:GET}⏎$0
            timer trigger [Snippet] (a `timer` trigger with its required fields) => triggerName: ${1:timer-trigger}⏎triggerType: timer⏎triggerConfig:⏎  cronExpression: ${2:cronExpression}⏎  enable: ${3|true,false|}⏎$0
            oss trigger [Snippet] (a `oss` trigger with its required fields) => triggerName: ${1:oss-trigger}⏎triggerType: oss⏎triggerConfig:⏎  events:⏎    - ${2:oss:ObjectCreated:*}⏎  filter:⏎    key: {}⏎$0
            log trigger [Snippet] (a `log` trigger with its required fields) => triggerName: ${1:log-trigger}⏎triggerType: log⏎triggerConfig:⏎  sourceConfig:⏎    logstore: ${2:logstore}⏎  logConfig:⏎    project: ${3:project}⏎    logstore: ${4:logstore}⏎  jobConfig: {}⏎  enable: ${5|true,false|}⏎$0
            mns_topic trigger [Snippet] (a `mns_topic` trigger with its required fields) => triggerName: ${1:mns-topic-trigger}⏎triggerType: mns_topic⏎triggerConfig:⏎  notifyContentFormat: ${2|STREAM,JSON|}⏎  notifyStrategy: ${3|BACKOFF_RETRY,EXPONENTIAL_DECAY_RETRY|}⏎$0
            … 3 more
        "#]],
    );
}

#[test]
fn legacy_function_keys() {
    complete(
        r#"
        edition: 1.0.0
        services:
          demo:
            component: devsapp/fc
            props:
              region: cn-hangzhou
              service:
                name: s
              function:
                name: f
                tim$0
        "#,
        expect![[r#"
            replace [tim]
            runtime [Property] (string · required) => runtime: 
            description [Property] (string) => description: 
            codeUri [Property] (string) => codeUri: 
            ossBucket [Property] (string) => ossBucket: 
            ossKey [Property] (string) => ossKey: 
            handler [Property] (string · default index.handler) => handler: 
            memorySize [Property] (integer · default 128) => memorySize: 
            timeout [Property] (integer · default 3) => timeout: 
            cpu [Property] (number) => cpu: 
            diskSize [Property] (number) => diskSize: 
            instanceConcurrency [Property] (integer · default 1) => instanceConcurrency: 
            instanceSoftConcurrency [Property] (integer) => instanceSoftConcurrency: 
            … 14 more
        "#]],
    );
}

#[test]
fn multi_byte_text_before_the_cursor() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              description: 第一个函数 🚀
              memo$0
        "#,
        expect![[r#"
            replace [memo]
            region [Property] (string · required) => region: 
            functionName [Property] (string · required) => functionName: 
            runtime [Property] (string · required) => runtime: 
            handler [Property] (string) => handler: 
            code [Property] (string | object) => code: 
            memorySize [Property] (integer · default 512) => memorySize: 
            cpu [Property] (number · default 0.35) => cpu: 
            diskSize [Property] (number · default 512) => diskSize: 
            timeout [Property] (integer · default 3) => timeout: 
            instanceConcurrency [Property] (integer · default 1) => instanceConcurrency: 
            internetAccess [Property] (boolean · default true) => internetAccess: 
            environmentVariables [Property] (object · default {}) => environmentVariables:⏎  $0
            … 30 more
        "#]],
    );
    // A cursor inside a multi-byte character is clamped and never panics.
    let (text, _) = items("a: 第$0一\n");
    let _ = text;
}

#[test]
fn never_panics_at_any_offset() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let host = analysis::MemoryHost::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .take(8)
    {
        let text = std::fs::read_to_string(path).expect("corpus file");
        let (text, _) = syntax::normalize_newlines(&text);
        let input = FileInput {
            path,
            text: &text,
            workspace: None,
        };
        let analysis = check(&input, &host, CheckOptions::default());
        for offset in 0..=text.len() + 2 {
            let at = TextSize::from(offset as u32);
            let _ = ide::completion(&analysis, &host, path, at);
            let _ = ide::hover(&analysis, at);
        }
    }
    // Broken text and odd input.
    for text in [
        "",
        "-",
        ":",
        "a:\n  - b: [\n",
        "${",
        "a: ${env('",
        "a:\n\t b",
        "? x\n: y\n",
        "a: |\n  x\n  $0",
    ] {
        let input = FileInput {
            path: std::path::Path::new("/p/s.yaml"),
            text,
            workspace: None,
        };
        let analysis = check(&input, &host, CheckOptions::default());
        for offset in 0..=text.len() + 1 {
            let at = TextSize::from(offset as u32);
            let _ = ide::completion(&analysis, &host, std::path::Path::new("/p/s.yaml"), at);
            let _ = ide::hover(&analysis, at);
        }
    }
    assert!(!labels("edition: 3.0.0\n$0\n").is_empty());
}

#[test]
fn keys_after_an_earlier_syntax_error() {
    complete(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              memo
          b:
            component: fc3
            props:
              region: cn-hangzhou
              runtime: python3.10
              $0
        "#,
        expect![[r#"
            replace []
            functionName [Property] (string · required) => functionName: 
            handler [Property] (string · required) => handler: 
            code [Property] (string | object · required) => code: 
            description [Property] (string · default "") => description: 
            memorySize [Property] (integer · default 512) => memorySize: 
            cpu [Property] (number · default 0.35) => cpu: 
            diskSize [Property] (number · default 512) => diskSize: 
            timeout [Property] (integer · default 3) => timeout: 
            instanceConcurrency [Property] (integer · default 1) => instanceConcurrency: 
            internetAccess [Property] (boolean · default true) => internetAccess: 
            environmentVariables [Property] (object · default {}) => environmentVariables:⏎  $0
            layers [Property] (array · default []) => layers:⏎  - $0
            … 29 more
        "#]],
    );
}
