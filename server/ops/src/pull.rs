//! `sdls pull`: the remote side of a function's differences turned into the smallest set of text
//! edits to the s.yaml (issue 6, deliverable 2). Pure: the file's analysis and the differences
//! in, byte-range edits and a list of what could not be pulled (with why) out.
//!
//! The edits keep everything they do not have to touch: a differing scalar is replaced in place
//! in its quoting style (numbers stay numbers, a string that needs quotes gets them); a value that
//! came from `${vars.x}` used only there is changed at the var's definition; one that came from
//! an expression used elsewhere, an interpolated string, another file or a run-time unknown is
//! left alone and reported; a missing key is appended to its block mapping at its siblings'
//! indentation; a key is removed (its whole lines) only when the remote lacks it, i.e. for fields
//! deploy would clear (D12: the differences [`crate::normalize::compare`] reports). Lists and
//! maps whose whole value differs are replaced as one node. Legacy files are refused (D11).

use std::collections::BTreeMap;

use analysis::{Analysis, Edition, FileId, Kind, Site, TextEdit, Value};
use serde_json::{Map, Value as Json};
use syntax::{NodeId, NodeKind, ScalarStyle, ScalarValue, TextRange, TextSize};

use crate::path::FieldPath;
use crate::plan::FunctionReport;
use crate::status::{Change, Status};

/// D11: why a legacy file is not edited.
pub const LEGACY_REFUSAL: &str = "pull edits edition 3.0.0 files only (D11); convert this file to edition 3.0.0 first (the `Convert to edition 3.0.0` code action, or `s cli fc3 s2tos3`), then pull";

/// One path to pull: the remote value, `None` when the remote lacks it (the key is removed).
#[derive(Clone, Debug, PartialEq)]
pub struct PullChange {
    pub path: FieldPath,
    pub remote: Option<Json>,
}

/// A path left as it is, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotPulled {
    pub path: FieldPath,
    pub reason: String,
}

/// The outcome of [`edits_for`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullEdits {
    /// Non-overlapping, sorted by start.
    pub edits: Vec<TextEdit>,
    pub pulled: Vec<FieldPath>,
    pub not_pulled: Vec<NotPulled>,
}

/// Why a function in this state has nothing that can be pulled (`None`: pull its differences).
pub fn why_not(report: &FunctionReport) -> Option<String> {
    match report.status {
        Status::Unknown => Some(format!(
            "the remote could not be read: {}",
            report.reason.as_deref().unwrap_or("unknown reason")
        )),
        Status::NotDeployed => Some("not deployed: there is nothing to pull".into()),
        Status::DeletedRemotely => {
            Some("deleted remotely: remove the resource from the file by hand, or deploy it".into())
        }
        _ => None,
    }
}

/// The paths to pull from a report read with secrets shown (D15: env values must be the live
/// ones, never masks or baseline hashes): whatever the remote changed (remote drift, conflicts)
/// or, without a baseline, every difference. Paths only the file changed stay as they are.
pub fn changes_from_report(report: &FunctionReport) -> Vec<PullChange> {
    let mut changes: Vec<PullChange> = report
        .fields
        .iter()
        .filter(|f| matches!(f.change, Change::Remote | Change::Both | Change::Untracked))
        .map(|f| PullChange {
            path: f.path.clone(),
            remote: f.remote.clone(),
        })
        .collect();
    // fc3 deploys `cpu: 0.35` and `diskSize: 512` with a memorySize of exactly 512 when the file
    // sets neither (its console default, serverless-devs.md §2.1.3 L4). Pulling a 512 into such a
    // file would make a deploy send values the remote does not have: pull the remote's own
    // `cpu` (or else `diskSize`) too, which turns that default off. Such values are `unmanaged`
    // in the report exactly when the file does not set them.
    if changes.iter().any(pulls_default_memory) {
        let unmanaged = |name: &str| {
            report
                .unmanaged
                .iter()
                .find(|u| u.path.segments() == [name] && !u.remote.is_null())
        };
        if let Some(companion) = unmanaged("cpu").or_else(|| unmanaged("diskSize")) {
            changes.push(PullChange {
                path: companion.path.clone(),
                remote: Some(companion.remote.clone()),
            });
        }
    }
    changes
}

/// Whether `change` sets memorySize to 512, the value at which fc3 fills in cpu and diskSize.
fn pulls_default_memory(change: &PullChange) -> bool {
    change.path.segments() == ["memorySize"]
        && change.remote.as_ref().and_then(Json::as_f64) == Some(512.0)
}

