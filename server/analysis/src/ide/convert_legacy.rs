//! Converts a legacy (`services:`) file to edition 3.0.0 with the `s2tos3` mapping (reference
//! §1.10.7), as edits on the file's own text so that comments and key order stay (D7). The
//! upstream bugs are fixed: the GPU type comes from `instanceType`, `gpuMemorySize` does not stay
//! behind, `vpcConfig: auto` / `logConfig: auto` are kept, custom-domain resources get distinct
//! names and route to the prefixed function name, mns/tablestore/log/cdn triggers get their
//! `sourceArn`, `caPort` becomes the port of the runtime's config even when the config is new,
//! and `${file()}` of YAML/JSON keeps its parsed value. What cannot be carried over is listed
//! in `notes` and, where it sits in the file, marked with a `# sdls:` comment.

use std::collections::HashMap;

use syntax::{MergedEntry, NodeId, Tree};

use super::Rewrite;
use super::convert_text::{LineEditor, emit_block, emit_entry, line_diff, scalar};
use crate::Analysis;
use crate::expr::{self, Segment};
use crate::model::ComponentKind;
use crate::value::{FileId, Kind, Member, Origin, Value, from_tree};

/// `None` when the file is not a legacy file.
pub fn convert_legacy(analysis: &Analysis) -> Option<Rewrite> {
    let main = analysis.sources.files.first()?;
    let tree = main.tree();
    let root = tree.root()?;
    tree.mapping(root)?;
    let edition = tree.get(root, "edition")?;
    let edition_text = tree.text(edition.value)?;
    if edition_text != "1.0.0" && edition_text != "2.0.0" {
        return None;
    }
    let services = tree.get(root, "services")?;
    if tree.get(root, "resources").is_some() {
        return None;
    }
    let mut conv = Conv {
        analysis,
        text: &main.text,
        tree,
        ed: LineEditor::new(&main.text),
        notes: Vec::new(),
        service_names: tree
            .entries(services.value)
            .into_iter()
            .map(|e| e.key)
            .collect(),
        domains: 0,
        templates: HashMap::new(),
        template_text: String::new(),
        deleted_vars: Vec::new(),
    };
    conv.ed.replace(tree.range(edition.value), "3.0.0");
    conv.ed.replace(tree.range(services.key_node), "resources");
    if tree.get(root, "extends").is_some() || tree.get(root, "extend").is_some() {
        conv.notes.push(
            "`extend`/`extends`: convert the base file too; edition 3.0.0 takes `extend: base.yaml` (one file, a string)".into(),
        );
    }
    if tree
        .mapping(services.value)
        .is_some_and(|_| tree.node(services.value).flow)
    {
        conv.notes
            .push("`services` is written in flow style: convert its entries by hand".into());
    } else {
        for entry in tree.entries(services.value) {
            if entry.via.is_none() {
                conv.resource(&entry);
            }
        }
    }
    if !conv.template_text.is_empty() {
        let text = format!("template:\n{}", conv.template_text);
        match tree.get(root, "template") {
            Some(t) => {
                let last = conv.ed.last_line(tree.range(t.value));
                conv.ed.insert_after(last, conv.template_text.clone());
            }
            None => {
                let line = conv
                    .ed
                    .line_of(usize::from(tree.range(services.key_node).start()));
                conv.ed.insert_before(line, text);
            }
        }
    }
    let rendered = conv.ed.render();
    let converted = rewrite_variables(&rendered, &conv.service_names, &mut conv.notes);
    let mut notes = conv.notes;
    notes.dedup();
    Some(Rewrite {
        title: "Convert to edition 3.0.0 (fc3)".into(),
        edits: line_diff(&main.text, &converted),
        notes,
    })
}

struct Conv<'a> {
    analysis: &'a Analysis,
    text: &'a str,
    tree: &'a Tree,
    ed: LineEditor<'a>,
    notes: Vec<String>,
    service_names: Vec<String>,
    /// Custom-domain resources made so far (their names are numbered across the file).
    domains: usize,
    /// `vars` path of a service → its template name.
    templates: HashMap<String, String>,
    template_text: String,
    deleted_vars: Vec<String>,
}

/// The function-level fields of a legacy service object that fc3 keeps on the function.
const SERVICE_DROP: &[&str] = &["name", "description"];

impl<'a> Conv<'a> {
    fn raw(&self, node: NodeId) -> Value {
        let mut budget = 10_000;
        from_tree(self.tree, self.text, FileId::MAIN, node, &mut budget)
    }

    fn col(&self, node: NodeId) -> usize {
        self.ed.column(usize::from(self.tree.range(node).start()))
    }

    fn first_line(&self, e: &MergedEntry) -> usize {
        self.ed
            .line_of(usize::from(self.tree.range(e.key_node).start()))
    }

    fn last_line(&self, e: &MergedEntry) -> usize {
        let range = self.tree.range(e.key_node).cover(self.tree.range(e.value));
        self.ed.last_line(range).max(self.first_line(e))
    }

    fn delete_entry(&mut self, e: &MergedEntry) {
        let (a, b) = (self.first_line(e), self.last_line(e));
        self.ed.delete_lines(a..=b);
    }

    /// Whether a node is a block mapping whose entries each start their own line.
    fn block_map(&self, node: NodeId) -> bool {
        self.tree.mapping(node).is_some()
            && !self.tree.node(self.tree.target(node)).flow
            && self.tree.target(node) == node
    }

    fn entries(&self, node: NodeId) -> Vec<MergedEntry> {
        self.tree
            .entries(node)
            .into_iter()
            .filter(|e| e.via.is_none())
            .collect()
    }

    fn note(&mut self, line: usize, indent: usize, message: &str) {
        self.ed
            .insert_before(line, format!("{}# sdls: {message}\n", " ".repeat(indent)));
    }

