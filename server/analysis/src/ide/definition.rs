//! Go to definition: `${vars.x}`, `${resources.R...}` (legacy `${services.S...}`, `${S.props...}`),
//! `${this.props.x}`, template names of `extend: {name}`, top-level `extend: base.yaml`, and the
//! files of `${file()}`, `${json()}`, `${yaml()}`, `${path()}`. Works on the trees of the analysed
//! file and its `extend` base, so it answers on files with semantic errors too.

use syntax::{NodeId, TextSize};

use super::Target;
use super::definition_walk::{follow, locate, split_indices, value_of};
use crate::Analysis;
use crate::expr::{self, Expr, Segment};
use crate::value::FileId;

pub fn definition(analysis: &Analysis, offset: TextSize) -> Vec<Target> {
    let Some(main) = analysis.sources.files.first() else {
        return Vec::new();
    };
    let tree = main.tree();
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let Some(hit) = locate(tree, root, offset) else {
        return Vec::new();
    };
    let ctx = Ctx { analysis };
    let path: Vec<&str> = hit.path.iter().map(String::as_str).collect();

    if !hit.is_key {
        // Top-level `extend: base.yaml` / legacy `extends: [base.yaml]`.
        if matches!(path.as_slice(), ["extend"] | ["extends", "0"])
            && let Some(rel) = tree.text(hit.node)
            && !rel.contains("${")
        {
            return vec![ctx.file_target(rel)];
        }
        // `extend: {name: T}` inside a resource.
        if let [section, _, "extend", "name"] = path.as_slice()
            && matches!(*section, "resources" | "services")
            && let Some(name) = tree.text(hit.node)
        {
            return ctx.template(name).into_iter().collect();
        }
    }
    let Some(_scalar) = tree.scalar(hit.node) else {
        return Vec::new();
    };
    // An expression under the cursor, in the scalar's source text.
    let range = tree.range(hit.node);
    let raw = &main.text[range];
    let rel = usize::from(offset) - usize::from(range.start());
    let Some(inner) = expr::segments(raw).into_iter().find_map(|s| match s {
        Segment::Expr { inner, start, end } if start <= rel && rel <= end => Some(inner),
        _ => None,
    }) else {
        return Vec::new();
    };
    let current = match path.as_slice() {
        [section, name, ..] if matches!(*section, "resources" | "services") => Some(*name),
        _ => None,
    };
    ctx.expression(&expr::parse(inner), current)
}

struct Ctx<'a> {
    analysis: &'a Analysis,
}

