//! `check` on generated s.yaml files of 10 / 1,000 / 5,000 fc3 functions. Goal: 1,000 functions in
//! under 10 ms on a 2-core machine, growing linearly. Results: docs/BENCHMARKS.md.
//!
//! cargo bench -p analysis --bench check

use std::hint::black_box;
use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, check};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A realistic file with `functions` fc3 resources of 10 lines each (1,000 functions ≈ 10k
/// lines, the scale), or 19 lines each with a template and an http trigger (`rich`).
fn generate(functions: usize, rich: bool) -> String {
    let mut s = String::from(
        "edition: 3.0.0\nname: bench\nvars:\n  region: cn-hangzhou\n  memory: 512\ntemplate:\n  base:\n    runtime: python3.10\n    timeout: 30\n    internetAccess: true\nresources:\n",
    );
    for i in 0..functions {
        if rich {
            s.push_str(&format!(
                "  fn{i}:\n    component: fc3\n    extend:\n      name: base\n    props:\n      region: ${{vars.region}}\n      functionName: bench-fn-{i}\n      description: 第{i}个函数 🚀\n      code: ./code\n      handler: index.handler\n      memorySize: ${{vars.memory}}\n      cpu: 0.35\n      environmentVariables:\n        STAGE: ${{env('STAGE', 'dev')}}\n      triggers:\n        - triggerName: http\n          triggerType: http\n          triggerConfig:\n            authType: anonymous\n            methods: [GET, POST]\n"
            ));
        } else {
            s.push_str(&format!(
                "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: bench-fn-{i}\n      description: 第{i}个函数 🚀\n      runtime: python3.10\n      code: ./code\n      handler: index.handler\n      memorySize: ${{vars.memory}}\n"
            ));
        }
    }
    s
}

fn bench_check(c: &mut Criterion) {
    let host = MemoryHost::new();
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    for (shape, rich) in [("functions", false), ("rich-functions", true)] {
        for functions in [10usize, 1_000, 5_000] {
            let text = generate(functions, rich);
            group.throughput(Throughput::Elements(functions as u64));
            group.bench_with_input(BenchmarkId::new(shape, functions), &text, |b, text| {
                b.iter(|| {
                    let input = FileInput {
                        path: Path::new("/bench/s.yaml"),
                        text,
                        workspace: None,
                    };
                    let analysis = check(&input, &host, CheckOptions::default());
                    assert!(
                        analysis.diagnostics.is_empty(),
                        "{:?}",
                        &analysis.diagnostics[..1.min(analysis.diagnostics.len())]
                    );
                    black_box(analysis)
                });
            });
        }
    }
    group.finish();
}

/// The floor: YAML parsing alone (saphyr-parser events into our tree).
fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    {
        let functions = 1_000usize;
        let text = generate(functions, false);
        group.bench_with_input(
            BenchmarkId::new("functions", functions),
            &text,
            |b, text| {
                b.iter(|| black_box(syntax::parse(text)));
            },
        );
    }
    group.finish();
}

/// An edit inside one function of a large file: `diagnostics_after_edit` on top of the full
/// analysis of the text before (what the language server publishes first, D4).
fn bench_incremental(c: &mut Criterion) {
    let host = MemoryHost::new();
    let mut group = c.benchmark_group("edit");
    group.sample_size(30);
    for (shape, rich) in [("functions", false), ("rich-functions", true)] {
        for functions in [1_000usize, 5_000] {
            let text = generate(functions, rich);
            let path = Path::new("/bench/s.yaml");
            let input = |text| FileInput {
                path,
                text,
                workspace: None,
            };
            let previous = check(&input(&text), &host, CheckOptions::default());
            let base = analysis::EditBase::new(&previous).expect("eligible");
            let middle = format!("bench-fn-{}\n", functions / 2);
            let at = text.find(&middle).expect("middle function") + middle.len();
            let edited = format!("{}      timeout: 99\n{}", &text[..at], &text[at..]);
            group.bench_function(BenchmarkId::new(shape, functions), |b| {
                b.iter(|| {
                    let found = analysis::diagnostics_after_edit(
                        &base,
                        &input(&edited),
                        &host,
                        CheckOptions::default(),
                    )
                    .expect("the incremental path applies");
                    black_box(found.diagnostics)
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_check, bench_parse, bench_incremental);
criterion_main!(benches);
