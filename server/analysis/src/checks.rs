//! Checks a schema cannot express (reference §8.3), on the resolved model and the raw document.
//! Each rule skips values that are unknown until `s` runs. One function per rule; the code
//! string is the rule's stable name.

use std::collections::HashMap;

use syntax::{NodeId, TextRange};

use crate::check::{place, value_range};
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::model::{ComponentKind, Edition, Model, Resource, Sources};
use crate::schema;
use crate::value::{FileId, Kind, Member, Site, Value};

/// Built-in `s` commands: a resource with one of these names can never be addressed.
const S_COMMANDS: &[&str] = &[
    "config",
    "env",
    "set",
    "clean",
    "init",
    "registry",
    "preview",
    "component",
    "verify",
    "cli",
    "secret",
];
/// fc3 commands: `s <name> ...` is ambiguous for a resource named like one.
const FC3_COMMANDS: &[&str] = &[
    "deploy",
    "remove",
    "info",
    "sync",
    "invoke",
    "version",
    "alias",
    "concurrency",
    "plan",
    "provision",
    "scaling",
    "layer",
    "instance",
    "build",
    "local",
    "s2tos3",
    "logs",
    "session",
    "list",
    "model",
];
const HOOKS: &[&str] = &["pre", "success", "fail", "complete", "post"];
const DEPRECATED_RUNTIMES: &[&str] = &[
    "nodejs8",
    "nodejs10",
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "python2.7",
    "python3",
    "dotnetcore2.1",
    "php7.2",
    "nodejs6",
    "nodejs4.4",
];

struct Out<'a> {
    sources: &'a Sources,
    found: Vec<(FileId, Diagnostic)>,
}

impl Out<'_> {
    fn push(&mut self, file: FileId, d: Diagnostic) {
        self.found.push((file, d));
    }

    /// Reports at a value (the `${...}` that brought it, or its node).
    fn at_value(&mut self, value: &Value, make: impl FnOnce(TextRange) -> Diagnostic) {
        if let Some((file, range)) = value_range(self.sources, value.origin) {
            self.push(file, make(range));
        }
    }

    fn at_site(&mut self, site: Site, make: impl FnOnce(TextRange) -> Diagnostic) {
        let range = self.sources.range(site);
        self.push(site.file, make(range));
    }

    fn at_key(&mut self, member: &Member, make: impl FnOnce(TextRange) -> Diagnostic) {
        if let Some(site) = member.key_site {
            self.at_site(site, make);
        } else {
            self.at_value(&member.value, make);
        }
    }
}

