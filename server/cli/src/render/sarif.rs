//! SARIF 2.1.0 (the handful of objects sdls needs, written by hand): one run, one rule per
//! diagnostic code, 1-based lines and UTF-16 columns.

use std::collections::BTreeSet;

use analysis::Severity;
use serde_json::json;
use syntax::LineIndex;

use crate::cmd::check::Checked;

pub(crate) fn render(files: &[Checked]) -> String {
    let codes: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(|d| d.code))
        .collect();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| json!({"id": c, "shortDescription": {"text": c.replace('-', " ")}}))
        .collect();
    let mut results = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        let uri = uri_reference(&f.path.to_string_lossy().replace('\\', "/"));
        for d in &f.diagnostics {
            let ((sl, sc), (el, ec)) = super::utf16_range(&index, d);
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information | Severity::Hint => "note",
            };
            results.push(json!({
                "ruleId": d.code,
                "level": level,
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": sl + 1, "startColumn": sc + 1, "endLine": el + 1, "endColumn": ec + 1}
                    }
                }]
            }));
        }
    }
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "sdls", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "columnKind": "utf16CodeUnits",
            "results": results
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// A relative URI reference for a path: RFC 3986 unreserved characters and `/` stay, every other
/// byte is percent-encoded (spaces, non-ASCII names).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            super::uri_reference("my project/s.yaml"),
            "my%20project/s.yaml"
        );
        assert_eq!(
            super::uri_reference("项目/s.yaml"),
            "%E9%A1%B9%E7%9B%AE/s.yaml"
        );
    }
}
