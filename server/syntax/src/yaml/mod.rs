//! The positioned YAML tree: every key and value with its byte range, anchors and aliases kept as
//! links (an alias node carries the *use site* range and points at its anchor), `<<` merges
//! resolved on demand, and YAML errors with ranges.

mod build;
mod scalar;

use std::collections::HashMap;

use text_size::{TextRange, TextSize};

pub use scalar::ScalarValue;

/// Bounds that keep hostile input (alias bombs, deep nesting, huge files) in bounded time.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Largest number of nodes in the tree (aliases count once: they are links).
    pub max_nodes: usize,
    /// Largest text accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_nodes: 2_000_000,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Index of a node in its [`Tree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the `index`-th node of a tree (ids are dense, in creation order).
    pub fn from_index(index: usize) -> NodeId {
        NodeId(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The decoded text (quotes removed, escapes applied, block scalar folded).
    pub text: String,
    pub style: ScalarStyle,
    /// The tag as written after resolution of its handle (`tag:yaml.org,2002:str`), if any.
    pub tag: Option<String>,
    /// The value js-yaml's default schema gives this scalar.
    pub value: ScalarValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// Entries in source order, `<<` entries included.
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Mapping(Mapping),
    Sequence(Vec<NodeId>),
    /// `*name`: the node's range is the alias; the target is the anchored node.
    Alias(NodeId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The node's text without anchor/tag properties; for collections, up to the end of the last
    /// child (block) or the closing bracket (flow); for block scalars, from the `|`/`>` header.
    pub range: TextRange,
    pub kind: NodeKind,
    /// The anchor name defined on this node (`&name`), if any.
    pub anchor: Option<String>,
    /// Whether a collection is written in flow style (`{}` / `[]`).
    pub flow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// The scanner or parser rejected the text.
    Invalid,
    DuplicateKey,
    TooDeep,
    TooLarge,
    InvalidUtf8,
    UnknownTag,
    /// More than one document: only the first is used.
    MultipleDocuments,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub kind: SyntaxErrorKind,
    pub message: String,
}

/// The nodes of one document.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    root: Option<NodeId>,
}

/// The result of parsing: the tree (possibly partial), the normalised text it indexes, and errors.
#[derive(Clone, Debug)]
pub struct Parse {
    pub tree: Tree,
    pub errors: Vec<SyntaxError>,
}

impl Parse {
    /// Whether the text had errors that make the tree unreliable (warnings such as a second
    /// document do not count).
    pub fn has_errors(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.kind != SyntaxErrorKind::MultipleDocuments)
    }
}

/// Parses normalised text (see [`crate::normalize_newlines`]) with the default limits.
pub fn parse(text: &str) -> Parse {
    parse_with_limits(text, Limits::default())
}

pub fn parse_with_limits(text: &str, limits: Limits) -> Parse {
    build::build(text, limits)
}

/// Decodes bytes as UTF-8; invalid input gives the lossy text plus an error at the first bad byte.
pub fn parse_bytes(bytes: &[u8]) -> (String, Parse) {
    // Editors hide a UTF-8 byte order mark; so do our offsets.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let (text, _) = crate::normalize_newlines(text);
            let parse = parse(&text);
            (text.into_owned(), parse)
        }
        Err(err) => {
            let lossy = String::from_utf8_lossy(bytes);
            let (text, _) = crate::normalize_newlines(&lossy);
            let text = text.into_owned();
            // The valid prefix converts to itself, so the bad byte's replacement character
            // starts where the normalised prefix ends.
            let prefix = std::str::from_utf8(&bytes[..err.valid_up_to()]).unwrap_or_default();
            let (prefix, _) = crate::normalize_newlines(prefix);
            let at = prefix.len().min(text.len());
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let error = SyntaxError {
                range: range_of(at, end),
                kind: SyntaxErrorKind::InvalidUtf8,
                message: format!(
                    "the file is not valid UTF-8 (first bad byte at offset {}); save it as UTF-8",
                    err.valid_up_to()
                ),
            };
            (
                text,
                Parse {
                    tree: Tree::default(),
                    errors: vec![error],
                },
            )
        }
    }
}

impl Tree {
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn range(&self, id: NodeId) -> TextRange {
        self.node(id).range
    }

    /// Follows aliases to the node that holds the content.
    pub fn target(&self, mut id: NodeId) -> NodeId {
        // Aliases always point at nodes created before them, so this ends; the bound is a guard.
        for _ in 0..64 {
            match self.node(id).kind {
                NodeKind::Alias(target) => id = target,
                _ => return id,
            }
        }
        id
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match &self.node(self.target(id)).kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar key or value (after alias resolution).
    pub fn text(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| s.text.as_str())
    }

    pub fn mapping(&self, id: NodeId) -> Option<&Mapping> {
        match &self.node(self.target(id)).kind {
            NodeKind::Mapping(m) => Some(m),
            _ => None,
        }
    }

