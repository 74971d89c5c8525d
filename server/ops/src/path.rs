//! Paths of fields inside a function's props (`memorySize`, `environmentVariables.A`,
//! `triggers.http.triggerConfig.methods`): what plan prints, what hover and diagnostics map back
//! to nodes of the file.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A path of object keys from the top of a normalised view. Triggers are keyed by name under
/// `triggers`, so a path never holds a list index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<String>);

impl FieldPath {
    pub fn new<S: Into<String>>(segments: impl IntoIterator<Item = S>) -> FieldPath {
        FieldPath(segments.into_iter().map(Into::into).collect())
    }

    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    pub fn child(&self, key: impl Into<String>) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(key.into());
        FieldPath(segments)
    }

    pub fn segments(&self) -> &[String] {
        &self.0
    }

    pub fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    /// Whether `self` is `other` or below it.
    pub fn starts_with(&self, other: &FieldPath) -> bool {
        self.0.starts_with(&other.0)
    }

    /// Dotted form; a segment that is empty or holds `.`, `[`, `]` or `"` is written `["…"]`.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            let plain = !seg.is_empty()
                && !seg.contains(['.', '[', ']', '"'])
                && !seg.chars().any(char::is_whitespace);
            if plain {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(seg);
            } else {
                out.push('[');
                out.push_str(&serde_json::Value::String(seg.clone()).to_string());
                out.push(']');
            }
        }
        out
    }

    /// Parses the dotted form written by [`FieldPath::dotted`].
    pub fn parse(text: &str) -> Option<FieldPath> {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let end = after.find("\"]")? + 1;
                let seg: String = serde_json::from_str(&after[..end]).ok()?;
                segments.push(seg);
                rest = &after[end + 1..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                segments.push(rest[..end].to_string());
                rest = &rest[end..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            }
        }
        Some(FieldPath(segments))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.dotted())
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        FieldPath::parse(&text).ok_or_else(|| serde::de::Error::custom("not a field path"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_round_trips() {
        for path in [
            FieldPath::new(["memorySize"]),
            FieldPath::new(["environmentVariables", "A"]),
            FieldPath::new(["environmentVariables", "a.b"]),
            FieldPath::new(["triggers", "http trigger", "triggerConfig", "methods"]),
            FieldPath::new(["x", ""]),
        ] {
            let text = path.dotted();
            assert_eq!(FieldPath::parse(&text), Some(path.clone()), "{text}");
        }
        assert_eq!(
            FieldPath::new(["environmentVariables", "a.b"]).dotted(),
            r#"environmentVariables["a.b"]"#
        );
    }
}
