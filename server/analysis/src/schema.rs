//! Our JSON Schemas (`schemas/`, draft-07), compiled once, and the two passes that use them:
//! structural validation with `jsonschema` (errors mapped back to the node to edit, errors on
//! unknown values dropped) and the unknown-key pass (warnings with a ranked "did you mean").

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::ComponentKind;
use crate::value::{Kind, Member, Value};

pub const S_SCHEMA: &str = include_str!("../../../schemas/s.schema.json");
pub const FC3_SCHEMA: &str = include_str!("../../../schemas/fc3.schema.json");
pub const FC3_DOMAIN_SCHEMA: &str = include_str!("../../../schemas/fc3-domain.schema.json");
pub const FC_SCHEMA: &str = include_str!("../../../schemas/fc.schema.json");

pub struct Schema {
    pub json: &'static Json,
    validator: Option<jsonschema::Validator>,
    /// Every object node of the schema, pre-digested for the unknown-key walk.
    shapes: HashMap<usize, Shape, BuildHasherDefault<PtrHasher>>,
}

fn load(text: &str) -> Schema {
    // Schemas live for the whole process (they are loaded once), so the JSON is leaked to let
    // the shape index borrow from it.
    let json: &'static Json = Box::leak(Box::new(serde_json::from_str(text).unwrap_or(Json::Null)));
    let validator = jsonschema::draft7::options()
        .should_validate_formats(false)
        .build(json)
        .ok();
    let mut shapes = HashMap::default();
    index_shapes(json, json, &mut shapes);
    Schema {
        json,
        validator,
        shapes,
    }
}

/// What the unknown-key walk needs of one schema node, with `$ref` followed.
struct Shape {
    node: &'static Json,
    /// `allOf` items, and the object-like items of `anyOf` / `oneOf`.
    subs: Vec<&'static Json>,
    /// `if` / `then` / `else`.
    cond: Option<(&'static Json, Option<&'static Json>, Option<&'static Json>)>,
    properties: Option<Vec<(&'static str, &'static Json)>>,
    /// `additionalProperties` when it is a schema (a map with free keys).
    additional: Option<&'static Json>,
    /// Free keys allowed (`additionalProperties` not false, or `patternProperties`).
    open: bool,
    items: Vec<&'static Json>,
}

fn index_shapes(
    root: &'static Json,
    node: &'static Json,
    out: &mut HashMap<usize, Shape, BuildHasherDefault<PtrHasher>>,
) {
    match node {
        Json::Object(map) => {
            let key = node as *const Json as usize;
            if out.contains_key(&key) {
                return;
            }
            let target = deref(root, node);
            let mut subs = Vec::new();
            for k in ["allOf", "anyOf", "oneOf"] {
                if let Some(items) = target.get(k).and_then(Json::as_array) {
                    for item in items {
                        let d = deref(root, item);
                        let objectish = d.get("properties").is_some()
                            || d.get("allOf").is_some()
                            || d.get("if").is_some()
                            || d.get("type").and_then(Json::as_str) == Some("object")
                            || d.get("additionalProperties").is_some();
                        if k == "allOf" || objectish {
                            subs.push(item);
                        }
                    }
                }
            }
            let cond = target
                .get("if")
                .map(|c| (c, target.get("then"), target.get("else")));
            let properties = target
                .get("properties")
                .and_then(Json::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect());
            let additional = target.get("additionalProperties").filter(|a| a.is_object());
            let open = target
                .get("additionalProperties")
                .is_some_and(|a| a != &Json::Bool(false))
                || target.get("patternProperties").is_some();
            let mut items = Vec::new();
            for candidate in std::iter::once(target).chain(
                ["anyOf", "oneOf", "allOf"]
                    .iter()
                    .filter_map(|k| target.get(*k).and_then(Json::as_array))
                    .flatten()
                    .map(|b| deref(root, b)),
            ) {
                if let Some(i) = candidate.get("items") {
                    items.push(i);
                }
            }
            out.insert(
                key,
                Shape {
                    node: target,
                    subs,
                    cond,
                    properties,
                    additional,
                    open,
                    items,
                },
            );
            for v in map.values() {
                index_shapes(root, v, out);
            }
        }
        Json::Array(items) => {
            for v in items {
                index_shapes(root, v, out);
            }
        }
        _ => {}
    }
}

/// Pointers are already well spread: a cheap hash for the shape index.
#[derive(Default)]
struct PtrHasher(u64);

impl std::hash::Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl Schema {
    fn shape(&self, node: &Json) -> Option<&Shape> {
        self.shapes.get(&(node as *const Json as usize))
    }
}

pub fn top_level() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| load(S_SCHEMA))
}

