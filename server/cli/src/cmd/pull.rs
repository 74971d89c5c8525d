//! `sdls pull [FILE] [--resource NAME]... [--dry-run] [--code [-y]] [--remote …] [--access …]`:
//! the remote config of each function written back into the s.yaml as the smallest text edits
//! ([`ops::pull`]): only what the remote changed (remote drift, conflicts; every difference
//! when there is no baseline), comments and layout kept. `--dry-run` prints a unified diff and
//! writes nothing. Exit codes (D17): 0 done, 2 anything refused or not pulled (a legacy file,
//! a function not deployed, a value from a shared expression…), 1 a failure.
//!
//! After writing, each pulled function that now compares in sync with the read it was pulled
//! from gets that read as its baseline (`.s/deployed/…`, [`engine::adopt_in_sync`]): the file
//! and the remote agree, so a later edit of either side is told apart. Nothing is re-read: the
//! read is the one the edits came from.
//!
//! `--code` (D25) also downloads each function's deployed code package and extracts it into
//! the function's code directory ([`ops::pull_code`]), after confirmation: `-y`, or a y/N
//! prompt on a terminal; without either, nothing at all is changed (exit 2). Files of the
//! directory that are not in the package are kept.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use tokio_util::sync::CancellationToken;

use analysis::{CheckOptions, Edition, FileInput, TextEdit};
use lsp::FsHost;
use ops::connect::RemoteOptions;
use ops::embedded::LocalEmulator;
use ops::engine::{self, DriftEngine};
use ops::local::LocalFunction;
use ops::plan::FunctionReport;
use ops::pull::{self, NotPulled};
use ops::pull_code::{self, Effect};
use ops::status::Status;

use crate::cmd::plan::{Loaded, compute, engine_options};

#[derive(Args, Debug)]
pub(crate) struct PullArgs {
    /// The s.yaml (default: s.yaml or s.yml in the current directory)
    file: Option<PathBuf>,
    /// Only this resource (repeatable)
    #[arg(long, value_name = "NAME")]
    resource: Vec<String>,
    /// Print the unified diff of the file and write nothing
    #[arg(long)]
    dry_run: bool,
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
    /// Also download each function's deployed code into its code directory (asks first)
    #[arg(long)]
    code: bool,
    /// With --code: do not ask before writing code files
    #[arg(long = "assume-yes", short = 'y', requires = "code")]
    yes: bool,
}

/// How the code of one function was pulled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CodeEnding {
    Done,
    Refused,
    Failed,
}

/// One function's outcome, printed at the end.
struct Outcome {
    resource: String,
    pulled: Vec<String>,
    not_pulled: Vec<NotPulled>,
    /// Why nothing was pulled (not deployed, unknown, legacy…).
    refused: Option<String>,
}

