//! `path:line:col: error[code]: message`, then the source line with carets, like a compiler.

use std::fmt::Write;

use analysis::Severity;
use syntax::LineIndex;

use crate::cmd::check::Checked;

pub(crate) fn render(files: &[Checked]) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for file in files {
        let index = LineIndex::new(&file.text);
        for d in &file.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                _ => {}
            }
            let start = index.line_col(d.range.start());
            let line_range = index.line_range(start.line).unwrap_or_default();
            let line_text = &file.text[line_range];
            let col_chars = file.text[line_range.start().into()..d.range.start().into()]
                .chars()
                .count();
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{}]: {}",
                file.path.display(),
                start.line + 1,
                col_chars + 1,
                d.severity.as_str(),
                d.code,
                d.message
            );
            let number = (start.line + 1).to_string();
            let pad = " ".repeat(number.len());
            let end_on_line = d.range.end().min(line_range.end()).max(d.range.start());
            let width = file.text[d.range.start().into()..end_on_line.into()]
                .chars()
                .count()
                .max(1);
            let lead: String = line_text
                .chars()
                .take(col_chars)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {line_text}");
            let _ = writeln!(out, "{pad} | {lead}{}", "^".repeat(width));
            for r in &d.related {
                let lc = match &r.file {
                    None => index.line_col(r.range.start()),
                    Some(_) => syntax::LineCol { line: 0, col: 0 },
                };
                let where_ = match &r.file {
                    None => format!("{}:{}:{}", file.path.display(), lc.line + 1, lc.col + 1),
                    Some(p) => p.display().to_string(),
                };
                let _ = writeln!(out, "{pad} = note: {}: {where_}", r.message);
            }
            for fix in &d.fixes {
                let _ = writeln!(out, "{pad} = help: {}", fix.title);
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{} error{}, {} warning{} in {} file{}",
        errors,
        if errors == 1 { "" } else { "s" },
        warnings,
        if warnings == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    out
}
