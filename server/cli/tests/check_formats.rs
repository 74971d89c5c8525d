#![cfg(test)]
//! The three output formats of `sdls check`: human (compiler-style), json (LSP-style
//! positions) and SARIF 2.1.0 (validated against the official schema).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use common::{
    CLEAN, TYPO_AND_RANGE, assert_valid_sarif, json_files, pos, project, sdls, utf16_len, write,
};

/// A flow mapping whose error (`memorySize: 64`, below the minimum 128) follows Chinese text and
/// two emoji on the same line: 2 CJK chars (1 UTF-16 unit each) and 2 emoji (2 units each).
const CJK_LINE: &str = r#"    props: {description: "演示🚀🚀", memorySize: 64, region: cn-hangzhou, functionName: hello, runtime: python3.10, code: ./code, handler: index.handler}"#;

fn cjk_file() -> String {
    format!("edition: 3.0.0\nname: demo\nresources:\n  hello:\n    component: fc3\n{CJK_LINE}\n")
}

/// An error, a warning and an information diagnostic (for the SARIF level mapping).
const MIXED: &str = r#"edition: 3.0.0
name: demo
resources:
  hello:
    component: fc3
    props: {description: "演示🚀🚀", memorySize: 64, region: cn-hangzhou, functionName: hello, runtime: python3.10, code: ./code, handler: index.handler}
  other:
    component: ./components/fc3
    props:
      region: cn-hangzhou
      functionName: other
      runtime: python3.10
      code: ./code
      handler: index.handler
      memorySzie: 512
"#;

// ---------------------------------------------------------------------------------------------
// human

#[test]
fn human_typo_and_out_of_range() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    let run = sdls(dir.path(), &["check", "s.yaml"]);
    run.assert_code(2);
    insta::assert_snapshot!("human_typo_and_out_of_range", run.stdout);
    // The same, spelled out, so the exact layout is visible in the test itself.
    let expected = "\
s.yaml:13:7: warning[unknown-property]: unknown property `memorySzie`; did you mean `memorySize`?
   |
13 |       memorySzie: 512
   |       ^^^^^^^^^^
   = help: Rename to `memorySize`

s.yaml:14:16: error[out-of-range]: `timeout` must be at most 86400 (it is 100000)
   |
14 |       timeout: 100000
   |                ^^^^^^

1 error, 1 warning in 1 file
";
    assert_eq!(run.stdout, expected);
}

#[test]
fn human_columns_count_characters_after_cjk_and_emoji() {
    let dir = project();
    write(dir.path(), "s.yaml", cjk_file());
    let run = sdls(dir.path(), &["check", "s.yaml"]);
    run.assert_code(2);
    insta::assert_snapshot!("human_cjk_emoji_columns", run.stdout);

    let prefix = &CJK_LINE[..CJK_LINE.find("64,").expect("64 in line")];
    let col = prefix.chars().count() + 1;
    assert_eq!(col, 46, "sanity: 45 characters before `64`");
    assert_ne!(
        utf16_len(prefix) as usize + 1,
        col,
        "the emoji make UTF-16 differ"
    );
    assert_ne!(prefix.len() + 1, col, "the CJK/emoji make bytes differ");

    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "s.yaml:6:{col}: error[out-of-range]: `memorySize` must be at least 128 (it is 64)"
        )
    );
    assert_eq!(lines[1], "  |");
    assert_eq!(lines[2], format!("6 | {CJK_LINE}"));
    let carets = lines[3].strip_prefix("  | ").expect("caret line");
    let lead = carets.chars().take_while(|c| *c == ' ').count();
    assert_eq!(
        lead,
        col - 1,
        "carets start under the value, counted in characters"
    );
    assert_eq!(carets.trim_start(), "^^", "one caret per character of `64`");
    let under: String = CJK_LINE.chars().skip(lead).take(2).collect();
    assert_eq!(under, "64");
    assert_eq!(
        run.stdout.lines().last(),
        Some("1 error, 0 warnings in 1 file")
    );
}

#[test]
fn human_clean_file_prints_only_the_summary() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 1 file\n");
}

