//! Completion inside `${...}`: `vars.` names, `env('NAME')` names (the `.env` next to the file,
//! read through the host, and names the file already reads), `resources.R` and their props,
//! `this.`, and the helper functions.

use std::path::Path;

use syntax::{NodeId, Tree};

use super::cursor::{self, Seg};
use super::hover::MASK;
use super::{CompletionItem, CompletionKind};
use crate::value::{FileId, Value};
use crate::{Analysis, Host};

pub(crate) struct ExprCtx<'a> {
    pub(crate) text: &'a str,
    pub(crate) offset: usize,
    /// Where the text after `${` starts.
    pub(crate) typed_start: usize,
    /// The rest of the line after the cursor.
    pub(crate) after: &'a str,
    /// The path of the mapping holding the cursor's line (for `this`).
    pub(crate) levels: &'a [(Seg, Option<NodeId>)],
}

const FUNCTIONS: [(&str, &str, &str); 10] = [
    (
        "env",
        "env('${1:NAME}')",
        "an environment variable (process, then `.env` files)",
    ),
    (
        "file",
        "file('${1:./file}')",
        "the text of a file, relative to this file",
    ),
    (
        "path",
        "path('${1:./dir}')",
        "the absolute path of a file or folder",
    ),
    ("json", "json(file('${1:./file.json}'))", "parsed JSON"),
    ("yaml", "yaml(file('${1:./file.yaml}'))", "parsed YAML"),
    ("base64", "base64(${1:text})", "the base64 of the text"),
    ("str", "str('${1:vars.x}')", "the string of a value"),
    (
        "config",
        "config('${1:AccountID}')",
        "a credential field of the access alias (unknown here)",
    ),
    (
        "secret",
        "secret('${1:key}')",
        "a value from `s secret` (unknown here)",
    ),
    (
        "regex",
        "regex('${1:deploy}')",
        "whether the command matches (action and flow keys)",
    ),
];