/// Checks on the top level, `flow`, `actions`, resource names and components.
pub(crate) fn document(
    sources: &Sources,
    root: NodeId,
    raw: &Value,
    edition: &Edition,
    model: Option<&Model>,
    has_extend: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut out = Out {
        sources,
        found: Vec::new(),
    };
    let tree = sources.tree(FileId::MAIN);
    let root_site = Site {
        file: FileId::MAIN,
        node: root,
    };

    match edition {
        Edition::Invalid => match raw.member("edition") {
            Some(m) => out.at_value(&m.value, |r| {
                let hint = if matches!(m.value.kind, Kind::Float(_) | Kind::Int(_)) { " (quote it: `edition: \"3.0.0\"`)" } else { "" };
                Diagnostic::error(
                    r,
                    "invalid-edition",
                    format!("`edition` must be exactly \"3.0.0\" (or \"1.0.0\"/\"2.0.0\" for the legacy format){hint}"),
                )
            }),
            None if !has_extend => {
                let range = tree.entries(root).first().map(|e| tree.range(e.key_node)).unwrap_or_else(|| sources.range(root_site));
                out.push(
                    FileId::MAIN,
                    Diagnostic::error(range, "invalid-edition", "missing `edition`: add `edition: 3.0.0` at the top")
                        .with_fix("Add `edition: 3.0.0`", TextRange::empty(range.start()), "edition: 3.0.0\n"),
                );
            }
            None => {}
        },
        Edition::V3 => {
            let has_resources = raw.get("resources").is_some();
            if let Some(services) = raw.member("services") {
                if has_resources {
                    out.at_key(services, |r| {
                        Diagnostic::warning(r, "services-in-v3", "`services` is ignored in edition 3.0.0 because `resources` is present")
                    });
                } else {
                    out.at_key(services, |r| {
                        Diagnostic::error(
                            r,
                            "services-in-v3",
                            "Keyword 'services' has been replaced by 'resources' in 3.0.0 YAML; convert the file with `s cli fc3 s2tos3` (or the sdls \"Convert to edition 3.0.0\" action)",
                        )
                    });
                }
            }
        }
        Edition::Legacy(_) => {}
    }

    // The top-level schema; `flow` and `actions` have their own precise rules below.
    let schema = schema::top_level();
    // The top-level schema does not look inside `props` (each component's schema does): leave
    // them out, which keeps this pass cheap on large files.
    let top = without_props(raw);
    let mut findings = schema::validate(schema, &top);
    findings.extend(schema::unknown_keys(schema, &top, &|_, _| None));
    for f in findings {
        let first = f.path.first().map(String::as_str);
        let in_actions = first == Some("actions") || f.path.get(2).is_some_and(|p| p == "actions");
        if first == Some("flow") || in_actions {
            continue;
        }
        if f.code == "missing-property"
            && first.is_none()
            && f.message.contains("`services`")
            && *edition == Edition::V3
        {
            continue;
        }
        if f.code == "missing-property" && first.is_none() && f.message.contains("`edition`") {
            continue;
        }
        if f.code == "missing-property"
            && first.is_none()
            && f.message.contains("`resources`")
            && raw.get("services").is_some()
        {
            continue;
        }
        // A bad edition is reported once, by `invalid-edition`.
        if *edition == Edition::Invalid
            && (first == Some("edition") || (first.is_none() && f.code == "missing-property"))
        {
            continue;
        }
        let target = if f.on_key {
            crate::check::member_at(&top, &f.path).and_then(|m| m.key_site)
        } else {
            None
        };
        let d_range = match target {
            Some(site) => Some((site.file, sources.range(site))),
            None => schema::value_at(&top, &f.path).and_then(|v| value_range(sources, v.origin)),
        };
        let (file, range) = d_range.unwrap_or((FileId::MAIN, sources.range(root_site)));
        out.push(file, schema::finding_to_diag(&f, range));
    }

    if *edition == Edition::V3 {
        flow(&mut out, raw, model);
    }
    if let Some(actions) = raw.member("actions") {
        check_actions(&mut out, actions, true);
    }
    let entries = raw.get("resources").or_else(|| raw.get("services"));
    if let Some(entries) = entries.and_then(Value::as_map) {
        for entry in entries {
            if let Some(actions) = entry.value.member("actions") {
                check_actions(&mut out, actions, false);
            }
            if let Some(extend) = entry.value.get("extend")
                && let Some(name) = extend.get("name").and_then(Value::as_str)
            {
                let known = raw.get("template").and_then(|t| t.get(name)).is_some();
                if !known && !name.contains("${") {
                    let names: Vec<&str> = raw
                        .get("template")
                        .and_then(Value::as_map)
                        .map(|m| m.iter().map(|m| m.key.as_str()).collect())
                        .unwrap_or_default();
                    let v = extend.get("name").cloned().unwrap_or_else(Value::null);
                    let hint = crate::suggest::best(name, names.iter().copied())
                        .map(|b| format!("; did you mean `{b}`?"))
                        .unwrap_or_default();
                    out.at_value(&v, |r| {
                            Diagnostic::warning(r, "extend-template-not-found", format!("there is no `template.{name}`; Serverless Devs silently merges nothing{hint}"))
                        });
                }
            }
        }
    }

    if let Some(model) = model {
        resource_names(&mut out, model, *edition == Edition::V3);
    }
    place(sources, out.found.into_iter(), diagnostics);
}

/// The document with every resource's `props` replaced by an empty mapping.
fn without_props(raw: &Value) -> Value {
    let Some(members) = raw.as_map() else {
        return raw.clone();
    };
    let members = members
        .iter()
        .map(|m| {
            if m.key != "resources" && m.key != "services" {
                return m.clone();
            }
            let Some(entries) = m.value.as_map() else {
                return m.clone();
            };
            let entries = entries
                .iter()
                .map(|e| {
                    let Some(fields) = e.value.as_map() else {
                        return e.clone();
                    };
                    let fields = fields
                        .iter()
                        .map(|f| {
                            if f.key == "props" && matches!(f.value.kind, Kind::Map(_)) {
                                Member {
                                    key: f.key.clone(),
                                    key_site: f.key_site,
                                    value: Value::new(Kind::Map(Vec::new()), f.value.origin),
                                }
                            } else {
                                f.clone()
                            }
                        })
                        .collect();
                    Member {
                        key: e.key.clone(),
                        key_site: e.key_site,
                        value: Value::new(Kind::Map(fields), e.value.origin),
                    }
                })
                .collect();
            Member {
                key: m.key.clone(),
                key_site: m.key_site,
                value: Value::new(Kind::Map(entries), m.value.origin),
            }
        })
        .collect();
    Value::new(Kind::Map(members), raw.origin)
}

