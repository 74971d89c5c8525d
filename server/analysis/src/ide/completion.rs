//! Completion: keys valid at the cursor, enum values, `${` names, snippets.
//!
//! The text may not parse while the user types (a lone `  memo` line), so the context comes
//! from the cursor's line (indentation, `- `, `key:`) and the nearest written line above it,
//! located in the (possibly partial) tree by walking down from the root; when that line lies
//! past a syntax error, an indentation scan of the raw text stands in. Nothing is re-checked:
//! the schema at the path (fc3, fc3-domain, legacy fc, top level; trigger configs by their
//! `triggerType`) gives keys and values, the model gives `${` names.

use std::path::Path;

use serde_json::Value as Json;
use syntax::{NodeId, ScalarStyle, TextRange, TextSize, Tree};

use super::cursor::{self, Seg};
use super::{CompletionItem, CompletionKind};
use crate::value::{FileId, Kind, Member, Origin, Value};
use crate::{Analysis, Host};

/// `text` is the current text (it may not parse: the user is typing); `analysis` is the newest
/// analysis of it; `path` is the file's path (its `.env` files are read through `host`).
pub fn completion(
    analysis: &Analysis,
    host: &dyn Host,
    path: &Path,
    offset: TextSize,
) -> Vec<CompletionItem> {
    let Some(file) = analysis.sources.files.first() else {
        return Vec::new();
    };
    let text = file.text.as_str();
    let offset = cursor::clamp(text, usize::from(offset));
    let ls = cursor::line_start(text, offset);
    let le = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = &text[ls..offset];
    let after = &text[offset..le];
    if before.trim_start().starts_with('#') || before.contains(" #") {
        return Vec::new();
    }
    if in_block_scalar(file.tree(), offset) {
        return Vec::new();
    }
    let line = parse_line(before);
    if let Some(open) = unclosed_expr(before) {
        let levels = context_levels(analysis, text, ls, line.key_col);
        return super::completion_expr::complete(
            analysis,
            host,
            path,
            &super::completion_expr::ExprCtx {
                text,
                offset,
                typed_start: ls + open + 2,
                after,
                levels: &levels,
            },
        );
    }
    let mut out = Vec::new();
    match &line.kind {
        LineKind::Value {
            key,
            word_start,
            in_list,
        } => {
            let start = ls + word_start;
            let end =
                offset + word_len(after, |c| !matches!(c, ' ' | ',' | ']' | '#' | '"' | '\''));
            let mut levels = context_levels(analysis, text, ls, line.key_col);
            if line.dashes > 0 {
                levels.push((Seg::Index(0), None));
            }
            levels.push((Seg::Key(key.clone()), None));
            let present = if *in_list {
                flow_items(before, after)
            } else {
                Vec::new()
            };
            value_items(
                analysis,
                &levels,
                *in_list,
                &present,
                cursor::range(start, end),
                &mut out,
            );
        }
        LineKind::Key { word_start } => {
            let start = ls + word_start;
            let end = offset + word_len(after, is_key_char);
            let replace = cursor::range(start, end);
            let has_colon = after[end - offset..].trim_start().starts_with(':');
            if line.dashes > 0 {
                // A list item: a new mapping item, or a scalar of an enum list (`- GET`).
                let mut levels = context_levels(analysis, text, ls, line.dash_col);
                let item_levels = {
                    let mut l = levels.clone();
                    l.push((Seg::Index(0), None));
                    l
                };
                let seq_doc = cursor::schema_at(analysis, &levels)
                    .map(|p| cursor::field_doc(p.schema, &p.field));
                if seq_doc.as_ref().is_some_and(|d| !d.item_enum.is_empty()) {
                    value_items(analysis, &levels, true, &[], replace, &mut out);
                    return finish(out);
                }
                trigger_snippets(analysis, &levels, replace, false, &mut out);
                levels = item_levels;
                key_items(
                    analysis, text, ls, &levels, None, replace, has_colon, &mut out,
                );
            } else {
                let levels = context_levels(analysis, text, ls, line.key_col);
                let parent_node = levels.last().and_then(|(_, n)| *n).or_else(|| {
                    if levels.is_empty() {
                        file.tree().root()
                    } else {
                        None
                    }
                });
                let own_key = (!before[line.key_col.min(before.len())..].is_empty() || has_colon)
                    .then(|| {
                        let w = &text[start..end];
                        w.to_string()
                    });
                key_items(
                    analysis,
                    text,
                    ls,
                    &levels,
                    own_key.as_deref(),
                    replace,
                    has_colon,
                    &mut out,
                );
                let _ = parent_node;
                if levels.len() == 1 && levels[0].0.as_key() == Some("resources") {
                    function_snippet(analysis, replace, &mut out);
                }
                trigger_snippets(analysis, &levels, replace, true, &mut out);
            }
        }
        LineKind::Nothing => {}
    }
    finish(out)
}

