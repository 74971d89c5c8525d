//! The positioned tree: ranges of keys and values, aliases, merges, errors and lowering.
#![cfg(test)]

use expect_test::{Expect, expect};
use syntax::{NodeKind, Pointer, Tree, parse, to_json};

fn dump(text: &str) -> String {
    let parse = parse(text);
    let mut out = String::new();
    for e in &parse.errors {
        let r = e.range;
        out.push_str(&format!(
            "error {:?} {:?} {:?}: {}\n",
            e.kind, r, &text[r], e.message
        ));
    }
    if let Some(root) = parse.tree.root() {
        walk(&parse.tree, text, root, 0, &mut out);
    }
    out
}

fn walk(tree: &Tree, text: &str, id: syntax::NodeId, depth: usize, out: &mut String) {
    let node = tree.node(id);
    let pad = "  ".repeat(depth);
    let slice = &text[node.range];
    match &node.kind {
        NodeKind::Scalar(s) => out.push_str(&format!(
            "{pad}scalar {:?} {:?} {:?} {:?}\n",
            node.range, slice, s.style, s.value
        )),
        NodeKind::Alias(t) => out.push_str(&format!(
            "{pad}alias {:?} {slice:?} -> {:?}\n",
            node.range,
            tree.range(*t)
        )),
        NodeKind::Sequence(items) => {
            out.push_str(&format!(
                "{pad}seq {:?}{}\n",
                node.range,
                if node.flow { " flow" } else { "" }
            ));
            for &i in items {
                walk(tree, text, i, depth + 1, out);
            }
        }
        NodeKind::Mapping(m) => {
            out.push_str(&format!(
                "{pad}map {:?}{}\n",
                node.range,
                if node.flow { " flow" } else { "" }
            ));
            for e in &m.entries {
                out.push_str(&format!(
                    "{pad}  key {:?} {:?}\n",
                    tree.range(e.key),
                    &text[tree.range(e.key)]
                ));
                walk(tree, text, e.value, depth + 2, out);
            }
        }
    }
}

#[track_caller]
fn check(text: &str, expect: Expect) {
    expect.assert_eq(&dump(text));
}

