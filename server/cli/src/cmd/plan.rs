//! `sdls plan [FILE] [--resource NAME] [--format human|json] [--remote auto|local|aliyun|URL]`:
//! per function the three-way status (file / last deploy / live) and a Terraform-like field diff
//! (`~` changed, `+` local only, `-` remote only). Exit codes (D17): 0 every function in sync,
//! 2 any difference (not-deployed included), 1 a failure or any function whose status is
//! `unknown`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use tokio_util::sync::CancellationToken;

use analysis::{CheckOptions, FileInput, Severity};
use lsp::FsHost;
use ops::connect::RemoteOptions;
use ops::engine::{self, DriftEngine, EngineOptions};
use ops::plan::{FunctionReport, PlanReport};
use ops::status::{CodeState, Status, Verdict};

use crate::render;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum PlanFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct PlanArgs {
    /// The s.yaml (default: s.yaml or s.yml in the current directory)
    file: Option<PathBuf>,
    /// Only this resource (repeatable)
    #[arg(long, value_name = "NAME")]
    resource: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    format: PlanFormat,
    /// Which remote: auto (the cloud with credentials, else the local emulator), local, aliyun,
    /// or an endpoint URL
    #[arg(long, value_name = "REMOTE", env = "SDLS_REMOTE")]
    remote: Option<String>,
    /// Access alias of ~/.s/access.yaml (default: `access:` in the file, then `default`)
    #[arg(long, short = 'a', value_name = "ALIAS")]
    access: Option<String>,
    /// Functions read at once
    #[arg(long, value_name = "N", default_value_t = engine::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Show environment values whose names look secret (masked by default)
    #[arg(long)]
    show_secrets: bool,
}

pub(crate) fn run(args: PlanArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => default_file(&cwd)?,
    };
    let absolute = if path.is_absolute() {
        path.clone()
    } else {
        cwd.join(&path)
    };
    let text = std::fs::read_to_string(&absolute)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let file_dir = absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());
    let analysis = analysis::check(
        &FileInput {
            path: &absolute,
            text: &text,
            workspace: Some(&cwd),
        },
        &FsHost,
        CheckOptions::default(),
    );
    if analysis.model.is_none() {
        bail!(
            "{} cannot be read as an s.yaml (run `sdls check {}` to see why)",
            path.display(),
            path.display()
        );
    }
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        eprintln!(
            "sdls plan: {} has {errors} error{} (`sdls check` shows them); comparing what resolves",
            path.display(),
            if errors == 1 { "" } else { "s" }
        );
    }
    let (mut functions, mut skipped) = ops::local::functions(&analysis, &file_dir);
    if !args.resource.is_empty() {
        let known: Vec<String> = functions
            .iter()
            .map(|f| f.resource.clone())
            .chain(skipped.iter().map(|s| s.resource.clone()))
            .collect();
        for wanted in &args.resource {
            if !known.contains(wanted) {
                bail!(
                    "no function resource `{wanted}` in {} (functions: {})",
                    path.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        functions.retain(|f| args.resource.contains(&f.resource));
        skipped.retain(|s| args.resource.contains(&s.resource));
    }
    if functions.is_empty() && skipped.is_empty() {
        bail!(
            "{} declares no function (fc3 resources in edition 3.0.0, fc services in legacy files)",
            path.display()
        );
    }

    let options = EngineOptions {
        concurrency: args.concurrency.max(1),
        ttl: Duration::from_secs(60),
        remote: RemoteOptions {
            remote_flag: args.remote.clone(),
            remote_setting: None,
            access: args.access.clone(),
            env: std::env::vars().collect(),
            home: home_dir(),
            sdls_binary: std::env::current_exe().context("cannot find the sdls binary")?,
            retry: None,
            timeout: None,
        },
    };
    let engine = DriftEngine::new(options);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let cancel = CancellationToken::new();
    runtime.block_on(async {
        let interrupt = cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupt.cancel();
            }
        });
        engine
            .refresh(&file_dir, &functions, true, &cancel, &|_, _| {})
            .await;
        watcher.abort();
    });
    if cancel.is_cancelled() {
        bail!("interrupted");
    }
    let mut reports: Vec<FunctionReport> = Vec::new();
    for function in &functions {
        let report = match engine.cached(&file_dir, function) {
            Some(read) => engine::report(&file_dir, function, &read, args.show_secrets),
            None => unknown_report(
                &function.resource,
                &function.function_name,
                &function.region,
                "the remote was not read",
            ),
        };
        reports.push(report);
    }
    for s in &skipped {
        reports.push(unknown_report(&s.resource, "", "", &s.reason));
    }
    let report = PlanReport {
        remote: PlanReport::remote_label(&reports),
        functions: reports,
    };
    let out = match args.format {
        PlanFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report)?;
            text.push('\n');
            text
        }
        PlanFormat::Human => render::plan::human(&path, &report),
    };
    print!("{out}");
    Ok(report.exit_code())
}

fn unknown_report(
    resource: &str,
    function_name: &str,
    region: &str,
    reason: &str,
) -> FunctionReport {
    let verdict: Verdict = ops::status::unknown(reason.to_string());
    let mut report = FunctionReport::new(resource, function_name, region, "", verdict);
    report.code = CodeState {
        reason: Some(reason.to_string()),
        ..CodeState::default()
    };
    debug_assert_eq!(report.status, Status::Unknown);
    report
}

fn default_file(cwd: &Path) -> Result<PathBuf> {
    for name in ["s.yaml", "s.yml"] {
        if cwd.join(name).is_file() {
            return Ok(PathBuf::from(name));
        }
    }
    bail!(
        "the s.yaml/s.yml file was not found in {}; give a path: sdls plan path/to/s.yaml",
        cwd.display()
    )
}

/// The OS home: `$HOME` (the credential files live under it).
pub(crate) fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}
