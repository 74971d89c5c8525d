//! lsp-bench: compares language servers for `s.yaml` (sdls, yaml-language-server) over stdio on
//! generated files of N fc3 functions, with one minimal client for all of them.
//!
//! cargo run --release -p lsp-bench -- \
//!   --server 'target/release/sdls serve --stdio' --name sdls \
//!   --server 'node tests/.cache/yaml-ls/node_modules/yaml-language-server/bin/yaml-language-server --stdio' \
//!   --name yaml-language-server --functions 10,1000,5000 --out results.md --json results.json

mod generate;
mod lsp;
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::{Value, json};

use generate::{Generated, HOVER_CHARACTER, PROPS_INDENT, file_uri, write_workspace};
use lsp::{Server, Settings, peak_rss_kib};
use report::RunResult;

/// yaml-language-server's fixed trailing debounce before every validation (peers.md §1.6): a
/// constant with no setting, subtracted in the "without delay" figures.
const YAML_LS_DELAY_MS: f64 = 200.0;

#[derive(Parser, Debug)]
#[command(about = "Benchmarks s.yaml language servers over stdio")]
struct Args {
    /// Server command line, run through `sh -c 'exec CMD'` (repeatable).
    #[arg(long = "server", required = true)]
    servers: Vec<String>,
    /// Display name for each `--server`, in the same order.
    #[arg(long = "name")]
    names: Vec<String>,
    /// File sizes, in fc3 functions.
    #[arg(long, value_delimiter = ',', default_value = "10,1000,5000")]
    functions: Vec<usize>,
    /// Repetitions of each edit, hover and completion measurement.
    #[arg(long, default_value_t = 30)]
    iterations: usize,
    /// Upper bound in seconds for each repeated phase (at least 3 samples are taken).
    #[arg(long, default_value_t = 90)]
    phase_budget_secs: u64,
    /// Timeout in seconds for any single wait (initialize, diagnostics, a response).
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// Directory with s.schema.json, fc3.schema.json, fc3-domain.schema.json, fc.schema.json.
    #[arg(long)]
    schemas: Option<PathBuf>,
    /// Write the markdown report here too.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Keep the generated workspaces (their paths are printed).
    #[arg(long)]
    keep_dirs: bool,
    /// `NAME=MS`: the fixed publish delay of server NAME, subtracted in the "without its delay"
    /// figures (default: 200 for a server whose serverInfo says yaml-language-server, else none;
    /// `NAME=0` for a copy patched to no delay).
    #[arg(long = "delay", value_parser = parse_delay)]
    delays: Vec<(String, f64)>,
    /// Log each phase to stderr.
    #[arg(long, short)]
    verbose: bool,
}

fn parse_delay(s: &str) -> Result<(String, f64), String> {
    let (name, ms) = s.rsplit_once('=').ok_or("expected NAME=MS")?;
    let ms: f64 = ms.trim().parse().map_err(|e| format!("{ms}: {e}"))?;
    Ok((name.to_string(), ms))
}

struct Cfg {
    iterations: usize,
    budget: Duration,
    timeout: Duration,
    verbose: bool,
}

