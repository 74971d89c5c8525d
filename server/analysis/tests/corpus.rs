//! Every corpus file: zero errors except the three that really are invalid (D1), and every
//! warning or note recorded in a snapshot (`tests/snapshots/corpus.txt`), each one a real
//! finding. Refresh the snapshot with `UPDATE_EXPECT=1 cargo test -p analysis --test corpus`.
#![cfg(test)]

use std::path::{Path, PathBuf};

use analysis::{CheckOptions, FileInput, Host, PathKind, Severity, check};

/// The real file system, with an empty environment (as the oracle was made).
struct CorpusHost;

impl Host for CorpusHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        let meta = std::fs::metadata(path).ok()?;
        Some(if meta.is_dir() {
            PathKind::Dir
        } else {
            PathKind::File
        })
    }
    fn env_var(&self, _name: &str) -> Option<String> {
        None
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_has_no_false_errors_and_known_warnings() {
    let files = corpus();
    assert!(files.len() >= 57, "corpus has {} files", files.len());
    let mut snapshot = String::new();
    let mut failures = Vec::new();
    for path in &files {
        let raw = std::fs::read_to_string(path).expect("corpus file is UTF-8");
        let text = raw.replace("\r\n", "\n");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = FileInput {
            path,
            text: &text,
            workspace: None,
        };
        let analysis = check(&input, &CorpusHost, CheckOptions::default());
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        match name.as_str() {
            // Placeholders such as `runtime: string` and `${functionName}`: real errors (D1).
            "devsapp__fc3____tests____complete-props.yaml" => {
                if errors.is_empty() {
                    failures.push(format!("{name}: expected errors"));
                }
            }
            // A flat `flow.remove` list, an intentional negative fixture (D1).
            "Serverless-Devs__Serverless-Devs____tests____fixtures__remove__s.yaml" => {
                if errors.len() != 1 || errors[0].code != "flow-format" {
                    failures.push(format!(
                        "{name}: expected one flow-format error, got {errors:?}"
                    ));
                }
            }
            // Not valid YAML before `s init` renders it: one clear diagnostic.
            "devsapp__start-fc__async-task__python3__src__s.yaml" => {
                if analysis.diagnostics.len() != 1
                    || analysis.diagnostics[0].code != "registry-template"
                {
                    failures.push(format!(
                        "{name}: expected one registry-template diagnostic, got {:?}",
                        analysis.diagnostics
                    ));
                }
            }
            _ => {
                for e in &errors {
                    failures.push(format!(
                        "{name}: unexpected error {}: {}",
                        e.code, e.message
                    ));
                }
            }
        }
        let index = syntax_line_index(&text);
        for d in &analysis.diagnostics {
            let (line, col) = index(usize::from(d.range.start()));
            snapshot.push_str(&format!(
                "{name}:{}:{} {}[{}] {}\n",
                line + 1,
                col + 1,
                d.severity.as_str(),
                d.code,
                d.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    expect_test::expect_file!["snapshots/corpus.txt"].assert_eq(&snapshot);
}

fn syntax_line_index(text: &str) -> impl Fn(usize) -> (usize, usize) + '_ {
    move |offset| {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        (line, col)
    }
}

/// No false errors on `${...}` values anywhere in the corpus: no `unresolved-variable` error in
/// a file Serverless Devs itself resolves.
#[test]
fn corpus_magic_variables_never_give_false_errors() {
    let mut count = 0;
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "devsapp__fc3____tests____complete-props.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\r\n", "\n");
        count += text.matches("${").count();
        let input = FileInput {
            path: &path,
            text: &text,
            workspace: None,
        };
        let analysis = check(&input, &CorpusHost, CheckOptions::default());
        let false_errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| {
                d.severity == Severity::Error
                    && text[usize::from(d.range.start())..].starts_with("${")
            })
            .collect();
        assert!(false_errors.is_empty(), "{name}: {false_errors:#?}");
    }
    assert!(count > 200, "the corpus has {count} expressions");
}
