//! Mutation test over the real-world corpus (`shared/corpus/s-yaml`): every suitable spot of every
//! fc3 (edition 3.0.0) and legacy fc (edition 1.0.0) resource gets one injected fault at a time —
//! a typo'd key, a value of the wrong type, a number out of range, a bad enum value, a
//! `triggerConfig` that no longer matches its trigger type, an unknown `${vars.x}`, a duplicated
//! function — and the analysis of the mutated file must report the fault with the right code,
//! severity and byte range, while the unmutated file must not.
//!
//! The mutation sites are found by a small indentation-based reader of the corpus text (not by
//! sdls itself), and every expected range is computed from the text the mutation inserted.
//!
//! Layout: a tiny line-based YAML path reader (`Doc`), the corpus loader (`Base`), the table of
//! mutation kinds (`KINDS`, one generator each), the checker (`check_mutation`), and the test,
//! which holds the exact list of currently failing cases in `KNOWN_GAPS`.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use analysis::{CheckOptions, Diagnostic, FileInput, MemoryHost, Severity, check};

/// Corpus files that already have errors without any mutation: not used as mutation bases.
const SKIPPED_BASES: &[&str] = &[
    "devsapp__fc3____tests____complete-props.yaml",
    "Serverless-Devs__Serverless-Devs____tests____fixtures__remove__s.yaml",
    "devsapp__start-fc__async-task__python3__src__s.yaml",
];

/// Mutations sdls currently gets wrong (file, "kind: label"), each with its diagnosis.
/// The test asserts that exactly these fail: fixing one (or breaking another) fails the test, so
/// update this list together with the fix.
const KNOWN_GAPS: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// A line-based reader of block YAML: the path, key range and inline value range of every key.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Entry {
    /// Keys and list indices from the document root, e.g. `resources/fn/props/triggers/0/...`.
    path: Vec<String>,
    /// The key text (plain keys only; quoted keys include their quotes).
    key: Range<usize>,
    /// The value written on the key's line, without a trailing comment.
    value: Option<Range<usize>>,
    /// Start of the key's line.
    line_start: usize,
    /// End (exclusive, before the newline) of the last content line of the entry's block.
    end: usize,
}

struct Doc {
    text: String,
    entries: Vec<Entry>,
}

/// Where a line's content ends: before a `#` comment that is outside quotes.
fn content_end(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut prev_sig: Option<u8> = None; // previous non-space byte
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
                    return i;
                }
                if (b == b'\'' || b == b'"')
                    && matches!(prev_sig, None | Some(b':' | b'-' | b'[' | b'{' | b','))
                    && (i == 0 || bytes[i - 1] == b' ' || matches!(bytes[i - 1], b'[' | b'{'))
                {
                    quote = Some(b);
                }
            }
        }
        if b != b' ' && b != b'\t' {
            prev_sig = Some(b);
        }
    }
    line.len()
}

/// A mapping key at the start of `rest`: (length of the key text, key name).
fn parse_key(rest: &str) -> Option<(usize, String)> {
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let close = rest[1..].find(first)? + 1;
        let after = &rest[close + 1..];
        if after == ":" || after.starts_with(": ") {
            return Some((close + 1, rest[1..close].to_string()));
        }
        return None;
    }
    if "[{&*!|>%@#`".contains(first) {
        return None;
    }
    let bytes = rest.as_bytes();
    let i = (0..bytes.len())
        .find(|&i| bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' '))?;
    let key = rest[..i].trim_end();
    if key.is_empty() {
        return None;
    }
    Some((key.len(), key.to_string()))
}

struct Frame {
    col: usize,
    item: bool,
    path: Vec<String>,
    entry: Option<usize>,
    next_index: usize,
}

