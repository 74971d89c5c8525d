//! saphyr-parser events → our tree, iteratively (no recursion, so deep input cannot overflow the
//! stack), with char → byte offset conversion, duplicate-key detection and the [`Limits`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};

use super::scalar::{self, TagEffect};
use super::{
    Limits, Mapping, Node, NodeId, NodeKind, Parse, Scalar, ScalarStyle, SyntaxError,
    SyntaxErrorKind, Tree, range_of,
};

enum Frame {
    Mapping {
        id: NodeId,
        pending_key: Option<NodeId>,
        /// FNV hash of each key's text → the first key node with it (duplicate detection).
        keys: HashMap<u64, NodeId, BuildHasherDefault<IdentityHasher>>,
    },
    Sequence {
        id: NodeId,
    },
}

impl Frame {
    fn id(&self) -> NodeId {
        match self {
            Frame::Mapping { id, .. } | Frame::Sequence { id } => *id,
        }
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets<'t>,
    limits: Limits,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    errors: Vec<SyntaxError>,
    documents: usize,
}

pub(super) fn build(text: &str, limits: Limits) -> Parse {
    if text.len() > limits.max_bytes {
        let error = SyntaxError {
            range: range_of(0, 0),
            kind: SyntaxErrorKind::TooLarge,
            message: format!(
                "the file is {} bytes, more than the {} bytes sdls reads; split it or use `extend`",
                text.len(),
                limits.max_bytes
            ),
        };
        return Parse {
            tree: Tree::default(),
            errors: vec![error],
        };
    }
    let mut b = Builder {
        text,
        offsets: CharOffsets::new(text),
        limits,
        nodes: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        errors: Vec::new(),
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                if !b.event(event, span) {
                    break;
                }
            }
            Err(err) => {
                let at = b.offsets.byte(err.marker().index());
                let end = next_char_end(text, at);
                b.errors.push(SyntaxError {
                    range: range_of(at, end),
                    kind: SyntaxErrorKind::Invalid,
                    message: format!("invalid YAML: {}", err.info()),
                });
                break;
            }
        }
    }
    // Close whatever an error left open so the partial tree is well formed.
    while let Some(frame) = b.stack.pop() {
        b.finish_collection(frame.id(), None);
    }
    Parse {
        tree: Tree {
            nodes: b.nodes,
            root: b.root,
        },
        errors: b.errors,
    }
}

