//! Helpers of the `sdls plan` tests: an `sdls emulator` process (killed on drop), a client of
//! sdls's own FC library pointed at it (user B's console), functions created the way fc3's first
//! `s deploy` creates them, and `sdls plan` run in a clean environment with the emulator's
//! credentials only (D18), each with a time limit.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fc::client::{Client, ClientConfig};
use fc::endpoint::{Endpoint, EndpointSource, Endpoints};
use fc::sign::AccessKey;
use fc::types::{Function, InputCodeLocation, Trigger};
use serde_json::{Map, Value, json};

use super::{Run, bin};

/// The account the emulator puts in ARNs and plan keys baselines by.
pub(crate) const ACCOUNT: &str = emulator::DEFAULT_ACCOUNT_ID;
pub(crate) const REGION: &str = "cn-hangzhou";

/// An `sdls emulator` child process on 127.0.0.1; killed (and reaped) on drop.
pub(crate) struct Emulator {
    child: Child,
    pub(crate) url: String,
    pub(crate) data: PathBuf,
    _owned: Option<tempfile::TempDir>,
}

impl Emulator {
    /// A fresh emulator with its own temp data directory.
    pub(crate) fn start(extra: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().expect("emulator data dir");
        let mut e = Emulator::start_on(dir.path(), extra);
        e._owned = Some(dir);
        e
    }

    /// An emulator on `data` (kept by the caller), with extra flags (`--latency-ms 20`, …).
    pub(crate) fn start_on(data: &Path, extra: &[&str]) -> Emulator {
        let home = data.join("home");
        std::fs::create_dir_all(&home).expect("emulator HOME");
        let mut child = Command::new(bin())
            .args(["emulator", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env_clear()
            .env("HOME", &home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sdls emulator");
        let stdout = child.stdout.take().expect("emulator stdout");
        let (tx, rx) = mpsc::channel();
        // Reads the banner's first line, then drains the rest so the pipe never fills.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let first = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the emulator printed no banner within 20 s");
            }
        };
        let url = match first.trim().strip_prefix("listening on ") {
            Some(url) if url.starts_with("http://127.0.0.1:") => url.to_string(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("unexpected emulator banner: {first:?}");
            }
        };
        Emulator {
            child,
            url,
            data: data.to_path_buf(),
            _owned: None,
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn hostport(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// sdls's FC client, direct to the emulator with its default credentials.
    pub(crate) fn console(&self) -> Console {
        Console::new(&self.url)
    }

    /// Replaces the emulator's faults at run time (`POST /__emulator/faults`).
    pub(crate) fn set_faults(&self, faults: &Value) {
        let rt = runtime();
        rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}/__emulator/faults", self.url))
                .timeout(Duration::from_secs(10))
                .json(faults)
                .send()
                .await
                .expect("POST /__emulator/faults");
            assert!(
                r.status().is_success(),
                "faults refused: {}",
                r.text().await.unwrap_or_default()
            );
        });
    }
}

impl Emulator {
    /// The request log entries with `seq` above `since` (`GET /__emulator/requests`).
    pub(crate) fn requests(&self, since: u64) -> Vec<Value> {
        runtime().block_on(async {
            let r = reqwest::Client::new()
                .get(format!("{}/__emulator/requests?since={since}", self.url))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .expect("GET /__emulator/requests");
            let body: Value = r.json().await.expect("request log JSON");
            body["requests"].as_array().cloned().unwrap_or_default()
        })
    }

    /// The highest `seq` of the request log (0 when empty).
    pub(crate) fn last_seq(&self) -> u64 {
        self.requests(0)
            .iter()
            .filter_map(|e| e["seq"].as_u64())
            .max()
            .unwrap_or(0)
    }