impl Doc {
    fn parse(text: &str) -> Doc {
        let mut entries: Vec<Entry> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root_next = 0usize;
        let mut block_scalar: Option<usize> = None;
        let mut last_end = 0usize;
        let mut offset = 0usize;

        fn pop_while(
            stack: &mut Vec<Frame>,
            entries: &mut [Entry],
            last_end: usize,
            cond: impl Fn(&Frame) -> bool,
        ) {
            while stack.last().is_some_and(&cond) {
                let f = stack.pop().unwrap();
                if let Some(id) = f.entry {
                    entries[id].end = last_end;
                }
            }
        }

        for raw in text.split_inclusive('\n') {
            let ls = offset;
            offset += raw.len();
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let indent = line.len() - line.trim_start_matches(' ').len();
            let content = line[..content_end(line)].trim_end();
            let blank = content.trim().is_empty();
            if let Some(c) = block_scalar {
                if blank || indent > c {
                    if !blank {
                        last_end = ls + content.len();
                    }
                    continue;
                }
                block_scalar = None;
            }
            if blank {
                continue;
            }
            if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
                continue;
            }
            let mut col = indent;
            loop {
                let rest = &content[col..];
                if rest == "-" || rest.starts_with("- ") {
                    pop_while(&mut stack, &mut entries, last_end, |f| {
                        f.col > col || (f.col == col && f.item)
                    });
                    let (path, index) = match stack.last_mut() {
                        Some(p) => {
                            p.next_index += 1;
                            (p.path.clone(), p.next_index - 1)
                        }
                        None => {
                            root_next += 1;
                            (Vec::new(), root_next - 1)
                        }
                    };
                    let mut path = path;
                    path.push(index.to_string());
                    stack.push(Frame {
                        col,
                        item: true,
                        path,
                        entry: None,
                        next_index: 0,
                    });
                    let after = &rest[1..];
                    col += 1 + (after.len() - after.trim_start().len());
                    if col >= content.len() {
                        break;
                    }
                    continue;
                }
                if let Some((klen, name)) = parse_key(rest) {
                    pop_while(&mut stack, &mut entries, last_end, |f| f.col >= col);
                    let mut path = stack.last().map(|f| f.path.clone()).unwrap_or_default();
                    path.push(name);
                    let key = ls + col..ls + col + klen;
                    let after = &rest[klen + 1..];
                    let value_text = after.trim();
                    let value = (!value_text.is_empty()).then(|| {
                        let start = ls + col + klen + 1 + (after.len() - after.trim_start().len());
                        start..start + value_text.len()
                    });
                    if value_text.starts_with('|') || value_text.starts_with('>') {
                        block_scalar = Some(col);
                    }
                    entries.push(Entry {
                        path: path.clone(),
                        key,
                        value,
                        line_start: ls,
                        end: ls + content.len(),
                    });
                    stack.push(Frame {
                        col,
                        item: false,
                        path,
                        entry: Some(entries.len() - 1),
                        next_index: 0,
                    });
                }
                break;
            }
            last_end = ls + content.len();
        }
        pop_while(&mut stack, &mut entries, last_end, |_| true);
        Doc {
            text: text.to_string(),
            entries,
        }
    }

    fn find(&self, path: &[&str]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path.iter().eq(path.iter()))
    }

    /// Entries whose path is `prefix` followed by `rel`, where `*` in `rel` matches any segment.
    fn select(&self, prefix: &[String], rel: &[&str]) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| {
                e.path.len() == prefix.len() + rel.len()
                    && e.path[..prefix.len()] == *prefix
                    && e.path[prefix.len()..]
                        .iter()
                        .zip(rel)
                        .all(|(seg, pat)| *pat == "*" || seg == pat)
            })
            .collect()
    }

    fn child(&self, parent: &[String], key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            e.path.len() == parent.len() + 1
                && e.path[..parent.len()] == *parent
                && e.path[parent.len()] == key
        })
    }

    fn value<'a>(&'a self, e: &Entry) -> Option<&'a str> {
        e.value.clone().map(|r| &self.text[r])
    }

    fn line_col(&self, at: usize) -> (usize, usize) {
        line_col(&self.text, at)
    }
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// A value written out in the file (no expression, anchor, flow collection or block scalar).
fn is_literal(v: &str) -> bool {
    !v.is_empty()
        && !v.contains("${")
        && !v.contains("{{")
        && !v.starts_with(['[', '{', '|', '>', '&', '*', '!'])
}

fn is_number(v: &str) -> bool {
    is_literal(v) && !v.starts_with(['"', '\'']) && v.parse::<f64>().is_ok()
}

fn is_bool(v: &str) -> bool {
    v == "true" || v == "false"
}

// ---------------------------------------------------------------------------------------------
// The corpus: files, their fc resources and their baseline diagnostics.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edition {
    V3,
    Legacy,
}

struct Res {
    name: String,
    /// Path of the resource entry (`resources/<name>` or `services/<name>`).
    path: Vec<String>,
    /// Path of its `props`.
    props: Vec<String>,
}

struct Base {
    file: String,
    path: PathBuf,
    edition: Edition,
    doc: Doc,
    resources: Vec<Res>,
    baseline: Vec<Diagnostic>,
}

impl Base {
    fn text(&self) -> &str {
        &self.doc.text
    }

    /// The `vars` that exist at the top level.
    fn var_names(&self) -> BTreeSet<String> {
        self.doc
            .entries
            .iter()
            .filter(|e| e.path.len() == 2 && e.path[0] == "vars")
            .map(|e| e.path[1].clone())
            .collect()
    }

    /// Whether `v` has a value known before deployment that sdls can compute: a literal,
    /// `${vars.x}` of such a value, or `${env('NAME', 'default')}` (the test sets no env).
    fn resolvable(&self, v: &str, depth: usize) -> bool {
        if depth > 4 || v.contains("{{") {
            return false;
        }
        if is_literal(v) {
            return true;
        }
        let v = unquote(v);
        let Some(inner) = v.strip_prefix("${").and_then(|s| s.strip_suffix('}')) else {
            // Text with `${...}` inside: every expression must be resolvable.
            return expressions(v).is_some_and(|exprs| {
                exprs
                    .iter()
                    .all(|r| self.resolvable(&v[r.clone()], depth + 1))
            });
        };
        if inner.contains("${") || inner.contains('}') {
            return false;
        }
        if let Some(name) = inner.strip_prefix("vars.") {
            return self
                .doc
                .find(&["vars", name])
                .and_then(|e| self.doc.value(e))
                .is_some_and(|x| self.resolvable(x, depth + 1));
        }
        if self.edition == Edition::V3
            && let Some(args) = inner.strip_prefix("env(").and_then(|s| s.strip_suffix(')'))
        {
            let parts: Vec<&str> = args.split(',').map(str::trim).collect();
            return parts.len() == 2
                && parts.iter().all(|p| {
                    p.len() >= 2
                        && ((p.starts_with('\'') && p.ends_with('\''))
                            || (p.starts_with('"') && p.ends_with('"')))
                });
        }
        false
    }
}

