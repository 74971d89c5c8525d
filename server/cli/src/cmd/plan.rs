//! `sdls plan [FILE] [--resource NAME] [--format human|json] [--remote auto|local|aliyun|URL]
//! [--out PLAN]`: per function the three-way status (file / last deploy / live) and a
//! Terraform-like field diff (`~` changed, `+` local only, `-` remote only). Exit codes (D17):
//! 0 every function in sync, 2 any difference (not-deployed included), 1 a failure or any
//! function whose status is `unknown`. `--out PLAN` also saves what the plan saw
//! ([`ops::saved_plan`]) for `sdls deploy --plan PLAN`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use tokio_util::sync::CancellationToken;

use analysis::{CheckOptions, FileInput, Severity};
use lsp::FsHost;
use ops::connect::RemoteOptions;
use ops::engine::{self, DriftEngine, EngineOptions, RemoteRead};
use ops::local::{LocalFunction, Skipped};
use ops::plan::{FunctionReport, PlanReport};
use ops::saved_plan::{self, SavedPlan};
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
    /// Do not record the live state of in-sync functions as their baseline in .s/deployed/
    #[arg(long)]
    no_baseline: bool,
    /// Also save the plan to FILE (JSON; environment values hashed) for `sdls deploy --plan FILE`
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(crate) fn run(args: PlanArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => default_file(&cwd)?,
    };
    let mut loaded = load(&path, &cwd)?;
    if !args.resource.is_empty() {
        loaded.only(&args.resource)?;
    }
    let engine = DriftEngine::new(engine_options(
        args.remote.clone(),
        args.access.clone(),
        args.concurrency,
    )?);
    let runtime = super::runtime()?;
    let cancel = CancellationToken::new();
    let report = runtime.block_on(async {
        let interrupt = cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupt.cancel();
            }
        });
        let report = compute(
            &loaded,
            &engine,
            &cancel,
            args.show_secrets,
            !args.no_baseline,
        )
        .await;
        watcher.abort();
        report
    });
    if cancel.is_cancelled() {
        bail!("interrupted");
    }
    if let Some(out) = &args.out {
        save(out, &cwd, &loaded, &engine, &report)?;
    }
    let out = match args.format {
        PlanFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report)?;
            text.push('\n');
            text
        }
        PlanFormat::Human => render::plan::human(&loaded.path, &report),
    };
    print!("{out}");
    Ok(report.exit_code())
}

/// Writes the saved plan of `report` to `out` (D16, D33): per function what the plan saw, read
/// again from the engine's cache (the reads the report was computed from).
fn save(
    out: &Path,
    cwd: &Path,
    loaded: &Loaded,
    engine: &DriftEngine,
    report: &PlanReport,
) -> Result<()> {
    let mut functions = Vec::new();
    for function in &loaded.functions {
        let Some(status) = report
            .functions
            .iter()
            .find(|r| r.resource == function.resource)
            .map(|r| r.status)
        else {
            continue;
        };
        let read = engine
            .cached(&loaded.file_dir, function)
            .unwrap_or_else(|| RemoteRead {
                snapshot: Err("the remote was not read".into()),
                fetched_at: std::time::Instant::now(),
                label: String::new(),
                account_id: None,
                local_code: Err("the remote was not read".into()),
            });
        functions.push(saved_plan::planned(function, &read, status));
    }
    let file = absolute_file(&loaded.path, cwd);
    let count = functions.len();
    saved_plan::write(out, &SavedPlan::new(file, functions))?;
    // stderr: stdout stays the report (JSON with --format json).
    eprintln!(
        "sdls plan: saved the plan of {count} function{} to {}; deploy exactly this with `sdls deploy --plan {}`",
        if count == 1 { "" } else { "s" },
        out.display(),
        out.display()
    );
    Ok(())
}