fn flow(out: &mut Out<'_>, raw: &Value, model: Option<&Model>) {
    let Some(flow) = raw.get("flow") else { return };
    let Some(commands) = flow.as_map() else {
        out.at_value(flow, |r| {
            Diagnostic::error(
                r,
                "flow-format",
                "`flow` must map commands to lists of resource groups",
            )
        });
        return;
    };
    let names: Vec<&str> = model
        .map(|m| m.resources.iter().map(|r| r.name.as_str()).collect())
        .unwrap_or_default();
    for command in commands {
        let Some(groups) = command.value.as_list() else {
            out.at_value(&command.value, |r| {
                Diagnostic::error(r, "flow-format", format!("flow {} data format is invalid: it must be a list of lists of resource names", command.key))
            });
            continue;
        };
        if !groups.is_empty() && groups.iter().all(|g| g.as_list().is_none()) {
            let names: Vec<String> = groups.iter().filter_map(|g| g.js_string()).collect();
            out.at_value(&command.value, |r| {
                Diagnostic::error(
                    r,
                    "flow-format",
                    format!(
                        "flow {} data format is invalid: each step must be a list of resource names, e.g. `- [{}]`",
                        command.key,
                        names.first().map_or("name", String::as_str)
                    ),
                )
            });
            continue;
        }
        for group in groups {
            let Some(members) = group.as_list() else {
                out.at_value(group, |r| {
                    Diagnostic::error(
                        r,
                        "flow-format",
                        format!("flow {} data format is invalid: each step must be a list of resource names, e.g. `- [{}]`", command.key, group.as_str().unwrap_or("name")),
                    )
                });
                continue;
            };
            for member in members {
                let Some(name) = member.as_str() else {
                    continue;
                };
                if !names.contains(&name) && !name.contains("${") {
                    let hint = crate::suggest::best(name, names.iter().copied())
                        .map(|b| format!("; did you mean `{b}`?"))
                        .unwrap_or_default();
                    out.at_value(member, |r| {
                        Diagnostic::error(r, "flow-unknown-resource", format!("Resource {name} is not found. Please check the content of flow{hint}"))
                    });
                }
            }
        }
    }
}

fn check_actions(out: &mut Out<'_>, actions: &Member, global: bool) {
    let Some(hooks) = actions.value.as_map() else {
        out.at_value(&actions.value, |r| {
            Diagnostic::error(
                r,
                "actions-not-list",
                "`actions` must map hooks such as `pre-deploy` to lists",
            )
        });
        return;
    };
    for hook in hooks {
        let word = hook.key.split('-').next().unwrap_or_default();
        if !HOOKS.contains(&word) && !hook.key.contains("${") {
            let hint = crate::suggest::best(word, HOOKS.iter().copied())
                .map(|b| format!("; did you mean `{b}`?"))
                .unwrap_or_default();
            out.at_key(hook, |r| {
                Diagnostic::warning(r, "unknown-action-hook", format!("`{}` never runs: hooks are `pre-`, `success-`, `fail-` or `complete-` followed by a command{hint}", hook.key))
            });
        } else if word == "post" {
            out.at_key(hook, |r| {
                Diagnostic::warning(
                    r,
                    "unknown-action-hook",
                    "`post-` is the old name of `complete-`",
                )
            });
        }
        let Some(items) = hook.value.as_list() else {
            let scope = if global { "Global" } else { "Project" };
            out.at_value(&hook.value, |r| {
                Diagnostic::error(
                    r,
                    "actions-not-list",
                    format!(
                        "{scope} action {} is invalid, it must be array (write `- run: ...`)",
                        hook.key
                    ),
                )
            });
            continue;
        };
        for item in items {
            let Some(map) = item.as_map() else { continue };
            let kinds = map
                .iter()
                .filter(|m| matches!(m.key.as_str(), "run" | "plugin" | "component"))
                .count();
            if kinds == 0 {
                out.at_value(item, |r| {
                    Diagnostic::error(
                        r,
                        "action-item",
                        "an action needs one of `run`, `plugin` or `component`",
                    )
                });
            } else if global && map.iter().any(|m| m.key == "component") {
                let m = map.iter().find(|m| m.key == "component");
                if let Some(m) = m {
                    out.at_key(m, |r| Diagnostic::warning(r, "action-item", "`component` actions run only in resource actions; at the top level Serverless Devs skips them"));
                }
            }
        }
    }
}