/// The `${...}` expressions in `v` (ranges include `${` and `}`); `None` if one is unclosed.
fn expressions(v: &str) -> Option<Vec<Range<usize>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = v[at..].find("${") {
        let start = at + i;
        let end = start + v[start..].find('}')? + 1;
        out.push(start..end);
        at = end;
    }
    Some(out)
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml")
}

fn analyse(path: &Path, text: &str) -> Vec<Diagnostic> {
    let host = MemoryHost::new();
    let input = FileInput {
        path,
        text,
        workspace: None,
    };
    check(&input, &host, CheckOptions::default()).diagnostics
}

fn component_is_pathlike(c: &str) -> bool {
    c.contains("path(") || c.starts_with('.') || c.starts_with('/')
}

fn load_corpus() -> Vec<Base> {
    let dir = corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    let mut bases = Vec::new();
    for file in names {
        if SKIPPED_BASES.contains(&file.as_str()) {
            continue;
        }
        let raw = std::fs::read_to_string(dir.join(&file)).unwrap();
        let text = raw.replace("\r\n", "\n");
        let doc = Doc::parse(&text);
        let edition = match doc
            .find(&["edition"])
            .and_then(|e| doc.value(e))
            .map(unquote)
        {
            Some("3.0.0") => Edition::V3,
            Some("1.0.0" | "2.0.0") => Edition::Legacy,
            _ => continue,
        };
        let top = match edition {
            Edition::V3 => "resources",
            Edition::Legacy => "services",
        };
        let mut resources = Vec::new();
        for e in doc
            .entries
            .iter()
            .filter(|e| e.path.len() == 2 && e.path[0] == top)
        {
            let component = doc
                .child(&e.path, "component")
                .and_then(|c| doc.value(c))
                .map(unquote);
            let Some(props) = doc.child(&e.path, "props") else {
                continue;
            };
            let has = |k: &str| doc.child(&props.path, k).is_some();
            let ok = match (edition, component) {
                (Edition::V3, Some(c)) if c == "fc3" || c.starts_with("fc3@") => true,
                (Edition::V3, Some(c)) if component_is_pathlike(c) => {
                    has("functionName") && (has("runtime") || has("region"))
                }
                (
                    Edition::Legacy,
                    Some("fc" | "devsapp/fc" | "fc-deploy" | "devsapp/fc-deploy"),
                ) => true,
                (Edition::Legacy, Some(c)) if component_is_pathlike(c) => {
                    has("service") || has("function")
                }
                _ => false,
            };
            if ok {
                resources.push(Res {
                    name: e.path[1].clone(),
                    path: e.path.clone(),
                    props: props.path.clone(),
                });
            }
        }
        if resources.is_empty() {
            continue;
        }
        let path = PathBuf::from("/corpus")
            .join(file.replace(".yaml", ""))
            .join("s.yaml");
        let baseline = analyse(&path, &text);
        bases.push(Base {
            file,
            path,
            edition,
            doc,
            resources,
            baseline,
        });
    }
    bases
}

// ---------------------------------------------------------------------------------------------
// Mutations.
// ---------------------------------------------------------------------------------------------

/// One text replacement on the unmutated file.
#[derive(Clone, Debug)]
struct Edit {
    at: usize,
    len: usize,
    new_text: String,
}

impl Edit {
    fn replace(range: Range<usize>, new_text: impl Into<String>) -> Edit {
        Edit {
            at: range.start,
            len: range.end - range.start,
            new_text: new_text.into(),
        }
    }

    fn apply(&self, text: &str) -> String {
        format!(
            "{}{}{}",
            &text[..self.at],
            self.new_text,
            &text[self.at + self.len..]
        )
    }

    /// The range `r` of the unmutated text in the mutated text (`r` must not overlap the edit).
    fn map(&self, r: Range<usize>) -> Range<usize> {
        if r.end <= self.at {
            r
        } else {
            assert!(
                r.start >= self.at + self.len,
                "range {r:?} overlaps the edit {self:?}"
            );
            let shift = |x: usize| x + self.new_text.len() - self.len;
            shift(r.start)..shift(r.end)
        }
    }

    /// The whole inserted text in the mutated file.
    fn new_range(&self) -> Range<usize> {
        self.at..self.at + self.new_text.len()
    }
}

struct Mutation {
    kind: &'static str,
    /// Stable description: line in the unmutated file, property path, old and new text.
    label: String,
    edit: Edit,
    code: &'static str,
    severity: Severity,
    /// Where the diagnostic must be, in the mutated text.
    expected: Range<usize>,
    /// The corresponding range in the unmutated text (where the finding must not be yet).
    baseline: Range<usize>,
}

/// A generator of mutations for one corpus file.
type Generator = fn(&Base, &mut Vec<Mutation>);

/// One row of the mutation table.
struct MutationKind {
    name: &'static str,
    what: &'static str,
    generate: Generator,
}

