//! One fixture per diagnostic code: each says what is reported, at which node, with what
//! severity. See `support/mod.rs` for the annotation format.
#![cfg(test)]

mod support;

use support::{check_diagnostics, check_fix};

#[test]
fn clean_file_has_no_diagnostics() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        name: demo
        vars:
          region: cn-hangzhou
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.region}
              functionName: hello
              runtime: python3.10
              code: ./code
              handler: index.handler
              memorySize: 1024
              cpu: 0.5
              triggers:
                - triggerName: http
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods: [GET]
        "#,
    );
}

#[test]
fn unknown_property_with_did_you_mean() {
    check_diagnostics(
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
              memorySzie: 512
        #     ^^^^^^^^^^ warning[unknown-property]: unknown property `memorySzie`; did you mean `memorySize`?
              logConfig:
        #     ^^^^^^^^^ error[missing-property]: `logConfig` is missing required property `logstore`
                project: p
                logstor: l
        #       ^^^^^^^ warning[unknown-property]: did you mean `logstore`?
        "#,
    );
}

#[test]
fn unknown_property_fix_renames_the_key() {
    check_fix(
        "unknown-property",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySzie: 512}
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySize: 512}
        "#,
    );
}

#[test]
fn out_of_range_values_point_at_the_value() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom.debian10
              code: ./code
              memorySize: 1000
        #                 ^^^^ error[out-of-range]: must be a multiple of 64
              timeout: 0
        #              ^ error[out-of-range]: `timeout` must be at least 1
              instanceConcurrency: 300
        #                          ^^^ error[out-of-range]: at most 200
        "#,
    );
}

#[test]
fn type_mismatch_and_enum_errors() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: pyhton3.10
        #              ^^^^^^^^^^ error[invalid-value]: did you mean `python3.10`?
              code: ./code
              handler: index.handler
              timeout: "30"
        #              ^^^^ error[type-mismatch]: `timeout` must be an integer
              internetAccess: yes
        #                     ^^^ error[type-mismatch]: must be a boolean
        "#,
    );
}

#[test]
fn plausible_new_enum_values_are_warnings() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-wuhan-lr
        #             ^^^^^^^^^^^ warning[unknown-enum-value]: is not a region sdls knows
              functionName: hello
              runtime: python3.13
        #              ^^^^^^^^^^ warning[unknown-enum-value]: `python3.13` is not a runtime sdls knows
              code: ./code
              handler: index.handler
        "#,
    );
}

#[test]
fn enum_fix_keeps_the_quotes() {
    check_fix(
        "invalid-value",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: "pyhton3.9", code: ., handler: i.h}
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: "python3.9", code: ., handler: i.h}
        "#,
    );
}

#[test]
fn trigger_config_is_checked_against_its_trigger_type() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              triggers:
                - triggerName: t1
                  triggerType: timer
                  triggerConfig:
        #         ^^^^^^^^^^^^^ error[missing-property]: missing required property `cronExpression`
                    enable: true
                    methods: [GET]
        #           ^^^^^^^ warning[unknown-property]: unknown property `methods`
                - triggerName: web
                  triggerType: http
                  triggerConfig:
                    authType: bogus
        #                     ^^^^^ error[invalid-value]: is not a valid authType
                    methods: [GET, FETCH]
        #                          ^^^^^ error[invalid-value]: is not a valid methods[1]
        "#,
    );
}

#[test]
fn required_props_depend_on_the_runtime() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
        #   ^^^^^ error[missing-property]: missing required property `handler`
              region: cn-hangzhou
              functionName: hello
              runtime: nodejs18
              code: ./code
          box:
            component: fc3
            props:
        #   ^^^^^ error[missing-property]: missing required property `customContainerConfig`
              region: cn-hangzhou
              functionName: box
              runtime: custom-container
        "#,
    );
}

