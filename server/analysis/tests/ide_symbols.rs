//! Document symbols on fixtures, printed as an indented outline:
//! `Kind name (detail) line:col-line:col` with the selection range's start.
#![cfg(test)]

#[allow(dead_code)]
mod support;

use std::path::Path;

use analysis::ide::Symbol;
use analysis::{CheckOptions, FileInput, MemoryHost, check, ide};
use expect_test::{Expect, expect};
use support::trim_indent;
use syntax::LineIndex;

fn render(out: &mut String, index: &LineIndex, symbols: &[Symbol], depth: usize) {
    for s in symbols {
        let sel = index.line_col(s.selection_range.start());
        let start = index.line_col(s.range.start());
        let end = index.line_col(s.range.end());
        assert!(
            s.range.contains_range(s.selection_range),
            "{}: selection outside range",
            s.name
        );
        out.push_str(&format!(
            "{}{:?} {}{} @{}:{} [{}:{}-{}:{}]\n",
            "  ".repeat(depth),
            s.kind,
            s.name,
            s.detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            sel.line + 1,
            sel.col + 1,
            start.line + 1,
            start.col + 1,
            end.line + 1,
            end.col + 1,
        ));
        render(out, index, &s.children, depth + 1);
    }
}

#[track_caller]
fn check_symbols(fixture: &str, expect: Expect) {
    let text = trim_indent(fixture);
    let analysis = check(
        &FileInput {
            path: Path::new("/p/s.yaml"),
            text: &text,
            workspace: None,
        },
        &MemoryHost::new(),
        CheckOptions::default(),
    );
    let symbols = ide::document_symbols(&analysis);
    let mut out = String::new();
    render(&mut out, &LineIndex::new(&text), &symbols, 0);
    expect.assert_eq(&out);
}

#[test]
fn fc3_resources_functions_triggers_and_vars() {
    check_symbols(
        r#"
        edition: 3.0.0
        vars:
          region: cn-hangzhou
          runtime: python3.10
        resources:
          hello:
            component: fc3
            props:
              region: ${vars.region}
              functionName: hello-fn
              runtime: ${vars.runtime}
              code: ./code
              handler: index.handler
              triggers:
                - triggerName: http
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods: [GET]
                - triggerName: timer
                  triggerType: timer
                  triggerConfig: {cronExpression: "@every 5m", enable: true}
              customDomain:
                domainName: auto
                protocol: HTTP
                route:
                  path: /*
          domain:
            component: fc3-domain
            props:
              region: cn-hangzhou
              domainName: example.com
              protocol: HTTP
              routeConfig:
                routes:
                  - path: /api/*
                    functionName: hello-fn
                  - path: /*
                    functionName: other
        "#,
        expect![[r#"
            Variable vars @2:1 [2:1-4:22]
              Variable region (cn-hangzhou) @3:3 [3:3-3:22]
              Variable runtime (python3.10) @4:3 [4:3-4:22]
            Resource hello (fc3) @6:3 [6:3-27:19]
              Function hello-fn (fc3 · python3.10) @10:7 [9:7-27:19]
                Trigger http (http) @15:11 [15:11-19:27]
                Trigger timer (timer) @20:11 [20:11-22:69]
                Domain auto (HTTP) @23:7 [23:7-27:19]
                  Trigger /* (route) @27:11 [27:11-27:19]
            Domain domain (fc3-domain) @28:3 [28:3-39:32]
              Trigger /api/* (route → hello-fn) @36:13 [36:13-37:35]
              Trigger /* (route → other) @38:13 [38:13-39:32]
        "#]],
    );
}

#[test]
fn legacy_services() {
    check_symbols(
        r#"
        edition: 1.0.0
        services:
          svc: # comment
            component: devsapp/fc
            props:
              region: cn-hangzhou
              service:
                name: demo
              function:
                name: fn
                runtime: nodejs14
                codeUri: ./code
                handler: index.handler
              triggers:
                - name: httpTrigger
                  type: http
                  config:
                    authType: anonymous
                    methods: [GET]
              customDomains:
                - domainName: auto
                  protocol: HTTP
                  routeConfigs:
                    - path: /*
          flow:
            component: devsapp/fnf
            props:
              name: f
        "#,
        expect![[r#"
            Resource svc (devsapp/fc) @3:3 [3:3-24:23]
              Function fn (devsapp/fc · nodejs14) @9:7 [9:7-13:31]
                Trigger httpTrigger (http) @15:11 [15:11-19:27]
              Domain auto (HTTP) @21:11 [21:11-24:23]
                Trigger /* (route) @24:15 [24:15-24:23]
            Resource flow (devsapp/fnf) @25:3 [25:3-28:14]
        "#]],
    );
}

#[test]
fn files_with_errors_still_get_an_outline() {
    // An unknown variable and a missing edition: no model problems stop the outline.
    check_symbols(
        r#"
        resources:
          hello:
            component: fc3
            props:
              functionName: ${vars.nope}
              triggers:
                - triggerType: http
        "#,
        expect![[r#"
            Resource hello (fc3) @2:3 [2:3-7:28]
              Function ${vars.nope} (fc3) @5:7 [5:7-7:28]
                Trigger trigger 0 (http) @7:11 [7:11-7:28]
        "#]],
    );
    // YAML syntax errors: whatever the parser recovered.
    check_symbols(
        r#"
        edition: 3.0.0
        resources:
          hello:
            component: fc3
            props: [
        "#,
        expect![[r#"
            Resource hello (fc3) @3:3 [3:3-5:12]
        "#]],
    );
}
