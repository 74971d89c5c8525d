//! Magic-variable resolution for edition 3.0.0, as Serverless Devs' parse-spec does it
//! (reference §1.3–§1.5): top-level keys with the raw `vars` as context, then each resource in
//! file order (component, `template` merge minus `ignore`, own props, the rest of the entry), so
//! later resources see earlier ones resolved. Values known only at run time become *unknown*;
//! failures are reported at the `${...}` expression, with the definition as related information.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use syntax::{TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Related};
use crate::env::Environment;
use crate::expr::{self, Expr, Segment};
use crate::host::Host;
use crate::model::Sources;
use crate::value::{FileId, Kind, Member, Origin, Site, UnknownReason, Value, deep_merge};

/// Budget of YAML nodes that alias expansion may produce while building values.
pub(crate) const EXPANSION_BUDGET: usize = 2_000_000;

/// How strictly to treat environment variables that are not set (D2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsetEnv {
    /// `check`: a warning, the value is unknown (it may be set where `s` runs).
    Warn,
    /// `preview`: an error, as `s preview` fails.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Top-level keys: `vars` are the raw map, no `this`, no `resources`.
    Top,
    /// A resource's `component`: resolved vars, nothing else.
    Component,
    /// Inside resource `i`.
    Resource(usize),
}

/// A resource being resolved, in file order.
pub(crate) struct ResourceInput<'a> {
    pub name: String,
    pub key: Site,
    pub entry: Option<Site>,
    /// The raw entry (component, props, actions, vars, extend, ...).
    pub raw: &'a Value,
}

/// The output for one resource.
pub(crate) struct ResolvedResource {
    pub component: Value,
    pub props: Value,
    pub actions: Option<Value>,
}

struct Current<'a> {
    index: usize,
    raw_props: std::borrow::Cow<'a, Value>,
    in_progress: Vec<String>,
    cache: HashMap<String, Value>,
}