#[test]
fn human_summary_counts_files_and_uses_plurals() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    write(dir.path(), "s-dev.yaml", TYPO_AND_RANGE);
    write(dir.path(), "s-ok.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "s.yaml", "s-dev.yaml", "s-ok.yaml"]);
    run.assert_code(2);
    assert!(
        run.stdout.ends_with("\n2 errors, 2 warnings in 3 files\n"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("s-dev.yaml:14:16: error[out-of-range]"));
}

// ---------------------------------------------------------------------------------------------
// json

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

/// Checks the whole report against the documented shape, with no extra keys anywhere.
fn assert_json_shape(report: &Value) {
    assert_eq!(keys(report), set(&["files"]), "top-level keys");
    for file in report["files"].as_array().expect("files is an array") {
        assert_eq!(keys(file), set(&["path", "diagnostics"]));
        assert!(file["path"].is_string());
        for d in file["diagnostics"]
            .as_array()
            .expect("diagnostics is an array")
        {
            assert_eq!(
                keys(d),
                set(&["severity", "range", "code", "message"]),
                "{d}"
            );
            let severity = d["severity"].as_str().expect("severity is a string");
            assert!(
                ["error", "warning", "information", "hint"].contains(&severity),
                "severity {severity}"
            );
            assert!(!d["code"].as_str().expect("code is a string").is_empty());
            assert!(
                !d["message"]
                    .as_str()
                    .expect("message is a string")
                    .is_empty()
            );
            assert_eq!(keys(&d["range"]), set(&["start", "end"]));
            for end in ["start", "end"] {
                let p = &d["range"][end];
                assert_eq!(keys(p), set(&["line", "character"]));
                assert!(p["line"].is_u64() && p["character"].is_u64(), "{p}");
            }
            assert!(pos(d, "start") <= pos(d, "end"), "range is ordered: {d}");
        }
    }
}

#[test]
fn json_shape_is_exact() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    write(dir.path(), "s-mixed.yaml", MIXED);
    write(dir.path(), "s-clean.yaml", CLEAN);
    let run = sdls(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "s.yaml",
            "s-mixed.yaml",
            "s-clean.yaml",
        ],
    );
    run.assert_code(2);
    let report = run.json();
    assert_json_shape(&report);

    let files = json_files(&report);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["s.yaml", "s-mixed.yaml", "s-clean.yaml"],
        "argument order"
    );
    assert!(files[2].1.is_empty(), "clean file has an empty list");

    // The typo/range file, fully: 0-based lines and characters.
    assert_eq!(
        report["files"][0]["diagnostics"],
        serde_json::json!([
            {
                "severity": "warning",
                "range": {"start": {"line": 12, "character": 6}, "end": {"line": 12, "character": 16}},
                "code": "unknown-property",
                "message": "unknown property `memorySzie`; did you mean `memorySize`?"
            },
            {
                "severity": "error",
                "range": {"start": {"line": 13, "character": 15}, "end": {"line": 13, "character": 21}},
                "code": "out-of-range",
                "message": "`timeout` must be at most 86400 (it is 100000)"
            }
        ])
    );
    let severities: BTreeSet<&str> = files[1]
        .1
        .iter()
        .map(|d| d["severity"].as_str().expect("severity"))
        .collect();
    assert_eq!(severities, set(&["error", "warning", "information"]));
}

#[test]
fn json_clean_file_is_an_empty_list() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(
        run.json(),
        serde_json::json!({"files": [{"path": "s.yaml", "diagnostics": []}]})
    );
}

#[test]
fn json_character_counts_utf16_code_units() {
    let dir = project();
    write(dir.path(), "s.yaml", cjk_file());
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(2);
    let report = run.json();
    assert_json_shape(&report);
    let files = json_files(&report);
    let diags = &files[0].1;
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "out-of-range");

    let prefix = &CJK_LINE[..CJK_LINE.find("64,").expect("64 in line")];
    let units = utf16_len(prefix);
    assert_eq!(
        units, 47,
        "sanity: 45 characters, 2 of them astral (2 units each)"
    );
    assert_eq!(pos(d, "start"), (5, units));
    assert_eq!(pos(d, "end"), (5, units + 2));
}

#[test]
fn json_character_counts_utf16_after_emoji_only() {
    // `{description: "🚀🚀", timeout: 100000, ...}`: 4 UTF-16 units for 2 characters.
    let prefix = r#"    props: {description: "🚀🚀", timeout: "#;
    let text = format!(
        "edition: 3.0.0\nname: demo\nresources:\n  hello:\n    component: fc3\n{prefix}100000, region: cn-hangzhou, functionName: hello, runtime: python3.10, code: ./code, handler: index.handler}}\n"
    );
    let dir = project();
    write(dir.path(), "s.yaml", text);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(2);
    let report = run.json();
    let files = json_files(&report);
    let d = files[0]
        .1
        .iter()
        .find(|d| d["code"] == "out-of-range")
        .unwrap_or_else(|| panic!("an out-of-range diagnostic\n{}", run.describe()));
    assert_eq!(pos(d, "start"), (5, utf16_len(prefix)));
    assert_eq!(pos(d, "end"), (5, utf16_len(prefix) + 6));
    assert_eq!(utf16_len(prefix), prefix.chars().count() as u64 + 2);
}

// ---------------------------------------------------------------------------------------------
// sarif

