#![cfg(test)]
//! Real-world s.yaml files (the shared corpus) and the project's own quickstart example.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{json_files, sdls, workspace_root};

/// Placeholders everywhere (a props reference file): errors are expected.
const COMPLETE_PROPS: &str = "devsapp__fc3____tests____complete-props.yaml";
/// Exactly one `flow-format` error.
const REMOVE: &str = "Serverless-Devs__Serverless-Devs____tests____fixtures__remove__s.yaml";
/// A registry template (`{{ ... }}` placeholders): exactly one diagnostic, `registry-template`.
const ASYNC_TASK: &str = "devsapp__start-fc__async-task__python3__src__s.yaml";
/// An `extend:` child without `edition`: not s.yaml-like by name or content, so the walk skips it.
const EXTEND_CHILD: &str =
    "Serverless-Devs__Serverless-Devs____tests____fixtures__preview__extend__basic__s.yaml";

fn corpus_dir() -> Option<PathBuf> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml");
    match dir.canonicalize() {
        Ok(dir) => Some(dir),
        // The corpus is part of the test set (`../shared` beside the checkout): missing is a failure.
        Err(e) => panic!("the shared corpus is not at {}: {e}", dir.display()),
    }
}

fn path_str(p: &std::path::Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn corpus_has_no_errors_except_the_known_files() {
    let Some(corpus) = corpus_dir() else { return };
    let run = sdls(
        &workspace_root(),
        &["check", "--format", "json", path_str(&corpus)],
    );
    run.assert_code(2);
    let files = json_files(&run.json());

    // Every YAML file of the corpus was checked (except the edition-less extend child), in order.
    let mut on_disk: Vec<String> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .filter(|n| n != EXTEND_CHILD)
        .collect();
    on_disk.sort();
    let names: Vec<String> = files
        .iter()
        .map(|(p, _)| {
            let p = std::path::Path::new(p);
            assert!(
                p.starts_with(&corpus),
                "{} under the given directory",
                p.display()
            );
            p.file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, on_disk);
    assert!(names.len() >= 50, "the corpus has {} files", names.len());

    let mut seen = BTreeSet::new();
    let mut unexpected = Vec::new();
    for (path, diags) in &files {
        let name = std::path::Path::new(path)
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let errors: Vec<&serde_json::Value> =
            diags.iter().filter(|d| d["severity"] == "error").collect();
        let codes = |ds: &[&serde_json::Value]| -> Vec<String> {
            ds.iter()
                .map(|d| d["code"].as_str().unwrap_or("?").to_owned())
                .collect()
        };
        match name.as_str() {
            COMPLETE_PROPS => {
                seen.insert(COMPLETE_PROPS);
                assert!(
                    !errors.is_empty(),
                    "{name}: placeholders should give errors"
                );
            }
            REMOVE => {
                seen.insert(REMOVE);
                assert_eq!(codes(&errors), ["flow-format"], "{name}: {diags:#?}");
            }
            ASYNC_TASK => {
                seen.insert(ASYNC_TASK);
                let all: Vec<&serde_json::Value> = diags.iter().collect();
                assert_eq!(codes(&all), ["registry-template"], "{name}: {diags:#?}");
            }
            _ if !errors.is_empty() => unexpected.push(format!("{name}: {errors:#?}")),
            _ => {}
        }
    }
    assert_eq!(seen.len(), 3, "the three known files were checked");
    assert!(
        unexpected.is_empty(),
        "unexpected errors:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn corpus_sarif_validates_against_the_schema() {
    let Some(corpus) = corpus_dir() else { return };
    let run = sdls(
        &workspace_root(),
        &["check", "--format", "sarif", path_str(&corpus)],
    );
    run.assert_code(2);
    let log = run.json();
    common::assert_valid_sarif(&log);
}

#[test]
fn corpus_human_output_does_not_crash() {
    let Some(corpus) = corpus_dir() else { return };
    let run = sdls(&workspace_root(), &["check", path_str(&corpus)]);
    run.assert_code(2);
    let last = run.stdout.lines().last().expect("summary line");
    assert!(last.ends_with(" files"), "{last}");
}

#[test]
fn quickstart_example_is_clean() {
    let root = workspace_root();
    let run = sdls(&root, &["check", "examples/quickstart/s.yaml"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 1 file\n");
    assert_eq!(run.stderr, "");

    let run = sdls(
        &root,
        &["check", "--format", "json", "examples/quickstart/s.yaml"],
    );
    run.assert_code(0);
    assert_eq!(
        run.json(),
        serde_json::json!({"files": [{"path": "examples/quickstart/s.yaml", "diagnostics": []}]})
    );
}

#[test]
fn quickstart_example_is_clean_from_its_own_directory() {
    let run = sdls(&workspace_root().join("examples/quickstart"), &["check"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 1 file\n");
}
