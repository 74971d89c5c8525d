//! The incremental path (D4) gives exactly the full check's diagnostics: every corpus file and
//! generated files, edited at many places in many ways; whenever `diagnostics_after_edit`
//! answers, it equals `check` on the new text.

use std::path::{Path, PathBuf};

use analysis::{
    CheckOptions, Diagnostic, EditBase, FileInput, MemoryHost, check, diagnostics_after_edit,
};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/s-yaml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn key(d: &Diagnostic) -> String {
    format!(
        "{:?} {:?} {} {} {:?} {:?}",
        d.range, d.severity, d.code, d.message, d.related, d.fixes
    )
}

fn sorted(ds: &[Diagnostic]) -> Vec<String> {
    let mut v: Vec<String> = ds.iter().map(key).collect();
    v.sort();
    v
}

/// Edits at line `n`: change a value, insert a key, delete a line, break the YAML.
fn edits(text: &str, seed: usize) -> Vec<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = Vec::new();
    if lines.is_empty() {
        return out;
    }
    for k in 0..6 {
        let n = (seed * 7 + k * 13) % lines.len();
        let mut ls: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let indent: String = ls[n].chars().take_while(|c| *c == ' ').collect();
        match k % 6 {
            0 => ls[n] = ls[n].replacen(':', ": x", 1).replace(": x ", ": x"),
            1 => ls.insert(n + 1, format!("{indent}memorySzie: 512\n")),
            2 => {
                ls.remove(n);
            }
            3 => ls[n] = ls[n].replace("512", "100"),
            4 => ls.insert(n, format!("{indent}timeout: ${{vars.nope}}\n")),
            _ => ls[n] = format!("{indent}: [\n"),
        }
        out.push(ls.concat());
    }
    out
}

fn compare(path: &Path, old: &str, new: &str, host: &MemoryHost) -> Option<bool> {
    let options = CheckOptions::default();
    let input = |text| FileInput {
        path,
        text,
        workspace: None,
    };
    let previous = check(&input(old), host, options);
    let base = EditBase::new(&previous)?;
    let after = diagnostics_after_edit(&base, &input(new), host, options)?;
    let (fast, next) = (after.diagnostics, after.base);
    let full = check(&input(new), host, options);
    let mut same = sorted(&fast) == sorted(&full.diagnostics);
    // Chained: undoing the edit from the returned base gives the first text's diagnostics.
    if same && let Some(back) = diagnostics_after_edit(&next, &input(old), host, options) {
        same = sorted(&back.diagnostics) == sorted(&previous.diagnostics);
        if !same {
            eprintln!("{}: undo through the chained base differs", path.display());
        }
    }
    if !same {
        eprintln!(
            "{}: incremental differs\n--- new text ---\n{new}\n--- fast ---\n{:#?}\n--- full ---\n{:#?}",
            path.display(),
            sorted(&fast),
            sorted(&full.diagnostics)
        );
    }
    Some(same)
}

#[test]
fn corpus_edits_match_the_full_check() {
    let host = MemoryHost::new();
    let (mut answered, mut total) = (0, 0);
    for (i, path) in corpus().iter().enumerate() {
        let text = std::fs::read_to_string(path)
            .expect("utf-8")
            .replace("\r\n", "\n");
        for new in edits(&text, i) {
            if new == text {
                continue;
            }
            total += 1;
            if let Some(same) = compare(path, &text, &new, &host) {
                answered += 1;
                assert!(same, "{}", path.display());
            }
        }
    }
    eprintln!("incremental answered {answered} of {total}");
    // The fast path must actually be taken for a good share of edits (edits of keys, of the
    // top level and YAML-breaking ones rightly take the full check).
    assert!(answered >= 60, "incremental answered {answered} of {total}");
}

fn generated(n: usize) -> String {
    let mut s = String::from(
        "edition: 3.0.0\nname: gen\nvars:\n  region: cn-hangzhou\n  mem: 512\nresources:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: f{i}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n      memorySize: ${{vars.mem}}\n      timeout: 10\n      environmentVariables:\n        PEER: ${{resources.fn{}.props.functionName}}\n",
            (i + 1) % n
        ));
    }
    s.push_str("flow:\n  deploy:\n    - [fn0]\n");
    s
}

#[test]
fn generated_edits_match_the_full_check() {
    let host = MemoryHost::new().with_file("/g/code/index.py", "x");
    let path = Path::new("/g/s.yaml");
    let text = generated(30);
    let mut answered = 0;
    for (i, new) in edits(&text, 3)
        .into_iter()
        .chain(edits(&text, 11))
        .chain([
            text.replace(
                "timeout: 10\n      environmentVariables:\n        PEER: ${resources.fn5",
                "timeout: 99999\n      environmentVariables:\n        PEER: ${resources.fn5",
            ),
            text.replacen("runtime: python3.10", "runtime: python9", 1),
            text.replace(
                "PEER: ${resources.fn8.props.functionName}",
                "PEER: ${resources.fn8.props.nothing}",
            ),
        ])
        .enumerate()
    {
        if let Some(same) = compare(path, &text, &new, &host) {
            answered += 1;
            assert!(same, "edit {i}");
        }
    }
    eprintln!("generated: answered {answered}");
    assert!(answered >= 6, "answered {answered}");
}

/// Hover and completion on the partial analysis (before the full one is ready) answer as the
/// full analysis does, at every offset of the edited resource.
#[test]
fn partial_analysis_answers_like_the_full_one() {
    use analysis::ide;
    let host = MemoryHost::new().with_file("/g/code/index.py", "x");
    let path = Path::new("/g/s.yaml");
    let options = CheckOptions::default();
    let input = |text| FileInput {
        path,
        text,
        workspace: None,
    };
    let text = generated(20);
    let at = text.find("      functionName: f6\n").expect("fn6");
    let edited = format!("{}      memo:\n{}", &text[..at], &text[at..]);
    let base = EditBase::new(&check(&input(&text), &host, options)).expect("eligible");
    let after = diagnostics_after_edit(&base, &input(&edited), &host, options).expect("fast path");
    let full = check(&input(&edited), &host, options);
    let partial = &after.partial;
    let start = edited.find("  fn6:").expect("fn6");
    let end = edited.find("  fn7:").expect("fn7");
    let mut compared = 0;
    for offset in start..end {
        if !edited.is_char_boundary(offset) {
            continue;
        }
        let real = syntax::TextSize::from(offset as u32);
        let Some(at) = partial.to_partial(real) else {
            continue;
        };
        compared += 1;
        let want = ide::hover(&full, real);
        let got = ide::hover(&partial.analysis, at).map(|h| ide::HoverResult {
            range: partial.to_real(h.range),
            markdown: h.markdown,
        });
        assert_eq!(got, want, "hover at {offset}");
        let want = ide::completion(&full, &host, path, real);
        let got: Vec<ide::CompletionItem> = ide::completion(&partial.analysis, &host, path, at)
            .into_iter()
            .map(|mut c| {
                c.replace_range = partial.to_real(c.replace_range);
                c
            })
            .collect();
        // Ranking by usage counts the whole file: compare what is offered, not the order.
        let labels = |v: &[ide::CompletionItem]| {
            let mut l: Vec<(String, u32, u32)> = v
                .iter()
                .map(|c| {
                    let r = c.replace_range;
                    (c.label.clone(), u32::from(r.start()), u32::from(r.end()))
                })
                .collect();
            l.sort();
            l
        };
        assert_eq!(labels(&got), labels(&want), "completion at {offset}");
    }
    assert!(compared > 100, "compared {compared}");
}
