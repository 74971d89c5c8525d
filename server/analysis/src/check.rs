//! `check`: the staged analysis of one s.yaml. YAML syntax first (a file that does not parse gets
//! only its syntax errors), then the model (editions, `extend`, magic variables), then schema and
//! semantic checks on the resolved values, each finding placed on the node the user must edit.

use std::path::{Path, PathBuf};

use syntax::{NodeId, TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::env::Environment;
use crate::host::{Host, PathKind};
use crate::legacy::LegacyResolver;
use crate::model::{ComponentKind, Edition, Model, Resource, SourceFile, Sources};
use crate::resolve::{self, EXPANSION_BUDGET, Resolver, ResourceInput, UnsetEnv};
use crate::schema::{self, Finding};
use crate::value::{FileId, Kind, Member, Origin, Site, Value, deep_merge, from_tree};

/// The input: one file's path and its (newline-normalised) text.
pub struct FileInput<'a> {
    /// Absolute path of the file; relative paths in it resolve against its directory.
    pub path: &'a Path,
    pub text: &'a str,
    /// The folder `s` would run from (its `.env` is read first); usually the workspace folder.
    pub workspace: Option<&'a Path>,
}

#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    pub unset_env: UnsetEnv,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            unset_env: UnsetEnv::Warn,
        }
    }
}