fn finish(mut out: Vec<CompletionItem>) -> Vec<CompletionItem> {
    out.sort_by(|a, b| a.sort_text.cmp(&b.sort_text).then(a.label.cmp(&b.label)));
    out.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    out
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$')
}

fn word_len(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.chars().take_while(|c| keep(*c)).map(char::len_utf8).sum()
}

fn in_block_scalar(tree: &Tree, offset: usize) -> bool {
    let loc = cursor::locate(tree, offset);
    let Some(last) = loc.steps.last() else {
        return false;
    };
    if loc.on_key {
        return false;
    }
    tree.scalar(last.value).is_some_and(|s| {
        matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded)
            && usize::from(tree.range(last.value).start()) < offset
    })
}

/// The byte index in `before` of a `${` not closed before the cursor.
pub(crate) fn unclosed_expr(before: &str) -> Option<usize> {
    let open = before.rfind("${")?;
    (!before[open..].contains('}')).then_some(open)
}

#[derive(Debug)]
enum LineKind {
    /// Typing a key (or nothing yet); `word_start` is relative to the line start.
    Key {
        word_start: usize,
    },
    /// After `key: `.
    Value {
        key: String,
        word_start: usize,
        /// Inside `[...]` (a flow list).
        in_list: bool,
    },
    Nothing,
}

#[derive(Debug)]
struct Line {
    /// Column of the first `-` (or of the key without dashes).
    dash_col: usize,
    dashes: usize,
    /// Column where the key starts (after indentation and `- `).
    key_col: usize,
    kind: LineKind,
}

/// Reads the line up to the cursor: indentation, `- ` markers, `key:` and the word typed.
fn parse_line(before: &str) -> Line {
    let indent = before.len() - before.trim_start_matches(' ').len();
    let mut col = indent;
    let mut dashes = 0;
    loop {
        let rest = &before[col..];
        if rest.starts_with("- ") || rest == "-" {
            dashes += 1;
            col += 1;
            col += before[col..].len() - before[col..].trim_start_matches(' ').len();
        } else {
            break;
        }
    }
    let rest = &before[col..];
    let colon = rest
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with(' '));
    let kind = match colon {
        Some(i) => {
            let key = rest[..i].trim().trim_matches(['"', '\'']).to_string();
            let value = &rest[i + 1..];
            let value_start = col + i + 1 + (value.len() - value.trim_start().len());
            let v = value.trim_start();
            if v.starts_with('{') || v.starts_with('|') || v.starts_with('>') || v.starts_with('&')
            {
                LineKind::Nothing
            } else if v.starts_with('[') {
                let last = v.rfind(['[', ',']).map_or(0, |i| i + 1);
                let word = &v[last..];
                let ws = value_start + last + (word.len() - word.trim_start().len());
                LineKind::Value {
                    key,
                    word_start: ws,
                    in_list: true,
                }
            } else {
                let quote = usize::from(v.starts_with(['"', '\'']));
                if v[quote..].contains(' ') {
                    LineKind::Nothing
                } else {
                    LineKind::Value {
                        key,
                        word_start: value_start + quote,
                        in_list: false,
                    }
                }
            }
        }
        None if rest.chars().all(is_key_char) => LineKind::Key { word_start: col },
        None => LineKind::Nothing,
    };
    Line {
        dash_col: indent,
        dashes,
        key_col: col,
        kind,
    }
}