fn resource_names(out: &mut Out<'_>, model: &Model, v3: bool) {
    for r in &model.resources {
        if S_COMMANDS.contains(&r.name.as_str()) {
            out.at_site(r.key, |range| {
                Diagnostic::error(range, "resource-name-is-command", format!("`{}` is an `s` command, so `s {} ...` can never address this resource; rename it", r.name, r.name))
            });
        } else if matches!(r.kind, ComponentKind::Fc3) && FC3_COMMANDS.contains(&r.name.as_str()) {
            out.at_site(r.key, |range| {
                Diagnostic::warning(range, "resource-name-is-command", format!("`{}` is also an fc3 command: `s {} ...` fails with \"overlaps with a command\"; rename the resource", r.name, r.name))
            });
        }
        if v3 {
            if let ComponentKind::Other(name) = &r.kind
                && name.contains('/')
            {
                out.at_value(&r.component, |range| {
                    let fix = if name == "devsapp/fc3" {
                        " (write `fc3`)"
                    } else {
                        ""
                    };
                    Diagnostic::error(
                        range,
                        "component-name-slash",
                        format!("The component name {name} cannot contain / in edition 3.0.0{fix}"),
                    )
                });
            }
            if matches!(r.component.kind, Kind::Null) && r.entry.is_some() {
                // Reported by the schema as a missing property.
            }
        }
    }
    duplicate_functions(out, model);
}

fn duplicate_functions(out: &mut Out<'_>, model: &Model) {
    let mut seen: HashMap<(String, String), &Resource> = HashMap::new();
    for r in &model.resources {
        let key = match r.kind.schema_kind() {
            Some(ComponentKind::Fc3) => {
                let (Some(region), Some(name)) = (
                    r.props.get("region").and_then(Value::as_str),
                    r.props.get("functionName").and_then(Value::as_str),
                ) else {
                    continue;
                };
                (region.to_string(), name.to_string())
            }
            Some(ComponentKind::LegacyFc) => {
                let region = r.props.get("region").and_then(Value::as_str);
                let service = r.props.path(&["service", "name"]).and_then(Value::as_str);
                let function = r.props.path(&["function", "name"]).and_then(Value::as_str);
                let (Some(region), Some(service), Some(function)) = (region, service, function)
                else {
                    continue;
                };
                (region.to_string(), format!("{service}${function}"))
            }
            _ => continue,
        };
        if let Some(first) = seen.get(&key) {
            let value = r
                .props
                .get("functionName")
                .or_else(|| r.props.path(&["function", "name"]))
                .cloned()
                .unwrap_or_else(Value::null);
            let first_range = out.sources.range(first.key);
            let first_name = first.name.clone();
            out.at_value(&value, |range| {
                Diagnostic::error(
                    range,
                    "duplicate-function",
                    format!("function `{}` in {} is also deployed by resource `{first_name}`: the second deploy overwrites the first", key.1, key.0),
                )
                .with_related(Related { file: None, range: first_range, message: format!("resource `{first_name}` deploys it too") })
            });
        } else {
            seen.insert(key, r);
        }
    }
}