const KINDS: &[MutationKind] = &[
    MutationKind {
        name: "typo-key",
        what: "a property key with a typo -> unknown-property (warning) on the key",
        generate: typo_key,
    },
    MutationKind {
        name: "wrong-type",
        what: "a value of the wrong type -> type-mismatch on the value",
        generate: wrong_type,
    },
    MutationKind {
        name: "out-of-range",
        what: "memorySize / timeout / cpu / instanceConcurrency out of range -> out-of-range on the value",
        generate: out_of_range,
    },
    MutationKind {
        name: "bad-enum",
        what: "runtime / region / trigger type: implausible -> invalid-value, plausible -> unknown-enum-value",
        generate: bad_enum,
    },
    MutationKind {
        name: "trigger-config-mismatch",
        what: "triggerConfig no longer fits the trigger type -> invalid-value / missing-property",
        generate: trigger_mismatch,
    },
    MutationKind {
        name: "unknown-var",
        what: "an unknown `${vars.x}` -> unresolved-variable on the expression",
        generate: unknown_var,
    },
    MutationKind {
        name: "duplicate-function",
        what: "a resource copied under a new name -> duplicate-function on the copy's name",
        generate: duplicate_function,
    },
];

impl Base {
    fn label(&self, res: &Res, entry: &Entry, old: &str, new: &str) -> String {
        let (line, _) = self.doc.line_col(entry.key.start);
        let rel = entry.path[res.props.len()..].join(".");
        format!("L{line} {}.{rel}: `{old}` -> `{new}`", res.name)
    }

    /// A mutation that replaces `range` and expects the diagnostic on the new text.
    #[allow(clippy::too_many_arguments)]
    fn on_new_text(
        &self,
        kind: &'static str,
        res: &Res,
        entry: &Entry,
        range: Range<usize>,
        new: &str,
        code: &'static str,
        severity: Severity,
    ) -> Mutation {
        let old = &self.text()[range.clone()];
        let edit = Edit::replace(range.clone(), new);
        Mutation {
            kind,
            label: self.label(res, entry, old, new),
            expected: edit.new_range(),
            baseline: range,
            edit,
            code,
            severity,
        }
    }

    /// Props-relative paths of the "function" level: `props` (fc3) or `props.function` (fc).
    fn function_level(&self, rel: &'static str) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.edition == Edition::Legacy {
            out.push("function");
        }
        out.extend(rel.split('.'));
        out
    }

    fn trigger_keys(&self) -> (&'static str, &'static str) {
        match self.edition {
            Edition::V3 => ("triggerType", "triggerConfig"),
            Edition::Legacy => ("type", "config"),
        }
    }

    /// Literal values at a props-relative path (`*` for list items).
    fn literals<'a>(&'a self, res: &Res, rel: &[&str]) -> Vec<&'a Entry> {
        self.doc
            .select(&res.props, rel)
            .into_iter()
            .filter(|e| self.doc.value(e).is_some_and(is_literal))
            .collect()
    }

    /// The trigger type written on the trigger holding `entry` at `triggers/<i>/...`.
    fn trigger_type_of(&self, res: &Res, entry: &Entry) -> Option<&str> {
        let trigger = &entry.path[..res.props.len() + 2];
        let (type_key, _) = self.trigger_keys();
        self.doc
            .child(trigger, type_key)
            .and_then(|e| self.doc.value(e))
    }

    fn has_sibling(&self, entry: &Entry, key: &str) -> bool {
        self.doc
            .child(&entry.path[..entry.path.len() - 1], key)
            .is_some()
    }
}

/// Typos for keys: (key, the key with a typo).
const TYPOS: &[(&str, &str)] = &[
    ("memorySize", "memorySzie"),
    ("timeout", "timout"),
    ("handler", "hanlder"),
    ("runtime", "runtmie"),
    ("internetAccess", "internetAcess"),
    ("diskSize", "diskSzie"),
    ("instanceConcurrency", "instanceConcurency"),
    ("cpu", "cpuu"),
    ("description", "descriptoin"),
    ("environmentVariables", "enviromentVariables"),
    ("codeUri", "codeUrl"),
    ("triggerName", "triggerNmae"),
    ("triggerType", "triggerTpye"),
    ("qualifier", "qualifer"),
    ("authType", "authTpye"),
    ("methods", "methdos"),
    ("disableURLInternet", "disableURLInternt"),
    ("cronExpression", "cronExpresion"),
    ("enable", "enabel"),
    ("payload", "paylaod"),
];

const TYPO_SITES_V3: &[&str] = &[
    "memorySize",
    "timeout",
    "handler",
    "runtime",
    "internetAccess",
    "diskSize",
    "instanceConcurrency",
    "cpu",
    "description",
    "environmentVariables",
    "triggers.*.triggerName",
    "triggers.*.triggerType",
    "triggers.*.qualifier",
    "triggers.*.description",
    "triggers.*.triggerConfig.authType",
    "triggers.*.triggerConfig.methods",
    "triggers.*.triggerConfig.disableURLInternet",
    "triggers.*.triggerConfig.cronExpression",
    "triggers.*.triggerConfig.enable",
    "triggers.*.triggerConfig.payload",
];

const TYPO_SITES_LEGACY: &[&str] = &[
    "function.memorySize",
    "function.timeout",
    "function.handler",
    "function.runtime",
    "function.description",
    "function.instanceConcurrency",
    "function.environmentVariables",
    "function.codeUri",
    "service.internetAccess",
    "service.description",
    "triggers.*.config.authType",
    "triggers.*.config.methods",
];

