//! Tree walks shared by go-to-definition and document symbols: the node under an offset with its
//! key path, and lookups of dotted paths (`a.b.0`, legacy `a.b[0]`) that stop at the deepest key
//! that exists.

use syntax::{NodeId, TextSize, Tree};

/// The node under an offset.
pub(crate) struct Hit {
    /// The innermost node containing the offset (a scalar, or a collection when the offset is
    /// between its children).
    pub(crate) node: NodeId,
    /// Whether `node` is a mapping key.
    pub(crate) is_key: bool,
    /// Keys (and list indices) from the root to `node`; for a key, the path ends with it.
    pub(crate) path: Vec<String>,
}

/// Finds the innermost node containing `offset` (end inclusive, so a cursor right after a word
/// still hits it).
pub(crate) fn locate(tree: &Tree, root: NodeId, offset: TextSize) -> Option<Hit> {
    let contains = |id: NodeId| {
        let r = tree.range(id);
        r.start() <= offset && offset <= r.end()
    };
    if !contains(root) {
        return None;
    }
    let mut node = root;
    let mut path = Vec::new();
    'descend: for _ in 0..256 {
        let target = tree.target(node);
        if target != node {
            // An alias: the content is elsewhere; stop at the use site.
            break;
        }
        if let Some(mapping) = tree.mapping(node) {
            for e in &mapping.entries {
                if contains(e.key) {
                    path.push(tree.key_text(e.key));
                    return Some(Hit {
                        node: e.key,
                        is_key: true,
                        path,
                    });
                }
                if contains(e.value) {
                    path.push(tree.key_text(e.key));
                    node = e.value;
                    continue 'descend;
                }
            }
        } else if let Some(items) = tree.sequence(node) {
            for (i, &item) in items.iter().enumerate() {
                if contains(item) {
                    path.push(i.to_string());
                    node = item;
                    continue 'descend;
                }
            }
        }
        break;
    }
    Some(Hit {
        node,
        is_key: false,
        path,
    })
}

/// Splits legacy `list[0]` segments into `list`, `0`.
pub(crate) fn split_indices(segments: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for seg in segments {
        let mut rest = seg.as_str();
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(rest[..open].to_string());
            }
            rest = &rest[open..];
            while let Some(inner) = rest.strip_prefix('[') {
                let Some(close) = inner.find(']') else { break };
                out.push(inner[..close].trim_matches(['\'', '"']).to_string());
                rest = &inner[close + 1..];
            }
        } else {
            out.push(seg.clone());
        }
    }
    out
}

/// Follows `segments` from `node` (a mapping value). Returns the deepest key node reached and how
/// many segments were matched.
pub(crate) fn follow(tree: &Tree, node: NodeId, segments: &[String]) -> (Option<NodeId>, usize) {
    let mut current = node;
    let mut key = None;
    let mut matched = 0;
    for seg in segments {
        if let Some(e) = tree.get(current, seg) {
            key = Some(e.key_site());
            current = e.value;
        } else if let Some(items) = tree.sequence(current)
            && let Some(&item) = seg.parse::<usize>().ok().and_then(|i| items.get(i))
        {
            current = item;
        } else {
            break;
        }
        matched += 1;
    }
    (key, matched)
}

/// The value node of `key` in a mapping.
pub(crate) fn value_of(tree: &Tree, node: NodeId, key: &str) -> Option<NodeId> {
    tree.get(node, key).map(|e| e.value)
}