/// Rules on each function's resolved props.
pub(crate) fn semantic(sources: &Sources, model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    let mut out = Out {
        sources,
        found: Vec::new(),
    };
    let mut domain_routes: HashMap<(String, String), String> = HashMap::new();
    for r in &model.resources {
        match r.kind.schema_kind() {
            Some(ComponentKind::Fc3) => {
                fc3_function(&mut out, &r.props);
                if let Some(domain) = r.props.get("customDomain") {
                    let name = domain.get("domainName").and_then(Value::as_str);
                    let path = domain.path(&["route", "path"]);
                    if let (Some(name), Some(path_v)) = (name, path)
                        && let Some(p) = path_v.as_str()
                        && !name.eq_ignore_ascii_case("auto")
                    {
                        if let Some(other) = domain_routes.get(&(name.to_string(), p.to_string())) {
                            let other = other.clone();
                            out.at_value(path_v, |range| {
                                        Diagnostic::error(range, "domain-path", format!("{name} ==> path {p} is used by other function: resource `{other}` routes the same path"))
                                    });
                        } else {
                            domain_routes.insert((name.to_string(), p.to_string()), r.name.clone());
                        }
                    }
                }
            }
            Some(ComponentKind::LegacyFc) => {
                if let Some(function) = r.props.get("function") {
                    ratio(&mut out, function, false);
                    deprecated_runtime(&mut out, function);
                }
            }
            _ => {}
        }
    }
    place(sources, out.found.into_iter(), diagnostics);
    for r in &model.resources {
        let (props, fc3) = match r.kind.schema_kind() {
            Some(ComponentKind::Fc3) => (&r.props, true),
            Some(ComponentKind::LegacyFc) => match r.props.get("function") {
                Some(f) => (f, false),
                None => continue,
            },
            _ => continue,
        };
        let gpu = if fc3 {
            props.get("gpuConfig").is_some()
        } else {
            props.get("gpuMemorySize").is_some()
                || props
                    .get("instanceType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("fc.gpu"))
        };
        memory_fixes(sources, props, gpu, diagnostics);
        ratio_fixes(sources, props, fc3, diagnostics);
    }
}

/// Where a fix may edit a value: its own literal in the analysed file, or — when it came through
/// a `${...}` — the literal that defines it, when that is in the analysed file. Returns the range
/// to replace and whether it is the definition behind an expression.
fn editable(sources: &Sources, value: &Value) -> Option<(TextRange, bool)> {
    let def = value.origin.def?;
    if def.file != FileId::MAIN {
        return None;
    }
    if let Some((file, _)) = value.origin.via
        && file != FileId::MAIN
    {
        return None;
    }
    let tree = sources.tree(FileId::MAIN);
    let scalar = match &tree.node(def.node).kind {
        syntax::NodeKind::Scalar(s) => s,
        _ => return None,
    };
    if !matches!(
        scalar.value,
        syntax::ScalarValue::Int(_) | syntax::ScalarValue::Float(_)
    ) {
        return None;
    }
    Some((tree.range(def.node), value.origin.via.is_some()))
}

fn fix_title(what: &str, to: &str, behind_expr: bool) -> String {
    if behind_expr {
        format!("Change {what} to {to} where its value is defined")
    } else {
        format!("Change {what} to {to}")
    }
}

/// The diagnostic with `code` reported at `value`, in the analysed file.
fn diagnostic_at<'d>(
    sources: &Sources,
    value: &Value,
    code: &str,
    diagnostics: &'d mut [Diagnostic],
) -> Option<&'d mut Diagnostic> {
    let (file, range) = value_range(sources, value.origin)?;
    if file != FileId::MAIN {
        return None;
    }
    diagnostics
        .iter_mut()
        .find(|d| d.code == code && d.range == range)
}

/// The nearest valid memorySize: a multiple of 64, at least 128, at most 32768 (CPU functions).
fn nearest_memory(memory: f64, lo: f64, hi: f64) -> f64 {
    let lo = (lo.max(128.0) / 64.0).ceil() * 64.0;
    let hi = (hi / 64.0).floor() * 64.0;
    ((memory / 64.0).round() * 64.0).clamp(lo, hi.max(lo))
}

/// R-MEM-STEP fixes: round `memorySize` to a multiple of 64 within the limits.
fn memory_fixes(sources: &Sources, props: &Value, gpu: bool, diagnostics: &mut [Diagnostic]) {
    let Some(mem_v) = props.get("memorySize") else {
        return;
    };
    let Some(memory) = mem_v.as_f64() else { return };
    let Some((range, behind)) = editable(sources, mem_v) else {
        return;
    };
    let hi = if gpu { f64::from(u32::MAX) } else { 32768.0 };
    let fixed = nearest_memory(memory, 128.0, hi);
    if fixed == memory {
        return;
    }
    let Some(d) = diagnostic_at(sources, mem_v, "out-of-range", diagnostics) else {
        return;
    };
    let text = crate::value::js_number(fixed);
    d.fixes.push(crate::diagnostic::Fix {
        title: fix_title("memorySize", &text, behind),
        edits: vec![crate::diagnostic::TextEdit {
            range,
            new_text: text,
        }],
    });
}

