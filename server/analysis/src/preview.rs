//! The resolved view (`sdls preview`, "Show resolved"): what `s preview` shows for `deploy`, as
//! plain data computed from a finished [`Analysis`]. No IO.
//!
//! Steps come in run order (reference §1.3.8, §1.6): a `flow` for `deploy` decides the order
//! (resources it does not list do not run; each step gets `flowId`, its group); otherwise
//! `${resources.R.output…}` references in a resource's props move R first (every step then gets
//! `order`; resources in a cycle come last without one); otherwise file order. Legacy
//! 1.0.0/2.0.0 files use the legacy engine's order (§1.3.10: by number of dependants, ties in
//! file order). Values known only at run time stay as their expression text, with the reason.

use syntax::TextRange;

use crate::check::Analysis;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Edition, Model};
use crate::value::{FileId, Kind, Member, Value, from_tree};

/// What secret-looking values are replaced with in the human format (as hover does).
pub const PREVIEW_MASK: &str = "••••••";

/// Diagnostic codes that mean resolution failed (`s preview` fails on them, D8).
const RESOLUTION_FAILURES: &[&str] = &[
    "unresolved-variable",
    "unset-env",
    "variable-cycle",
    "invalid-argument",
    "yaml-syntax",
    "invalid-utf8",
    "invalid-document",
    "multiple-documents",
    "invalid-extend",
    "too-large",
];

/// One resource as `s` runs it.
#[derive(Clone, Debug)]
pub struct PreviewStep {
    /// The resource key (`projectName` in `s`'s steps).
    pub name: String,
    pub component: Value,
    /// Position in the order computed from output references, when `s` reorders.
    pub order: Option<usize>,
    /// The `flow` group the step belongs to, when a flow applies.
    pub flow_id: Option<usize>,
    pub props: Value,
    pub actions: Option<Value>,
}

/// A value known only when `s` runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewUnknown {
    /// Where it is, e.g. `steps.0.props.role` or `vars.account`.
    pub path: String,
    /// The expression text `s preview` prints.
    pub text: String,
    /// Why it is unknown.
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct Preview {
    /// `3.0.0`, or `1.0.0`/`2.0.0` for the legacy dialect.
    pub edition: String,
    pub legacy: bool,
    pub steps: Vec<PreviewStep>,
    pub vars: Value,
    /// Why resolution failed (non-empty = `s preview` fails): error diagnostics of the file.
    pub failures: Vec<Diagnostic>,
}

/// Why there is no preview at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewError {
    /// The file has no model (not YAML, no valid `edition`).
    NoModel,
    /// `--resource NAME` names no resource; the known names follow.
    UnknownResource(String, Vec<String>),
}

impl std::fmt::Display for PreviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreviewError::NoModel => write!(
                f,
                "the file has no resolvable model (it needs `edition: 3.0.0`, `1.0.0` or `2.0.0`)"
            ),
            PreviewError::UnknownResource(name, known) => write!(
                f,
                "no resource `{name}` in the file (resources: {})",
                known.join(", ")
            ),
        }
    }
}