impl Ctx<'_> {
    fn legacy(&self) -> bool {
        let tree = self.analysis.sources.tree(FileId::MAIN);
        tree.root().is_some_and(|r| {
            tree.get(r, "services").is_some() && tree.get(r, "resources").is_none()
        })
    }

    fn file_target(&self, rel: &str) -> Target {
        let dir = self.analysis.sources.file(FileId::MAIN).dir();
        Target {
            path: Some(crate::resolve::join_path(&dir, rel)),
            range: None,
        }
    }

    fn target(&self, file: usize, key: NodeId) -> Target {
        let source = &self.analysis.sources.files[file];
        Target {
            path: (file != 0).then(|| source.path.clone()),
            range: Some(source.tree().range(key)),
        }
    }

    /// Files in search order: the analysed file, then its `extend` base.
    fn files(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.analysis.sources.files.len().min(2)).filter(|&i| {
            let tree = self.analysis.sources.files[i].tree();
            tree.root().is_some_and(|r| tree.mapping(r).is_some())
        })
    }

    /// The deepest key matching `section.segments` in any loaded file (the analysed file wins ties).
    fn deepest(&self, section: &str, segments: &[String]) -> Option<Target> {
        let mut best: Option<(usize, usize, NodeId)> = None;
        for file in self.files() {
            let tree = self.analysis.sources.files[file].tree();
            let Some(root) = tree.root() else { continue };
            let Some(entry) = tree.get(root, section) else {
                continue;
            };
            let (key, matched) = follow(tree, entry.value, segments);
            let key = match key {
                Some(k) => k,
                None if segments.is_empty() => entry.key_site(),
                None => continue,
            };
            if best.is_none_or(|(_, m, _)| matched > m) {
                best = Some((file, matched, key));
            }
        }
        best.map(|(file, _, key)| self.target(file, key))
    }

    fn template(&self, name: &str) -> Option<Target> {
        self.deepest("template", &[name.to_string()])
            .filter(|t| t.range.is_some())
            .and_then(|t| {
                // Only an exact hit on the template name.
                let file = if t.path.is_some() { 1 } else { 0 };
                let source = &self.analysis.sources.files[file];
                let range = t.range?;
                (source
                    .text
                    .get(usize::from(range.start())..usize::from(range.end()))
                    .is_some_and(|s| s.trim_matches(['"', '\'']) == name))
                .then_some(t)
            })
    }

    /// A resource's key, or the key of `field.rest` inside it (`props.x`, `vars.y`); props also
    /// come from the resource's template.
    fn resource(&self, name: &str, rest: &[String]) -> Vec<Target> {
        let section = if self.legacy() {
            "services"
        } else {
            "resources"
        };
        let mut best: Option<(usize, usize, NodeId)> = None;
        for file in self.files() {
            let tree = self.analysis.sources.files[file].tree();
            let Some(root) = tree.root() else { continue };
            let Some(resources) = value_of(tree, root, section) else {
                continue;
            };
            let Some(entry) = tree.get(resources, name) else {
                continue;
            };
            let mut found = (0, entry.key_site());
            if let Some(field) = rest.first()
                && matches!(field.as_str(), "props" | "vars")
                && let (Some(key), matched) = follow(tree, entry.value, rest)
                && matched > 1
            {
                found = (matched, key);
            }
            if best.is_none_or(|(_, m, _)| found.0 > m) {
                best = Some((file, found.0, found.1));
            }
        }
        let Some((file, matched, key)) = best else {
            return Vec::new();
        };
        // A prop the resource does not write itself may come from its template.
        if matched < rest.len()
            && rest.first().is_some_and(|f| f == "props")
            && let Some(t) = self.template_prop(name, section, &rest[1..])
        {
            return vec![t];
        }
        vec![self.target(file, key)]
    }

    fn template_prop(&self, resource: &str, section: &str, props: &[String]) -> Option<Target> {
        let template = self.files().find_map(|file| {
            let tree = self.analysis.sources.files[file].tree();
            let root = tree.root()?;
            let r = value_of(tree, value_of(tree, root, section)?, resource)?;
            let extend = value_of(tree, r, "extend")?;
            Some(tree.text(value_of(tree, extend, "name")?)?.to_string())
        })?;
        let mut segments = vec![template];
        segments.extend(props.iter().cloned());
        let t = self.deepest("template", &segments)?;
        // Only when the template has at least the first prop.
        let file = if t.path.is_some() { 1 } else { 0 };
        let tree = self.analysis.sources.files[file].tree();
        let root = tree.root()?;
        let (_, matched) = follow(tree, value_of(tree, root, "template")?, &segments);
        (matched >= 2).then_some(t)
    }

    fn expression(&self, e: &Expr, current: Option<&str>) -> Vec<Target> {
        match e {
            Expr::Path(parts) => {
                let parts = split_indices(parts);
                self.path(&parts, current)
            }
            Expr::Call { .. } => self.file_of_call(e).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    fn path(&self, parts: &[String], current: Option<&str>) -> Vec<Target> {
        let Some((root, rest)) = parts.split_first() else {
            return Vec::new();
        };
        match root.as_str() {
            "vars" => self.deepest("vars", rest).into_iter().collect(),
            "resources" | "services" | "components" => match rest.split_first() {
                Some((name, rest)) => self.resource(name, rest),
                None => Vec::new(),
            },
            "this" | "that" => match current {
                Some(name) => self.resource(name, rest),
                None => Vec::new(),
            },
            // Legacy: `${S.props.x}` / `${S.output.x}` with a service name as the root.
            name if self.legacy() => self.resource(name, rest),
            _ => Vec::new(),
        }
    }

    /// The file of `file('x')`, `path('x')`, `json(file('x'))`, `yaml('x.yaml')`.
    fn file_of_call(&self, e: &Expr) -> Option<Target> {
        let Expr::Call { name, args, .. } = e else {
            return None;
        };
        let first = args.first()?;
        match (name.as_str(), first) {
            ("file" | "path", Expr::Str(p)) => Some(self.file_target(p.trim())),
            ("json" | "yaml", Expr::Str(p))
                if [".json", ".yaml", ".yml"].iter().any(|x| p.ends_with(x)) =>
            {
                Some(self.file_target(p.trim()))
            }
            (_, call @ Expr::Call { .. }) => self.file_of_call(call),
            _ => args.iter().find_map(|a| self.file_of_call(a)),
        }
    }
}