    pub fn sequence(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(self.target(id)).kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// Whether `id` (after alias resolution) is a null scalar (`~`, `null`, empty).
    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(
            self.scalar(id),
            Some(Scalar {
                value: ScalarValue::Null,
                ..
            })
        )
    }

    /// The key text used for lookups: the scalar text, or the source text of a complex key.
    pub fn key_text(&self, key: NodeId) -> String {
        match self.scalar(key) {
            Some(s) => s.text.clone(),
            None => format!("<complex key at {:?}>", self.range(key)),
        }
    }

    /// The entries of a mapping as the application sees them: `<<` merges applied (explicit keys
    /// win, the first merged source wins among merged keys), in insertion order. Each entry tells
    /// through which `<<` value it came, so callers can point at the use site.
    pub fn entries(&self, id: NodeId) -> Vec<MergedEntry> {
        // Most mappings have no `<<`: their entries are the written ones (duplicates are a
        // syntax error; the first one is kept, as in the merged path).
        if let Some(mapping) = self.mapping(id)
            && !mapping.entries.iter().any(|e| self.is_merge_key(e.key))
            && mapping.entries.len() < 64
        {
            let mut out: Vec<MergedEntry> = Vec::with_capacity(mapping.entries.len());
            for e in &mapping.entries {
                let key = self.key_text(e.key);
                if !out.iter().any(|o| o.key == key) {
                    out.push(MergedEntry {
                        key,
                        key_node: e.key,
                        value: e.value,
                        via: None,
                    });
                }
            }
            return out;
        }
        let mut out: Vec<MergedEntry> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        self.collect_entries(id, None, &mut out, &mut seen, 0);
        out
    }

    fn collect_entries(
        &self,
        id: NodeId,
        via: Option<NodeId>,
        out: &mut Vec<MergedEntry>,
        seen: &mut HashMap<String, usize>,
        depth: usize,
    ) {
        let Some(mapping) = self.mapping(id) else {
            return;
        };
        if depth > 32 {
            return;
        }
        for entry in &mapping.entries {
            if self.is_merge_key(entry.key) {
                let sources: Vec<NodeId> = match self.sequence(entry.value) {
                    Some(items) => items.to_vec(),
                    None => vec![entry.value],
                };
                for source in sources {
                    let use_site = via.unwrap_or(source);
                    // Merged keys never override what is already there.
                    let mut merged = Vec::new();
                    let mut merged_seen = HashMap::new();
                    self.collect_entries(
                        source,
                        Some(use_site),
                        &mut merged,
                        &mut merged_seen,
                        depth + 1,
                    );
                    for m in merged {
                        if !seen.contains_key(&m.key) {
                            seen.insert(m.key.clone(), out.len());
                            out.push(m);
                        }
                    }
                }
                continue;
            }
            let key = self.key_text(entry.key);
            let explicit = MergedEntry {
                key: key.clone(),
                key_node: entry.key,
                value: entry.value,
                via,
            };
            match seen.get(&key) {
                // An explicit key overrides a merged one and keeps its position (as in JavaScript);
                // a duplicate explicit key is a syntax error reported by the builder.
                Some(&at) => {
                    if out[at].via.is_some() && via.is_none() {
                        out[at] = explicit;
                    }
                }
                None => {
                    seen.insert(key, out.len());
                    out.push(explicit);
                }
            }
        }
    }

    /// Looks a key up in a mapping (merges applied).
    pub fn get(&self, id: NodeId, key: &str) -> Option<MergedEntry> {
        let mapping = self.mapping(id)?;
        if !mapping.entries.iter().any(|e| self.is_merge_key(e.key)) {
            let entry = mapping
                .entries
                .iter()
                .find(|e| self.text(e.key) == Some(key))?;
            return Some(MergedEntry {
                key: key.to_string(),
                key_node: entry.key,
                value: entry.value,
                via: None,
            });
        }
        self.entries(id).into_iter().find(|e| e.key == key)
    }

    fn is_merge_key(&self, key: NodeId) -> bool {
        matches!(self.scalar(key), Some(Scalar { text, style: ScalarStyle::Plain, .. }) if text == "<<")
    }
}

/// One entry of a mapping after `<<` merges.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedEntry {
    pub key: String,
    pub key_node: NodeId,
    pub value: NodeId,
    /// The `<<` value (alias) this entry was merged through, when it was not written here.
    pub via: Option<NodeId>,
}

impl MergedEntry {
    /// The node to point at for this entry's key: the key itself, or the merge use site.
    pub fn key_site(&self) -> NodeId {
        self.via.unwrap_or(self.key_node)
    }

    /// The node to point at for this entry's value.
    pub fn value_site(&self) -> NodeId {
        self.via.unwrap_or(self.value)
    }
}

pub(crate) fn range_of(start: usize, end: usize) -> TextRange {
    let start = TextSize::from(u32::try_from(start).unwrap_or(u32::MAX));
    let end = TextSize::from(u32::try_from(end).unwrap_or(u32::MAX));
    TextRange::new(start, end.max(start))
}