    /// Removes a `key:` line whose value moves up one level, and shifts the value's lines.
    fn flatten(&mut self, e: &MergedEntry, to_col: usize) -> bool {
        if !self.block_map(e.value) {
            return false;
        }
        let key_line = self.first_line(e);
        let value_line = self
            .ed
            .line_of(usize::from(self.tree.range(e.value).start()));
        if value_line == key_line {
            return false;
        }
        let last = self.last_line(e);
        let child = self.col(
            self.entries(e.value)
                .first()
                .map_or(e.value, |c| c.key_node),
        );
        self.ed.delete_lines(key_line..=key_line);
        self.ed
            .dedent(value_line..=last, child.saturating_sub(to_col));
        true
    }

    fn resource(&mut self, r: &MergedEntry) {
        let tree = self.tree;
        let name = r.key.clone();
        if !self.block_map(r.value) {
            self.notes
                .push(format!("`{name}`: not a block mapping; convert it by hand"));
            return;
        }
        let model = self.analysis.model.as_ref().and_then(|m| {
            m.resources
                .iter()
                .find(|x| x.key.file == FileId::MAIN && x.key.node == r.key_node)
        });
        let kind = model.map(|m| m.kind.clone());
        let component = tree.get(r.value, "component");
        let component_text = component
            .as_ref()
            .and_then(|c| tree.text(c.value))
            .unwrap_or_default()
            .to_string();
        let base_name = component_text.split('@').next().unwrap_or_default();
        let is_fc = matches!(
            base_name,
            "fc" | "devsapp/fc" | "fc-deploy" | "devsapp/fc-deploy"
        ) || matches!(
            kind,
            Some(ComponentKind::External { inferred: Some(ref k) }) if **k == ComponentKind::LegacyFc
        );
        for e in self.entries(r.value) {
            match e.key.as_str() {
                "actions" => self.actions(&e),
                "access" => {
                    let line = self.first_line(&e);
                    let col = self.col(e.key_node);
                    self.note(line, col, "edition 3.0.0 uses the top-level `access` for every resource; this one is ignored");
                    self.notes.push(format!(
                        "`{name}`: per-resource `access` is ignored in edition 3.0.0"
                    ));
                }
                _ => {}
            }
        }
        let Some(component) = component else { return };
        if matches!(base_name, "fc-domain" | "devsapp/fc-domain") {
            self.ed.replace(tree.range(component.value), "fc3-domain");
            self.notes.push(format!(
                "`{name}`: fc-domain → fc3-domain: move `customDomain` fields up into `props` and write `routeConfig.routes[].functionName` as `<service>$<function>`"
            ));
            return;
        }
        if !is_fc {
            if let Some(rest) = component_text.strip_prefix("devsapp/") {
                self.ed.replace(tree.range(component.value), scalar(rest));
                self.notes.push(format!(
                    "`{name}`: component `{component_text}` → `{rest}` (edition 3.0.0 rejects names with `/`); check that it has a 3.x version"
                ));
            } else if !component_text.is_empty() {
                self.notes.push(format!(
                    "`{name}`: component `{component_text}` is not the fc component; its props are kept as they are"
                ));
            }
            return;
        }
        if component_text != "fc"
            && !component_text.starts_with("fc@")
            && !component_text.starts_with("devsapp/fc")
        {
            self.notes.push(format!(
                "`{name}`: component `{component_text}` is converted as the fc component; it now says `fc3`"
            ));
        }
        self.ed.replace(tree.range(component.value), "fc3");
        let Some(props) = tree.get(r.value, "props") else {
            return;
        };
        if !self.block_map(props.value) {
            self.notes.push(format!(
                "`{name}`: `props` is not a block mapping; convert it by hand"
            ));
            return;
        }
        self.fc_props(&name, r, &props, model.map(|m| &m.props));
    }

    fn actions(&mut self, actions: &MergedEntry) {
        let tree = self.tree;
        for hook in self.entries(actions.value) {
            if let Some(rest) = hook.key.strip_prefix("post-") {
                self.ed
                    .replace(tree.range(hook.key_node), format!("complete-{rest}"));
            }
            for &item in tree.sequence(hook.value).unwrap_or_default() {
                let Some(c) = tree.get(item, "component") else {
                    continue;
                };
                let Some(cmd) = tree.text(c.value) else {
                    continue;
                };
                let mut words = cmd.split_whitespace();
                if !matches!(words.next(), Some("fc" | "devsapp/fc")) {
                    continue;
                }
                let sub = words.next().unwrap_or_default();
                let rest: Vec<&str> = cmd.split_whitespace().skip(1).collect();
                match sub {
                    "build" | "invoke" | "deploy" | "remove" | "info" | "sync" | "logs"
                    | "version" | "alias" => {
                        let new = format!("fc3 {}", rest.join(" "));
                        self.ed.replace(tree.range(c.value), scalar(&new));
                        if sub == "invoke" || rest.iter().any(|w| w.starts_with("--service-name")) {
                            self.notes.push(format!(
                                "action `{cmd}`: fc3 {sub} takes `--function-name <service>$<function>` instead of service and function names"
                            ));
                        }
                    }
                    _ => {
                        let line = self.first_line(&c);
                        let col = self.col(c.key_node);
                        self.note(
                            line,
                            col,
                            &format!("`fc {sub}` has no fc3 equivalent; rewrite this action"),
                        );
                        self.notes
                            .push(format!("action `{cmd}`: `fc {sub}` has no fc3 equivalent"));
                    }
                }
            }
        }
    }

