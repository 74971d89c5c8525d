#![cfg(test)]
//! Hostile or unusual input through the CLI: every case ends with diagnostics and a normal exit
//! code (2, or 0 when clean), never a crash.

mod common;

use common::{CLEAN, TYPO_AND_RANGE, json_files, pos, project, sdls, utf16_len, write};

const FORMATS: [&str; 3] = ["human", "json", "sarif"];

/// Runs `check --format F file` for every format; each must exit with `code` without crashing
/// (and the SARIF must be schema-valid). Returns the JSON report.
fn check_all_formats(dir: &std::path::Path, file: &str, code: i32) -> serde_json::Value {
    let mut report = serde_json::Value::Null;
    for format in FORMATS {
        let run = sdls(dir, &["check", "--format", format, file]);
        run.assert_code(code);
        match format {
            "json" => report = run.json(),
            "sarif" => common::assert_valid_sarif(&run.json()),
            _ => assert!(run.stdout.ends_with(" in 1 file\n"), "{}", run.describe()),
        }
    }
    report
}

/// The single file's diagnostics of a JSON report.
fn diagnostics(report: &serde_json::Value) -> Vec<serde_json::Value> {
    let files = json_files(report);
    assert_eq!(files.len(), 1);
    files.into_iter().next().map(|(_, d)| d).unwrap_or_default()
}

fn codes(diags: &[serde_json::Value]) -> Vec<&str> {
    diags
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect()
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), so failures reproduce.
fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 56) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// empty and garbage

#[test]
fn empty_file_is_an_error_not_a_crash() {
    let dir = project();
    write(dir.path(), "s.yaml", "");
    let report = check_all_formats(dir.path(), "s.yaml", 2);
    let diags = diagnostics(&report);
    assert_eq!(codes(&diags), ["invalid-document"]);
    assert_eq!(pos(&diags[0], "start"), (0, 0));

    let run = sdls(dir.path(), &["check"]);
    assert!(
        run.stdout
            .starts_with("s.yaml:1:1: error[invalid-document]"),
        "{}",
        run.describe()
    );
}

#[test]
fn comment_only_and_blank_files_are_errors_not_crashes() {
    let dir = project();
    write(dir.path(), "s-comment.yaml", "# nothing here\n");
    write(dir.path(), "s-blank.yaml", "\n\n   \n");
    write(dir.path(), "s-null.yaml", "~\n");
    write(dir.path(), "s-scalar.yaml", "just a string\n");
    write(dir.path(), "s-list.yaml", "- 1\n- 2\n");
    for file in [
        "s-comment.yaml",
        "s-blank.yaml",
        "s-null.yaml",
        "s-scalar.yaml",
        "s-list.yaml",
    ] {
        let report = check_all_formats(dir.path(), file, 2);
        assert!(!diagnostics(&report).is_empty(), "{file}");
    }
}

#[test]
fn binary_garbage_that_is_valid_utf8_gives_diagnostics() {
    let dir = project();
    // Control characters, NULs, ASCII: valid UTF-8, not YAML.
    let bytes: Vec<u8> = pseudo_random_bytes(4096, 7)
        .into_iter()
        .map(|b| b & 0x7f)
        .collect();
    assert!(std::str::from_utf8(&bytes).is_ok());
    write(dir.path(), "s.yaml", &bytes);
    let report = check_all_formats(dir.path(), "s.yaml", 2);
    let diags = diagnostics(&report);
    assert!(diags.iter().any(|d| d["severity"] == "error"), "{diags:#?}");
}

#[test]
fn binary_garbage_invalid_utf8_json_and_sarif() {
    let dir = project();
    let mut bytes = vec![0xff, 0xfe, 0x00, 0x00];
    bytes.extend(pseudo_random_bytes(4096, 42));
    write(dir.path(), "s.yaml", &bytes);
    for format in ["json", "sarif"] {
        let run = sdls(dir.path(), &["check", "--format", format]);
        run.assert_code(2);
        let _ = run.json();
    }
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    let diags = diagnostics(&run.json());
    assert_eq!(codes(&diags), ["invalid-utf8"]);
    assert_eq!(pos(&diags[0], "start"), (0, 0));
}