/// Everything `check` learned about a file.
pub struct Analysis {
    pub sources: Sources,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn check(input: &FileInput<'_>, host: &dyn Host, options: CheckOptions) -> Analysis {
    let parse = syntax::parse(input.text);
    let main = SourceFile {
        path: input.path.to_path_buf(),
        text: input.text.to_string(),
        parse,
    };
    let mut sources = Sources { files: vec![main] };
    let mut diagnostics = Vec::new();

    let registry_template = is_registry_template(input, host);
    if sources.files[0].parse.has_errors() || !sources.files[0].parse.errors.is_empty() {
        diagnostics.extend(syntax_diagnostics(&sources.files[0], registry_template));
        if sources.files[0].parse.has_errors() {
            return Analysis {
                sources,
                model: None,
                diagnostics,
            };
        }
    }
    if registry_template && let Some(d) = unquoted_placeholder(&sources.files[0]) {
        diagnostics.push(d);
        return Analysis {
            sources,
            model: None,
            diagnostics,
        };
    }
    let Some(root) = sources.files[0].parse.tree.root() else {
        diagnostics.push(Diagnostic::error(
            TextRange::empty(TextSize::from(0)),
            "invalid-document",
            "the file is empty: an s.yaml needs `edition: 3.0.0` and `resources:`",
        ));
        return Analysis {
            sources,
            model: None,
            diagnostics,
        };
    };
    if sources.files[0].parse.tree.mapping(root).is_none() {
        diagnostics.push(Diagnostic::error(
            sources.files[0].parse.tree.range(root),
            "invalid-document",
            "the top level of an s.yaml must be a mapping with `edition` and `resources`",
        ));
        return Analysis {
            sources,
            model: None,
            diagnostics,
        };
    }

    // Top-level `extend: base.yaml` (3.0.0; the legacy engine merges the same way).
    let mut base_root = None;
    if let Some(entry) = sources.files[0].parse.tree.get(root, "extend")
        && let Some(rel) = sources.files[0]
            .parse
            .tree
            .text(entry.value)
            .map(str::to_string)
    {
        let path = resolve::join_path(&sources.files[0].dir(), &rel);
        let range = sources.files[0].parse.tree.range(entry.value);
        if !(rel.ends_with(".yaml") || rel.ends_with(".yml")) {
            diagnostics.push(Diagnostic::error(
                range,
                "invalid-extend",
                format!("`{rel}` must be a .yaml or .yml file"),
            ));
        } else if let Some(text) = host.read_file(&path) {
            let (text, _) = syntax::normalize_newlines(&text);
            let parse = syntax::parse(&text);
            if parse.has_errors() {
                let first = &parse.errors[0];
                diagnostics.push(Diagnostic::error(
                    range,
                    "invalid-extend",
                    format!("`{rel}` is not valid YAML: {}", first.message),
                ));
            } else {
                base_root = parse
                    .tree
                    .root()
                    .filter(|r| parse.tree.mapping(*r).is_some());
                sources.files.push(SourceFile {
                    path: path.clone(),
                    text: text.into_owned(),
                    parse,
                });
            }
        } else {
            diagnostics.push(Diagnostic::warning(
                range,
                "extend-not-found",
                format!(
                    "`{rel}` does not exist next to this file; Serverless Devs reads it as empty"
                ),
            ));
        }
    }
    let base = base_root.map(|r| (FileId(1), r));

    let edition = edition_of(&sources, root, base);
    let mut budget = EXPANSION_BUDGET;
    let raw_main = from_tree(
        sources.tree(FileId::MAIN),
        &sources.file(FileId::MAIN).text,
        FileId::MAIN,
        root,
        &mut budget,
    );
    if budget == 0 {
        diagnostics.push(Diagnostic::error(
            sources.tree(FileId::MAIN).range(root),
            "too-large",
            "aliases expand to more nodes than sdls reads (a possible alias bomb)",
        ));
    }
    let model = match &edition {
        Edition::V3 => Some(model_v3(
            input,
            host,
            &sources,
            &raw_main,
            base,
            options,
            registry_template,
            &mut diagnostics,
        )),
        Edition::Legacy(_) => Some(model_legacy(
            input,
            host,
            &sources,
            &raw_main,
            base,
            registry_template,
            &mut diagnostics,
        )),
        Edition::Invalid => None,
    };
    crate::checks::document(
        &sources,
        root,
        &raw_main,
        &edition,
        model.as_ref(),
        sources.files[0].parse.tree.get(root, "extend").is_some(),
        &mut diagnostics,
    );
    if let Some(model) = &model {
        for resource in &model.resources {
            check_props(&sources, model, resource, &mut diagnostics);
        }
        crate::checks::semantic(&sources, model, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| (d.range.start(), d.severity));
    diagnostics.dedup();
    Analysis {
        sources,
        model,
        diagnostics,
    }
}

fn is_registry_template(input: &FileInput<'_>, host: &dyn Host) -> bool {
    if input.text.contains("{{") {
        return true;
    }
    let Some(dir) = input.path.parent() else {
        return false;
    };
    let publish = dir.join("..").join("publish.yaml");
    host.path_kind(&resolve::join_path(dir, "../publish.yaml"))
        .is_some()
        || host.path_kind(&publish) == Some(PathKind::File)
}

/// An unquoted `{{ x }}` placeholder makes the file invalid YAML for `s` (js-yaml reads a flow
/// mapping with a mapping as key): one clear diagnostic, as for a syntax error.
fn unquoted_placeholder(file: &SourceFile) -> Option<Diagnostic> {
    let tree = file.tree();
    let found = (0..tree.len())
        .map(NodeId::from_index)
        .find_map(|id| crate::value::template_placeholder(tree, id, &file.text).map(|p| (id, p)))?;
    let (id, placeholder) = found;
    let count = (0..tree.len())
        .filter(|&i| {
            crate::value::template_placeholder(tree, NodeId::from_index(i), &file.text).is_some()
        })
        .count();
    Some(Diagnostic::error(
        tree.range(id),
        "registry-template",
        format!(
            "this is a registry template: `{placeholder}` (and {} more unquoted placeholder{}) is filled in by `s init`, and the file is not valid YAML until then; run `s init` to render it, or quote the placeholders",
            count - 1,
            if count == 2 { "" } else { "s" }
        ),
    ))
}

fn syntax_diagnostics(file: &SourceFile, registry_template: bool) -> Vec<Diagnostic> {
    if registry_template && file.parse.has_errors() {
        // One clear diagnostic instead of a parser message about a `{{ }}` placeholder.
        let at = file.text.find("{{").unwrap_or(0);
        let end = file.text[at..].find("}}").map_or(at + 2, |e| at + e + 2);
        let range = TextRange::new(TextSize::from(at as u32), TextSize::from(end as u32));
        let placeholder = &file.text[at..end];
        return vec![Diagnostic::error(
            range,
            "registry-template",
            format!(
                "this is a registry template: `{placeholder}` is filled in by `s init`, and the file is not valid YAML until then; run `s init` to render it (or quote the placeholder)"
            ),
        )];
    }
    file.parse
        .errors
        .iter()
        .map(|e| {
            let (severity, code) = match e.kind {
                syntax::SyntaxErrorKind::DuplicateKey => (Severity::Error, "duplicate-key"),
                syntax::SyntaxErrorKind::MultipleDocuments => {
                    (Severity::Warning, "multiple-documents")
                }
                syntax::SyntaxErrorKind::UnknownTag => (Severity::Error, "unknown-tag"),
                syntax::SyntaxErrorKind::TooDeep | syntax::SyntaxErrorKind::TooLarge => {
                    (Severity::Error, "too-large")
                }
                syntax::SyntaxErrorKind::InvalidUtf8 => (Severity::Error, "invalid-utf8"),
                syntax::SyntaxErrorKind::Invalid => (Severity::Error, "yaml-syntax"),
            };
            Diagnostic::new(severity, e.range, code, e.message.clone())
        })
        .collect()
}

fn edition_of(sources: &Sources, root: NodeId, base: Option<(FileId, NodeId)>) -> Edition {
    let tree = sources.tree(FileId::MAIN);
    let value = tree
        .get(root, "edition")
        .map(|e| (tree, e.value))
        .or_else(|| {
            let (file, base_root) = base?;
            let t = sources.tree(file);
            t.get(base_root, "edition").map(|e| (t, e.value))
        });
    let Some((tree, node)) = value else {
        return Edition::Invalid;
    };
    match tree.scalar(node) {
        Some(s) if s.text == "3.0.0" && s.value == syntax::ScalarValue::String => Edition::V3,
        Some(s)
            if (s.text == "1.0.0" || s.text == "2.0.0")
                && s.value == syntax::ScalarValue::String =>
        {
            Edition::Legacy(s.text.clone())
        }
        _ => Edition::Invalid,
    }
}

fn env_candidates(
    input: &FileInput<'_>,
    sources: &Sources,
    resources: &[ResourceInput],
    legacy: bool,
) -> Vec<PathBuf> {
    let dir = sources.file(FileId::MAIN).dir();
    let mut out = Vec::new();
    if let Some(ws) = input.workspace {
        out.push(ws.join(".env"));
    }
    out.push(dir.join(".env"));
    for r in resources {
        let code = if legacy {
            r.raw.path(&["props", "function", "codeUri"])
        } else {
            r.raw.path(&["props", "code"])
        };
        if let Some(code) = code.and_then(Value::as_str)
            && !code.contains("${")
            && !code.starts_with("http")
            && !code.ends_with(".zip")
            && !code.ends_with(".jar")
        {
            out.push(resolve::join_path(&resolve::join_path(&dir, code), ".env"));
        }
    }
    out
}

fn top_without(value: &Value, keys: &[&str]) -> Value {
    match &value.kind {
        Kind::Map(members) => Value::new(
            Kind::Map(
                members
                    .iter()
                    .filter(|m| !keys.contains(&m.key.as_str()))
                    .cloned()
                    .collect(),
            ),
            value.origin,
        ),
        _ => Value::new(Kind::Map(Vec::new()), Origin::default()),
    }
}

#[allow(clippy::too_many_arguments)]
fn model_v3(
    input: &FileInput<'_>,
    host: &dyn Host,
    sources: &Sources,
    child_top: &Value,
    base: Option<(FileId, NodeId)>,
    options: CheckOptions,
    registry_template: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Model {
    let mut budget = EXPANSION_BUDGET;
    let base_top = base.map(|(file, base_root)| {
        (
            file,
            from_tree(
                sources.tree(file),
                &sources.file(file).text,
                file,
                base_root,
                &mut budget,
            ),
        )
    });
    let child_resources = resolve::resource_inputs(child_top.get("resources"));
    let mut groups: Vec<(Vec<ResourceInput<'_>>, FileId)> = Vec::new();
    let raw_top = match &base_top {
        Some((file, base_top)) => {
            groups.push((resolve::resource_inputs(base_top.get("resources")), *file));
            deep_merge(
                &top_without(base_top, &["resources"]),
                &top_without(child_top, &["resources"]),
            )
        }
        None => top_without(child_top, &["resources"]),
    };
    groups.push((child_resources, FileId::MAIN));

    let mut resources: Vec<Resource> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut vars = Value::null();
    for (inputs, _file) in groups {
        let env = Environment::load(host, &env_candidates(input, sources, &inputs, false));
        let keep: Vec<(String, Site, Option<Site>)> = inputs
            .iter()
            .map(|r| (r.name.clone(), r.key, r.entry))
            .collect();
        let raw_entries: Vec<&Value> = inputs.iter().map(|r| r.raw).collect();
        let mut resolver = Resolver::new(
            host,
            sources,
            env,
            raw_top.clone(),
            inputs,
            options.unset_env,
            registry_template,
        );
        let top = resolver.resolve_top();
        vars = top.get("vars").cloned().unwrap_or_else(Value::null);
        let resolved = resolver.resolve_resources();
        place(sources, resolver.diagnostics.drain(..), diagnostics);
        for (((name, key, entry), r), raw) in keep.into_iter().zip(resolved).zip(raw_entries) {
            let props_key = raw.member("props").and_then(|m| m.key_site);
            let kind = component_kind(&r.component, &r.props, true);
            let resource = Resource {
                name,
                key,
                entry,
                component: r.component,
                kind,
                props: r.props,
                props_key,
                actions: r.actions,
            };
            // A child resource with the base's name is merged into it (child wins, arrays replaced).
            if let Some(existing) = by_name.get(&resource.name).map(|&i| &mut resources[i]) {
                existing.props = deep_merge(&existing.props, &resource.props);
                if !matches!(resource.component.kind, Kind::Null) {
                    existing.component = resource.component;
                    existing.kind = resource.kind;
                }
                existing.key = resource.key;
                existing.entry = resource.entry;
                existing.props_key = resource.props_key.or(existing.props_key);
            } else {
                by_name.insert(resource.name.clone(), resources.len());
                resources.push(resource);
            }
        }
    }
    Model {
        edition: Edition::V3,
        resources,
        vars,
        registry_template,
        root: sources.tree(FileId::MAIN).root(),
    }
}

fn model_legacy(
    input: &FileInput<'_>,
    host: &dyn Host,
    sources: &Sources,
    main: &Value,
    base: Option<(FileId, NodeId)>,
    registry_template: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Model {
    let mut budget = EXPANSION_BUDGET;
    let mut raw = main.clone();
    if let Some((file, base_root)) = base {
        let base_raw = from_tree(
            sources.tree(file),
            &sources.file(file).text,
            file,
            base_root,
            &mut budget,
        );
        raw = deep_merge(&base_raw, &raw);
    }
    let inputs: Vec<ResourceInput<'_>> = resolve::resource_inputs(main.get("services"));
    let env = Environment::load(host, &env_candidates(input, sources, &inputs, true));
    let mut resolver = LegacyResolver {
        host,
        sources,
        env,
        raw: raw.clone(),
        diagnostics: Vec::new(),
        registry_template,
    };
    let vars = raw
        .get("vars")
        .map(|v| resolver.resolve(v, None, 1))
        .unwrap_or_else(Value::null);
    let mut resources = Vec::new();
    for r in &inputs {
        let component = r
            .raw
            .get("component")
            .map(|c| resolver.resolve(c, Some(&r.name), 1))
            .unwrap_or_else(Value::null);
        let mut props = r
            .raw
            .get("props")
            .map(|p| resolver.resolve(p, Some(&r.name), 1))
            .unwrap_or_else(|| Value::new(Kind::Map(Vec::new()), Origin::default()));
        resolve::drop_nulls(&mut props);
        let actions = r
            .raw
            .get("actions")
            .map(|a| resolver.resolve(a, Some(&r.name), 1));
        let kind = component_kind(&component, &props, false);
        resources.push(Resource {
            name: r.name.clone(),
            key: r.key,
            entry: r.entry,
            component,
            kind,
            props,
            props_key: r.raw.member("props").and_then(|m| m.key_site),
            actions,
        });
    }
    place(sources, resolver.diagnostics.drain(..), diagnostics);
    Model {
        edition: Edition::Legacy(String::new()),
        resources,
        vars,
        registry_template,
        root: sources.tree(FileId::MAIN).root(),
    }
}

/// What a component value names (D3: paths and expressions are judged by the props' shape).
pub(crate) fn component_kind(component: &Value, props: &Value, v3: bool) -> ComponentKind {
    let infer = || {
        let has = |k: &str| props.get(k).is_some();
        let inferred = if v3 && has("functionName") && (has("runtime") || has("region")) {
            Some(Box::new(ComponentKind::Fc3))
        } else if v3 && has("routeConfig") && has("domainName") {
            Some(Box::new(ComponentKind::Fc3Domain))
        } else if !v3 && (has("service") || has("function")) {
            Some(Box::new(ComponentKind::LegacyFc))
        } else {
            None
        };
        ComponentKind::External { inferred }
    };
    let Some(text) = component.as_str() else {
        return infer();
    };
    if text.starts_with('.') || text.starts_with('/') || text.contains("://") || text.contains('\\')
    {
        return infer();
    }
    let name = text.split('@').next().unwrap_or(text);
    match name {
        "fc3" if v3 => ComponentKind::Fc3,
        "fc3-domain" if v3 => ComponentKind::Fc3Domain,
        "fc" | "devsapp/fc" | "fc-deploy" | "devsapp/fc-deploy" if !v3 => ComponentKind::LegacyFc,
        other => ComponentKind::Other(other.to_string()),
    }
}

/// Moves findings from other files (an `extend` base) onto the main file's `extend` value.
pub(crate) fn place(
    sources: &Sources,
    found: impl Iterator<Item = (FileId, Diagnostic)>,
    out: &mut Vec<Diagnostic>,
) {
    for (file, mut d) in found {
        if file == FileId::MAIN {
            out.push(d);
            continue;
        }
        let src = sources.file(file);
        let anchor = extend_range(sources).unwrap_or_default();
        d.related.push(Related {
            file: Some(src.path.clone()),
            range: d.range,
            message: "here, in the extended file".into(),
        });
        let lc = syntax::LineIndex::new(&src.text).line_col(d.range.start());
        // Shown relative to the analysed file, as the user wrote it in `extend`.
        let main_dir = sources.file(FileId::MAIN).dir();
        let shown = src.path.strip_prefix(&main_dir).unwrap_or(&src.path);
        d.message = format!(
            "{}:{}:{}: {}",
            shown.display(),
            lc.line + 1,
            lc.col + 1,
            d.message
        );
        d.range = anchor;
        out.push(d);
    }
}

fn extend_range(sources: &Sources) -> Option<TextRange> {
    let tree = sources.tree(FileId::MAIN);
    let root = tree.root()?;
    tree.get(root, "extend").map(|e| tree.range(e.value))
}

/// The range to report for a value: the `${...}` that brought it in, else its own node.
pub(crate) fn value_range(sources: &Sources, origin: Origin) -> Option<(FileId, TextRange)> {
    if let Some(via) = origin.via {
        return Some(via);
    }
    origin.def.map(|d| (d.file, sources.range(d)))
}

fn check_props(sources: &Sources, model: &Model, resource: &Resource, out: &mut Vec<Diagnostic>) {
    let Some(kind) = resource.kind.schema_kind() else {
        return;
    };
    let Some(schema) = schema::for_component(kind) else {
        return;
    };
    if !matches!(resource.props.kind, Kind::Map(_)) {
        return;
    }
    let mut findings = schema::validate(schema, &resource.props);
    let legacy = |path: &[String], key: &str| legacy_name(kind, path, key);
    findings.extend(schema::unknown_keys(schema, &resource.props, &legacy));
    let inferred = matches!(resource.kind, ComponentKind::External { .. });
    // The legacy engine's environments (`${environment.*}`, env.yaml) can supply the region.
    let environments = *kind == ComponentKind::LegacyFc
        && sources.file(FileId::MAIN).text.contains("${environment.");
    let mut placed = Vec::new();
    for mut f in findings {
        if environments
            && f.code == "missing-property"
            && f.path.is_empty()
            && f.message.contains("`region`")
        {
            f.severity = Severity::Warning;
            f.message.push_str(" (unless the legacy environment this file uses through `${environment.*}` sets it)");
        }
        if let Some(d) = place_finding(sources, resource, &f) {
            placed.push(d);
        }
    }
    if inferred {
        let name = match kind {
            ComponentKind::Fc3 => "fc3",
            ComponentKind::Fc3Domain => "fc3-domain",
            _ => "fc",
        };
        let range = value_range(sources, resource.component.origin)
            .filter(|(file, _)| *file == FileId::MAIN)
            .map_or_else(|| sources.range(resource.key), |(_, r)| r);
        placed.push(Diagnostic::new(
            Severity::Information,
            range,
            "component-inferred",
            format!("the component is given as a path or expression; its props are checked as `{name}` props because of their shape"),
        ));
    }
    let _ = model;
    place(sources, placed.into_iter().map(|d| (FileId::MAIN, d)), out);
}

fn legacy_name(kind: &ComponentKind, path: &[String], key: &str) -> Option<&'static str> {
    if *kind != ComponentKind::Fc3 || path.len() != 1 {
        return None;
    }
    Some(match key {
        "initializer" => "instanceLifecycleConfig.initializer.handler",
        "initializationTimeout" => "instanceLifecycleConfig.initializer.timeout",
        "codeUri" => "code",
        "caPort" => "customRuntimeConfig.port (or customContainerConfig.port)",
        "instanceType" => "gpuConfig.gpuType",
        "asyncConfiguration" => "asyncInvokeConfig",
        "customHealthCheckConfig" => "customRuntimeConfig.healthCheckConfig",
        "instanceSoftConcurrency" => "instanceConcurrency",
        _ => return None,
    })
}

/// Places a schema finding on the key or value it concerns.
fn place_finding(sources: &Sources, resource: &Resource, f: &Finding) -> Option<Diagnostic> {
    let fallback = || resource.props_key.unwrap_or(resource.key);
    let (file, range, related) = if f.on_key {
        // The key of the property at `path` (unknown property), or of the object that misses a
        // required property; when that object came from a `${...}`, the expression.
        let member = member_at(&resource.props, &f.path);
        let via_var =
            member.filter(|m| f.code == "missing-property" && m.value.origin.via.is_some());
        match (via_var, member.and_then(|m| m.key_site)) {
            (Some(m), _) => {
                let (file, range) = value_range(sources, m.value.origin)
                    .unwrap_or((FileId::MAIN, TextRange::default()));
                (
                    file,
                    range,
                    crate::resolve::Resolver::related_for(sources, m.value.origin),
                )
            }
            (None, Some(site)) => (site.file, sources.range(site), None),
            (None, None) => {
                // A list item or the props object itself: point at the item value or `props`.
                let value = schema::value_at(&resource.props, &f.path);
                match value.and_then(|v| value_range(sources, v.origin)) {
                    Some((file, range)) if !f.path.is_empty() => (file, range, None),
                    _ => {
                        let site = fallback();
                        (site.file, sources.range(site), None)
                    }
                }
            }
        }
    } else {
        let value = schema::value_at(&resource.props, &f.path)?;
        let (file, range) = value_range(sources, value.origin).unwrap_or_else(|| {
            let site = fallback();
            (site.file, sources.range(site))
        });
        let related = if value.origin.via.is_some() {
            crate::resolve::Resolver::related_for(sources, value.origin)
        } else {
            None
        };
        (file, range, related)
    };
    let mut d = schema::finding_to_diag(f, range);
    // A fix must edit the text the user wrote: only offer it when the range is that literal.
    if related.is_some() || file != FileId::MAIN {
        d.fixes.clear();
    } else if !d.fixes.is_empty() {
        let text = &sources.file(file).text[range];
        let quoted = text.starts_with('"') || text.starts_with('\'');
        if quoted {
            let q = &text[..1];
            for fix in &mut d.fixes {
                for e in &mut fix.edits {
                    e.new_text = format!("{q}{}{q}", e.new_text);
                }
            }
        }
    }
    if let Some(r) = related {
        d.related.push(r);
    }
    if file != FileId::MAIN {
        let mut v = Vec::new();
        place(sources, std::iter::once((file, d)), &mut v);
        return v.pop();
    }
    Some(d)
}

pub(crate) fn member_at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Member> {
    let (last, parent) = path.split_last()?;
    let parent = schema::value_at(value, parent)?;
    parent.member(last)
}