pub(crate) fn run(args: PullArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => default_file(&cwd)?,
    };
    let interactive = std::io::stdin().is_terminal();
    if args.code && !args.yes && !args.dry_run && !interactive {
        // Asked before anything is read or written: the code pull overwrites local files, and
        // there is no terminal to ask on; a half-done pull (config without code) would mislead.
        println!(
            "sdls pull --code writes the deployed code over files of the code directories and needs confirmation, but there is no terminal to ask on: run again with -y (or --dry-run to see what would be written); nothing was changed"
        );
        return Ok(2);
    }
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
    let analysis = analyse(&absolute, &text, &cwd);
    let Some(model) = &analysis.model else {
        bail!(
            "{} cannot be read as an s.yaml (run `sdls check {}` to see why)",
            path.display(),
            path.display()
        );
    };
    if matches!(model.edition, Edition::Legacy(_)) {
        println!("{}: {}", path.display(), pull::LEGACY_REFUSAL);
        return Ok(2);
    }
    let (functions, skipped) = ops::local::functions(&analysis, &file_dir);
    let mut loaded = Loaded {
        path: path.clone(),
        file_dir: file_dir.clone(),
        functions,
        skipped,
    };
    if loaded.functions.is_empty() && loaded.skipped.is_empty() {
        bail!("{} declares no fc3 function", path.display());
    }
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
    // Secrets shown: environment values must be the live ones (D15), never masks.
    let report = runtime.block_on(compute(&loaded, &engine, &cancel, true, false));

    let mut outcomes = Vec::new();
    let mut edits: Vec<TextEdit> = Vec::new();
    let mut failed = false;
    for function in &report.functions {
        let mut outcome = Outcome {
            resource: function.resource.clone(),
            pulled: Vec::new(),
            not_pulled: Vec::new(),
            refused: None,
        };
        if let Some(why) = pull::why_not(function) {
            // An unreadable remote is a failure; the other reasons are refusals.
            failed |= function.status == Status::Unknown;
            outcome.refused = Some(why);
        } else {
            let changes = pull::changes_from_report(function);
            match pull::edits_for(&analysis, &function.resource, &changes) {
                Ok(found) => {
                    outcome.pulled = found.pulled.iter().map(|p| p.dotted()).collect();
                    outcome.not_pulled = found.not_pulled;
                    edits.extend(found.edits);
                }
                Err(reason) => outcome.refused = Some(reason),
            }
        }
        outcomes.push(outcome);
    }
    // Functions edit disjoint nodes (a var is edited only when one value uses it); guard anyway.
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    if edits
        .windows(2)
        .any(|w| w[0].range.end() > w[1].range.start())
    {
        bail!("the edits of two functions overlap; pull them one at a time with --resource");
    }
    let new_text = pull::apply(&text, &edits);

    let shown = path.display().to_string();
    if args.dry_run {
        let diff = similar::TextDiff::from_lines(&text, &new_text);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
        );
    } else if new_text != text {
        write_atomically(&absolute, &text, &new_text)?;
        adopt(&absolute, &new_text, &cwd, &loaded, &engine);
    }

    let mut refused = false;
    for outcome in &outcomes {
        if let Some(reason) = &outcome.refused {
            refused = true;
            println!("{}: not pulled: {reason}", outcome.resource);
            continue;
        }
        if outcome.pulled.is_empty() && outcome.not_pulled.is_empty() {
            println!("{}: nothing to pull", outcome.resource);
        }
        if !outcome.pulled.is_empty() {
            println!(
                "{}: {} {}",
                outcome.resource,
                if args.dry_run { "would pull" } else { "pulled" },
                outcome.pulled.join(", ")
            );
        }
        for n in &outcome.not_pulled {
            refused = true;
            println!("{}: not pulled: {}: {}", outcome.resource, n.path, n.reason);
        }
    }
    if args.code {
        let remote = engine_options(args.remote.clone(), args.access.clone(), 1)?.remote;
        let endings = runtime.block_on(pull_all_code(
            &loaded,
            &report.functions,
            &remote,
            &absolute,
            CodeFlags {
                dry_run: args.dry_run,
                ask: !args.yes && interactive,
            },
        ));
        failed |= endings.contains(&CodeEnding::Failed);
        refused |= endings.contains(&CodeEnding::Refused);
    }
    Ok(if failed {
        1
    } else if refused {
        2
    } else {
        0
    })
}

/// How the code is pulled.
#[derive(Clone, Copy)]
struct CodeFlags {
    dry_run: bool,
    /// Ask on the terminal before writing (no `-y`).
    ask: bool,
}

/// Pulls the code of every function of `loaded` whose remote was read; one line per function.
async fn pull_all_code(
    loaded: &Loaded,
    reports: &[FunctionReport],
    remote: &RemoteOptions,
    s_yaml: &Path,
    flags: CodeFlags,
) -> Vec<CodeEnding> {
    let mut emulator: Option<LocalEmulator> = None;
    let mut endings = Vec::new();
    for function in &loaded.functions {
        let Some(report) = reports.iter().find(|r| r.resource == function.resource) else {
            continue;
        };
        let ending = pull_code_of(
            function,
            report,
            loaded,
            remote,
            &mut emulator,
            s_yaml,
            flags,
        )
        .await
        .unwrap_or_else(|(ending, message)| {
            println!("{}: code not pulled: {message}", function.resource);
            ending
        });
        endings.push(ending);
    }
    endings
}

