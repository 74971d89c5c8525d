//! Hover: fixtures with a `$0` cursor; the snapshot is the hovered text, then the markdown.
#![cfg(test)]

#[allow(dead_code)]
mod support;

use analysis::{CheckOptions, FileInput, check, ide};
use expect_test::{Expect, expect};
use syntax::TextSize;

#[track_caller]
fn hover(fixture: &str, expect: Expect) {
    let mut f = support::parse_fixture(fixture);
    let offset = f.text.find("$0").expect("fixture needs a $0 cursor");
    f.text.replace_range(offset..offset + 2, "");
    let input = FileInput {
        path: &f.path,
        text: &f.text,
        workspace: None,
    };
    let analysis = check(&input, &f.host, CheckOptions::default());
    let actual = match ide::hover(&analysis, TextSize::from(offset as u32)) {
        Some(h) => format!("[{}]\n{}\n", &f.text[h.range], h.markdown),
        None => "(no hover)\n".to_string(),
    };
    expect.assert_eq(&actual);
}

const FC3: &str = "
edition: 3.0.0
vars:
  region: cn-hangzhou
  memory: 1024
  dbPassword: hunter2
  settings:
    level: debug
    apiKey: abc
resources:
  hello:
    component: fc3
    props:
      region: ${vars.region}
      functionName: hello-${vars.region}
      runtime: python3.10
      code: ./code
      handler: index.handler
      memorySize: ${vars.memory}
      environmentVariables:
        DB: ${vars.dbPassword}
        SETTINGS: ${vars.settings}
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: [GET]
";

fn at(marker: &str, insert_after: &str) -> String {
    let i = FC3.find(marker).expect("marker") + insert_after.len();
    let mut s = FC3.to_string();
    s.insert_str(i, "$0");
    s
}

