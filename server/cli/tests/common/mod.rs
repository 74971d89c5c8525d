//! Shared helpers for the `sdls` CLI integration tests: run the real binary in a clean
//! environment and inspect what it printed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub(crate) mod plan;

/// The `sdls` binary built by cargo for these tests.
pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sdls")
}

/// The workspace root (`/work/main` in the dev setup): `server/cli/../..`.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// What one run of `sdls` did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: std::process::ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) stdout_bytes: Vec<u8>,
}

impl Run {
    /// The exit code; panics (with the output) when the process was killed by a signal.
    pub(crate) fn code(&self) -> i32 {
        match self.status.code() {
            Some(code) => code,
            None => panic!(
                "sdls was killed by a signal: {:?}\n{}",
                self.status,
                self.describe()
            ),
        }
    }

    /// Asserts the process ended by itself (no signal), did not panic, and exited with `code`.
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        self.assert_no_crash();
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\n{}",
            self.describe()
        );
        self
    }

    /// Not killed by a signal, no Rust panic (exit 101, "panicked" on stderr).
    pub(crate) fn assert_no_crash(&self) -> &Self {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                self.status.signal(),
                None,
                "sdls was killed by a signal\n{}",
                self.describe()
            );
        }
        assert!(
            !self.stderr.contains("panicked"),
            "sdls panicked\n{}",
            self.describe()
        );
        assert_ne!(
            self.status.code(),
            Some(101),
            "sdls panicked\n{}",
            self.describe()
        );
        self
    }

    /// stdout parsed as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.describe()))
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `sdls ARGS` in `cwd` with an empty environment except a throwaway `HOME`, so that
/// no credentials, config or `${env(...)}` values of the developer leak into the results.
pub(crate) fn sdls<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S]) -> Run {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("HOME", home.path())
        .env("USERPROFILE", home.path());
    // Windows cannot start processes without these.
    for keep in ["SYSTEMROOT", "SystemRoot", "TEMP", "TMP"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run sdls");
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        stdout_bytes: stdout,
    }
}

/// Writes `contents` to `dir/rel`, creating parent directories.
pub(crate) fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent dirs");
    }
    std::fs::write(&path, contents).expect("write fixture");
    path
}

/// A temp project directory with an (empty) `code/` folder, so `code: ./code` resolves.
pub(crate) fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("code")).expect("code dir");
    write(
        dir.path(),
        "code/index.py",
        "def handler(event, context):\n    return 'hi'\n",
    );
    dir
}

/// Number of UTF-16 code units of `s` (the LSP `character` unit).
pub(crate) fn utf16_len(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}

/// The diagnostics of every file of a `--format json` report, as `(path, diagnostics)`.
pub(crate) fn json_files(report: &Value) -> Vec<(String, Vec<Value>)> {
    report["files"]
        .as_array()
        .expect("`files` is an array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("`path` is a string").to_owned(),
                f["diagnostics"]
                    .as_array()
                    .expect("`diagnostics` is an array")
                    .clone(),
            )
        })
        .collect()
}

/// `(line, character)` of a JSON diagnostic's range start or end.
pub(crate) fn pos(d: &Value, which: &str) -> (u64, u64) {
    let p = &d["range"][which];
    (
        p["line"].as_u64().expect("line is a number"),
        p["character"].as_u64().expect("character is a number"),
    )
}

/// A small valid fc3 project: no diagnostics at all.
pub(crate) const CLEAN: &str = "\
edition: 3.0.0
name: demo
access: default
resources:
  hello:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: hello
      runtime: python3.10
      code: ./code
      handler: index.handler
      memorySize: 512
      timeout: 60
";

/// Like `CLEAN` with one typo key (a warning) and no error.
pub(crate) const WARN_ONLY: &str = "\
edition: 3.0.0
name: demo
access: default
resources:
  hello:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: hello
      runtime: python3.10
      code: ./code
      handler: index.handler
      memorySzie: 512
      timeout: 60
";

/// One typo key (warning `unknown-property`) and one out-of-range value (error).
pub(crate) const TYPO_AND_RANGE: &str = "\
edition: 3.0.0
name: demo
access: default
resources:
  hello:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: hello
      runtime: python3.10
      code: ./code
      handler: index.handler
      memorySzie: 512
      timeout: 100000
";

/// A validator for the official SARIF 2.1.0 schema (`tests/fixtures/sarif-2.1.0.schema.json`),
/// with `format` validation on (so `uri` / `uri-reference` values are checked).
///
/// The schema's `language` patterns (of `run` and `toolComponent`),
/// `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, have a stray `]` that an ECMA-262 regex rejects,
/// so the schema fails its own meta-schema (`format: regex`) when formats are validated. They are
/// replaced in memory by the intended `^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`; sdls never writes
/// `language`, so this changes nothing else.
pub(crate) fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sarif-2.1.0.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("read the SARIF schema fixture");
    let mut schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    let fixed = fix_patterns(&mut schema);
    assert_eq!(
        fixed, 2,
        "schema fixture changed: expected run/toolComponent.language"
    );
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Asserts `log` is valid SARIF 2.1.0, listing every violation.
pub(crate) fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}\n{log:#}",
        errors.join("\n")
    );
}

/// Replaces the malformed `language` patterns of the SARIF schema; returns how many.
fn fix_patterns(v: &mut Value) -> usize {
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::Object(map) => {
            let mut n = 0;
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value == BAD {
                    *value = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    n += 1;
                } else {
                    n += fix_patterns(value);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(fix_patterns).sum(),
        _ => 0,
    }
}
