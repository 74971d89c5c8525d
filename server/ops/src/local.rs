//! The functions an s.yaml declares, as the drift engine sees them: one [`LocalFunction`] per
//! edition 3.0.0 resource with `component: fc3`, and per legacy service with `fc`/`devsapp/fc`
//! (addressed in FC 3.0 as `service$function`, D11). Props are the resolved values in fc3 shape;
//! values known only when `s` runs are replaced by [`UNKNOWN`] so that comparisons skip them.

use std::path::{Path, PathBuf};

use analysis::{Analysis, ComponentKind, Edition, Kind, Value};
use serde_json::{Map, Value as Json};
use syntax::TextRange;

/// Stands for a value known only at run time (`${resources.R.output.x}`, `${config()}`, an unset
/// env var): never a difference, never written.
pub const UNKNOWN: &str = "\u{0}sdls:unknown";

/// Which dialect the function was declared in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Edition 3.0.0, `component: fc3`.
    Fc3,
    /// Edition 1.0.0/2.0.0, `component: fc`/`devsapp/fc`: read-only drift (D11).
    Legacy { service: String, function: String },
}

/// One function of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalFunction {
    /// The resource's (or legacy service's) key.
    pub resource: String,
    /// The FC 3.0 function name (`service$function` for legacy files).
    pub function_name: String,
    pub region: String,
    pub dialect: Dialect,
    /// Resolved props in fc3 shape (legacy props mapped by [`crate::normalize::legacy`]), every
    /// run-time unknown replaced by [`UNKNOWN`].
    pub props: Map<String, Json>,
    /// The `code` prop resolved against the file's folder, when it is a local path.
    pub code_path: Option<PathBuf>,
    /// `props.endpoint` (D18).
    pub endpoint: Option<String>,
    /// The access alias: the resource's `access`, else the file's.
    pub access: Option<String>,
    /// Byte range of the resource's key in the main file (where the lens goes).
    pub key_range: Option<TextRange>,
}

impl LocalFunction {
    /// How fc3 packages this function's code: a `.jar` is zipped for custom runtimes whose
    /// command runs `java -jar` (serverless-devs.md §2.1.2 "Code upload").
    pub fn package_options(&self) -> fc::package::PackageOptions {
        let strings = |key: &str| -> Vec<String> {
            self.props
                .get("customRuntimeConfig")
                .and_then(|c| c.get(key))
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let runtime = self
            .props
            .get("runtime")
            .and_then(Json::as_str)
            .unwrap_or("");
        fc::package::PackageOptions {
            zip_jar: fc::package::custom_runtime_runs_jar(
                runtime,
                &strings("command"),
                &strings("args"),
            ),
            ..fc::package::PackageOptions::default()
        }
    }
}

/// A resource that looks like a function but cannot be addressed remotely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub resource: String,
    pub reason: String,
    pub key_range: Option<TextRange>,
}

/// Every function of the analysed file (`file_dir` resolves relative `code` paths).
pub fn functions(analysis: &Analysis, file_dir: &Path) -> (Vec<LocalFunction>, Vec<Skipped>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let Some(model) = &analysis.model else {
        return (found, skipped);
    };
    let tree = analysis.sources.tree(analysis::FileId::MAIN);
    let top_access = tree
        .root()
        .and_then(|root| tree.get(root, "access"))
        .and_then(|e| tree.text(e.value).map(str::to_string));
    for resource in &model.resources {
        let kind = resource.kind.schema_kind().cloned();
        let legacy = match (&model.edition, kind) {
            (Edition::V3, Some(ComponentKind::Fc3)) => false,
            (Edition::Legacy(_), Some(ComponentKind::LegacyFc)) => true,
            _ => continue,
        };
        let key_range = (resource.key.file == analysis::FileId::MAIN)
            .then(|| analysis.sources.range(resource.key));
        let skip = |reason: String| Skipped {
            resource: resource.name.clone(),
            reason,
            key_range,
        };
        let access = resource
            .entry
            .filter(|e| e.file == analysis::FileId::MAIN)
            .and_then(|e| tree.get(e.node, "access"))
            .and_then(|e| tree.text(e.value).map(str::to_string))
            .or_else(|| top_access.clone());
        let props = to_json(&resource.props);
        let Json::Object(props) = props else {
            skipped.push(skip("its props are not a mapping".into()));
            continue;
        };
        let region = match props.get("region") {
            Some(Json::String(r)) if r != UNKNOWN && !r.trim().is_empty() => r.trim().to_string(),
            Some(Json::String(r)) if r == UNKNOWN => {
                skipped.push(skip("its region is known only when `s` runs".into()));
                continue;
            }
            _ => {
                skipped.push(skip("it has no region".into()));
                continue;
            }
        };
        let endpoint = props
            .get("endpoint")
            .and_then(Json::as_str)
            .filter(|e| *e != UNKNOWN)
            .map(str::to_string);
        let (function_name, dialect, props) = if legacy {
            match crate::normalize::legacy::to_fc3(&props) {
                Ok(mapped) => mapped,
                Err(reason) => {
                    skipped.push(skip(reason));
                    continue;
                }
            }
        } else {
            match props.get("functionName") {
                Some(Json::String(n)) if n != UNKNOWN && !n.is_empty() => {
                    (n.clone(), Dialect::Fc3, props)
                }
                Some(Json::String(_)) => {
                    skipped.push(skip("its functionName is known only when `s` runs".into()));
                    continue;
                }
                _ => {
                    skipped.push(skip("it has no functionName".into()));
                    continue;
                }
            }
        };
        let code_path = match props.get("code") {
            Some(Json::String(code))
                if code != UNKNOWN
                    && !code.starts_with("http://")
                    && !code.starts_with("https://") =>
            {
                Some(file_dir.join(code))
            }
            _ => None,
        };
        found.push(LocalFunction {
            resource: resource.name.clone(),
            function_name,
            region,
            dialect,
            props,
            code_path,
            endpoint,
            access,
            key_range,
        });
    }
    (found, skipped)
}

/// JSON with unknowns replaced by [`UNKNOWN`] (not by their text, as [`Value::to_json`] does).
fn to_json(value: &Value) -> Json {
    match &value.kind {
        Kind::Unknown(_) => Json::String(UNKNOWN.into()),
        Kind::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Kind::Map(members) => Json::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), to_json(&m.value)))
                .collect(),
        ),
        _ => value.to_json(),
    }
}
