//! The oracle's corpus layout and comparison, shared by the resolver's oracle test
//! (`analysis/tests/oracle.rs`) and `sdls preview`'s (`cli/tests/preview_oracle.rs`, which
//! includes this file by path): the temporary root, where each corpus file was laid out
//! (`s-yaml/SOURCES.md`), the oracle files, `<ROOT>` substitution and a by-value JSON diff.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as J;

/// A temporary folder, removed when dropped.
pub(crate) struct TempRoot(pub(crate) PathBuf);

impl TempRoot {
    pub(crate) fn new(kind: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("sdls-{kind}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the temporary root");
        // The oracle's `<ROOT>` is an absolute path without symlinks (Node's `path.resolve` of
        // the real cwd); canonicalise so that `/tmp` symlinks do not leak into the values.
        let dir = dir.canonicalize().expect("canonical temporary root");
        TempRoot(dir)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// `file name in s-yaml/` -> (`owner__repo`, laid-out path `owner__repo/<path in repo>`), from
/// the table of `s-yaml/SOURCES.md`.
pub(crate) fn sources() -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(shared().join("s-yaml/SOURCES.md")).expect("SOURCES.md");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | # | `file` | owner/repo | `path` | branch | ...
        if cells.len() < 6 || cells[1].parse::<u32>().is_err() {
            continue;
        }
        let file = cells[2].trim_matches('`').to_string();
        let repo = cells[3].replace('/', "__");
        let path = cells[4].trim_matches('`');
        out.insert(file, (repo.clone(), format!("{repo}/{path}")));
    }
    out
}

pub(crate) struct Oracle {
    pub(crate) name: String,
    pub(crate) json: J,
}

pub(crate) fn oracles() -> Vec<Oracle> {
    let dir = shared().join("resolved");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("oracle at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| Oracle {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            json: serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        })
        .collect()
}

/// Replaces the temporary root by `<ROOT>` in every string.
pub(crate) fn rooted(value: J, root: &str) -> J {
    match value {
        J::String(s) => J::String(s.replace(root, "<ROOT>")),
        J::Array(items) => J::Array(items.into_iter().map(|v| rooted(v, root)).collect()),
        J::Object(map) => J::Object(map.into_iter().map(|(k, v)| (k, rooted(v, root))).collect()),
        other => other,
    }
}

pub(crate) fn show(v: Option<&J>) -> String {
    match v {
        None => "<absent>".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 160 {
                format!("{}…", s.chars().take(160).collect::<String>())
            } else {
                s
            }
        }
    }
}

/// One difference: path, oracle value, sdls value.
pub(crate) type Diff = (String, String, String);

/// Recursive comparison; numbers by value, object keys as sets, arrays by index.
pub(crate) fn diff(path: &str, oracle: Option<&J>, ours: Option<&J>, out: &mut Vec<Diff>) {
    match (oracle, ours) {
        (None, None) => {}
        (Some(J::Object(a)), Some(J::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                diff(&format!("{path}.{k}"), a.get(k), b.get(k), out);
            }
        }
        (Some(J::Array(a)), Some(J::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                diff(&format!("{path}.{i}"), a.get(i), b.get(i), out);
            }
        }
        (Some(J::Number(a)), Some(J::Number(b))) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        (a, b) => out.push((path.to_string(), show(a), show(b))),
    }
}

/// Lays out, under `root`, every corpus file of every repository that has an oracle file, at its
/// original repository path (`laid_out_at`).
pub(crate) fn lay_out(
    root: &Path,
    oracles: &[Oracle],
    sources: &BTreeMap<String, (String, String)>,
) {
    let corpus = shared().join("s-yaml");
    let repos: BTreeSet<String> = oracles
        .iter()
        .map(|o| {
            let at = o.json["laid_out_at"].as_str().expect("laid_out_at");
            at.split('/').next().unwrap().to_string()
        })
        .collect();
    for (file, (repo, at)) in sources {
        if !repos.contains(repo) {
            continue;
        }
        let target = root.join(at);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(corpus.join(file), &target)
            .unwrap_or_else(|e| panic!("lay out {file} at {at}: {e}"));
    }
}