    /// The service's name as text for `functionName`, and the service's own fields.
    fn service(
        &mut self,
        name: &str,
        resource: &MergedEntry,
        props: &MergedEntry,
        to_col: usize,
    ) -> Option<String> {
        let tree = self.tree;
        let service = tree.get(props.value, "service")?;
        if let Some(text) = tree.text(service.value)
            && let [Segment::Expr { inner, .. }] = expr::segments(text).as_slice()
            && let Some(path) = inner.strip_prefix("vars.")
        {
            return Some(self.service_from_var(name, resource, &service, path));
        }
        if !self.block_map(service.value) {
            self.notes.push(format!(
                "`{name}`: `service` is not a block mapping; move its fields into `props` by hand"
            ));
            return None;
        }
        let svc_name = tree
            .get(service.value, "name")
            .and_then(|n| tree.text(n.value))
            .map(str::to_string);
        let fields = self.entries(service.value);
        self.flatten(&service, to_col);
        for f in &fields {
            match f.key.as_str() {
                "name" => self.delete_entry(f),
                "description" => {
                    let desc = tree.text(f.value).unwrap_or_default().to_string();
                    let line = self.first_line(f);
                    self.delete_entry(f);
                    self.ed.insert_before(
                        line,
                        format!(
                            "{}# sdls: FC 2.0 service description (fc3 has no services): {desc}\n",
                            " ".repeat(to_col)
                        ),
                    );
                }
                _ => self.service_field(name, f, to_col),
            }
        }
        svc_name
    }

    /// `service: ${vars.x}`: the fields other than name/description become `template.template_<name>`.
    fn service_from_var(
        &mut self,
        name: &str,
        resource: &MergedEntry,
        service: &MergedEntry,
        path: &str,
    ) -> String {
        let tree = self.tree;
        let reference = format!("${{vars.{path}.name}}");
        let var = tree.root().and_then(|root| {
            let vars = tree.get(root, "vars")?;
            let segments: Vec<String> = path.split('.').map(str::to_string).collect();
            let mut node = vars.value;
            for s in &segments {
                node = tree.get(node, s)?.value;
            }
            Some(node)
        });
        self.delete_entry(service);
        let Some(var) = var.filter(|v| self.block_map(*v)) else {
            self.notes.push(format!("`{name}`: `service: ${{vars.{path}}}` could not be read; move the service fields into `props` by hand"));
            return reference;
        };
        let svc_name = tree
            .get(var, "name")
            .and_then(|n| tree.text(n.value))
            .map(str::to_string);
        let literal = svc_name.filter(|s| !s.contains("${"));
        let fields: Vec<MergedEntry> = self
            .entries(var)
            .into_iter()
            .filter(|e| !SERVICE_DROP.contains(&e.key.as_str()))
            .collect();
        if fields.is_empty() {
            return literal.unwrap_or(reference);
        }
        let template_name = match self.templates.get(path) {
            Some(t) => t.clone(),
            None => {
                let base = literal.clone().unwrap_or_else(|| path.replace('.', "_"));
                let template_name = format!("template_{base}");
                let mut converted = Vec::new();
                for f in &fields {
                    let value = self.raw(f.value);
                    if let Some((k, v)) = self.service_value(name, &f.key, value) {
                        converted.push(Member {
                            key: k,
                            key_site: None,
                            value: v,
                        });
                    }
                }
                self.template_text
                    .push_str(&format!("  {}:\n", scalar(&template_name)));
                self.template_text.push_str(&emit_block(
                    &Value::new(Kind::Map(converted), Origin::default()),
                    4,
                ));
                if !self.deleted_vars.contains(&path.to_string()) {
                    for f in &fields {
                        self.delete_entry(f);
                    }
                    self.deleted_vars.push(path.to_string());
                    self.notes.push(format!(
                        "`vars.{path}`: the service fields other than name and description moved to `template.{template_name}`"
                    ));
                }
                self.templates
                    .insert(path.to_string(), template_name.clone());
                template_name
            }
        };
        // `extend: {name}` on the resource, after its component.
        if let Some(component) = tree.get(resource.value, "component") {
            let line = self.last_line(&component);
            let col = self.col(component.key_node);
            self.ed.insert_after(
                line,
                format!(
                    "{pad}extend:\n{pad}  name: {}\n",
                    scalar(&template_name),
                    pad = " ".repeat(col)
                ),
            );
        }
        literal.unwrap_or(reference)
    }

    /// A service field on the flattened props: in place when unchanged, rewritten otherwise.
    fn service_field(&mut self, name: &str, f: &MergedEntry, to_col: usize) {
        let value = self.raw(f.value);
        if f.key == "role" && value.as_map().is_some() {
            // fc3 takes a role ARN: keep the FC 2.0 role object as a comment.
            let (a, b) = (self.first_line(f), self.last_line(f));
            let shift = self.col(f.key_node).saturating_sub(to_col);
            let pad = " ".repeat(to_col);
            let mut block = format!(
                "{pad}# sdls: fc3 needs a role ARN (`role: acs:ram::<account>:role/<name>`); the FC 2.0 role object was:\n"
            );
            for l in a..=b {
                let line = self.ed.line(l);
                let spaces = line.len() - line.trim_start_matches(' ').len();
                let rest = line.trim_start_matches(' ');
                let inner = " ".repeat(spaces.saturating_sub(shift + to_col));
                block.push_str(&format!("{pad}# {inner}{rest}\n"));
            }
            self.ed.delete_lines(a..=b);
            for l in a..=b {
                self.ed.drop_line(l);
            }
            self.ed.insert_before(a, block);
            self.notes.push(format!(
                "`{name}`: the service role is an object ({{name, policies}}); fc3 needs a role ARN — create the role and write its ARN (the object is kept as a comment)"
            ));
            return;
        }
        let converted = self.service_value(name, &f.key, value.clone());
        match converted {
            Some((k, v)) if k == f.key && v == value => {}
            Some((k, v)) => {
                let line = self.first_line(f);
                self.delete_entry(f);
                self.ed.insert_before(line, emit_entry(&k, &v, to_col));
            }
            None => {
                let line = self.first_line(f);
                self.delete_entry(f);
                self.note(
                    line,
                    to_col,
                    &format!("`{}` has no fc3 equivalent and was removed", f.key),
                );
            }
        }
    }

