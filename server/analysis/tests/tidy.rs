//! Project rules no linter checks (style-anchors P1, P13, P14): `syntax` and `analysis` stay pure
//! (a short dependency allow-list, no file system, environment, clock or printing), every source
//! file opens with a `//!` paragraph, and no test is skipped.
#![cfg(test)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `[dependencies]` names of a crate's Cargo.toml.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps
            && !line.is_empty()
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once(['=', '.'])
        {
            out.push(name.trim().to_string());
        }
    }
    out
}

#[test]
fn pure_crates_keep_a_short_dependency_list() {
    let allowed = [
        "syntax",
        "saphyr-parser",
        "serde_json",
        "jsonschema",
        "strsim",
        "line-index",
        "text-size",
        "thiserror",
        // `${regex('…')}` flow keys (§1.6); pure, and already under jsonschema.
        "regex",
    ];
    for krate in ["syntax", "analysis"] {
        let deps = dependencies(&root().join(krate).join("Cargo.toml"));
        for dep in deps {
            assert!(
                allowed.contains(&dep.as_str()),
                "{krate} depends on `{dep}`, which is not on the pure-crate allow-list"
            );
        }
    }
}

#[test]
fn pure_crates_do_no_io() {
    let forbidden = [
        "std::fs",
        "std::env",
        "SystemTime",
        "Instant::now",
        "println!",
        "eprintln!",
        "std::process",
        "std::net",
        "tokio",
    ];
    for krate in ["syntax", "analysis"] {
        let mut files = Vec::new();
        rust_files(&root().join(krate).join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for word in forbidden {
                assert!(
                    !text.contains(word),
                    "{} mentions `{word}`: syntax and analysis do no IO",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    for krate in ["syntax", "analysis", "fc", "cli"] {
        let mut files = Vec::new();
        rust_files(&root().join(krate).join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.starts_with("//!"),
                "{} must start with a `//!` paragraph saying what it is for",
                file.display()
            );
        }
    }
}

#[test]
fn no_test_is_skipped() {
    for krate in ["syntax", "analysis", "fc", "cli"] {
        let mut files = Vec::new();
        for dir in ["src", "tests"] {
            let path = root().join(krate).join(dir);
            if path.exists() {
                rust_files(&path, &mut files);
            }
        }
        for file in files {
            if file.ends_with("tidy.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                !text.contains("#[ignore"),
                "{} skips a test",
                file.display()
            );
            assert!(
                !text.contains("#[should_panic"),
                "{} has a should_panic test",
                file.display()
            );
        }
    }
}