#[test]
fn unresolved_variables_point_at_the_expression() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        vars:
          region: cn-hangzhou
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.regoin}
        #             ^^^^^^^^^^^^^^ error[unresolved-variable]: did you mean `vars.region`?
              functionName: hello-${vars.nope}
        #                         ^^^^^^^^^^^^ error[unresolved-variable]: `${vars.nope}` not found
              runtime: custom
              code: ./code
              description: ${resources.other.props.x}
        #                  ^^^^^^^^^^^^^^^^^^^^^^^^^^ error[unresolved-variable]: there is no resource `other`
              role: ${env.ROLE}
        #           ^^^^^^^^^^^ error[unresolved-variable]: write `${env('ROLE')}`
              layers: ${ vars.region }
        #             ^^^^^^^^^^^^^^^^ error[unresolved-variable]: no spaces
        "#,
    );
}

#[test]
fn values_from_variables_are_checked_at_the_expression() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        vars:
          memory: 1000
          conf:
            project: p
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: ${vars.memory}
        #                 ^^^^^^^^^^^^^^ error[out-of-range]: must be a multiple of 64 (it is 1000)
              logConfig: ${vars.conf}
        #                ^^^^^^^^^^^^ error[missing-property]: `logConfig` is missing required property `logstore`
        "#,
    );
}

#[test]
fn run_time_values_are_unknown_never_errors() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          db:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: db
              runtime: custom
              code: ./code
          api:
            component: fc3
            props:
              region: ${resources.db.props.region}
              functionName: api
              runtime: custom
              code: ./code
              memorySize: ${resources.db.output.memory}
              timeout: ${config('Timeout')}
              role: acs:ram::${config('AccountID')}:role/fc
              cpu: ${secret('cpu')}
              instanceConcurrency: <%= 1 + 1 %>
              description: ${self.description}
        "#,
    );
}

#[test]
fn unset_env_without_default_is_a_warning_and_unknown() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: ${env('REGION')}
        #             ^^^^^^^^^^^^^^^^ warning[unset-env]: environment variable `REGION` is not set here
              functionName: ${env('NAME', 'hello')}
              runtime: custom
              code: ./code
              memorySize: ${env(MEM)}
        #                 ^^^^^^^^^^^ error[type-mismatch]: `memorySize` must be an integer, not the string "512"
              timeout: ${env('T', 10)}
        #- $env
        MEM=512
        "#,
    );
}

#[test]
fn dotenv_files_feed_env() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: ${env('REGION')}
        #             ^^^^^^^^^^^^^^^^ warning[unknown-enum-value]: `cn-hangzhuo` is not a region sdls knows; did you mean `cn-hangzhou`?
              functionName: ${env('NAME')}
              runtime: custom
              code: ./code
        #- /p/.env
        REGION=cn-hangzhuo
        #- /p/code/.env
        NAME=from-code-dir
        REGION=ignored
        "#,
    );
}

#[test]
fn file_path_json_and_yaml_functions() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        vars:
          conf: ${json(file('conf.json'))}
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.conf.region}
              functionName: ${json(file('conf.json')).name}
              runtime: custom
              code: ${path('./code')}
              memorySize: ${yaml(file('sizes.yaml')).memory}
        #                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ error[out-of-range]: must be at least 128
              description: ${file('missing.txt')}
        #                  ^^^^^^^^^^^^^^^^^^^^^^ warning[file-not-found]: not found
              layers:
                - ${path('./nope')}
        #         ^^^^^^^^^^^^^^^^^ warning[path-not-found]: does not exist
        #         ^^^^^^^^^^^^^^^^^ error[invalid-format]: does not match the expected format
        #- /p/conf.json
        {"region": "cn-shanghai", "name": "hello-json"}
        #- /p/sizes.yaml
        memory: 64
        #- /p/code/index.py
        print(1)
        "#,
    );
}

