//! JSON pointers (RFC 6901) and pointer → node lookup. A pointer that passes through an alias or
//! a `<<` merge lands on the *use site* (the alias node), since that is what the user edits.

use crate::{NodeId, Tree};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointerSegment {
    Key(String),
    Index(usize),
}

/// A parsed JSON pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pointer(pub Vec<String>);

impl Pointer {
    pub fn parse(text: &str) -> Pointer {
        if text.is_empty() {
            return Pointer(Vec::new());
        }
        Pointer(
            text.trim_start_matches('/')
                .split('/')
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect(),
        )
    }

    pub fn segments(&self) -> &[String] {
        &self.0
    }
}

pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Where a pointer lands in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointerTarget {
    /// The value node (or the alias / merge use site it came through).
    pub value: NodeId,
    /// The key node of the last segment, when the parent is a mapping and the key is written here.
    pub key: Option<NodeId>,
    /// Whether the path went through an alias or merge (ranges are then the use site).
    pub via_alias: bool,
}

impl Tree {
    /// Finds the node at `pointer` below `from`. Returns `None` when a segment does not exist.
    pub fn lookup(&self, from: NodeId, pointer: &Pointer) -> Option<PointerTarget> {
        let mut current = PointerTarget {
            value: from,
            key: None,
            via_alias: false,
        };
        let mut use_site: Option<NodeId> = None;
        for segment in pointer.segments() {
            let node = self.target(current.value);
            if node != current.value && use_site.is_none() {
                use_site = Some(current.value);
            }
            let next = if let Some(entry) = self.get(node, segment) {
                if entry.via.is_some() && use_site.is_none() {
                    use_site = entry.via;
                }
                PointerTarget {
                    value: entry.value,
                    key: Some(entry.key_node),
                    via_alias: false,
                }
            } else if let Some(items) = self.sequence(node) {
                let index: usize = segment.parse().ok()?;
                PointerTarget {
                    value: *items.get(index)?,
                    key: None,
                    via_alias: false,
                }
            } else {
                return None;
            };
            current = next;
        }
        Some(match use_site {
            Some(site) => PointerTarget {
                value: site,
                key: None,
                via_alias: true,
            },
            None => current,
        })
    }
}
