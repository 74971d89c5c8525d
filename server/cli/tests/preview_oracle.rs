//! `sdls preview --format json` against the oracle: what Serverless Devs itself resolves each
//! 3.0.0 corpus file to (`shared/corpus/resolved/*.json`, `@serverless-devs/parse-spec` for
//! `deploy` in preview mode, see its README).
//!
//! Every corpus file of the oracle's repositories is laid out at its original repository path
//! (`laid_out_at`) under a fresh temporary root; the real binary runs in the file's folder with
//! only `PATH` and an empty `HOME` in its environment. Compared after the root is written as
//! `<ROOT>`: the steps' order (`projectName` sequence), each step's `component` and `props`, and
//! `vars` (numbers by value). A file `s` rejects must make `sdls preview` exit 2 with an error
//! naming the same expression.
//!
//! The set of differing `(file, path)` pairs must equal `KNOWN_DIFFERENCES`, so that fixing one
//! or regressing one fails the test. Run with `--nocapture` to see the report.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

#[path = "../../analysis/tests/support/oracle.rs"]
mod oracle_support;

use oracle_support::{Diff, TempRoot, diff, lay_out, oracles, rooted, shared, sources};
use serde_json::Value as J;

/// Every known difference: (oracle file, JSON path, reason). None today: every file matches.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

/// The expression an oracle error names: `env('region')` or `${functionName}`.
fn named_expression(error: &str) -> String {
    let last = error.lines().last().unwrap_or("");
    let message = last.strip_prefix("RuntimeError: ").unwrap_or(last);
    message
        .strip_suffix(" not found")
        .unwrap_or(message)
        .to_string()
}

#[test]
fn preview_json_matches_serverless_devs() {
    let sources = sources();
    let oracles = oracles();
    assert!(oracles.len() >= 37, "{} oracle files", oracles.len());

    let root = TempRoot::new("preview-oracle");
    let root_str = root.0.to_string_lossy().into_owned();
    let corpus = shared().join("s-yaml");
    let home = root.0.join(".empty-home");
    std::fs::create_dir_all(&home).unwrap();

    lay_out(&root.0, &oracles, &sources);

    let mut report = String::new();
    let mut found: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut files_exact, mut files_compared, mut error_files, mut error_files_caught) =
        (0, 0, 0, 0);

    for oracle in &oracles {
        let o = &oracle.json;
        let yaml_name = o["file"].as_str().expect("file");
        let at = o["laid_out_at"].as_str().expect("laid_out_at");
        if !sources.contains_key(yaml_name) {
            let target = root.0.join(at);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(corpus.join(yaml_name), &target).unwrap();
        }
        let path = root.0.join(at);
        let output = Command::new(env!("CARGO_BIN_EXE_sdls"))
            .args(["preview", "--format", "json"])
            .arg(path.file_name().unwrap())
            .current_dir(path.parent().unwrap())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .output()
            .expect("run sdls preview");
        let code = output.status.code();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&root_str, "<ROOT>");
        report.push_str(&format!("\n== {} ({at}) exit {code:?}\n", oracle.name));

        if let Some(err) = o.get("error") {
            error_files += 1;
            let expr = named_expression(err.as_str().unwrap_or(""));
            report.push_str(&format!("  oracle error names `{expr}`\n  sdls: {stderr}"));
            if code == Some(2) && stderr.contains(&expr) {
                error_files_caught += 1;
            } else {
                found.insert(
                    (oracle.name.clone(), "<error>".into()),
                    (expr, format!("exit {code:?}: {stderr}")),
                );
            }
            continue;
        }
        files_compared += 1;
        if code != Some(0) {
            found.insert(
                (oracle.name.clone(), "<exit>".into()),
                ("exit 0".into(), format!("exit {code:?}: {stderr}")),
            );
            continue;
        }
        let ours: J = match serde_json::from_str(&stdout) {
            Ok(j) => rooted(j, &root_str),
            Err(e) => {
                failures.push(format!(
                    "{}: output is not JSON ({e}): {stdout}",
                    oracle.name
                ));
                continue;
            }
        };
        let mut diffs: Vec<Diff> = Vec::new();
        let empty = Vec::new();
        let oracle_steps = o["steps"].as_array().expect("steps");
        let our_steps = ours["steps"].as_array().unwrap_or(&empty);
        let names = |steps: &[J]| -> Vec<String> {
            steps
                .iter()
                .map(|s| s["projectName"].as_str().unwrap_or("?").to_string())
                .collect()
        };
        let (oracle_order, our_order) = (names(oracle_steps), names(our_steps));
        if oracle_order != our_order {
            diffs.push((
                "steps.<order>".into(),
                format!("{oracle_order:?}"),
                format!("{our_order:?}"),
            ));
        }
        for step in oracle_steps {
            let name = step["projectName"].as_str().unwrap();
            match our_steps.iter().find(|s| s["projectName"] == name) {
                None => diffs.push((
                    format!("steps.{name}"),
                    "<a step>".into(),
                    "<absent>".into(),
                )),
                Some(ours) => {
                    for key in ["component", "props"] {
                        diff(
                            &format!("steps.{name}.{key}"),
                            step.get(key),
                            ours.get(key),
                            &mut diffs,
                        );
                    }
                }
            }
        }
        let oracle_vars = o
            .get("vars")
            .cloned()
            .unwrap_or(J::Object(Default::default()));
        diff("vars", Some(&oracle_vars), ours.get("vars"), &mut diffs);
        if diffs.is_empty() {
            files_exact += 1;
            report.push_str("  exact match\n");
        }
        for (p, a, b) in diffs {
            report.push_str(&format!("  {p}\n    oracle: {a}\n    sdls:   {b}\n"));
            found.insert((oracle.name.clone(), p), (a, b));
        }
    }

    report.push_str(&format!(
        "\n{files_exact}/{files_compared} files match the oracle exactly (order, projectName, component, props, vars); \
         {error_files_caught}/{error_files} files `s` rejects fail with the same expression; \
         {} known differences\n",
        KNOWN_DIFFERENCES.len()
    ));
    println!("{report}");

    let known: BTreeSet<(String, String)> = KNOWN_DIFFERENCES
        .iter()
        .map(|(f, p, _)| (f.to_string(), p.to_string()))
        .collect();
    let found_keys: BTreeSet<(String, String)> = found.keys().cloned().collect();
    for (file, path) in found_keys.difference(&known) {
        let (a, b) = &found[&(file.clone(), path.clone())];
        failures.push(format!(
            "new difference {file} {path}: oracle {a}, sdls {b}\n    (\"{file}\", \"{path}\", \"\"),"
        ));
    }
    for (file, path) in known.difference(&found_keys) {
        failures.push(format!(
            "known difference no longer seen (fixed? remove it from KNOWN_DIFFERENCES): {file} {path}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