#[test]
fn sarif_validates_and_matches_json_positions() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    write(dir.path(), "s-mixed.yaml", MIXED);
    write(dir.path(), "s-clean.yaml", CLEAN);
    let args = ["s.yaml", "s-mixed.yaml", "s-clean.yaml"];
    let sarif = sdls(
        dir.path(),
        &[&["check", "--format", "sarif"][..], &args].concat(),
    );
    sarif.assert_code(2);
    let log = sarif.json();
    assert_valid_sarif(&log);

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert_eq!(run["tool"]["driver"]["name"], "sdls");

    // Same diagnostics as the JSON format, 1-based, same order.
    let json = sdls(
        dir.path(),
        &[&["check", "--format", "json"][..], &args].concat(),
    );
    let expected: Vec<(String, Value)> = json_files(&json.json())
        .into_iter()
        .flat_map(|(path, ds)| ds.into_iter().map(move |d| (path.clone(), d)))
        .collect();
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), expected.len());
    assert!(results.len() >= 5, "{results:?}");
    for (r, (path, d)) in results.iter().zip(&expected) {
        assert_eq!(r["ruleId"], d["code"]);
        assert_eq!(r["message"]["text"], d["message"]);
        let level = match d["severity"].as_str().expect("severity") {
            "error" => "error",
            "warning" => "warning",
            "information" | "hint" => "note",
            other => panic!("severity {other}"),
        };
        assert_eq!(r["level"], level, "{r}");
        let locations = r["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let loc = &locations[0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], path.as_str());
        let region = &loc["region"];
        let (sl, sc) = pos(d, "start");
        let (el, ec) = pos(d, "end");
        assert_eq!(region["startLine"], sl + 1);
        assert_eq!(region["startColumn"], sc + 1);
        assert_eq!(region["endLine"], el + 1);
        assert_eq!(region["endColumn"], ec + 1);
    }
    let levels: BTreeSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().expect("level"))
        .collect();
    assert_eq!(levels, set(&["error", "warning", "note"]));

    // One rule per code used, no duplicates.
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let unique: BTreeSet<&str> = rule_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        rule_ids.len(),
        "duplicate rules: {rule_ids:?}"
    );
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert_eq!(unique, used);
    assert_eq!(
        used,
        set(&["component-inferred", "out-of-range", "unknown-property"])
    );
}

#[test]
fn sarif_exact_positions_for_typo_and_range() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    let run = sdls(dir.path(), &["check", "--format", "sarif"]);
    run.assert_code(2);
    let log = run.json();
    assert_valid_sarif(&log);
    let regions: Vec<(Value, Value)> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["level"].clone(),
                r["locations"][0]["physicalLocation"]["region"].clone(),
            )
        })
        .collect();
    assert_eq!(
        regions,
        vec![
            (
                Value::from("warning"),
                serde_json::json!({"startLine": 13, "startColumn": 7, "endLine": 13, "endColumn": 17})
            ),
            (
                Value::from("error"),
                serde_json::json!({"startLine": 14, "startColumn": 16, "endLine": 14, "endColumn": 22})
            ),
        ]
    );
}

#[test]
fn sarif_columns_are_utf16_after_emoji() {
    let dir = project();
    write(dir.path(), "s.yaml", cjk_file());
    let run = sdls(dir.path(), &["check", "--format", "sarif"]);
    run.assert_code(2);
    let log = run.json();
    assert_valid_sarif(&log);
    let prefix = &CJK_LINE[..CJK_LINE.find("64,").expect("64 in line")];
    let region = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 6);
    assert_eq!(region["startColumn"], utf16_len(prefix) + 1);
    assert_eq!(region["endColumn"], utf16_len(prefix) + 3);
}

#[test]
fn sarif_without_findings_validates_and_exits_0() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "--format", "sarif"]);
    run.assert_code(0);
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    assert!(
        rules.is_null() || rules == &serde_json::json!([]),
        "{rules}"
    );
}

#[test]
fn sarif_one_rule_per_code_across_files() {
    let dir = project();
    write(dir.path(), "s-a.yaml", TYPO_AND_RANGE);
    write(dir.path(), "s-b.yaml", TYPO_AND_RANGE);
    let run = sdls(
        dir.path(),
        &["check", "--format", "sarif", "s-a.yaml", "s-b.yaml"],
    );
    run.assert_code(2);
    let log = run.json();
    assert_valid_sarif(&log);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["out-of-range", "unknown-property"]);
    let mut per_uri: BTreeMap<&str, usize> = BTreeMap::new();
    for r in log["runs"][0]["results"].as_array().expect("results") {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        *per_uri.entry(uri).or_default() += 1;
    }
    assert_eq!(per_uri, BTreeMap::from([("s-a.yaml", 2), ("s-b.yaml", 2)]));
}

#[test]
fn sarif_uri_of_a_path_with_a_space_is_a_valid_uri_reference() {
    let dir = project();
    write(dir.path(), "my project/s.yaml", TYPO_AND_RANGE);
    write(dir.path(), "项目/s.yaml", TYPO_AND_RANGE);
    let run = sdls(
        dir.path(),
        &[
            "check",
            "--format",
            "sarif",
            "my project/s.yaml",
            "项目/s.yaml",
        ],
    );
    run.assert_code(2);
    let log = run.json();
    assert_valid_sarif(&log);
    let uris: BTreeSet<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(
        uris,
        set(&["%E9%A1%B9%E7%9B%AE/s.yaml", "my%20project/s.yaml"])
    );
}
