//! Values of the resolved model, each carrying where it came from, so that every finding can
//! point at the node the user must edit: the literal's own node, or the `${...}` expression
//! that brought it in (with the definition as related information).

use syntax::{NodeId, NodeKind, ScalarValue, TextRange, Tree};

/// A loaded YAML file: 0 is the analysed file, others are `extend` bases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    pub const MAIN: FileId = FileId(0);
}

/// A node in one of the loaded files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    pub file: FileId,
    pub node: NodeId,
}

/// Where a value came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The YAML node that defines the value (a literal), if any.
    pub def: Option<Site>,
    /// The outermost `${...}` expression that substituted it, in the file being resolved.
    pub via: Option<(FileId, TextRange)>,
}

/// Why a value is only known at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownReason {
    /// `${resources.R.output.x}`, `info`, `components.R.output`, `this.output`.
    RunTimeOutput,
    /// `${config('K')}`: credentials of the access alias.
    Config,
    /// `${secret('k')}`.
    Secret,
    /// Credential values in scope (`${credential.X}`).
    Credential,
    /// `${env('X')}` without default where X is not set in any known environment.
    UnsetEnv(String),
    /// A `{{ }}` registry-template placeholder, `${self.x}`, `${shared.x}`.
    TemplatePlaceholder,
    /// `${regex(..)}`, `<% %>` and other forms that depend on the command or arbitrary code.
    Dynamic,
    /// A component given as a path or expression: nothing else is known about it.
    External,
    /// An expression that failed; the failure was reported where it is written.
    Failed,
}

impl UnknownReason {
    pub fn describe(&self) -> String {
        match self {
            UnknownReason::RunTimeOutput => "known only after the resource runs".into(),
            UnknownReason::Config => "read from your credentials when `s` runs".into(),
            UnknownReason::Secret => "read from `s secret` when `s` runs".into(),
            UnknownReason::Credential => "a credential value (never shown)".into(),
            UnknownReason::UnsetEnv(name) => format!("environment variable {name} is not set here"),
            UnknownReason::TemplatePlaceholder => {
                "a template placeholder filled in by `s init`".into()
            }
            UnknownReason::Dynamic => "depends on the command being run".into(),
            UnknownReason::External => "given by an external component".into(),
            UnknownReason::Failed => "its expression could not be resolved".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    /// The text `s preview` would print for it.
    pub text: String,
    pub reason: UnknownReason,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_site: Option<Site>,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Map(Vec<Member>),
    Unknown(Box<Unknown>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub origin: Origin,
}

impl Value {
    pub fn new(kind: Kind, origin: Origin) -> Self {
        Value { kind, origin }
    }

    pub fn null() -> Self {
        Value::new(Kind::Null, Origin::default())
    }

    pub fn str(s: impl Into<String>, origin: Origin) -> Self {
        Value::new(Kind::Str(s.into()), origin)
    }

    pub fn unknown(text: impl Into<String>, reason: UnknownReason, origin: Origin) -> Self {
        Value::new(
            Kind::Unknown(Box::new(Unknown {
                text: text.into(),
                reason,
            })),
            origin,
        )
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Kind::Int(i) => Some(i as f64),
            Kind::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_map()?.iter().find(|m| m.key == key)
    }

    /// Follows a lodash-style path (`a.b.0`): map keys, and list indices written as numbers.
    pub fn path<'a>(&'a self, segments: &[&str]) -> Option<&'a Value> {
        let mut current = self;
        for seg in segments {
            current = match &current.kind {
                Kind::Map(m) => &m.iter().find(|m| m.key == *seg)?.value,
                Kind::List(l) => l.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// A copy with every string replaced by `f(string, origin)` (the shape of magic-variable
    /// resolution: only string values are evaluated, keys never are).
    pub(crate) fn map_strings(&self, f: &mut dyn FnMut(&str, Origin) -> Value) -> Value {
        match &self.kind {
            Kind::Str(s) => f(s, self.origin),
            Kind::List(items) => Value::new(
                Kind::List(items.iter().map(|v| v.map_strings(f)).collect()),
                self.origin,
            ),
            Kind::Map(members) => Value::new(
                Kind::Map(
                    members
                        .iter()
                        .map(|m| Member {
                            key: m.key.clone(),
                            key_site: m.key_site,
                            value: m.value.map_strings(f),
                        })
                        .collect(),
                ),
                self.origin,
            ),
            _ => self.clone(),
        }
    }

    /// Sets the substitution site on this value and everything below it.
    pub fn set_via(&mut self, via: (FileId, TextRange)) {
        self.origin.via = Some(via);
        match &mut self.kind {
            Kind::List(items) => items.iter_mut().for_each(|v| v.set_via(via)),
            Kind::Map(members) => members.iter_mut().for_each(|m| m.value.set_via(via)),
            _ => {}
        }
    }

    /// Whether this value or anything below it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => true,
            Kind::List(items) => items.iter().any(Value::contains_unknown),
            Kind::Map(members) => members.iter().any(|m| m.value.contains_unknown()),
            _ => false,
        }
    }

    /// JSON form; unknown values become their expression text (as `s preview` prints them).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Kind::Str(s) => J::String(s.clone()),
            Kind::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Kind::Map(members) => J::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_json()))
                    .collect(),
            ),
            Kind::Unknown(u) => J::String(u.text.clone()),
        }
    }

    /// The JavaScript `String(value)` of this value, for embedding in a larger string.
    pub fn js_string(&self) -> Option<String> {
        Some(match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => js_number(*f),
            Kind::Str(s) => s.clone(),
            Kind::List(items) => {
                let parts: Option<Vec<String>> = items
                    .iter()
                    .map(|v| {
                        if matches!(v.kind, Kind::Null) {
                            Some(String::new())
                        } else {
                            v.js_string()
                        }
                    })
                    .collect();
                parts?.join(",")
            }
            Kind::Map(_) => "[object Object]".into(),
            Kind::Unknown(_) => return None,
        })
    }

    /// A short name of the type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Int(_) | Kind::Float(_) => "number",
            Kind::Str(_) => "string",
            Kind::List(_) => "array",
            Kind::Map(_) => "object",
            Kind::Unknown(_) => "unknown",
        }
    }
}