pub(crate) fn complete(
    analysis: &Analysis,
    host: &dyn Host,
    path: &Path,
    ctx: &ExprCtx<'_>,
) -> Vec<CompletionItem> {
    let typed = &ctx.text[ctx.typed_start..ctx.offset];
    let closed = ctx.after.contains('}');
    let close = if closed { "" } else { "}" };
    let mut out = Vec::new();
    // env('NA|
    if let Some(rest) = typed.strip_prefix("env(") {
        let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'));
        let partial = &rest[quote.map_or(0, char::len_utf8)..];
        if !partial
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            return out;
        }
        let end = ctx.offset + word(ctx.after);
        let tail = &ctx.text[end..ctx.offset + ctx.after.len()];
        let q = quote.unwrap_or('\'');
        let mut suffix = String::new();
        if !tail.starts_with(q) {
            suffix.push(q);
        }
        if !tail.trim_start_matches(q).starts_with(')') {
            suffix.push(')');
        }
        suffix.push_str(close);
        let prefix = if quote.is_none() {
            q.to_string()
        } else {
            String::new()
        };
        let replace = cursor::range(ctx.offset - partial.len(), end);
        for (i, (name, detail)) in env_names(analysis, host, path).into_iter().enumerate() {
            out.push(CompletionItem {
                insert_text: format!("{prefix}{name}{suffix}"),
                label: name,
                kind: CompletionKind::Variable,
                detail: Some(detail),
                documentation: None,
                is_snippet: false,
                replace_range: replace,
                sort_text: format!("0{i:04}"),
            });
        }
        return out;
    }
    if typed.contains(['(', ')', '\'', '"', ' ']) {
        return out;
    }
    let (head, partial) = match typed.rfind('.') {
        Some(i) => (&typed[..i], &typed[i + 1..]),
        None => ("", typed),
    };
    let replace = cursor::range(ctx.offset - partial.len(), ctx.offset + word(ctx.after));
    let parts: Vec<&str> = if head.is_empty() {
        Vec::new()
    } else {
        head.split('.').collect()
    };
    let tree = analysis.sources.tree(FileId::MAIN);
    let current = current_resource(ctx.levels);
    let mut push = |label: &str, kind: CompletionKind, detail: Option<String>, sort: String| {
        out.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
            documentation: None,
            insert_text: format!("{label}{close}"),
            is_snippet: false,
            replace_range: replace,
            sort_text: sort,
        });
    };
    match parts.as_slice() {
        [] => {
            // Roots, each `vars.x`, and the functions.
            for (i, name) in ["vars", "resources", "this", "cwd"].iter().enumerate() {
                if *name == "this" && current.is_none() {
                    continue;
                }
                push(name, CompletionKind::Variable, None, format!("1{i:04}"));
            }
            for (i, (name, detail)) in members(analysis, tree, "vars", &[]).into_iter().enumerate()
            {
                push(
                    &format!("vars.{name}"),
                    CompletionKind::Variable,
                    Some(detail),
                    format!("0{i:04}"),
                );
            }
            for (i, (name, snippet, doc)) in FUNCTIONS.iter().enumerate() {
                out.push(CompletionItem {
                    label: format!("{name}()"),
                    kind: CompletionKind::Snippet,
                    detail: Some((*doc).to_string()),
                    documentation: None,
                    insert_text: format!("{snippet}{close}"),
                    is_snippet: true,
                    replace_range: replace,
                    sort_text: format!("2{i:04}"),
                });
            }
        }
        ["vars", rest @ ..] => {
            for (i, (name, detail)) in members(analysis, tree, "vars", rest)
                .into_iter()
                .enumerate()
            {
                push(
                    &name,
                    CompletionKind::Variable,
                    Some(detail),
                    format!("0{i:04}"),
                );
            }
        }
        ["resources"] => {
            for (i, (name, kind)) in resource_names(analysis, tree).into_iter().enumerate() {
                push(&name, CompletionKind::Resource, kind, format!("0{i:06}"));
            }
        }
        ["resources", _] | ["this"] => {
            let fields: &[&str] = if parts[0] == "this" {
                &["name", "props", "vars", "component", "access", "output"]
            } else {
                &["props", "output", "vars", "component", "info"]
            };
            for (i, f) in fields.iter().enumerate() {
                push(f, CompletionKind::Property, None, format!("0{i:04}"));
            }
        }
        ["resources", name, "props", rest @ ..] => {
            for (i, (k, detail)) in props_of(analysis, tree, name, rest).into_iter().enumerate() {
                push(
                    &k,
                    CompletionKind::Property,
                    Some(detail),
                    format!("0{i:04}"),
                );
            }
        }
        ["this", "props", rest @ ..] => {
            if let Some(name) = current {
                for (i, (k, detail)) in props_of(analysis, tree, &name, rest)
                    .into_iter()
                    .enumerate()
                {
                    push(
                        &k,
                        CompletionKind::Property,
                        Some(detail),
                        format!("0{i:04}"),
                    );
                }
            }
        }
        _ => {}
    }
    out
}

fn word(after: &str) -> usize {
    after
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        .map(char::len_utf8)
        .sum()
}

