//! Drift reports as the editor shows them: lens titles, diagnostic messages, hover sections, and
//! the byte range in the file of a report's field path. Pure: no IO, no LSP positions.
//!
//! Arrow direction in titles: a field the file changed reads `<live>→<file>` (what deploy would
//! do); a field changed remotely reads `<last deployed>→<live>` (what happened in the cloud);
//! untracked fields read `<live>→<file>`; fields changed on both sides, non-scalar values and
//! long values are listed by path only.

use analysis::{Analysis, FileId, Kind, Site, Value};
use ops::FieldPath;
use ops::local::{Dialect, LocalFunction};
use ops::plan::{FieldReport, FunctionReport};
use ops::status::{Change, Status};
use serde_json::Value as Json;
use syntax::TextRange;

use super::FunctionDrift;

/// Fields named in a lens title before `+N more`.
const LENS_FIELDS: usize = 3;
/// Longest value written in a lens title; longer ones are left out (path only).
const LENS_VALUE: usize = 20;
/// Longest value in a diagnostic message or hover.
const MESSAGE_VALUE: usize = 80;

/// A drift diagnostic in byte offsets of the analysed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) range: TextRange,
    pub(crate) message: String,
}

/// A way out of drift offered on a function, as a lens and a code action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DriftAction {
    /// Take the remote values into the file (`sdls.pull`).
    Pull,
    /// Make the remote what the file says (`sdls.deploy`, local wins): one action in every
    /// state, so users learn one name; over remote changes it asks before overwriting them.
    Deploy,
}

impl DriftAction {
    pub(crate) fn title(self) -> &'static str {
        match self {
            DriftAction::Pull => "Pull remote",
            DriftAction::Deploy => "Deploy (local wins)",
        }
    }
}

/// The actions that make sense for a function in its state: none before a read, when the
/// remote is unknown, or for a legacy function (D11: read-only).
pub(crate) fn actions(
    function: &LocalFunction,
    report: Option<&FunctionReport>,
) -> Vec<DriftAction> {
    let Some(report) = report else {
        return Vec::new();
    };
    if matches!(function.dialect, Dialect::Legacy { .. }) {
        return Vec::new();
    }
    match report.status {
        Status::NotDeployed | Status::LocalChanges => vec![DriftAction::Deploy],
        Status::InSync => match report.code.status {
            // The config is in sync but the code changed here: a deploy ships it.
            ops::status::CodeStatus::LocalChanges => vec![DriftAction::Deploy],
            _ => Vec::new(),
        },
        Status::RemoteDrift | Status::Conflict | Status::Untracked => {
            vec![DriftAction::Pull, DriftAction::Deploy]
        }
        Status::DeletedRemotely => vec![DriftAction::Deploy],
        Status::Unknown => Vec::new(),
    }
}

/// The lens title of a function (`None`: not read yet).
pub(crate) fn lens_title(report: Option<&FunctionReport>) -> String {
    let Some(report) = report else {
        return "… reading remote".into();
    };
    let fields = field_summary(report);
    let with_fields = |head: &str| {
        if fields.is_empty() {
            head.to_string()
        } else {
            format!("{head}: {fields}")
        }
    };
    let body = match report.status {
        Status::InSync => "✓ in sync".to_string(),
        Status::NotDeployed => "● not deployed".to_string(),
        Status::LocalChanges => with_fields("✎ local changes"),
        Status::RemoteDrift => with_fields("⚠ changed remotely since your last deploy"),
        Status::Conflict => with_fields("⚠ conflict: changed in the file and remotely"),
        Status::Untracked => with_fields("⚠ exists remotely, not deployed from here"),
        Status::DeletedRemotely => "⚠ deleted remotely since your last deploy".to_string(),
        Status::Unknown => format!(
            "? remote unknown: {}",
            short_reason(report.reason.as_deref().unwrap_or("no reason given"))
        ),
    };
    if report.remote == "local" {
        format!("local {body}")
    } else {
        body
    }
}

/// The lens title of a function resource that cannot be read remotely.
pub(crate) fn skipped_title(reason: &str) -> String {
    format!("? remote unknown: {}", short_reason(reason))
}

/// `memorySize 512→1024, timeout, +2 more`.
fn field_summary(report: &FunctionReport) -> String {
    let mut parts: Vec<String> = report
        .fields
        .iter()
        .take(LENS_FIELDS)
        .map(field_change)
        .collect();
    if report.fields.len() > LENS_FIELDS {
        parts.push(format!("+{} more", report.fields.len() - LENS_FIELDS));
    }
    parts.join(", ")
}

fn field_change(field: &FieldReport) -> String {
    let path = field.path.dotted();
    let (before, after) = match field.change {
        Change::Local | Change::Untracked => (&field.remote, &field.local),
        Change::Remote => (&field.baseline, &field.remote),
        Change::Both => return path,
    };
    match (
        before.as_ref().and_then(|v| scalar_text(v, LENS_VALUE)),
        after.as_ref().and_then(|v| scalar_text(v, LENS_VALUE)),
    ) {
        (Some(b), Some(a)) => format!("{path} {b}→{a}"),
        _ => path,
    }
}