/// `path` (relative to `cwd`) made absolute, symlinks resolved when it exists: how a saved plan
/// names its s.yaml.
pub(crate) fn absolute_file(path: &Path, cwd: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    absolute.canonicalize().unwrap_or(absolute)
}

/// An analysed s.yaml and the functions it declares.
pub(crate) struct Loaded {
    /// As the user gave it.
    pub(crate) path: PathBuf,
    pub(crate) file_dir: PathBuf,
    pub(crate) functions: Vec<LocalFunction>,
    pub(crate) skipped: Vec<Skipped>,
}

impl Loaded {
    /// Keeps only the named resources; an unknown name is an error listing the functions.
    pub(crate) fn only(&mut self, resources: &[String]) -> Result<()> {
        let known: Vec<String> = self
            .functions
            .iter()
            .map(|f| f.resource.clone())
            .chain(self.skipped.iter().map(|s| s.resource.clone()))
            .collect();
        for wanted in resources {
            if !known.contains(wanted) {
                bail!(
                    "no function resource `{wanted}` in {} (functions: {})",
                    self.path.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        self.functions.retain(|f| resources.contains(&f.resource));
        self.skipped.retain(|s| resources.contains(&s.resource));
        Ok(())
    }
}

/// Reads and analyses `path` (relative to `cwd`) and lists its functions.
pub(crate) fn load(path: &Path, cwd: &Path) -> Result<Loaded> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let text = std::fs::read_to_string(&absolute)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let file_dir = absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.to_path_buf());
    let analysis = analysis::check(
        &FileInput {
            path: &absolute,
            text: &text,
            workspace: Some(cwd),
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
    let (functions, skipped) = ops::local::functions(&analysis, &file_dir);
    if functions.is_empty() && skipped.is_empty() {
        bail!(
            "{} declares no function (fc3 resources in edition 3.0.0, fc services in legacy files)",
            path.display()
        );
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        file_dir,
        functions,
        skipped,
    })
}

/// The engine options of the CLI: the process environment, `$HOME`, this binary for the
/// embedded emulator.
pub(crate) fn engine_options(
    remote: Option<String>,
    access: Option<String>,
    concurrency: usize,
) -> Result<EngineOptions> {
    Ok(EngineOptions {
        concurrency: concurrency.max(1),
        ttl: Duration::from_secs(60),
        remote: RemoteOptions {
            remote_flag: remote,
            remote_setting: None,
            access,
            env: std::env::vars().collect(),
            home: home_dir(),
            sdls_binary: std::env::current_exe().context("cannot find the sdls binary")?,
            retry: None,
            timeout: None,
        },
    })
}

/// Reads every function of `loaded` and builds the report; with `record`, in-sync functions'
/// live state becomes their baseline (§2.5 item 25: after an `s deploy`, the next console change
/// shows as remote drift).
pub(crate) async fn compute(
    loaded: &Loaded,
    engine: &Arc<DriftEngine>,
    cancel: &CancellationToken,
    show_secrets: bool,
    record: bool,
) -> PlanReport {
    engine
        .refresh(
            &loaded.file_dir,
            &loaded.functions,
            true,
            cancel,
            &|_, _| {},
        )
        .await;
    let mut reports: Vec<FunctionReport> = Vec::new();
    for function in &loaded.functions {
        let report = match engine.cached(&loaded.file_dir, function) {
            Some(read) => {
                let report = engine::report(&loaded.file_dir, function, &read, show_secrets);
                if record {
                    engine::adopt_in_sync(&loaded.file_dir, function, &read, &report);
                }
                report
            }
            None => unknown_report(
                &function.resource,
                &function.function_name,
                &function.region,
                "the remote was not read",
            ),
        };
        reports.push(report);
    }
    for s in &loaded.skipped {
        reports.push(unknown_report(&s.resource, "", "", &s.reason));
    }
    PlanReport {
        remote: PlanReport::remote_label(&reports),
        functions: reports,
    }
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
