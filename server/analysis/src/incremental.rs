//! Fast diagnostics after an edit (D4): when the edit stays inside one resource of a block-style
//! 3.0.0 file, only that resource and the resources linked to it by `${resources.X...}` (both
//! ways, transitively for what they need) are checked again, in a small synthetic document made
//! of the file's top level and those resources; every other diagnostic is carried over from the
//! text before (an [`EditBase`]), shifted by the edit. Anything this cannot prove safe (anchors, an
//! `extend` base, a key or top-level edit, a syntax error, a changed set of resources) returns
//! `None` and the caller runs the full [`check`](crate::check). The full check stays the
//! authority: callers run it afterwards and correct what differs (e.g. cross-resource
//! duplicate function names).

use std::collections::HashMap;

use syntax::{NodeId, NodeKind, TextRange, TextSize};

use crate::check::{Analysis, CheckOptions, FileInput, check};
use crate::diagnostic::{Diagnostic, Related, TextEdit};
use crate::host::Host;
use crate::model::Edition;

/// More linked resources than this: a full check is as cheap.
const MAX_SELECTED: usize = 64;

/// What the fast path needs to know about the text before an edit: small (no tree, no model),
/// so the full analysis it came from can be dropped. Built from a full analysis, or returned by
/// [`diagnostics_after_edit`] for the edited text, so edits chain without a full check between.
#[derive(Clone, Debug)]
pub struct EditBase {
    text: String,
    diagnostics: Vec<Diagnostic>,
    /// The resources, as line-aligned spans of `text`.
    spans: Vec<Span>,
    /// For each resource, the resources its text names as `resources.NAME`.
    refs: Vec<Vec<usize>>,
    /// The line after the `resources` block.
    block_end: TextSize,
}