/// The preview of an analysed file for `deploy`; `resource` keeps only that resource (as
/// `s <resource> deploy`: ordering and flow are skipped).
pub fn preview(analysis: &Analysis, resource: Option<&str>) -> Result<Preview, PreviewError> {
    let mut failures: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && RESOLUTION_FAILURES.contains(&d.code))
        .cloned()
        .collect();
    let model = analysis.model.as_ref().ok_or(PreviewError::NoModel)?;
    let (edition, legacy) = match &model.edition {
        Edition::V3 => ("3.0.0".to_string(), false),
        Edition::Legacy(e) if !e.is_empty() => (e.clone(), true),
        Edition::Legacy(_) => (legacy_edition(analysis, model), true),
        Edition::Invalid => return Err(PreviewError::NoModel),
    };
    let all: Vec<PreviewStep> = model
        .resources
        .iter()
        .map(|r| PreviewStep {
            name: r.name.clone(),
            component: r.component.clone(),
            order: None,
            flow_id: None,
            props: r.props.clone(),
            actions: r.actions.clone(),
        })
        .collect();
    let steps = if let Some(name) = resource {
        let Some(step) = all.into_iter().find(|s| s.name == name) else {
            return Err(PreviewError::UnknownResource(
                name.to_string(),
                model.resources.iter().map(|r| r.name.clone()).collect(),
            ));
        };
        vec![step]
    } else if legacy {
        legacy_order(analysis, model, all)
    } else {
        v3_order(analysis, model, all, &mut failures)
    };
    let vars = if matches!(model.vars.kind, Kind::Null) {
        Value::new(Kind::Map(Vec::new()), model.vars.origin)
    } else {
        model.vars.clone()
    };
    Ok(Preview {
        edition,
        legacy,
        steps,
        vars,
        failures,
    })
}

/// `1.0.0` or `2.0.0` as the file writes it (the legacy model does not keep it).
fn legacy_edition(analysis: &Analysis, model: &Model) -> String {
    let tree = analysis.sources.tree(FileId::MAIN);
    model
        .root
        .and_then(|root| tree.get(root, "edition"))
        .and_then(|e| tree.scalar(e.value))
        .map(|s| s.text.clone())
        .filter(|t| t == "1.0.0" || t == "2.0.0")
        .unwrap_or_else(|| "1.0.0".into())
}