/// The edits that make `resource`'s props in the main file of `analysis` hold the remote values
/// of `changes`. Errors: the file is legacy (D11), has no model, or no such resource.
pub fn edits_for(
    analysis: &Analysis,
    resource: &str,
    changes: &[PullChange],
) -> Result<PullEdits, String> {
    let model = analysis
        .model
        .as_ref()
        .ok_or_else(|| "the file cannot be read as an s.yaml".to_string())?;
    match &model.edition {
        Edition::V3 => {}
        Edition::Legacy(_) => return Err(LEGACY_REFUSAL.to_string()),
        Edition::Invalid => return Err("the file has no valid edition".to_string()),
    }
    let res = model
        .resources
        .iter()
        .find(|r| r.name == resource)
        .ok_or_else(|| format!("no resource `{resource}` in the file"))?;
    let mut ctx = Ctx {
        analysis,
        out: PullEdits::default(),
        inserts: BTreeMap::new(),
        candidates: Vec::new(),
    };
    for change in changes {
        ctx.one(&res.props, change);
    }
    // memorySize 512 with neither cpu nor diskSize in the file nor pulled: fc3 would deploy its
    // defaults, which the remote does not have (see `changes_from_report`).
    let unset = |name: &str| {
        matches!(
            locate(&res.props, &[name.to_string()]),
            Located::Missing { .. }
        ) && !changes.iter().any(|c| c.path.segments() == [name])
    };
    if changes.iter().any(pulls_default_memory) && unset("cpu") && unset("diskSize") {
        ctx.skip(
            &FieldPath::new(["cpu"]),
            "with memorySize 512 and neither cpu nor diskSize in the file, fc3 deploys cpu 0.35 and diskSize 512 (its console default), which the remote does not have; set cpu or diskSize in the file to keep the remote's resources".into(),
        );
    }
    ctx.flush_inserts();
    Ok(ctx.finish())
}

/// `text` with `edits` applied (non-overlapping, any order).
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in sorted {
        let start = usize::from(edit.range.start());
        let end = usize::from(edit.range.end());
        if start < at || end > text.len() {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&edit.new_text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Where a path lands in the resolved props.
enum Located<'a> {
    /// The value, and its parent map with the key (for removal).
    Found {
        value: &'a Value,
        parent: &'a Value,
        key: &'a str,
    },
    /// The deepest existing map and the segments below it that the file lacks.
    Missing {
        parent: &'a Value,
        rest: &'a [String],
    },
    Blocked(String),
}

fn locate<'a>(props: &'a Value, path: &'a [String]) -> Located<'a> {
    let mut current = props;
    let mut i = 0;
    while i < path.len() {
        let seg = &path[i];
        let next = if i == 1 && path[0] == "triggers" {
            // `triggers.<name>` is the list item with that triggerName.
            match &current.kind {
                Kind::List(items) => items.iter().find(|item| {
                    matches!(&item.kind, Kind::Map(ms) if ms.iter().any(|m| m.key == "triggerName"
                        && matches!(&m.value.kind, Kind::Str(n) if n == seg)))
                }),
                _ => return Located::Blocked("the triggers are not a list".into()),
            }
            .map(|item| (item, seg.as_str()))
        } else {
            match &current.kind {
                Kind::Map(members) => members
                    .iter()
                    .find(|m| &m.key == seg)
                    .map(|m| (&m.value, m.key.as_str())),
                Kind::Unknown(_) => {
                    return Located::Blocked("its parent is known only when `s` runs".into());
                }
                _ => return Located::Blocked("its parent in the file is not a mapping".into()),
            }
        };
        match next {
            Some((value, key)) if i + 1 == path.len() => {
                return Located::Found {
                    value,
                    parent: current,
                    key,
                };
            }
            Some((value, _)) => current = value,
            None if i == 1 && path[0] == "triggers" => {
                return Located::Blocked(format!("the file declares no trigger named `{seg}`"));
            }
            None => {
                return Located::Missing {
                    parent: current,
                    rest: &path[i..],
                };
            }
        }
        i += 1;
    }
    Located::Blocked("the path is empty".into())
}

/// Keys to append to one mapping node, and the paths they pull.
type Insert = (NodeId, Map<String, Json>, Vec<FieldPath>);

struct Ctx<'a> {
    analysis: &'a Analysis,
    out: PullEdits,
    /// Keys to append per mapping node: merged so that two paths under one missing key give
    /// one block.
    inserts: BTreeMap<usize, Insert>,
    /// Edits with the path they pull, checked for overlaps in [`Ctx::finish`].
    candidates: Vec<(FieldPath, TextEdit)>,
}