fn current_resource(levels: &[(Seg, Option<NodeId>)]) -> Option<String> {
    match levels {
        [(Seg::Key(top), _), (Seg::Key(name), _), ..]
            if top == "resources" || top == "services" =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

/// A short one-line rendering for a detail, masked when the name looks secret.
fn short(name: &str, v: &Value) -> String {
    if cursor::looks_secret(name) {
        return MASK.to_string();
    }
    if v.is_unknown() {
        return "unknown until `s` runs".into();
    }
    let s = v.to_json().to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Member names (and a short value) of `vars` at `path`: the model's, else the tree's.
fn members(analysis: &Analysis, tree: &Tree, top: &str, path: &[&str]) -> Vec<(String, String)> {
    if let Some(model) = &analysis.model {
        return model
            .vars
            .path(path)
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .map(|m| (m.key.clone(), short(&m.key, &m.value)))
                    .collect()
            })
            .unwrap_or_default();
    }
    let Some(mut node) = tree.root() else {
        return Vec::new();
    };
    for seg in std::iter::once(top).chain(path.iter().copied()) {
        match tree.get(node, seg) {
            Some(e) => node = e.value,
            None => return Vec::new(),
        }
    }
    tree.mapping(node)
        .map(|m| {
            m.entries
                .iter()
                .map(|e| {
                    let k = tree.key_text(e.key);
                    let v = if cursor::looks_secret(&k) {
                        MASK.to_string()
                    } else {
                        tree.text(e.value).unwrap_or_default().to_string()
                    };
                    (k, v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn resource_names(analysis: &Analysis, tree: &Tree) -> Vec<(String, Option<String>)> {
    if let Some(model) = &analysis.model {
        return model
            .resources
            .iter()
            .map(|r| (r.name.clone(), r.component.as_str().map(str::to_string)))
            .collect();
    }
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let Some(e) = tree
        .get(root, "resources")
        .or_else(|| tree.get(root, "services"))
    else {
        return Vec::new();
    };
    tree.mapping(e.value)
        .map(|m| {
            m.entries
                .iter()
                .map(|e| (tree.key_text(e.key), None))
                .collect()
        })
        .unwrap_or_default()
}

fn props_of(analysis: &Analysis, tree: &Tree, name: &str, path: &[&str]) -> Vec<(String, String)> {
    if let Some(model) = &analysis.model
        && let Some(r) = model.resources.iter().find(|r| r.name == name)
    {
        return r
            .props
            .path(path)
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .map(|m| (m.key.clone(), short(&m.key, &m.value)))
                    .collect()
            })
            .unwrap_or_default();
    }
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let mut node = root;
    for seg in ["resources", name, "props"]
        .into_iter()
        .chain(path.iter().copied())
    {
        match tree.get(node, seg) {
            Some(e) => node = e.value,
            None => return Vec::new(),
        }
    }
    tree.mapping(node)
        .map(|m| {
            m.entries
                .iter()
                .map(|e| (tree.key_text(e.key), String::new()))
                .collect()
        })
        .unwrap_or_default()
}

/// Names for `env('…')`: the `.env` next to the file (with its value, masked when the name
/// looks secret), then names the file already reads (with their value when the host's
/// environment has them).
fn env_names(analysis: &Analysis, host: &dyn Host, path: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(dir) = path.parent() {
        let dotenv = dir.join(".env");
        if let Some(text) = host.read_file(&dotenv) {
            for (k, v) in crate::env::parse_dotenv(&text) {
                if out.iter().any(|(n, _)| *n == k) {
                    continue;
                }
                let shown = if cursor::looks_secret(&k) {
                    MASK.to_string()
                } else {
                    v
                };
                out.push((k, format!("{shown} · from .env")));
            }
        }
    }
    let text = &analysis.sources.files[0].text;
    let mut rest = text.as_str();
    let mut seen = 0usize;
    while let Some(i) = rest.find("env(") {
        rest = &rest[i + 4..];
        seen += 1;
        if seen > 100_000 {
            break;
        }
        let arg = rest.trim_start_matches(['\'', '"']);
        let n: usize = arg
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        if n == 0 {
            continue;
        }
        let name = &arg[..n];
        if out.iter().any(|(k, _)| k == name) {
            continue;
        }
        let detail = match host.env_var(name).filter(|v| !v.is_empty()) {
            Some(v) if !cursor::looks_secret(name) => format!("{v} · from the environment"),
            Some(_) => format!("{MASK} · from the environment"),
            None => "used in this file".to_string(),
        };
        out.push((name.to_string(), detail));
    }
    out
}