#[test]
fn keys_and_values_have_byte_ranges() {
    check(
        "name: 演示-app # 注释\nvars:\n  emoji: \"🚀 go\"\nlist: [a, 'b']\n",
        expect![[r#"
            map 0..65
              key 0..4 "name"
                scalar 6..16 "演示-app" Plain String
              key 26..30 "vars"
                map 34..50
                  key 34..39 "emoji"
                    scalar 41..50 "\"🚀 go\"" DoubleQuoted String
              key 51..55 "list"
                seq 57..65 flow
                  scalar 58..59 "a" Plain String
                  scalar 61..64 "'b'" SingleQuoted String
        "#]],
    );
}

#[test]
fn block_scalars_start_at_the_header() {
    check(
        "code: |\n  print('你好')\n  x\nnext: >-\n  folded\n  text\nlast: 1\n",
        expect![[r#"
            map 0..62
              key 0..4 "code"
                scalar 6..29 "|\n  print('你好')\n  x" Literal String
              key 30..34 "next"
                scalar 36..54 ">-\n  folded\n  text" Folded String
              key 55..59 "last"
                scalar 61..62 "1" Plain Int(1)
        "#]],
    );
}

#[test]
fn anchors_aliases_and_merges() {
    let text = "base: &b\n  runtime: python3.9\n  memorySize: 512\nfn:\n  <<: *b\n  memorySize: 1024\nother: *b\n";
    check(
        text,
        expect![[r#"
        map 0..89
          key 0..4 "base"
            map 11..47
              key 11..18 "runtime"
                scalar 20..29 "python3.9" Plain String
              key 32..42 "memorySize"
                scalar 44..47 "512" Plain Int(512)
          key 48..50 "fn"
            map 54..79
              key 54..56 "<<"
                alias 58..60 "*b" -> 11..47
              key 63..73 "memorySize"
                scalar 75..79 "1024" Plain Int(1024)
          key 80..85 "other"
            alias 87..89 "*b" -> 11..47
    "#]],
    );
    let parse = parse(text);
    let root = parse.tree.root().unwrap();
    let json = to_json(&parse.tree, root, 1000).unwrap();
    assert_eq!(
        json.to_string(),
        r#"{"base":{"runtime":"python3.9","memorySize":512},"fn":{"runtime":"python3.9","memorySize":1024},"other":{"runtime":"python3.9","memorySize":512}}"#
    );
    // A merged key lands on the `*b` use site; an explicit key on itself.
    let runtime = parse
        .tree
        .lookup(root, &Pointer::parse("/fn/runtime"))
        .unwrap();
    assert_eq!(&text[parse.tree.range(runtime.value)], "*b");
    let memory = parse
        .tree
        .lookup(root, &Pointer::parse("/fn/memorySize"))
        .unwrap();
    assert_eq!(&text[parse.tree.range(memory.value)], "1024");
    assert_eq!(&text[parse.tree.range(memory.key.unwrap())], "memorySize");
    let aliased = parse
        .tree
        .lookup(root, &Pointer::parse("/other/runtime"))
        .unwrap();
    assert_eq!(&text[parse.tree.range(aliased.value)], "*b");
    assert!(
        parse
            .tree
            .lookup(root, &Pointer::parse("/fn/nope"))
            .is_none()
    );
}

#[test]
fn crlf_input_is_normalised_before_parsing() {
    let (text, _) = syntax::normalize_newlines("a: 1\r\nb:\r\n  - x\r\n");
    check(
        &text,
        expect![[r#"
        map 0..13
          key 0..1 "a"
            scalar 3..4 "1" Plain Int(1)
          key 5..6 "b"
            seq 10..13
              scalar 12..13 "x" Plain String
    "#]],
    );
}

#[test]
fn syntax_errors_have_ranges() {
    check(
        "a: 1\nb: [1, 2\nc: 3\n",
        expect![[r#"
        error Invalid 15..16 ":": invalid YAML: illegal placement of ':' indicator
        map 0..10
          key 0..1 "a"
            scalar 3..4 "1" Plain Int(1)
          key 5..6 "b"
            seq 8..10 flow
              scalar 9..10 "1" Plain Int(1)
    "#]],
    );
    check(
        "名前: 値\n  bad: indent\n",
        expect![[r#"
        error Invalid 17..18 ":": invalid YAML: mapping values are not allowed in this context
        map 0..17
          key 0..6 "名前"
            scalar 8..17 "値\n  bad" Plain String
    "#]],
    );
    check(
        "key: \"unterminated\n",
        expect![[r#"
        error Invalid 5..6 "\"": invalid YAML: while scanning a quoted scalar, found unexpected end of stream
        map 0..0
    "#]],
    );
    check(
        "a: 1\na: 2\n",
        expect![[r#"
        error DuplicateKey 5..6 "a": duplicate key `a`: Serverless Devs (js-yaml) rejects the file; remove one of them
        map 0..9
          key 0..1 "a"
            scalar 3..4 "1" Plain Int(1)
          key 5..6 "a"
            scalar 8..9 "2" Plain Int(2)
    "#]],
    );
    check(
        "x: *nope\n",
        expect![[r#"
        error Invalid 3..4 "*": invalid YAML: while parsing node, found unknown anchor
        map 0..0
    "#]],
    );
    check(
        "a: !Ref x\n",
        expect![[r#"
            error UnknownTag 3..9 "!Ref x": unknown YAML tag `!Ref`: Serverless Devs (js-yaml) rejects it; remove the tag
            map 0..9
              key 0..1 "a"
                scalar 8..9 "x" Plain String
        "#]],
    );
    check(
        "a: 1\n---\nb: 2\n",
        expect![[r#"
        error MultipleDocuments 5..8 "---": a second YAML document starts here; Serverless Devs reads only the first
        map 0..4
          key 0..1 "a"
            scalar 3..4 "1" Plain Int(1)
    "#]],
    );
}

#[test]
fn empty_and_comment_only_files_have_no_root() {
    assert!(parse("").tree.root().is_none());
    assert!(parse("# only a comment\n").tree.root().is_none());
    assert!(parse("").errors.is_empty());
}
