//! Hover: schema docs of the key or value under the cursor, the resolved value of a `${...}`.

use syntax::TextSize;

use super::HoverResult;
use crate::Analysis;

pub fn hover(analysis: &Analysis, offset: TextSize) -> Option<HoverResult> {
    let _ = (analysis, offset);
    None
}
