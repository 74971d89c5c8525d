//! Hover: schema docs of the key or value under the cursor, the resolved value of a `${...}`.
//!
//! The node under the cursor is found by walking the tree from the root ([`cursor::locate`]);
//! nothing is re-checked. On a `${...}` expression the value comes from the resolved model (the
//! value at the same path, when the scalar is that one expression) or from a small evaluator of
//! the statically known forms (`vars.*`, `this.*`, `resources.R.props.*`); run-time values show
//! their expression and why they are unknown. Secrets are masked: `config()`, `secret()` and
//! credentials are unknown by construction, and values reached through a name that
//! [`cursor::looks_secret`] (a var, an env var, a key) are shown as `••••••`.

use serde_json::Value as Json;
use syntax::{NodeId, TextSize, Tree};

use super::HoverResult;
use super::cursor::{self, Located, Seg};
use crate::Analysis;
use crate::expr::{self, Expr, Segment};
use crate::model::Resource;
use crate::value::{FileId, Kind, Value};

/// What a masked value looks like (its length is not revealed).
pub(crate) const MASK: &str = "••••••";

pub fn hover(analysis: &Analysis, offset: TextSize) -> Option<HoverResult> {
    let file = analysis.sources.files.first()?;
    let text = &file.text;
    let offset = cursor::clamp(text, usize::from(offset));
    let tree = file.tree();
    let loc = cursor::locate(tree, offset);
    let last = loc.steps.last()?;
    let node = if loc.on_key { last.key? } else { last.value };
    let node_range = tree.range(node);
    // A `${...}` under the cursor.
    if tree.scalar(node).is_some()
        && let Some(source) =
            text.get(usize::from(node_range.start())..usize::from(node_range.end()))
    {
        let rel = offset - usize::from(node_range.start());
        for seg in expr::segments(source) {
            if let Segment::Expr { inner, start, end } = seg
                && start <= rel
                && rel < end
            {
                let at = usize::from(node_range.start());
                let range = cursor::range(at + start, at + end);
                let markdown = expr_hover(analysis, &loc, node, inner);
                return Some(HoverResult { range, markdown });
            }
        }
    }
    if tree.scalar(node).is_none() && !loc.on_key {
        return None;
    }
    let markdown = field_hover(analysis, &loc)?;
    Some(HoverResult {
        range: node_range,
        markdown,
    })
}

// ---- schema docs ----