pub fn for_component(kind: &ComponentKind) -> Option<&'static Schema> {
    static FC3: OnceLock<Schema> = OnceLock::new();
    static DOMAIN: OnceLock<Schema> = OnceLock::new();
    static FC: OnceLock<Schema> = OnceLock::new();
    match kind {
        ComponentKind::Fc3 => Some(FC3.get_or_init(|| load(FC3_SCHEMA))),
        ComponentKind::Fc3Domain => Some(DOMAIN.get_or_init(|| load(FC3_DOMAIN_SCHEMA))),
        ComponentKind::LegacyFc => Some(FC.get_or_init(|| load(FC_SCHEMA))),
        _ => None,
    }
}

/// A finding before it is placed in the text: the value path it concerns and whether it is
/// about the key (unknown or missing property) or the value.
/// Ranked "did you mean" fixes offered for one finding.
const MAX_FIXES: usize = 3;

#[derive(Debug)]
pub struct Finding {
    pub path: Vec<String>,
    pub on_key: bool,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Replacements for the node (title, text), best first.
    pub fixes: Vec<(String, String)>,
}

impl Finding {
    /// An error about the value at `path`, with no fix.
    fn error(path: Vec<String>, code: &'static str, message: String) -> Finding {
        Finding {
            path,
            on_key: false,
            severity: Severity::Error,
            code,
            message,
            fixes: Vec::new(),
        }
    }
}

/// Fields whose `enum` lists what is known today while new values keep appearing: a value that
/// looks plausible is a warning, not an error (reference §8.2.8).
fn open_enum_plausible(field: &str, value: &str) -> Option<bool> {
    let lower = value.to_ascii_lowercase();
    match field {
        "region" => Some(
            lower.len() > 3
                && lower
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && lower.split('-').count() >= 2
                && lower
                    .split('-')
                    .next()
                    .is_some_and(|p| p.len() >= 2 && p.chars().all(|c| c.is_ascii_lowercase())),
        ),
        "runtime" => Some(
            [
                "nodejs",
                "python",
                "java",
                "php",
                "dotnetcore",
                "go",
                "custom",
            ]
            .iter()
            .any(|p| lower.starts_with(p))
                && lower
                    .chars()
                    .any(|c| c.is_ascii_digit() || c == '.' || c == '-'),
        ),
        "gpuType" => Some(lower.starts_with("fc.gpu.")),
        "eventSourceType" | "instanceType" => Some(true),
        _ => None,
    }
}

/// Validates a value against a schema and returns findings by value path.
pub fn validate(schema: &Schema, value: &Value) -> Vec<Finding> {
    let Some(validator) = &schema.validator else {
        return Vec::new();
    };
    let json = value.to_json();
    if validator.is_valid(&json) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(&json) {
        convert(value, &error, &mut out, 0);
    }
    // One finding per node and code: `memorySize: 100` breaks both the minimum and the step.
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| {
        seen.insert((
            f.path.clone(),
            f.code,
            f.on_key,
            if f.on_key {
                f.message.clone()
            } else {
                String::new()
            },
        ))
    });
    out
}

/// For `anyOf`/`oneOf`, the branch whose type fits the value explains the failure best: report
/// its errors (a missing `logstore`) instead of "no allowed form".
fn fitting_branch<'e>(
    context: &'e [Vec<jsonschema::ValidationError<'static>>],
    path: &str,
) -> Option<&'e [jsonschema::ValidationError<'static>]> {
    let fitting: Vec<&Vec<jsonschema::ValidationError<'static>>> = context
        .iter()
        .filter(|branch| {
            !branch.iter().any(|e| {
                e.instance_path().as_str() == path
                    && matches!(
                        e.kind(),
                        ValidationErrorKind::Type { .. }
                            | ValidationErrorKind::Pattern { .. }
                            | ValidationErrorKind::Constant { .. }
                            | ValidationErrorKind::Enum { .. }
                    )
            })
        })
        .collect();
    match fitting.as_slice() {
        [one] if !one.is_empty() => Some(one.as_slice()),
        _ => None,
    }
}