/// R-CPU-MEM fixes, ranked: the nearest memorySize valid for the cpu, then the nearest cpu valid
/// for the memory.
fn ratio_fixes(sources: &Sources, props: &Value, fc3: bool, diagnostics: &mut [Diagnostic]) {
    let Some(cpu_v) = props.get("cpu") else {
        return;
    };
    let Some(cpu) = cpu_v.as_f64() else { return };
    let mem_v = props.get("memorySize");
    let memory = num(mem_v).unwrap_or(if fc3 { 512.0 } else { 128.0 });
    let mut fixes = Vec::new();
    // 1. memorySize for this cpu.
    let fixed_memory = nearest_memory(memory, cpu * 1024.0, (cpu * 4096.0).min(32768.0));
    let gb = fixed_memory / 1024.0;
    let memory_ok = gb >= cpu - 1e-9 && gb <= 4.0 * cpu + 1e-9;
    if memory_ok && fixed_memory != memory {
        let text = crate::value::js_number(fixed_memory);
        match mem_v {
            Some(mem_v) => {
                if let Some((range, behind)) = editable(sources, mem_v) {
                    fixes.push(crate::diagnostic::Fix {
                        title: fix_title("memorySize", &text, behind),
                        edits: vec![crate::diagnostic::TextEdit {
                            range,
                            new_text: text,
                        }],
                    });
                }
            }
            None => {
                if let Some(edit) = insert_after_member(sources, props, "cpu", "memorySize", &text)
                {
                    fixes.push(crate::diagnostic::Fix {
                        title: format!("Add memorySize: {text}"),
                        edits: vec![edit],
                    });
                }
            }
        }
    }
    // 2. cpu for this memory: g/4 ≤ cpu ≤ g, in steps of 0.05 within 0.05–16.
    let g = memory / 1024.0;
    let lo = ((g / 4.0 * 20.0 - 1e-9).ceil() / 20.0).max(0.05);
    let hi = ((g * 20.0 + 1e-9).floor() / 20.0).min(16.0);
    if lo <= hi + 1e-9 {
        let fixed_cpu = ((cpu.clamp(lo, hi) * 20.0).round() / 20.0 * 100.0).round() / 100.0;
        if (fixed_cpu - cpu).abs() > 1e-9
            && let Some((range, behind)) = editable(sources, cpu_v)
        {
            let text = crate::value::js_number(fixed_cpu);
            fixes.push(crate::diagnostic::Fix {
                title: fix_title("cpu", &text, behind),
                edits: vec![crate::diagnostic::TextEdit {
                    range,
                    new_text: text,
                }],
            });
        }
    }
    if fixes.is_empty() {
        return;
    }
    if let Some(d) = diagnostic_at(sources, cpu_v, "cpu-memory-ratio", diagnostics) {
        d.fixes.extend(fixes);
    }
}