fn field_hover(analysis: &Analysis, loc: &Located) -> Option<String> {
    let mut steps = &loc.steps[..];
    // A list item's docs are its list's.
    while let [rest @ .., last] = steps
        && matches!(last.seg, Seg::Index(_))
    {
        steps = rest;
    }
    let name = steps.last()?.seg.text();
    let levels: Vec<(Seg, Option<NodeId>)> = steps
        .iter()
        .map(|s| (s.seg.clone(), Some(s.value)))
        .collect();
    let path: Vec<String> = levels.iter().map(|(s, _)| s.text()).collect();
    let mut out = String::new();
    // A variable's own key: its resolved value.
    if path.len() >= 2 && path[0] == "vars" && loc.on_key {
        let var_path = &path[1..];
        out.push_str(&format!("**variable `vars.{}`**", var_path.join(".")));
        if let Some(v) = analysis.model.as_ref().and_then(|m| {
            let segs: Vec<&str> = var_path.iter().map(String::as_str).collect();
            m.vars.path(&segs)
        }) {
            let secret = var_path.iter().any(|s| cursor::looks_secret(s))
                || def_mentions_secret(analysis, v);
            out.push_str("\n\n");
            out.push_str(&render_value(v, secret));
        }
        out.push_str(&format!("\n\nRead as `${{vars.{}}}`.", var_path.join(".")));
        return Some(out);
    }
    let pos = cursor::schema_at(analysis, &levels)?;
    let doc = cursor::field_doc(pos.schema, &pos.field);
    let required = cursor::required(&pos.parent).contains(&name.as_str());
    out.push_str(&format!("**{name}**"));
    if !doc.types.is_empty() {
        out.push_str(&format!(" · `{}`", doc.types.join(" | ")));
    }
    if required {
        out.push_str(" · required");
    }
    if let Some(d) = &doc.description {
        out.push_str("\n\n");
        out.push_str(d);
    }
    let mut facts = Vec::new();
    if !doc.limits.is_empty() {
        facts.push(format!("Limits: {}", doc.limits.join(", ")));
    }
    if let Some(p) = &doc.pattern {
        facts.push(format!("Pattern: `{p}`"));
    }
    if let Some(d) = &doc.default {
        facts.push(format!("Default: `{}`", cursor::json_scalar(d)));
    }
    let values = if doc.enum_values.is_empty() {
        &doc.item_enum
    } else {
        &doc.enum_values
    };
    if !values.is_empty() {
        let shown: Vec<String> = values
            .iter()
            .take(30)
            .map(|v| format!("`{}`", cursor::json_scalar(v)))
            .collect();
        let more = if values.len() > 30 { ", …" } else { "" };
        facts.push(format!("Allowed: {}{more}", shown.join(", ")));
    }
    if !facts.is_empty() {
        out.push_str("\n\n");
        out.push_str(
            &facts
                .iter()
                .map(|f| format!("- {f}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    if let Some(url) = &doc.url {
        out.push_str(&format!("\n\n[Function Compute documentation]({url})"));
    }
    Some(out)
}

// ---- `${...}` ----

/// What an expression evaluates to here, as far as hover can tell.
enum Found<'a> {
    Value(&'a Value),
    Owned(Value),
    /// Part of a longer string whose whole value is known.
    PartOf(&'a Value),
    Nothing,
}

fn expr_hover(analysis: &Analysis, loc: &Located, node: NodeId, inner: &str) -> String {
    let tree = analysis.sources.tree(FileId::MAIN);
    let text = format!("${{{inner}}}");
    let parsed = expr::parse(inner);
    let resource = current_resource(analysis, loc);
    let at_path = if loc.on_key {
        None
    } else {
        model_value(analysis, loc, resource)
    };
    let whole = tree.text(node).is_some_and(|t| t.trim() == text);
    let found = match at_path {
        Some(v) if whole => Found::Value(v),
        _ => match evaluate(analysis, resource, &parsed) {
            Some(v) => Found::Owned(v),
            None => match at_path {
                Some(v) if !v.is_unknown() => Found::PartOf(v),
                _ => Found::Nothing,
            },
        },
    };
    let mut secret = expr_names(&parsed).iter().any(|n| cursor::looks_secret(n))
        || loc
            .steps
            .iter()
            .any(|s| s.seg.as_key().is_some_and(cursor::looks_secret));
    if let Expr::Path(parts) = &parsed
        && parts.first().map(String::as_str) == Some("vars")
        && let Some(model) = &analysis.model
    {
        let segs: Vec<&str> = parts[1..].iter().map(String::as_str).collect();
        if let Some(v) = model.vars.path(&segs) {
            secret |= def_mentions_secret(analysis, v);
        }
    }
    let mut out = format!("**`{}`**", code_safe(&text));
    match &found {
        Found::Value(v) => push_value(&mut out, v, secret),
        Found::Owned(v) => push_value(&mut out, v, secret),
        Found::PartOf(v) => {
            out.push_str("\n\nPart of the value ");
            out.push_str(&render_value(v, secret));
        }
        Found::Nothing => {
            out.push_str("\n\nNot resolved here.");
        }
    }
    match &parsed {
        Expr::Path(parts) if parts.first().map(String::as_str) == Some("vars") => {
            out.push_str(&var_definition(analysis, &parts[1..], secret));
        }
        Expr::Call { name, args, .. } if name == "env" => {
            if let Some(Expr::Str(var)) = args.first() {
                let var = var.split(',').next().unwrap_or(var).trim();
                out.push_str(&format!(
                    "\n\nEnvironment variable `{var}`: the process environment first, then the `.env` files (the workspace's, the file's folder's, each code folder's)."
                ));
            }
        }
        _ => {}
    }
    out
}

fn push_value(out: &mut String, v: &Value, secret: bool) {
    if let Kind::Unknown(u) = &v.kind {
        out.push_str(&format!(
            "\n\nUnknown until `s` runs: {}. Kept as `{}`.",
            u.reason.describe(),
            code_safe(&u.text)
        ));
        return;
    }
    out.push_str("\n\nValue: ");
    out.push_str(&render_value(v, secret));
}

/// Backticks would end inline code.
fn code_safe(s: &str) -> String {
    s.replace('`', "'")
}

/// A short rendering: inline code for short values, a JSON block (at most 20 lines) otherwise.
pub(crate) fn render_value(v: &Value, secret: bool) -> String {
    if let Kind::Unknown(u) = &v.kind {
        return format!("unknown until `s` runs ({})", u.reason.describe());
    }
    if secret {
        return format!("`{MASK}` (hidden: the name looks like a secret)");
    }
    let json = mask_json(v.to_json());
    let compact = json.to_string();
    if compact.chars().count() <= 80 {
        return format!("`{}` ({})", code_safe(&compact), v.type_name());
    }
    let pretty = serde_json::to_string_pretty(&json).unwrap_or(compact);
    let mut lines: Vec<String> = pretty
        .lines()
        .take(20)
        .map(|l| {
            if l.chars().count() > 120 {
                format!("{}…", l.chars().take(120).collect::<String>())
            } else {
                l.to_string()
            }
        })
        .collect();
    if pretty.lines().count() > 20 {
        lines.push("…".into());
    }
    format!("({})\n\n```json\n{}\n```", v.type_name(), lines.join("\n"))
}

/// Values under secret-looking keys inside a map are masked too.
fn mask_json(j: Json) -> Json {
    match j {
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if cursor::looks_secret(&k) && !v.is_null() {
                        (k, Json::String(MASK.into()))
                    } else {
                        (k, mask_json(v))
                    }
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(mask_json).collect()),
        other => other,
    }
}

/// Names an expression reads: path segments, env variable names, call arguments.
fn expr_names(e: &Expr) -> Vec<String> {
    match e {
        Expr::Path(p) => p.clone(),
        Expr::Call { name, args, tail } => {
            let mut out = vec![name.clone()];
            for a in args {
                match a {
                    Expr::Str(s) => out.push(s.clone()),
                    other => out.extend(expr_names(other)),
                }
            }
            out.extend(tail.iter().cloned());
            out
        }
        Expr::Str(s) | Expr::Other(s) => vec![s.clone()],
        Expr::Num(_) => Vec::new(),
    }
}

/// Whether a value's definition reads something secret (`${env('DB_PASSWORD')}`, `secret()`).
fn def_mentions_secret(analysis: &Analysis, v: &Value) -> bool {
    let Some(def) = v.origin.def else {
        return false;
    };
    if def.file.0 as usize >= analysis.sources.files.len() {
        return false;
    }
    let source = analysis.sources.text(def);
    expr::segments(source).iter().any(|s| match s {
        Segment::Expr { inner, .. } => {
            let parsed = expr::parse(inner);
            matches!(&parsed, Expr::Call { name, .. } if matches!(name.as_str(), "config" | "secret"))
                || expr_names(&parsed).iter().any(|n| cursor::looks_secret(n) || n == "credential")
        }
        Segment::Literal(_) => false,
    })
}

/// The resource (or legacy service) whose entry holds the cursor.
fn current_resource<'a>(analysis: &'a Analysis, loc: &Located) -> Option<&'a Resource> {
    let model = analysis.model.as_ref()?;
    let first = loc.steps.first()?;
    if !matches!(first.seg.as_key(), Some("resources" | "services")) {
        return None;
    }
    let entry = loc.steps.get(1)?;
    let key = entry.key?;
    model
        .resources
        .iter()
        .find(|r| r.key.file == FileId::MAIN && r.key.node == key)
        .or_else(|| {
            let name = entry.seg.as_key()?;
            model.resources.iter().find(|r| r.name == name)
        })
}

/// The resolved value at the cursor's path, when the model has one.
fn model_value<'a>(
    analysis: &'a Analysis,
    loc: &Located,
    resource: Option<&'a Resource>,
) -> Option<&'a Value> {
    let model = analysis.model.as_ref()?;
    let path = loc.path();
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["vars", rest @ ..] => model.vars.path(rest),
        [_, _, "props", rest @ ..] => resource?.props.path(rest),
        [_, _, "component"] => Some(&resource?.component),
        [_, _, "actions", rest @ ..] => resource?.actions.as_ref()?.path(rest),
        _ => None,
    }
}