fn convert(
    value: &Value,
    error: &jsonschema::ValidationError<'_>,
    out: &mut Vec<Finding>,
    depth: usize,
) {
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        error.kind()
        && depth < 8
        && let Some(branch) = fitting_branch(context, error.instance_path().as_str())
    {
        for e in branch {
            convert(value, e, out, depth + 1);
        }
        return;
    }
    {
        let path: Vec<String> = error
            .instance_path()
            .into_iter()
            .map(|s| s.to_string())
            .collect();
        let Some(target) = value_at(value, &path) else {
            return;
        };
        // Nothing is known about unknown values (or the parts of values that contain them).
        if path_touches_unknown(value, &path) {
            return;
        }
        let field = field_name(&path);
        let kind = error.kind();
        if matches!(
            kind,
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. }
        ) && target.contains_unknown()
        {
            return;
        }
        let finding = match kind {
            ValidationErrorKind::Type { kind } => Finding::error(
                path,
                "type-mismatch",
                format!(
                    "`{field}` must be {}, not {}",
                    type_words(kind),
                    describe(target)
                ),
            ),
            ValidationErrorKind::Enum { options } => {
                let options: Vec<&str> = options
                    .as_array()
                    .map(|a| a.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                let got = target.as_str().unwrap_or_default();
                let ranked = crate::suggest::ranked(got, options.iter().copied());
                let suggestion = ranked.first().copied();
                let plausible = target.as_str().and_then(|s| open_enum_plausible(&field, s));
                let (severity, code) = match plausible {
                    Some(true) => (Severity::Warning, "unknown-enum-value"),
                    _ => (Severity::Error, "invalid-value"),
                };
                let mut message = if code == "unknown-enum-value" {
                    format!("`{got}` is not a {field} sdls knows")
                } else {
                    format!("`{}` is not a valid {field}", describe_value(target))
                };
                match suggestion {
                    Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
                    None => message.push_str(&format!(" (expected {})", short_list(&options))),
                }
                Finding {
                    severity,
                    code,
                    message,
                    fixes: ranked
                        .iter()
                        .take(MAX_FIXES)
                        .map(|s| (format!("Change to `{s}`"), s.to_string()))
                        .collect(),
                    path,
                    on_key: false,
                }
            }
            ValidationErrorKind::Constant { expected_value } => Finding::error(
                path,
                "invalid-value",
                format!("`{field}` must be {expected_value}"),
            ),
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => Finding::error(
                path,
                "out-of-range",
                format!(
                    "`{field}` must be at least {limit} (it is {})",
                    describe_value(target)
                ),
            ),
            ValidationErrorKind::Maximum { limit }
            | ValidationErrorKind::ExclusiveMaximum { limit } => Finding::error(
                path,
                "out-of-range",
                format!(
                    "`{field}` must be at most {limit} (it is {})",
                    describe_value(target)
                ),
            ),
            ValidationErrorKind::MultipleOf { multiple_of } => Finding::error(
                path,
                "out-of-range",
                format!(
                    "`{field}` must be a multiple of {} (it is {})",
                    crate::value::js_number(*multiple_of),
                    describe_value(target)
                ),
            ),
            ValidationErrorKind::MinLength { limit } => Finding::error(
                path,
                "out-of-range",
                format!("`{field}` must have at least {limit} characters"),
            ),
            ValidationErrorKind::MaxLength { limit } => Finding::error(
                path,
                "out-of-range",
                format!("`{field}` must have at most {limit} characters"),
            ),
            ValidationErrorKind::MinItems { limit } => Finding::error(
                path,
                "out-of-range",
                format!("`{field}` needs at least {limit} item(s)"),
            ),
            ValidationErrorKind::MaxItems { limit } => Finding::error(
                path,
                "out-of-range",
                format!("`{field}` may have at most {limit} items"),
            ),
            ValidationErrorKind::Pattern { pattern } => Finding::error(
                path,
                "invalid-format",
                pattern_message(&field, target, pattern),
            ),
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default().to_string();
                Finding {
                    severity: Severity::Error,
                    code: "missing-property",
                    message: if path.is_empty() {
                        format!("missing required property `{name}`")
                    } else {
                        format!("`{field}` is missing required property `{name}`")
                    },
                    fixes: Vec::new(),
                    path,
                    on_key: true,
                }
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                Finding::error(
                    path,
                    "invalid-value",
                    format!(
                        "`{field}` does not have any allowed form ({})",
                        describe(target)
                    ),
                )
            }
            ValidationErrorKind::UniqueItems => Finding::error(
                path,
                "invalid-value",
                format!("`{field}` has duplicate items"),
            ),
            _ => Finding::error(path, "invalid-value", format!("`{field}`: {error}")),
        };
        out.push(finding);
    }
}