#[test]
fn template_extend_with_ignore_and_array_replacement() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        template:
          base:
            region: cn-hangzhou
            runtime: custom
            memorySize: 100
        #               ^^^ error[out-of-range]: `memorySize` must be
            layers: ["acs:fc:cn-hangzhou:official:layers/Nodejs/versions/2"]
        resources:
          one:
            component: fc3
            extend:
              name: base
              ignore: memorySize
            props:
              functionName: one
              code: ./code
          two:
            component: fc3
            extend:
              name: base
            props:
              functionName: two
              code: ./code
              layers: ["acs:fc:cn-hangzhou:official:layers/Python/versions/1"]
          three:
            component: fc3
            extend:
              name: bsae
        #           ^^^^ warning[extend-template-not-found]: did you mean `base`?
            props:
              region: cn-hangzhou
              functionName: three
              runtime: custom
              code: ./code
        "#,
    );
}

#[test]
fn template_values_are_reported_in_the_template() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        template:
          base:
            region: cn-hangzhou
            runtime: custom
            memorySize: 100
        #               ^^^ error[out-of-range]: `memorySize` must be
        resources:
          one:
            component: fc3
            extend:
              name: base
            props:
              functionName: one
              code: ./code
        "#,
    );
}

#[test]
fn this_and_resources_props() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          first:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: ${this.name}-fn
              runtime: custom
              code: ./code
              description: ${this.props.functionName}
              memorySize: ${this.props.nope}
        #                 ^^^^^^^^^^^^^^^^^^ error[unresolved-variable]: `${this.props.nope}` not found
          second:
            component: fc3
            props:
              region: ${resources.first.props.region}
              functionName: second
              runtime: custom
              code: ./code
              timeout: ${this.props.memorySize}
        #              ^^^^^^^^^^^^^^^^^^^^^^^^ error[variable-cycle]: refers to itself
              memorySize: ${this.props.timeout}
        "#,
    );
}

#[test]
fn anchors_and_merges_report_at_the_use_site() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        defaults: &defaults
        ^^^^^^^^ warning[unknown-property]: unknown property `defaults`
          region: cn-hangzhou
          runtime: custom
          memorySize: 100
        resources:
          hello:
            component: fc3
            props:
              <<: *defaults
        #         ^^^^^^^^^ error[out-of-range]: `memorySize` must be
              functionName: hello
              code: ./code
        "#,
    );
}

#[test]
fn cpu_memory_ratio_and_disk_size() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              cpu: 2
        #          ^ error[cpu-memory-ratio]: cpu 2 needs memorySize between 2048 and 8192 MB
              memorySize: 1024
              diskSize: 2048
        #               ^^^^ warning[disk-size]: 512 or 10240
          gpu:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: gpu
              runtime: custom-container
              customContainerConfig:
                image: registry.example/x:1
              cpu: 8
              memorySize: 65536
              diskSize: 61440
              gpuConfig:
                gpuType: fc.gpu.ada.1
                gpuMemorySize: 49152
        "#,
    );
}

#[test]
fn provision_scaling_lifecycle_and_jwt_rules() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              provisionConfig:
                defaultTarget: 1
              scalingConfig:
        #     ^^^^^^^^^^^^^ error[provision-with-scaling]
                minInstances: 1
              instanceLifecycleConfig:
                initializer:
                  handler: index.init
                  command: [sh, init.sh]
        #         ^^^^^^^ error[lifecycle-handler-and-command]
                preStop:
                  handler: index.stop
                  timeout: 120
        #                  ^^^ warning[out-of-range]: at most 90 s
              triggers:
                - triggerName: jwt
                  triggerType: http
                  triggerConfig:
                    authType: jwt
                    methods: [GET]
                    authConfig:
                      jwks: {keys: [{kty: RSA}]}
                      tokenLookup: "header:auth"
                      whitelist: [/a]
                      blacklist: [/b]
        #             ^^^^^^^^^ error[jwt-whitelist-blacklist]
                - triggerName: jwt2
                  triggerType: http
                  triggerConfig:
                    authType: jwt
        #                     ^^^ error[jwt-auth]
                    methods: [GET]
                - triggerName: jwt2
        #                      ^^^^ error[duplicate-trigger]
                  triggerType: timer
                  triggerConfig: {cronExpression: "@every 5m", enable: true}
        "#,
    );
}