    /// `METHOD path` of every management write (not GET/HEAD) after `since`.
    pub(crate) fn writes_since(&self, since: u64) -> Vec<String> {
        self.requests(since)
            .iter()
            .filter(|e| !matches!(e["method"].as_str(), Some("GET" | "HEAD")))
            .map(|e| {
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap_or("?"),
                    e["path"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-thread runtime for blocking on client calls (the emulator is another process).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// "User B": changes made outside the file, through sdls's FC client.
pub(crate) struct Console {
    rt: tokio::runtime::Runtime,
    pub(crate) client: Client,
}

impl Console {
    pub(crate) fn new(url: &str) -> Console {
        let endpoint = Endpoint::parse(url, EndpointSource::RemoteFlag).expect("endpoint");
        let key = AccessKey::new(
            emulator::DEFAULT_ACCESS_KEY_ID,
            emulator::DEFAULT_ACCESS_KEY_SECRET,
        );
        let mut config = ClientConfig::new(Endpoints::single(endpoint, None), key, REGION);
        config.timeout = Duration::from_secs(20);
        Console {
            rt: runtime(),
            client: Client::new(config).expect("client"),
        }
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Creates the function and its triggers as fc3's first deploy does (see [`fc3_requests`]).
    pub(crate) fn deploy_like_fc3(&self, props: &Value) {
        let (function, triggers) = fc3_requests(props);
        let name = function.function_name.clone().expect("functionName");
        self.block_on(async {
            self.client
                .create_function(&function)
                .await
                .unwrap_or_else(|e| panic!("CreateFunction {name}: {e}"));
            for t in &triggers {
                self.client
                    .create_trigger(&name, t)
                    .await
                    .unwrap_or_else(|e| panic!("CreateTrigger {name}: {e}"));
            }
        });
    }

    /// UpdateFunction with a partial body (`{"memorySize": 1024}`).
    pub(crate) fn update_function(&self, name: &str, patch: Value) {
        let body: Function = serde_json::from_value(patch).expect("function patch");
        self.block_on(self.client.update_function(name, &body))
            .unwrap_or_else(|e| panic!("UpdateFunction {name}: {e}"));
    }

    pub(crate) fn delete_function_and_triggers(&self, name: &str) {
        self.block_on(async {
            let triggers = self
                .client
                .list_triggers(name, &fc::client::ListQuery::default())
                .await
                .expect("ListTriggers");
            for t in triggers {
                let t = t.trigger_name.expect("trigger name");
                self.client
                    .delete_trigger(name, &t)
                    .await
                    .expect("DeleteTrigger");
            }
            self.client
                .delete_function(name)
                .await
                .expect("DeleteFunction");
        });
    }

    pub(crate) fn create_trigger(&self, function: &str, trigger: &Value) {
        let t = trigger_request(trigger);
        self.block_on(self.client.create_trigger(function, &t))
            .unwrap_or_else(|e| panic!("CreateTrigger {function}: {e}"));
    }
}

/// What fc3's first `s deploy -y` sends for `props` (serverless-devs.md §1.8.4, §2.1.2): the
/// CreateFunction body with fc3's defaults (memorySize 512, and then cpu 0.35 + diskSize 512,
/// timeout 3, internetAccess true, description "", instanceConcurrency 1 for custom runtimes),
/// an empty zip as code, and one CreateTrigger per trigger with `triggerConfig` as JSON text and
/// qualifier LATEST. `props` is the resource's props as written in the file.
pub(crate) fn fc3_requests(props: &Value) -> (Function, Vec<Trigger>) {
    let Value::Object(props) = props else {
        panic!("props must be an object")
    };
    let mut body: Map<String, Value> = props
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "region" | "code" | "triggers"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    body.entry("internetAccess").or_insert(json!(true));
    body.entry("description").or_insert(json!(""));
    body.entry("memorySize").or_insert(json!(512));
    body.entry("timeout").or_insert(json!(3));
    let runtime = props["runtime"].as_str().unwrap_or("").to_string();
    if runtime.starts_with("custom") {
        body.entry("instanceConcurrency").or_insert(json!(1));
    }
    if body["memorySize"] == json!(512)
        && !body.contains_key("cpu")
        && !body.contains_key("diskSize")
    {
        body.insert("cpu".into(), json!(0.35));
        body.insert("diskSize".into(), json!(512));
    }
    let mut function: Function = serde_json::from_value(Value::Object(body)).expect("body");
    function.code = Some(InputCodeLocation {
        zip_file: Some(ops::seed::EMPTY_ZIP_BASE64.into()),
        ..InputCodeLocation::default()
    });
    let triggers = props
        .get("triggers")
        .and_then(Value::as_array)
        .map(|ts| ts.iter().map(trigger_request).collect())
        .unwrap_or_default();
    (function, triggers)
}

/// A trigger of the file as fc3 sends it.
pub(crate) fn trigger_request(t: &Value) -> Trigger {
    Trigger {
        trigger_name: t["triggerName"].as_str().map(str::to_string),
        trigger_type: t["triggerType"].as_str().map(str::to_string),
        trigger_config: Some(t["triggerConfig"].to_string()),
        qualifier: Some(t["qualifier"].as_str().unwrap_or("LATEST").to_string()),
        description: t["description"].as_str().map(str::to_string),
        ..Trigger::default()
    }
}

/// An edition 3.0.0 s.yaml with one fc3 resource per `(resource, props)`.
pub(crate) fn s_yaml(resources: &[(&str, &Value)]) -> String {
    let mut out = String::from("edition: 3.0.0\nname: drift\naccess: default\nresources:\n");
    for (name, props) in resources {
        out.push_str(&format!("  {name}:\n    component: fc3\n    props:\n"));
        yaml_block(props, 6, &mut out);
    }
    out
}

/// Block YAML of a JSON object (strings double-quoted: JSON strings are YAML strings).
fn yaml_block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml_block(v, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml_block(v, indent + 2, out);
                    }
                    other => out.push_str(&format!("{pad}{k}: {other}\n")),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let mut inner = String::new();
                        yaml_block(item, indent + 2, &mut inner);
                        // First line gets the dash.
                        let inner = inner.replacen(&format!("{pad}  "), &format!("{pad}- "), 1);
                        out.push_str(&inner);
                    }
                    other => out.push_str(&format!("{pad}- {other}\n")),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

/// A project folder: `s.yaml` with `text` and a small `code/` folder.
pub(crate) fn project_with(text: &str) -> tempfile::TempDir {
    let dir = super::project();
    super::write(dir.path(), "s.yaml", text);
    dir
}

/// Runs `sdls plan ARGS` in `cwd` against `remote` (an emulator URL, or any `--remote` value)
/// with only PATH, a throwaway HOME and `env` set; at most `limit` of wall time.
pub(crate) fn plan_with_env(
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> Run {
    sdls_with_env("plan", cwd, args, env, limit)
}

/// `sdls SUBCOMMAND ARGS --remote URL` with the emulator's credentials only (no terminal).
pub(crate) fn against(subcommand: &str, cwd: &Path, emulator: &Emulator, args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--remote", emulator.url.as_str()]);
    sdls_with_env(
        subcommand,
        cwd,
        &all,
        &credentials(),
        Duration::from_secs(120),
    )
}

/// `sdls SUBCOMMAND ARGS` with only PATH, a throwaway HOME and `env`; stdin is not a terminal.
pub(crate) fn sdls_with_env(
    subcommand: &str,
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> Run {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = Command::new(bin());
    cmd.arg(subcommand)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("HOME", home.path());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_bounded(cmd, limit)
}

/// `(resource, status)` of every function, from `sdls plan --format json` against `emulator`.
pub(crate) fn plan_statuses(dir: &Path, emulator: &Emulator) -> Vec<(String, String)> {
    let run = plan(dir, emulator, &["--format", "json"]);
    run.assert_no_crash();
    statuses(&run.json())
}

/// `[("a", "b")]` as owned pairs, to compare with [`plan_statuses`].
pub(crate) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `sdls plan ARGS --remote URL` with the emulator's credentials in the env trio.
pub(crate) fn plan(cwd: &Path, emulator: &Emulator, args: &[&str]) -> Run {
    against("plan", cwd, emulator, args)
}

/// The env trio of the emulator's default local credentials.
pub(crate) fn credentials() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AccountID", emulator::DEFAULT_ACCOUNT_ID),
        ("AccessKeyID", emulator::DEFAULT_ACCESS_KEY_ID),
        ("AccessKeySecret", emulator::DEFAULT_ACCESS_KEY_SECRET),
    ]
}

/// Runs `cmd` with piped output, killing it after `limit`.
pub(crate) fn run_bounded(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run sdls");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait sdls") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sdls did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_thread.join().expect("stdout reader");
    let stderr = err_thread.join().expect("stderr reader");
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        stdout_bytes: stdout,
    }
}

/// The report's function entry for `resource`.
pub(crate) fn function<'a>(report: &'a Value, resource: &str) -> &'a Value {
    report["functions"]
        .as_array()
        .expect("functions is an array")
        .iter()
        .find(|f| f["resource"] == resource)
        .unwrap_or_else(|| panic!("no function {resource} in {report:#}"))
}

/// `(resource, status)` of every function, in report order.
pub(crate) fn statuses(report: &Value) -> Vec<(String, String)> {
    report["functions"]
        .as_array()
        .expect("functions is an array")
        .iter()
        .map(|f| {
            (
                f["resource"].as_str().expect("resource").to_string(),
                f["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// The baseline file plan/deploy keeps for `function`.
pub(crate) fn baseline_path(dir: &Path, function: &str) -> PathBuf {
    dir.join(".s")
        .join("deployed")
        .join(format!("{ACCOUNT}-{REGION}-{function}.json"))
}
