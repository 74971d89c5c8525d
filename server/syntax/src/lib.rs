//! Text, line index and a positioned YAML tree for s.yaml files.
//!
//! Everything here is pure: it takes text and returns values plus findings, never an `Err` for bad
//! user input and never IO. Offsets are UTF-8 byte offsets into the *normalised* text (CRLF → LF);
//! editors' positions are computed with [`LineIndex`] at the edge.

mod line_index;
mod lower;
mod pointer;
mod text;
mod yaml;

pub use line_index::{LineCol, LineIndex, Utf16LineCol};
pub use lower::{LowerError, to_json};
pub use pointer::{Pointer, PointerSegment, PointerTarget, escape_pointer_segment};
pub use text::{LineEndings, normalize_newlines};
pub use text_size::{TextRange, TextSize};
pub use yaml::{
    Entry, Limits, Mapping, MergedEntry, Node, NodeId, NodeKind, Parse, Scalar, ScalarStyle,
    ScalarValue, SyntaxError, SyntaxErrorKind, Tree, parse, parse_bytes, parse_with_limits,
};
