//! Output formats of `check`: compiler-style text, JSON (LSP-style positions) and SARIF 2.1.0.

pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod plan;
pub(crate) mod sarif;

use analysis::Diagnostic;
use syntax::LineIndex;

/// 0-based line and UTF-16 character of a diagnostic's start and end, as in LSP.
pub(crate) fn utf16_range(index: &LineIndex, d: &Diagnostic) -> ((u32, u32), (u32, u32)) {
    let s = index.utf16_line_col(d.range.start());
    let e = index.utf16_line_col(d.range.end());
    ((s.line, s.col), (e.line, e.col))
}