impl Builder<'_> {
    /// Handles one event; `false` stops the build.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => true,
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    let at = self.offsets.byte(span.start.index());
                    self.errors.push(SyntaxError {
                        range: range_of(at, at + 3.min(self.text.len() - at)),
                        kind: SyntaxErrorKind::MultipleDocuments,
                        message: "a second YAML document starts here; Serverless Devs reads only the first".into(),
                    });
                    return false;
                }
                true
            }
            Event::Alias(anchor) => {
                let start = self.offsets.byte(span.start.index());
                let end = self.offsets.byte(span.end.index());
                let Some(&target) = self.anchors.get(&anchor) else {
                    self.errors.push(SyntaxError {
                        range: range_of(start, end),
                        kind: SyntaxErrorKind::Invalid,
                        message: "invalid YAML: unknown anchor".into(),
                    });
                    return false;
                };
                self.add(Node {
                    range: range_of(start, end),
                    kind: NodeKind::Alias(target),
                    anchor: None,
                    flow: false,
                })
            }
            Event::Scalar(value, style, anchor_id, tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    SaphyrStyle::Literal => ScalarStyle::Literal,
                    SaphyrStyle::Folded => ScalarStyle::Folded,
                };
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let start = self.offsets.byte(span.start.index());
                let end = self.offsets.byte(span.end.index());
                let written_start = start;
                let (anchor, start) = self.properties(start, end, anchor_id != 0);
                let (start, end) = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        self.block_scalar_range(start, end)
                    }
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        (start, quoted_end(self.text, start).unwrap_or(end))
                    }
                    ScalarStyle::Plain => (start, end),
                };
                let (value_type, effect) = scalar::resolve(&value, style, tag.as_deref());
                if let TagEffect::Unknown = effect {
                    self.errors.push(SyntaxError {
                        range: range_of(written_start, end),
                        kind: SyntaxErrorKind::UnknownTag,
                        message: format!(
                            "unknown YAML tag `{}`: Serverless Devs (js-yaml) rejects it; remove the tag",
                            tag.as_deref().unwrap_or_default()
                        ),
                    });
                }
                let node = Node {
                    range: range_of(start, end),
                    kind: NodeKind::Scalar(Scalar {
                        text: value.into_owned(),
                        style,
                        tag,
                        value: value_type,
                    }),
                    anchor,
                    flow: false,
                };
                let ok = self.add(node);
                if anchor_id != 0 {
                    self.anchors
                        .insert(anchor_id, NodeId(self.nodes.len() as u32 - 1));
                }
                ok
            }
            Event::MappingStart(anchor_id, tag) | Event::SequenceStart(anchor_id, tag)
                if self.stack.len() >= self.limits.max_depth =>
            {
                let _ = (anchor_id, tag);
                let at = self.offsets.byte(span.start.index());
                self.errors.push(SyntaxError {
                    range: range_of(at, next_char_end(self.text, at)),
                    kind: SyntaxErrorKind::TooDeep,
                    message: format!(
                        "nesting deeper than {} levels; s.yaml files never need this much",
                        self.limits.max_depth
                    ),
                });
                false
            }
            Event::MappingStart(anchor_id, tag) => self.start_collection(
                span,
                anchor_id,
                tag.as_deref().map(|t| format!("{}{}", t.handle, t.suffix)),
                true,
            ),
            Event::SequenceStart(anchor_id, tag) => self.start_collection(
                span,
                anchor_id,
                tag.as_deref().map(|t| format!("{}{}", t.handle, t.suffix)),
                false,
            ),
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(frame) = self.stack.pop() {
                    self.finish_collection(frame.id(), Some(span));
                }
                true
            }
        }
    }

    fn start_collection(
        &mut self,
        span: Span,
        anchor_id: usize,
        tag: Option<String>,
        mapping: bool,
    ) -> bool {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index()).max(start);
        let (anchor, start) = self.properties(
            start,
            end.max(self.text.len().min(start + 4096)),
            anchor_id != 0,
        );
        let flow = matches!(self.text.as_bytes().get(start), Some(b'{' | b'['));
        if let Some(tag) = &tag {
            let known = if mapping {
                "tag:yaml.org,2002:map"
            } else {
                "tag:yaml.org,2002:seq"
            };
            if tag != known && tag != "!" {
                self.errors.push(SyntaxError {
                    range: range_of(start, next_char_end(self.text, start)),
                    kind: SyntaxErrorKind::UnknownTag,
                    message: format!("unknown YAML tag `{tag}`: Serverless Devs (js-yaml) rejects it; remove the tag"),
                });
            }
        }
        let kind = if mapping {
            NodeKind::Mapping(Mapping::default())
        } else {
            NodeKind::Sequence(Vec::new())
        };
        if !self.add(Node {
            range: range_of(start, start),
            kind,
            anchor,
            flow,
        }) {
            return false;
        }
        let id = NodeId(self.nodes.len() as u32 - 1);
        if anchor_id != 0 {
            self.anchors.insert(anchor_id, id);
        }
        self.stack.push(if mapping {
            Frame::Mapping {
                id,
                pending_key: None,
                keys: HashMap::default(),
            }
        } else {
            Frame::Sequence { id }
        });
        true
    }

    fn finish_collection(&mut self, id: NodeId, end_span: Option<Span>) {
        let node = &self.nodes[id.index()];
        let start = usize::from(node.range.start());
        let mut end = start;
        if node.flow
            && let Some(span) = end_span
        {
            end = self.offsets.byte(span.end.index());
        }
        let last_child_end = match &node.kind {
            NodeKind::Mapping(m) => m.entries.last().map(|e| {
                usize::from(self.nodes[e.key.index()].range.end())
                    .max(usize::from(self.nodes[e.value.index()].range.end()))
            }),
            NodeKind::Sequence(items) => items
                .last()
                .map(|i| usize::from(self.nodes[i.index()].range.end())),
            _ => None,
        };
        end = end.max(last_child_end.unwrap_or(start));
        self.nodes[id.index()].range = range_of(start, end);
    }

    /// Adds a node and attaches it to the open collection; `false` when a limit stops the build.
    fn add(&mut self, node: Node) -> bool {
        if self.nodes.len() >= self.limits.max_nodes {
            self.errors.push(SyntaxError {
                range: node.range,
                kind: SyntaxErrorKind::TooLarge,
                message: format!(
                    "more than {} YAML nodes; sdls stops reading here",
                    self.limits.max_nodes
                ),
            });
            return false;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(node);
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(id);
                }
            }
            Some(Frame::Sequence { id: seq }) => {
                if let NodeKind::Sequence(items) = &mut self.nodes[seq.index()].kind {
                    items.push(id);
                }
            }
            Some(Frame::Mapping {
                id: map,
                pending_key,
                keys,
            }) => match pending_key.take() {
                None => *pending_key = Some(id),
                Some(key) => {
                    let map = *map;
                    if let NodeKind::Scalar(s) = &self.nodes[key.index()].kind {
                        let is_merge = s.text == "<<" && s.style == ScalarStyle::Plain;
                        if !is_merge {
                            let hash = fnv(s.text.as_bytes());
                            let duplicate = match keys.get(&hash) {
                                Some(&first) => match &self.nodes[first.index()].kind {
                                    NodeKind::Scalar(f) => f.text == s.text,
                                    _ => false,
                                },
                                None => {
                                    keys.insert(hash, key);
                                    false
                                }
                            };
                            if duplicate {
                                let message = format!(
                                    "duplicate key `{}`: Serverless Devs (js-yaml) rejects the file; remove one of them",
                                    s.text
                                );
                                let range = self.nodes[key.index()].range;
                                self.errors.push(SyntaxError {
                                    range,
                                    kind: SyntaxErrorKind::DuplicateKey,
                                    message,
                                });
                            }
                        }
                    }
                    if let NodeKind::Mapping(m) = &mut self.nodes[map.index()].kind {
                        m.entries.push(super::Entry { key, value: id });
                    }
                }
            },
        }
        true
    }

    /// Skips `&anchor` / `!tag` properties at `start`; returns the anchor name and the value start.
    fn properties(&self, start: usize, end: usize, has_anchor: bool) -> (Option<String>, usize) {
        let bytes = self.text.as_bytes();
        let mut pos = start;
        let mut anchor = None;
        let limit = end.min(bytes.len());
        while pos < limit && matches!(bytes[pos], b'&' | b'!') {
            let token_start = pos;
            while pos < bytes.len()
                && !bytes[pos].is_ascii_whitespace()
                && !(bytes[token_start] == b'&'
                    && matches!(bytes[pos], b',' | b'[' | b']' | b'{' | b'}'))
            {
                pos += 1;
            }
            if bytes[token_start] == b'&' && has_anchor {
                anchor = Some(self.text[token_start + 1..pos].to_string());
            }
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
        }
        if pos > limit && limit > start {
            pos = limit;
        }
        (anchor, if pos <= bytes.len() { pos } else { start })
    }

    /// A block scalar's span starts at its first content line; widen it to the `|`/`>` header and
    /// trim the trailing line breaks and indentation.
    fn block_scalar_range(&self, start: usize, end: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let mut header = start;
        // The header ends the line before the content: find that line, drop its comment, and take
        // the last `|` or `>` on it.
        let line_end = self.text[..start.min(bytes.len())].rfind('\n');
        if let Some(line_end) = line_end {
            let line_start = self.text[..line_end].rfind('\n').map_or(0, |i| i + 1);
            let line = &self.text[line_start..line_end];
            let content = match line.find(" #") {
                Some(i) => &line[..i],
                None => line,
            };
            if let Some(i) = content.rfind(['|', '>']) {
                header = line_start + i;
            }
        }
        let mut end = end.min(bytes.len());
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        (header.min(start), end.max(header.min(start)))
    }
}

