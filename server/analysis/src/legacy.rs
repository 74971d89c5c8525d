//! The legacy dialect (editions 1.0.0 / 2.0.0, engine `core`, reference §1.3.10): paths over the
//! whole document (`${vars.x}`, `${services.S.props.x}`, `${S.props.x}`, `${S.props.list[0]}`),
//! `${env.X}` / `${env(X)}` with the argument used verbatim, `${file(x)}` parsed as YAML/JSON,
//! a non-string result replaces the whole value, and unknown names are no error (the text stays;
//! names under `vars.`/`env.` get a warning, as `core` prints one).

use syntax::{TextRange, TextSize};

use crate::diagnostic::Diagnostic;
use crate::env::Environment;
use crate::expr::{self, Segment};
use crate::host::Host;
use crate::model::Sources;
use crate::resolve::join_path;
use crate::value::{FileId, Kind, Origin, UnknownReason, Value};

pub(crate) struct LegacyResolver<'a> {
    pub host: &'a dyn Host,
    pub sources: &'a Sources,
    pub env: Environment,
    pub raw: Value,
    pub diagnostics: Vec<(FileId, Diagnostic)>,
    pub registry_template: bool,
}

impl LegacyResolver<'_> {
    /// Resolves a value in the context of service `this` (None at the top level).
    pub(crate) fn resolve(&mut self, value: &Value, this: Option<&str>, passes: u8) -> Value {
        value.map_strings(&mut |s, origin| self.eval_string(s, origin, this, passes))
    }

    fn eval_string(&mut self, s: &str, origin: Origin, this: Option<&str>, passes: u8) -> Value {
        if self.registry_template && s.contains("{{") {
            return Value::unknown(s, UnknownReason::TemplatePlaceholder, origin);
        }
        let segs = expr::segments(s);
        if !segs.iter().any(|s| matches!(s, Segment::Expr { .. })) {
            return Value::str(s, origin);
        }
        let mut text = String::new();
        let mut unknown = None;
        for seg in &segs {
            match seg {
                Segment::Literal(l) => text.push_str(l),
                Segment::Expr { inner, start, end } => {
                    let v = self.eval(inner, origin, s, *start, *end, this);
                    if !matches!(v.kind, Kind::Str(_) | Kind::Unknown(_)) {
                        // core: a non-string result replaces the whole value.
                        let mut v = v;
                        v.origin = origin;
                        return v;
                    }
                    match &v.kind {
                        Kind::Str(piece) => text.push_str(piece),
                        Kind::Unknown(u) => {
                            unknown.get_or_insert(u.reason.clone());
                            text.push_str(&u.text);
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(reason) = unknown {
            return Value::unknown(text, reason, origin);
        }
        if passes > 0 && expr::has_expr(&text) {
            return self.eval_string(&text, origin, this, passes - 1);
        }
        Value::str(text, origin)
    }

    fn site(
        &self,
        origin: Origin,
        s: &str,
        start: usize,
        end: usize,
    ) -> Option<(FileId, TextRange)> {
        let def = origin.def?;
        let file = self.sources.file(def.file);
        let node_range = file.tree().range(def.node);
        let source = &file.text[node_range];
        let needle = &s[start..end];
        let range = match source.find(needle) {
            Some(i) => TextRange::at(
                node_range.start() + TextSize::from(i as u32),
                TextSize::from(needle.len() as u32),
            ),
            None => node_range,
        };
        Some((def.file, range))
    }

    fn eval(
        &mut self,
        inner: &str,
        origin: Origin,
        s: &str,
        start: usize,
        end: usize,
        this: Option<&str>,
    ) -> Value {
        let text = format!("${{{inner}}}");
        let site = self.site(origin, s, start, end);
        // Function form: the argument text is used verbatim (no quote stripping).
        if let (Some(open), true) = (inner.find('('), inner.ends_with(')')) {
            let name = &inner[..open];
            let arg = &inner[open + 1..inner.len() - 1];
            let dir = self.sources.file(FileId::MAIN).dir();
            return match name {
                "env" | "Env" => match self.env.get(self.host, arg) {
                    Some((v, _)) => Value::str(v, Origin::default()),
                    None => Value::unknown(
                        text,
                        UnknownReason::UnsetEnv(arg.to_string()),
                        Origin::default(),
                    ),
                },
                "config" => Value::unknown(text, UnknownReason::Config, Origin::default()),
                "path" => Value::str(join_path(&dir, arg).to_string_lossy(), Origin::default()),
                "file" => {
                    let path = join_path(&dir, arg);
                    match self.host.read_file(&path) {
                        Some(content) => {
                            let ext = path
                                .extension()
                                .and_then(|e| e.to_str())
                                .unwrap_or_default();
                            if matches!(ext, "yaml" | "yml" | "json") {
                                let parse = syntax::parse(&content);
                                match parse
                                    .tree
                                    .root()
                                    .and_then(|r| syntax::to_json(&parse.tree, r, 100_000).ok())
                                {
                                    Some(json) => crate::resolve::from_json(&json),
                                    None => Value::new(Kind::Map(Vec::new()), Origin::default()),
                                }
                            } else {
                                Value::new(Kind::Map(Vec::new()), Origin::default())
                            }
                        }
                        None => {
                            let message = format!("`{text}`: file `{}` not found", path.display());
                            if let Some((f, r)) = site {
                                self.diagnostics
                                    .push((f, Diagnostic::warning(r, "file-not-found", message)));
                            }
                            Value::unknown(text, UnknownReason::Failed, Origin::default())
                        }
                    }
                }
                _ => Value::unknown(text, UnknownReason::Dynamic, Origin::default()),
            };
        }
        let normalized = inner.replace('[', ".").replace(']', "");
        let parts: Vec<&str> = normalized.split('.').collect();
        let found = match parts.as_slice() {
            ["vars", rest @ ..] => self.raw.get("vars").and_then(|v| v.path(rest)).cloned(),
            ["env", name] => {
                return match self.env.get(self.host, name) {
                    Some((v, _)) => Value::str(v, Origin::default()),
                    None => {
                        self.warn(site, &text, "environment variable not set here");
                        Value::unknown(
                            text,
                            UnknownReason::UnsetEnv((*name).to_string()),
                            Origin::default(),
                        )
                    }
                };
            }
            ["this", rest @ ..] => match (this, rest) {
                (Some(name), ["name"]) => Some(Value::str(name, Origin::default())),
                (Some(_), ["output", ..]) => {
                    return Value::unknown(text, UnknownReason::RunTimeOutput, Origin::default());
                }
                (Some(name), rest) => self
                    .raw
                    .get("services")
                    .and_then(|s| s.get(name))
                    .and_then(|s| s.path(rest))
                    .cloned(),
                (None, _) => None,
            },
            ["services", service, "output", ..] | [service, "output", ..]
                if self.is_service(service) =>
            {
                return Value::unknown(text, UnknownReason::RunTimeOutput, Origin::default());
            }
            ["services", service, rest @ ..] => self
                .raw
                .get("services")
                .and_then(|s| s.get(service))
                .and_then(|s| s.path(rest))
                .cloned(),
            [service, rest @ ..] if self.is_service(service) => self
                .raw
                .get("services")
                .and_then(|s| s.get(service))
                .and_then(|s| s.path(rest))
                .cloned(),
            _ => None,
        };
        match found {
            Some(v) if !matches!(v.kind, Kind::Null) => self.resolve(&v, this, 0),
            _ => {
                if inner.starts_with("vars.")
                    || inner.starts_with("env.")
                    || inner.starts_with("services.")
                {
                    self.warn(
                        site,
                        &text,
                        "not found; the legacy engine leaves the text as it is",
                    );
                }
                Value::unknown(text, UnknownReason::Failed, Origin::default())
            }
        }
    }

    fn is_service(&self, name: &str) -> bool {
        self.raw.get("services").and_then(|s| s.get(name)).is_some()
    }

    fn warn(&mut self, site: Option<(FileId, TextRange)>, text: &str, why: &str) {
        if let Some((f, r)) = site {
            self.diagnostics.push((
                f,
                Diagnostic::warning(r, "unresolved-variable", format!("`{text}` {why}")),
            ));
        }
    }
}
