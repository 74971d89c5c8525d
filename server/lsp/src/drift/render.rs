//! The drift diff of `sdls.showDrift`: the live (remote) view and the file's (local) view of a
//! function, both normalised by `ops` and rendered as small deterministic YAML (keys sorted, so
//! that only real differences show), compared with `similar` as a unified diff. Secret-looking
//! environment values are masked on both sides (D15) before anything is rendered.

use serde_json::{Map, Value as Json};
use similar::TextDiff;

/// Header of the old (remote) side.
pub(crate) const LIVE_HEADER: &str = "live (remote)";
/// Header of the new (local) side.
pub(crate) const LOCAL_HEADER: &str = "s.yaml (local)";

/// A unified diff from `live` to `local` (empty when they render the same).
pub(crate) fn diff(live: &str, local: &str) -> String {
    TextDiff::from_lines(live, local)
        .unified_diff()
        .context_radius(3)
        .header(LIVE_HEADER, LOCAL_HEADER)
        .to_string()
}

/// Masks the values of environment keys that look secret (`sha256:` hashes stay as they are:
/// they reveal nothing and show that a value changed).
pub(crate) fn mask_secrets(view: &mut Map<String, Json>) {
    if let Some(Json::Object(env)) = view.get_mut("environmentVariables") {
        for (key, value) in env.iter_mut() {
            if !ops::plan::is_secret_name(key) {
                continue;
            }
            let text = match &*value {
                Json::String(s) if s.starts_with(ops::normalize::HASH_PREFIX) => continue,
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            *value = Json::String(fc::credentials::mask(&text));
        }
    }
}

/// YAML text of a JSON object, keys sorted at every level.
pub(crate) fn yaml(map: &Map<String, Json>) -> String {
    let mut out = String::new();
    write_map(&mut out, map, 0);
    out
}

fn write_map(out: &mut String, map: &Map<String, Json>, indent: usize) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        let value = &map[key];
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar_string(key));
        out.push(':');
        write_value_after_key(out, value, indent);
    }
}

/// A value after `key:` — inline for scalars and empty collections, else on the next lines.
fn write_value_after_key(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[Json], indent: usize) {
    for item in items {
        match item {
            Json::Object(m) if !m.is_empty() => {
                // The item's block at indent + 2, its first line's indentation turned into "- ".
                let mut block = String::new();
                write_map(&mut block, m, indent + 2);
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(&block[indent + 2..]);
            }
            Json::Array(inner) if !inner.is_empty() => {
                let mut block = String::new();
                write_list(&mut block, inner, indent + 2);
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(&block[indent + 2..]);
            }
            other => {
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

fn inline(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => scalar_string(s),
        Json::Object(_) => "{}".into(),
        Json::Array(_) => "[]".into(),
    }
}

/// A string plain when YAML would read it back as the same string, else JSON-quoted (valid
/// YAML double-quoted style).
fn scalar_string(s: &str) -> String {
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "" | "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off"
    );
    let numeric = s.parse::<f64>().is_ok();
    let special_start = s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]);
    let special_inside = s.contains(": ")
        || s.contains(" #")
        || s.ends_with([' ', ':'])
        || s.chars().any(|c| c.is_control());
    if reserved || numeric || special_start || special_inside {
        Json::String(s.to_string()).to_string()
    } else {
        s.to_string()
    }
}

/// Cuts the live view down to what drift compares: the values the file declares, and the paths
/// that differ. Remote-only values that deploy keeps (`unmanaged`) and server defaults the file
/// does not set are no difference; shown as removed lines they would contradict an in-sync lens.
pub(crate) fn compared_part(
    live: &mut Map<String, Json>,
    local: &Map<String, Json>,
    differing: &[ops::FieldPath],
    at: &ops::FieldPath,
) {
    live.retain(|key, value| {
        let path = at.child(key.clone());
        match (local.get(key), value) {
            (Some(Json::Object(local)), Json::Object(live)) => {
                compared_part(live, local, differing, &path);
                true
            }
            (Some(_), _) => true,
            (None, _) => differing
                .iter()
                .any(|d| d.starts_with(&path) || path.starts_with(d)),
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn renders_sorted_yaml() {
        let Json::Object(view) = json!({
            "timeout": 60,
            "memorySize": 512,
            "environmentVariables": {"B": "2", "A": "yes", "API_TOKEN": "abcdefghijkl"},
            "triggers": {"http": {"triggerConfig": {"methods": ["GET", "POST"], "authType": "anonymous"}, "triggerType": "http"}},
            "layers": [],
            "description": "a: b",
            "list": [{"b": 1, "a": 2}, 3],
        }) else {
            unreachable!()
        };
        let mut view = view;
        mask_secrets(&mut view);
        expect_test::expect![[r#"
            description: "a: b"
            environmentVariables:
              A: "yes"
              API_TOKEN: abc****jkl
              B: "2"
            layers: []
            list:
              - a: 2
                b: 1
              - 3
            memorySize: 512
            timeout: 60
            triggers:
              http:
                triggerConfig:
                  authType: anonymous
                  methods:
                    - GET
                    - POST
                triggerType: http
        "#]]
        .assert_eq(&yaml(&view));
    }

    #[test]
    fn the_live_side_keeps_what_the_file_declares_and_what_differs() {
        let (Json::Object(mut live), Json::Object(local)) = (
            json!({
                "memorySize": 1024,
                "timeout": 60,
                "disableOndemand": false,
                "sessionAffinity": "NONE",
                "environmentVariables": {"A": "1", "CONSOLE_ONLY": "x"},
                "triggers": {"http": {"triggerType": "http"}, "console": {"triggerType": "timer"}},
                "concurrencyConfig": {"reservedConcurrency": 3},
            }),
            json!({
                "memorySize": 512,
                "timeout": 60,
                "environmentVariables": {"A": "1"},
                "triggers": {"http": {"triggerType": "http"}},
            }),
        ) else {
            unreachable!()
        };
        let differing = [
            ops::FieldPath::new(["memorySize"]),
            ops::FieldPath::new(["concurrencyConfig"]),
        ];
        compared_part(&mut live, &local, &differing, &ops::FieldPath::root());
        assert_eq!(
            Json::Object(live),
            json!({
                "memorySize": 1024,
                "timeout": 60,
                "environmentVariables": {"A": "1"},
                "triggers": {"http": {"triggerType": "http"}},
                "concurrencyConfig": {"reservedConcurrency": 3},
            })
        );
    }

    #[test]
    fn unified_diff() {
        let text = diff(
            "memorySize: 1024\ntimeout: 60\n",
            "memorySize: 512\ntimeout: 60\n",
        );
        assert!(text.contains("--- live (remote)"), "{text}");
        assert!(text.contains("+++ s.yaml (local)"), "{text}");
        assert!(
            text.contains("-memorySize: 1024\n+memorySize: 512\n"),
            "{text}"
        );
    }
}
