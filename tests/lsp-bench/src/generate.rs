//! The generated workspace: `s.yaml` with N fc3 functions, the text variants the benchmark
//! sends, and the local copy of our JSON Schemas composed for yaml-language-server.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

const HEADER: &str =
    "edition: 3.0.0\nname: bench\naccess: default\nvars:\n  region: cn-hangzhou\nresources:\n";

/// Column of the `m` in `memorySize` (6 spaces of indentation) plus two: a position inside the key.
pub(crate) const HOVER_CHARACTER: u32 = 8;
/// Indentation of a props key: the blank line for completion carries it.
pub(crate) const PROPS_INDENT: &str = "      ";

/// The generated file and the positions in its middle function.
///
/// The first function has `timeout: 0` (below the schema's minimum of 1), so the file always has
/// one finding that every server reports: a server may publish nothing for a file that never
/// had a diagnostic, which would leave open→diagnostics and edit→diagnostics unmeasurable.
pub(crate) struct Generated {
    pub(crate) functions: usize,
    /// Text before the middle function's `memorySize` value.
    before_mem: String,
    /// Text from the end of the `memorySize` value to the end of its line (the newline included).
    mem_line_rest: String,
    /// Everything after the `memorySize` line.
    after_mem_line: String,
    /// Line (0-based) of the middle function's `memorySize`.
    pub(crate) memory_line: u32,
}

fn function(out: &mut String, i: usize, memory: &str) {
    // The first function carries the file's one deliberate finding (see `Generated`).
    let timeout = if i == 0 { 0 } else { 30 };
    use std::fmt::Write as _;
    // `write!` into a String cannot fail.
    let _ = write!(
        out,
        "  fn{i}:
    component: fc3
    props:
      region: ${{vars.region}}
      functionName: bench-fn-{i}
      description: Function {i} of the benchmark
      runtime: python3.10
      handler: index.handler
      code: ./code
      memorySize: {memory}
      timeout: {timeout}
      environmentVariables:
        LOG_LEVEL: info
        FUNCTION_INDEX: \"{i}\"
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods:
              - GET
              - POST
"
    );
}

impl Generated {
    pub(crate) fn new(functions: usize) -> Generated {
        let functions = functions.max(1);
        let middle = functions / 2;
        let mut before = String::from(HEADER);
        for i in 0..middle {
            function(&mut before, i, "512");
        }
        let mut mid = String::new();
        function(&mut mid, middle, "512");
        let marker = "      memorySize: ";
        let at = mid.find(marker).unwrap_or(0) + marker.len();
        let line_end = mid[at..].find('\n').map_or(mid.len(), |n| at + n + 1);
        before.push_str(&mid[..at]);
        let memory_line = before.matches('\n').count() as u32;
        let mem_line_rest = mid[at + "512".len()..line_end].to_string();
        let mut after = mid[line_end..].to_string();
        for i in middle + 1..functions {
            function(&mut after, i, "512");
        }
        Generated {
            functions,
            before_mem: before,
            mem_line_rest,
            after_mem_line: after,
            memory_line,
        }
    }

    /// The file with `memorySize: <memory>` in the middle function and, when `blank` is set, a
    /// blank props line (indented) right after it.
    pub(crate) fn text(&self, memory: &str, blank: bool) -> String {
        let mut s = String::with_capacity(self.before_mem.len() + self.after_mem_line.len() + 64);
        s.push_str(&self.before_mem);
        s.push_str(memory);
        s.push_str(&self.mem_line_rest);
        if blank {
            s.push_str(PROPS_INDENT);
            s.push('\n');
        }
        s.push_str(&self.after_mem_line);
        s
    }

    /// Line of the blank props line in `text(_, true)`.
    pub(crate) fn blank_line(&self) -> u32 {
        self.memory_line + 1
    }

    pub(crate) fn lines(&self) -> usize {
        self.text("512", false).lines().count()
    }
}