/// `${resources.R.output…}` references in a text: the names R.
fn output_refs(text: &str, legacy: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = after[..end].trim();
        let parts: Vec<&str> = inner.split('.').collect();
        if legacy {
            // Any `${S.…}` or `${services.S.…}` counts (§1.3.10).
            match parts.as_slice() {
                ["services", name, _, ..] => out.push(name.to_string()),
                [name, _, ..] => out.push(name.to_string()),
                _ => {}
            }
        } else if let ["resources", name, "output", ..] = parts.as_slice() {
            out.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

/// Texts of every string (keys too) in a JSON value.
fn strings(j: &serde_json::Value, out: &mut Vec<String>) {
    match j {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// The resources each step depends on (indices into `steps`), from output references in props.
fn dependencies(steps: &[PreviewStep]) -> Vec<Vec<usize>> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut texts = Vec::new();
            strings(&s.props.to_json(), &mut texts);
            let mut deps: Vec<usize> = Vec::new();
            for t in &texts {
                for name in output_refs(t, false) {
                    if let Some(j) = steps.iter().position(|s| s.name == name)
                        && j != i
                        && !deps.contains(&j)
                    {
                        deps.push(j);
                    }
                }
            }
            deps
        })
        .collect()
}

fn v3_order(
    analysis: &Analysis,
    model: &Model,
    steps: Vec<PreviewStep>,
    failures: &mut Vec<Diagnostic>,
) -> Vec<PreviewStep> {
    let deps = dependencies(&steps);
    let mut steps = steps;
    // Topological: repeatedly take the first (file order) resource whose dependencies ran.
    if deps.iter().any(|d| !d.is_empty()) {
        let mut placed: Vec<usize> = Vec::new();
        loop {
            let next = (0..steps.len())
                .find(|i| !placed.contains(i) && deps[*i].iter().all(|d| placed.contains(d)));
            match next {
                Some(i) => placed.push(i),
                None => break,
            }
        }
        for (n, i) in placed.iter().enumerate() {
            steps[*i].order = Some(n);
        }
    }
    if let Some(groups) = deploy_flow(analysis, model) {
        let mut out = Vec::new();
        let mut group_of: Vec<Option<usize>> = vec![None; steps.len()];
        for (g, (names, _)) in groups.iter().enumerate() {
            for name in names {
                if let Some(i) = steps.iter().position(|s| &s.name == name)
                    && group_of[i].is_none()
                {
                    group_of[i] = Some(g);
                }
            }
        }
        for (g, (names, range)) in groups.iter().enumerate() {
            for name in names {
                let Some(i) = steps.iter().position(|s| &s.name == name) else {
                    continue;
                };
                if group_of[i] != Some(g) {
                    continue;
                }
                for d in &deps[i] {
                    if group_of[*d].is_none_or(|dg| dg >= g) {
                        failures.push(Diagnostic::error(
                            *range,
                            "flow-order",
                            format!(
                                "flow is invalid, {} must be executed before {}",
                                steps[*d].name, steps[i].name
                            ),
                        ));
                    }
                }
                let mut step = steps[i].clone();
                step.flow_id = Some(g);
                out.push(step);
            }
        }
        return out;
    }
    let mut indexed: Vec<(usize, PreviewStep)> = steps.into_iter().enumerate().collect();
    indexed.sort_by_key(|(i, s)| (s.order.unwrap_or(usize::MAX), *i));
    indexed.into_iter().map(|(_, s)| s).collect()
}

/// The groups of the `deploy` flow (names, range of the group), when a flow applies to
/// `deploy` and is well formed.
fn deploy_flow(analysis: &Analysis, model: &Model) -> Option<Vec<(Vec<String>, TextRange)>> {
    let root = model.root?;
    let sources = &analysis.sources;
    let mut budget = crate::resolve::EXPANSION_BUDGET;
    let raw = from_tree(
        sources.tree(FileId::MAIN),
        &sources.file(FileId::MAIN).text,
        FileId::MAIN,
        root,
        &mut budget,
    );
    let flow = raw.get("flow")?.as_map()?;
    let command = flow.iter().find(|m| flow_key_matches(&m.key, "deploy"))?;
    let groups = command.value.as_list()?;
    let mut out = Vec::new();
    for group in groups {
        let names = group.as_list()?;
        let range = group
            .origin
            .def
            .map(|s| sources.range(s))
            .unwrap_or_default();
        out.push((names.iter().filter_map(|n| n.js_string()).collect(), range));
    }
    Some(out)
}

/// Whether a `flow` key applies to `command` (§1.6): the command's own name, or
/// `${regex('re')}` whose pattern matches it (`new RegExp(re).test(command)`). The first key
/// that applies is used; any other `${…}` key depends on what `s` evaluates and applies to none.
fn flow_key_matches(key: &str, command: &str) -> bool {
    if key == command {
        return true;
    }
    let pattern = key
        .trim()
        .strip_prefix("${")
        .and_then(|k| k.strip_suffix('}'))
        .and_then(|k| k.trim().strip_prefix("regex("))
        .and_then(|k| k.trim_end().strip_suffix(')'))
        .map(|a| a.trim().trim_matches(|c| c == '\'' || c == '"'));
    pattern
        .and_then(|p| regex::Regex::new(p).ok())
        .is_some_and(|re| re.is_match(command))
}

/// The legacy engine's order: by number of dependants (any `${S.…}` reference), descending,
/// ties in file order (§1.3.10).
fn legacy_order(analysis: &Analysis, model: &Model, steps: Vec<PreviewStep>) -> Vec<PreviewStep> {
    let names: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    let mut dependants = vec![0usize; steps.len()];
    let mut any = false;
    for (i, r) in model.resources.iter().enumerate() {
        let Some(entry) = r.entry else { continue };
        let text = analysis.sources.text(entry);
        let mut seen = Vec::new();
        for name in output_refs(text, true) {
            if let Some(j) = names.iter().position(|n| *n == name)
                && j != i
                && !seen.contains(&j)
            {
                seen.push(j);
                dependants[j] += 1;
                any = true;
            }
        }
    }
    let mut indexed: Vec<(usize, PreviewStep)> = steps.into_iter().enumerate().collect();
    if any {
        indexed.sort_by_key(|(i, _)| (std::cmp::Reverse(dependants[*i]), *i));
        for (n, (_, s)) in indexed.iter_mut().enumerate() {
            s.order = Some(n);
        }
    }
    indexed.into_iter().map(|(_, s)| s).collect()
}

impl Preview {
    /// The oracle's shape: `edition`, `steps` (`projectName`, `component`, `order`, `flowId`,
    /// `props`, `actions`), `vars`, plus `unknowns` (path, expression text, reason).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value as J};
        let steps: Vec<J> = self
            .steps
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("projectName".into(), J::String(s.name.clone()));
                m.insert("component".into(), s.component.to_json());
                if let Some(o) = s.order {
                    m.insert("order".into(), J::from(o));
                }
                if let Some(f) = s.flow_id {
                    m.insert("flowId".into(), J::from(f));
                }
                m.insert("props".into(), s.props.to_json());
                if let Some(a) = &s.actions {
                    m.insert("actions".into(), a.to_json());
                }
                J::Object(m)
            })
            .collect();
        let unknowns: Vec<J> = self
            .unknowns()
            .into_iter()
            .map(|u| serde_json::json!({"path": u.path, "text": u.text, "reason": u.reason}))
            .collect();
        serde_json::json!({
            "edition": self.edition,
            "steps": steps,
            "vars": self.vars.to_json(),
            "unknowns": unknowns,
        })
    }

    /// Every value known only at run time, in document order.
    pub fn unknowns(&self) -> Vec<PreviewUnknown> {
        let mut out = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            collect_unknowns(&s.component, &format!("steps.{i}.component"), &mut out);
            collect_unknowns(&s.props, &format!("steps.{i}.props"), &mut out);
            if let Some(a) = &s.actions {
                collect_unknowns(a, &format!("steps.{i}.actions"), &mut out);
            }
        }
        collect_unknowns(&self.vars, "vars", &mut out);
        out
    }

    /// The human format: YAML, resources in run order, unknown values followed by
    /// `# known only when s runs: <why>`, values under secret-looking keys masked.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "# Resolved by sdls as `s preview` shows it for `deploy`{}\n",
            if self.legacy {
                " (legacy dialect of editions 1.0.0/2.0.0)"
            } else {
                ""
            }
        ));
        out.push_str(&format!("edition: {}\n", self.edition));
        if self.vars.as_map().is_some_and(|m| !m.is_empty()) {
            out.push_str("vars:");
            emit_block(&self.vars, 1, false, &mut out);
        }
        let section = if self.legacy { "services" } else { "resources" };
        if self.steps.is_empty() {
            out.push_str(&format!("{section}: {{}}\n"));
            return out;
        }
        out.push_str(&format!("{section}: # in run order\n"));
        for s in &self.steps {
            out.push_str(&format!("  {}:", key_text(&s.name)));
            let mut notes = Vec::new();
            if let Some(g) = s.flow_id {
                notes.push(format!("flow group {g}"));
            }
            if let Some(o) = s.order {
                notes.push(format!("order {o}"));
            }
            if !notes.is_empty() {
                out.push_str(&format!(" # {}", notes.join(", ")));
            }
            out.push('\n');
            out.push_str("    component:");
            emit_block(&s.component, 3, false, &mut out);
            out.push_str("    props:");
            emit_block(&s.props, 3, false, &mut out);
            if let Some(a) = &s.actions {
                out.push_str("    actions:");
                emit_block(a, 3, false, &mut out);
            }
        }
        out
    }
}

