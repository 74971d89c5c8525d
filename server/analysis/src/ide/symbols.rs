//! Document symbols: resources (or services) → functions → triggers.

use super::Symbol;
use crate::Analysis;

pub fn document_symbols(analysis: &Analysis) -> Vec<Symbol> {
    let _ = analysis;
    Vec::new()
}