/// Downloads, shows, confirms and extracts the code of one function. An `Err` is how it ended
/// and the line saying why nothing was written.
async fn pull_code_of(
    function: &LocalFunction,
    report: &FunctionReport,
    loaded: &Loaded,
    remote: &RemoteOptions,
    emulator: &mut Option<LocalEmulator>,
    s_yaml: &Path,
    flags: CodeFlags,
) -> Result<CodeEnding, (CodeEnding, String)> {
    let refused = |why: String| (CodeEnding::Refused, why);
    let failed = |why: String| (CodeEnding::Failed, why);
    match report.status {
        Status::Unknown => return Err(failed("the remote could not be read".into())),
        Status::NotDeployed => {
            return Err(refused("not deployed: there is no code to pull".into()));
        }
        Status::DeletedRemotely => {
            return Err(refused("deleted remotely: there is no code to pull".into()));
        }
        _ => {}
    }
    let Some(code_dir) = function.code_path.clone() else {
        return Err(refused(
            "`code:` is not a local path in the file; give it a directory to pull code into".into(),
        ));
    };
    let shown = code_dir
        .strip_prefix(&loaded.file_dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| code_dir.clone());
    // Shown as a directory: `code/`, `./`.
    let shown = if shown.as_os_str().is_empty() {
        "./".to_string()
    } else {
        format!("{}/", shown.display().to_string().trim_end_matches('/'))
    };
    if let (Some(local), Some(live)) = (&report.code.local, &report.code.remote)
        && local == live
    {
        println!(
            "{}: code in {shown} already is the deployed package (CRC-64 {live}); nothing to pull",
            function.resource
        );
        return Ok(CodeEnding::Done);
    }
    let connection = crate::cmd::deploy::connection(function, &loaded.file_dir, remote, emulator)
        .await
        .map_err(|e| failed(format!("{e:#}")))?;
    let downloaded = pull_code::download(&connection.client, &function.function_name)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let bytes = downloaded.bytes.clone();
    let dir = code_dir.clone();
    let protected = vec![s_yaml.to_path_buf()];
    let inspection =
        tokio::task::spawn_blocking(move || pull_code::inspect(&bytes, &dir, &protected))
            .await
            .map_err(|e| failed(format!("inspecting the package failed: {e}")))?
            .map_err(|e| refused(e.to_string()))?;
    let new = inspection.paths(Effect::New);
    let overwritten = inspection.paths(Effect::Overwritten);
    let unchanged = inspection.paths(Effect::Unchanged);
    let protected = inspection.paths(Effect::Protected);
    let resource = &function.resource;
    let mut summary = Vec::new();
    if !new.is_empty() {
        summary.push(format!("new: {}", new.join(", ")));
    }
    if !overwritten.is_empty() {
        summary.push(format!("overwritten: {}", overwritten.join(", ")));
    }
    if !unchanged.is_empty() {
        summary.push(format!("{} unchanged", unchanged.len()));
    }
    if !protected.is_empty() {
        summary.push(format!(
            "never written (sdls state, repository or the s.yaml itself): {}",
            protected.join(", ")
        ));
    }
    if !inspection.kept.is_empty() {
        summary.push(format!(
            "kept (not in the package): {}",
            inspection.kept.join(", ")
        ));
    }
    let summary = summary.join("; ");
    if !inspection.writes() {
        println!(
            "{resource}: code in {shown} already holds every file of the deployed package (CRC-64 {}); nothing written — {summary}",
            downloaded.checksum
        );
        return Ok(CodeEnding::Done);
    }
    if flags.dry_run {
        println!(
            "{resource}: would pull the deployed code (CRC-64 {}) into {shown} — {summary}",
            downloaded.checksum
        );
        return Ok(CodeEnding::Done);
    }
    if flags.ask {
        println!(
            "{resource}: the deployed code (CRC-64 {}) for {shown} — {summary}",
            downloaded.checksum
        );
        let count = new.len() + overwritten.len();
        let confirmed = crate::cmd::deploy::ask(&format!(
            "{resource}: write {count} file{} into {shown}{}? [y/N] ",
            if count == 1 { "" } else { "s" },
            if overwritten.is_empty() {
                String::new()
            } else {
                format!(", overwriting {}", overwritten.len())
            }
        ));
        if !confirmed {
            return Err(refused("not confirmed; nothing was written".into()));
        }
    }
    let bytes = downloaded.bytes;
    let dir = code_dir.clone();
    let written =
        tokio::task::spawn_blocking(move || pull_code::extract(&bytes, &dir, &inspection))
            .await
            .map_err(|e| failed(format!("extracting the package failed: {e}")))?
            .map_err(|e| failed(e.to_string()))?;
    println!(
        "{resource}: pulled the deployed code (CRC-64 {}) into {shown} — wrote {} file{}; {summary}",
        downloaded.checksum,
        written.len(),
        if written.len() == 1 { "" } else { "s" }
    );
    // The local package now is the deployed one (unless kept files make it differ): the
    // baseline says so, so plan shows the code in sync rather than a conflict.
    match engine::local_code_crc(function).await {
        Ok(local_crc) if local_crc != downloaded.checksum => println!(
            "{resource}: the code in {shown} still differs from the deployed package (files kept that are not in it); `sdls plan` shows it as a code change"
        ),
        Ok(local_crc) => {
            if let Some(account) = &connection.account_id {
                pull_code::record_in_baseline(
                    &loaded.file_dir,
                    account,
                    &function.region,
                    &function.function_name,
                    &downloaded.checksum,
                    &local_crc,
                );
            }
        }
        Err(_) => {}
    }
    Ok(CodeEnding::Done)
}

