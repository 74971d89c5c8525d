//! Completion: keys valid at the cursor, enum values, `${` names, snippets.

use std::path::Path;

use syntax::TextSize;

use super::CompletionItem;
use crate::{Analysis, Host};

/// `text` is the current text (it may not parse: the user is typing); `analysis` is the newest
/// analysis of it; `path` is the file's path (its `.env` files are read through `host`).
pub fn completion(
    analysis: &Analysis,
    host: &dyn Host,
    path: &Path,
    offset: TextSize,
) -> Vec<CompletionItem> {
    let _ = (analysis, host, path, offset);
    Vec::new()
}