/// The statically known forms, evaluated from the model.
fn evaluate(analysis: &Analysis, resource: Option<&Resource>, e: &Expr) -> Option<Value> {
    use crate::value::{Origin, UnknownReason};
    let model = analysis.model.as_ref()?;
    let text = || match e {
        Expr::Path(p) => format!("${{{}}}", p.join(".")),
        _ => String::new(),
    };
    match e {
        Expr::Path(parts) => {
            let segs: Vec<&str> = parts.iter().map(String::as_str).collect();
            match segs.as_slice() {
                ["vars", rest @ ..] => model.vars.path(rest).cloned(),
                ["this" | "that", "name"] => {
                    resource.map(|r| Value::str(r.name.clone(), Origin::default()))
                }
                ["this" | "that", "props", rest @ ..] => resource?.props.path(rest).cloned(),
                ["this" | "that", "output" | "info", ..]
                | ["resources", _, "output" | "info", ..]
                | ["components", ..] => Some(Value::unknown(
                    text(),
                    UnknownReason::RunTimeOutput,
                    Origin::default(),
                )),
                ["resources", name, "props", rest @ ..] => model
                    .resources
                    .iter()
                    .find(|r| r.name == *name)?
                    .props
                    .path(rest)
                    .cloned(),
                ["resources", name, "component"] => model
                    .resources
                    .iter()
                    .find(|r| r.name == *name)
                    .map(|r| r.component.clone()),
                ["credential", ..] => Some(Value::unknown(
                    text(),
                    UnknownReason::Credential,
                    Origin::default(),
                )),
                ["self" | "shared", ..] => Some(Value::unknown(
                    text(),
                    UnknownReason::TemplatePlaceholder,
                    Origin::default(),
                )),
                _ => None,
            }
        }
        Expr::Call { name, args, .. } => {
            let arg = match args.first() {
                Some(Expr::Str(s)) => s.clone(),
                _ => String::new(),
            };
            let call = format!("${{{name}('{arg}')}}");
            match name.as_str() {
                "config" => Some(Value::unknown(
                    call,
                    UnknownReason::Config,
                    Origin::default(),
                )),
                "secret" => Some(Value::unknown(
                    call,
                    UnknownReason::Secret,
                    Origin::default(),
                )),
                "regex" => Some(Value::unknown(
                    call,
                    UnknownReason::Dynamic,
                    Origin::default(),
                )),
                _ => None,
            }
        }
        Expr::Str(s) => Some(Value::str(s.clone(), Origin::default())),
        Expr::Num(_) | Expr::Other(_) => None,
    }
}