fn short_list(options: &[&str]) -> String {
    let shown: Vec<String> = options.iter().take(8).map(|o| format!("`{o}`")).collect();
    if options.len() > 8 {
        format!("one of {}, …", shown.join(", "))
    } else {
        format!("one of {}", shown.join(", "))
    }
}

fn pattern_message(field: &str, target: &Value, pattern: &str) -> String {
    let got = describe_value(target);
    match field {
        "functionName" => format!(
            "`{got}` is not a valid functionName: 1–64 letters, digits, `_` or `-`, not starting with a digit or `-`"
        ),
        "triggerName" => format!(
            "`{got}` is not a valid triggerName: 1–128 letters, digits, `_` or `-`, not starting with a digit or `-`"
        ),
        _ => format!("`{field}` value `{got}` does not match the expected format `{pattern}`"),
    }
}

fn type_words(kind: &TypeKind) -> String {
    fn one(t: &jsonschema::JsonType) -> &'static str {
        match t.to_string().as_str() {
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "a boolean",
            "array" => "a list",
            "object" => "a mapping",
            "null" => "null",
            _ => "another type",
        }
    }
    match kind {
        TypeKind::Single(t) => one(t).to_string(),
        TypeKind::Multiple(set) => set.iter().map(|t| one(&t)).collect::<Vec<_>>().join(" or "),
    }
}

fn describe(v: &Value) -> String {
    match &v.kind {
        Kind::Str(s) => format!("the string \"{}\"", truncate(s)),
        Kind::Int(i) => format!("the number {i}"),
        Kind::Float(f) => format!("the number {}", crate::value::js_number(*f)),
        Kind::Bool(b) => format!("the boolean {b}"),
        Kind::Null => "empty".into(),
        Kind::List(_) => "a list".into(),
        Kind::Map(_) => "a mapping".into(),
        Kind::Unknown(_) => "unknown".into(),
    }
}

fn describe_value(v: &Value) -> String {
    match &v.kind {
        Kind::Str(s) => truncate(s),
        _ => v.js_string().map(|s| truncate(&s)).unwrap_or_default(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

fn field_name(path: &[String]) -> String {
    match path {
        [] => "props".into(),
        [.., parent, last] if last.chars().all(|c| c.is_ascii_digit()) => {
            format!("{parent}[{last}]")
        }
        [.., last] => last.clone(),
    }
}

pub fn value_at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    value.path(&segs)
}

fn path_touches_unknown(value: &Value, path: &[String]) -> bool {
    let mut current = value;
    if current.is_unknown() {
        return true;
    }
    for seg in path {
        let next = match &current.kind {
            Kind::Map(m) => m.iter().find(|m| &m.key == seg).map(|m| &m.value),
            Kind::List(l) => seg.parse::<usize>().ok().and_then(|i| l.get(i)),
            _ => None,
        };
        match next {
            Some(n) if n.is_unknown() => return true,
            Some(n) => current = n,
            None => return false,
        }
    }
    false
}

// ---- the unknown-key pass ----

/// Follows local `$ref`s.
fn deref<'s>(root: &'s Json, mut node: &'s Json) -> &'s Json {
    for _ in 0..16 {
        let Some(r) = node.get("$ref").and_then(Json::as_str) else {
            return node;
        };
        let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p)) else {
            return node;
        };
        node = target;
    }
    node
}