/// The words already in a flow list around the cursor (`[GET, |]`).
fn flow_items(before: &str, after: &str) -> Vec<String> {
    let open = before.rfind('[').map_or(0, |i| i + 1);
    let close = after.find(']').unwrap_or(after.len());
    let mut out: Vec<String> = before[open..]
        .split(',')
        .chain(after[..close].split(','))
        .map(|w| w.trim().trim_matches(['"', '\'']).to_string())
        .filter(|w| !w.is_empty())
        .collect();
    // The word being typed is not "present".
    if !before.ends_with([',', ' ', '[']) {
        let typed: String = before[open..]
            .rsplit(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if let Some(i) = out.iter().position(|w| *w == typed) {
            out.remove(i);
        }
    }
    out
}

// ---- context ----

/// The path (with tree nodes where written) of the mapping whose keys start at `col` on the
/// line starting at `ls`: from the nearest written line above, by indentation.
pub(crate) fn context_levels(
    analysis: &Analysis,
    text: &str,
    ls: usize,
    col: usize,
) -> Vec<(Seg, Option<NodeId>)> {
    let tree = analysis.sources.tree(FileId::MAIN);
    let Some((prev_start, prev_end)) = prev_line(text, ls) else {
        return Vec::new();
    };
    let covered = tree
        .root()
        .is_some_and(|r| usize::from(tree.range(r).end()) >= prev_end && prev_end > 0);
    if !covered {
        return text_levels(text, ls, col);
    }
    let loc = cursor::locate(tree, prev_end);
    let mut steps: Vec<(Seg, Option<NodeId>, usize)> = Vec::new();
    for s in &loc.steps {
        let c = match s.seg {
            Seg::Key(_) => s
                .key
                .map_or(0, |k| column(text, usize::from(tree.range(k).start()))),
            Seg::Index(_) => dash_column(text, usize::from(tree.range(s.value).start())),
        };
        steps.push((s.seg.clone(), Some(s.value), c));
    }
    if steps.is_empty() && prev_start > 0 {
        return text_levels(text, ls, col);
    }
    for i in (0..steps.len()).rev() {
        let c = steps[i].2;
        if c < col {
            return steps[..=i]
                .iter()
                .map(|(s, n, _)| (s.clone(), *n))
                .collect();
        }
        if c == col {
            return steps[..i].iter().map(|(s, n, _)| (s.clone(), *n)).collect();
        }
    }
    Vec::new()
}

/// The nearest line above `ls` with content (not blank, not a comment): its content start and
/// the offset of its last content character.
fn prev_line(text: &str, ls: usize) -> Option<(usize, usize)> {
    let mut end = ls;
    while end > 0 {
        let start = cursor::line_start(text, end - 1);
        let line = &text[start..end - 1];
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            let content = start + (line.len() - line.trim_start().len());
            let last = start + line.trim_end().len();
            return Some((content, last.saturating_sub(1).max(content)));
        }
        end = start;
    }
    None
}

fn column(text: &str, offset: usize) -> usize {
    offset - cursor::line_start(text, offset)
}

/// The column of the `-` that introduces a sequence item starting at `offset`.
fn dash_column(text: &str, offset: usize) -> usize {
    let ls = cursor::line_start(text, offset);
    let before = &text[ls..offset];
    match before.trim_end().strip_suffix('-') {
        Some(head) => head.len(),
        None => column(text, offset).saturating_sub(2),
    }
}

