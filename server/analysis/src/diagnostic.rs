//! Findings as plain data: severity, byte range, a stable kebab-case code, message, related
//! information and optional fixes. Converted to LSP, JSON or SARIF only at the edges.

use std::path::PathBuf;

use text_size::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

/// A location that explains a diagnostic (for example where a variable was defined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// `None` for the analysed file itself.
    pub file: Option<PathBuf>,
    pub range: TextRange,
    pub message: String,
}

/// A text replacement in the analysed file (byte range of the normalised text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub range: TextRange,
    pub code: &'static str,
    pub message: String,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        range: TextRange,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            range,
            code,
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn error(range: TextRange, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, range, code, message)
    }

    pub fn warning(range: TextRange, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, range, code, message)
    }

    pub fn info(range: TextRange, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Information, range, code, message)
    }

    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }

    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        range: TextRange,
        new_text: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![TextEdit {
                range,
                new_text: new_text.into(),
            }],
        });
        self
    }
}