fn typo_key(base: &Base, out: &mut Vec<Mutation>) {
    let sites = match base.edition {
        Edition::V3 => TYPO_SITES_V3,
        Edition::Legacy => TYPO_SITES_LEGACY,
    };
    for res in &base.resources {
        for site in sites {
            let rel: Vec<&str> = site.split('.').collect();
            let key = *rel.last().unwrap();
            let typo = TYPOS.iter().find(|(k, _)| *k == key).unwrap().1;
            for entry in base.doc.select(&res.props, &rel) {
                // Trigger config keys are declared only for the trigger type they belong to.
                if rel.len() == 4 {
                    let t = base.trigger_type_of(res, entry).map(unquote);
                    let fits = match key {
                        "authType" | "methods" | "disableURLInternet" => t == Some("http"),
                        _ => t == Some("timer"),
                    };
                    if !fits {
                        continue;
                    }
                }
                if base.has_sibling(entry, typo) {
                    continue;
                }
                out.push(base.on_new_text(
                    "typo-key",
                    res,
                    entry,
                    entry.key.clone(),
                    typo,
                    "unknown-property",
                    Severity::Warning,
                ));
            }
        }
    }
}

/// (props-relative path, what the original must be, the wrong value).
type WrongType = (&'static str, fn(&str) -> bool, &'static str);

fn wrong_type(base: &Base, out: &mut Vec<Mutation>) {
    // (props-relative path, what the original must be, the wrong value)
    let (fc3, legacy): (&[WrongType], &[WrongType]) = (
        &[
            ("timeout", is_number, "\"thirty\""),
            ("memorySize", is_number, "\"1GB\""),
            ("cpu", is_number, "two"),
            ("instanceConcurrency", is_number, "\"many\""),
            ("diskSize", is_number, "large"),
            ("internetAccess", is_bool, "12"),
            (
                "triggers.*.triggerConfig.disableURLInternet",
                is_bool,
                "\"no\"",
            ),
            ("triggers.*.triggerConfig.enable", is_bool, "1"),
        ],
        &[
            ("function.timeout", is_number, "\"thirty\""),
            ("function.memorySize", is_number, "\"1GB\""),
            ("function.instanceConcurrency", is_number, "\"many\""),
            ("service.internetAccess", is_bool, "12"),
        ],
    );
    let table = match base.edition {
        Edition::V3 => fc3,
        Edition::Legacy => legacy,
    };
    for res in &base.resources {
        for (site, original_ok, wrong) in table {
            let rel: Vec<&str> = site.split('.').collect();
            for entry in base.doc.select(&res.props, &rel) {
                let Some(v) = base.doc.value(entry) else {
                    continue;
                };
                if !original_ok(v) {
                    continue;
                }
                if rel.len() == 4 {
                    let t = base.trigger_type_of(res, entry).map(unquote);
                    let want = if *rel.last().unwrap() == "enable" {
                        "timer"
                    } else {
                        "http"
                    };
                    if t != Some(want) {
                        continue;
                    }
                }
                let range = entry.value.clone().unwrap();
                out.push(base.on_new_text(
                    "wrong-type",
                    res,
                    entry,
                    range,
                    wrong,
                    "type-mismatch",
                    Severity::Error,
                ));
            }
        }
    }
}

fn out_of_range(base: &Base, out: &mut Vec<Mutation>) {
    let table: &[(&'static str, &[&str])] = &[
        ("memorySize", &["64", "1000", "40000"]),
        ("timeout", &["0", "100000"]),
        ("cpu", &["0.33", "20"]),
        ("instanceConcurrency", &["0", "201"]),
    ];
    for res in &base.resources {
        for (field, values) in table {
            let rel = base.function_level(field);
            for entry in base.doc.select(&res.props, &rel) {
                let Some(v) = base.doc.value(entry) else {
                    continue;
                };
                if !is_number(v) {
                    continue;
                }
                // GPU functions may use more memory than 32 GB.
                let gpu = base.has_sibling(entry, "gpuConfig")
                    || base.has_sibling(entry, "gpuMemorySize");
                for new in *values {
                    if *new == v || (*field == "memorySize" && *new == "40000" && gpu) {
                        continue;
                    }
                    let range = entry.value.clone().unwrap();
                    out.push(base.on_new_text(
                        "out-of-range",
                        res,
                        entry,
                        range,
                        new,
                        "out-of-range",
                        Severity::Error,
                    ));
                }
            }
        }
    }
}

/// A runtime that is not plausible at all: two letters of the family name swapped.
fn implausible_runtime(r: &str) -> Option<String> {
    let chars: Vec<char> = r.chars().collect();
    if chars.len() < 4 {
        return None;
    }
    let mut c = chars.clone();
    c.swap(2, 3);
    let s: String = c.into_iter().collect();
    let families = [
        "nodejs",
        "python",
        "java",
        "php",
        "dotnetcore",
        "go",
        "custom",
    ];
    (s != r && !families.iter().any(|f| s.starts_with(f))).then_some(s)
}

/// A runtime that looks like a new version of the same family.
fn future_runtime(r: &str) -> Option<&'static str> {
    Some(if r.starts_with("nodejs") {
        "nodejs22"
    } else if r.starts_with("python") {
        "python3.13"
    } else if r.starts_with("java") {
        "java21"
    } else if r.starts_with("php") {
        "php8.1"
    } else if r.starts_with("dotnetcore") {
        "dotnetcore6.0"
    } else if r.starts_with("custom") {
        "custom.debian13"
    } else if r.starts_with("go") {
        "go2"
    } else {
        return None;
    })
}