pub(crate) struct Resolver<'a> {
    host: &'a dyn Host,
    sources: &'a Sources,
    pub env: Environment,
    pub diagnostics: Vec<(FileId, Diagnostic)>,
    unset_env: UnsetEnv,
    raw_vars: Value,
    vars: Value,
    raw_top: Value,
    templates: Value,
    resources: Vec<ResourceInput<'a>>,
    resolved: Vec<Option<ResolvedResource>>,
    current: Option<Current<'a>>,
    /// The file whose directory relative paths resolve against.
    file: FileId,
    /// Range of the expression being evaluated, for diagnostics raised inside calls.
    expr_site: Option<(FileId, TextRange)>,
    registry_template: bool,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(
        host: &'a dyn Host,
        sources: &'a Sources,
        env: Environment,
        raw_top: Value,
        resources: Vec<ResourceInput<'a>>,
        unset_env: UnsetEnv,
        registry_template: bool,
    ) -> Self {
        let raw_vars = raw_top
            .get("vars")
            .cloned()
            .unwrap_or_else(|| Value::new(Kind::Map(Vec::new()), Origin::default()));
        let count = resources.len();
        Resolver {
            host,
            sources,
            env,
            diagnostics: Vec::new(),
            unset_env,
            raw_vars,
            vars: Value::null(),
            raw_top,
            templates: Value::null(),
            resources,
            resolved: (0..count).map(|_| None).collect(),
            current: None,
            file: FileId::MAIN,
            expr_site: None,
            registry_template,
        }
    }

    /// Resolves the top-level keys; returns the resolved top level (without `resources`).
    pub(crate) fn resolve_top(&mut self) -> Value {
        let members = self
            .raw_top
            .as_map()
            .map(<[Member]>::to_vec)
            .unwrap_or_default();
        let mut out = Vec::new();
        for m in members {
            if m.key == "resources" || m.key == "edition" || m.key == "services" {
                out.push(m);
                continue;
            }
            // `access: ${aliyun-cli}` is a keyword, not a variable.
            if m.key == "access" && m.value.as_str().is_some_and(|s| s.contains("aliyun-cli")) {
                out.push(m);
                continue;
            }
            let value = self.resolve(&m.value, Scope::Top, 1);
            out.push(Member {
                key: m.key,
                key_site: m.key_site,
                value,
            });
        }
        let top = Value::new(Kind::Map(out), self.raw_top.origin);
        self.vars = top
            .get("vars")
            .cloned()
            .unwrap_or_else(|| Value::new(Kind::Map(Vec::new()), Origin::default()));
        self.templates = top.get("template").cloned().unwrap_or_else(Value::null);
        top
    }

    /// Resolves every resource in file order.
    pub(crate) fn resolve_resources(&mut self) -> Vec<ResolvedResource> {
        for i in 0..self.resources.len() {
            let resolved = self.resolve_resource(i);
            self.resolved[i] = Some(resolved);
        }
        self.resolved
            .drain(..)
            .map(|r| {
                r.unwrap_or(ResolvedResource {
                    component: Value::null(),
                    props: Value::null(),
                    actions: None,
                })
            })
            .collect()
    }

    fn resolve_resource(&mut self, i: usize) -> ResolvedResource {
        let raw: &'a Value = self.resources[i].raw;
        self.file = raw.origin.def.map_or(FileId::MAIN, |s| s.file);
        let component = match raw.get("component") {
            Some(c) => self.resolve(c, Scope::Component, 1),
            None => Value::null(),
        };
        // template + extend (minus ignore), props win, arrays replaced.
        let mut template = Value::new(Kind::Map(Vec::new()), Origin::default());
        if let Some(extend) = raw.get("extend") {
            let name = extend
                .get("name")
                .and_then(|n| n.as_str().map(str::to_string));
            if let Some(name) = name
                && let Some(t) = self.templates.get(&name)
            {
                let mut t = t.clone();
                if let Some(ignore) = extend.get("ignore") {
                    let paths: Vec<String> = match &ignore.kind {
                        Kind::Str(s) => vec![s.clone()],
                        Kind::List(items) => items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        _ => Vec::new(),
                    };
                    for p in paths {
                        omit(&mut t, &p.split('.').collect::<Vec<_>>());
                    }
                }
                template = t;
            }
        }
        let merged = match raw.get("props") {
            Some(props) if matches!(template.kind, Kind::Map(ref m) if !m.is_empty()) => {
                std::borrow::Cow::Owned(deep_merge(&template, props))
            }
            Some(props) => std::borrow::Cow::Borrowed(props),
            None => std::borrow::Cow::Owned(template),
        };
        self.current = Some(Current {
            index: i,
            raw_props: merged.clone(),
            in_progress: Vec::new(),
            cache: HashMap::new(),
        });
        let mut props = self.resolve(merged.as_ref(), Scope::Resource(i), 1);
        drop_nulls(&mut props);
        let actions = raw
            .get("actions")
            .map(|a| self.resolve(a, Scope::Resource(i), 1));
        for key in ["vars", "extend", "allow_failure", "continue-on-error"] {
            if let Some(v) = raw.get(key) {
                let _ = self.resolve(v, Scope::Resource(i), 1);
            }
        }
        self.current = None;
        ResolvedResource {
            component,
            props,
            actions,
        }
    }

    /// Resolves every string inside `value`.
    fn resolve(&mut self, value: &Value, scope: Scope, passes: u8) -> Value {
        value.map_strings(&mut |s, origin| self.eval_string(s, origin, scope, passes))
    }

    fn eval_string(&mut self, s: &str, origin: Origin, scope: Scope, passes: u8) -> Value {
        if self.registry_template && s.contains("{{") {
            return Value::unknown(s, UnknownReason::TemplatePlaceholder, origin);
        }
        if s.contains("<%") && s.contains("%>") {
            return Value::unknown(s, UnknownReason::Dynamic, origin);
        }
        let segs = expr::segments(s);
        let exprs = segs
            .iter()
            .filter(|s| matches!(s, Segment::Expr { .. }))
            .count();
        if exprs == 0 {
            return Value::str(s, origin);
        }
        if let [Segment::Expr { inner, start, end }] = segs.as_slice() {
            let site = self.expr_range(origin, s, *start, *end);
            let mut v = self.eval_expr(inner, scope, site);
            if let Some(site) = site {
                v.set_via(site);
            } else {
                v.origin.via = origin.via;
            }
            if let Kind::Str(inner_s) = &v.kind
                && passes > 0
                && expr::has_expr(inner_s)
            {
                let again = inner_s.clone();
                let o = v.origin;
                return self.eval_string(&again, o, scope, passes - 1);
            }
            return v;
        }
        let mut text = String::new();
        let mut unknown: Option<UnknownReason> = None;
        for seg in &segs {
            match seg {
                Segment::Literal(l) => text.push_str(l),
                Segment::Expr { inner, start, end } => {
                    let site = self.expr_range(origin, s, *start, *end);
                    let v = self.eval_expr(inner, scope, site);
                    match v.js_string() {
                        Some(piece) => text.push_str(&piece),
                        None => {
                            if let Kind::Unknown(u) = &v.kind {
                                unknown.get_or_insert(u.reason.clone());
                                text.push_str(&u.text);
                            }
                        }
                    }
                }
            }
        }
        if let Some(reason) = unknown {
            return Value::unknown(text, reason, origin);
        }
        if passes > 0 && expr::has_expr(&text) {
            return self.eval_string(&text, origin, scope, passes - 1);
        }
        Value::str(text, origin)
    }

    /// The range of `${...}` at `start..end` of string `s` in the file: searched in the source of
    /// the value's node; the whole node when the text was transformed (escapes, folding).
    fn expr_range(
        &self,
        origin: Origin,
        s: &str,
        start: usize,
        end: usize,
    ) -> Option<(FileId, TextRange)> {
        if let Some(via) = origin.via {
            return Some(via);
        }
        let def = origin.def?;
        let file = self.sources.file(def.file);
        let node_range = file.tree().range(def.node);
        let source = &file.text[node_range];
        let needle = &s[start..end];
        let nth = s[..start].matches(needle).count();
        let found = source.match_indices(needle).nth(nth).map(|(i, _)| i);
        let range = match found {
            Some(i) => {
                let at = node_range.start() + TextSize::from(i as u32);
                TextRange::at(at, TextSize::from(needle.len() as u32))
            }
            None => node_range,
        };
        Some((def.file, range))
    }

    fn report(
        &mut self,
        site: Option<(FileId, TextRange)>,
        diagnostic: impl FnOnce(TextRange) -> Diagnostic,
    ) {
        if let Some((file, range)) = site {
            self.diagnostics.push((file, diagnostic(range)));
        }
    }

    fn not_found(&mut self, inner: &str, site: Option<(FileId, TextRange)>, hint: &str) -> Value {
        let message = if hint.is_empty() {
            format!("`${{{inner}}}` not found")
        } else {
            format!("`${{{inner}}}` not found: {hint}")
        };
        self.report(site, |r| {
            Diagnostic::error(r, "unresolved-variable", message)
        });
        Value::unknown(
            format!("${{{inner}}}"),
            UnknownReason::Failed,
            Origin::default(),
        )
    }

    fn eval_expr(&mut self, inner: &str, scope: Scope, site: Option<(FileId, TextRange)>) -> Value {
        self.expr_site = site;
        let text = format!("${{{inner}}}");
        match expr::parse(inner) {
            Expr::Path(parts) => {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                self.lookup(inner, &parts, scope, site)
            }
            Expr::Call { name, args, tail } => {
                let v = self.call(inner, &name, &args, scope, site);
                if tail.is_empty() || v.is_unknown() {
                    return v;
                }
                let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
                match v.path(&tail) {
                    Some(x) if !matches!(x.kind, Kind::Null) => x.clone(),
                    _ => self.not_found(inner, site, ""),
                }
            }
            Expr::Str(s) => Value::str(s, Origin::default()),
            Expr::Num(n) => num(n),
            Expr::Other(t) => {
                if t.trim() != t {
                    self.not_found(
                        inner,
                        site,
                        "Serverless Devs allows no spaces inside `${...}`",
                    )
                } else {
                    Value::unknown(text, UnknownReason::Dynamic, Origin::default())
                }
            }
        }
    }

    fn lookup(
        &mut self,
        inner: &str,
        parts: &[&str],
        scope: Scope,
        site: Option<(FileId, TextRange)>,
    ) -> Value {
        let text = format!("${{{inner}}}");
        let rest = &parts[1..];
        match parts[0] {
            "vars" => {
                let base = if scope == Scope::Top {
                    &self.raw_vars
                } else {
                    &self.vars
                };
                match base.path(rest) {
                    Some(v) if !matches!(v.kind, Kind::Null) => v.clone(),
                    _ => {
                        let hint = suggest_path(base, rest, "vars");
                        self.not_found(inner, site, &hint)
                    }
                }
            }
            "this" | "that" => match scope {
                Scope::Resource(i) => self.lookup_this(inner, i, rest, site),
                _ => self.not_found(inner, site, "`this` exists only inside a resource"),
            },
            "resources" => self.lookup_resources(inner, rest, scope, site),
            "components" => Value::unknown(text, UnknownReason::RunTimeOutput, Origin::default()),
            "cwd" if rest.is_empty() => Value::str(
                self.sources.file(self.file).dir().to_string_lossy(),
                Origin::default(),
            ),
            "credential" => Value::unknown(text, UnknownReason::Credential, Origin::default()),
            "self" | "shared" => {
                Value::unknown(text, UnknownReason::TemplatePlaceholder, Origin::default())
            }
            "env" => {
                let name = rest.join(".");
                let message = format!(
                    "`${{env.{name}}}` is not supported in edition 3.0.0 (it is always \"not found\"); write `${{env('{name}')}}`"
                );
                self.report(site, |r| {
                    Diagnostic::error(r, "unresolved-variable", message).with_fix(
                        format!("Replace with ${{env('{name}')}}"),
                        r,
                        format!("${{env('{name}')}}"),
                    )
                });
                Value::unknown(text, UnknownReason::Failed, Origin::default())
            }
            _ => self.not_found(inner, site, ""),
        }
    }

    fn lookup_this(
        &mut self,
        inner: &str,
        i: usize,
        rest: &[&str],
        site: Option<(FileId, TextRange)>,
    ) -> Value {
        let text = format!("${{{inner}}}");
        let Some(first) = rest.first() else {
            return Value::unknown(text, UnknownReason::Dynamic, Origin::default());
        };
        match *first {
            "name" if rest.len() == 1 => {
                Value::str(self.resources[i].name.clone(), Origin::default())
            }
            "output" | "info" => {
                Value::unknown(text, UnknownReason::RunTimeOutput, Origin::default())
            }
            "access" => match self.raw_top.get("access") {
                Some(v) => v.clone(),
                None => Value::unknown(text, UnknownReason::Config, Origin::default()),
            },
            "props" => self.own_prop(inner, &rest[1..], site),
            _ => {
                let raw: &'a Value = self.resources[i].raw;
                match raw.path(rest) {
                    Some(v) if !matches!(v.kind, Kind::Null) => {
                        self.resolve(v, Scope::Resource(i), 1)
                    }
                    _ => self.not_found(inner, site, ""),
                }
            }
        }
    }

    /// `${this.props.x}`: the resource's own (template-merged) prop, resolved on demand.
    fn own_prop(&mut self, inner: &str, path: &[&str], site: Option<(FileId, TextRange)>) -> Value {
        let Some(current) = self.current.as_mut() else {
            return self.not_found(inner, site, "");
        };
        let key = path.join(".");
        if let Some(v) = current.cache.get(&key) {
            return v.clone();
        }
        if current.in_progress.contains(&key) {
            let message = format!("`${{{inner}}}` refers to itself (a cycle through `this.props`)");
            self.report(site, |r| Diagnostic::error(r, "variable-cycle", message));
            return Value::unknown(
                format!("${{{inner}}}"),
                UnknownReason::Failed,
                Origin::default(),
            );
        }
        let raw = match current.raw_props.path(path) {
            Some(v) if !matches!(v.kind, Kind::Null) => v.clone(),
            _ => {
                let hint = suggest_path(&current.raw_props, path, "this.props");
                return self.not_found(inner, site, &hint);
            }
        };
        let index = current.index;
        current.in_progress.push(key.clone());
        let saved = self.expr_site;
        let v = self.resolve(&raw, Scope::Resource(index), 1);
        self.expr_site = saved;
        if let Some(current) = self.current.as_mut() {
            current.in_progress.retain(|k| k != &key);
            current.cache.insert(key, v.clone());
        }
        v
    }

    fn lookup_resources(
        &mut self,
        inner: &str,
        rest: &[&str],
        scope: Scope,
        site: Option<(FileId, TextRange)>,
    ) -> Value {
        let text = format!("${{{inner}}}");
        let (Some(name), Some(field)) = (rest.first(), rest.get(1)) else {
            return self.not_found(inner, site, "");
        };
        let index = self.resources.iter().position(|r| r.name == *name);
        if matches!(*field, "output" | "info") {
            return match index {
                Some(_) => Value::unknown(text, UnknownReason::RunTimeOutput, Origin::default()),
                None => {
                    let hint = self.resource_hint(name);
                    self.not_found(inner, site, &hint)
                }
            };
        }
        let Scope::Resource(current) = scope else {
            return self.not_found(
                inner,
                site,
                "`resources` can be used only inside a resource",
            );
        };
        let Some(j) = index else {
            let hint = self.resource_hint(name);
            return self.not_found(inner, site, &hint);
        };
        let path = &rest[2..];
        if j == current && *field == "props" {
            return self.own_prop(inner, path, site);
        }
        if j < current {
            let found = match *field {
                "props" => self.resolved[j]
                    .as_ref()
                    .and_then(|r| r.props.path(path).cloned()),
                "component" if path.is_empty() => {
                    self.resolved[j].as_ref().map(|r| r.component.clone())
                }
                _ => self.resources[j].raw.path(&rest[1..]).cloned(),
            };
            return match found {
                Some(v) if !matches!(v.kind, Kind::Null) => v,
                _ => self.not_found(inner, site, ""),
            };
        }
        // A later resource: its raw entry (template props invisible), one more pass here.
        match self.resources[j].raw.path(&rest[1..]) {
            Some(v) if !matches!(v.kind, Kind::Null) => {
                let v = v.clone();
                self.resolve(&v, scope, 1)
            }
            _ => {
                let hint = format!(
                    "`{name}` comes later in the file, so only what it writes itself is visible here"
                );
                self.not_found(inner, site, &hint)
            }
        }
    }

    fn resource_hint(&self, name: &str) -> String {
        let names: Vec<&str> = self.resources.iter().map(|r| r.name.as_str()).collect();
        match crate::suggest::best(name, names.iter().copied()) {
            Some(best) => format!("there is no resource `{name}`; did you mean `{best}`?"),
            None => format!("there is no resource `{name}`"),
        }
    }

    fn arg(&mut self, arg: &Expr, scope: Scope, site: Option<(FileId, TextRange)>) -> Value {
        match arg {
            Expr::Str(s) => Value::str(s.clone(), Origin::default()),
            Expr::Num(n) => num(*n),
            Expr::Path(parts) => {
                let joined = parts.join(".");
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                self.lookup(&joined, &parts, scope, site)
            }
            Expr::Call { name, args, tail } => {
                let inner = format!("{name}(..)");
                let v = self.call(&inner, name, args, scope, site);
                let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
                if tail.is_empty() {
                    v
                } else {
                    v.path(&tail).cloned().unwrap_or_else(Value::null)
                }
            }
            Expr::Other(t) => Value::unknown(t.clone(), UnknownReason::Dynamic, Origin::default()),
        }
    }

    fn call(
        &mut self,
        inner: &str,
        name: &str,
        args: &[Expr],
        scope: Scope,
        site: Option<(FileId, TextRange)>,
    ) -> Value {
        let text = format!("${{{inner}}}");
        // `s preview` prints these with the argument in single quotes, whatever was written.
        let quoted = |reason| match args {
            [Expr::Str(arg)] => {
                Value::unknown(format!("${{{name}('{arg}')}}"), reason, Origin::default())
            }
            _ => Value::unknown(text.clone(), reason, Origin::default()),
        };
        match name {
            "config" => return quoted(UnknownReason::Config),
            "secret" => return quoted(UnknownReason::Secret),
            "regex" => return Value::unknown(text, UnknownReason::Dynamic, Origin::default()),
            _ => {}
        }
        let values: Vec<Value> = args.iter().map(|a| self.arg(a, scope, site)).collect();
        if values.first().is_some_and(Value::is_unknown) {
            return Value::unknown(text, UnknownReason::Dynamic, Origin::default());
        }
        let first = values
            .first()
            .and_then(|v| v.js_string())
            .unwrap_or_default();
        match name {
            "env" => {
                if let Some((value, _)) = self.env.get(self.host, &first) {
                    return Value::str(value, Origin::default());
                }
                if let Some(default) = values.get(1) {
                    return default.clone();
                }
                let message = format!(
                    "environment variable `{first}` is not set here and `${{{inner}}}` has no default; `s` fails unless it is set where it runs (add it to .env or give a default: `${{env('{first}', 'value')}}`)"
                );
                let severity = self.unset_env;
                self.report(site, |r| match severity {
                    UnsetEnv::Warn => Diagnostic::warning(r, "unset-env", message),
                    UnsetEnv::Error => Diagnostic::error(r, "unset-env", message),
                });
                Value::unknown(text, UnknownReason::UnsetEnv(first), Origin::default())
            }
            "file" => {
                let path = join_path(&self.sources.file(self.file).dir(), &first);
                match self.host.read_file(&path) {
                    Some(content) => Value::str(content, Origin::default()),
                    None => {
                        let message = format!(
                            "`${{{inner}}}`: file `{}` not found; `s` fails without it",
                            path.display()
                        );
                        self.report(site, |r| Diagnostic::warning(r, "file-not-found", message));
                        Value::unknown(text, UnknownReason::Failed, Origin::default())
                    }
                }
            }
            "json" => match serde_json::from_str::<serde_json::Value>(&first) {
                Ok(json) => from_json(&json),
                Err(e) => {
                    let message = format!("`${{{inner}}}`: not valid JSON ({e})");
                    self.report(site, |r| Diagnostic::error(r, "invalid-argument", message));
                    Value::unknown(text, UnknownReason::Failed, Origin::default())
                }
            },
            "yaml" => {
                let parse = syntax::parse(&first);
                if parse.has_errors() {
                    let message = format!("`${{{inner}}}`: not valid YAML");
                    self.report(site, |r| Diagnostic::error(r, "invalid-argument", message));
                    return Value::unknown(text, UnknownReason::Failed, Origin::default());
                }
                match parse
                    .tree
                    .root()
                    .and_then(|root| syntax::to_json(&parse.tree, root, 100_000).ok())
                {
                    Some(json) => from_json(&json),
                    None => Value::null(),
                }
            }
            "path" => {
                if first.is_empty() {
                    return self.not_found(inner, site, "an empty path");
                }
                let path = join_path(&self.sources.file(self.file).dir(), &first);
                if self.host.path_kind(&path).is_none() {
                    let message = format!(
                        "`${{{inner}}}`: `{}` does not exist; `s` fails with \"path value not found\"",
                        path.display()
                    );
                    self.report(site, |r| Diagnostic::warning(r, "path-not-found", message));
                }
                let mut s = path.to_string_lossy().into_owned();
                if first.ends_with('/') && !s.ends_with('/') {
                    s.push('/');
                }
                Value::str(s, Origin::default())
            }
            "base64" => Value::str(base64(first.as_bytes()), Origin::default()),
            "str" => {
                let parts: Vec<&str> = first.split('.').collect();
                let v = self.lookup(&first, &parts, scope, site);
                match v.js_string() {
                    Some(s) => Value::str(s, Origin::default()),
                    None => v,
                }
            }
            _ => self.not_found(
                inner,
                site,
                &format!("`{name}()` is not a Serverless Devs function"),
            ),
        }
    }

    /// Related information pointing at a value's definition.
    pub(crate) fn related_for(sources: &Sources, origin: Origin) -> Option<Related> {
        let def = origin.def?;
        origin.via?;
        let file = sources.file(def.file);
        Some(Related {
            file: (def.file != FileId::MAIN).then(|| file.path.clone()),
            range: file.tree().range(def.node),
            message: "the value comes from here".into(),
        })
    }
}

