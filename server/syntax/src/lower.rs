//! Lowering the tree to `serde_json::Value` (key order kept, aliases expanded, `<<` merged),
//! bounded so that an alias bomb ends with an error instead of exhausting memory.

use serde_json::{Map, Number, Value};

use crate::{NodeId, NodeKind, ScalarValue, Tree};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LowerError {
    /// Expanding aliases would produce more nodes than the budget.
    Budget { node: NodeId },
    /// Aliases nest deeper than the depth bound (or refer to an enclosing node).
    TooDeep { node: NodeId },
}

const MAX_DEPTH: usize = 512;

/// Lowers the subtree at `id`; `budget` is the number of nodes the expansion may produce.
pub fn to_json(tree: &Tree, id: NodeId, budget: usize) -> Result<Value, LowerError> {
    let mut remaining = budget;
    lower(tree, id, &mut remaining, 0)
}

fn lower(
    tree: &Tree,
    id: NodeId,
    remaining: &mut usize,
    depth: usize,
) -> Result<Value, LowerError> {
    if depth > MAX_DEPTH {
        return Err(LowerError::TooDeep { node: id });
    }
    if *remaining == 0 {
        return Err(LowerError::Budget { node: id });
    }
    *remaining -= 1;
    let target = tree.target(id);
    Ok(match &tree.node(target).kind {
        NodeKind::Scalar(s) => scalar_to_json(&s.value, &s.text),
        NodeKind::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for &item in items {
                out.push(lower(tree, item, remaining, depth + 1)?);
            }
            Value::Array(out)
        }
        NodeKind::Mapping(_) => {
            let mut out = Map::new();
            for entry in tree.entries(target) {
                let value = lower(tree, entry.value, remaining, depth + 1)?;
                out.insert(entry.key, value);
            }
            Value::Object(out)
        }
        NodeKind::Alias(_) => Value::Null,
    })
}

/// The JSON value of a typed scalar; non-finite floats have no JSON form and stay text.
pub(crate) fn scalar_to_json(value: &ScalarValue, text: &str) -> Value {
    match value {
        ScalarValue::Null => Value::Null,
        ScalarValue::Bool(b) => Value::Bool(*b),
        ScalarValue::Int(i) => Value::Number(Number::from(*i)),
        ScalarValue::Float(f) => {
            Number::from_f64(*f).map_or_else(|| Value::String(text.to_string()), Value::Number)
        }
        ScalarValue::String => Value::String(text.to_string()),
    }
}