/// A region with two letters of its second part swapped: `cn-hangzhou` -> `cn-hangzhuo`.
fn region_typo(r: &str) -> Option<String> {
    let mut parts: Vec<String> = r.split('-').map(str::to_string).collect();
    let second = parts.get_mut(1)?;
    let mut c: Vec<char> = second.chars().collect();
    let n = c.len();
    if n < 3 || c[n - 1] == c[n - 2] {
        return None;
    }
    c.swap(n - 1, n - 2);
    *second = c.into_iter().collect();
    Some(parts.join("-"))
}

fn trigger_type_typo(t: &str) -> Option<String> {
    let mut c: Vec<char> = t.chars().collect();
    if c.len() < 3 {
        return None;
    }
    let n = c.len();
    c.swap(n - 1, n - 2);
    let s: String = c.into_iter().collect();
    (s != t).then_some(s)
}

fn bad_enum(base: &Base, out: &mut Vec<Mutation>) {
    let (type_key, _) = base.trigger_keys();
    for res in &base.resources {
        let mut push = |entry: &Entry, new: String, code: &'static str, severity: Severity| {
            let range = entry.value.clone().unwrap();
            out.push(base.on_new_text("bad-enum", res, entry, range, &new, code, severity));
        };
        for entry in base.literals(res, &base.function_level("runtime")) {
            let v = unquote(base.doc.value(entry).unwrap());
            if let Some(bad) = implausible_runtime(v) {
                push(entry, bad, "invalid-value", Severity::Error);
            }
            if let Some(new) = future_runtime(v).filter(|n| *n != v) {
                push(
                    entry,
                    new.to_string(),
                    "unknown-enum-value",
                    Severity::Warning,
                );
            }
        }
        for entry in base.literals(res, &["region"]) {
            let v = unquote(base.doc.value(entry).unwrap());
            push(entry, "xx".to_string(), "invalid-value", Severity::Error);
            if let Some(new) = region_typo(v) {
                push(entry, new, "unknown-enum-value", Severity::Warning);
            }
        }
        for entry in base.literals(res, &["triggers", "*", type_key]) {
            let v = unquote(base.doc.value(entry).unwrap());
            if let Some(new) = trigger_type_typo(v) {
                push(entry, new, "invalid-value", Severity::Error);
            }
        }
    }
}

fn trigger_mismatch(base: &Base, out: &mut Vec<Mutation>) {
    let (type_key, config_key) = base.trigger_keys();
    const KIND: &str = "trigger-config-mismatch";
    for res in &base.resources {
        for trigger_type in base.literals(res, &["triggers", "*", type_key]) {
            let trigger = &trigger_type.path[..trigger_type.path.len() - 1];
            let Some(config) = base.doc.child(trigger, config_key) else {
                continue;
            };
            // The config must be a mapping written in the file (block, or `{}`).
            let config_value = base.doc.value(config);
            if config_value.is_some_and(|v| v != "{}") {
                continue;
            }
            let t = unquote(base.doc.value(trigger_type).unwrap());
            let has = |k: &str| base.doc.child(&config.path, k).is_some();

            // The trigger type changes so that the config misses the new type's required keys.
            let new_type = if t == "http" {
                (!has("cronExpression") || !has("enable")).then_some("timer")
            } else {
                (!has("authType") || !has("methods")).then_some("http")
            };
            if let Some(new_type) = new_type {
                let range = trigger_type.value.clone().unwrap();
                let edit = Edit::replace(range.clone(), new_type);
                out.push(Mutation {
                    kind: KIND,
                    label: base.label(res, trigger_type, &base.text()[range], new_type),
                    expected: edit.map(config.key.clone()),
                    baseline: config.key.clone(),
                    edit,
                    code: "missing-property",
                    severity: Severity::Error,
                });
            }
            if t != "http" {
                continue;
            }
            // An http trigger with an authType that does not exist.
            if let Some(auth) = base.doc.child(&config.path, "authType")
                && base.doc.value(auth).is_some_and(is_literal)
            {
                out.push(base.on_new_text(
                    KIND,
                    res,
                    auth,
                    auth.value.clone().unwrap(),
                    "bogus",
                    "invalid-value",
                    Severity::Error,
                ));
            }
            // An http trigger without `methods` (another key stays, so the config is a mapping).
            if let Some(methods) = base.doc.child(&config.path, "methods")
                && has("authType")
            {
                let end = (methods.end + 1).min(base.text().len());
                let edit = Edit::replace(methods.line_start..end, "");
                out.push(Mutation {
                    kind: KIND,
                    label: base.label(res, methods, "methods: ...", "(removed)"),
                    expected: edit.map(config.key.clone()),
                    baseline: config.key.clone(),
                    edit,
                    code: "missing-property",
                    severity: Severity::Error,
                });
            }
        }
    }
}

/// `region` -> `regoin`: two letters near the end swapped (or an `x` appended).
fn var_typo(name: &str) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let n = c.len();
    if n >= 4 && c[n - 3] != c[n - 2] {
        c.swap(n - 3, n - 2);
        c.into_iter().collect()
    } else {
        format!("{name}x")
    }
}