/// The end of a quoted scalar starting at `start` (after its closing quote). The parser's span
/// of a quoted scalar followed by a comment runs on to the comment's end.
fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn next_char_end(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// Converts saphyr's character indices to byte offsets in O(text) overall: a forward cursor plus
/// checkpoints for the rare backward jump.
struct CharOffsets<'t> {
    text: &'t str,
    ascii: bool,
    cursor: (usize, usize),
    checkpoints: Vec<(usize, usize)>,
}

const CHECKPOINT_EVERY: usize = 4096;

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> Self {
        CharOffsets {
            text,
            ascii: text.is_ascii(),
            cursor: (0, 0),
            checkpoints: vec![(0, 0)],
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.cursor.0 {
            let slot = self
                .checkpoints
                .partition_point(|&(c, _)| c <= char_index)
                .saturating_sub(1);
            self.cursor = self.checkpoints[slot];
        }
        let (mut chars, mut bytes) = self.cursor;
        let mut iter = self.text[bytes..].chars();
        while chars < char_index {
            let Some(c) = iter.next() else { break };
            chars += 1;
            bytes += c.len_utf8();
            if chars % CHECKPOINT_EVERY == 0
                && self.checkpoints.last().is_some_and(|&(c, _)| c < chars)
            {
                self.checkpoints.push((chars, bytes));
            }
        }
        self.cursor = (chars, bytes);
        bytes
    }
}

/// FNV-1a: a fast hash for short keys.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The keys are already hashes.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