fn collect_unknowns(v: &Value, path: &str, out: &mut Vec<PreviewUnknown>) {
    match &v.kind {
        Kind::Unknown(u) => out.push(PreviewUnknown {
            path: path.to_string(),
            text: u.text.clone(),
            reason: u.reason.describe(),
        }),
        Kind::List(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_unknowns(item, &format!("{path}.{i}"), out);
            }
        }
        Kind::Map(members) => {
            for m in members {
                collect_unknowns(&m.value, &format!("{path}.{}", m.key), out);
            }
        }
        _ => {}
    }
}

/// Writes the value after `key:` (or `-`) that is already on the line: a scalar on the same
/// line, or a nested block at `indent` levels (two spaces each).
fn emit_block(v: &Value, indent: usize, secret: bool, out: &mut String) {
    let pad = "  ".repeat(indent);
    match &v.kind {
        Kind::Map(members) if !members.is_empty() => {
            out.push('\n');
            for m in members {
                out.push_str(&pad);
                emit_member(m, indent, secret, out);
            }
        }
        Kind::List(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}-"));
                emit_item(item, indent + 1, secret, out);
            }
        }
        _ => {
            out.push(' ');
            emit_scalar(v, indent, secret, out);
        }
    }
}

/// A list item: a map's first member goes on the `-` line; anything else as after a key.
fn emit_item(v: &Value, indent: usize, secret: bool, out: &mut String) {
    let members = match &v.kind {
        Kind::Map(members) if !members.is_empty() => members,
        _ => return emit_block(v, indent, secret, out),
    };
    let pad = "  ".repeat(indent);
    for (n, m) in members.iter().enumerate() {
        out.push_str(if n == 0 { " " } else { &pad });
        emit_member(m, indent, secret, out);
    }
}