fn unknown_var(base: &Base, out: &mut Vec<Mutation>) {
    const KIND: &str = "unknown-var";
    let severity = match base.edition {
        Edition::V3 => Severity::Error,
        // The legacy engine leaves an unknown `${vars.x}` as text: a warning.
        Edition::Legacy => Severity::Warning,
    };
    let vars = base.var_names();
    for res in &base.resources {
        // A literal replaced by a variable that does not exist.
        for field in ["timeout", "memorySize", "handler"] {
            for entry in base.literals(res, &base.function_level(field)) {
                out.push(base.on_new_text(
                    KIND,
                    res,
                    entry,
                    entry.value.clone().unwrap(),
                    "${vars.nosuchvar}",
                    "unresolved-variable",
                    severity,
                ));
            }
        }
        // An existing `${vars.name}` with a typo in the name.
        let Some(props) = base
            .doc
            .find(&res.props.iter().map(String::as_str).collect::<Vec<_>>())
        else {
            continue;
        };
        let text = base.text();
        let mut at = props.line_start;
        while let Some(i) = text[at..props.end].find("${vars.") {
            let start = at + i;
            at = start + 7;
            let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |p| start + p);
            if start >= line_start + content_end(&text[line_start..line_end]) {
                continue; // in a comment
            }
            let name_len = text[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(0);
            if name_len == 0 || !text[at + name_len..].starts_with('}') {
                continue;
            }
            let name = &text[at..at + name_len];
            let typo = var_typo(name);
            if vars.contains(&typo) {
                continue;
            }
            let old = &text[start..at + name_len + 1];
            let new = format!("${{vars.{typo}}}");
            let edit = Edit::replace(start..at + name_len + 1, new.clone());
            let entry = base
                .doc
                .entries
                .iter()
                .filter(|e| e.line_start <= start && start < e.end.max(e.line_start + 1))
                .max_by_key(|e| e.path.len());
            let (line, col) = base.doc.line_col(start);
            let rel = entry
                .filter(|e| e.path.starts_with(&res.props) && e.path.len() > res.props.len())
                .map(|e| e.path[res.props.len()..].join("."))
                .unwrap_or_default();
            out.push(Mutation {
                kind: KIND,
                label: format!("L{line}:{col} {}.{rel}: `{old}` -> `{new}`", res.name),
                expected: edit.new_range(),
                baseline: edit.at..edit.at + edit.len,
                edit,
                code: "unresolved-variable",
                severity,
            });
        }
    }
}