/// An edit adding `key: value` on the line after the block-mapping member `after`.
fn insert_after_member(
    sources: &Sources,
    props: &Value,
    after: &str,
    key: &str,
    value: &str,
) -> Option<crate::diagnostic::TextEdit> {
    let member = props.member(after)?;
    let site = member.key_site?;
    if site.file != FileId::MAIN {
        return None;
    }
    let text = &sources.file(FileId::MAIN).text;
    let tree = sources.tree(FileId::MAIN);
    let key_start = usize::from(tree.range(site.node).start());
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..key_start];
    if !indent.chars().all(|c| c == ' ') {
        return None;
    }
    let value_end = match member.value.origin.def {
        Some(def) if def.file == FileId::MAIN && member.value.origin.via.is_none() => {
            usize::from(tree.range(def.node).end())
        }
        _ => key_start,
    };
    let value_end = value_end.max(key_start);
    let insert_at = text[value_end..].find('\n').map(|i| value_end + i + 1)?;
    Some(crate::diagnostic::TextEdit {
        range: TextRange::empty(syntax::TextSize::from(insert_at as u32)),
        new_text: format!("{indent}{key}: {value}\n"),
    })
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn fc3_function(out: &mut Out<'_>, props: &Value) {
    let gpu = props.get("gpuConfig").is_some();
    if !gpu {
        ratio(out, props, true);
        if let Some(disk) = props.get("diskSize")
            && let Some(d) = disk.as_f64()
            && d != 512.0
            && d != 10240.0
        {
            out.at_value(disk, |r| Diagnostic::warning(r, "disk-size", "`diskSize` must be 512 or 10240 MB (larger sizes need special account approval)"));
        }
    } else {
        gpu_spec(out, props);
    }
    if let (Some(_), Some(scaling)) = (props.get("provisionConfig"), props.member("scalingConfig"))
    {
        out.at_key(scaling, |r| {
            Diagnostic::error(
                r,
                "provision-with-scaling",
                "scalingConfig and provisionConfig cannot be used at the same time",
            )
        });
    }
    if let Some(lifecycle) = props.get("instanceLifecycleConfig") {
        for (hook, max) in [("initializer", 300.0), ("preStop", 90.0)] {
            let Some(h) = lifecycle.get(hook) else {
                continue;
            };
            let handler = h
                .get("handler")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            let command = h
                .get("command")
                .and_then(Value::as_list)
                .is_some_and(|l| !l.is_empty());
            if handler
                && command
                && let Some(m) = h.member("command")
            {
                out.at_key(m, |r| {
                        Diagnostic::error(r, "lifecycle-handler-and-command", format!("fc3 pre check: command and handler can not be set at the same time in lifecycle {hook}"))
                    });
            }
            if let Some(t) = h.get("timeout")
                && t.as_f64().is_some_and(|t| t > max)
            {
                out.at_value(t, |r| {
                    Diagnostic::warning(
                        r,
                        "out-of-range",
                        format!("the {hook} hook may run at most {max} s"),
                    )
                });
            }
        }
    }
    let runtime = props
        .get("runtime")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let custom = runtime.starts_with("custom") || runtime == "micro-sandbox";
    if let Some(c) = props.member("instanceConcurrency")
        && !custom
        && !runtime.is_empty()
        && c.value.as_f64().is_some_and(|v| v > 1.0)
    {
        out.at_key(c, |r| {
                Diagnostic::warning(r, "instance-concurrency", format!("`instanceConcurrency` takes effect only for custom runtimes and containers; `{runtime}` handles one request per instance"))
            });
    }
    if matches!(runtime.as_str(), "custom-container" | "micro-sandbox") {
        let image = props.path(&["customContainerConfig", "image"]);
        if props.get("customContainerConfig").is_some()
            && image.is_none()
            && let Some(m) = props.member("customContainerConfig")
        {
            out.at_key(m, |r| Diagnostic::error(r, "container-image", "CustomContainerRuntime must have a valid image URL: set `customContainerConfig.image`"));
        }
    }
    if let Some(env) = props.get("environmentVariables").and_then(Value::as_map) {
        for m in env {
            if !matches!(m.value.kind, Kind::Str(_) | Kind::Unknown(_) | Kind::Null) {
                out.at_value(&m.value, |r| {
                    Diagnostic::warning(r, "env-not-string", format!("environment variable `{}` should be a string; Function Compute expects text (quote it)", m.key))
                });
            }
        }
    }
    deprecated_runtime(out, props);
    handler_format(out, props, &runtime);
    if let Some(triggers) = props.get("triggers").and_then(Value::as_list) {
        let mut names: HashMap<&str, ()> = HashMap::new();
        for t in triggers {
            if let Some(name_v) = t.get("triggerName")
                && let Some(name) = name_v.as_str()
                && names.insert(name, ()).is_some()
            {
                out.at_value(name_v, |r| {
                    Diagnostic::error(
                        r,
                        "duplicate-trigger",
                        format!(
                            "two triggers are named `{name}`: the second one updates the first"
                        ),
                    )
                });
            }
            let http = t.get("triggerType").and_then(Value::as_str) == Some("http");
            if let (true, Some(cfg)) = (http, t.get("triggerConfig")) {
                let jwt = cfg.get("authType").and_then(Value::as_str) == Some("jwt");
                let auth = cfg.get("authConfig");
                if jwt
                    && auth.is_none()
                    && let Some(m) = cfg.member("authType")
                {
                    out.at_value(&m.value, |r| {
                        Diagnostic::error(
                            r,
                            "jwt-auth",
                            "You must set authConfig in triggerConfig when authType is jwt",
                        )
                    });
                }
                if let Some(auth) = auth
                    && auth.get("whitelist").is_some()
                    && auth.get("blacklist").is_some()
                    && let Some(m) = auth.member("blacklist")
                {
                    out.at_key(m, |r| {
                                Diagnostic::error(r, "jwt-whitelist-blacklist", "`whitelist` and `blacklist` cannot both be set: fc3 skips deploying this trigger")
                            });
                }
            }
        }
    }
    if let Some(tags) = props.get("tags").and_then(Value::as_list) {
        if tags.len() > 20
            && let Some(m) = props.member("tags")
        {
            out.at_key(m, |r| {
                Diagnostic::error(
                    r,
                    "tags",
                    format!("at most 20 tags are allowed ({} given)", tags.len()),
                )
            });
        }
        let mut keys: HashMap<String, ()> = HashMap::new();
        for t in tags {
            let k = t.get("key").or_else(|| t.get("Key"));
            if let Some(kv) = k
                && let Some(ks) = kv.as_str()
                && keys.insert(ks.to_lowercase(), ()).is_some()
            {
                out.at_value(kv, |r| {
                    Diagnostic::error(r, "tags", format!("tag key `{ks}` is used twice"))
                });
            }
        }
    }
}

