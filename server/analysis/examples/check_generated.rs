//! Runs `check` once on a generated file of N functions (default 1,000): a target for
//! `valgrind --tool=callgrind`, which counts instructions where wall-clock timing is too noisy.
//!
//! cargo build --release -p analysis --example check_generated
//! valgrind --tool=callgrind target/release/examples/check_generated 1000

use std::path::Path;

use analysis::{CheckOptions, FileInput, MemoryHost, check};

fn main() {
    let functions: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let mut text = String::from(
        "edition: 3.0.0\nname: bench\nvars:\n  region: cn-hangzhou\n  memory: 512\nresources:\n",
    );
    for i in 0..functions {
        text.push_str(&format!(
            "  fn{i}:\n    component: fc3\n    props:\n      region: ${{vars.region}}\n      functionName: bench-fn-{i}\n      description: 第{i}个函数 🚀\n      runtime: python3.10\n      code: ./code\n      handler: index.handler\n      memorySize: ${{vars.memory}}\n"
        ));
    }
    let input = FileInput {
        path: Path::new("/bench/s.yaml"),
        text: &text,
        workspace: None,
    };
    let analysis = check(&input, &MemoryHost::new(), CheckOptions::default());
    println!(
        "{} lines, {} diagnostics",
        text.lines().count(),
        analysis.diagnostics.len()
    );
}
