//! Fixture helper for analysis tests: YAML with annotation comments.
//!
//! - `# ^^^ severity[code]: message` under a line labels the columns of the carets on the
//!   nearest preceding non-annotation line; the message is matched as a substring (optional).
//! - A line whose first non-blank character is `^` labels the same way but is removed before
//!   analysis (for ranges in columns 0–1, which a `#` cannot reach).
//! - `#- /path` starts another file of a multi-file fixture (`.env`, an `extend` base, code);
//!   the first file is the one analysed (default path `/p/s.yaml`).
//! - `$env NAME=value` lines inside a `#- $env` section set the process environment.

use std::path::PathBuf;

use analysis::{CheckOptions, Diagnostic, FileInput, MemoryHost, check};

pub(crate) struct Fixture {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) host: MemoryHost,
    pub(crate) expected: Vec<Expected>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) line: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) severity: String,
    pub(crate) code: String,
    pub(crate) message: String,
}

pub(crate) fn parse_fixture(fixture: &str) -> Fixture {
    let fixture = trim_indent(fixture);
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut current = ("/p/s.yaml".to_string(), String::new());
    for line in fixture.split_inclusive('\n') {
        if let Some(path) = line.trim_end().strip_prefix("#- ") {
            sections.push(std::mem::take(&mut current));
            current.0 = path.trim().to_string();
            continue;
        }
        current.1.push_str(line);
    }
    sections.push(current);
    let sections: Vec<(String, String)> = sections
        .into_iter()
        .filter(|(p, t)| !(t.is_empty() && p == "/p/s.yaml"))
        .collect();
    let (main_path, main_text) = sections[0].clone();
    let mut host = MemoryHost::new();
    for (path, text) in &sections[1..] {
        if path == "$env" {
            for l in text.lines().filter(|l| !l.trim().is_empty()) {
                let (k, v) = l.split_once('=').expect("NAME=value");
                host = host.with_env(k.trim(), v.trim());
            }
        } else {
            host = host.with_file(path.clone(), text.clone());
        }
    }
    // Annotations.
    let mut kept: Vec<&str> = Vec::new();
    let mut expected = Vec::new();
    for line in main_text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let is_bare = trimmed.starts_with('^');
        let is_comment = trimmed
            .strip_prefix('#')
            .is_some_and(|r| r.trim_start().starts_with('^'));
        if is_bare || is_comment {
            let target = kept
                .iter()
                .rposition(|l| !is_annotation(l))
                .expect("annotation needs a line above");
            let start = line.find('^').unwrap_or(0);
            let end = start + line[start..].chars().take_while(|c| *c == '^').count();
            let label = line[end..].trim();
            let (sev_code, message) = label.split_once(": ").unwrap_or((label, ""));
            let (severity, code) = sev_code.split_once('[').expect("severity[code]");
            expected.push(Expected {
                line: target,
                start,
                end,
                severity: severity.trim().to_string(),
                code: code.trim_end_matches(']').to_string(),
                message: message.trim().to_string(),
            });
            if is_comment {
                kept.push(line);
            }
            continue;
        }
        kept.push(line);
    }
    // Bare annotation lines were removed: re-number targets to kept lines.
    let text: String = kept.concat();
    Fixture {
        path: PathBuf::from(main_path),
        text,
        host,
        expected,
    }
}

fn is_annotation(line: &str) -> bool {
    line.trim_start()
        .strip_prefix('#')
        .is_some_and(|r| r.trim_start().starts_with('^'))
}

/// Removes the common indentation of a fixture written inside a raw string.
pub(crate) fn trim_indent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub(crate) fn analyse(fixture: &Fixture) -> Vec<Diagnostic> {
    let input = FileInput {
        path: &fixture.path,
        text: &fixture.text,
        workspace: None,
    };
    check(&input, &fixture.host, CheckOptions::default()).diagnostics
}

fn actual_of(text: &str, d: &Diagnostic) -> Expected {
    let start = usize::from(d.range.start());
    let end = usize::from(d.range.end());
    let line = text[..start].matches('\n').count();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Expected {
        line,
        start: start - line_start,
        end: end.min(line_end).max(start) - line_start,
        severity: d.severity.as_str().to_string(),
        code: d.code.to_string(),
        message: d.message.clone(),
    }
}

/// Asserts that the diagnostics are exactly the annotated ones (position, severity, code, and
/// the message when the annotation gives one).
#[track_caller]
pub(crate) fn check_diagnostics(fixture: &str) {
    let f = parse_fixture(fixture);
    let diagnostics = analyse(&f);
    let actual: Vec<Expected> = diagnostics.iter().map(|d| actual_of(&f.text, d)).collect();
    let mut missing: Vec<&Expected> = Vec::new();
    let mut matched = vec![false; actual.len()];
    for e in &f.expected {
        let hit = actual.iter().enumerate().position(|(i, a)| {
            !matched[i]
                && a.line == e.line
                && a.start == e.start
                && (a.end == e.end || (a.end == a.start && e.end == e.start + 1))
                && a.severity == e.severity
                && a.code == e.code
                && a.message.contains(&e.message)
        });
        match hit {
            Some(i) => matched[i] = true,
            None => missing.push(e),
        }
    }
    let extra: Vec<&Expected> = actual
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(a, _)| a)
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let lines: Vec<&str> = f.text.lines().collect();
        let show = |e: &Expected| {
            format!(
                "  line {} `{}`\n    {}{} {}[{}]: {}",
                e.line + 1,
                lines.get(e.line).unwrap_or(&""),
                " ".repeat(e.start),
                "^".repeat((e.end - e.start).max(1)),
                e.severity,
                e.code,
                e.message
            )
        };
        let missing: Vec<String> = missing.iter().map(|e| show(e)).collect();
        let extra: Vec<String> = extra.iter().map(|e| show(e)).collect();
        panic!(
            "diagnostics differ\nexpected but missing:\n{}\nreported but not expected:\n{}\n",
            missing.join("\n"),
            extra.join("\n")
        );
    }
}

/// Applies the first fix of the diagnostic with `code` and compares the fixed text.
#[track_caller]
pub(crate) fn check_fix(code: &str, before: &str, after: &str) {
    let f = parse_fixture(before);
    let diagnostics = analyse(&f);
    let d = diagnostics
        .iter()
        .find(|d| d.code == code && !d.fixes.is_empty())
        .unwrap_or_else(|| panic!("no fix for {code}: {diagnostics:#?}"));
    let mut text = f.text.clone();
    let mut edits = d.fixes[0].edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    for e in edits {
        text.replace_range(
            usize::from(e.range.start())..usize::from(e.range.end()),
            &e.new_text,
        );
    }
    assert_eq!(text, trim_indent(after));
}