/// R-CPU-MEM: memory in GB between 1 and 4 times the vCPUs.
fn ratio(out: &mut Out<'_>, props: &Value, fc3: bool) {
    let Some(cpu_v) = props.get("cpu") else {
        return;
    };
    let Some(cpu) = cpu_v.as_f64() else { return };
    let memory_v = props.get("memorySize");
    if memory_v.is_some_and(Value::is_unknown) {
        return;
    }
    let memory = num(memory_v).unwrap_or(if fc3 { 512.0 } else { 128.0 });
    let gb = memory / 1024.0;
    if cpu > 0.0 && (gb < cpu - 1e-9 || gb > 4.0 * cpu + 1e-9) {
        let lo = (cpu * 1024.0 / 64.0).ceil() * 64.0;
        let hi = (cpu * 4.0 * 1024.0 / 64.0).floor() * 64.0;
        let message = format!(
            "cpu {} needs memorySize between {} and {} MB (memory in GB must be 1–4 × the vCPUs); it is {}",
            crate::value::js_number(cpu),
            lo,
            hi.min(32768.0),
            crate::value::js_number(memory)
        );
        out.at_value(cpu_v, |r| Diagnostic::error(r, "cpu-memory-ratio", message));
    }
}

fn gpu_spec(out: &mut Out<'_>, props: &Value) {
    let Some(gpu) = props.get("gpuConfig") else {
        return;
    };
    let runtime = props.get("runtime").and_then(Value::as_str);
    if runtime.is_some_and(|r| r != "custom-container")
        && let Some(rv) = props.get("runtime")
    {
        out.at_value(rv, |r| {
            Diagnostic::warning(
                r,
                "gpu-spec",
                "GPU functions must use the `custom-container` runtime",
            )
        });
    }
    let kind = gpu
        .get("gpuType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(mem_v) = gpu.get("gpuMemorySize")
        && let Some(mem) = mem_v.as_f64()
    {
        if kind == "fc.gpu.tesla.1" && !(1024.0..=16384.0).contains(&mem) {
            out.at_value(mem_v, |r| {
                Diagnostic::warning(
                    r,
                    "gpu-spec",
                    "fc.gpu.tesla.1 has 1024–16384 MB of GPU memory",
                )
            });
        }
        if kind == "fc.gpu.tesla.1"
            && let Some(cpu_v) = props.get("cpu")
            && cpu_v.as_f64().is_some_and(|c| c > mem / 1024.0 / 2.0)
        {
            out.at_value(cpu_v, |r| {
                Diagnostic::warning(
                    r,
                    "gpu-spec",
                    "with fc.gpu.tesla.1 the vCPUs may be at most half the GPU memory in GB",
                )
            });
        }
    }
}

fn deprecated_runtime(out: &mut Out<'_>, props: &Value) {
    if let Some(rv) = props.get("runtime")
        && let Some(r) = rv.as_str()
        && DEPRECATED_RUNTIMES.contains(&r)
    {
        out.at_value(rv, |range| {
                    Diagnostic::new(Severity::Warning, range, "deprecated-runtime", format!("runtime `{r}` is deprecated on Function Compute: new functions cannot use it; move to a supported version"))
                });
    }
}

fn handler_format(out: &mut Out<'_>, props: &Value, runtime: &str) {
    let Some(hv) = props.get("handler") else {
        return;
    };
    let Some(handler) = hv.as_str() else { return };
    let ok = if runtime.starts_with("java") {
        handler.contains("::")
    } else if runtime.starts_with("dotnetcore") {
        handler.matches("::").count() >= 2
    } else if runtime.starts_with("nodejs")
        || runtime.starts_with("python")
        || runtime.starts_with("php")
    {
        handler.contains('.') && !handler.starts_with('.') && !handler.ends_with('.')
    } else {
        true
    };
    if !ok {
        let example = if runtime.starts_with("java") {
            "`example.App::handleRequest`"
        } else if runtime.starts_with("dotnetcore") {
            "`Assembly::Namespace.Class::Method`"
        } else {
            "`index.handler`"
        };
        out.at_value(hv, |r| {
            Diagnostic::warning(
                r,
                "handler-format",
                format!("a `{runtime}` handler looks like {example}"),
            )
        });
    }
}