/// "Defined on line N" for `vars.a.b`, with the file when it is an `extend` base.
fn var_definition(analysis: &Analysis, path: &[String], secret: bool) -> String {
    let name = format!("vars.{}", path.join("."));
    // From the model: the member chain knows each key's site (the base file's too).
    let mut site = None;
    let mut value = None;
    if let Some(model) = &analysis.model {
        let mut current = &model.vars;
        let mut ok = true;
        for seg in path {
            match current.member(seg) {
                Some(m) => {
                    site = m.key_site;
                    current = &m.value;
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            value = Some(current);
        } else {
            site = None;
        }
    }
    let located = match site {
        Some(s) if (s.file.0 as usize) < analysis.sources.files.len() => {
            let file = analysis.sources.file(s.file);
            let at = usize::from(file.tree().range(s.node).start());
            Some((s.file, cursor::line_number(&file.text, at)))
        }
        _ => tree_var_line(
            analysis.sources.tree(FileId::MAIN),
            &analysis.sources.files[0].text,
            path,
        )
        .map(|l| (FileId::MAIN, l)),
    };
    let Some((file, line)) = located else {
        return format!("\n\n`{name}` is not defined in `vars`.");
    };
    let mut out = format!("\n\nDefined as `{name}` on line {line}");
    if file != FileId::MAIN {
        let p = &analysis.sources.file(file).path;
        let shown = p.file_name().map_or_else(
            || p.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        out.push_str(&format!(" of `{shown}` (the `extend` base)"));
    }
    if let Some(v) = value
        && let Some(def) = v.origin.def
        && (def.file.0 as usize) < analysis.sources.files.len()
    {
        let raw = analysis.sources.text(def);
        if secret {
            out.push_str(&format!(": `{MASK}`"));
        } else if raw.lines().count() <= 1 && raw.chars().count() <= 80 {
            out.push_str(&format!(": `{}`", code_safe(raw)));
        }
    }
    out.push('.');
    out
}

fn tree_var_line(tree: &Tree, text: &str, path: &[String]) -> Option<usize> {
    let mut node = tree.root()?;
    let mut key = None;
    for seg in std::iter::once("vars").chain(path.iter().map(String::as_str)) {
        let e = tree.get(node, seg)?;
        key = Some(e.key_node);
        node = e.value;
    }
    let at = usize::from(tree.range(key?).start());
    Some(cursor::line_number(text, at))
}