/// The first clause of a reason, short enough for a lens: `no credentials`, else the first line
/// cut at 60 characters.
pub(crate) fn short_reason(reason: &str) -> String {
    let line = reason.lines().next().unwrap_or_default().trim();
    if line.starts_with("no credentials") {
        return "no credentials".into();
    }
    truncate(line, 60)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A scalar as short text (strings unquoted when that reads unambiguously), `None` for
/// objects, arrays and values longer than `max`.
fn scalar_text(value: &Json, max: usize) -> Option<String> {
    let text = match value {
        Json::Object(_) | Json::Array(_) => return None,
        Json::String(s) if !s.is_empty() && !s.contains([' ', ',', '→', '\n']) && s.trim() == s => {
            s.clone()
        }
        other => other.to_string(),
    };
    (text.chars().count() <= max).then_some(text)
}

/// Any value as text for messages: absent, a scalar, or compact JSON cut to `max`.
fn value_text(value: Option<&Json>, max: usize) -> String {
    match value {
        None => "absent".into(),
        Some(v) => scalar_text(v, max).unwrap_or_else(|| truncate(&v.to_string(), max)),
    }
}

/// The drift diagnostics of a document: one per field changed remotely (or on both sides, or
/// differing from an untracked function), on the field's node; one on the resource key of a
/// function deleted remotely.
pub(crate) fn findings(analysis: &Analysis, states: &[FunctionDrift]) -> Vec<Finding> {
    let mut out = Vec::new();
    for state in states {
        let Some(report) = &state.report else {
            continue;
        };
        if report.status == Status::DeletedRemotely {
            if let Some(range) = state.function.key_range {
                out.push(Finding {
                    range,
                    message: format!(
                        "function {} was deleted remotely since your last deploy",
                        report.function_name
                    ),
                });
            }
            continue;
        }
        for field in &report.fields {
            let Some(message) = field_message(field) else {
                continue;
            };
            if let Some(range) = field_range(analysis, &state.function, &field.path) {
                out.push(Finding { range, message });
            }
        }
    }
    out
}

fn field_message(field: &FieldReport) -> Option<String> {
    let path = field.path.dotted();
    let local = value_text(field.local.as_ref(), MESSAGE_VALUE);
    let baseline = value_text(field.baseline.as_ref(), MESSAGE_VALUE);
    let remote = value_text(field.remote.as_ref(), MESSAGE_VALUE);
    Some(match field.change {
        Change::Local => return None,
        Change::Remote => format!(
            "{path} changed remotely since your last deploy: last deployed {baseline}, live {remote}, file {local}"
        ),
        Change::Both => format!(
            "{path} changed in the file and remotely since your last deploy: last deployed {baseline}, live {remote}, file {local}"
        ),
        Change::Untracked => format!(
            "{path} differs from the live function, which was not deployed from here: live {remote}, file {local}"
        ),
    })
}

/// The hover section of a drifted field.
pub(crate) fn hover_section(report: &FunctionReport, field: &FieldReport) -> String {
    let code = |v: Option<&Json>| match v {
        None => "absent".to_string(),
        Some(v) => format!("`{}`", value_text(Some(v), MESSAGE_VALUE)),
    };
    format!(
        "**Drift** ({})\n\n- local: {}\n- last deployed: {}\n- live: {}",
        report.status.as_str(),
        code(field.local.as_ref()),
        code(field.baseline.as_ref()),
        code(field.remote.as_ref()),
    )
}

/// The byte range in the main file of `path` within the function's props: the value's node for
/// scalars (the `${...}` expression when a variable brought it in), the key for maps and lists,
/// `triggers.<name>` is the list item whose `triggerName` is `<name>`. A path the file does not
/// have attaches to its nearest existing parent key, at last the resource key.
pub(crate) fn field_range(
    analysis: &Analysis,
    function: &LocalFunction,
    path: &FieldPath,
) -> Option<TextRange> {
    let main = |site: Site| (site.file == FileId::MAIN).then(|| analysis.sources.range(site));
    let resource = analysis
        .model
        .as_ref()?
        .resources
        .iter()
        .find(|r| r.name == function.resource);
    let Some(resource) = resource else {
        return function.key_range;
    };
    // Legacy props keep function fields under `function` and service fields under `service`.
    let roots: Vec<&Value> = match function.dialect {
        Dialect::Fc3 => vec![&resource.props],
        Dialect::Legacy { .. } => ["function", "service"]
            .iter()
            .filter_map(|k| resource.props.get(k))
            .chain(std::iter::once(&resource.props))
            .collect(),
    };
    let best = roots
        .into_iter()
        .filter_map(|root| walk(analysis, root, path.segments()))
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, range)| range);
    best.or_else(|| resource.props_key.and_then(main))
        .or_else(|| main(resource.key))
        .or(function.key_range)
}