fn duplicate_function(base: &Base, out: &mut Vec<Mutation>) {
    let text = base.text();
    for res in &base.resources {
        let entry = base
            .doc
            .find(&res.path.iter().map(String::as_str).collect::<Vec<_>>())
            .unwrap();
        let (name_rel, key_rels): (&[&str], Vec<&[&str]>) = match base.edition {
            Edition::V3 => (&["functionName"], vec![&["region"], &["functionName"]]),
            Edition::Legacy => (
                &["function", "name"],
                vec![&["region"], &["service", "name"], &["function", "name"]],
            ),
        };
        let known = key_rels.iter().all(|rel| {
            let found = base.doc.select(&res.props, rel);
            found.len() == 1
                && base
                    .doc
                    .value(found[0])
                    .is_some_and(|v| base.resolvable(v, 0))
        });
        if !known {
            continue;
        }
        let name_entry = base.doc.select(&res.props, name_rel)[0];
        // The diagnostic is on the name's value; when that is one `${...}` (quoted or not), on
        // the expression.
        let mut name_value = name_entry.value.clone().unwrap();
        let written = &text[name_value.clone()];
        let inner = unquote(written);
        if inner.starts_with("${")
            && expressions(inner).is_some_and(|e| e.len() == 1 && e[0] == (0..inner.len()))
        {
            let skip = usize::from(inner.len() != written.len());
            name_value = name_value.start + skip..name_value.start + skip + inner.len();
        }
        let new_name = format!("{}Dup", res.name);
        let copy = format!(
            "{}{}{}\n",
            &text[entry.line_start..entry.key.start],
            new_name,
            &text[entry.key.end..entry.end]
        );
        let (at, prefix) = if text[entry.end..].starts_with('\n') {
            (entry.end + 1, "")
        } else {
            (entry.end, "\n")
        };
        let insert = format!("{prefix}{copy}");
        let offset_in_copy =
            prefix.len() + (name_value.start - entry.line_start) + new_name.len() - res.name.len();
        let expected = at + offset_in_copy..at + offset_in_copy + name_value.len();
        let edit = Edit {
            at,
            len: 0,
            new_text: insert,
        };
        let (line, _) = base.doc.line_col(entry.key.start);
        out.push(Mutation {
            kind: "duplicate-function",
            label: format!(
                "L{line} {} copied as {new_name} (name `{}`)",
                res.name,
                &text[name_value.clone()]
            ),
            expected,
            baseline: name_value,
            edit,
            code: "duplicate-function",
            severity: Severity::Error,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Checking one mutation.
// ---------------------------------------------------------------------------------------------

fn range_of(d: &Diagnostic) -> Range<usize> {
    usize::from(d.range.start())..usize::from(d.range.end())
}

fn describe(text: &str, d: &Diagnostic) -> String {
    let r = range_of(d);
    let (line, col) = line_col(text, r.start);
    format!(
        "{line}:{col} {}[{}] {:?} `{}`: {}",
        d.severity.as_str(),
        d.code,
        r,
        text.get(r.clone())
            .unwrap_or("<out of bounds>")
            .replace('\n', "\\n"),
        d.message
    )
}

/// Applies the mutation, analyses the result and checks the expected finding; `Err` describes
/// what went wrong (expected vs the diagnostics actually found near the expected range).
fn check_mutation(base: &Base, m: &Mutation) -> Result<(), String> {
    let original = base.text();
    if let Some(d) = base
        .baseline
        .iter()
        .find(|d| d.code == m.code && range_of(d) == m.baseline)
    {
        return Err(format!(
            "the unmutated file already has the finding: {}",
            describe(original, d)
        ));
    }
    let text = m.edit.apply(original);
    let diagnostics = analyse(&base.path, &text);
    let found = diagnostics
        .iter()
        .any(|d| d.code == m.code && range_of(d) == m.expected && d.severity == m.severity);
    if found {
        return Ok(());
    }
    let (line, col) = line_col(&text, m.expected.start);
    let (end_line, _) = line_col(&text, m.expected.end);
    let nearby: Vec<String> = diagnostics
        .iter()
        .filter(|d| {
            let (l, _) = line_col(&text, range_of(d).start);
            l + 2 >= line && l <= end_line + 2 || d.code == m.code
        })
        .map(|d| format!("      {}", describe(&text, d)))
        .collect();
    Err(format!(
        "expected {}[{}] at {line}:{col} {:?} `{}`; found nearby:\n{}",
        m.severity.as_str(),
        m.code,
        m.expected,
        &text[m.expected.clone()],
        if nearby.is_empty() {
            "      (nothing)".to_string()
        } else {
            nearby.join("\n")
        }
    ))
}

// ---------------------------------------------------------------------------------------------
// The test.
// ---------------------------------------------------------------------------------------------

#[test]
fn corpus_mutations_are_reported_with_the_right_code_and_range() {
    let started = Instant::now();
    let bases = load_corpus();
    assert!(
        bases.len() >= 30,
        "only {} corpus files have fc resources",
        bases.len()
    );

    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_edition: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures: Vec<(String, String, String)> = Vec::new();
    let mut labels: BTreeSet<(String, String)> = BTreeSet::new();
    let mut total = 0usize;
    // `MUTATIONS_VERBOSE=1 cargo test -p analysis --test mutations -- --nocapture` lists them all.
    let verbose = std::env::var_os("MUTATIONS_VERBOSE").is_some();
    for base in &bases {
        for kind in KINDS {
            let mut mutations = Vec::new();
            (kind.generate)(base, &mut mutations);
            for m in mutations {
                assert_eq!(m.kind, kind.name);
                assert!(
                    labels.insert((base.file.clone(), m.label.clone())),
                    "duplicate mutation label {} in {}",
                    m.label,
                    base.file
                );
                total += 1;
                *per_kind.entry(kind.name).or_default() += 1;
                *per_edition
                    .entry(match base.edition {
                        Edition::V3 => "3.0.0",
                        Edition::Legacy => "1.0.0",
                    })
                    .or_default() += 1;
                if verbose {
                    println!(
                        "{} | {}: {} | expect {}[{}] {:?}",
                        base.file,
                        m.kind,
                        m.label,
                        m.severity.as_str(),
                        m.code,
                        m.expected
                    );
                }
                if let Err(why) = check_mutation(base, &m) {
                    failures.push((base.file.clone(), format!("{}: {}", m.kind, m.label), why));
                }
            }
        }
    }

    println!("{total} mutations over {} corpus files", bases.len());
    for kind in KINDS {
        println!(
            "  {:<24} {:>4}  ({})",
            kind.name,
            per_kind.get(kind.name).copied().unwrap_or(0),
            kind.what
        );
    }
    for (edition, n) in &per_edition {
        println!("  edition {edition}: {n}");
    }
    assert!(total >= 100, "only {total} mutations");
    for kind in KINDS {
        assert!(
            per_kind.get(kind.name).copied().unwrap_or(0) > 0,
            "no mutation of kind {}",
            kind.name
        );
    }

    let gaps: BTreeSet<(String, String)> = KNOWN_GAPS
        .iter()
        .map(|(f, l)| (f.to_string(), l.to_string()))
        .collect();
    let failing: BTreeSet<(String, String)> = failures
        .iter()
        .map(|(f, l, _)| (f.clone(), l.clone()))
        .collect();
    let mut report = String::new();
    for (file, label, why) in &failures {
        let known = gaps.contains(&(file.clone(), label.clone()));
        report.push_str(&format!(
            "\n{}{file}\n  {label}\n  {why}\n",
            if known { "[known gap] " } else { "" }
        ));
    }
    let fixed: Vec<&(String, String)> = gaps.difference(&failing).collect();
    let new: Vec<&(String, String)> = failing.difference(&gaps).collect();
    println!(
        "{} failing ({} known gaps), checked in {:.2?}",
        failures.len(),
        gaps.len(),
        started.elapsed()
    );
    if !new.is_empty() || !fixed.is_empty() {
        for f in &fixed {
            report.push_str(&format!(
                "\nKNOWN_GAPS entry no longer fails (remove it): {f:?}"
            ));
        }
        panic!(
            "{} mutation(s) not reported as expected, {} known gap(s) now pass:\n{report}",
            new.len(),
            fixed.len()
        );
    } else if !failures.is_empty() {
        println!("known gaps:{report}");
    }
}