/// `key:` and its value one level deeper (values under secret-looking keys masked).
fn emit_member(m: &Member, indent: usize, secret: bool, out: &mut String) {
    out.push_str(&format!("{}:", key_text(&m.key)));
    emit_block(
        &m.value,
        indent + 1,
        secret || crate::ide::cursor::looks_secret(&m.key),
        out,
    );
}

fn emit_scalar(v: &Value, indent: usize, secret: bool, out: &mut String) {
    match &v.kind {
        Kind::Unknown(u) => {
            out.push_str(&scalar_text(&u.text, indent));
            out.push_str(&format!(
                " # known only when s runs: {}\n",
                u.reason.describe()
            ));
            return;
        }
        _ if secret && !matches!(v.kind, Kind::Null) => {
            out.push_str(&format!(
                "{PREVIEW_MASK} # hidden: the name looks like a secret"
            ));
        }
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(&b.to_string()),
        Kind::Int(i) => out.push_str(&i.to_string()),
        Kind::Float(f) => out.push_str(&crate::value::js_number(*f)),
        Kind::Str(s) => {
            let text = scalar_text(s, indent);
            out.push_str(&text);
            if text.ends_with('\n') {
                return;
            }
        }
        Kind::Map(_) => out.push_str("{}"),
        Kind::List(_) => out.push_str("[]"),
    }
    out.push('\n');
}

/// A YAML scalar for a string: plain when unambiguous, a literal block for multi-line text,
/// else double-quoted.
fn scalar_text(s: &str, indent: usize) -> String {
    if plain_ok(s) {
        return s.to_string();
    }
    let lines: Vec<&str> = s.split('\n').collect();
    if s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && !s.contains(['\r', '\t'])
        && !s.ends_with("\n\n")
        && lines.iter().all(|l| !l.ends_with(' '))
    {
        let pad = "  ".repeat(indent);
        let (indicator, body) = match s.strip_suffix('\n') {
            Some(body) => ("|", body),
            None => ("|-", s),
        };
        let mut out = indicator.to_string();
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
        out.push('\n');
        return out;
    }
    serde_json::Value::String(s.to_string()).to_string()
}

fn key_text(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        serde_json::Value::String(k.to_string()).to_string()
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string.
fn plain_ok(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return false;
    }
    if s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`',
    ]) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(char::is_control) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n" | ".nan"
    ) || lower.ends_with(".inf")
    {
        return false;
    }
    let unsigned = s.trim_start_matches(['+', '-']);
    let looks_number = unsigned.starts_with(|c: char| c.is_ascii_digit())
        || (unsigned.starts_with('.') && unsigned[1..].starts_with(|c: char| c.is_ascii_digit()));
    !looks_number
}