/// `file://` URI of an absolute path.
pub(crate) fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Writes the workspace: `s.yaml`, an empty `code/` package and `schemas/` — copies of our four
/// schemas with `$id` rewritten to their own `file://` URI and `s.schema.json` composed so that
/// each resource's `props` `$ref`s the component schema sdls applies (fc3, fc3-domain, legacy fc)
/// by absolute `file://` URI: yaml-language-server needs nothing from the network (D10).
/// Returns the URI of the composed top-level schema.
pub(crate) fn write_workspace(dir: &Path, source_schemas: &Path, text: &str) -> Result<String> {
    fs::write(dir.join("s.yaml"), text).context("writing s.yaml")?;
    let code = dir.join("code");
    fs::create_dir_all(&code)?;
    fs::write(
        code.join("index.py"),
        "def handler(event, context):\n    return 'ok'\n",
    )?;
    let out = dir.join("schemas");
    fs::create_dir_all(&out)?;
    let uri_of = |name: &str| file_uri(&out.join(name));
    let read = |name: &str| -> Result<Value> {
        let path: PathBuf = source_schemas.join(name);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    };
    for name in [
        "fc3.schema.json",
        "fc3-domain.schema.json",
        "fc.schema.json",
    ] {
        let mut schema = read(name)?;
        set_id(&mut schema, uri_of(name))?;
        fs::write(out.join(name), serde_json::to_vec_pretty(&schema)?)?;
    }
    let mut top = read("s.schema.json")?;
    set_id(&mut top, uri_of("s.schema.json"))?;
    let dispatch = |pattern: &str, target: &str| {
        json!({
            "if": {
                "properties": { "component": { "type": "string", "pattern": pattern } },
                "required": ["component"]
            },
            "then": { "properties": { "props": { "$ref": uri_of(target) } } }
        })
    };
    let props_by_component = json!({
        "properties": {
            "resources": {
                "additionalProperties": {
                    "allOf": [
                        dispatch("^fc3(@.*)?$", "fc3.schema.json"),
                        dispatch("^fc3-domain(@.*)?$", "fc3-domain.schema.json")
                    ]
                }
            },
            "services": {
                "additionalProperties": {
                    "allOf": [dispatch("^(fc|devsapp/fc|fc-deploy)(@.*)?$", "fc.schema.json")]
                }
            }
        }
    });
    match top.get_mut("allOf") {
        Some(Value::Array(all)) => all.push(props_by_component),
        Some(_) => bail!("s.schema.json: `allOf` is not an array"),
        None => {
            if let Some(map) = top.as_object_mut() {
                map.insert("allOf".into(), json!([props_by_component]));
            }
        }
    }
    fs::write(out.join("s.schema.json"), serde_json::to_vec_pretty(&top)?)?;
    check_refs_local(&out)?;
    Ok(uri_of("s.schema.json"))
}

fn set_id(schema: &mut Value, id: String) -> Result<()> {
    let map = schema
        .as_object_mut()
        .context("a schema's top level is not an object")?;
    map.insert("$id".into(), Value::String(id));
    Ok(())
}

/// Every `$ref` in the written schemas is a fragment or a `file://` URI of a file that exists.
fn check_refs_local(dir: &Path) -> Result<()> {
    fn walk(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "$ref"
                        && let Value::String(s) = v
                    {
                        refs.push(s.clone());
                    }
                    walk(v, refs);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let schema: Value = serde_json::from_slice(&fs::read(&path)?)?;
        let mut refs = Vec::new();
        walk(&schema, &mut refs);
        for r in refs {
            if r.starts_with('#') {
                continue;
            }
            let file = r.split('#').next().unwrap_or_default();
            let local = file
                .strip_prefix("file://")
                .map(|p| Path::new(p).exists())
                .unwrap_or(false);
            if !local {
                bail!("{}: `$ref` {r} is not a local file (D10)", path.display());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_the_middle_function() {
        let g = Generated::new(10);
        let text = g.text("576", false);
        let line = text.lines().nth(g.memory_line as usize).unwrap();
        assert_eq!(line, "      memorySize: 576");
        assert!(
            text.lines()
                .nth(g.memory_line as usize - 5)
                .unwrap()
                .contains("bench-fn-5")
        );
        let blank = g.text("512", true);
        assert_eq!(
            blank.lines().nth(g.blank_line() as usize).unwrap(),
            PROPS_INDENT
        );
        assert_eq!(blank.lines().count(), text.lines().count() + 1);
        assert_eq!(g.lines(), 6 + 10 * 22);
        assert_eq!(text.matches("timeout: 0\n").count(), 1);
    }

    #[test]
    fn workspace_schemas_are_local() {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let uri = write_workspace(dir.path(), &src, "edition: 3.0.0\n").unwrap();
        assert!(uri.starts_with("file:///"));
        let text = fs::read_to_string(dir.path().join("schemas/s.schema.json")).unwrap();
        assert!(!text.contains("sdls.invalid"));
    }
}