fn analyse(absolute: &Path, text: &str, cwd: &Path) -> analysis::Analysis {
    analysis::check(
        &FileInput {
            path: absolute,
            text,
            workspace: Some(cwd),
        },
        &FsHost,
        CheckOptions::default(),
    )
}

/// Writes `new_text` through a temporary file renamed over `path`, refusing when the file no
/// longer holds `old_text` (an editor saved it since it was read).
fn write_atomically(path: &Path, old_text: &str, new_text: &str) -> Result<()> {
    let now = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} again", path.display()))?;
    if now != old_text {
        bail!(
            "{} changed on disk while pulling; nothing was written, run `sdls pull` again",
            path.display()
        );
    }
    ops::atomic::write_atomic(path, new_text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Records the read each function was pulled from as its baseline when the written file now
/// compares in sync with it (best effort: the file is already written).
fn adopt(absolute: &Path, new_text: &str, cwd: &Path, loaded: &Loaded, engine: &DriftEngine) {
    let analysis = analyse(absolute, new_text, cwd);
    let (functions, _) = ops::local::functions(&analysis, &loaded.file_dir);
    for old in &loaded.functions {
        let Some(read) = engine.cached(&loaded.file_dir, old) else {
            continue;
        };
        let Some(new) = functions.iter().find(|f| f.resource == old.resource) else {
            continue;
        };
        let report = engine::report(&loaded.file_dir, new, &read, true);
        engine::adopt_in_sync(&loaded.file_dir, new, &read, &report);
    }
}

fn default_file(cwd: &Path) -> Result<PathBuf> {
    for name in ["s.yaml", "s.yml"] {
        if cwd.join(name).is_file() {
            return Ok(PathBuf::from(name));
        }
    }
    bail!(
        "the s.yaml/s.yml file was not found in {}; give a path: sdls pull path/to/s.yaml",
        cwd.display()
    )
}