#[test]
fn duplicate_functions_in_one_region() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        vars:
          name: shared
        resources:
          a:
            component: fc3
            props: {region: cn-hangzhou, functionName: "${vars.name}", runtime: custom, code: ./c}
          b:
            component: fc3
            props: {region: cn-hangzhou, functionName: shared, runtime: custom, code: ./c}
        #                                              ^^^^^^ error[duplicate-function]: also deployed by resource `a`
          c:
            component: fc3
            props: {region: cn-shanghai, functionName: shared, runtime: custom, code: ./c}
        "#,
    );
}

#[test]
fn flow_and_actions() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        flow:
          deploy:
            - [db]
            - [api, wroker]
        #           ^^^^^^ error[flow-unknown-resource]: did you mean `worker`?
          remove: [api, db]
        #         ^^^^^^^^^ error[flow-format]: each step must be a list
        actions:
          pre-deploy:
            run: echo hi
        #   ^^^^^^^^^^^^ error[actions-not-list]: Global action pre-deploy is invalid, it must be array
          before-deploy:
        # ^^^^^^^^^^^^^ warning[unknown-action-hook]: never runs
            - run: echo hi
        resources:
          db:
            component: oss
          api:
            component: oss
            actions:
              success-deploy:
                - path: ./
        #         ^^^^^^^^ error[action-item]: needs one of `run`, `plugin` or `component`
          worker:
            component: oss
        "#,
    );
}

#[test]
fn resource_names_and_components() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          deploy:
        # ^^^^^^ warning[resource-name-is-command]: also an fc3 command
            component: fc3
            props: {region: cn-hangzhou, functionName: a, runtime: custom, code: ./c}
          config:
        # ^^^^^^ error[resource-name-is-command]: is an `s` command
            component: oss
          old:
            component: devsapp/fc3
        #              ^^^^^^^^^^^ error[component-name-slash]: cannot contain /
          missing:
        # ^^^^^^^ error[missing-property]: missing required property `component`
            props: {}
        "#,
    );
}

#[test]
fn components_given_as_paths_are_checked_by_shape() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: ${path('../..')}
        #              ^^^^^^^^^^^^^^^^ information[component-inferred]: checked as `fc3` props
        #              ^^^^^^^^^^^^^^^^ warning[path-not-found]
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: 100
        #                 ^^^ error[out-of-range]: `memorySize` must be
          other:
            component: ./local-component
            props:
              anything: goes
        "#,
    );
}

#[test]
fn edition_rules() {
    check_diagnostics(
        r#"
        edition: 3.0
        #        ^^^ error[invalid-edition]: quote it
        resources: {}
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        services:
        ^^^^^^^^ error[services-in-v3]: s2tos3
          a:
            component: fc
        "#,
    );
    check_diagnostics(
        r#"
        name: x
        ^^^^ error[invalid-edition]: missing `edition`
        resources: {}
        "#,
    );
}

#[test]
fn top_level_unknown_keys() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        varz:
        ^^^^ warning[unknown-property]: did you mean `vars`?
          a: 1
        resources: {}
        "#,
    );
}

#[test]
fn yaml_errors_stop_the_analysis() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          a: [1, 2
          b: 3
        #  ^ error[yaml-syntax]: invalid YAML
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources: {}
        resources: {}
        ^^^^^^^^^ error[duplicate-key]: duplicate key `resources`
        "#,
    );
}

#[test]
fn registry_templates_are_relaxed() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        access: "{{ access }}"
        resources:
          hello:
            component: fc3
            props:
              region: "{{ region }}"
              functionName: "{{ functionName }}"
              runtime: "{{ runtime }}"
              code: ./code
              handler: index.handler
              memorySize: "{{ memorySize }}"
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: {{ region }}
        #             ^^^^^^^^^^^^ error[registry-template]: is filled in by `s init`
              functionName: {{ functionName }}
        "#,
    );
}