    /// The service transform of §1.10.7 step 3, with its bugs fixed: `None` drops the field.
    fn service_value(&mut self, name: &str, key: &str, value: Value) -> Option<(String, Value)> {
        let str_is = |v: &Value, s: &str| v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(s));
        match key {
            "nasConfig" if str_is(&value, "auto") => {
                Some((key.into(), Value::str("auto", value.origin)))
            }
            "nasConfig" => {
                let mut value = value;
                if let Kind::Map(members) = &mut value.kind {
                    for m in members.iter_mut().filter(|m| m.key == "mountPoints") {
                        if let Kind::List(points) = &mut m.value.kind {
                            for p in points.iter_mut() {
                                let server = p
                                    .get("serverAddr")
                                    .and_then(Value::js_string)
                                    .unwrap_or_default();
                                let nas_dir = p
                                    .get("nasDir")
                                    .and_then(Value::js_string)
                                    .unwrap_or_default();
                                let fc_dir = p.get("fcDir").cloned();
                                if let Kind::Map(fields) = &mut p.kind {
                                    fields
                                        .retain(|f| !matches!(f.key.as_str(), "nasDir" | "fcDir"));
                                    for f in fields.iter_mut().filter(|f| f.key == "serverAddr") {
                                        f.value = Value::str(
                                            format!("{server}:{nas_dir}"),
                                            f.value.origin,
                                        );
                                    }
                                    if let Some(fc_dir) = fc_dir {
                                        fields.push(Member {
                                            key: "mountDir".into(),
                                            key_site: None,
                                            value: fc_dir,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
                Some((key.into(), value))
            }
            "vpcConfig" if value.as_str().is_some() => Some((key.into(), value)),
            "vpcConfig" => {
                let mut value = value;
                if let Kind::Map(members) = &mut value.kind {
                    for m in members.iter_mut().filter(|m| m.key == "vswitchIds") {
                        m.key = "vSwitchIds".into();
                    }
                }
                Some((key.into(), value))
            }
            "vpcBinding" => Some((
                key.into(),
                Value::new(
                    Kind::Map(vec![Member {
                        key: "vpcIds".into(),
                        key_site: None,
                        value,
                    }]),
                    Origin::default(),
                ),
            )),
            "tracingConfig" => {
                self.notes.push(format!("`{name}`: `tracingConfig` has no fc3 equivalent and was removed (fc3 does not read the FC 2.0 form)"));
                None
            }
            "useSLRAuthentication" => None,
            "role" if value.as_map().is_some() => {
                self.notes.push(format!(
                    "`{name}`: the service role is an object ({{name, policies}}); fc3 needs a role ARN string — create the role and write its ARN"
                ));
                None
            }
            "ossMountConfig" | "logConfig" | "tracing" if matches!(&value.kind, Kind::Map(m) if m.is_empty()) => {
                None
            }
            _ => Some((key.into(), value)),
        }
    }

    fn fc_props(
        &mut self,
        name: &str,
        resource: &MergedEntry,
        props: &MergedEntry,
        resolved: Option<&Value>,
    ) {
        let tree = self.tree;
        let to_col = self
            .entries(props.value)
            .first()
            .map_or(0, |e| self.col(e.key_node));
        let service_keys: Vec<String> = tree
            .get(props.value, "service")
            .map(|s| self.entries(s.value).into_iter().map(|e| e.key).collect())
            .unwrap_or_default();
        let svc_name = self.service(name, resource, props, to_col);
        let runtime = resolved
            .and_then(|p| p.path(&["function", "runtime"]))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                let f = tree.get(props.value, "function")?;
                tree.get(f.value, "runtime")
                    .and_then(|r| tree.text(r.value))
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let mut function_name = None;
        if tree.get(props.value, "function").is_none() {
            let line = self
                .ed
                .line_of(usize::from(tree.range(props.key_node).start()));
            let col = self.col(props.key_node);
            self.note(line, col, "this resource only configures an FC 2.0 service; fc3 deploys functions — add functionName, runtime and code, or remove it");
            self.notes.push(format!(
                "`{name}`: no function: FC 3.0 has no services, so this resource needs a function (functionName, runtime, code)"
            ));
        }
        if let Some(function) = tree.get(props.value, "function") {
            if !self.flatten(&function, to_col) {
                self.notes.push(format!("`{name}`: `function` is not a block mapping; move its fields into `props` by hand"));
            } else {
                function_name = self.function(
                    name,
                    &function,
                    svc_name.as_deref(),
                    &runtime,
                    &service_keys,
                    to_col,
                );
            }
        }
        if let Some(triggers) = tree.get(props.value, "triggers") {
            self.triggers(name, &triggers);
        }
        if let Some(domains) = tree.get(props.value, "customDomains") {
            let region = tree.get(props.value, "region").map(|r| self.raw(r.value));
            self.custom_domains(
                name,
                resource,
                &domains,
                region,
                svc_name.as_deref(),
                function_name.as_deref(),
            );
        }
    }

    /// Function fields (already shifted to `to_col`); returns the legacy function name.
    fn function(
        &mut self,
        name: &str,
        function: &MergedEntry,
        svc_name: Option<&str>,
        runtime: &str,
        service_keys: &[String],
        to_col: usize,
    ) -> Option<String> {
        let tree = self.tree;
        let fields = self.entries(function.value);
        let get = |k: &str| fields.iter().find(|f| f.key == k);
        let pad = " ".repeat(to_col);
        let mut fn_name = None;
        // Extra fields of the runtime config (`caPort`, `customHealthCheckConfig`).
        let mut runtime_extra: Vec<Member> = Vec::new();
        let mut runtime_extra_line = None;
        for f in &fields {
            let key = f.key.as_str();
            if service_keys.iter().any(|k| k == key) && !SERVICE_DROP.contains(&key) {
                self.delete_entry(f);
                self.notes.push(format!("`{name}`: `{key}` is set on both the service and the function; the service's value is kept (as s2tos3 does)"));
                continue;
            }
            match key {
                "name" => {
                    let fname = tree.text(f.value).unwrap_or_default().to_string();
                    let full = match svc_name {
                        Some(s) => format!("{s}${fname}"),
                        None => {
                            self.notes.push(format!("`{name}`: the service name is unknown; `functionName` must be `<service>$<function>`"));
                            fname.clone()
                        }
                    };
                    self.ed.replace(tree.range(f.key_node), "functionName");
                    self.ed.replace(tree.range(f.value), scalar(&full));
                    fn_name = Some(fname);
                }
                "codeUri" => self.ed.replace(tree.range(f.key_node), "code"),
                "Handler" => self.ed.replace(tree.range(f.key_node), "handler"),
                "ossBucket" => {
                    let bucket = self.raw(f.value);
                    let object = get("ossKey").map_or_else(Value::null, |k| self.raw(k.value));
                    let line = self.first_line(f);
                    self.delete_entry(f);
                    let code = Value::new(
                        Kind::Map(vec![
                            Member {
                                key: "ossBucketName".into(),
                                key_site: None,
                                value: bucket,
                            },
                            Member {
                                key: "ossObjectName".into(),
                                key_site: None,
                                value: object,
                            },
                        ]),
                        Origin::default(),
                    );
                    self.ed
                        .insert_before(line, emit_entry("code", &code, to_col));
                }
                "ossKey" => self.delete_entry(f),
                "environmentVariables" if self.block_map(f.value) => {
                    // FC reads environment variables as text: quote booleans and numbers.
                    for v in self.entries(f.value) {
                        if let Some(sc) = tree.scalar(v.value)
                            && matches!(
                                sc.value,
                                syntax::ScalarValue::Bool(_)
                                    | syntax::ScalarValue::Int(_)
                                    | syntax::ScalarValue::Float(_)
                            )
                            && tree.target(v.value) == v.value
                        {
                            let quoted = format!("'{}'", sc.text.replace('\'', "''"));
                            self.ed.replace(tree.range(v.value), quoted);
                        }
                    }
                }
                "layers" => {
                    for &item in tree.sequence(f.value).unwrap_or_default() {
                        let Some(text) = tree.text(item) else {
                            continue;
                        };
                        let parts: Vec<&str> = text.split('#').collect();
                        if let [_, layer, version] = parts.as_slice() {
                            let arn = format!(
                                "acs:fc:${{this.props.region}}:${{config('AccountID')}}:layers/{layer}/versions/{version}"
                            );
                            self.ed.replace(tree.range(item), scalar(&arn));
                            self.notes.push(format!(
                                "`{name}`: layer `{text}` is written as an FC 3.0 layer ARN; official layers use their own account (check the ARN in the console)"
                            ));
                        }
                    }
                }
                "environmentVariables"
                    if matches!(self.raw(f.value).kind, Kind::Map(ref m) if m.is_empty())
                        || tree.is_null(f.value) =>
                {
                    self.delete_entry(f)
                }
                "instanceType" | "gpuMemorySize" => {
                    let instance = get("instanceType")
                        .and_then(|i| tree.text(i.value))
                        .unwrap_or("e1")
                        .to_string();
                    let gpu = instance.starts_with("fc.gpu") || get("gpuMemorySize").is_some();
                    let line = self.first_line(f);
                    self.delete_entry(f);
                    if gpu && (key == "gpuMemorySize" || get("gpuMemorySize").is_none()) {
                        let mut members = Vec::new();
                        if let Some(m) = get("gpuMemorySize") {
                            members.push(Member {
                                key: "gpuMemorySize".into(),
                                key_site: None,
                                value: self.raw(m.value),
                            });
                        }
                        let gpu_type = if instance.starts_with("fc.gpu") {
                            instance.clone()
                        } else {
                            "fc.gpu.tesla.1".into()
                        };
                        members.push(Member {
                            key: "gpuType".into(),
                            key_site: None,
                            value: Value::str(gpu_type, Origin::default()),
                        });
                        let v = Value::new(Kind::Map(members), Origin::default());
                        self.ed
                            .insert_before(line, emit_entry("gpuConfig", &v, to_col));
                    } else if !gpu && key == "instanceType" && !matches!(instance.as_str(), "e1") {
                        self.note(line, to_col, &format!("instanceType `{instance}` has no fc3 equivalent; size the function with cpu, memorySize and diskSize"));
                        self.notes
                            .push(format!("`{name}`: instanceType `{instance}` was removed"));
                    }
                }
                "asyncConfiguration" => {
                    let v = async_config(self.raw(f.value));
                    let line = self.first_line(f);
                    self.delete_entry(f);
                    if let Some(v) = v {
                        self.ed
                            .insert_before(line, emit_entry("asyncInvokeConfig", &v, to_col));
                    }
                    self.notes.push(format!(
                        "`{name}`: check the destination ARNs of `asyncInvokeConfig` (FC 3.0 functions are `<service>$<function>`)"
                    ));
                }
                "caPort" | "customHealthCheckConfig" => {
                    let line = self.first_line(f);
                    runtime_extra_line.get_or_insert(line);
                    let k = if key == "caPort" {
                        "port"
                    } else {
                        "healthCheckConfig"
                    };
                    runtime_extra.push(Member {
                        key: k.into(),
                        key_site: None,
                        value: self.raw(f.value),
                    });
                    self.delete_entry(f);
                }
                "customContainerConfig" => self.container_config(name, f),
                "customRuntimeConfig" => {
                    for c in self.entries(f.value) {
                        if matches!(c.key.as_str(), "command" | "args")
                            && (tree.is_null(c.value)
                                || tree.sequence(c.value).is_some_and(<[_]>::is_empty))
                        {
                            self.delete_entry(&c);
                        }
                    }
                }
                "initializer" | "initializationTimeout" => {
                    if key == "initializationTimeout" && get("initializer").is_some() {
                        self.delete_entry(f);
                        continue;
                    }
                    let mut members = Vec::new();
                    if let Some(h) = get("initializer") {
                        members.push(Member {
                            key: "handler".into(),
                            key_site: None,
                            value: self.raw(h.value),
                        });
                    }
                    if let Some(t) = get("initializationTimeout") {
                        members.push(Member {
                            key: "timeout".into(),
                            key_site: None,
                            value: self.raw(t.value),
                        });
                    }
                    let init = Value::new(Kind::Map(members), Origin::default());
                    let line = self.first_line(f);
                    self.delete_entry(f);
                    match get("instanceLifecycleConfig").filter(|l| self.block_map(l.value)) {
                        Some(lc) => {
                            let last = self.last_line(lc);
                            let col = self
                                .entries(lc.value)
                                .first()
                                .map_or(to_col + 2, |c| self.col(c.key_node));
                            // Shifted with the rest of the function: write at the final column.
                            let shift = self.col(lc.key_node).saturating_sub(to_col);
                            self.ed
                                .insert_after(last, emit_entry("initializer", &init, col - shift));
                        }
                        None => {
                            let lc = Value::new(
                                Kind::Map(vec![Member {
                                    key: "initializer".into(),
                                    key_site: None,
                                    value: init,
                                }]),
                                Origin::default(),
                            );
                            self.ed.insert_before(
                                line,
                                emit_entry("instanceLifecycleConfig", &lc, to_col),
                            );
                        }
                    }
                }
                "instanceLifecycleConfig" => {
                    for c in self.entries(f.value) {
                        if c.key == "preFreeze" {
                            let line = self.first_line(&c);
                            let col = self.col(c.key_node);
                            let shift = self.col(f.key_node).saturating_sub(to_col);
                            self.delete_entry(&c);
                            self.ed.insert_before(
                                line,
                                format!(
                                    "{}# sdls: fc3 has no preFreeze hook; it was removed\n",
                                    " ".repeat(col - shift)
                                ),
                            );
                            self.notes.push(format!(
                                "`{name}`: the preFreeze hook has no fc3 equivalent and was removed"
                            ));
                        }
                    }
                }
                "instanceConcurrency" if !runtime.starts_with("custom") => self.delete_entry(f),
                _ => {}
            }
        }
        if !runtime_extra.is_empty() {
            let config = if fields.iter().any(|f| f.key == "customContainerConfig")
                || runtime == "custom-container"
            {
                Some("customContainerConfig")
            } else if fields.iter().any(|f| f.key == "customRuntimeConfig")
                || runtime.starts_with("custom")
            {
                Some("customRuntimeConfig")
            } else {
                None
            };
            match (config, config.and_then(get)) {
                (Some(_), Some(existing)) if self.block_map(existing.value) => {
                    let last = self.last_line(existing);
                    let shift = self.col(existing.key_node).saturating_sub(to_col);
                    let col = self
                        .entries(existing.value)
                        .first()
                        .map_or(to_col + 2 + shift, |c| self.col(c.key_node));
                    let block = emit_block(
                        &Value::new(Kind::Map(runtime_extra), Origin::default()),
                        col - shift,
                    );
                    self.ed.insert_after(last, block);
                }
                (Some(c), _) => {
                    let v = Value::new(Kind::Map(runtime_extra), Origin::default());
                    if let Some(line) = runtime_extra_line {
                        self.ed.insert_before(line, emit_entry(c, &v, to_col));
                    }
                }
                (None, _) => {
                    if let Some(line) = runtime_extra_line {
                        self.ed.insert_before(line, format!("{pad}# sdls: caPort/customHealthCheckConfig apply only to custom runtimes and containers; removed\n"));
                    }
                }
            }
        }
        fn_name
    }

    fn container_config(&mut self, name: &str, config: &MergedEntry) {
        let tree = self.tree;
        for c in self.entries(config.value) {
            match c.key.as_str() {
                "command" | "args" => {
                    let new_key = if c.key == "command" {
                        "entrypoint"
                    } else {
                        "command"
                    };
                    self.ed.replace(tree.range(c.key_node), new_key);
                    if let Some(text) = tree.text(c.value) {
                        match serde_json::from_str::<Vec<String>>(text) {
                            Ok(list) => {
                                let items: Vec<String> = list.iter().map(|s| serde_json::Value::String(s.clone()).to_string()).collect();
                                self.ed.replace(tree.range(c.value), format!("[{}]", items.join(", ")));
                            }
                            Err(_) => self.notes.push(format!(
                                "`{name}`: customContainerConfig.{} is not a JSON array of strings; write `{new_key}` as a list",
                                c.key
                            )),
                        }
                    }
                }
                "instanceID" | "accelerationType" | "accelerationInfo" => self.delete_entry(&c),
                "webServerMode" => {
                    if tree
                        .scalar(c.value)
                        .is_some_and(|s| s.value == syntax::ScalarValue::Bool(false))
                    {
                        self.notes.push(format!(
                            "`{name}`: `webServerMode: false` is gone in fc3: the container must serve HTTP"
                        ));
                    }
                    self.delete_entry(&c);
                }
                _ => {}
            }
        }
    }

    fn triggers(&mut self, name: &str, triggers: &MergedEntry) {
        let tree = self.tree;
        let Some(items) = tree.sequence(triggers.value) else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        for &t in items {
            if let Some(n) = tree.get(t, "name").and_then(|n| tree.text(n.value)) {
                if seen.iter().any(|s| s == n) {
                    self.notes.push(format!(
                        "`{name}`: two triggers are named `{n}`; in fc3 the second updates the first — rename one"
                    ));
                }
                seen.push(n.to_string());
            }
        }
        for &t in items {
            if !self.block_map(t) {
                self.notes.push(format!(
                    "`{name}`: a trigger in flow style was left as it is; rename its keys by hand"
                ));
                continue;
            }
            let fields = self.entries(t);
            let kind = fields
                .iter()
                .find(|f| f.key == "type")
                .and_then(|f| tree.text(f.value))
                .unwrap_or_default()
                .to_string();
            let col = fields.first().map_or(0, |f| self.col(f.key_node));
            let has_arn = fields.iter().any(|f| f.key == "sourceArn");
            let mut arn: Option<String> = None;
            for f in &fields {
                let new = match f.key.as_str() {
                    "name" => Some("triggerName"),
                    "type" => Some("triggerType"),
                    "config" => Some("triggerConfig"),
                    "role" => Some("invocationRole"),
                    _ => None,
                };
                if let Some(new) = new {
                    self.ed.replace(tree.range(f.key_node), new);
                }
                if f.key != "config" || !self.block_map(f.value) {
                    continue;
                }
                let config = self.entries(f.value);
                let text_of = |k: &str| {
                    config
                        .iter()
                        .find(|c| c.key == k)
                        .and_then(|c| tree.text(c.value))
                        .map(str::to_string)
                };
                let account = "${config('AccountID')}";
                let region = "${this.props.region}";
                let mut remove: Vec<&str> = Vec::new();
                match kind.as_str() {
                    "oss" => {
                        if let Some(bucket) = text_of("bucketName") {
                            arn = Some(format!("acs:oss:{region}:{account}:{bucket}"));
                            remove.push("bucketName");
                        }
                        if let Some(filter) = config.iter().find(|c| c.key == "filter") {
                            for k in self.entries(filter.value) {
                                if k.key == "Key" {
                                    self.ed.replace(tree.range(k.key_node), "key");
                                    for p in self.entries(k.value) {
                                        match p.key.as_str() {
                                            "Prefix" => {
                                                self.ed.replace(tree.range(p.key_node), "prefix")
                                            }
                                            "Suffix" => {
                                                self.ed.replace(tree.range(p.key_node), "suffix")
                                            }
                                            _ => {}
                                        }
                                    }
                                }
                            }
                        }
                    }
                    "mns_topic" => {
                        if let Some(topic) = text_of("topicName") {
                            let r = text_of("region").unwrap_or_else(|| region.to_string());
                            arn = Some(format!("acs:mns:{r}:{account}:/topics/{topic}"));
                            remove.extend(["topicName", "region"]);
                        }
                    }
                    "tablestore" => {
                        if let (Some(i), Some(tb)) = (text_of("instanceName"), text_of("tableName"))
                        {
                            arn = Some(format!(
                                "acs:ots:{region}:{account}:instance/{i}/table/{tb}"
                            ));
                            remove.extend(["instanceName", "tableName"]);
                        }
                    }
                    "log" => {
                        let project = config
                            .iter()
                            .find(|c| c.key == "logConfig")
                            .and_then(|c| tree.get(c.value, "project"))
                            .and_then(|p| tree.text(p.value));
                        if let Some(p) = project {
                            arn = Some(format!("acs:log:{region}:{account}:project/{p}"));
                        }
                    }
                    "cdn_events" => arn = Some(format!("acs:cdn:*:{account}")),
                    _ => {}
                }
                let removed: Vec<&MergedEntry> = config
                    .iter()
                    .filter(|c| remove.contains(&c.key.as_str()))
                    .collect();
                for c in &removed {
                    self.delete_entry(c);
                }
                if !removed.is_empty() && removed.len() == config.len() {
                    // Nothing left: an empty object after the key's colon.
                    let end = usize::from(tree.range(f.key_node).end());
                    if self.text[end..].starts_with(':') {
                        let colon = syntax::TextRange::new(
                            syntax::TextSize::from(end as u32),
                            syntax::TextSize::from(end as u32 + 1),
                        );
                        self.ed.replace(colon, ": {}");
                    }
                }
            }
            if let (Some(arn), false) = (arn, has_arn)
                && let Some(type_entry) = fields.iter().find(|f| f.key == "type")
            {
                let line = self.last_line(type_entry);
                self.ed.insert_after(
                    line,
                    format!("{}sourceArn: {}\n", " ".repeat(col), scalar(&arn)),
                );
            }
        }
    }

    fn custom_domains(
        &mut self,
        name: &str,
        resource: &MergedEntry,
        domains: &MergedEntry,
        region: Option<Value>,
        svc_name: Option<&str>,
        fn_name: Option<&str>,
    ) {
        let tree = self.tree;
        let raw = self.raw(domains.value);
        let Some(list) = raw.as_list() else {
            self.notes.push(format!(
                "`{name}`: `customDomains` is not a list; convert it by hand"
            ));
            return;
        };
        self.delete_entry(domains);
        let col = self.col(resource.key_node);
        let pad = " ".repeat(col);
        let mut text = String::new();
        for domain in list {
            let Some(fields) = domain.as_map() else {
                continue;
            };
            let mut props: Vec<Member> = Vec::new();
            if let Some(region) = &region {
                props.push(Member {
                    key: "region".into(),
                    key_site: None,
                    value: region.clone(),
                });
            }
            let mut routes = Vec::new();
            for f in fields {
                if f.key == "routeConfigs" {
                    for route in f.value.as_list().unwrap_or_default() {
                        let Some(rf) = route.as_map() else { continue };
                        let service = rf
                            .iter()
                            .find(|m| m.key == "serviceName")
                            .and_then(|m| m.value.as_str())
                            .or(svc_name);
                        let function = rf
                            .iter()
                            .find(|m| m.key == "functionName")
                            .and_then(|m| m.value.as_str())
                            .or(fn_name);
                        let target = match (service, function) {
                            (s, Some(f)) if s == svc_name && Some(f) == fn_name => {
                                format!("${{resources.{name}.props.functionName}}")
                            }
                            (Some(s), Some(f)) => format!("{s}${f}"),
                            (None, Some(f)) => f.to_string(),
                            _ => format!("${{resources.{name}.props.functionName}}"),
                        };
                        let mut out = vec![Member {
                            key: "functionName".into(),
                            key_site: None,
                            value: Value::str(target, Origin::default()),
                        }];
                        out.extend(
                            rf.iter()
                                .filter(|m| {
                                    !matches!(m.key.as_str(), "serviceName" | "functionName")
                                })
                                .cloned(),
                        );
                        // `path` first, as fc3-domain examples write it.
                        out.sort_by_key(|m| m.key != "path");
                        routes.push(Value::new(Kind::Map(out), Origin::default()));
                    }
                } else {
                    props.push(f.clone());
                }
            }
            props.push(Member {
                key: "routeConfig".into(),
                key_site: None,
                value: Value::new(
                    Kind::Map(vec![Member {
                        key: "routes".into(),
                        key_site: None,
                        value: Value::new(Kind::List(routes), Origin::default()),
                    }]),
                    Origin::default(),
                ),
            });
            let resource_name = format!("fc3_domain_{}", self.domains);
            self.domains += 1;
            text.push_str(&format!(
                "{pad}{resource_name}:\n{pad}  component: fc3-domain\n{pad}  props:\n"
            ));
            text.push_str(&emit_block(
                &Value::new(Kind::Map(props), Origin::default()),
                col + 4,
            ));
        }
        let last = self.ed.last_line(
            tree.range(resource.key_node)
                .cover(tree.range(resource.value)),
        );
        self.ed.insert_after(last, text);
        self.notes.push(format!(
            "`{name}`: its custom domains became `fc3-domain` resources (or use fc3's own `customDomain` prop for a single route)"
        ));
    }
}

/// `asyncConfiguration` → `asyncInvokeConfig` (§1.10.7).
fn async_config(value: Value) -> Option<Value> {
    let members = value.as_map()?;
    let mut out = Vec::new();
    for m in members {
        match m.key.as_str() {
            "statefulInvocation" => out.push(Member {
                key: "asyncTask".into(),
                key_site: None,
                value: m.value.clone(),
            }),
            "destination" => {
                let mut dest = Vec::new();
                for d in m.value.as_map().unwrap_or_default() {
                    let Some(arn) = d.value.as_str().filter(|s| !s.is_empty()) else {
                        continue;
                    };
                    let arn = arn.replace("acs:fc:::", "acs:fc:${this.props.region}::");
                    dest.push(Member {
                        key: d.key.clone(),
                        key_site: None,
                        value: Value::new(
                            Kind::Map(vec![Member {
                                key: "destination".into(),
                                key_site: None,
                                value: Value::str(arn, Origin::default()),
                            }]),
                            Origin::default(),
                        ),
                    });
                }
                if !dest.is_empty() {
                    out.push(Member {
                        key: "destinationConfig".into(),
                        key_site: None,
                        value: Value::new(Kind::Map(dest), Origin::default()),
                    });
                }
            }
            _ if matches!(m.value.kind, Kind::Null) => {}
            _ => out.push(m.clone()),
        }
    }
    (!out.is_empty()).then(|| Value::new(Kind::Map(out), Origin::default()))
}

/// The variable rewrites of §1.10.7 (and the legacy forms the model knows), on the whole text.
fn rewrite_variables(text: &str, services: &[String], notes: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest_start = 0;
    for seg in expr::segments(text) {
        let Segment::Expr { inner, start, end } = seg else {
            continue;
        };
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[line_start..line_end];
        let in_comment = line.trim_start().starts_with('#')
            || super::convert_text::trailing_comment(line).is_some_and(|c| line_start + c < start);
        if inner.contains('\n') || in_comment {
            continue;
        }
        out.push_str(&text[rest_start..start]);
        out.push_str(&format!("${{{}}}", rewrite_expr(inner, services, notes)));
        rest_start = end;
    }
    out.push_str(&text[rest_start..]);
    out
}

fn rewrite_expr(inner: &str, services: &[String], notes: &mut Vec<String>) -> String {
    let unquote = |s: &str| s.trim().trim_matches(['\'', '"']).to_string();
    if let Some(open) = inner.find('(')
        && inner.ends_with(')')
    {
        let name = &inner[..open];
        let arg = &inner[open + 1..inner.len() - 1];
        if arg.contains(',') || arg.contains('(') {
            return inner.to_string();
        }
        let arg = unquote(arg);
        return match name {
            "env" | "Env" => format!("env('{arg}')"),
            "config" => format!("config('{arg}')"),
            "path" => format!("path('{arg}')"),
            "file" if arg.ends_with(".yaml") || arg.ends_with(".yml") => {
                format!("yaml(file('{arg}'))")
            }
            "file" if arg.ends_with(".json") => format!("json(file('{arg}'))"),
            "file" => format!("file('{arg}')"),
            _ => inner.to_string(),
        };
    }
    if let Some(name) = inner.strip_prefix("env.") {
        return format!("env('{name}')");
    }
    let mut parts: Vec<String> = super::definition_walk::split_indices(
        &inner.split('.').map(str::to_string).collect::<Vec<_>>(),
    );
    match parts.first().map(String::as_str) {
        Some("services") => parts[0] = "resources".into(),
        Some(s)
            if services.iter().any(|x| x == s)
                && parts.get(1).is_some_and(|p| p == "props" || p == "output") =>
        {
            parts.insert(0, "resources".into());
        }
        Some("environment") => {
            notes.push(format!("`${{{inner}}}` reads a legacy environment; edition 3.0.0 uses env.yaml environments or `${{env('X')}}`"));
            return inner.to_string();
        }
        _ => {}
    }
    // Props of a converted service are flat: `props.function.x` → `props.x`.
    if parts.first().is_some_and(|p| p == "resources")
        && parts.get(2).is_some_and(|p| p == "props")
        && let Some(group) = parts.get(3).cloned()
        && (group == "function" || group == "service")
        && parts.len() > 4
    {
        let field = parts[4].clone();
        let mapped = match (group.as_str(), field.as_str()) {
            ("function", "name") => "functionName",
            ("function", "codeUri") => "code",
            ("service", "name" | "description") => {
                notes.push(format!(
                    "`${{{inner}}}`: fc3 has no service; use the function name"
                ));
                return parts.join(".");
            }
            _ => field.as_str(),
        }
        .to_string();
        parts.splice(3..5, [mapped]);
    }
    parts.join(".")
}