impl EditBase {
    /// `None` when edits to this file cannot be handled incrementally: not edition 3.0.0, a
    /// registry template, an `extend` base, syntax errors or warnings, anchors or aliases, or
    /// `resources` not written as a block mapping with its keys at line starts.
    pub fn new(analysis: &Analysis) -> Option<EditBase> {
        let file = analysis.sources.files.first()?;
        let model = analysis.model.as_ref()?;
        if model.edition != Edition::V3
            || model.registry_template
            || analysis.sources.files.len() != 1
            || !file.parse.errors.is_empty()
        {
            return None;
        }
        let tree = file.tree();
        if (0..tree.len()).any(|i| {
            let node = tree.node(NodeId::from_index(i));
            node.anchor.is_some() || matches!(node.kind, NodeKind::Alias(_))
        }) {
            return None;
        }
        let text = file.text.as_str();
        let root = tree.root()?;
        let resources = tree.get(root, "resources")?;
        if resources.via.is_some() || tree.node(resources.value).flow {
            return None;
        }
        let entries = &tree.mapping(resources.value)?.entries;
        let mut spans: Vec<Span> = Vec::with_capacity(entries.len());
        for entry in entries {
            let key = tree.range(entry.key);
            let line_start = line_start(text, key.start());
            if !text[usize::from(line_start)..usize::from(key.start())]
                .bytes()
                .all(|b| b == b' ')
            {
                return None;
            }
            spans.push(Span {
                name: tree.key_text(entry.key),
                start: line_start,
                key_end: key.end(),
                end: TextSize::from(0),
            });
        }
        let block_end = next_line_start(text, tree.range(resources.value).end());
        for i in 0..spans.len() {
            spans[i].end = spans.get(i + 1).map_or(block_end, |next| next.start);
        }
        let index = name_index(&spans);
        let refs = spans
            .iter()
            .map(|s| referenced(&text[s.range()], &index))
            .collect();
        Some(EditBase {
            text: text.to_string(),
            diagnostics: analysis.diagnostics.clone(),
            spans,
            refs,
            block_end,
        })
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// What the fast path found for the edited text.
pub struct AfterEdit {
    /// The diagnostics of the whole edited text.
    pub diagnostics: Vec<Diagnostic>,
    /// The base for the next edit.
    pub base: EditBase,
    /// The analysis of the part that was checked again, for editor requests that come before
    /// the full analysis (hover, completion and definitions at the place just edited).
    pub partial: Partial,
}

/// The analysis of the synthetic document the fast path checked — the file's top level and the
/// resources it re-checked — with the map between its offsets and those of the real text.
pub struct Partial {
    pub analysis: Analysis,
    segments: Vec<Segment>,
}

impl Partial {
    /// The offset in [`Partial::analysis`] of an offset of the real text, when that part of the
    /// real text is in the synthetic document.
    pub fn to_partial(&self, real: TextSize) -> Option<TextSize> {
        let last = self.segments.len().saturating_sub(1);
        self.segments.iter().enumerate().find_map(|(i, s)| {
            let inside = s.original.contains(real) || (i == last && real == s.original.end());
            inside.then(|| s.synthetic + (real - s.original.start()))
        })
    }

    /// The real-text range of a range of [`Partial::analysis`].
    pub fn to_real(&self, range: TextRange) -> TextRange {
        let map = OffsetMap {
            segments: self.segments.clone(),
        };
        let start = map.map(range.start());
        TextRange::new(start, map.map(range.end()).max(start))
    }
}

/// The diagnostics of `input.text`, given the base of an earlier text of the same file, with
/// the base for the next edit and the analysis of the part checked again.
pub fn diagnostics_after_edit(
    base: &EditBase,
    input: &FileInput<'_>,
    host: &dyn Host,
    options: CheckOptions,
) -> Option<AfterEdit> {
    let old = base.text.as_str();
    let new = input.text;
    if old == new {
        return None;
    }
    let edit = Edit::between(old, new);
    if edit.inserted(new).contains(['&', '*']) {
        return None;
    }
    // Function names are compared across resources (`duplicate-function`): an edit that
    // changes such a line, or a file that has the finding, gets the full check.
    if base
        .diagnostics
        .iter()
        .any(|d| d.code == "duplicate-function")
        || named_lines(lines_around(old, edit.start, edit.old_end))
            != named_lines(lines_around(new, edit.start, edit.new_end))
    {
        return None;
    }
    let spans = &base.spans;
    // The edited resource: the change lies after its key and within its span.
    let edited = spans
        .iter()
        .position(|s| edit.start > s.key_end && edit.old_end <= s.end)?;
    let new_spans: Vec<Span> = spans
        .iter()
        .map(|s| Span {
            name: s.name.clone(),
            start: edit.map_old(s.start, true),
            key_end: edit.map_old(s.key_end, true),
            end: edit.map_old(s.end, false),
        })
        .collect();
    // Every line of the edited resource after its key must stay inside it (indented deeper
    // than the key); otherwise the edit moved the structure around it.
    let span_text = &new[new_spans[edited].range()];
    let key_indent = span_text.len() - span_text.trim_start_matches(' ').len();
    if span_text.lines().skip(1).any(|line| {
        let content = line.trim_start_matches(' ');
        !(content.is_empty() || content.starts_with('#'))
            && line.len() - content.len() <= key_indent
    }) {
        return None;
    }
    let mut refs = base.refs.clone();
    refs[edited] = referenced(&new[new_spans[edited].range()], &name_index(spans));

    // Which resources to check again.
    let mut selected = vec![false; spans.len()];
    let mut stack = vec![edited];
    // Dependents of the edited resource see its new values.
    for (j, r) in refs.iter().enumerate() {
        if r.contains(&edited) {
            stack.push(j);
        }
    }
    // Everything selected needs what it references.
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut selected[i], true) {
            continue;
        }
        stack.extend(refs[i].iter().copied().filter(|&j| !selected[j]));
    }
    let chosen: Vec<usize> = (0..spans.len()).filter(|&i| selected[i]).collect();
    if chosen.len() > MAX_SELECTED {
        return None;
    }

