//! Text machinery of the legacy conversion: a line editor that deletes, re-indents and inserts
//! lines while keeping every comment, a small block-YAML emitter for generated parts, and a line
//! diff that turns the rewritten text into reviewable edits.

use syntax::{TextRange, TextSize};

use crate::diagnostic::TextEdit;
use crate::value::{Kind, Value};

#[derive(Default, Clone)]
struct LineOp {
    delete: bool,
    /// Replaces the whole line (without its newline).
    replace: Option<String>,
    dedent: usize,
    /// Replacements inside the line: absolute byte range and text.
    inline: Vec<(usize, usize, String)>,
    before: Vec<String>,
    after: Vec<String>,
}

pub(crate) struct LineEditor<'a> {
    text: &'a str,
    starts: Vec<usize>,
    ops: Vec<LineOp>,
}

impl<'a> LineEditor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' && i + 1 < text.len() {
                starts.push(i + 1);
            }
        }
        let n = starts.len();
        LineEditor {
            text,
            starts,
            ops: vec![LineOp::default(); n],
        }
    }

    pub(crate) fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The line's text without its newline.
    pub(crate) fn line(&self, line: usize) -> &'a str {
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |&s| s - 1);
        self.text[start..end].trim_end_matches('\n')
    }

    pub(crate) fn column(&self, offset: usize) -> usize {
        offset - self.starts[self.line_of(offset)]
    }

    /// The last line of a range (a range ending right after a newline ends on the line before).
    pub(crate) fn last_line(&self, range: TextRange) -> usize {
        let end = usize::from(range.end());
        let start = usize::from(range.start());
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\n') {
            self.line_of(end - 1)
        } else {
            self.line_of(end.max(start))
        }
    }

    pub(crate) fn replace(&mut self, range: TextRange, text: impl Into<String>) {
        let start = usize::from(range.start());
        let line = self.line_of(start);
        self.ops[line]
            .inline
            .push((start, usize::from(range.end()), text.into()));
    }

    pub(crate) fn dedent(&mut self, lines: std::ops::RangeInclusive<usize>, by: usize) {
        for l in lines {
            self.ops[l].dedent += by;
        }
    }

    pub(crate) fn insert_before(&mut self, line: usize, text: impl Into<String>) {
        self.ops[line].before.push(text.into());
    }

    pub(crate) fn insert_after(&mut self, line: usize, text: impl Into<String>) {
        self.ops[line].after.push(text.into());
    }

    /// Removes the lines, keeping their comments: a comment-only line stays, a line with a
    /// trailing comment becomes that comment at the line's indentation.
    pub(crate) fn delete_lines(&mut self, lines: std::ops::RangeInclusive<usize>) {
        for l in lines {
            let text = self.line(l);
            let trimmed = text.trim_start();
            if trimmed.starts_with('#') {
                continue;
            }
            match trailing_comment(text) {
                Some(at) => {
                    let indent = &text[..text.len() - trimmed.len()];
                    self.ops[l].replace = Some(format!("{indent}{}", &text[at..]));
                }
                None => self.ops[l].delete = true,
            }
        }
    }

    /// Removes a line outright, comments included (for content re-inserted elsewhere).
    pub(crate) fn drop_line(&mut self, line: usize) {
        self.ops[line].delete = true;
        self.ops[line].replace = None;
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 256);
        for (i, op) in self.ops.iter().enumerate() {
            for b in &op.before {
                out.push_str(b);
            }
            let has_newline = self
                .starts
                .get(i + 1)
                .is_some_and(|&s| self.text.as_bytes().get(s - 1) == Some(&b'\n'))
                || (i + 1 == self.starts.len() && self.text.ends_with('\n'));
            if !op.delete {
                let mut line = match &op.replace {
                    Some(r) => r.clone(),
                    None => {
                        let start = self.starts[i];
                        let mut line = self.line(i).to_string();
                        let mut inline = op.inline.clone();
                        inline.sort_by_key(|e| std::cmp::Reverse(e.0));
                        for (s, e, t) in inline {
                            let (s, e) = (s - start, (e - start).min(line.len()));
                            if s <= e && line.is_char_boundary(s) && line.is_char_boundary(e) {
                                line.replace_range(s..e, &t);
                            }
                        }
                        line
                    }
                };
                let spaces = line.len() - line.trim_start_matches(' ').len();
                line.drain(..spaces.min(op.dedent));
                out.push_str(&line);
                if has_newline {
                    out.push('\n');
                }
            }
            for a in &op.after {
                if !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(a);
            }
        }
        out
    }
}