impl Ctx<'_> {
    fn text(&self) -> &str {
        &self.analysis.sources.file(FileId::MAIN).text
    }

    fn tree(&self) -> &syntax::Tree {
        self.analysis.sources.tree(FileId::MAIN)
    }

    fn skip(&mut self, path: &FieldPath, reason: String) {
        self.out.not_pulled.push(NotPulled {
            path: path.clone(),
            reason,
        });
    }

    fn one(&mut self, props: &Value, change: &PullChange) {
        let path = &change.path;
        match (locate(props, path.segments()), &change.remote) {
            (Located::Blocked(reason), _) => self.skip(path, reason),
            (Located::Found { value, .. }, Some(remote)) => match self.replace(value, remote) {
                Ok(edit) => self.candidates.push((path.clone(), edit)),
                Err(reason) => self.skip(path, reason),
            },
            (Located::Found { parent, key, .. }, None) => match self.remove(parent, key) {
                Ok(edit) => self.candidates.push((path.clone(), edit)),
                Err(reason) => self.skip(path, reason),
            },
            // Absent on both sides: nothing to write.
            (Located::Missing { .. }, None) => self.out.pulled.push(path.clone()),
            (Located::Missing { parent, rest }, Some(remote)) => {
                let node = match self.editable(parent) {
                    Ok(site) => site.node,
                    Err(reason) => return self.skip(path, reason),
                };
                let tree = self.tree();
                let block = !tree.node(node).flow
                    && tree.mapping(node).is_some_and(|m| !m.entries.is_empty());
                if !block {
                    return self.skip(
                        path,
                        "its parent is not a non-empty block mapping; add it by hand".into(),
                    );
                }
                let mut value = remote.clone();
                for seg in rest[1..].iter().rev() {
                    let mut map = Map::new();
                    map.insert(seg.clone(), value);
                    value = Json::Object(map);
                }
                let slot = self
                    .inserts
                    .entry(node.index())
                    .or_insert_with(|| (node, Map::new(), Vec::new()));
                merge(&mut slot.1, &rest[0], value);
                slot.2.push(path.clone());
            }
        }
    }

    /// The literal node to edit for `value`, or why it cannot be edited.
    fn editable(&self, value: &Value) -> Result<Site, String> {
        if value.is_unknown() {
            return Err("its value is known only when `s` runs".into());
        }
        let def = value
            .origin
            .def
            .ok_or_else(|| "its value has no literal in the file".to_string())?;
        if let Some((file, range)) = value.origin.via {
            let expr = self.analysis.sources.file(file).text[range].to_string();
            let uses = self.uses(def);
            if uses > 1 {
                return Err(format!(
                    "it comes from {expr}, used {uses} times; change it there by hand"
                ));
            }
        }
        if def.file != FileId::MAIN {
            return Err(format!(
                "it is defined in {}",
                self.analysis.sources.file(def.file).path.display()
            ));
        }
        let tree = self.tree();
        match &tree.node(def.node).kind {
            NodeKind::Alias(_) => return Err("it comes from a YAML alias".into()),
            NodeKind::Scalar(_) if self.analysis.sources.text(def).contains("${") => {
                return Err("it is built by an expression".into());
            }
            _ => {}
        }
        if tree.node(def.node).anchor.is_some() {
            return Err("it is a YAML anchor, maybe used elsewhere".into());
        }
        Ok(def)
    }

    /// How many values of the model's props come from the literal `def`.
    fn uses(&self, def: Site) -> usize {
        fn count(value: &Value, def: Site) -> usize {
            let here = usize::from(value.origin.def == Some(def));
            here + match &value.kind {
                Kind::List(items) => items.iter().map(|v| count(v, def)).sum(),
                Kind::Map(members) => members.iter().map(|m| count(&m.value, def)).sum(),
                _ => 0,
            }
        }
        self.analysis
            .model
            .as_ref()
            .map(|m| m.resources.iter().map(|r| count(&r.props, def)).sum())
            .unwrap_or(0)
    }

    fn replace(&self, value: &Value, remote: &Json) -> Result<TextEdit, String> {
        let site = self.editable(value)?;
        let tree = self.tree();
        let node = tree.node(site.node);
        let mut range = node.range;
        if node.flow {
            // A flow node's range may run on to a comment after it: keep the comment.
            let text = &self.text()[range];
            if let Some(close) = text.rfind([']', '}']) {
                let start = usize::from(range.start());
                range = self::range(start, start + close + 1);
            }
        }
        let composite = matches!(remote, Json::Object(_) | Json::Array(_));
        let new_text = match &node.kind {
            NodeKind::Scalar(scalar) if !composite => render_scalar(remote, scalar.style, false),
            _ if node.flow || !composite => render_flow(remote),
            NodeKind::Scalar(_) => render_flow(remote),
            _ => {
                if matches!(node.kind, NodeKind::Sequence(_)) {
                    // A block sequence's range may start at its first item's content, after the
                    // `- `: replace from the dash so the items are rewritten whole.
                    let text = self.text();
                    let start = usize::from(range.start());
                    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                    let before = &text[line_start..start];
                    let indent = before.len() - before.trim_start().len();
                    if before.trim_start().starts_with('-') {
                        range = self::range(line_start + indent, usize::from(range.end()));
                    }
                }
                let col = self.column(usize::from(range.start()));
                let block = render_block(remote, col.saturating_sub(2));
                let prefix = format!("\n{}", " ".repeat(col));
                match block.strip_prefix(&prefix) {
                    Some(rest) => rest.to_string(),
                    None => render_flow(remote),
                }
            }
        };
        Ok(TextEdit { range, new_text })
    }

    fn remove(&self, parent: &Value, key: &str) -> Result<TextEdit, String> {
        let site = self.editable(parent)?;
        let tree = self.tree();
        if tree.node(site.node).flow {
            return Err("it is in a flow mapping; remove it by hand".into());
        }
        let entry = tree
            .mapping(site.node)
            .and_then(|m| {
                m.entries
                    .iter()
                    .find(|e| tree.key_text(e.key) == key)
                    .cloned()
            })
            .ok_or_else(|| "its key is not written in the file".to_string())?;
        let text = self.text();
        let key_start = usize::from(tree.range(entry.key).start());
        let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..key_start].trim().is_empty() {
            return Err("its key shares a line with other YAML; remove it by hand".into());
        }
        let end = usize::from(tree.range(entry.value).end()).max(key_start);
        let end = line_end(text, end);
        Ok(TextEdit {
            range: range(line_start, end),
            new_text: String::new(),
        })
    }

    fn flush_inserts(&mut self) {
        let inserts = std::mem::take(&mut self.inserts);
        for (_, (node, keys, paths)) in inserts {
            let tree = self.tree();
            let Some(last) = tree.mapping(node).and_then(|m| m.entries.last().cloned()) else {
                continue;
            };
            let Some(first) = tree.mapping(node).and_then(|m| m.entries.first().cloned()) else {
                continue;
            };
            let col = self.column(usize::from(tree.range(first.key).start()));
            let text = self.text();
            let end = usize::from(tree.range(last.value).end())
                .max(usize::from(tree.range(last.key).end()));
            let at = line_end(text, end);
            let mut new_text = String::new();
            if !text[..at].ends_with('\n') {
                new_text.push('\n');
            }
            for (key, value) in &keys {
                new_text.push_str(&" ".repeat(col));
                new_text.push_str(&render_key(key));
                new_text.push(':');
                new_text.push_str(&render_block(value, col));
                new_text.push('\n');
            }
            let edit = TextEdit {
                range: range(at, at),
                new_text,
            };
            for path in paths {
                self.candidates.push((path, edit.clone()));
            }
        }
    }

    /// Drops edits overlapping an earlier one (reported), deduplicates merged inserts.
    fn finish(mut self) -> PullEdits {
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.sort_by_key(|(_, e)| (e.range.start(), e.range.end()));
        let mut at = 0usize;
        for (path, edit) in candidates {
            if self.out.edits.last() == Some(&edit) {
                self.out.pulled.push(path);
                continue;
            }
            let start = usize::from(edit.range.start());
            if start < at {
                self.skip(&path, "it overlaps another pulled value; pull again".into());
                continue;
            }
            at = usize::from(edit.range.end());
            self.out.edits.push(edit);
            self.out.pulled.push(path);
        }
        self.out.pulled.sort();
        self.out.not_pulled.sort_by(|a, b| a.path.cmp(&b.path));
        self.out
    }

    fn column(&self, offset: usize) -> usize {
        let text = self.text();
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        offset - line_start
    }
}

