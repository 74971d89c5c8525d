//! The human form of `sdls plan`: per function a status line and Terraform-like markers
//! (`~` changed, `+` local only, `-` remote only), the code state, the remote-only values deploy
//! keeps, and a summary with what to do next.

use std::fmt::Write;
use std::path::Path;

use ops::plan::{FieldReport, FunctionReport, PlanReport};
use ops::status::{Change, CodeStatus, Status};
use serde_json::Value as Json;

pub(crate) fn human(path: &Path, report: &PlanReport) -> String {
    let mut out = String::new();
    let remote = match report.remote.as_str() {
        "local" => "local (the embedded emulator, .s/emulator/)".to_string(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "sdls plan {} — remote: {remote}", path.display());
    for f in &report.functions {
        out.push('\n');
        function(&mut out, f);
    }
    out.push('\n');
    summary(&mut out, report);
    out
}

fn function(out: &mut String, f: &FunctionReport) {
    let local = if f.remote == "local" { "[local] " } else { "" };
    let name = if f.function_name.is_empty() {
        f.resource.clone()
    } else if f.function_name == f.resource {
        format!("{} ({})", f.resource, f.region)
    } else {
        format!(
            "{} (function {}, {})",
            f.resource, f.function_name, f.region
        )
    };
    let _ = writeln!(
        out,
        "  {} {name}: {local}{} — {}",
        symbol(f.status),
        f.status.as_str(),
        describe(f)
    );
    for field in &f.fields {
        let _ = writeln!(out, "      {}", field_line(field));
    }
    for w in &f.warnings {
        let _ = writeln!(out, "      warning: {w}");
    }
    if !matches!(f.status, Status::Unknown | Status::NotDeployed) {
        let code = match f.code.status {
            CodeStatus::InSync => "in sync".to_string(),
            CodeStatus::LocalChanges => "changed locally since the last deploy".into(),
            CodeStatus::RemoteChanged => "changed remotely since the last deploy".into(),
            CodeStatus::Conflict => "changed locally and remotely".into(),
            CodeStatus::NotDeployed => "not deployed".into(),
            CodeStatus::Unknown => format!(
                "unknown ({})",
                f.code.reason.as_deref().unwrap_or("no baseline")
            ),
        };
        let _ = writeln!(out, "      code: {code}");
    }
    if !f.unmanaged.is_empty() {
        let paths: Vec<String> = f.unmanaged.iter().map(|u| u.path.dotted()).collect();
        let _ = writeln!(
            out,
            "      remote only, kept by deploy (not managed by this file): {}",
            paths.join(", ")
        );
    }
}

fn describe(f: &FunctionReport) -> String {
    match f.status {
        Status::InSync => "nothing to do".into(),
        Status::LocalChanges => "your edits; deploy applies them safely".into(),
        Status::RemoteDrift => {
            "changed remotely since your last deploy: pull, or deploy local-wins".into()
        }
        Status::Conflict => "changed in the file and remotely since your last deploy".into(),
        Status::Untracked => "exists remotely but was not deployed from here".into(),
        Status::NotDeployed => "not deployed; deploy creates it".into(),
        Status::DeletedRemotely => "deleted remotely since your last deploy".into(),
        Status::Unknown => format!(
            "remote unknown: {}",
            f.reason.as_deref().unwrap_or("not read")
        ),
    }
}

fn symbol(status: Status) -> &'static str {
    match status {
        Status::InSync => "✓",
        Status::NotDeployed => "●",
        Status::Unknown => "?",
        Status::LocalChanges => "✎",
        _ => "⚠",
    }
}

fn field_line(field: &FieldReport) -> String {
    let path = field.path.dotted();
    let who = match field.change {
        Change::Local => "",
        Change::Remote => " (changed remotely)",
        Change::Both => " (changed in the file and remotely)",
        Change::Untracked => "",
    };
    let baseline = match &field.baseline {
        Some(b) if field.change != Change::Untracked => format!(", last deployed {}", value(b)),
        None if field.change != Change::Untracked && field.local.is_some() => {
            ", last deployed: absent".into()
        }
        _ => String::new(),
    };
    match (&field.local, &field.remote) {
        (Some(l), None) => format!("+ {path}: {} (file only){who}{baseline}", value(l)),
        (None, Some(r)) => format!(
            "- {path}: {} (remote only; deploy would remove it){who}{baseline}",
            value(r)
        ),
        (Some(l), Some(r)) => {
            format!(
                "~ {path}: {} (remote) → {} (file){who}{baseline}",
                value(r),
                value(l)
            )
        }
        (None, None) => format!("~ {path}"),
    }
}

fn value(v: &Json) -> String {
    match v {
        Json::String(s) if s.starts_with(ops::normalize::HASH_PREFIX) => "(hashed)".into(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 80 {
                let cut: String = text.chars().take(77).collect();
                format!("{cut}…")
            } else {
                text
            }
        }
    }
}

fn summary(out: &mut String, report: &PlanReport) {
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for f in &report.functions {
        match counts.iter_mut().find(|(s, _)| *s == f.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.status, 1)),
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "{} function{}: {}.",
        report.functions.len(),
        if report.functions.len() == 1 { "" } else { "s" },
        parts.join(", ")
    );
}