#[test]
fn legacy_files_use_the_legacy_dialect_and_schema() {
    check_diagnostics(
        r#"
        edition: 1.0.0
        vars:
          region: cn-hangzhou
          service:
            name: svc
        services:
          demo:
            component: devsapp/fc
            props:
              region: ${vars.region}
              service: ${vars.service}
              function:
                name: fn
                runtime: nodejs20
                codeUri: ./code
                memorySize: 100
        #                   ^^^ error[out-of-range]: `memorySize` must be
                cAPort: 9000
        #       ^^^^^^ warning[unknown-property]: did you mean `caPort`?
                environmentVariables:
                  FLAG: true
                  NAME: ${vars.nope}
        #               ^^^^^^^^^^^^ warning[unresolved-variable]: the legacy engine leaves the text
          same:
            component: fc
            props:
              region: ${vars.region}
              service: ${vars.service}
              function:
                name: fn
        #             ^^ error[duplicate-function]: also deployed by resource `demo`
                runtime: nodejs20
        "#,
    );
}

#[test]
fn legacy_non_string_results_replace_the_whole_value() {
    check_diagnostics(
        r#"
        edition: 2.0.0
        vars:
          mem: 256
        services:
          demo:
            component: fc
            props:
              region: cn-hangzhou
              service: {name: svc}
              function:
                name: fn
                runtime: nodejs20
                memorySize: "x-${vars.mem}"
        "#,
    );
}

#[test]
fn top_level_extend_merges_the_base() {
    check_diagnostics(
        r#"
        extend: base.yaml
        vars:
          region: cn-shanghai
        resources:
          hello:
            props:
              memorySize: 100
        #                 ^^^ error[out-of-range]
        #- /p/base.yaml
        edition: 3.0.0
        vars:
          region: cn-hangzhou
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.region}
              functionName: hello
              runtime: custom
              code: ./code
        "#,
    );
}

#[test]
fn findings_in_the_extended_file_are_shown_on_extend() {
    check_diagnostics(
        r#"
        extend: base.yaml
        #       ^^^^^^^^^ error[out-of-range]: base.yaml:10:16: `timeout` must be at least 1
        resources: {}
        #- /p/base.yaml
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              timeout: 0
        "#,
    );
}

#[test]
fn fc3_legacy_names_and_environment_values() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: java11
              code: ./target/app.jar
              handler: index.handler
        #              ^^^^^^^^^^^^^ warning[handler-format]: example.App::handleRequest
              initializer: example.App::init
        #     ^^^^^^^^^^^ warning[legacy-property]: instanceLifecycleConfig.initializer.handler
              instanceConcurrency: 10
        #     ^^^^^^^^^^^^^^^^^^^ warning[instance-concurrency]
              environmentVariables:
                DEBUG: true
        #              ^^^^ error[type-mismatch]
        #              ^^^^ warning[env-not-string]
          old:
            component: fc3
            props: {region: cn-hangzhou, functionName: old, runtime: nodejs14, code: ., handler: index.handler}
        #                                                            ^^^^^^^^ warning[deprecated-runtime]
        "#,
    );
}