/// Follows `segments` from `root`: how deep it got and the range to point at.
fn walk(analysis: &Analysis, root: &Value, segments: &[String]) -> Option<(usize, TextRange)> {
    let main = |site: Site| (site.file == FileId::MAIN).then(|| analysis.sources.range(site));
    let mut current = root;
    let mut found: Option<TextRange> = None;
    let mut depth = 0;
    while depth < segments.len() {
        let seg = &segments[depth];
        let Some(member) = current.member(seg) else {
            break;
        };
        current = &member.value;
        depth += 1;
        if let Some(range) = member.key_site.and_then(main) {
            found = Some(range);
        }
        // Triggers are keyed by name in paths and listed in the file.
        if seg == "triggers"
            && let (Some(name), Some(items)) = (segments.get(depth), current.as_list())
        {
            let item = items.iter().find(|t| {
                ["triggerName", "name"]
                    .iter()
                    .any(|k| t.get(k).and_then(Value::as_str) == Some(name.as_str()))
            });
            let Some(item) = item else {
                break;
            };
            current = item;
            depth += 1;
            let name_value = ["triggerName", "name"]
                .iter()
                .find_map(|k| item.get(k))
                .and_then(|v| value_range(analysis, v));
            if let Some(range) = name_value.or_else(|| value_range(analysis, item)) {
                found = Some(range);
            }
        }
    }
    if depth == 0 {
        return None;
    }
    if depth == segments.len()
        && !matches!(current.kind, Kind::Map(_) | Kind::List(_))
        && let Some(range) = value_range(analysis, current)
    {
        found = Some(range);
    }
    Some((depth, found?))
}

/// Where a value is written in the main file: its `${...}` expression, else its literal.
fn value_range(analysis: &Analysis, value: &Value) -> Option<TextRange> {
    if let Some((file, range)) = value.origin.via
        && file == FileId::MAIN
    {
        return Some(range);
    }
    value
        .origin
        .def
        .filter(|site| site.file == FileId::MAIN)
        .map(|site| analysis.sources.range(site))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use ops::status::{CodeState, Verdict};

    /// `(path, change, local, baseline, remote)`.
    type Field<'a> = (&'a str, Change, Option<Json>, Option<Json>, Option<Json>);

    fn report(status: Status, fields: Vec<Field<'_>>) -> FunctionReport {
        let mut r = FunctionReport::new(
            "hello",
            "hello",
            "cn-hangzhou",
            "http://127.0.0.1:1",
            Verdict {
                status,
                fields: Vec::new(),
                unmanaged: Vec::new(),
                code: CodeState::default(),
                reason: None,
            },
        );
        r.fields = fields
            .into_iter()
            .map(|(p, change, local, baseline, remote)| FieldReport {
                path: FieldPath::parse(p).expect("path"),
                local,
                baseline,
                remote,
                change,
            })
            .collect();
        r
    }

    #[test]
    fn titles() {
        assert_eq!(lens_title(None), "… reading remote");
        assert_eq!(
            lens_title(Some(&report(Status::InSync, vec![]))),
            "✓ in sync"
        );
        let drift = report(
            Status::RemoteDrift,
            vec![
                (
                    "memorySize",
                    Change::Remote,
                    Some(json!(512)),
                    Some(json!(512)),
                    Some(json!(1024)),
                ),
                ("timeout", Change::Remote, None, None, Some(json!(60))),
            ],
        );
        assert_eq!(
            lens_title(Some(&drift)),
            "⚠ changed remotely since your last deploy: memorySize 512→1024, timeout"
        );
        let local = report(
            Status::LocalChanges,
            vec![
                (
                    "memorySize",
                    Change::Local,
                    Some(json!(1024)),
                    Some(json!(512)),
                    Some(json!(512)),
                ),
                (
                    "environmentVariables",
                    Change::Local,
                    Some(json!({"A": "1"})),
                    None,
                    None,
                ),
                (
                    "runtime",
                    Change::Local,
                    Some(json!("python3.10")),
                    Some(json!("python3.9")),
                    Some(json!("python3.9")),
                ),
                ("description", Change::Local, Some(json!("x")), None, None),
            ],
        );
        assert_eq!(
            lens_title(Some(&local)),
            "✎ local changes: memorySize 512→1024, environmentVariables, runtime python3.9→python3.10, +1 more"
        );
        let mut unknown = report(Status::Unknown, vec![]);
        unknown.reason = Some("no credentials: set AccountID, …".into());
        unknown.remote = "local".into();
        assert_eq!(
            lens_title(Some(&unknown)),
            "local ? remote unknown: no credentials"
        );
    }
}