/// The same from the raw text alone (the tree does not reach here): each line above with a
/// smaller indentation is an ancestor.
fn text_levels(text: &str, ls: usize, col: usize) -> Vec<(Seg, Option<NodeId>)> {
    let mut out: Vec<Seg> = Vec::new();
    let mut threshold = col;
    let mut after_item = false;
    let mut end = ls;
    while end > 0 && (threshold > 0 || after_item) {
        let start = cursor::line_start(text, end - 1);
        let line = &text[start..end - 1];
        end = start;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let parsed = parse_line(line);
        let key = split_key(&line[parsed.key_col.min(line.len())..]).map(|(k, _)| k);
        if after_item && parsed.key_col <= threshold && parsed.dashes == 0 {
            if let Some(k) = key {
                out.push(Seg::Key(k));
            }
            after_item = false;
            threshold = parsed.key_col;
            continue;
        }
        if parsed.key_col < threshold
            && let Some(k) = key
        {
            out.push(Seg::Key(k));
            threshold = parsed.key_col;
        }
        if parsed.dashes > 0 && parsed.dash_col < threshold {
            out.push(Seg::Index(0));
            threshold = parsed.dash_col;
            after_item = true;
        }
    }
    out.reverse();
    out.into_iter().map(|s| (s, None)).collect()
}

// ---- keys ----

#[allow(clippy::too_many_arguments)]
fn key_items(
    analysis: &Analysis,
    text: &str,
    ls: usize,
    levels: &[(Seg, Option<NodeId>)],
    own_key: Option<&str>,
    replace: TextRange,
    has_colon: bool,
    out: &mut Vec<CompletionItem>,
) {
    let tree = analysis.sources.tree(FileId::MAIN);
    let node = match levels.last() {
        Some((_, n)) => *n,
        None => tree.root(),
    };
    let mut instance = cursor::shallow(tree, node);
    let mut present: Vec<String> = instance
        .as_map()
        .map(|m| m.iter().map(|m| m.key.clone()).collect())
        .unwrap_or_default();
    if analysis.sources.files[0].parse.has_errors() || node.is_none() {
        let col = column(text, ls + leading(text, ls));
        for (k, v) in sibling_keys(text, ls, col) {
            if !present.contains(&k) {
                if let Kind::Map(m) = &mut instance.kind {
                    m.push(Member {
                        key: k.clone(),
                        key_site: None,
                        value: v.map_or_else(Value::null, |v| Value::str(v, Origin::default())),
                    });
                }
                present.push(k);
            }
        }
    }
    let Some(pos) = cursor::schema_at(analysis, levels) else {
        return;
    };
    let applicable = pos.applicable(&instance);
    let required = cursor::required(&applicable);
    let mut index = 0usize;
    for n in &applicable {
        let Some(props) = n.get("properties").and_then(Json::as_object) else {
            continue;
        };
        for (key, prop) in props {
            index += 1;
            if present.iter().any(|p| p == key) && own_key != Some(key.as_str()) {
                continue;
            }
            let doc = cursor::field_doc(pos.schema, &[prop]);
            let is_required = required.contains(&key.as_str());
            let mut detail = doc.types.join(" | ");
            if is_required {
                detail.push_str(" · required");
            }
            if let Some(d) = &doc.default {
                detail.push_str(&format!(" · default {}", cursor::json_scalar(d)));
            }
            let (insert_text, is_snippet) = if has_colon {
                (key.clone(), false)
            } else if doc.types.iter().any(|t| t == "object") && doc.types.len() == 1 {
                (format!("{key}:\n  $0"), true)
            } else if doc.types.iter().any(|t| t == "array") && doc.types.len() == 1 {
                if doc.item_enum.is_empty() {
                    (format!("{key}:\n  - $0"), true)
                } else {
                    (format!("{key}: [$0]"), true)
                }
            } else {
                (format!("{key}: "), false)
            };
            out.push(CompletionItem {
                label: key.clone(),
                kind: CompletionKind::Property,
                detail: (!detail.is_empty()).then_some(detail),
                documentation: doc.description.clone(),
                insert_text,
                is_snippet,
                replace_range: replace,
                sort_text: format!("{}{index:04}", if is_required { "0" } else { "1" }),
            });
        }
    }
}