fn range(start: usize, end: usize) -> TextRange {
    TextRange::new(
        TextSize::from(u32::try_from(start).unwrap_or(u32::MAX)),
        TextSize::from(u32::try_from(end).unwrap_or(u32::MAX)),
    )
}

/// The offset just after the newline ending the line of `offset` (or the end of the text).
fn line_end(text: &str, offset: usize) -> usize {
    match text[offset..].find('\n') {
        Some(i) => offset + i + 1,
        None => text.len(),
    }
}

fn merge(map: &mut Map<String, Json>, key: &str, value: Json) {
    match (map.get_mut(key), value) {
        (Some(Json::Object(existing)), Json::Object(more)) => {
            for (k, v) in more {
                merge(existing, &k, v);
            }
        }
        (_, value) => {
            map.insert(key.to_string(), value);
        }
    }
}

/// Whether `s` reads back as the same string when written plain (in flow context too if `flow`).
fn plain_ok(s: &str, flow: bool) -> bool {
    if s.is_empty() || s.contains('\n') || (flow && s.contains([',', '[', ']', '{', '}'])) {
        return false;
    }
    // YAML 1.1 booleans: a string to sdls's parser, a boolean to older YAML tools.
    const YAML11_BOOLS: &[&str] = &["y", "n", "yes", "no", "on", "off"];
    if YAML11_BOOLS.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    let parsed = syntax::parse(&format!("k: {s}\n"));
    if parsed.has_errors() {
        return false;
    }
    let tree = &parsed.tree;
    tree.root()
        .and_then(|root| tree.get(root, "k"))
        .and_then(|e| tree.scalar(e.value))
        .is_some_and(|sc| {
            sc.style == ScalarStyle::Plain && sc.value == ScalarValue::String && sc.text == s
        })
}

