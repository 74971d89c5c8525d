//! Random s.yaml-like input never panics the analysis and finishes in bounded time (proptest's
//! per-case timeout runs each case in a forked process and fails it when slow).
#![cfg(test)]

use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, check};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "edition: 3.0.0\n",
    "edition: 1.0.0\n",
    "resources:\n",
    "services:\n",
    "  fn:\n",
    "    component: fc3\n",
    "    component: fc\n",
    "    props:\n",
    "      region: cn-hangzhou\n",
    "      functionName: f\n",
    "      runtime: custom\n",
    "      memorySize: 100\n",
    "      cpu: 0.33\n",
    "      triggers:\n",
    "        - triggerType: http\n",
    "          triggerConfig: {authType: jwt}\n",
    "vars:\n",
    "  a: ${vars.b}\n",
    "  b: ${vars.a}\n",
    "x: ${this.props.x}\n",
    "      code: ${path('../')}\n",
    "${env('X')}",
    "${json(file('a.json'))}",
    "${resources.fn.props.region}",
    "<<: *a\n",
    "&a ",
    "*a",
    "template:\n",
    "  t: {memorySize: 1}\n",
    "    extend: {name: t, ignore: [x.y]}\n",
    "flow:\n  deploy: [fn]\n",
    "actions:\n  pre-deploy: {run: x}\n",
    "{{ region }}",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "  ",
    "\t",
    "演示🚀",
    "${",
    "}",
    "~\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, timeout: 5000, ..ProptestConfig::default() })]

    #[test]
    fn random_documents_never_panic(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        let host = MemoryHost::new().with_file("/p/a.json", "{\"k\": 1}");
        let input = FileInput { path: Path::new("/p/s.yaml"), text: &text, workspace: None };
        let analysis = check(&input, &host, CheckOptions::default());
        for d in &analysis.diagnostics {
            prop_assert!(usize::from(d.range.end()) <= text.len());
            prop_assert!(text.is_char_boundary(d.range.start().into()) && text.is_char_boundary(d.range.end().into()));
            for fix in &d.fixes {
                for e in &fix.edits {
                    prop_assert!(usize::from(e.range.end()) <= text.len());
                }
            }
        }
    }
}

#[test]
fn alias_bomb_in_props_is_bounded() {
    let mut text = String::from("edition: 3.0.0\nx0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        text.push_str(&format!(
            "x{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    text.push_str("resources:\n  fn:\n    component: fc3\n    props:\n      layers: *a8\n");
    let input = FileInput {
        path: Path::new("/p/s.yaml"),
        text: &text,
        workspace: None,
    };
    let analysis = check(&input, &MemoryHost::new(), CheckOptions::default());
    assert!(
        analysis.diagnostics.iter().any(|d| d.code == "too-large"),
        "{:#?}",
        analysis
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    );
}
