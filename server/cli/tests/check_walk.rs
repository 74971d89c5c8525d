#![cfg(test)]
//! `sdls check DIR` walks the directory for s.yaml-like files, skipping hidden directories and
//! `node_modules`, and reports them sorted.

mod common;

use common::{CLEAN, TYPO_AND_RANGE, json_files, project, sdls, write};

/// A YAML that is not named like an s.yaml and has no top-level `edition` + `resources`.
const RANDOM_YAML: &str = "name: not-an-s-yaml\nitems:\n  - 1\n  - 2\n";

/// An s.yaml-like file under another name: top-level `edition` and `resources`.
const OTHER_S_YAML: &str = "\
edition: 3.0.0
name: other
resources:
  hello:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: other
      runtime: python3.10
      code: ../code
      handler: index.handler
";

fn paths_of(run: &common::Run) -> Vec<String> {
    json_files(&run.json())
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn directory_walk_picks_exactly_the_s_yaml_like_files_sorted() {
    let dir = project();
    let root = dir.path();
    // Written in an order unlike the sorted one, so sorting is really tested.
    write(root, "tree/d/random.yaml", RANDOM_YAML);
    write(root, "tree/c/other.yaml", OTHER_S_YAML);
    write(root, "tree/node_modules/x/s.yaml", TYPO_AND_RANGE);
    write(root, "tree/.hidden/s.yaml", TYPO_AND_RANGE);
    write(root, "tree/b/s-prod.yaml", CLEAN);
    write(root, "tree/a/s.yaml", CLEAN);

    let run = sdls(root, &["check", "--format", "json", "tree"]);
    run.assert_no_crash();
    assert_eq!(
        paths_of(&run),
        ["tree/a/s.yaml", "tree/b/s-prod.yaml", "tree/c/other.yaml"],
        "{}",
        run.describe()
    );
    // The skipped files had errors; none of them counted.
    assert_eq!(run.code(), 0, "{}", run.describe());
}

#[test]
fn directory_walk_recognises_every_naming_pattern() {
    let dir = project();
    let root = dir.path();
    write(root, "tree/s.yml", CLEAN);
    write(root, "tree/s-dev.yml", CLEAN);
    write(root, "tree/s-test.yaml", CLEAN);
    write(root, "tree/nested/deeper/s.yaml", CLEAN);
    write(
        root,
        "tree/legacy.yml",
        "edition: 1.0.0\nname: legacy\nservices:\n  a:\n    component: fc\n    props: {}\n",
    );
    // Not picked up: not YAML, or `edition`/`resources` only nested, or only one of them.
    write(root, "tree/s.json", "{}");
    write(root, "tree/s-notes.txt", "edition: 3.0.0\nresources:\n");
    write(
        root,
        "tree/nested.yaml",
        "config:\n  edition: 3.0.0\n  resources: {}\n",
    );
    write(root, "tree/edition-only.yaml", "edition: 3.0.0\nname: x\n");
    write(root, "tree/resources-only.yaml", "resources: {}\n");

    let run = sdls(root, &["check", "--format", "json", "tree"]);
    run.assert_no_crash();
    assert_eq!(
        paths_of(&run),
        [
            "tree/legacy.yml",
            "tree/nested/deeper/s.yaml",
            "tree/s-dev.yml",
            "tree/s-test.yaml",
            "tree/s.yml",
        ],
        "{}",
        run.describe()
    );
}

#[test]
fn directory_walk_human_summary_counts_walked_files() {
    let dir = project();
    let root = dir.path();
    write(root, "tree/a/s.yaml", TYPO_AND_RANGE);
    write(root, "tree/b/s-prod.yaml", CLEAN);
    write(root, "tree/node_modules/x/s.yaml", TYPO_AND_RANGE);
    let run = sdls(root, &["check", "tree"]);
    run.assert_code(2);
    assert!(
        run.stdout
            .contains("tree/a/s.yaml:14:16: error[out-of-range]"),
        "{}",
        run.describe()
    );
    assert!(!run.stdout.contains("node_modules"), "{}", run.describe());
    assert!(
        run.stdout.ends_with("1 error, 1 warning in 2 files\n"),
        "{}",
        run.describe()
    );
}

#[test]
fn files_and_directories_can_be_mixed() {
    let dir = project();
    let root = dir.path();
    write(root, "tree/b/s.yaml", CLEAN);
    write(root, "tree/a/s.yaml", CLEAN);
    write(root, "single.yaml", CLEAN);
    let run = sdls(root, &["check", "--format", "json", "single.yaml", "tree"]);
    run.assert_code(0);
    // An explicit file is checked whatever its name; directory results are sorted after it.
    assert_eq!(
        paths_of(&run),
        ["single.yaml", "tree/a/s.yaml", "tree/b/s.yaml"]
    );
}

#[test]
fn trailing_slash_and_dot_give_clean_relative_paths() {
    let dir = project();
    let root = dir.path();
    write(root, "tree/b/s.yml", CLEAN);
    write(root, "tree/a/s.yaml", CLEAN);
    let run = sdls(root, &["check", "--format", "json", "tree/"]);
    run.assert_code(0);
    assert_eq!(paths_of(&run), ["tree/a/s.yaml", "tree/b/s.yml"]);
    let run = sdls(&root.join("tree"), &["check", "--format", "json", "."]);
    run.assert_code(0);
    assert_eq!(paths_of(&run), ["./a/s.yaml", "./b/s.yml"]);
}

#[test]
fn a_directory_without_s_yaml_files_checks_nothing() {
    let dir = project();
    write(dir.path(), "tree/d/random.yaml", RANDOM_YAML);
    let run = sdls(dir.path(), &["check", "tree"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 0 files\n");
    let run = sdls(dir.path(), &["check", "--format", "json", "tree"]);
    run.assert_code(0);
    assert_eq!(run.json(), serde_json::json!({"files": []}));
}
