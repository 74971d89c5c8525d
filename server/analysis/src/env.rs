//! The environment `${env()}` sees (reference §1.3.5): the process environment first, then
//! `.env` files in precedence order; a file never overrides a variable already set, and empty
//! values count as unset. `.env` parsing follows dotenv + dotenv-expand.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::host::Host;

/// Where a variable's value came from (shown in hover).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvSource {
    Process,
    File(PathBuf),
}

#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// Variables loaded from `.env` files (the process environment is asked through the host).
    files: HashMap<String, (String, PathBuf)>,
    /// `.env` files that were read, in precedence order.
    pub loaded: Vec<PathBuf>,
}

impl Environment {
    /// Loads `.env` files in the given precedence order (earlier wins).
    pub fn load(host: &dyn Host, candidates: &[PathBuf]) -> Environment {
        let mut env = Environment::default();
        for path in candidates {
            if env.loaded.contains(path) {
                continue;
            }
            let Some(text) = host.read_file(path) else {
                continue;
            };
            env.loaded.push(path.clone());
            for (key, raw) in parse_dotenv(&text) {
                if env.files.contains_key(&key) || host.env_var(&key).is_some_and(|v| !v.is_empty())
                {
                    continue;
                }
                let value = expand(&raw, |name| {
                    host.env_var(name)
                        .or_else(|| env.files.get(name).map(|(v, _)| v.clone()))
                });
                env.files.insert(key, (value, path.clone()));
            }
        }
        env
    }

    /// A non-empty value of `name`, and where it came from.
    pub fn get(&self, host: &dyn Host, name: &str) -> Option<(String, EnvSource)> {
        if let Some(v) = host.env_var(name).filter(|v| !v.is_empty()) {
            return Some((v, EnvSource::Process));
        }
        self.files
            .get(name)
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, p)| (v.clone(), EnvSource::File(p.clone())))
    }

    /// Names defined by the loaded `.env` files (for completion).
    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// `KEY=value` lines; `export` prefixes, quotes and `#` comments as dotenv reads them.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            continue;
        }
        let value = value.trim();
        let value = if let Some(inner) = value
            .strip_prefix('"')
            .and_then(|v| v.rfind('"').map(|i| &v[..i]))
        {
            inner.replace("\\n", "\n")
        } else if let Some(inner) = value
            .strip_prefix('\'')
            .and_then(|v| v.rfind('\'').map(|i| &v[..i]))
        {
            inner.to_string()
        } else {
            match value.find(" #") {
                Some(i) => value[..i].trim_end().to_string(),
                None => value.to_string(),
            }
        };
        out.push((key.to_string(), value));
    }
    out
}

/// dotenv-expand: `${NAME}` and `$NAME` inside a value.
fn expand(value: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{')
            && let Some(close) = inner.find('}')
        {
            let spec = &inner[..close];
            let (name, default) = match spec.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (spec, None),
            };
            out.push_str(
                &lookup(name)
                    .or(default.map(str::to_string))
                    .unwrap_or_default(),
            );
            rest = &inner[close + 1..];
            continue;
        }
        let len = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum::<usize>();
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(&lookup(&after[..len]).unwrap_or_default());
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemoryHost;

    #[test]
    fn first_loaded_wins_and_process_beats_files() {
        let host = MemoryHost::new()
            .with_env("REGION", "cn-beijing")
            .with_file(
                "/p/.env",
                "REGION=cn-hangzhou\nNAME=demo\nEMPTY=\nURL=http://${NAME}.x # c\n",
            )
            .with_file("/p/code/.env", "NAME=other\nONLY=1\n");
        let env = Environment::load(&host, &["/p/.env".into(), "/p/code/.env".into()]);
        assert_eq!(env.get(&host, "REGION").unwrap().0, "cn-beijing");
        assert_eq!(
            env.get(&host, "NAME").unwrap(),
            ("demo".into(), EnvSource::File("/p/.env".into()))
        );
        assert_eq!(env.get(&host, "ONLY").unwrap().0, "1");
        assert_eq!(env.get(&host, "URL").unwrap().0, "http://demo.x");
        assert!(env.get(&host, "EMPTY").is_none());
    }
}
