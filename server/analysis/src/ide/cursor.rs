//! What hover and completion share: clamping offsets, finding the YAML node under a byte offset
//! by walking down from the root (binary search over each collection's sorted children, so
//! O(depth × log siblings)), the schema nodes that describe a path (fc3, fc3-domain, legacy fc
//! and the top level, with `if`/`then` branches chosen by the siblings written in the file),
//! field documentation rendered from those nodes, and the secret-name test used for masking.

use serde_json::Value as Json;
use syntax::{NodeId, NodeKind, ScalarValue, TextRange, TextSize, Tree};

use crate::Analysis;
use crate::model::{ComponentKind, Edition};
use crate::schema::{self, Schema};
use crate::value::{FileId, Kind, Member, Origin, Value};

/// `offset` moved into `text` and onto a character boundary (never panics).
pub(crate) fn clamp(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub(crate) fn size(n: usize) -> TextSize {
    TextSize::from(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(crate) fn range(start: usize, end: usize) -> TextRange {
    TextRange::new(size(start), size(end.max(start)))
}

/// Start of the line holding `offset`.
pub(crate) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// 1-based line number of `offset`.
pub(crate) fn line_number(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// One step down the tree: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub(crate) fn as_key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }

    pub(crate) fn text(&self) -> String {
        match self {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) seg: Seg,
    /// The key node of a mapping entry.
    pub(crate) key: Option<NodeId>,
    /// The entry's value node (or the sequence item).
    pub(crate) value: NodeId,
}

/// The path from the root to the node under an offset.
#[derive(Clone, Debug, Default)]
pub(crate) struct Located {
    pub(crate) steps: Vec<Step>,
    /// The offset is on the last step's key (not its value).
    pub(crate) on_key: bool,
}

impl Located {
    pub(crate) fn path(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.seg.text()).collect()
    }
}

fn contains(r: TextRange, offset: usize) -> bool {
    usize::from(r.start()) <= offset && offset <= usize::from(r.end())
}

/// Walks from the root to the deepest node whose range contains `offset` (range ends count, so
/// the end of a word being typed is inside it).
pub(crate) fn locate(tree: &Tree, offset: usize) -> Located {
    let mut out = Located::default();
    let Some(mut node) = tree.root() else {
        return out;
    };
    if !contains(tree.range(node), offset) {
        return out;
    }
    for _ in 0..256 {
        match &tree.node(node).kind {
            NodeKind::Mapping(m) => {
                let idx = m
                    .entries
                    .partition_point(|e| usize::from(tree.range(e.key).start()) <= offset);
                let Some(entry) = idx.checked_sub(1).and_then(|i| m.entries.get(i)) else {
                    return out;
                };
                let step = Step {
                    seg: Seg::Key(tree.key_text(entry.key)),
                    key: Some(entry.key),
                    value: entry.value,
                };
                if contains(tree.range(entry.key), offset) {
                    out.steps.push(step);
                    out.on_key = true;
                    return out;
                }
                if !contains(tree.range(entry.value), offset) {
                    return out;
                }
                out.steps.push(step);
                node = entry.value;
            }
            NodeKind::Sequence(items) => {
                let idx = items.partition_point(|i| usize::from(tree.range(*i).start()) <= offset);
                let Some(i) = idx.checked_sub(1) else {
                    return out;
                };
                let item = items[i];
                if !contains(tree.range(item), offset) {
                    return out;
                }
                out.steps.push(Step {
                    seg: Seg::Index(i),
                    key: None,
                    value: item,
                });
                node = item;
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => return out,
        }
    }
    out
}

/// A value of a tree node deep enough for the schema's `if`s: a mapping's scalar members
/// (collections become empty), or the scalar itself. An absent node is an empty mapping.
pub(crate) fn shallow(tree: &Tree, node: Option<NodeId>) -> Value {
    let Some(node) = node else {
        return Value::new(Kind::Map(Vec::new()), Origin::default());
    };
    match tree.mapping(node) {
        Some(m) => Value::new(
            Kind::Map(
                m.entries
                    .iter()
                    .take(256)
                    .map(|e| Member {
                        key: tree.key_text(e.key),
                        key_site: None,
                        value: scalar_value(tree, e.value),
                    })
                    .collect(),
            ),
            Origin::default(),
        ),
        None if tree.is_null(node) => Value::new(Kind::Map(Vec::new()), Origin::default()),
        None => scalar_value(tree, node),
    }
}

fn scalar_value(tree: &Tree, node: NodeId) -> Value {
    let kind = match tree.scalar(node) {
        Some(s) => match &s.value {
            ScalarValue::Null => Kind::Null,
            ScalarValue::Bool(b) => Kind::Bool(*b),
            ScalarValue::Int(i) => Kind::Int(*i),
            ScalarValue::Float(f) => Kind::Float(*f),
            ScalarValue::String => Kind::Str(s.text.clone()),
        },
        None if tree.sequence(node).is_some() => Kind::List(Vec::new()),
        None => Kind::Map(Vec::new()),
    };
    Value::new(kind, Origin::default())
}

/// Whether the analysed file is edition 3.0.0 (from the model, else the `edition` key).
pub(crate) fn is_v3(analysis: &Analysis) -> bool {
    if let Some(model) = &analysis.model {
        return model.edition == Edition::V3;
    }
    let tree = analysis.sources.tree(FileId::MAIN);
    let Some(root) = tree.root() else {
        return true;
    };
    match tree.get(root, "edition").and_then(|e| tree.text(e.value)) {
        Some(e) => e == "3.0.0",
        None => tree.get(root, "services").is_none(),
    }
}

/// The component schema of resource (or legacy service) `name`.
pub(crate) fn resource_schema(
    analysis: &Analysis,
    name: &str,
    entry: Option<NodeId>,
) -> Option<&'static Schema> {
    if let Some(model) = &analysis.model
        && let Some(r) = model.resources.iter().find(|r| r.name == name)
    {
        return r.kind.schema_kind().and_then(schema::for_component);
    }
    // No model (the text does not parse while typing): judge by the written component.
    let tree = analysis.sources.tree(FileId::MAIN);
    let (component, props) = match entry {
        Some(entry) => (
            tree.get(entry, "component")
                .and_then(|c| tree.text(c.value))
                .map(str::to_string),
            shallow(tree, tree.get(entry, "props").map(|p| p.value)),
        ),
        None => (
            text_component(&analysis.sources.files[0].text, name),
            shallow(tree, None),
        ),
    };
    let component = component.map_or_else(Value::null, |t| Value::str(t, Origin::default()));
    let kind = crate::check::component_kind(&component, &props, is_v3(analysis));
    kind.schema_kind().and_then(schema::for_component)
}

/// `component:` of resource `name` read from the raw text (the first line `name:`, then the
/// next 50 lines).
fn text_component(text: &str, name: &str) -> Option<String> {
    let needle = format!("{name}:");
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle) {
        let at = from + i;
        from = at + needle.len();
        let ls = line_start(text, at);
        if !text[ls..at].chars().all(|c| c == ' ') {
            continue;
        }
        for line in text[at..].lines().skip(1).take(50) {
            if let Some(v) = line.trim_start().strip_prefix("component:") {
                let v = v.trim().trim_matches(['"', '\'']);
                return (!v.is_empty()).then(|| v.to_string());
            }
        }
        return None;
    }
    None
}

/// The schema nodes describing a path, and the nodes that apply to its parent.
pub(crate) struct SchemaPos {
    pub(crate) schema: &'static Schema,
    /// The raw schema nodes of the last segment (property, `additionalProperties` or `items`
    /// nodes, `$ref`s not followed); the schema root for an empty path.
    pub(crate) field: Vec<&'static Json>,
    /// The applicable nodes of the parent object (for `required`).
    pub(crate) parent: Vec<&'static Json>,
}

impl SchemaPos {
    /// The nodes that apply at this position to an instance (e.g. the mapping being completed).
    pub(crate) fn applicable(&self, instance: &Value) -> Vec<&'static Json> {
        let mut out: Vec<&'static Json> = Vec::new();
        for n in &self.field {
            for a in schema::applicable_nodes(self.schema, n, instance) {
                if !out.iter().any(|o| std::ptr::eq(*o, a)) {
                    out.push(a);
                }
            }
        }
        out
    }
}

/// Walks the schemas along `levels` (a segment and, when written, its tree node): the top-level
/// schema, switching to the component's schema under `resources.R.props` / `services.S.props`
/// and to fc3 under `template.T` (3.0.0).
pub(crate) fn schema_at(
    analysis: &Analysis,
    levels: &[(Seg, Option<NodeId>)],
) -> Option<SchemaPos> {
    let tree = analysis.sources.tree(FileId::MAIN);
    let top = schema::top_level();
    let mut pos = SchemaPos {
        schema: top,
        field: vec![top.json],
        parent: Vec::new(),
    };
    let mut parent_node = tree.root();
    for (i, (seg, node)) in levels.iter().enumerate() {
        let instance = shallow(tree, parent_node);
        let applicable = pos.applicable(&instance);
        let next = children(pos.schema, &applicable, seg);
        if next.is_empty() {
            return None;
        }
        pos.parent = applicable;
        pos.field = next;
        parent_node = *node;
        let first = levels[0].0.as_key();
        if i == 2
            && matches!(first, Some("resources" | "services"))
            && seg.as_key() == Some("props")
        {
            let name = levels[1].0.as_key().unwrap_or_default();
            let schema = resource_schema(analysis, name, levels[1].1)?;
            pos = SchemaPos {
                schema,
                field: vec![schema.json],
                parent: Vec::new(),
            };
        } else if i == 1 && first == Some("template") {
            let schema = schema::for_component(&ComponentKind::Fc3)?;
            pos = SchemaPos {
                schema,
                field: vec![schema.json],
                parent: Vec::new(),
            };
        }
    }
    Some(pos)
}

/// The schema nodes of child `seg` under the applicable nodes of an object or array.
pub(crate) fn children(
    schema: &Schema,
    applicable: &[&'static Json],
    seg: &Seg,
) -> Vec<&'static Json> {
    let mut out: Vec<&'static Json> = Vec::new();
    if let Seg::Key(k) = seg {
        for n in applicable {
            if let Some(p) = n.get("properties").and_then(|p| p.get(k.as_str())) {
                out.push(p);
            }
        }
        if out.is_empty() {
            for n in applicable {
                if let Some(a) = n.get("additionalProperties").filter(|a| a.is_object()) {
                    out.push(a);
                }
            }
        }
    }
    if out.is_empty() {
        for n in applicable {
            if let Some(items) = n.get("items").filter(|i| i.is_object()) {
                out.push(items);
            }
            for k in ["anyOf", "oneOf"] {
                for b in n.get(k).and_then(Json::as_array).into_iter().flatten() {
                    let b = schema::follow_ref(schema, b);
                    if let Some(items) = b.get("items").filter(|i| i.is_object()) {
                        out.push(items);
                    }
                }
            }
        }
    }
    out
}

/// What the schema says about one field, merged over the nodes that describe it (the first
/// node that gives a keyword wins).
#[derive(Default, Debug)]
pub(crate) struct FieldDoc {
    pub(crate) description: Option<String>,
    pub(crate) types: Vec<String>,
    pub(crate) enum_values: Vec<Json>,
    /// `enum` of the items of an array field (HTTP methods).
    pub(crate) item_enum: Vec<Json>,
    pub(crate) default: Option<Json>,
    pub(crate) limits: Vec<String>,
    pub(crate) pattern: Option<String>,
    pub(crate) url: Option<String>,
}

pub(crate) fn field_doc(schema: &Schema, nodes: &[&'static Json]) -> FieldDoc {
    let mut doc = FieldDoc::default();
    let mut expanded: Vec<&'static Json> = Vec::new();
    for n in nodes {
        let target = schema::follow_ref(schema, n);
        expanded.push(n);
        expanded.push(target);
        for k in ["anyOf", "oneOf", "allOf"] {
            for b in target.get(k).and_then(Json::as_array).into_iter().flatten() {
                expanded.push(schema::follow_ref(schema, b));
            }
        }
    }
    let mut limits: Vec<(&str, String)> = Vec::new();
    for n in &expanded {
        if doc.description.is_none() {
            doc.description = n
                .get("description")
                .and_then(Json::as_str)
                .map(str::to_string);
        }
        match n.get("type") {
            Some(Json::String(t)) => push_unique(&mut doc.types, t.clone()),
            Some(Json::Array(ts)) => {
                for t in ts.iter().filter_map(Json::as_str) {
                    push_unique(&mut doc.types, t.to_string());
                }
            }
            _ => {}
        }
        if doc.enum_values.is_empty()
            && let Some(e) = n.get("enum").and_then(Json::as_array)
        {
            doc.enum_values = e.clone();
        }
        if doc.enum_values.is_empty()
            && let Some(c) = n.get("const")
        {
            doc.enum_values = vec![c.clone()];
        }
        if doc.item_enum.is_empty()
            && let Some(items) = n.get("items")
        {
            let items = schema::follow_ref(schema, items);
            if let Some(e) = items.get("enum").and_then(Json::as_array) {
                doc.item_enum = e.clone();
            }
        }
        if doc.default.is_none() {
            doc.default = n.get("default").cloned();
        }
        if doc.pattern.is_none() {
            doc.pattern = n.get("pattern").and_then(Json::as_str).map(str::to_string);
        }
        if doc.url.is_none() {
            doc.url = ["x-doc-url", "x-docs", "externalDocs"]
                .iter()
                .find_map(|k| {
                    let v = n.get(*k)?;
                    v.as_str()
                        .or_else(|| v.get("url").and_then(Json::as_str))
                        .map(str::to_string)
                })
                .filter(|u| u.starts_with("https://"));
        }
        for (key, label) in [
            ("minimum", "minimum"),
            ("exclusiveMinimum", "greater than"),
            ("maximum", "maximum"),
            ("exclusiveMaximum", "less than"),
            ("multipleOf", "multiple of"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("minItems", "min items"),
            ("maxItems", "max items"),
        ] {
            if let Some(v) = n.get(key).filter(|v| v.is_number())
                && !limits.iter().any(|(k, _)| *k == key)
            {
                let v = v
                    .as_f64()
                    .map_or_else(|| v.to_string(), crate::value::js_number);
                limits.push((key, format!("{label} {v}")));
            }
        }
    }
    doc.limits = limits.into_iter().map(|(_, s)| s).collect();
    doc
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The `required` keys of applicable object nodes.
pub(crate) fn required(applicable: &[&'static Json]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for n in applicable {
        for r in n
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str()
                && !out.contains(&r)
            {
                out.push(r);
            }
        }
    }
    out
}

/// A JSON scalar as YAML would show it (`GET`, `512`, `true`).
pub(crate) fn json_scalar(v: &Json) -> String {
    match v {
        Json::String(s) if s.is_empty() => "\"\"".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a variable or key name looks like it holds a secret. Case-insensitive, separators
/// (`_ - .`) ignored: contains `secret`, `password`, `passwd`, `token`, `accesskey`,
/// `privatekey`, `apikey`, `credential`, `signature`; or has a word `ak`, `sk`, `pwd`, `key`
/// (`OSS_AK`, `db_pwd`, `apiKey`; camelCase splits words).
pub(crate) fn looks_secret(name: &str) -> bool {
    let squashed: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    const PARTS: [&str; 9] = [
        "secret",
        "password",
        "passwd",
        "token",
        "accesskey",
        "privatekey",
        "apikey",
        "credential",
        "signature",
    ];
    if PARTS.iter().any(|p| squashed.contains(p)) {
        return true;
    }
    words(name)
        .iter()
        .any(|w| matches!(w.as_str(), "ak" | "sk" | "pwd" | "key"))
}

/// Words of an identifier: split at non-alphanumerics and lower→upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for s in [
            "DB_PASSWORD",
            "accessKeySecret",
            "AccessKeyID",
            "OSS_AK",
            "sk",
            "apiKey",
            "GITHUB_TOKEN",
            "db-pwd",
        ] {
            assert!(looks_secret(s), "{s}");
        }
        for s in [
            "region", "task", "disk", "STAGE", "keyword", "monkey", "tokyo",
        ] {
            assert!(!looks_secret(s), "{s}");
        }
    }

    #[test]
    fn clamp_never_splits_a_char() {
        let t = "a第b";
        assert_eq!(clamp(t, 2), 1);
        assert_eq!(clamp(t, 100), t.len());
    }
}
