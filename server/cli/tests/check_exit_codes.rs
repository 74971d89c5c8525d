#![cfg(test)]
//! `sdls check` exit codes: 0 without errors (warnings allowed), 2 with errors, 1 when the tool
//! itself fails (unreadable path, bad arguments); `--help`/`--version` exit 0.

mod common;

use common::{CLEAN, TYPO_AND_RANGE, WARN_ONLY, project, sdls, write};

#[test]
fn clean_file_exits_0_without_diagnostics() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "s.yaml"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 1 file\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn warnings_only_exit_0() {
    let dir = project();
    write(dir.path(), "s.yaml", WARN_ONLY);
    let run = sdls(dir.path(), &["check", "s.yaml"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("s.yaml:13:7: warning[unknown-property]"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.ends_with("0 errors, 1 warning in 1 file\n"),
        "{}",
        run.describe()
    );
}

#[test]
fn errors_exit_2_in_every_format() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    for format in ["human", "json", "sarif"] {
        let run = sdls(dir.path(), &["check", "--format", format, "s.yaml"]);
        run.assert_code(2);
        assert_eq!(run.stderr, "", "format {format}");
    }
}

#[test]
fn missing_path_exits_1_naming_the_path() {
    let dir = project();
    let run = sdls(dir.path(), &["check", "no-such-dir/s.yaml"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("no-such-dir/s.yaml"),
        "stderr should name the path\n{}",
        run.describe()
    );
    assert_eq!(run.stdout, "", "no report for a failed run");
}

#[test]
fn missing_path_among_good_files_still_exits_1() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "s.yaml", "missing.yaml"]);
    run.assert_code(1);
    assert!(run.stderr.contains("missing.yaml"), "{}", run.describe());
}

#[test]
fn unknown_flag_exits_1() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "--no-such-flag", "s.yaml"]);
    run.assert_code(1);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.describe());
}

#[test]
fn unknown_format_exits_1() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "--format", "xml", "s.yaml"]);
    run.assert_code(1);
    assert!(run.stderr.contains("xml"), "{}", run.describe());
    assert_eq!(run.stdout, "");
}

#[test]
fn unknown_subcommand_and_no_subcommand_exit_1() {
    let dir = project();
    sdls(dir.path(), &["frobnicate"]).assert_code(1);
    sdls(dir.path(), &[] as &[&str]).assert_code(1);
}

#[test]
fn help_and_version_exit_0() {
    let dir = project();
    for args in [
        &["--help"][..],
        &["-h"],
        &["check", "--help"],
        &["help", "check"],
    ] {
        let run = sdls(dir.path(), args);
        run.assert_code(0);
        assert!(run.stdout.contains("Usage"), "{args:?}\n{}", run.describe());
    }
    let run = sdls(dir.path(), &["--version"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout.trim(),
        format!("sdls {}", env!("CARGO_PKG_VERSION"))
    );
    let help = sdls(dir.path(), &["check", "--help"]);
    for word in ["--format", "human", "json", "sarif"] {
        assert!(help.stdout.contains(word), "check --help mentions {word}");
    }
}

#[test]
fn no_args_without_s_yaml_exits_1() {
    let dir = project();
    // A YAML file that is not called s.yaml is not picked up implicitly.
    write(dir.path(), "other.yaml", CLEAN);
    let run = sdls(dir.path(), &["check"]);
    run.assert_code(1);
    assert!(run.stderr.contains("s.yaml"), "{}", run.describe());
    assert_eq!(run.stdout, "");
}

#[test]
fn no_args_checks_s_yaml_in_the_current_directory() {
    let dir = project();
    write(dir.path(), "s.yaml", TYPO_AND_RANGE);
    let run = sdls(dir.path(), &["check"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("s.yaml:14:16: error[out-of-range]"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.ends_with("1 error, 1 warning in 1 file\n"),
        "{}",
        run.describe()
    );

    let clean = project();
    write(clean.path(), "s.yaml", CLEAN);
    let run = sdls(clean.path(), &["check"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 1 file\n");
}

#[test]
fn no_args_falls_back_to_s_yml_and_prefers_s_yaml() {
    let dir = project();
    write(dir.path(), "s.yml", TYPO_AND_RANGE);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(2);
    assert_eq!(run.json()["files"][0]["path"], "s.yml");

    // With both present, s.yaml wins (and it is clean here).
    write(dir.path(), "s.yaml", CLEAN);
    let run = sdls(dir.path(), &["check", "--format", "json"]);
    run.assert_code(0);
    let files = run.json()["files"].as_array().expect("files").clone();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], "s.yaml");
}

#[test]
fn errors_in_any_file_make_the_whole_run_exit_2() {
    let dir = project();
    write(dir.path(), "s.yaml", CLEAN);
    write(dir.path(), "s-bad.yaml", TYPO_AND_RANGE);
    let run = sdls(dir.path(), &["check", "s.yaml", "s-bad.yaml"]);
    run.assert_code(2);
    assert!(
        run.stdout.ends_with("1 error, 1 warning in 2 files\n"),
        "{}",
        run.describe()
    );
}
