//! Go to definition: `${vars.x}`, `${resources.R...}`, template/`extend` names, `${file('x')}`.

use syntax::TextSize;

use super::Target;
use crate::Analysis;

pub fn definition(analysis: &Analysis, offset: TextSize) -> Vec<Target> {
    let _ = (analysis, offset);
    Vec::new()
}