/// A scalar in `style` when it can keep it: quoted strings stay quoted the same way, plain ones
/// stay plain unless they would read back as something else.
fn render_scalar(value: &Json, style: ScalarStyle, flow: bool) -> String {
    match value {
        Json::String(s) => {
            let single = format!("'{}'", s.replace('\'', "''"));
            let double = Json::String(s.clone()).to_string();
            let simple = !s.chars().any(char::is_control);
            match style {
                ScalarStyle::SingleQuoted if simple => single,
                ScalarStyle::DoubleQuoted => double,
                _ if plain_ok(s, flow) => s.clone(),
                _ if simple => single,
                _ => double,
            }
        }
        Json::Null => "null".into(),
        other => other.to_string(),
    }
}

fn render_key(key: &str) -> String {
    render_scalar(&Json::String(key.to_string()), ScalarStyle::Plain, false)
}

/// A flow node: `{a: 1, b: [x, y]}`.
fn render_flow(value: &Json) -> String {
    match value {
        Json::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        render_scalar(&Json::String(k.clone()), ScalarStyle::Plain, true),
                        render_flow(v)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(render_flow).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => render_scalar(scalar, ScalarStyle::Plain, true),
    }
}

/// What follows `key:` for a key at column `indent`, in block style: ` scalar`, or nested lines
/// starting with a newline, two spaces deeper.
fn render_block(value: &Json, indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    match value {
        Json::Object(map) if !map.is_empty() => {
            let mut out = String::new();
            for (k, v) in map {
                out.push('\n');
                out.push_str(&pad);
                out.push_str(&render_key(k));
                out.push(':');
                out.push_str(&render_block(v, indent + 2));
            }
            out
        }
        Json::Array(items) if !items.is_empty() => {
            let mut out = String::new();
            for item in items {
                out.push('\n');
                out.push_str(&pad);
                out.push('-');
                match item {
                    Json::Object(map) if !map.is_empty() => {
                        let inner = " ".repeat(indent + 4);
                        for (n, (k, v)) in map.iter().enumerate() {
                            if n == 0 {
                                out.push(' ');
                            } else {
                                out.push('\n');
                                out.push_str(&inner);
                            }
                            out.push_str(&render_key(k));
                            out.push(':');
                            out.push_str(&render_block(v, indent + 4));
                        }
                    }
                    Json::Array(_) | Json::Object(_) => {
                        out.push(' ');
                        out.push_str(&render_flow(item));
                    }
                    scalar => {
                        out.push(' ');
                        out.push_str(&render_scalar(scalar, ScalarStyle::Plain, false));
                    }
                }
            }
            out
        }
        Json::Object(_) => " {}".into(),
        Json::Array(_) => " []".into(),
        scalar => format!(" {}", render_scalar(scalar, ScalarStyle::Plain, false)),
    }
}