/// JavaScript's number-to-string for the values s.yaml files hold.
pub(crate) fn js_number(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{}", f as i128);
    }
    format!("{f}")
}

/// Converts a YAML subtree to a raw (unresolved) value. Aliases are expanded within `budget`
/// nodes; when the budget runs out the rest becomes unknown (the caller reports it).
pub(crate) fn from_tree(
    tree: &Tree,
    text: &str,
    file: FileId,
    id: NodeId,
    budget: &mut usize,
) -> Value {
    from_tree_at(tree, text, file, id, None, budget, 0)
}

/// An unquoted `{{ name }}` registry-template placeholder, which YAML reads as a flow mapping.
pub(crate) fn template_placeholder(tree: &Tree, id: NodeId, text: &str) -> Option<String> {
    let node = tree.node(id);
    if !node.flow || !matches!(node.kind, NodeKind::Mapping(_)) {
        return None;
    }
    let source = text.get(usize::from(node.range.start())..usize::from(node.range.end()))?;
    source.starts_with("{{").then(|| source.to_string())
}

#[allow(clippy::too_many_arguments)]
fn from_tree_at(
    tree: &Tree,
    text: &str,
    file: FileId,
    id: NodeId,
    use_site: Option<NodeId>,
    budget: &mut usize,
    depth: usize,
) -> Value {
    // Nodes reached through an alias or merge are attributed to the use site.
    let site_node = use_site.unwrap_or(id);
    let origin = Origin {
        def: Some(Site {
            file,
            node: site_node,
        }),
        via: None,
    };
    if *budget == 0 || depth > 256 {
        return Value::unknown("<too large>", UnknownReason::Failed, origin);
    }
    *budget -= 1;
    let target = tree.target(id);
    let use_site = if target != id {
        Some(use_site.unwrap_or(id))
    } else {
        use_site
    };
    if let Some(placeholder) = template_placeholder(tree, target, text) {
        return Value::unknown(placeholder, UnknownReason::TemplatePlaceholder, origin);
    }
    match &tree.node(target).kind {
        NodeKind::Scalar(s) => Value::new(
            match &s.value {
                ScalarValue::Null => Kind::Null,
                ScalarValue::Bool(b) => Kind::Bool(*b),
                ScalarValue::Int(i) => Kind::Int(*i),
                ScalarValue::Float(f) => Kind::Float(*f),
                ScalarValue::String => Kind::Str(s.text.clone()),
            },
            origin,
        ),
        NodeKind::Sequence(items) => Value::new(
            Kind::List(
                items
                    .iter()
                    .map(|&i| from_tree_at(tree, text, file, i, use_site, budget, depth + 1))
                    .collect(),
            ),
            origin,
        ),
        NodeKind::Mapping(_) => {
            let members = tree
                .entries(target)
                .into_iter()
                .map(|e| {
                    let via = use_site.or(e.via);
                    Member {
                        key: e.key,
                        key_site: Some(Site {
                            file,
                            node: via.unwrap_or(e.key_node),
                        }),
                        value: from_tree_at(tree, text, file, e.value, via, budget, depth + 1),
                    }
                })
                .collect();
            Value::new(Kind::Map(members), origin)
        }
        NodeKind::Alias(_) => Value::null(),
    }
}

/// `extend2(deep=true, {}, base, over)`: plain objects merge recursively (over wins), arrays and
/// scalars are replaced wholesale.
pub(crate) fn deep_merge(base: &Value, over: &Value) -> Value {
    match (&base.kind, &over.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            let mut members: Vec<Member> = b.clone();
            for m in o {
                if let Some(existing) = members.iter_mut().find(|e| e.key == m.key) {
                    existing.value = deep_merge(&existing.value, &m.value);
                    existing.key_site = m.key_site.or(existing.key_site);
                } else {
                    members.push(m.clone());
                }
            }
            Value::new(Kind::Map(members), over.origin)
        }
        _ => over.clone(),
    }
}
