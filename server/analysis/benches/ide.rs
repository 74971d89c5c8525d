//! Hover and completion on a generated s.yaml of 5,000 fc3 functions (the same shape as the
//! `check` bench). Goal: p50 ≤ 2 ms each; the analysis is computed once, as the language server
//! keeps the newest one.
//!
//! cargo bench -p analysis --bench ide

use std::hint::black_box;
use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, check, ide};
use criterion::{Criterion, criterion_group, criterion_main};
use syntax::TextSize;

fn generate(functions: usize) -> String {
    let mut s = String::from(
        "edition: 3.0.0\nname: bench\nvars:\n  region: cn-hangzhou\n  memory: 512\ntemplate:\n  base:\n    runtime: python3.10\n    timeout: 30\n    internetAccess: true\nresources:\n",
    );
    for i in 0..functions {
        s.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    extend:\n      name: base\n    props:\n      region: ${{vars.region}}\n      functionName: bench-fn-{i}\n      description: 第{i}个函数 🚀\n      code: ./code\n      handler: index.handler\n      memorySize: ${{vars.memory}}\n      cpu: 0.35\n      environmentVariables:\n        STAGE: ${{env('STAGE', 'dev')}}\n      triggers:\n        - triggerName: http\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET, POST]\n"
        ));
    }
    s
}

fn at(text: &str, needle: &str, from_end: bool, delta: usize) -> TextSize {
    let i = if from_end {
        text.rfind(needle)
    } else {
        text.find(needle)
    }
    .expect("needle");
    TextSize::from((i + delta) as u32)
}

fn bench_ide(c: &mut Criterion) {
    let host = MemoryHost::new().with_file("/bench/.env", "STAGE=prod\nREGION=cn-beijing\n");
    let path = Path::new("/bench/s.yaml");
    let text = generate(5_000);
    let input = FileInput {
        path,
        text: &text,
        workspace: None,
    };
    let analysis = check(&input, &host, CheckOptions::default());
    let mut group = c.benchmark_group("ide-5000");
    group.sample_size(50);
    let cases = [
        ("hover-key-last-fn", at(&text, "memorySize", true, 3)),
        ("hover-var-last-fn", at(&text, "${vars.memory}", true, 4)),
        ("hover-env-last-fn", at(&text, "${env('STAGE'", true, 8)),
    ];
    for (name, offset) in cases {
        group.bench_function(name, |b| {
            b.iter(|| black_box(ide::hover(&analysis, offset)));
        });
    }
    let completions = [
        (
            "complete-value-region-last-fn",
            at(&text, "region: ${vars.region}", true, 8),
        ),
        (
            "complete-vars-last-fn",
            at(&text, "${vars.memory}", true, 7),
        ),
        ("complete-methods-last-fn", at(&text, "POST]", true, 0)),
    ];
    for (name, offset) in completions {
        group.bench_function(name, |b| {
            b.iter(|| black_box(ide::completion(&analysis, &host, path, offset)));
        });
    }
    // Keys on an empty line in the last function (the text still parses).
    let mut typed = text.clone();
    let insert = typed.rfind("      code: ./code").expect("code");
    typed.insert_str(insert, "      \n");
    let input = FileInput {
        path,
        text: &typed,
        workspace: None,
    };
    let analysis_empty_line = check(&input, &host, CheckOptions::default());
    let offset = TextSize::from((insert + 6) as u32);
    group.bench_function("complete-keys-empty-line-last-fn", |b| {
        b.iter(|| black_box(ide::completion(&analysis_empty_line, &host, path, offset)));
    });
    // Mid-typing: `      memo` does not parse; the analysis holds the partial tree.
    let mut broken = text.clone();
    broken.insert_str(insert, "      memo\n");
    let input = FileInput {
        path,
        text: &broken,
        workspace: None,
    };
    let analysis_broken = check(&input, &host, CheckOptions::default());
    let offset = TextSize::from((insert + 10) as u32);
    group.bench_function("complete-partial-key-broken-last-fn", |b| {
        b.iter(|| black_box(ide::completion(&analysis_broken, &host, path, offset)));
    });
    let offset = at(&text, "${env('STAGE'", true, 8);
    group.bench_function("complete-env-names-last-fn", |b| {
        b.iter(|| black_box(ide::completion(&analysis, &host, path, offset)));
    });
    group.finish();
}

criterion_group!(benches, bench_ide);
criterion_main!(benches);
