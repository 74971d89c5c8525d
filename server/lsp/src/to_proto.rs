//! Analysis data → LSP types. Byte ranges become positions here and only here.

use std::collections::HashMap;
use std::path::Path;

use analysis::ide;
use analysis::{Host, Severity};
use syntax::{LineEndings, LineIndex, TextRange};
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::document::Document;
use crate::line_map::{self, Encoding};
use crate::session::Session;

pub(crate) const SOURCE: &str = "sdls";

pub(crate) fn range(doc: &Document, enc: Encoding, r: TextRange) -> lsp::Range {
    line_map::range(&doc.line_index, enc, r)
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Information => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub(crate) fn diagnostic(
    doc: &Document,
    session: &Session,
    d: &analysis::Diagnostic,
    other_files: &mut OtherFiles<'_>,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = if session.related_information {
        d.related
            .iter()
            .filter_map(|r| {
                let (uri, range) = match &r.file {
                    None => (doc.uri.clone(), range(doc, session.encoding, r.range)),
                    Some(path) => other_files.location(path, session.encoding, r.range)?,
                };
                Some(lsp::DiagnosticRelatedInformation {
                    location: lsp::Location { uri, range },
                    message: r.message.clone(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut message = d.message.clone();
    if !session.related_information {
        // Clients without related information still learn where a variable came from.
        for r in &d.related {
            message.push_str(&format!("\n{}", r.message));
        }
    }
    lsp::Diagnostic {
        range: range(doc, session.encoding, d.range),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// `found` are diagnostics of `doc`; `sources` are the files an analysis of it loaded (their
/// text serves related information that points into them; other files are read from `host`).
pub(crate) fn diagnostic_list(
    doc: &Document,
    session: &Session,
    found: &[analysis::Diagnostic],
    sources: &[analysis::SourceFile],
    host: &dyn Host,
) -> Vec<lsp::Diagnostic> {
    let mut other = OtherFiles {
        sources,
        host,
        cache: HashMap::new(),
    };
    found
        .iter()
        .map(|d| diagnostic(doc, session, d, &mut other))
        .collect()
}

/// Line indexes of other files named by related information (an `extend` base, a `.env`).
pub(crate) struct OtherFiles<'a> {
    sources: &'a [analysis::SourceFile],
    host: &'a dyn Host,
    cache: HashMap<std::path::PathBuf, Option<LineIndex>>,
}

impl OtherFiles<'_> {
    fn location(&mut self, path: &Path, enc: Encoding, r: TextRange) -> Option<(Uri, lsp::Range)> {
        let index = self
            .cache
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = match self.sources.iter().find(|f| f.path == path) {
                    Some(f) => f.text.clone(),
                    None => {
                        let raw = self.host.read_file(path)?;
                        syntax::normalize_newlines(&raw).0.into_owned()
                    }
                };
                Some(LineIndex::new(&text))
            })
            .as_ref()?;
        Some((Uri::from_file_path(path)?, line_map::range(index, enc, r)))
    }
}

/// Edit text in the document's own line endings.
pub(crate) fn edit_text(doc: &Document, text: &str) -> String {
    match doc.line_endings {
        LineEndings::Dos => text.replace('\n', "\r\n"),
        _ => text.to_string(),
    }
}

pub(crate) fn text_edit(doc: &Document, enc: Encoding, e: &analysis::TextEdit) -> lsp::TextEdit {
    lsp::TextEdit {
        range: range(doc, enc, e.range),
        new_text: edit_text(doc, &e.new_text),
    }
}

/// A workspace edit on one document, tied to its version when the client supports it (so a
/// stale edit is refused by the client instead of corrupting the text).
pub(crate) fn workspace_edit(
    doc: &Document,
    session: &Session,
    edits: &[analysis::TextEdit],
) -> lsp::WorkspaceEdit {
    let edits: Vec<lsp::TextEdit> = edits
        .iter()
        .map(|e| text_edit(doc, session.encoding, e))
        .collect();
    if session.document_changes {
        lsp::WorkspaceEdit {
            document_changes: Some(lsp::DocumentChanges::Edits(vec![lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    uri: doc.uri.clone(),
                    version: Some(doc.version),
                },
                edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
            }])),
            ..Default::default()
        }
    } else {
        lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
            ..Default::default()
        }
    }
}

pub(crate) fn symbol_kind(kind: ide::SymbolKind) -> lsp::SymbolKind {
    match kind {
        ide::SymbolKind::Resource => lsp::SymbolKind::MODULE,
        ide::SymbolKind::Function => lsp::SymbolKind::FUNCTION,
        ide::SymbolKind::Trigger => lsp::SymbolKind::EVENT,
        ide::SymbolKind::Domain => lsp::SymbolKind::NAMESPACE,
        ide::SymbolKind::Variable => lsp::SymbolKind::VARIABLE,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written out.
pub(crate) fn document_symbol(
    doc: &Document,
    enc: Encoding,
    s: &ide::Symbol,
) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: if s.name.is_empty() {
            "(unnamed)".into()
        } else {
            s.name.clone()
        },
        detail: s.detail.clone(),
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: range(doc, enc, s.range),
        selection_range: range(doc, enc, s.selection_range),
        children: (!s.children.is_empty()).then(|| {
            s.children
                .iter()
                .map(|c| document_symbol(doc, enc, c))
                .collect()
        }),
    }
}

/// Flat symbols for clients without hierarchical support (the container is the parent's name).
#[allow(deprecated)]
pub(crate) fn flat_symbols(
    doc: &Document,
    enc: Encoding,
    symbols: &[ide::Symbol],
    container: Option<&str>,
    out: &mut Vec<lsp::SymbolInformation>,
) {
    for s in symbols {
        out.push(lsp::SymbolInformation {
            name: s.name.clone(),
            kind: symbol_kind(s.kind),
            tags: None,
            deprecated: None,
            location: lsp::Location {
                uri: doc.uri.clone(),
                range: range(doc, enc, s.selection_range),
            },
            container_name: container.map(str::to_string),
        });
        flat_symbols(doc, enc, &s.children, Some(&s.name), out);
    }
}

pub(crate) fn completion_item(
    doc: &Document,
    session: &Session,
    item: &ide::CompletionItem,
) -> Option<lsp::CompletionItem> {
    if item.is_snippet && !session.snippets {
        return None;
    }
    let kind = match item.kind {
        ide::CompletionKind::Property => lsp::CompletionItemKind::PROPERTY,
        ide::CompletionKind::Value => lsp::CompletionItemKind::VALUE,
        ide::CompletionKind::Variable => lsp::CompletionItemKind::VARIABLE,
        ide::CompletionKind::Resource => lsp::CompletionItemKind::MODULE,
        ide::CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
    };
    Some(lsp::CompletionItem {
        label: item.label.clone(),
        kind: Some(kind),
        detail: item.detail.clone(),
        documentation: item.documentation.as_ref().map(|d| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: d.clone(),
            })
        }),
        sort_text: Some(item.sort_text.clone()),
        filter_text: None,
        insert_text_format: Some(if item.is_snippet {
            lsp::InsertTextFormat::SNIPPET
        } else {
            lsp::InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range: range(doc, session.encoding, item.replace_range),
            new_text: edit_text(doc, &indent_continuation_lines(doc, item)),
        })),
        // Lines after the first already carry the cursor line's indentation: clients must not
        // add it again (VS Code would by default; Neovim never does).
        insert_text_mode: item
            .insert_text
            .contains('\n')
            .then_some(lsp::InsertTextMode::AS_IS),
        ..Default::default()
    })
}

/// Analysis indents the lines of a multi-line item relative to the cursor's line; the client
/// inserts them as they are, so add that line's indentation here.
fn indent_continuation_lines(doc: &Document, item: &ide::CompletionItem) -> String {
    if !item.insert_text.contains('\n') {
        return item.insert_text.clone();
    }
    let start = usize::from(item.replace_range.start()).min(doc.text.len());
    let line_start = doc.text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = doc.text[line_start..]
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    item.insert_text.replace('\n', &format!("\n{indent}"))
}

/// The code of drift diagnostics.
pub(crate) const DRIFT_CODE: &str = "remote-drift";

/// A drift finding as an Information diagnostic `remote-drift`.
pub(crate) fn drift_diagnostic(
    doc: &Document,
    enc: Encoding,
    finding: &crate::drift::present::Finding,
) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: range(doc, enc, finding.range),
        severity: Some(lsp::DiagnosticSeverity::INFORMATION),
        code: Some(lsp::NumberOrString::String(DRIFT_CODE.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        related_information: None,
        tags: None,
        data: None,
    }
}
