//! Go to definition on fixtures: `$0` marks the cursor in the analysed file (`/p/s.yaml`);
//! `#- /path` starts another file. Targets print as `path line:col `text``.
#![cfg(test)]

#[allow(dead_code)]
mod support;

use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, check, ide};
use expect_test::{Expect, expect};
use support::trim_indent;
use syntax::{LineIndex, TextSize};

#[track_caller]
fn check_definition(fixture: &str, expect: Expect) {
    let fixture = trim_indent(fixture);
    let mut sections: Vec<(String, String)> = vec![("/p/s.yaml".into(), String::new())];
    for line in fixture.split_inclusive('\n') {
        if let Some(path) = line.trim_end().strip_prefix("#- ") {
            sections.push((path.trim().to_string(), String::new()));
        } else if let Some(last) = sections.last_mut() {
            last.1.push_str(line);
        }
    }
    let (path, text) = sections[0].clone();
    let offset = text.find("$0").expect("a $0 cursor");
    let text = text.replace("$0", "");
    let mut host = MemoryHost::new();
    for (p, t) in &sections[1..] {
        host = host.with_file(p.clone(), t.clone());
    }
    let path = Path::new(&path);
    let analysis = check(
        &FileInput {
            path,
            text: &text,
            workspace: None,
        },
        &host,
        CheckOptions::default(),
    );
    let targets = ide::definition(&analysis, TextSize::from(offset as u32));
    let mut out = String::new();
    for t in targets {
        let shown = t.path.as_deref().unwrap_or(path);
        match t.range {
            Some(range) => {
                let file_text = match &t.path {
                    None => text.clone(),
                    Some(p) => host.files.get(p).cloned().unwrap_or_default(),
                };
                let lc = LineIndex::new(&file_text).line_col(range.start());
                out.push_str(&format!(
                    "{} {}:{} `{}`\n",
                    shown.display(),
                    lc.line + 1,
                    lc.col + 1,
                    &file_text[range]
                ));
            }
            None => out.push_str(&format!("{}\n", shown.display())),
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn var_and_nested_var() {
    check_definition(
        r#"
        edition: 3.0.0
        vars:
          region: cn-hangzhou
          fn:
            name: hello
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.reg$0ion}
              functionName: ${vars.fn.name}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `region`
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        vars:
          fn:
            name: hello
        resources:
          hello:
            component: fc3
            props:
              functionName: "pre-${vars.fn.na$0me}-post"
        "#,
        expect![[r#"
            /p/s.yaml 4:5 `name`
        "#]],
    );
}

#[test]
fn missing_nested_var_goes_to_the_deepest_existing_key() {
    check_definition(
        r#"
        edition: 3.0.0
        vars:
          fn: {}
        resources:
          hello:
            component: fc3
            props:
              functionName: ${vars.fn.nope$0}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `fn`
        "#]],
    );
}

#[test]
fn var_in_extend_base() {
    check_definition(
        r#"
        edition: 3.0.0
        extend: base.yaml
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.$0region}
        #- /p/base.yaml
        edition: 3.0.0
        vars:
          region: cn-hangzhou
        "#,
        expect![[r#"
            /p/base.yaml 3:3 `region`
        "#]],
    );
}

#[test]
fn top_level_extend_opens_the_file() {
    check_definition(
        r#"
        edition: 3.0.0
        extend: ./env/ba$0se.yaml
        resources: {}
        "#,
        expect![[r#"
            /p/env/base.yaml
        "#]],
    );
}

#[test]
fn resource_props_and_outputs() {
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          db:
            component: fc3
            props:
              region: cn-hangzhou
              functionName: db
          api:
            component: fc3
            props:
              region: ${resources.db.props.reg$0ion}
        "#,
        expect![[r#"
            /p/s.yaml 6:7 `region`
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          db:
            component: fc3
            props:
              region: cn-hangzhou
          api:
            component: fc3
            props:
              environmentVariables:
                URL: ${resources.d$0b.output.url.system_url}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `db`
        "#]],
    );
}

#[test]
fn resource_prop_from_its_template() {
    check_definition(
        r#"
        edition: 3.0.0
        template:
          base:
            runtime: python3.10
        resources:
          db:
            component: fc3
            extend:
              name: base
            props:
              region: cn-hangzhou
          api:
            component: fc3
            props:
              runtime: ${resources.db.props.runtime$0}
        "#,
        expect![[r#"
            /p/s.yaml 4:5 `runtime`
        "#]],
    );
}

#[test]
fn this_props() {
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              functionName: api
              description: ${this.props.functionName$0}
        "#,
        expect![[r#"
            /p/s.yaml 6:7 `functionName`
        "#]],
    );
}

#[test]
fn template_name() {
    check_definition(
        r#"
        edition: 3.0.0
        template:
          common:
            timeout: 60
        resources:
          api:
            component: fc3
            extend:
              name: com$0mon
            props: {}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `common`
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        template:
          common:
            timeout: 60
        resources:
          api:
            component: fc3
            extend: {name: nope$0}
        "#,
        expect![[""]],
    );
}

#[test]
fn files_of_functions() {
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              description: ${file('./desc$0.txt')}
        "#,
        expect![[r#"
            /p/desc.txt
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              environmentVariables: ${json(fi$0le('../env.json'))}
        "#,
        expect![[r#"
            /env.json
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: ${path($0../fc3)}
        "#,
        expect![[r#"
            /fc3
        "#]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              memorySize: ${yaml(file('sizes.yaml')).mem$0ory}
        "#,
        expect![[r#"
            /p/sizes.yaml
        "#]],
    );
}

#[test]
fn legacy_dialect() {
    check_definition(
        r#"
        edition: 1.0.0
        vars:
          service:
            name: svc
        services:
          a:
            component: fc
            props:
              region: cn-hangzhou
              service: ${vars.ser$0vice}
              function:
                name: a
          b:
            component: fc
            props:
              region: ${a.props.region$0}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `service`
        "#]],
    );
    check_definition(
        r#"
        edition: 1.0.0
        services:
          a:
            component: fc
            props:
              region: cn-hangzhou
              function:
                name: a
          b:
            component: fc
            props:
              region: ${services.a.props.function.n$0ame}
              description: ${a.output.url}
        "#,
        expect![[r#"
            /p/s.yaml 8:9 `name`
        "#]],
    );
    check_definition(
        r#"
        edition: 1.0.0
        services:
          a:
            component: fc
            props:
              region: cn-hangzhou
          b:
            component: fc
            props:
              description: ${a.out$0put.url}
        "#,
        expect![[r#"
            /p/s.yaml 3:3 `a`
        "#]],
    );
}

#[test]
fn nothing_outside_expressions() {
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              region: cn-hang$0zhou
        "#,
        expect![[""]],
    );
    check_definition(
        r#"
        edition: 3.0.0
        resources:
          api:
            component: fc3
            props:
              region: ${env('REG$0ION', 'cn-hangzhou')}
        "#,
        expect![[""]],
    );
}