#[test]
fn key_with_limits_and_default() {
    hover(
        &at("memorySize", "memo"),
        expect![[r#"
            [memorySize]
            **memorySize** · `integer`

            Memory of one instance in MB: a multiple of 64, at least 128 and at most 32768 for CPU functions (GPU functions may use more).

            - Limits: minimum 128, multiple of 64, maximum 32768
            - Default: `512`
        "#]],
    );
}

#[test]
fn key_with_enum_and_required() {
    hover(
        &at("runtime: python", "run"),
        expect![[r#"
            [runtime]
            **runtime** · `string` · required

            Language runtime. `custom-container` and `micro-sandbox` run a container image (`customContainerConfig`); `custom*` runtimes start your own HTTP server (`customRuntimeConfig`).

            - Allowed: `nodejs8`, `nodejs10`, `nodejs12`, `nodejs14`, `nodejs16`, `nodejs18`, `nodejs20`, `python2.7`, `python3`, `python3.9`, `python3.10`, `python3.12`, `java8`, `java11`, `go1`, `php7.2`, `dotnetcore2.1`, `dotnetcore3.1`, `custom`, `custom.debian10`, `custom.debian11`, `custom.debian12`, `custom-container`, `micro-sandbox`
        "#]],
    );
}

#[test]
fn value_shows_its_field() {
    hover(
        &at("anonymous", "anon"),
        expect![[r#"
            [anonymous]
            **authType** · `string` · required

            Authentication of incoming requests: `anonymous` (none), `function` (Alibaba Cloud signature) or `jwt` (requires `authConfig`).

            - Allowed: `anonymous`, `function`, `jwt`
        "#]],
    );
}

#[test]
fn methods_item_shows_the_list_field() {
    hover(
        &at("[GET]", "[G"),
        expect![[r#"
        [GET]
        **methods** · `array` · required

        HTTP methods that invoke the function.

        - Allowed: `GET`, `POST`, `PUT`, `DELETE`, `HEAD`, `OPTIONS`, `PATCH`
    "#]],
    );
}

#[test]
fn top_level_key() {
    hover(
        &at("edition", "ed"),
        expect![[r#"
        [edition]
        **edition** · `string` · required

        Format version of the file: `3.0.0` (current) or the legacy `1.0.0` / `2.0.0`. Must be a string; it may instead come from the file named by `extend`.

        - Allowed: `3.0.0`, `1.0.0`, `2.0.0`
    "#]],
    );
}

#[test]
fn var_with_definition() {
    hover(
        &at("${vars.region}", "${va"),
        expect![[r#"
        [${vars.region}]
        **`${vars.region}`**

        Value: `"cn-hangzhou"` (string)

        Defined as `vars.region` on line 3: `cn-hangzhou`.
    "#]],
    );
}

#[test]
fn var_embedded_in_a_string() {
    hover(
        &at("hello-${vars.region}", "hello-${vars.re"),
        expect![[r#"
        [${vars.region}]
        **`${vars.region}`**

        Value: `"cn-hangzhou"` (string)

        Defined as `vars.region` on line 3: `cn-hangzhou`.
    "#]],
    );
}

#[test]
fn var_key_under_vars() {
    hover(
        &at("memory: 1024", "mem"),
        expect![[r#"
        [memory]
        **variable `vars.memory`**

        `1024` (number)

        Read as `${vars.memory}`.
    "#]],
    );
}

#[test]
fn secret_var_is_masked() {
    hover(
        &at("${vars.dbPassword}", "${vars.db"),
        expect![[r#"
        [${vars.dbPassword}]
        **`${vars.dbPassword}`**

        Value: `••••••` (hidden: the name looks like a secret)

        Defined as `vars.dbPassword` on line 5: `••••••`.
    "#]],
    );
}

#[test]
fn secret_keys_inside_a_map_are_masked() {
    hover(
        &at("${vars.settings}", "${vars.se"),
        expect![[r#"
        [${vars.settings}]
        **`${vars.settings}`**

        Value: `{"level":"debug","apiKey":"••••••"}` (object)

        Defined as `vars.settings` on line 6.
    "#]],
    );
}

#[test]
fn env_var_from_dotenv() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: python3.10
              code: ./code
              handler: index.handler
              environmentVariables:
                STAGE: ${env('ST$0AGE')}
                TOKEN: ${env('API_TOKEN')}
        #- /p/.env
        STAGE=prod
        API_TOKEN=very-secret
        "#,
        expect![[r#"
            [${env('STAGE')}]
            **`${env('STAGE')}`**

            Value: `"prod"` (string)

            Environment variable `STAGE`: the process environment first, then the `.env` files (the workspace's, the file's folder's, each code folder's).
        "#]],
    );
}

#[test]
fn env_secret_is_masked() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: python3.10
              code: ./code
              handler: index.handler
              environmentVariables:
                TOKEN: ${env('API_TO$0KEN')}
        #- /p/.env
        API_TOKEN=very-secret
        "#,
        expect![[r#"
            [${env('API_TOKEN')}]
            **`${env('API_TOKEN')}`**

            Value: `••••••` (hidden: the name looks like a secret)

            Environment variable `API_TOKEN`: the process environment first, then the `.env` files (the workspace's, the file's folder's, each code folder's).
        "#]],
    );
}

#[test]
fn unknown_run_time_value() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: a
              runtime: python3.10
              code: ./code
              handler: index.handler
          b:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: b
              runtime: python3.10
              code: ./code
              handler: index.handler
              description: ${resources.a.out$0put.url.system_url}
        "#,
        expect![[r#"
            [${resources.a.output.url.system_url}]
            **`${resources.a.output.url.system_url}`**

            Unknown until `s` runs: known only after the resource runs. Kept as `${resources.a.output.url.system_url}`.
        "#]],
    );
}

#[test]
fn config_is_never_shown() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: a
              runtime: python3.10
              code: ./code
              handler: index.handler
              environmentVariables:
                K: ${config('AccessKey$0Secret')}
        "#,
        expect![[r#"
            [${config('AccessKeySecret')}]
            **`${config('AccessKeySecret')}`**

            Unknown until `s` runs: read from your credentials when `s` runs. Kept as `${config('AccessKeySecret')}`.
        "#]],
    );
}

#[test]
fn this_and_resources_props() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-shanghai
              functionName: a
              runtime: python3.10
              code: ./code
              handler: index.handler
          b:
            component: fc3
            props:
              region: ${resources.a.props.reg$0ion}
              functionName: ${this.name}
              runtime: python3.10
              code: ./code
              handler: index.handler
        "#,
        expect![[r#"
            [${resources.a.props.region}]
            **`${resources.a.props.region}`**

            Value: `"cn-shanghai"` (string)
        "#]],
    );
}

#[test]
fn legacy_fc_function_key() {
    hover(
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
                runtime: python3
                time$0out: 60
                handler: index.handler
                codeUri: ./code
        "#,
        expect![[r#"
            [timeout]
            **timeout** · `integer`

            Maximum run time of one invocation in seconds (1-86400); the component uses 3 when omitted.

            - Limits: minimum 1, maximum 86400
            - Default: `3`
        "#]],
    );
}

#[test]
fn fc3_domain_key() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          domain:
            component: fc3-domain
            props:
              region: cn-hangzhou
              domainName: auto
              proto$0col: HTTP
              routeConfig:
                routes:
                  - path: /*
                    functionName: f
        "#,
        expect![[r#"
            [protocol]
            **protocol** · `string` · required

            Protocols served by the domain.

            - Default: `HTTP`
            - Allowed: `HTTP`, `HTTPS`, `HTTP,HTTPS`
        "#]],
    );
}

#[test]
fn trigger_config_by_type() {
    hover(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: a
              runtime: python3.10
              code: ./code
              handler: index.handler
              triggers:
                - triggerName: t
                  triggerType: timer
                  triggerConfig:
                    cronExpr$0ession: "@every 1m"
                    enable: true
        "#,
        expect![[r#"
            [cronExpression]
            **cronExpression** · `string` · required

            Schedule: `@every <duration>` (e.g. `@every 5m`) or a six-field cron expression in UTC (e.g. `0 0 8 * * *`); prefix `CRON_TZ=<zone> ` for another time zone.

            - Limits: min length 1
        "#]],
    );
}

#[test]
fn nothing_on_whitespace_and_any_offset_is_safe() {
    hover(
        "edition: 3.0.0\n\n$0\nresources: {}\n",
        expect![[r#"
        (no hover)
    "#]],
    );
    hover(
        "a: 第$0一\n",
        expect![[r#"
        (no hover)
    "#]],
    );
}