fn leading(text: &str, ls: usize) -> usize {
    let line = &text[ls..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut n = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[n..];
    if rest.starts_with("- ") {
        n += 1 + (rest[1..].len() - rest[1..].trim_start().len());
    }
    n
}

/// `key: value` lines at column `col` around the cursor line, up to where the indentation
/// drops (for text that does not parse); bounded to 2,000 lines each way.
fn sibling_keys(text: &str, ls: usize, col: usize) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut take = |line: &str| -> bool {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return true;
        }
        let parsed = parse_line(line);
        if parsed.key_col < col && !(parsed.dashes > 0 && parsed.key_col == col) {
            return false;
        }
        if parsed.key_col == col
            && let Some((key, value)) = split_key(&line[col.min(line.len())..])
        {
            out.push((key, value));
        }
        true
    };
    // Below.
    let mut start = text[ls..].find('\n').map(|i| ls + i + 1);
    for _ in 0..2000 {
        let Some(s) = start.filter(|s| *s < text.len()) else {
            break;
        };
        let e = text[s..].find('\n').map_or(text.len(), |i| s + i);
        if !take(&text[s..e]) {
            break;
        }
        start = Some(e + 1);
    }
    // Above.
    let mut end = ls;
    for _ in 0..2000 {
        if end == 0 {
            break;
        }
        let s = cursor::line_start(text, end - 1);
        let line = &text[s..end - 1];
        let parsed_col = parse_line(line);
        let first_of_item = parsed_col.dashes > 0 && parsed_col.key_col == col;
        if !take(line) || first_of_item {
            break;
        }
        end = s;
    }
    out
}

/// `key: value` (or `key:`) of a line's content: the key and a non-empty scalar value.
fn split_key(content: &str) -> Option<(String, Option<String>)> {
    let colon = content
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| content[i + 1..].is_empty() || content[i + 1..].starts_with(' '))?;
    let key = content[..colon].trim().trim_matches(['"', '\'']);
    if key.is_empty() || key.contains(' ') {
        return None;
    }
    let value = content[colon + 1..].trim();
    let value = value.split(" #").next().unwrap_or_default().trim();
    let scalar = !value.is_empty() && !value.starts_with(['{', '[', '|', '>', '&', '*']);
    Some((
        key.to_string(),
        scalar.then(|| value.trim_matches(['"', '\'']).to_string()),
    ))
}

// ---- values ----

fn value_items(
    analysis: &Analysis,
    levels: &[(Seg, Option<NodeId>)],
    in_list: bool,
    present: &[String],
    replace: TextRange,
    out: &mut Vec<CompletionItem>,
) {
    let field = levels
        .last()
        .and_then(|(s, _)| s.as_key())
        .unwrap_or_default();
    let v3 = cursor::is_v3(analysis);
    if field == "component"
        && matches!(
            levels.first().and_then(|(s, _)| s.as_key()),
            Some("resources" | "services")
        )
        && levels.len() == 3
    {
        let names: &[&str] = if v3 {
            &["fc3", "fc3-domain"]
        } else {
            &["fc", "devsapp/fc", "fc-deploy"]
        };
        for (i, n) in names.iter().enumerate() {
            out.push(value_item(n, None, None, replace, format!("1{i:04}")));
        }
        return;
    }
    let Some(pos) = cursor::schema_at(analysis, levels) else {
        return;
    };
    let doc = cursor::field_doc(pos.schema, &pos.field);
    let values: Vec<Json> = if in_list {
        doc.item_enum.clone()
    } else if !doc.enum_values.is_empty() {
        doc.enum_values.clone()
    } else if doc.types.iter().any(|t| t == "boolean") {
        vec![Json::Bool(true), Json::Bool(false)]
    } else {
        Vec::new()
    };
    // Only scalar props are counted (region, runtime, …); list items are not ranked.
    let used = if in_list {
        Vec::new()
    } else {
        usage_counts(analysis, field)
    };
    for (i, v) in values.iter().enumerate() {
        let label = cursor::json_scalar(v);
        if present.contains(&label) {
            continue;
        }
        let count = used
            .iter()
            .find(|(u, _)| *u == label)
            .map_or(0, |(_, c)| *c);
        let sort = if count > 0 {
            format!("0{:08}", u32::MAX as usize - count.min(u32::MAX as usize))
        } else {
            format!("1{i:04}")
        };
        let detail = (count > 0).then(|| format!("used {count}× in this file"));
        out.push(value_item(
            &label,
            detail,
            doc.description.clone(),
            replace,
            sort,
        ));
    }
}

