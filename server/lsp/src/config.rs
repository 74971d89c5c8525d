//! Settings, accepted from `initializationOptions`, the `didChangeConfiguration` payload and
//! `workspace/configuration` answers (section `sdls`), so minimal clients work too. Unknown
//! keys are ignored; a wrong type keeps the previous value and is logged.

use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) diagnostics: DiagnosticsConfig,
    /// `sdls.remote`: `local`, `aliyun` or a URL (the drift issue uses it).
    pub(crate) remote: Option<String>,
    /// `sdls.access`: the access alias.
    pub(crate) access: Option<String>,
    pub(crate) drift: DriftConfig,
}

/// `sdls.drift.*`: the remote drift lenses, hover and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DriftConfig {
    /// Read the remote and show lenses at all.
    pub(crate) enable: bool,
    /// How long a read stays fresh (the engine's TTL), in seconds.
    pub(crate) refresh_seconds: u64,
    /// Functions read at once.
    pub(crate) concurrency: usize,
    /// Information diagnostics `remote-drift` on drifted fields.
    pub(crate) diagnostics: bool,
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig {
            enable: true,
            refresh_seconds: ops::engine::DEFAULT_TTL.as_secs(),
            concurrency: ops::engine::DEFAULT_CONCURRENCY,
            diagnostics: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DiagnosticsConfig {
    pub(crate) enable: bool,
    /// Extra quiet time before analysing a burst of changes; 0 = start at once when no newer
    /// change is pending (the default: coalescing alone keeps up with typing).
    pub(crate) debounce_ms: u64,
    /// An `${env('X')}` without default where X is unset: a warning (default) or an error.
    pub(crate) unset_env_error: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            diagnostics: DiagnosticsConfig {
                enable: true,
                debounce_ms: 0,
                unset_env_error: false,
            },
            remote: None,
            access: None,
            drift: DriftConfig::default(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    diagnostics: Option<RawDiagnostics>,
    remote: Option<Json>,
    access: Option<Json>,
    drift: Option<RawDrift>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDrift {
    enable: Option<Json>,
    refresh_seconds: Option<Json>,
    concurrency: Option<Json>,
    diagnostics: Option<Json>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDiagnostics {
    enable: Option<Json>,
    debounce_ms: Option<Json>,
    unset_env: Option<Json>,
}

impl Config {
    /// The options analysis runs with.
    pub(crate) fn check_options(&self) -> analysis::CheckOptions {
        analysis::CheckOptions {
            unset_env: if self.diagnostics.unset_env_error {
                analysis::UnsetEnv::Error
            } else {
                analysis::UnsetEnv::Warn
            },
        }
    }

    /// Applies a settings payload. Accepts `{"sdls": {...}}` or the section itself, and VS Code's
    /// flat dotted keys (`{"sdls.diagnostics.debounceMs": 50}`). Returns what was rejected.
    pub(crate) fn apply(&mut self, payload: &Json) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(section) = section(payload) else {
            return problems;
        };
        let raw: RawConfig = match serde_json::from_value(section) {
            Ok(raw) => raw,
            Err(err) => {
                problems.push(format!("settings ignored: {err}"));
                return problems;
            }
        };
        if let Some(d) = raw.diagnostics {
            if let Some(v) = d.enable {
                match v.as_bool() {
                    Some(b) => self.diagnostics.enable = b,
                    None => problems.push(format!(
                        "sdls.diagnostics.enable must be true or false, not {v}"
                    )),
                }
            }
            if let Some(v) = d.debounce_ms {
                match v.as_u64() {
                    Some(ms) if ms <= 10_000 => self.diagnostics.debounce_ms = ms,
                    _ => problems.push(format!(
                        "sdls.diagnostics.debounceMs must be a whole number of milliseconds from 0 to 10000, not {v}"
                    )),
                }
            }
            if let Some(v) = d.unset_env {
                match v.as_str() {
                    Some("warning") => self.diagnostics.unset_env_error = false,
                    Some("error") => self.diagnostics.unset_env_error = true,
                    _ => problems.push(format!(
                        "sdls.diagnostics.unsetEnv must be \"warning\" or \"error\", not {v}"
                    )),
                }
            }
        }
        if let Some(v) = raw.remote {
            self.remote = v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        }
        if let Some(v) = raw.access {
            self.access = v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        }
        if let Some(d) = raw.drift {
            self.apply_drift(d, &mut problems);
        }
        problems
    }
}

impl Config {
    fn apply_drift(&mut self, d: RawDrift, problems: &mut Vec<String>) {
        if let Some(v) = d.enable {
            match v.as_bool() {
                Some(b) => self.drift.enable = b,
                None => problems.push(format!("sdls.drift.enable must be true or false, not {v}")),
            }
        }
        if let Some(v) = d.refresh_seconds {
            match v.as_u64() {
                Some(s) if (1..=86_400).contains(&s) => self.drift.refresh_seconds = s,
                _ => problems.push(format!(
                    "sdls.drift.refreshSeconds must be a whole number of seconds from 1 to 86400, not {v}"
                )),
            }
        }
        if let Some(v) = d.concurrency {
            match v.as_u64() {
                Some(n) if (1..=64).contains(&n) => self.drift.concurrency = n as usize,
                _ => problems.push(format!(
                    "sdls.drift.concurrency must be a whole number from 1 to 64, not {v}"
                )),
            }
        }
        if let Some(v) = d.diagnostics {
            match v.as_bool() {
                Some(b) => self.drift.diagnostics = b,
                None => problems.push(format!(
                    "sdls.drift.diagnostics must be true or false, not {v}"
                )),
            }
        }
    }
}

/// Finds our section in the shapes clients send.
fn section(payload: &Json) -> Option<Json> {
    let obj = payload.as_object()?;
    if let Some(inner) = obj.get("sdls") {
        return inner.is_object().then(|| inner.clone());
    }
    // VS Code style flat keys: "sdls.diagnostics.debounceMs".
    let mut nested = serde_json::Map::new();
    let mut any_flat = false;
    for (key, value) in obj {
        if let Some(rest) = key.strip_prefix("sdls.") {
            any_flat = true;
            insert_dotted(&mut nested, rest, value.clone());
        }
    }
    if any_flat {
        return Some(Json::Object(nested));
    }
    // The section itself (a `workspace/configuration` answer for section "sdls").
    let ours = ["diagnostics", "remote", "access", "drift", "trace"];
    obj.keys()
        .any(|k| ours.contains(&k.as_str()))
        .then(|| payload.clone())
}

fn insert_dotted(map: &mut serde_json::Map<String, Json>, dotted: &str, value: Json) {
    match dotted.split_once('.') {
        None => {
            map.insert(dotted.to_string(), value);
        }
        Some((head, rest)) => {
            let entry = map
                .entry(head.to_string())
                .or_insert_with(|| Json::Object(Default::default()));
            if let Json::Object(inner) = entry {
                insert_dotted(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shapes() {
        let mut c = Config::default();
        assert!(
            c.apply(&json!({"sdls": {"diagnostics": {"debounceMs": 50}}}))
                .is_empty()
        );
        assert_eq!(c.diagnostics.debounce_ms, 50);
        assert!(
            c.apply(&json!({"diagnostics": {"unsetEnv": "error"}}))
                .is_empty()
        );
        assert!(c.diagnostics.unset_env_error);
        assert!(
            c.apply(&json!({"sdls.diagnostics.enable": false, "sdls.remote": "local"}))
                .is_empty()
        );
        assert!(!c.diagnostics.enable);
        assert_eq!(c.remote.as_deref(), Some("local"));
        // Someone else's settings are not ours.
        assert!(c.apply(&json!({"yaml": {"validate": true}})).is_empty());
        assert!(c.apply(&Json::Null).is_empty());
        let problems = c.apply(&json!({"sdls": {"diagnostics": {"debounceMs": "soon"}}}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            c.diagnostics.debounce_ms, 50,
            "a bad value keeps the old one"
        );
        assert!(
            c.apply(&json!({"sdls.drift.refreshSeconds": 5, "sdls.drift.diagnostics": false}))
                .is_empty()
        );
        assert_eq!(c.drift.refresh_seconds, 5);
        assert!(!c.drift.diagnostics && c.drift.enable);
        assert_eq!(c.apply(&json!({"drift": {"concurrency": 0}})).len(), 1);
        assert_eq!(c.drift.concurrency, 8);
    }
}