    // The synthetic document: top level before the resources, the chosen resources, the rest.
    let block_end = edit.map_old(base.block_end, false);
    let first = new_spans.first().map_or(block_end, |s| s.start);
    let mut synthetic = String::new();
    let mut segments = Vec::new();
    let mut push = |synthetic: &mut String, range: TextRange| {
        segments.push(Segment {
            synthetic: TextSize::of(synthetic.as_str()),
            original: range,
        });
        synthetic.push_str(&new[range]);
    };
    push(&mut synthetic, TextRange::new(TextSize::from(0), first));
    for &i in &chosen {
        push(&mut synthetic, new_spans[i].range());
    }
    push(&mut synthetic, TextRange::new(block_end, TextSize::of(new)));
    let map = OffsetMap { segments };

    let result = check(
        &FileInput {
            path: input.path,
            text: &synthetic,
            workspace: input.workspace,
        },
        host,
        options,
    );
    let result_model = result.model.as_ref()?;
    if result.sources.files.len() != 1 || !result.sources.files[0].parse.errors.is_empty() {
        return None;
    }
    let names: Vec<&str> = result_model
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    if names.len() != chosen.len() || chosen.iter().zip(&names).any(|(&i, n)| spans[i].name != *n) {
        return None;
    }

    // Old diagnostics outside the chosen resources, shifted; new ones inside them, mapped.
    let chosen_old: Vec<TextRange> = chosen.iter().map(|&i| spans[i].range()).collect();
    let chosen_new: Vec<TextRange> = chosen.iter().map(|&i| new_spans[i].range()).collect();
    let mut out: Vec<Diagnostic> = base
        .diagnostics
        .iter()
        .filter(|d| !chosen_old.iter().any(|r| r.contains(d.range.start())))
        .map(|d| shift(d, &|o, is_start| edit.map_old(o, is_start)))
        .collect();
    for d in &result.diagnostics {
        let mapped = map.map(d.range.start());
        if !chosen_new.iter().any(|r| r.contains(mapped)) {
            continue;
        }
        out.push(shift(d, &|o, _| map.map(o)));
    }
    // The order of the full check.
    out.sort_by_key(|d| (d.range.start(), d.severity));
    let next = EditBase {
        text: new.to_string(),
        diagnostics: out.clone(),
        spans: new_spans,
        refs,
        block_end,
    };
    Some(AfterEdit {
        diagnostics: out,
        base: next,
        partial: Partial {
            analysis: result,
            segments: map.segments,
        },
    })
}

fn name_index(spans: &[Span]) -> HashMap<&str, usize> {
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect()
}

#[derive(Clone, Debug)]
struct Span {
    name: String,
    /// Start of the key's line.
    start: TextSize,
    key_end: TextSize,
    /// Start of the next resource's key line (or the line after the block).
    end: TextSize,
}

impl Span {
    fn range(&self) -> TextRange {
        TextRange::new(self.start, self.end)
    }
}

/// The changed bytes: `old[start..old_end]` became `new[start..new_end]`.
struct Edit {
    start: TextSize,
    old_end: TextSize,
    new_end: TextSize,
}

impl Edit {
    fn between(old: &str, new: &str) -> Edit {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let mut prefix = common_prefix(a, b);
        while !(old.is_char_boundary(prefix) && new.is_char_boundary(prefix)) {
            prefix -= 1;
        }
        let max_suffix = a.len().min(b.len()) - prefix;
        let mut suffix = common_suffix(&a[prefix..], &b[prefix..]).min(max_suffix);
        while !(old.is_char_boundary(old.len() - suffix)
            && new.is_char_boundary(new.len() - suffix))
        {
            suffix -= 1;
        }
        let size = |n: usize| TextSize::from(u32::try_from(n).unwrap_or(u32::MAX));
        Edit {
            start: size(prefix),
            old_end: size(old.len() - suffix),
            new_end: size(new.len() - suffix),
        }
    }

