//! sdls's resolved model against the oracle: what Serverless Devs itself resolves each 3.0.0
//! corpus file to (`shared/corpus/resolved/*.json`, made with `@serverless-devs/parse-spec` for
//! `deploy` in preview mode, see its README).
//!
//! Every corpus file of the oracle's repositories is laid out once at its original repository
//! path (`s-yaml/SOURCES.md`; each repository in its own folder) under a fresh temporary root, so
//! `extend: base.yaml` finds its base and `${path('../../../')}` finds a folder. Each oracle file
//! is checked with an empty environment; for every oracle step the resource of that name is
//! compared (`component`, `props`), then the top-level `vars` (absent = `{}`), after the
//! temporary root is written as `<ROOT>`. Numbers compare by value. A file `s` rejects must get
//! an error diagnostic naming the same cause.
//!
//! The set of differing `(file, path)` pairs must equal `KNOWN_DIFFERENCES`, so that fixing one
//! or regressing one fails the test. Run order is printed, not compared: the model lists the
//! resources in file order (flow / output ordering is not applied to `Model::resources`); the
//! test only checks that the oracle reorders exactly where it marks steps with `order`.
//!
//! Run with `cargo test -p analysis --test oracle -- --nocapture` to see the full report.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "support/oracle.rs"]
mod oracle_support;

use analysis::{CheckOptions, FileInput, Host, PathKind, Severity, UnsetEnv, check};
use oracle_support::{Diff, TempRoot, diff, lay_out, oracles, rooted, shared, sources};
use serde_json::Value as J;

/// Every known difference: (oracle file, JSON path, reason). Classes: (a) an sdls resolver bug,
/// (b) a feature sdls does not have yet, (c) an oracle quirk, (d) sdls by design. `<error>` =
/// `s` rejects the file but sdls gives no error diagnostic with the default options.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "Serverless-Devs__Serverless-Devs____tests____fixtures__deploy__project-extend.json",
    "<error>",
    "(d) env('region') without default fails `s`; sdls warns (CheckOptions::default() has unset_env = Warn: the editor's env is not the run env); error[unset-env] with UnsetEnv::Error",
)];

/// The real file system, with an empty environment (as the oracle was made).
struct OracleHost;

impl Host for OracleHost {
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

#[test]
fn resolved_model_matches_serverless_devs() {
    let sources = sources();
    let oracles = oracles();
    assert!(oracles.len() >= 37, "{} oracle files", oracles.len());

    let root = TempRoot::new("oracle");
    let root_str = root.0.to_string_lossy().into_owned();
    let corpus = shared().join("s-yaml");

    // Lay out every corpus file of every repository that has an oracle file.
    lay_out(&root.0, &oracles, &sources);

    let mut report = String::new();
    let mut found: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut files_exact, mut files_compared, mut steps_exact, mut steps_total) = (0, 0, 0, 0);
    let (mut error_files, mut error_files_caught) = (0, 0);

    for oracle in &oracles {
        let o = &oracle.json;
        let yaml_name = o["file"].as_str().expect("file");
        let at = o["laid_out_at"].as_str().expect("laid_out_at");
        if let Some((_, src_at)) = sources.get(yaml_name) {
            assert_eq!(
                src_at, at,
                "{yaml_name}: SOURCES.md and the oracle disagree"
            );
        } else {
            // Not in SOURCES.md: lay it out now.
            let target = root.0.join(at);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(corpus.join(yaml_name), &target).unwrap();
        }
        let path = root.0.join(at);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\r\n", "\n");
        let input = FileInput {
            path: &path,
            text: &text,
            workspace: None,
        };
        let analysis = check(&input, &OracleHost, CheckOptions::default());
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}[{}] {}", d.severity.as_str(), d.code, d.message))
            .collect();

        report.push_str(&format!("\n== {} ({at})\n", oracle.name));

