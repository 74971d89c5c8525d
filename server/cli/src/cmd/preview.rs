//! `sdls preview [FILE] [--resource NAME] [--format yaml|json] [--env-file F]`: the resolved
//! model as `s preview` shows it for `deploy`, resources in run order. Exit 0 when everything
//! resolved or is only unknown until run time, 2 when resolution fails (as `s preview` fails),
//! 1 on a tool failure (D8).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use analysis::{CheckOptions, FileInput, Host, PathKind, UnsetEnv};
use lsp::FsHost;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Format {
    Yaml,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct PreviewArgs {
    /// The s.yaml file (default: s.yaml or s.yml in the current directory)
    file: Option<PathBuf>,
    /// Only this resource (as `s NAME preview`: flow and ordering are skipped)
    #[arg(long, value_name = "NAME")]
    resource: Option<String>,
    /// Output format: yaml (for humans, run-time values commented) or json (the shape of
    /// Serverless Devs' steps/vars)
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
    /// A .env file read before every other one (the process environment still wins)
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
}

/// The file system and the process environment, then the variables of `--env-file`.
struct PreviewHost {
    env_file: HashMap<String, String>,
}

impl Host for PreviewHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        FsHost.read_file(path)
    }
    fn path_kind(&self, path: &Path) -> Option<PathKind> {
        FsHost.path_kind(path)
    }
    fn env_var(&self, name: &str) -> Option<String> {
        FsHost
            .env_var(name)
            .filter(|v| !v.is_empty())
            .or_else(|| self.env_file.get(name).cloned())
    }
}

pub(crate) fn run(args: PreviewArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => default_file(&cwd)?,
    };
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let absolute = if path.is_absolute() {
        path.clone()
    } else {
        cwd.join(&path)
    };
    let mut env_file = HashMap::new();
    if let Some(f) = &args.env_file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        for (k, v) in analysis::parse_dotenv(&text) {
            env_file.entry(k).or_insert(v);
        }
    }
    let host = PreviewHost { env_file };
    let (text, _) = syntax::parse_bytes(&bytes);
    let input = FileInput {
        path: &absolute,
        text: &text,
        workspace: Some(&cwd),
    };
    // As `s preview`: an environment variable without default that is not set fails (D2).
    let analysis = analysis::check(
        &input,
        &host,
        CheckOptions {
            unset_env: UnsetEnv::Error,
        },
    );
    let preview = match analysis::preview(&analysis, args.resource.as_deref()) {
        Ok(p) => p,
        Err(analysis::PreviewError::NoModel) => {
            for d in analysis
                .diagnostics
                .iter()
                .filter(|d| d.severity == analysis::Severity::Error)
            {
                eprintln!("{}", located(&path, &text, d));
            }
            eprintln!(
                "sdls: {}: {}",
                path.display(),
                analysis::PreviewError::NoModel
            );
            return Ok(2);
        }
        Err(e) => bail!("{e}"),
    };
    if !preview.failures.is_empty() {
        for d in &preview.failures {
            eprintln!("{}", located(&path, &text, d));
        }
        eprintln!(
            "sdls: {} cannot be resolved ({} error{}), as `s preview` would fail",
            path.display(),
            preview.failures.len(),
            if preview.failures.len() == 1 { "" } else { "s" }
        );
        return Ok(2);
    }
    match args.format {
        Format::Yaml => print!("{}", preview.to_yaml()),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&preview.to_json()).context("JSON output")?
        ),
    }
    Ok(0)
}

/// `path:line:col: error[code] message`.
fn located(path: &Path, text: &str, d: &analysis::Diagnostic) -> String {
    let start = usize::from(d.range.start()).min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(
        "{}:{line}:{col}: {}[{}] {}",
        path.display(),
        d.severity.as_str(),
        d.code,
        d.message
    )
}

fn default_file(cwd: &Path) -> Result<PathBuf> {
    for name in ["s.yaml", "s.yml"] {
        if cwd.join(name).is_file() {
            return Ok(PathBuf::from(name));
        }
    }
    bail!(
        "the s.yaml/s.yml file was not found in {}; give a path: sdls preview path/to/s.yaml",
        cwd.display()
    )
}