/// A scalar's JSON form without building containers (only scalars are compared in `if`s).
fn scalar_json(v: &Value) -> Json {
    match &v.kind {
        Kind::Map(_) | Kind::List(_) => Json::Null,
        _ => v.to_json(),
    }
}

/// Whether an `if` schema holds for `instance` (const / enum / prefix pattern / required / not).
fn if_holds(cond: &Json, instance: &Value) -> Option<bool> {
    if let Some(not) = cond.get("not") {
        return if_holds(not, instance).map(|b| !b);
    }
    let map = instance.as_map()?;
    if let Some(required) = cond.get("required").and_then(Json::as_array) {
        for r in required.iter().filter_map(Json::as_str) {
            match map.iter().find(|m| m.key == r) {
                None => return Some(false),
                Some(m) if m.value.is_unknown() => return None,
                Some(_) => {}
            }
        }
    }
    if let Some(props) = cond.get("properties").and_then(Json::as_object) {
        for (key, sub) in props {
            let Some(member) = map.iter().find(|m| &m.key == key) else {
                continue;
            };
            if member.value.is_unknown() {
                return None;
            }
            let json = scalar_json(&member.value);
            if let Some(c) = sub.get("const")
                && &json != c
            {
                return Some(false);
            }
            if let Some(options) = sub.get("enum").and_then(Json::as_array)
                && !options.contains(&json)
            {
                return Some(false);
            }
            if let Some(p) = sub.get("pattern").and_then(Json::as_str) {
                let prefix = p.trim_start_matches('^');
                if p.starts_with('^')
                    && prefix
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                    && !json.as_str().is_some_and(|s| s.starts_with(prefix))
                {
                    return Some(false);
                }
            }
        }
    }
    Some(true)
}

/// The schema branches that apply to an object instance.
fn branches<'s>(
    schema: &'s Schema,
    node: &Json,
    instance: &Value,
    out: &mut Vec<&'s Shape>,
    depth: usize,
) {
    if depth > 12 {
        return;
    }
    let Some(shape) = schema.shape(node) else {
        return;
    };
    out.push(shape);
    for sub in &shape.subs {
        branches(schema, sub, instance, out, depth + 1);
    }
    if let Some((cond, then, els)) = shape.cond {
        match if_holds(cond, instance) {
            Some(true) => {
                if let Some(then) = then {
                    branches(schema, then, instance, out, depth + 1);
                }
            }
            Some(false) => {
                if let Some(els) = els {
                    branches(schema, els, instance, out, depth + 1);
                }
            }
            None => {}
        }
    }
}

/// Walks `value` with `schema` and reports keys no applicable branch declares.
pub fn unknown_keys(
    schema: &Schema,
    value: &Value,
    legacy_names: &dyn Fn(&[String], &str) -> Option<&'static str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    walk_keys(
        schema,
        &[schema.json],
        value,
        &mut Vec::new(),
        legacy_names,
        &mut out,
        0,
    );
    out
}

fn walk_keys(
    schema: &Schema,
    nodes: &[&Json],
    value: &Value,
    path: &mut Vec<String>,
    legacy_names: &dyn Fn(&[String], &str) -> Option<&'static str>,
    out: &mut Vec<Finding>,
    depth: usize,
) {
    if depth > 64 || value.is_unknown() {
        return;
    }
    match &value.kind {
        Kind::Map(members) => {
            let mut applicable: Vec<&Shape> = Vec::new();
            for node in nodes {
                branches(schema, node, value, &mut applicable, 0);
            }
            let declared = applicable.iter().any(|b| b.properties.is_some());
            let open = applicable.iter().any(|b| b.open);
            let known = || -> Vec<&str> {
                applicable
                    .iter()
                    .filter_map(|b| b.properties.as_ref())
                    .flatten()
                    .map(|(k, _)| *k)
                    .collect()
            };
            for Member {
                key, value: child, ..
            } in members
            {
                let mut child_schemas: Vec<&Json> = applicable
                    .iter()
                    .filter_map(|b| b.properties.as_ref())
                    .flatten()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
                    .collect();
                if declared && !open && child_schemas.is_empty() {
                    path.push(key.clone());
                    out.push(unknown_key_finding(path, key, &known(), legacy_names));
                    path.pop();
                    continue;
                }
                if child_schemas.is_empty() {
                    child_schemas.extend(applicable.iter().filter_map(|b| b.additional));
                }
                if !child_schemas.is_empty() && matches!(child.kind, Kind::Map(_) | Kind::List(_)) {
                    path.push(key.clone());
                    walk_keys(
                        schema,
                        &child_schemas,
                        child,
                        path,
                        legacy_names,
                        out,
                        depth + 1,
                    );
                    path.pop();
                }
            }
        }
        Kind::List(items) => {
            let item_schemas: Vec<&Json> = nodes
                .iter()
                .filter_map(|n| schema.shape(n))
                .flat_map(|s| s.items.iter().copied())
                .collect();
            if item_schemas.is_empty() {
                return;
            }
            for (i, item) in items.iter().enumerate() {
                if !matches!(item.kind, Kind::Map(_) | Kind::List(_)) {
                    continue;
                }
                path.push(i.to_string());
                walk_keys(
                    schema,
                    &item_schemas,
                    item,
                    path,
                    legacy_names,
                    out,
                    depth + 1,
                );
                path.pop();
            }
        }
        _ => {}
    }
}