        if let Some(err) = o.get("error") {
            error_files += 1;
            let first = err.as_str().unwrap_or("").lines().last().unwrap_or("");
            report.push_str(&format!("  oracle error: {first}\n"));
            // The diagnostic that names the same cause as `s`'s message.
            let cause = if first.contains("env(") {
                "unset-env"
            } else {
                "unresolved-variable"
            };
            if errors.is_empty() {
                // A difference like any other (listed in KNOWN_DIFFERENCES when accepted).
                found.insert(
                    (oracle.name.clone(), "<error>".to_string()),
                    (first.to_string(), "no error diagnostic".to_string()),
                );
                report.push_str("  sdls: NO ERROR with the default options\n");
            }
            for d in &analysis.diagnostics {
                report.push_str(&format!(
                    "  sdls: {}[{}] {}\n",
                    d.severity.as_str(),
                    d.code,
                    d.message.replace(&root_str, "<ROOT>")
                ));
            }
            // With unset environment variables as errors (as `s` treats them), sdls must give
            // an error diagnostic for the same cause.
            let strict = check(
                &input,
                &OracleHost,
                CheckOptions {
                    unset_env: UnsetEnv::Error,
                },
            );
            let same_cause = strict
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error && d.code == cause);
            report.push_str(&format!(
                "  same cause as `s` (error[{cause}], with UnsetEnv::Error): {}\n",
                if same_cause { "yes" } else { "NO" }
            ));
            if same_cause {
                error_files_caught += 1;
            } else {
                failures.push(format!(
                    "{}: Serverless Devs rejects it ({first}) but sdls has no error[{cause}], even with UnsetEnv::Error",
                    oracle.name
                ));
            }
            continue;
        }
        files_compared += 1;
        for e in &errors {
            report.push_str(&format!(
                "  note: sdls error on a file s accepts for deploy: {}\n",
                e.replace(&root_str, "<ROOT>")
            ));
        }

        let Some(model) = analysis.model else {
            failures.push(format!("{}: no model", oracle.name));
            continue;
        };
        let mut diffs: Vec<Diff> = Vec::new();
        let steps = o["steps"].as_array().expect("steps");
        let oracle_order: Vec<&str> = steps
            .iter()
            .map(|s| s["projectName"].as_str().unwrap())
            .collect();
        for step in steps {
            steps_total += 1;
            let name = step["projectName"].as_str().unwrap();
            let before = diffs.len();
            match model.resources.iter().find(|r| r.name == name) {
                None => diffs.push((
                    format!("steps.{name}"),
                    "<a step>".into(),
                    "<absent>".into(),
                )),
                Some(r) => {
                    let component = rooted(r.component.to_json(), &root_str);
                    diff(
                        &format!("steps.{name}.component"),
                        step.get("component"),
                        Some(&component),
                        &mut diffs,
                    );
                    let props = rooted(r.props.to_json(), &root_str);
                    diff(
                        &format!("steps.{name}.props"),
                        step.get("props"),
                        Some(&props),
                        &mut diffs,
                    );
                }
            }
            if diffs.len() == before {
                steps_exact += 1;
            }
        }
        // Resources sdls has that `s` does not run for `deploy` (e.g. left out of a flow).
        for r in &model.resources {
            if !oracle_order.contains(&r.name.as_str()) {
                diffs.push((
                    format!("steps.{}", r.name),
                    "<absent>".into(),
                    "<a resource>".into(),
                ));
            }
        }
        let vars = rooted(model.vars.to_json(), &root_str);
        // An absent `vars` is `{}` for the oracle and may be null/{} for sdls.
        let oracle_vars = o
            .get("vars")
            .cloned()
            .unwrap_or(J::Object(Default::default()));
        let ours_vars = if vars.is_null() {
            J::Object(Default::default())
        } else {
            vars
        };
        diff("vars", Some(&oracle_vars), Some(&ours_vars), &mut diffs);

        // Order: informational only.
        let ours_order: Vec<&str> = model
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| oracle_order.contains(n))
            .collect();
        if ours_order != oracle_order {
            // sdls lists resources in file order; `s` only reorders them for a flow or for
            // `${resources.R.output...}` references, which the oracle marks with `order`.
            if !steps.iter().any(|s| s.get("order").is_some()) {
                failures.push(format!(
                    "{}: order differs although `s` keeps file order: oracle {oracle_order:?}, sdls {ours_order:?}",
                    oracle.name
                ));
            }
            report.push_str(&format!(
                "  order (not asserted, (b) run order): oracle {oracle_order:?}, sdls (file order) {ours_order:?}\n"
            ));
        }

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
        "\n{files_exact}/{files_compared} resolved files and {steps_exact}/{steps_total} steps match the oracle exactly; \
         {error_files_caught}/{error_files} files `s` rejects get an error for the same cause; \
         {} known differences\n",
        KNOWN_DIFFERENCES.len()
    ));
    println!("{report}");

    let known: BTreeSet<(String, String)> = KNOWN_DIFFERENCES
        .iter()
        .map(|(f, p, _)| (f.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        known.len(),
        KNOWN_DIFFERENCES.len(),
        "duplicate entries in KNOWN_DIFFERENCES"
    );
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

/// The comparison itself: numbers by value, every other difference reported with its path.
#[test]
fn comparison_reports_paths_and_compares_numbers_by_value() {
    let oracle: J = serde_json::json!({"a": 2, "b": {"c": [1, "x"]}, "d": "s", "e": true});
    let ours: J = serde_json::json!({"a": 2.0, "b": {"c": [1, "y", 3]}, "d": 1, "f": null});
    let mut out = Vec::new();
    diff("p", Some(&oracle), Some(&ours), &mut out);
    let paths: Vec<&str> = out.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["p.b.c.1", "p.b.c.2", "p.d", "p.e", "p.f"]);
    assert_eq!(out[3], ("p.e".into(), "true".into(), "<absent>".into()));
}