#[test]
fn binary_garbage_invalid_utf8_human() {
    let dir = project();
    let mut bytes = vec![0xff, 0xfe, 0x00, 0x00];
    bytes.extend(pseudo_random_bytes(4096, 42));
    write(dir.path(), "s.yaml", &bytes);
    let run = sdls(dir.path(), &["check"]);
    run.assert_code(2);
    assert!(
        run.stdout.starts_with("s.yaml:1:1: error[invalid-utf8]: "),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.ends_with("1 error, 0 warnings in 1 file\n"),
        "{}",
        run.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// invalid UTF-8

/// `name: d` then two invalid bytes on line 2 (0-based line 1, character 7; byte offset 22).
const INVALID_UTF8: &[u8] = b"edition: 3.0.0\nname: d\x80\xffx\nresources: {}\n";

#[test]
fn invalid_utf8_json_position() {
    let dir = project();
    write(dir.path(), "s.yaml", INVALID_UTF8);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(2);
    let diags = diagnostics(&run.json());
    assert_eq!(
        codes(&diags),
        ["invalid-utf8"],
        "only the encoding error is reported"
    );
    assert_eq!(diags[0]["severity"], "error");
    assert_eq!(pos(&diags[0], "start"), (1, 7));
    let (end_line, end_char) = pos(&diags[0], "end");
    assert_eq!(end_line, 1);
    assert!(
        (7..=8).contains(&end_char),
        "end {end_char}: at or just after the bad byte"
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .expect("message")
            .contains("offset 22"),
        "{diags:?}"
    );
}

#[test]
fn invalid_utf8_position_counts_utf16_before_it() {
    let dir = project();
    let mut bytes = "edition: 3.0.0\nname: 演示🚀".as_bytes().to_vec();
    bytes.extend(b"\xc3(\nresources: {}\n");
    write(dir.path(), "s.yaml", &bytes);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(2);
    let diags = diagnostics(&run.json());
    assert_eq!(codes(&diags), ["invalid-utf8"]);
    assert_eq!(pos(&diags[0], "start"), (1, utf16_len("name: 演示🚀")));

    let run = sdls(dir.path(), &["check", "--format", "sarif"]);
    run.assert_code(2);
    let region = &run.json()["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], utf16_len("name: 演示🚀") + 1);
}

#[test]
fn invalid_utf8_human_position() {
    let dir = project();
    write(dir.path(), "s.yaml", INVALID_UTF8);
    let run = sdls(dir.path(), &["check"]);
    run.assert_code(2);
    assert!(
        run.stdout
            .starts_with("s.yaml:2:8: error[invalid-utf8]: the file is not valid UTF-8"),
        "{}",
        run.describe()
    );
    let caret_line = run.stdout.lines().nth(3).expect("caret line");
    assert_eq!(caret_line, "  |        ^");
}

// ---------------------------------------------------------------------------------------------
// line endings, BOM

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[test]
fn crlf_positions_match_the_lf_version() {
    let lf = project();
    let cr = project();
    write(lf.path(), "s.yaml", TYPO_AND_RANGE);
    write(cr.path(), "s.yaml", crlf(TYPO_AND_RANGE));
    for format in FORMATS {
        let a = sdls(lf.path(), &["check", "--format", format]);
        let b = sdls(cr.path(), &["check", "--format", format]);
        a.assert_code(2);
        b.assert_code(2);
        assert_eq!(
            a.stdout, b.stdout,
            "format {format}: CRLF output differs from LF"
        );
        assert!(
            !b.stdout.contains('\r'),
            "format {format}: a stray CR in the output"
        );
    }
    let run = sdls(cr.path(), &["check", "--format", "json"]);
    let diags = diagnostics(&run.json());
    assert_eq!(pos(&diags[0], "start"), (12, 6));
    assert_eq!(pos(&diags[1], "end"), (13, 21));
}

#[test]
fn crlf_clean_file_exits_0() {
    let dir = project();
    write(dir.path(), "s.yaml", crlf(CLEAN));
    let report = check_all_formats(dir.path(), "s.yaml", 0);
    assert!(diagnostics(&report).is_empty(), "{report:#}");
}

#[test]
fn crlf_with_cjk_and_emoji_before_the_error() {
    let line = r#"    props: {description: "演示🚀🚀", memorySize: 64, region: cn-hangzhou, functionName: hello, runtime: python3.10, code: ./code, handler: index.handler}"#;
    let text =
        format!("edition: 3.0.0\nname: demo\nresources:\n  hello:\n    component: fc3\n{line}\n");
    let lf = project();
    let cr = project();
    write(lf.path(), "s.yaml", &text);
    write(cr.path(), "s.yaml", crlf(&text));
    let a = sdls(lf.path(), &["check", "--format", "json"]);
    let b = sdls(cr.path(), &["check", "--format", "json"]);
    b.assert_code(2);
    assert_eq!(a.stdout, b.stdout);
    let diags = diagnostics(&b.json());
    let prefix = &line[..line.find("64,").expect("64")];
    assert_eq!(pos(&diags[0], "start"), (5, utf16_len(prefix)));
}

#[test]
fn utf8_bom_is_not_counted_as_a_column() {
    let text = "edition: 4.0.0\nname: demo\nresources: {}\n";
    let plain = project();
    let bom = project();
    write(plain.path(), "s.yaml", text);
    write(bom.path(), "s.yaml", format!("\u{feff}{text}"));
    for format in FORMATS {
        let a = sdls(plain.path(), &["check", "--format", format]);
        let b = sdls(bom.path(), &["check", "--format", format]);
        b.assert_code(2);
        assert_eq!(
            a.stdout, b.stdout,
            "format {format}: BOM changes the output"
        );
    }
}

#[test]
fn utf8_bom_does_not_change_lines_after_the_first() {
    let plain = project();
    let bom = project();
    write(plain.path(), "s.yaml", TYPO_AND_RANGE);
    write(bom.path(), "s.yaml", format!("\u{feff}{TYPO_AND_RANGE}"));
    let a = sdls(plain.path(), &["check", "--format", "json"]);
    let b = sdls(bom.path(), &["check", "--format", "json"]);
    b.assert_code(2);
    assert_eq!(a.stdout, b.stdout);
}

// ---------------------------------------------------------------------------------------------
// deep nesting

const DEPTH: usize = 10_000;
const BLOCK_MAP_DEPTH: usize = 1_000;

fn deep_cases() -> Vec<(&'static str, String)> {
    let header =
        "edition: 3.0.0\nname: deep\nresources:\n  a:\n    component: fc3\n    props:\n      x: ";
    // Block mappings need one more space of indentation per level, so 10,000 levels would be a
    // 50 MB file (3 s per run in a debug build); 1,000 levels (0.5 MB) are far past any limit.
    let block_maps: String = (0..BLOCK_MAP_DEPTH)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let block_seqs: String = format!("{}1\n", "- ".repeat(DEPTH));
    vec![
        (
            "s-flow-seq.yaml",
            format!("{}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
        ),
        (
            "s-flow-map.yaml",
            format!("{}1{}\n", "{a: ".repeat(DEPTH), "}".repeat(DEPTH)),
        ),
        (
            "s-flow-in-props.yaml",
            format!("{header}{}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
        ),
        ("s-block-map.yaml", block_maps),
        ("s-block-seq.yaml", block_seqs),
        ("s-unclosed.yaml", "[".repeat(DEPTH)),
    ]
}

#[test]
fn ten_thousand_deep_nesting_gives_diagnostics_not_a_crash() {
    let dir = project();
    for (name, text) in deep_cases() {
        write(dir.path(), name, &text);
        let report = check_all_formats(dir.path(), name, 2);
        let diags = diagnostics(&report);
        assert!(
            diags.iter().any(|d| d["severity"] == "error"),
            "{name}: {diags:#?}"
        );
    }
}

#[test]
fn many_files_with_hostile_content_in_one_run() {
    let dir = project();
    write(dir.path(), "tree/s.yaml", CLEAN);
    write(dir.path(), "tree/a/s.yaml", "");
    write(
        dir.path(),
        "tree/b/s.yaml",
        pseudo_random_bytes(512, 3)
            .iter()
            .map(|b| b & 0x7f)
            .collect::<Vec<u8>>(),
    );
    write(dir.path(), "tree/c/s.yaml", crlf(TYPO_AND_RANGE));
    write(
        dir.path(),
        "tree/d/s.yaml",
        format!("{}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
    );
    let run = sdls(dir.path(), &["check", "--format", "json", "tree"]);
    run.assert_code(2);
    assert_eq!(json_files(&run.json()).len(), 5);
    let run = sdls(dir.path(), &["check", "tree"]);
    run.assert_code(2);
    assert!(run.stdout.ends_with(" in 5 files\n"), "{}", run.describe());
}