fn value_item(
    label: &str,
    detail: Option<String>,
    documentation: Option<String>,
    replace: TextRange,
    sort_text: String,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: CompletionKind::Value,
        detail,
        documentation,
        insert_text: label.to_string(),
        is_snippet: false,
        replace_range: replace,
        sort_text,
    }
}

/// How often each string value of prop `field` is used by the file's resources (and vars).
fn usage_counts(analysis: &Analysis, field: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let Some(model) = &analysis.model else {
        return out;
    };
    let mut add = |s: &str| match out.iter_mut().find(|(u, _)| u == s) {
        Some((_, c)) => *c += 1,
        None => out.push((s.to_string(), 1)),
    };
    for r in &model.resources {
        let v = r
            .props
            .get(field)
            .or_else(|| r.props.get("function").and_then(|f| f.get(field)));
        if let Some(s) = v.and_then(Value::as_str) {
            add(s);
        }
    }
    if let Some(s) = model.vars.get(field).and_then(Value::as_str) {
        add(s);
    }
    out
}

// ---- snippets ----

/// Escapes text for a snippet placeholder.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('}', "\\}")
}

fn function_snippet(analysis: &Analysis, replace: TextRange, out: &mut Vec<CompletionItem>) {
    if !cursor::is_v3(analysis) {
        return;
    }
    let mut regions = usage_counts(analysis, "region");
    regions.sort_by_key(|r| std::cmp::Reverse(r.1));
    let region = regions
        .first()
        .map_or_else(|| "cn-hangzhou".to_string(), |(r, _)| r.clone());
    let insert = format!(
        "${{1:my-function}}:\n  component: fc3\n  props:\n    region: ${{2:{}}}\n    functionName: ${{3:my-function}}\n    runtime: ${{4|python3.10,python3.12,nodejs20,nodejs18,java11,go1,custom.debian10|}}\n    handler: ${{5:index.handler}}\n    code: ${{6:./code}}\n    memorySize: ${{7:512}}\n    timeout: ${{8:60}}\n$0",
        esc(&region)
    );
    out.push(CompletionItem {
        label: "fc3 function".into(),
        kind: CompletionKind::Snippet,
        detail: Some("a new fc3 function resource".into()),
        documentation: Some(
            "A resource with `component: fc3` and the props every function needs.".into(),
        ),
        insert_text: insert,
        is_snippet: true,
        replace_range: replace,
        sort_text: "2fc3".into(),
    });
}

