//! `sdls pull [FILE] [--resource NAME]... [--dry-run] [--remote …] [--access …]`: the remote
//! config of each function written back into the s.yaml as the smallest text edits
//! ([`ops::pull`]): only what the remote changed (remote drift, conflicts; every difference
//! when there is no baseline), comments and layout kept. `--dry-run` prints a unified diff and
//! writes nothing. Exit codes (D17): 0 done, 2 anything refused or not pulled (a legacy file,
//! a function not deployed, a value from a shared expression…), 1 a failure.
//!
//! After writing, each pulled function that now compares in sync with the read it was pulled
//! from gets that read as its baseline (`.s/deployed/…`, [`engine::adopt_in_sync`]): the file
//! and the remote agree, so a later edit of either side is told apart. Nothing is re-read: the
//! read is the one the edits came from.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use tokio_util::sync::CancellationToken;

use analysis::{CheckOptions, Edition, FileInput, TextEdit};
use lsp::FsHost;
use ops::engine::{self, DriftEngine};
use ops::pull::{self, NotPulled};
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
        match function.status {
            Status::Unknown => {
                failed = true;
                outcome.refused = Some(format!(
                    "the remote could not be read: {}",
                    function.reason.as_deref().unwrap_or("unknown reason")
                ));
            }
            Status::NotDeployed => {
                outcome.refused = Some("not deployed: there is nothing to pull".into());
            }
            Status::DeletedRemotely => {
                outcome.refused = Some(
                    "deleted remotely: remove the resource from the file by hand, or deploy it"
                        .into(),
                );
            }
            _ => {
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
    Ok(if failed {
        1
    } else if refused {
        2
    } else {
        0
    })
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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "s.yaml".into());
    // Same folder, so the rename is atomic (one filesystem).
    let temp = path.with_file_name(format!(".{name}.sdls-pull-{}.tmp", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(new_text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            // Keep the file's permissions: the rename replaces the inode.
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
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