    fn inserted<'a>(&self, new: &'a str) -> &'a str {
        new.get(usize::from(self.start)..usize::from(self.new_end))
            .unwrap_or_default()
    }

    /// An old offset in the new text. Offsets inside the changed bytes go to the change's start
    /// (`is_start`) or end.
    fn map_old(&self, offset: TextSize, is_start: bool) -> TextSize {
        if offset < self.start || (offset == self.start && is_start) {
            offset
        } else if offset >= self.old_end {
            offset - self.old_end + self.new_end
        } else if is_start {
            self.start
        } else {
            self.new_end
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    synthetic: TextSize,
    original: TextRange,
}

/// Synthetic-document offsets → offsets in the real text.
struct OffsetMap {
    segments: Vec<Segment>,
}

impl OffsetMap {
    fn map(&self, offset: TextSize) -> TextSize {
        let i = self
            .segments
            .partition_point(|s| s.synthetic <= offset)
            .saturating_sub(1);
        match self.segments.get(i) {
            Some(s) => (s.original.start() + (offset - s.synthetic)).min(s.original.end()),
            None => offset,
        }
    }
}

fn shift(d: &Diagnostic, f: &dyn Fn(TextSize, bool) -> TextSize) -> Diagnostic {
    let range = |r: TextRange| {
        let start = f(r.start(), true);
        TextRange::new(start, f(r.end(), false).max(start))
    };
    let mut d = d.clone();
    d.range = range(d.range);
    for Related { file, range: r, .. } in &mut d.related {
        if file.is_none() {
            *r = range(*r);
        }
    }
    for fix in &mut d.fixes {
        for TextEdit { range: r, .. } in &mut fix.edits {
            *r = range(*r);
        }
    }
    d
}

/// Length of the common prefix, compared a block at a time (the texts can be megabytes).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let (mut i, la, lb) = (0, a.len(), b.len());
    while i + BLOCK <= n && a[la - i - BLOCK..la - i] == b[lb - i - BLOCK..lb - i] {
        i += BLOCK;
    }
    i + a[..la - i]
        .iter()
        .rev()
        .zip(b[..lb - i].iter().rev())
        .take(n - i)
        .take_while(|(x, y)| x == y)
        .count()
}

/// The whole lines that `start..end` touches (a range ending right after a line break stops
/// there).
fn lines_around(text: &str, start: TextSize, end: TextSize) -> &str {
    let end = end.min(TextSize::of(text));
    let (s, e) = (usize::from(start), usize::from(end));
    let from = usize::from(line_start(text, start));
    let to = if e > s && text.as_bytes().get(e - 1) == Some(&b'\n') {
        e
    } else {
        usize::from(next_line_start(text, end))
    };
    text.get(from..to).unwrap_or_default()
}

/// The `functionName` lines of a text, to see whether an edit changed any.
fn named_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("functionName"))
        .map(str::trim)
        .collect()
}

fn line_start(text: &str, offset: TextSize) -> TextSize {
    let before = &text[..usize::from(offset)];
    TextSize::from(before.rfind('\n').map_or(0, |i| i as u32 + 1))
}

fn next_line_start(text: &str, offset: TextSize) -> TextSize {
    let from = usize::from(offset);
    match text[from..].find('\n') {
        Some(i) => TextSize::from((from + i + 1) as u32),
        None => TextSize::of(text),
    }
}

/// Indices of the resources a text names as `resources.NAME` (any `${...}` form).
fn referenced(text: &str, index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("resources.") {
        rest = &rest[at + "resources.".len()..];
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if let Some(&i) = index.get(&rest[..name_len])
            && !out.contains(&i)
        {
            out.push(i);
        }
    }
    out
}
