//! Editor features as plain data, computed from a finished [`Analysis`](crate::Analysis) and a
//! byte offset in the analysed file (file 0 of its sources). The language server converts
//! these to LSP types; nothing here knows about LSP, positions in UTF-16 or IO beyond [`Host`].

use std::path::PathBuf;

use syntax::TextRange;

use crate::diagnostic::TextEdit;

mod completion;
mod completion_expr;
mod convert_legacy;
mod convert_text;
pub(crate) mod cursor;
mod definition;
mod definition_walk;
mod hover;
mod symbols;

pub use completion::completion;
pub use convert_legacy::convert_legacy;
pub use definition::definition;
pub use hover::hover;
pub use symbols::document_symbols;

/// Markdown shown for the thing under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverResult {
    /// The node or `${...}` expression the hover is about.
    pub range: TextRange,
    pub markdown: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Property,
    Value,
    Variable,
    Resource,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// One line shown beside the label (type, default, where a variable is defined).
    pub detail: Option<String>,
    /// Markdown documentation.
    pub documentation: Option<String>,
    /// The text replacing `replace_range`; a snippet (`$1`, `${1:x}`, `$0`) when `is_snippet`.
    pub insert_text: String,
    pub is_snippet: bool,
    /// The word being completed (empty at the cursor when nothing is typed yet).
    pub replace_range: TextRange,
    /// Orders items: the client sorts by this, so required keys and values used in the
    /// file come first.
    pub sort_text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// A 3.0.0 resource or a legacy service.
    Resource,
    /// The FC function inside a resource (legacy `props.function`, 3.0.0 the props themselves).
    Function,
    Trigger,
    /// A custom domain resource.
    Domain,
    Variable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// E.g. `fc3 · python3.10` or the trigger type.
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole entry (key and value).
    pub range: TextRange,
    /// The key (what the editor selects).
    pub selection_range: TextRange,
    pub children: Vec<Symbol>,
}

/// Where a definition is: the analysed file (`path: None`) or another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: Option<PathBuf>,
    /// `None` for a whole file given by `${file('x')}` (the editor opens it at the top).
    pub range: Option<TextRange>,
}

/// A reviewable rewrite of the analysed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// What the conversion could not carry over and the user should review.
    pub notes: Vec<String>,
}
