//! `sdls check [PATH...] [--format human|json|sarif]`: exit 0 without errors (warnings allowed),
//! 2 when errors were found, 1 when a path cannot be read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use analysis::{CheckOptions, Diagnostic, FileInput, Severity};

use crate::render;
use lsp::FsHost;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Files or directories (default: s.yaml or s.yml in the current directory)
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// One checked file, ready to render.
pub(crate) struct Checked {
    /// The path as the user gave it (or as found under a directory).
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

pub(crate) fn run(args: CheckArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let files = collect(&args.paths, &cwd)?;
    let mut checked = Vec::new();
    for path in files {
        checked.push(check_file(&path, &cwd)?);
    }
    let out = match args.format {
        Format::Human => render::human::render(&checked),
        Format::Json => render::json::render(&checked),
        Format::Sarif => render::sarif::render(&checked),
    };
    print!("{out}");
    let errors = checked
        .iter()
        .flat_map(|c| &c.diagnostics)
        .any(|d| d.severity == Severity::Error);
    Ok(if errors { 2 } else { 0 })
}

pub(crate) fn check_file(path: &Path, cwd: &Path) -> Result<Checked> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let (text, parse) = syntax::parse_bytes(&bytes);
    if let Some(err) = parse
        .errors
        .iter()
        .find(|e| e.kind == syntax::SyntaxErrorKind::InvalidUtf8)
    {
        let d = Diagnostic::error(err.range, "invalid-utf8", err.message.clone());
        return Ok(Checked {
            path: path.to_path_buf(),
            text,
            diagnostics: vec![d],
        });
    }
    let input = FileInput {
        path: &absolute,
        text: &text,
        workspace: Some(cwd),
    };
    let analysis = analysis::check(&input, &FsHost, CheckOptions::default());
    Ok(Checked {
        path: path.to_path_buf(),
        text,
        diagnostics: analysis.diagnostics,
    })
}

/// The files to check: explicit files as given, s.yaml-like files under directories.
fn collect(paths: &[PathBuf], cwd: &Path) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        for name in ["s.yaml", "s.yml"] {
            if cwd.join(name).is_file() {
                return Ok(vec![PathBuf::from(name)]);
            }
        }
        bail!(
            "the s.yaml/s.yml file was not found in {}; give a path: sdls check path/to/s.yaml",
            cwd.display()
        );
    }
    let mut out = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            let before = out.len();
            walk(path, &mut out, 0)?;
            out[before..].sort();
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "node_modules" && name != "target" {
                walk(&path, out, depth + 1)?;
            }
        } else if is_s_yaml(&path, &name) {
            out.push(path);
        }
    }
    Ok(())
}

/// `s.yaml`, `s.yml`, `s-*.yaml`, `s-*.yml`, or any YAML whose top level has `edition` with
/// `resources` or `services`.
pub(crate) fn is_s_yaml(path: &Path, name: &str) -> bool {
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    yaml && (analysis::is_s_yaml_name(name)
        || std::fs::read_to_string(path).is_ok_and(|t| analysis::has_s_yaml_top_level(&t)))
}
