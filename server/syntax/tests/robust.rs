//! Hostile input never panics or hangs: it yields a diagnostic (or a tree) in bounded time.
//! Time bounds are enforced by proptest's per-case timeout, not by timing assertions.
#![cfg(test)]

use proptest::prelude::*;
use syntax::{SyntaxErrorKind, parse, parse_bytes, to_json};

#[test]
fn alias_bomb_is_cut_by_the_lowering_budget() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    let parse = parse(&text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    // Aliases are links: the tree stays small.
    assert!(parse.tree.len() < 200);
    let root = parse.tree.root().unwrap();
    assert!(matches!(
        to_json(&parse.tree, root, 1_000_000),
        Err(syntax::LowerError::Budget { .. })
    ));
}

#[test]
fn ten_thousand_levels_of_nesting_give_a_diagnostic() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    let parse = parse(&text);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.kind == SyntaxErrorKind::TooDeep),
        "{:?}",
        parse.errors
    );
    let flow = "[".repeat(10_000);
    let parse = syntax::parse(&flow);
    assert!(!parse.errors.is_empty());
}

#[test]
fn ten_megabyte_file_parses() {
    let mut text = String::from("edition: 3.0.0\nresources:\n");
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: f{i}\n      description: 演示函数 🚀\n"
        ));
        i += 1;
    }
    let parse = parse(&text);
    assert!(parse.errors.is_empty());
    let root = parse.tree.root().unwrap();
    let resources = parse.tree.get(root, "resources").unwrap();
    assert_eq!(parse.tree.entries(resources.value).len(), i);
    let last = parse
        .tree
        .get(resources.value, &format!("fn{}", i - 1))
        .unwrap();
    assert_eq!(
        &text[parse.tree.range(last.key_node)],
        format!("fn{}", i - 1)
    );
}

#[test]
fn invalid_utf8_reports_the_first_bad_byte() {
    let (text, parse) = parse_bytes(b"edition: 3.0.0\nname: \xff\xfe\n");
    assert_eq!(parse.errors.len(), 1);
    assert_eq!(parse.errors[0].kind, SyntaxErrorKind::InvalidUtf8);
    assert_eq!(u32::from(parse.errors[0].range.start()), 21);
    assert!(text.starts_with("edition"));
}

#[test]
fn binary_garbage_and_empty_input() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let (_, parse) = parse_bytes(&garbage);
    assert!(!parse.errors.is_empty());
    let (_, parse) = parse_bytes(b"\x00\x01\x02key: value\x00");
    assert!(!parse.errors.is_empty());
    let (_, parse) = parse_bytes(b"");
    assert!(parse.errors.is_empty() && parse.tree.root().is_none());
}

const FRAGMENTS: &[&str] = &[
    "a: ",
    "b:\n",
    "  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "? ",
    "&x ",
    "*x",
    "<<: *x\n",
    "|\n",
    ">-\n",
    "---\n",
    "%YAML 1.2\n",
    "\t",
    "\r\n",
    "\u{feff}",
    "'q'",
    "\"d\\n\"",
    "演示",
    "🚀",
    "# c\n",
    "!!str ",
    "!t ",
    "\n",
    "${vars.x}",
    ":",
    "...\n",
    "0x1F",
    "~",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, timeout: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_yaml_like_input_never_panics(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..60)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        let (text, _) = syntax::normalize_newlines(&text);
        let parse = parse(&text);
        for e in &parse.errors {
            prop_assert!(usize::from(e.range.end()) <= text.len());
            prop_assert!(text.is_char_boundary(e.range.start().into()));
        }
        if let Some(root) = parse.tree.root() {
            let _ = to_json(&parse.tree, root, 100_000);
            for i in 0..parse.tree.len() {
                let r = parse.tree.node(syntax::NodeId::from_index(i)).range;
                prop_assert!(usize::from(r.end()) <= text.len(), "range {:?} past {}", r, text.len());
                prop_assert!(text.is_char_boundary(r.start().into()) && text.is_char_boundary(r.end().into()));
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let (_, _parse) = parse_bytes(&bytes);
    }
}