#[test]
fn tags_domains_containers_and_gpus() {
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          a:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: a
              runtime: custom
              code: ./code
              tags:
                - key: team
                  value: x
                - Key: Team
        #              ^^^^ error[tags]: tag key `Team` is used twice
                  Value: y
              customDomain:
                domainName: api.example.com
                protocol: HTTP
                route: {path: /api/*}
          b:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: b
              runtime: custom-container
              customContainerConfig:
        #     ^^^^^^^^^^^^^^^^^^^^^ error[container-image]: set `customContainerConfig.image`
                port: 9000
              customDomain:
                domainName: api.example.com
                protocol: HTTP
                route: {path: /api/*}
        #                     ^^^^^^ error[domain-path]: is used by other function: resource `a`
          gpu:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: gpu
              runtime: custom
        #              ^^^^^^ warning[gpu-spec]: custom-container
              code: ./code
              cpu: 8
        #          ^ warning[gpu-spec]: at most half the GPU memory
              memorySize: 16384
              gpuConfig:
                gpuType: fc.gpu.tesla.1
                gpuMemorySize: 8192
        "#,
    );
}

#[test]
fn document_level_errors() {
    check_diagnostics(
        r#"
        - just
        ^^^^^^ error[invalid-document]: must be a mapping
        - a list
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          a: !Ref x
        #    ^^^^^^ error[unknown-tag]: unknown YAML tag `!Ref`
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources: {}
        ---
        ^^^ warning[multiple-documents]: reads only the first
        other: 1
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        services:
        ^^^^^^^^ warning[services-in-v3]: `services` is ignored
          a: {component: fc}
        resources: {}
        "#,
    );
}

#[test]
fn extend_and_json_argument_errors() {
    check_diagnostics(
        r#"
        extend: missing.yaml
        #       ^^^^^^^^^^^^ warning[extend-not-found]: `missing.yaml` does not exist
        edition: 3.0.0
        resources: {}
        "#,
    );
    check_diagnostics(
        r#"
        extend: base.json
        #       ^^^^^^^^^ error[invalid-extend]: must be a .yaml or .yml file
        edition: 3.0.0
        resources: {}
        "#,
    );
    check_diagnostics(
        r#"
        edition: 3.0.0
        vars:
          conf: ${json(file('bad.json'))}
        #       ^^^^^^^^^^^^^^^^^^^^^^^^^ error[invalid-argument]: not valid JSON
        resources: {}
        #- /p/bad.json
        {not json
        "#,
    );
}

/// The titles and fixed texts of every fix of the diagnostic with `code`, in rank order.
#[track_caller]
fn all_fixes(code: &str, before: &str) -> Vec<(String, String)> {
    let f = support::parse_fixture(before);
    let diagnostics = support::analyse(&f);
    let d = diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code}: {diagnostics:#?}"));
    d.fixes
        .iter()
        .map(|fix| {
            let mut text = f.text.clone();
            let mut edits = fix.edits.clone();
            edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
            for e in edits {
                text.replace_range(
                    usize::from(e.range.start())..usize::from(e.range.end()),
                    &e.new_text,
                );
            }
            (fix.title.clone(), text)
        })
        .collect()
}

#[test]
fn memory_fix_rounds_to_a_multiple_of_64() {
    check_fix(
        "out-of-range",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom.debian10
              code: ./code
              memorySize: 1000 # MB
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom.debian10
              code: ./code
              memorySize: 1024 # MB
        "#,
    );
}

#[test]
fn memory_fix_clamps_to_the_limits() {
    check_fix(
        "out-of-range",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySize: 100}
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySize: 128}
        "#,
    );
    check_fix(
        "out-of-range",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySize: 40000}
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., memorySize: 32768}
        "#,
    );
}

#[test]
fn memory_fix_in_a_legacy_function() {
    check_fix(
        "out-of-range",
        r#"
        edition: 1.0.0
        services:
          hello:
            component: fc
            props:
              region: cn-hangzhou
              service:
                name: s
              function:
                name: hello
                runtime: python3.9
                codeUri: ./code
                handler: index.handler
                memorySize: 200
        "#,
        r#"
        edition: 1.0.0
        services:
          hello:
            component: fc
            props:
              region: cn-hangzhou
              service:
                name: s
              function:
                name: hello
                runtime: python3.9
                codeUri: ./code
                handler: index.handler
                memorySize: 192
        "#,
    );
}

#[test]
fn memory_fix_edits_the_var_defined_in_this_file() {
    check_fix(
        "out-of-range",
        r#"
        edition: 3.0.0
        vars:
          memory: 1000
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: ${vars.memory}
        "#,
        r#"
        edition: 3.0.0
        vars:
          memory: 1024
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: ${vars.memory}
        "#,
    );
}

#[test]
fn no_memory_fix_for_values_from_elsewhere() {
    // From the extend base: the value is not in this file.
    let fixes = all_fixes(
        "out-of-range",
        r#"
        edition: 3.0.0
        extend: base.yaml
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: ${vars.memory}
        #- /p/base.yaml
        edition: 3.0.0
        vars:
          memory: 1000
        "#,
    );
    assert!(fixes.is_empty(), "{fixes:?}");
    // From an environment variable: a string, reported as a type mismatch without fix.
    let fixes = all_fixes(
        "type-mismatch",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              memorySize: ${env('MEM', '1000')}
        "#,
    );
    assert!(fixes.is_empty(), "{fixes:?}");
}

#[test]
fn cpu_memory_ratio_fixes_are_ranked() {
    let fixes = all_fixes(
        "cpu-memory-ratio",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              cpu: 2
              memorySize: 1024
        "#,
    );
    let titles: Vec<&str> = fixes.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Change memorySize to 2048", "Change cpu to 1"]);
    assert!(
        fixes[0].1.contains("cpu: 2\n      memorySize: 2048\n"),
        "{}",
        fixes[0].1
    );
    assert!(
        fixes[1].1.contains("cpu: 1\n      memorySize: 1024\n"),
        "{}",
        fixes[1].1
    );

    // Too much memory for the cpu: the largest valid memory, or the smallest valid cpu.
    let fixes = all_fixes(
        "cpu-memory-ratio",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: {region: cn-hangzhou, functionName: hello, runtime: custom, code: ., cpu: 0.35, memorySize: 4096}
        "#,
    );
    let titles: Vec<&str> = fixes.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Change memorySize to 1408", "Change cpu to 1"]);
}

#[test]
fn cpu_memory_ratio_fix_adds_the_missing_memory() {
    check_fix(
        "cpu-memory-ratio",
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              cpu: 2 # vCPU
              timeout: 60
        "#,
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              cpu: 2 # vCPU
              memorySize: 2048
              timeout: 60
        "#,
    );
}

#[test]
fn cpu_memory_ratio_fix_through_a_var_and_gpu_exemption() {
    let fixes = all_fixes(
        "cpu-memory-ratio",
        r#"
        edition: 3.0.0
        vars:
          cpu: 4
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: custom
              code: ./code
              cpu: ${vars.cpu}
              memorySize: ${env('MEM', 2048)}
        "#,
    );
    // memorySize comes from the environment's default: only the cpu (defined in `vars`) is fixed.
    let titles: Vec<&str> = fixes.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Change cpu to 2 where its value is defined"]);
    assert!(fixes[0].1.contains("vars:\n  cpu: 2\n"), "{}", fixes[0].1);

    // GPU functions: no ratio diagnostic, so no fix.
    check_diagnostics(
        r#"
        edition: 3.0.0
        resources:
          gpu:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: gpu
              runtime: custom-container
              customContainerConfig:
                image: registry.example/x:1
              cpu: 2
              memorySize: 1024
              gpuConfig:
                gpuType: fc.gpu.tesla.1
                gpuMemorySize: 8192
        "#,
    );
}

/// Several near values are offered, nearest first (unknown keys and enum values alike).
#[test]
fn fixes_are_ranked() {
    let f = support::parse_fixture(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: hello
              runtime: nodejs1
              handler: index.handler
              code: ./code
              timout: 3
        "#,
    );
    let diagnostics = support::analyse(&f);
    let titles = |code: &str| -> Vec<String> {
        diagnostics
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.fixes.iter().map(|x| x.title.clone()).collect())
            .unwrap_or_default()
    };
    expect_test::expect![[r#"
        [
            "Change to `nodejs10`",
            "Change to `nodejs12`",
            "Change to `nodejs14`",
        ]
    "#]]
    .assert_debug_eq(&titles("unknown-enum-value"));
    expect_test::expect![[r#"
        [
            "Rename to `timeout`",
        ]
    "#]]
    .assert_debug_eq(&titles("unknown-property"));
}