impl Cfg {
    fn log(&self, t0: Instant, what: &str) {
        if self.verbose {
            eprintln!("   [{:>8.1} ms] {what}", ms(t0.elapsed()));
        }
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.names.is_empty() && args.names.len() != args.servers.len() {
        bail!("give one --name per --server (or none)");
    }
    let schemas = args
        .schemas
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas"));
    let schemas = schemas
        .canonicalize()
        .with_context(|| format!("schema directory {}", schemas.display()))?;
    let cfg = Cfg {
        iterations: args.iterations.max(1),
        budget: Duration::from_secs(args.phase_budget_secs),
        timeout: Duration::from_secs(args.timeout_secs),
        verbose: args.verbose,
    };
    let mut results = Vec::new();
    for &n in &args.functions {
        let generated = Generated::new(n);
        let dir = tempfile::Builder::new().prefix("lsp-bench-").tempdir()?;
        let dir_path = dir.path().canonicalize()?;
        let text = generated.text("512", false);
        let schema_uri = write_workspace(&dir_path, &schemas, &text)?;
        eprintln!(
            "== {n} functions ({} lines, {} KiB) in {}",
            generated.lines(),
            text.len() / 1024,
            dir_path.display()
        );
        for (i, cmd) in args.servers.iter().enumerate() {
            let name = args
                .names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("server{}", i + 1));
            eprintln!("-- {name}");
            let delay = args
                .delays
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, d)| *d);
            let result = run_one(&cfg, &name, cmd, delay, &dir_path, &schema_uri, &generated);
            for e in &result.errors {
                eprintln!("   error: {e}");
            }
            eprintln!("   {}", report::one_line(&result));
            results.push(result);
        }
        if args.keep_dirs {
            let kept = dir.keep();
            eprintln!("kept {}", kept.display());
        }
    }
    let md = report::markdown(&results, cfg.iterations);
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md).with_context(|| format!("writing {}", out.display()))?;
    }
    if let Some(path) = &args.json {
        let doc = json!({
            "iterations": cfg.iterations,
            "yaml_language_server_delay_ms": YAML_LS_DELAY_MS,
            "results": results.iter().map(RunResult::to_json).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One server on one file size: a fresh process, every measurement, then shutdown and kill.
fn run_one(
    cfg: &Cfg,
    name: &str,
    cmd: &str,
    delay: Option<f64>,
    dir: &Path,
    schema_uri: &str,
    generated: &Generated,
) -> RunResult {
    let mut result = RunResult::new(name, generated.functions, generated.lines());
    let settings = Settings {
        yaml: json!({
            "validate": true,
            "hover": true,
            "completion": true,
            "schemas": { schema_uri: ["s.yaml"] },
            "schemaStore": { "enable": false },
            "kubernetesCRDStore": { "enable": false },
            "format": { "enable": false },
        }),
    };
    let t0 = Instant::now();
    let mut server = match Server::spawn(cmd, dir, settings) {
        Ok(s) => s,
        Err(e) => {
            result.errors.push(format!("{e:#}"));
            return result;
        }
    };
    if let Err(e) = measure(cfg, &mut server, t0, dir, generated, &mut result) {
        result.errors.push(format!("{e:#}"));
    }
    if let Some(d) = delay {
        result.fixed_delay_ms = (d > 0.0).then_some(d);
    }
    result.peak_rss_kib = peak_rss_kib(server.pid);
    result.server_requests = server
        .server_requests
        .lock()
        .map(|r| {
            let mut r = r.clone();
            r.sort();
            r.dedup();
            r
        })
        .unwrap_or_default();
    server.stop();
    result
}

fn diagnostics_for<'a>(m: &'a Value, uri: &str) -> Option<&'a Value> {
    (m.get("method").and_then(Value::as_str) == Some("textDocument/publishDiagnostics")
        && m["params"]["uri"].as_str() == Some(uri))
    .then(|| &m["params"])
}

/// Waits for the diagnostics of `uri` that answer document `version`: a publish carrying that
/// version, or — for a server that sends no version — the first publish after the change.
fn wait_diagnostics(
    server: &mut Server,
    timeout: Duration,
    uri: &str,
    version: i64,
) -> Result<(Instant, Value)> {
    let m = server.wait_for(
        timeout,
        &format!("diagnostics for version {version}"),
        |m| {
            diagnostics_for(m, uri).is_some_and(|p| {
                match p.get("version").and_then(Value::as_i64) {
                    Some(v) => v == version,
                    None => true,
                }
            })
        },
    )?;
    Ok((m.at, m.msg["params"]["diagnostics"].clone()))
}

fn change(server: &Server, uri: &str, version: i64, text: &str) -> Result<()> {
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text }],
        }),
    )
}