fn num(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::new(Kind::Int(n as i64), Origin::default())
    } else {
        Value::new(Kind::Float(n), Origin::default())
    }
}

pub(crate) fn from_json(json: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    let kind = match json {
        J::Null => Kind::Null,
        J::Bool(b) => Kind::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Kind::Int(i),
            None => Kind::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Kind::Str(s.clone()),
        J::Array(items) => Kind::List(items.iter().map(from_json).collect()),
        J::Object(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| Member {
                    key: k.clone(),
                    key_site: None,
                    value: from_json(v),
                })
                .collect(),
        ),
    };
    Value::new(kind, Origin::default())
}

/// lodash `omit` of a dotted path.
fn omit(value: &mut Value, path: &[&str]) {
    let Kind::Map(members) = &mut value.kind else {
        return;
    };
    match path {
        [] => {}
        [last] => members.retain(|m| m.key != *last),
        [first, rest @ ..] => {
            if let Some(m) = members.iter_mut().find(|m| m.key == *first) {
                omit(&mut m.value, rest);
            }
        }
    }
}

/// Removes null members (parse-spec drops `null`, `~` and empty values from props).
pub(crate) fn drop_nulls(value: &mut Value) {
    match &mut value.kind {
        Kind::Map(members) => {
            members.retain(|m| !matches!(m.value.kind, Kind::Null));
            members.iter_mut().for_each(|m| drop_nulls(&mut m.value));
        }
        Kind::List(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Node's `path.join(dir, p)` for relative `p`, `p` itself when absolute; `.`/`..` normalised.
pub(crate) fn join_path(dir: &Path, p: &str) -> PathBuf {
    let joined = if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        dir.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// "did you mean" for a missing path segment.
fn suggest_path(base: &Value, rest: &[&str], root: &str) -> String {
    let mut current = base;
    for (i, seg) in rest.iter().enumerate() {
        match current.get(seg) {
            Some(next) => current = next,
            None => {
                let keys: Vec<&str> = current
                    .as_map()
                    .map(|m| m.iter().map(|m| m.key.as_str()).collect())
                    .unwrap_or_default();
                let prefix = [root]
                    .iter()
                    .copied()
                    .chain(rest[..i].iter().copied())
                    .collect::<Vec<_>>()
                    .join(".");
                return match crate::suggest::best(seg, keys.iter().copied()) {
                    Some(best) => {
                        format!("`{prefix}` has no `{seg}`; did you mean `{prefix}.{best}`?")
                    }
                    None if keys.is_empty() => format!("`{prefix}` has no `{seg}`"),
                    None => format!("`{prefix}` has no `{seg}` (it has {})", list(&keys)),
                };
            }
        }
    }
    String::new()
}

fn list(keys: &[&str]) -> String {
    let shown: Vec<String> = keys.iter().take(6).map(|k| format!("`{k}`")).collect();
    if keys.len() > 6 {
        format!("{}, …", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Builds raw values for every resource of a `resources:` mapping.
pub(crate) fn resource_inputs(resources: Option<&Value>) -> Vec<ResourceInput<'_>> {
    let Some(members) = resources.and_then(Value::as_map) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            Some(ResourceInput {
                name: m.key.clone(),
                key: m.key_site?,
                entry: m.value.origin.def,
                raw: &m.value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_node() {
        assert_eq!(base64(b"vars.a"), "dmFycy5h");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn join_keeps_absolute_and_normalises() {
        assert_eq!(join_path(Path::new("/a/b"), "../c"), PathBuf::from("/a/c"));
        assert_eq!(join_path(Path::new("/a/b"), "/x"), PathBuf::from("/x"));
        assert_eq!(
            join_path(Path::new("/a/b"), "./code"),
            PathBuf::from("/a/b/code")
        );
    }
}