fn unknown_key_finding(
    path: &[String],
    key: &str,
    known: &[&str],
    legacy_names: &dyn Fn(&[String], &str) -> Option<&'static str>,
) -> Finding {
    if let Some(replacement) = legacy_names(path, key) {
        return Finding {
            path: path.to_vec(),
            on_key: true,
            severity: Severity::Warning,
            code: "legacy-property",
            message: format!(
                "`{key}` is a legacy (FC 2.0) property that fc3 ignores; use `{replacement}`"
            ),
            fixes: Vec::new(),
        };
    }
    let ranked = crate::suggest::ranked(key, known.iter().copied());
    let mut message = format!("unknown property `{key}`");
    match ranked.first() {
        Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
        None => message.push_str(" (the component ignores it)"),
    }
    Finding {
        path: path.to_vec(),
        on_key: true,
        severity: Severity::Warning,
        code: "unknown-property",
        message,
        fixes: ranked
            .iter()
            .take(MAX_FIXES)
            .map(|b| (format!("Rename to `{b}`"), b.to_string()))
            .collect(),
    }
}

/// The schema description of the property at `path` (for hover), through `$ref`s and branches.
pub fn describe_path(schema: &Schema, value: &Value, path: &[String]) -> Option<Json> {
    let mut node: &Json = schema.json;
    let mut current = value;
    for seg in path {
        let mut applicable = Vec::new();
        branches(schema, node, current, &mut applicable, 0);
        let next = applicable
            .iter()
            .filter_map(|b| b.properties.as_ref())
            .flatten()
            .find(|(k, _)| k == seg)
            .map(|(_, v)| *v)
            .or_else(|| {
                applicable
                    .iter()
                    .find_map(|b| b.items.first().copied().or(b.additional))
            })?;
        node = next;
        current = match &current.kind {
            Kind::Map(m) => m.iter().find(|m| &m.key == seg).map(|m| &m.value)?,
            Kind::List(l) => l.get(seg.parse::<usize>().ok()?)?,
            _ => current,
        };
    }
    schema.shape(node).map(|s| s.node.clone())
}

pub fn finding_to_diag(f: &Finding, range: syntax::TextRange) -> Diagnostic {
    let mut d = Diagnostic::new(f.severity, range, f.code, f.message.clone());
    for (title, text) in &f.fixes {
        d = d.with_fix(title.clone(), range, text.clone());
    }
    d
}

// ---- for editor features (hover, completion) ----

/// The schema nodes (`$ref`s followed) that apply to `instance` at `node`: the node itself, its
/// `allOf` and object-like `anyOf`/`oneOf` items, and the `then`/`else` its `if`s select.
pub(crate) fn applicable_nodes(
    schema: &Schema,
    node: &Json,
    instance: &Value,
) -> Vec<&'static Json> {
    let mut shapes = Vec::new();
    branches(schema, node, instance, &mut shapes, 0);
    shapes.into_iter().map(|s| s.node).collect()
}

/// A node of `schema` with its local `$ref`s followed.
pub(crate) fn follow_ref(schema: &Schema, node: &'static Json) -> &'static Json {
    deref(schema.json, node)
}
