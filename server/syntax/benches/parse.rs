//! YAML parsing of a generated 1,000-function s.yaml (10k lines, CJK and emoji in every
//! function): saphyr-parser's events alone (the floor) vs our tree builder.
//!
//! cargo bench -p syntax --bench parse

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use saphyr_parser::Parser;

fn generate(functions: usize) -> String {
    let mut s =
        String::from("edition: 3.0.0\nname: bench\nvars:\n  region: cn-hangzhou\nresources:\n");
    for i in 0..functions {
        s.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: bench-fn-{i}\n      description: 第{i}个函数 🚀\n      runtime: python3.10\n      code: ./code\n      handler: index.handler\n      memorySize: 512\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generate(1_000);
    let ascii = text.replace("第", "n").replace("个函数 🚀", " function");
    let mut group = c.benchmark_group("parse-1000");
    group.sample_size(30);
    group.bench_function("events", |b| {
        b.iter(|| {
            let mut parser = Parser::new_from_str(&text);
            let mut n = 0usize;
            while let Some(Ok(e)) = parser.next_event() {
                n += 1;
                black_box(&e);
            }
            n
        })
    });
    group.bench_function("tree", |b| b.iter(|| black_box(syntax::parse(&text))));
    group.bench_function("tree-ascii", |b| {
        b.iter(|| black_box(syntax::parse(&ascii)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
