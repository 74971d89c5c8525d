//! Document symbols: `vars` entries, resources (or legacy services) → their function (detail:
//! component and runtime) → triggers; `fc3-domain` resources and custom domains → route paths.
//! Built from the tree of the analysed file, so files with semantic errors still get an outline;
//! names and details prefer resolved values from the model when there is one.

use syntax::{NodeId, TextRange, Tree};

use super::definition_walk::value_of;
use super::{Symbol, SymbolKind};
use crate::Analysis;
use crate::model::{ComponentKind, Resource};
use crate::value::{FileId, Value};

pub fn document_symbols(analysis: &Analysis) -> Vec<Symbol> {
    let Some(main) = analysis.sources.files.first() else {
        return Vec::new();
    };
    let tree = main.tree();
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    if tree.mapping(root).is_none() {
        return Vec::new();
    }
    let b = Builder { analysis, tree };
    let mut out = Vec::new();
    for entry in tree.entries(root) {
        if entry.via.is_some() {
            continue;
        }
        match entry.key.as_str() {
            "vars" => {
                let children = tree
                    .entries(entry.value)
                    .into_iter()
                    .filter(|e| e.via.is_none())
                    .map(|e| {
                        b.symbol(
                            e.key.clone(),
                            b.scalar_detail(e.value),
                            SymbolKind::Variable,
                            e.key_node,
                            e.value,
                            Vec::new(),
                        )
                    })
                    .collect();
                out.push(b.symbol(
                    "vars".into(),
                    None,
                    SymbolKind::Variable,
                    entry.key_node,
                    entry.value,
                    children,
                ));
            }
            "resources" | "services" => {
                for r in tree.entries(entry.value) {
                    if r.via.is_none() {
                        out.push(b.resource(&r.key, r.key_node, r.value));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

struct Builder<'a> {
    analysis: &'a Analysis,
    tree: &'a Tree,
}

impl Builder<'_> {
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        key: NodeId,
        value: NodeId,
        children: Vec<Symbol>,
    ) -> Symbol {
        let selection_range = self.tree.range(key);
        let range = selection_range.cover(self.tree.range(value));
        Symbol {
            name: if name.is_empty() { "?".into() } else { name },
            detail,
            kind,
            range,
            selection_range,
            children,
        }
    }

    fn scalar_detail(&self, node: NodeId) -> Option<String> {
        let text = self.tree.text(node)?;
        let line = text.lines().next().unwrap_or_default();
        Some(if line.chars().count() > 40 {
            format!("{}…", line.chars().take(40).collect::<String>())
        } else {
            line.to_string()
        })
    }

    /// The model's resource for a key in the analysed file.
    fn model_resource(&self, key: NodeId) -> Option<&Resource> {
        self.analysis
            .model
            .as_ref()?
            .resources
            .iter()
            .find(|r| r.key.file == FileId::MAIN && r.key.node == key)
    }

    /// A resolved string, else the written text.
    fn text_of(&self, resolved: Option<&Value>, node: Option<NodeId>) -> Option<String> {
        resolved
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| node.and_then(|n| self.tree.text(n)).map(str::to_string))
    }

    fn resource(&self, name: &str, key: NodeId, value: NodeId) -> Symbol {
        let tree = self.tree;
        let model = self.model_resource(key);
        let component_node = value_of(tree, value, "component");
        let component = self.text_of(model.map(|r| &r.component), component_node);
        let props = value_of(tree, value, "props");
        let kind = match model.map(|r| &r.kind) {
            Some(k) => k.schema_kind().cloned(),
            None => component
                .as_deref()
                .and_then(|c| match c.split('@').next().unwrap_or(c) {
                    "fc3" => Some(ComponentKind::Fc3),
                    "fc3-domain" => Some(ComponentKind::Fc3Domain),
                    "fc" | "devsapp/fc" | "fc-deploy" | "devsapp/fc-deploy" => {
                        Some(ComponentKind::LegacyFc)
                    }
                    _ => None,
                }),
        };
        let resolved = model.map(|r| &r.props);
        let mut children = Vec::new();
        let mut symbol_kind = SymbolKind::Resource;
        if let Some(props) = props
            && tree.mapping(props).is_some()
        {
            match kind {
                Some(ComponentKind::Fc3) => {
                    children.push(self.fc3_function(props, resolved, component.as_deref()));
                }
                Some(ComponentKind::LegacyFc) => {
                    if let Some(f) = tree.get(props, "function") {
                        let fres = resolved.and_then(|p| p.get("function"));
                        let fname = self.text_of(
                            fres.and_then(|f| f.get("name")),
                            value_of(tree, f.value, "name"),
                        );
                        let runtime = self.text_of(
                            fres.and_then(|f| f.get("runtime")),
                            value_of(tree, f.value, "runtime"),
                        );
                        let triggers = self.triggers(props, resolved, "name", "type");
                        children.push(self.symbol(
                            fname.unwrap_or_else(|| "function".into()),
                            detail(component.as_deref(), runtime.as_deref()),
                            SymbolKind::Function,
                            f.key_node,
                            f.value,
                            triggers,
                        ));
                    } else {
                        children.extend(self.triggers(props, resolved, "name", "type"));
                    }
                    if let Some(domains) = tree.get(props, "customDomains") {
                        for (i, &d) in tree
                            .sequence(domains.value)
                            .unwrap_or_default()
                            .iter()
                            .enumerate()
                        {
                            children.push(self.domain(
                                d,
                                domains.key_node,
                                i,
                                "routeConfigs",
                                None,
                            ));
                        }
                    }
                }
                Some(ComponentKind::Fc3Domain) => {
                    symbol_kind = SymbolKind::Domain;
                    let routes = value_of(tree, props, "routeConfig")
                        .and_then(|rc| value_of(tree, rc, "routes"));
                    children.extend(self.routes(routes));
                }
                _ => {}
            }
        }
        Symbol {
            name: if name.is_empty() {
                "?".into()
            } else {
                name.to_string()
            },
            detail: component,
            kind: symbol_kind,
            range: tree.range(key).cover(tree.range(value)),
            selection_range: tree.range(key),
            children,
        }
    }

    fn fc3_function(
        &self,
        props: NodeId,
        resolved: Option<&Value>,
        component: Option<&str>,
    ) -> Symbol {
        let tree = self.tree;
        let name_entry = tree.get(props, "functionName");
        let fname = self.text_of(
            resolved.and_then(|p| p.get("functionName")),
            name_entry.as_ref().map(|e| e.value),
        );
        let runtime = self.text_of(
            resolved.and_then(|p| p.get("runtime")),
            value_of(tree, props, "runtime"),
        );
        let mut children = self.triggers(props, resolved, "triggerName", "triggerType");
        if let Some(d) = tree.get(props, "customDomain") {
            children.push(self.domain(d.value, d.key_node, 0, "route", Some(d.key_node)));
        }
        // The function is the props themselves: select `functionName` when written.
        let key = name_entry.map_or(props, |e| e.key_node);
        let range = tree.range(props);
        Symbol {
            name: fname.unwrap_or_else(|| "function".into()),
            detail: detail(component, runtime.as_deref()),
            kind: SymbolKind::Function,
            range: range.cover(tree.range(key)),
            selection_range: tree.range(key),
            children,
        }
    }

    fn triggers(
        &self,
        props: NodeId,
        resolved: Option<&Value>,
        name_key: &str,
        type_key: &str,
    ) -> Vec<Symbol> {
        let tree = self.tree;
        let Some(list) = value_of(tree, props, "triggers") else {
            return Vec::new();
        };
        let resolved = resolved
            .and_then(|p| p.get("triggers"))
            .and_then(Value::as_list);
        tree.sequence(list)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let r = resolved.and_then(|l| l.get(i));
                let name_node = tree.get(t, name_key);
                let name = self
                    .text_of(
                        r.and_then(|r| r.get(name_key)),
                        name_node.as_ref().map(|e| e.value),
                    )
                    .unwrap_or_else(|| format!("trigger {i}"));
                let kind =
                    self.text_of(r.and_then(|r| r.get(type_key)), value_of(tree, t, type_key));
                let key = name_node.map_or(t, |e| e.key_node);
                Symbol {
                    name,
                    detail: kind,
                    kind: SymbolKind::Trigger,
                    range: tree.range(t).cover(tree.range(key)),
                    selection_range: tree.range(key),
                    children: Vec::new(),
                }
            })
            .collect()
    }

    /// A custom domain (legacy `customDomains[i]`, fc3 `customDomain`) with its routes.
    fn domain(
        &self,
        node: NodeId,
        fallback_key: NodeId,
        index: usize,
        routes_key: &str,
        key: Option<NodeId>,
    ) -> Symbol {
        let tree = self.tree;
        let name_entry = tree.get(node, "domainName");
        let name = name_entry
            .as_ref()
            .and_then(|e| tree.text(e.value))
            .map_or_else(|| format!("domain {index}"), str::to_string);
        let routes = match routes_key {
            "route" => value_of(tree, node, "route")
                .map(|r| {
                    let path = value_of(tree, r, "path")
                        .and_then(|p| tree.text(p))
                        .unwrap_or("/");
                    vec![Symbol {
                        name: path.to_string(),
                        detail: Some("route".into()),
                        kind: SymbolKind::Trigger,
                        range: tree.range(r),
                        selection_range: tree.range(r),
                        children: Vec::new(),
                    }]
                })
                .unwrap_or_default(),
            other => self.routes(value_of(tree, node, other)),
        };
        let sel = key
            .or(name_entry.map(|e| e.key_node))
            .unwrap_or(fallback_key);
        Symbol {
            name,
            detail: value_of(tree, node, "protocol")
                .and_then(|p| tree.text(p))
                .map(str::to_string),
            kind: SymbolKind::Domain,
            range: tree.range(node).cover(tree.range(sel)),
            selection_range: tree.range(sel),
            children: routes,
        }
    }

    fn routes(&self, list: Option<NodeId>) -> Vec<Symbol> {
        let tree = self.tree;
        let Some(list) = list else { return Vec::new() };
        tree.sequence(list)
            .unwrap_or_default()
            .iter()
            .map(|&r| {
                let path = tree.get(r, "path");
                let function = value_of(tree, r, "functionName").and_then(|f| tree.text(f));
                let sel: TextRange = path
                    .as_ref()
                    .map_or(tree.range(r), |p| tree.range(p.key_node));
                Symbol {
                    name: path
                        .as_ref()
                        .and_then(|p| tree.text(p.value))
                        .unwrap_or("/")
                        .to_string(),
                    detail: Some(match function {
                        Some(f) => format!("route → {f}"),
                        None => "route".into(),
                    }),
                    kind: SymbolKind::Trigger,
                    range: tree.range(r).cover(sel),
                    selection_range: sel,
                    children: Vec::new(),
                }
            })
            .collect()
    }
}

fn detail(component: Option<&str>, runtime: Option<&str>) -> Option<String> {
    match (component, runtime) {
        (Some(c), Some(r)) => Some(format!("{c} · {r}")),
        (Some(c), None) => Some(c.to_string()),
        (None, Some(r)) => Some(r.to_string()),
        (None, None) => None,
    }
}
