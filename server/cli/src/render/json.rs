//! `{"files":[{"path":...,"diagnostics":[{severity, range, code, message}]}]}` with 0-based
//! lines and UTF-16 characters, as in LSP.

use serde_json::json;
use syntax::LineIndex;

use crate::cmd::check::Checked;

pub(crate) fn render(files: &[Checked]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let index = LineIndex::new(&f.text);
            let diagnostics: Vec<serde_json::Value> = f
                .diagnostics
                .iter()
                .map(|d| {
                    let ((sl, sc), (el, ec)) = super::utf16_range(&index, d);
                    json!({
                        "severity": d.severity.as_str(),
                        "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
                        "code": d.code,
                        "message": d.message,
                    })
                })
                .collect();
            json!({"path": f.path.to_string_lossy(), "diagnostics": diagnostics})
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&json!({ "files": files })).unwrap_or_default();
    out.push('\n');
    out
}