fn measure(
    cfg: &Cfg,
    server: &mut Server,
    t0: Instant,
    dir: &Path,
    generated: &Generated,
    result: &mut RunResult,
) -> Result<()> {
    let root = file_uri(dir);
    let uri = file_uri(&dir.join("s.yaml"));
    let id = server.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "clientInfo": { "name": "lsp-bench" },
            "rootUri": root,
            "rootPath": dir,
            "workspaceFolders": [{ "uri": root, "name": "bench" }],
            "capabilities": {
                "workspace": {
                    "configuration": true,
                    "workspaceFolders": true,
                    "didChangeConfiguration": { "dynamicRegistration": true },
                },
                "textDocument": {
                    "synchronization": { "dynamicRegistration": false },
                    "publishDiagnostics": { "versionSupport": true },
                    "hover": { "contentFormat": ["markdown", "plaintext"] },
                    "completion": { "completionItem": { "snippetSupport": true } },
                },
                "window": { "workDoneProgress": true },
                "general": { "positionEncodings": ["utf-16"] },
            },
        }),
    )?;
    let init = server.wait_response(id, cfg.timeout)?;
    result.startup_ms = Some(ms(init.at - t0));
    let info = &init.msg["result"]["serverInfo"];
    result.server_info = format!(
        "{} {}",
        info["name"].as_str().unwrap_or("?"),
        info["version"].as_str().unwrap_or("")
    )
    .trim()
    .to_string();
    let is_yaml_ls = info["name"].as_str() == Some("yaml-language-server");
    if is_yaml_ls {
        result.fixed_delay_ms = Some(YAML_LS_DELAY_MS);
    }
    cfg.log(t0, "initialize answered");
    server.notify("initialized", json!({}))?;
    // Settings are pulled after `initialized`; wait for that pull to be answered (a server that
    // never asks gets 2 s), then for the server to go quiet, so the open starts from a settled
    // server with its settings (and schema association) in place.
    server.wait_config(1, Duration::from_secs(if is_yaml_ls { 10 } else { 2 }))?;
    cfg.log(
        t0,
        &format!("settings pulled {} time(s)", server.config_requests),
    );
    server.settle(Duration::from_millis(300), Duration::from_secs(5))?;
    cfg.log(t0, "settled; opening");

    // open → diagnostics
    let text = generated.text("512", false);
    let mut version = 1;
    let t = Instant::now();
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": version, "text": text } }),
    )?;
    let (at, diags) = wait_diagnostics(server, cfg.timeout, &uri, version)?;
    result.open_ms = Some(ms(at - t));
    result.open_diagnostics = diags.as_array().map_or(0, Vec::len);
    result.open_diagnostic_samples = diags
        .as_array()
        .into_iter()
        .flatten()
        .take(5)
        .map(|d| {
            let m: String = d["message"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(120)
                .collect();
            format!("line {}: {m}", d["range"]["start"]["line"])
        })
        .collect();
    cfg.log(t0, "open diagnostics received; editing");

    // edit → diagnostics: the middle function's memorySize 512 → 576 → 512 …
    let texts = [generated.text("576", false), generated.text("512", false)];
    let phase = Instant::now();
    let mut current = "512";
    for k in 0..cfg.iterations {
        if k >= 3 && phase.elapsed() > cfg.budget {
            break;
        }
        version += 1;
        let message = lsp::notification_frame(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": texts[k % 2] }],
            }),
        );
        let t = Instant::now();
        server.send_frame(message)?;
        let (at, _) = wait_diagnostics(server, cfg.timeout, &uri, version)?;
        result.edit.push(ms(at - t));
        current = if k % 2 == 0 { "576" } else { "512" };
    }

    cfg.log(t0, &format!("{} edits; hovering", result.edit.len()));
    // hover on the middle function's `memorySize` key
    let hover_pos = json!({ "line": generated.memory_line, "character": HOVER_CHARACTER });
    let phase = Instant::now();
    for k in 0..cfg.iterations {
        if k >= 3 && phase.elapsed() > cfg.budget {
            break;
        }
        let t = Instant::now();
        let id = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": hover_pos }),
        )?;
        let m = match server.wait_result(id, cfg.timeout)? {
            Ok(m) => m,
            Err(err) => {
                result.errors.push(format!("hover failed: {err}"));
                break;
            }
        };
        result.hover.push(ms(m.at - t));
        if k == 0 {
            result.hover_chars = hover_len(&m.msg["result"]);
        }
    }

    cfg.log(t0, "completion setup");
    // completion on a new blank key line in the middle function's props
    version += 1;
    change(server, &uri, version, &generated.text(current, true))?;
    wait_diagnostics(server, cfg.timeout, &uri, version)?;
    let completion_pos = json!({ "line": generated.blank_line(), "character": PROPS_INDENT.len() });
    let phase = Instant::now();
    for k in 0..cfg.iterations {
        if k >= 3 && phase.elapsed() > cfg.budget {
            break;
        }
        let t = Instant::now();
        let id = server.request(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": uri },
                "position": completion_pos,
                "context": { "triggerKind": 1 },
            }),
        )?;
        let m = match server.wait_result(id, cfg.timeout)? {
            Ok(m) => m,
            Err(err) => {
                result.errors.push(format!("completion failed: {err}"));
                break;
            }
        };
        result.completion.push(ms(m.at - t));
        if k == 0 {
            let r = &m.msg["result"];
            let items = r.as_array().or_else(|| r["items"].as_array());
            result.completion_items = items.map_or(0, Vec::len);
            result.completion_offers_cpu =
                items.is_some_and(|items| items.iter().any(|i| i["label"].as_str() == Some("cpu")));
        }
    }

    cfg.log(t0, "completions done; schema check");
    // the schema is applied: a wrong type on memorySize is reported on its line
    version += 1;
    change(server, &uri, version, &generated.text("\"abc\"", false))?;
    let (_, diags) = wait_diagnostics(server, cfg.timeout, &uri, version)?;
    let on_line: Vec<String> = diags
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["range"]["start"]["line"].as_u64() == Some(u64::from(generated.memory_line)))
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    result.schema_check = Some(on_line);
    Ok(())
}

/// Length of a hover's text, 0 for none.
fn hover_len(r: &Value) -> usize {
    match &r["contents"] {
        Value::String(s) => s.len(),
        Value::Object(o) => o.get("value").and_then(Value::as_str).map_or(0, str::len),
        Value::Array(a) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.len(),
                v => v["value"].as_str().map_or(0, str::len),
            })
            .sum(),
        _ => 0,
    }
}