/// Byte index of a `#` comment that follows content on the line (outside quotes).
pub(crate) fn trailing_comment(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => {
                if (c == '\'' || c == '"') && prev_space {
                    quote = Some(c);
                } else if c == '#' && prev_space {
                    return Some(i);
                }
            }
        }
        prev_space = c == ' ' || c == '\t';
    }
    None
}

/// A scalar as YAML text: plain when it reads back as the same string, quoted otherwise.
pub(crate) fn scalar(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !s.contains('\n')
        && !s.starts_with([
            '{', '[', '*', '&', '!', '|', '>', '%', '@', '`', '"', '\'', ' ',
        ])
        && !s.ends_with(' ')
        && {
            let parse = syntax::parse(&format!("k: {s}\n"));
            !parse.has_errors()
                && parse.tree.root().is_some_and(|r| {
                    parse.tree.get(r, "k").is_some_and(|e| {
                        parse.tree.scalar(e.value).is_some_and(|sc| {
                            sc.text == s && sc.value == syntax::ScalarValue::String
                        })
                    })
                })
        };
    if plain_ok {
        s.to_string()
    } else if s.contains('\n') {
        serde_json::Value::String(s.to_string()).to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn inline_value(v: &Value) -> Option<String> {
    Some(match &v.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => crate::value::js_number(*f),
        Kind::Str(s) => scalar(s),
        Kind::Unknown(u) => scalar(&u.text),
        Kind::List(l) if l.is_empty() => "[]".into(),
        Kind::Map(m) if m.is_empty() => "{}".into(),
        _ => return None,
    })
}

/// Block YAML for `key: value` at `indent` spaces, ending with a newline.
pub(crate) fn emit_entry(key: &str, value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match inline_value(value) {
        Some(v) => format!("{pad}{}: {v}\n", scalar(key)),
        None => format!("{pad}{}:\n{}", scalar(key), emit_block(value, indent + 2)),
    }
}

/// Block YAML for a map or list whose items start at `indent` spaces.
pub(crate) fn emit_block(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    match &value.kind {
        Kind::Map(members) => {
            for m in members {
                out.push_str(&emit_entry(&m.key, &m.value, indent));
            }
        }
        Kind::List(items) => {
            for item in items {
                match inline_value(item) {
                    Some(v) => out.push_str(&format!("{pad}- {v}\n")),
                    None => {
                        let inner = emit_block(item, indent + 2);
                        // The first line of the item goes after the dash.
                        out.push_str(&format!(
                            "{pad}- {}",
                            &inner[(indent + 2).min(inner.len())..]
                        ));
                    }
                }
            }
        }
        _ => {
            if let Some(v) = inline_value(value) {
                out.push_str(&format!("{pad}{v}\n"));
            }
        }
    }
    out
}

/// Edits turning `old` into `new`, one per changed run of lines.
pub(crate) fn line_diff(old: &str, new: &str) -> Vec<TextEdit> {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let (n, m) = (a.len(), b.len());
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut offsets = Vec::with_capacity(n + 1);
    let mut at = 0;
    for l in &a {
        offsets.push(at);
        at += l.len();
    }
    offsets.push(at);
    let mut edits = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        let (si, sj) = (i, j);
        while (i < n || j < m) && !(i < n && j < m && a[i] == b[j]) {
            if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
                j += 1;
            } else {
                i += 1;
            }
        }
        let range = TextRange::new(
            TextSize::from(offsets[si] as u32),
            TextSize::from(offsets[i] as u32),
        );
        edits.push(TextEdit {
            range,
            new_text: b[sj..j].concat(),
        });
    }
    edits
}