/// One snippet per trigger type when `levels` is a `triggers` list (`as_item`: the cursor is
/// where a new `- ` item starts) or an item of one (the `- ` is typed).
fn trigger_snippets(
    analysis: &Analysis,
    levels: &[(Seg, Option<NodeId>)],
    replace: TextRange,
    as_item: bool,
    out: &mut Vec<CompletionItem>,
) {
    let Some((Seg::Key(k), _)) = levels.last() else {
        return;
    };
    if k != "triggers" {
        return;
    }
    let Some(pos) = cursor::schema_at(analysis, levels) else {
        return;
    };
    let item_nodes = cursor::children(pos.schema, &pos.field, &Seg::Index(0));
    let Some(item) = item_nodes.first() else {
        return;
    };
    let item = crate::schema::follow_ref(pos.schema, item);
    let props = item.get("properties");
    let (name_key, type_key, config_key) = if props.and_then(|p| p.get("triggerType")).is_some() {
        ("triggerName", "triggerType", "triggerConfig")
    } else {
        ("name", "type", "config")
    };
    let types: Vec<String> = props
        .and_then(|p| p.get(type_key))
        .and_then(|t| t.get("enum"))
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for (i, t) in types.iter().enumerate() {
        let instance = Value::new(
            Kind::Map(vec![Member {
                key: type_key.into(),
                key_site: None,
                value: Value::str(t.clone(), Origin::default()),
            }]),
            Origin::default(),
        );
        let applicable = crate::schema::applicable_nodes(pos.schema, item, &instance);
        let config = cursor::children(pos.schema, &applicable, &Seg::Key(config_key.into()));
        let mut n = 2;
        let mut body = String::new();
        for c in config.iter().rev().take(1) {
            body = required_body(pos.schema, c, 1, &mut n);
        }
        let body = if body.is_empty() {
            " {}".to_string()
        } else {
            body
        };
        let name = t.replace('_', "-");
        let text =
            format!("{name_key}: ${{1:{name}-trigger}}\n{type_key}: {t}\n{config_key}:{body}\n$0");
        let (insert_text, label) = if as_item {
            let indented: Vec<String> = text
                .lines()
                .enumerate()
                .map(|(j, l)| {
                    if j == 0 {
                        format!("- {l}")
                    } else {
                        format!("  {l}")
                    }
                })
                .collect();
            (indented.join("\n"), format!("{t} trigger"))
        } else {
            (text, format!("{t} trigger"))
        };
        out.push(CompletionItem {
            label,
            kind: CompletionKind::Snippet,
            detail: Some(format!("a `{t}` trigger with its required fields")),
            documentation: None,
            insert_text,
            is_snippet: true,
            replace_range: replace,
            sort_text: format!("2{i:04}"),
        });
    }
}

/// The required fields of an object schema as indented YAML lines with placeholders.
fn required_body(
    schema: &crate::schema::Schema,
    node: &'static Json,
    depth: usize,
    n: &mut usize,
) -> String {
    let target = crate::schema::follow_ref(schema, node);
    let indent = "  ".repeat(depth);
    let Some(props) = target.get("properties").and_then(Json::as_object) else {
        return String::new();
    };
    let required: Vec<&str> = target
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut out = String::new();
    for key in required {
        let Some(prop) = props.get(key) else {
            continue;
        };
        let doc = cursor::field_doc(schema, &[prop]);
        let ty = doc.types.first().map(String::as_str).unwrap_or("string");
        out.push('\n');
        out.push_str(&indent);
        out.push_str(key);
        out.push(':');
        if !doc.enum_values.is_empty() {
            let choices: Vec<String> = doc
                .enum_values
                .iter()
                .map(|v| cursor::json_scalar(v).replace([',', '|'], ""))
                .collect();
            out.push_str(&format!(" ${{{n}|{}|}}", esc(&choices.join(","))));
            *n += 1;
        } else if ty == "array" && !doc.item_enum.is_empty() {
            out.push_str(&format!(
                "\n{indent}  - ${{{n}:{}}}",
                esc(&cursor::json_scalar(&doc.item_enum[0]))
            ));
            *n += 1;
        } else if ty == "object" {
            let inner = if depth < 3 {
                required_body(schema, prop, depth + 1, n)
            } else {
                String::new()
            };
            out.push_str(if inner.is_empty() { " {}" } else { &inner });
        } else if ty == "array" {
            out.push_str(&format!(" [${n}]"));
            *n += 1;
        } else if ty == "boolean" {
            out.push_str(&format!(" ${{{n}|true,false|}}"));
            *n += 1;
        } else {
            let placeholder = doc
                .default
                .as_ref()
                .map_or_else(|| key.to_string(), cursor::json_scalar);
            out.push_str(&format!(" ${{{n}:{}}}", esc(&placeholder)));
            *n += 1;
        }
    }
    out
}
