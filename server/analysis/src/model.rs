//! The resolved s.yaml model: edition, resources (3.0.0) or services (legacy) with their
//! component and fully resolved props, as Serverless Devs would hand them to the component.

use std::path::PathBuf;

use syntax::{NodeId, Parse, TextRange, Tree};

use crate::value::{FileId, Site, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edition {
    /// Exactly `3.0.0`.
    V3,
    /// `1.0.0` or `2.0.0` (the legacy engine).
    Legacy(String),
    /// Missing or something else.
    Invalid,
}

/// What we know a resource's component to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentKind {
    Fc3,
    Fc3Domain,
    /// `fc`, `devsapp/fc`, `fc-deploy` (legacy files).
    LegacyFc,
    /// A named component sdls has no schema for: its props are left alone.
    Other(String),
    /// A path, URL or expression; `inferred` is the shape its props look like (D3).
    External {
        inferred: Option<Box<ComponentKind>>,
    },
}

impl ComponentKind {
    /// The component whose rules apply to the props, if any.
    pub fn schema_kind(&self) -> Option<&ComponentKind> {
        match self {
            ComponentKind::Fc3 | ComponentKind::Fc3Domain | ComponentKind::LegacyFc => Some(self),
            ComponentKind::External { inferred: Some(k) } => Some(k),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub name: String,
    /// The resource's key in `resources:` / `services:`.
    pub key: Site,
    /// The resource's value node.
    pub entry: Option<Site>,
    pub component: Value,
    pub kind: ComponentKind,
    /// Resolved props (an empty map when absent).
    pub props: Value,
    /// The `props` key, if written.
    pub props_key: Option<Site>,
    /// Resolved `actions`, if any.
    pub actions: Option<Value>,
}

/// One YAML file taking part in the model.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub parse: Parse,
}

impl SourceFile {
    pub fn tree(&self) -> &Tree {
        &self.parse.tree
    }

    pub fn dir(&self) -> PathBuf {
        self.path.parent().map(PathBuf::from).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn range(&self, site: Site) -> TextRange {
        self.file(site.file).tree().range(site.node)
    }

    pub fn tree(&self, file: FileId) -> &Tree {
        self.file(file).tree()
    }

    pub fn text(&self, site: Site) -> &str {
        let file = self.file(site.file);
        &file.text[file.tree().range(site.node)]
    }
}

#[derive(Clone, Debug)]
pub struct Model {
    pub edition: Edition,
    pub resources: Vec<Resource>,
    /// Resolved top-level `vars`.
    pub vars: Value,
    /// The file is an `s init` registry template (`{{ }}` placeholders / sibling publish.yaml).
    pub registry_template: bool,
    /// Run order when a `deploy` flow or output references reorder the resources.
    pub root: Option<NodeId>,
}
