//! `sdls demo`: the core loop on a copy of `examples/quickstart`, against the embedded local
//! emulator (D34), step by step: check the file, plan (not deployed), `sdls deploy`, plan (in
//! sync), a teammate's console change made through the FC API, plan (remote drift on exactly that
//! field), `sdls pull` (one line of s.yaml changes), plan (in sync). Exit 0 when every step
//! behaves, 1 when one does not (the step says what it expected).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use tokio_util::sync::CancellationToken;

use ops::connect::{self, Plan};
use ops::engine::DriftEngine;
use ops::plan::PlanReport;
use ops::status::Status;

use super::plan::{Loaded, compute, engine_options, load};
use crate::render;

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// The project to copy (default: examples/quickstart)
    #[arg(long, value_name = "DIR", default_value = "examples/quickstart")]
    project: PathBuf,
    /// Where to put the copy (default: a new folder under the system temp folder)
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
}

pub(crate) fn run(args: DemoArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let source = if args.project.is_absolute() {
        args.project.clone()
    } else {
        cwd.join(&args.project)
    };
    if !source.join("s.yaml").is_file() {
        bail!(
            "{} has no s.yaml; run the demo from the sdls checkout or give --project DIR",
            args.project.display()
        );
    }
    let target = match &args.into {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!(
            "sdls-demo-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        )),
    };
    if target.exists() && std::fs::read_dir(&target)?.next().is_some() {
        bail!(
            "{} is not empty; give an empty or new folder with --into",
            target.display()
        );
    }
    copy_dir(&source, &target)?;
    println!(
        "sdls demo: the drift loop on a copy of {} in {}\n  against the embedded local emulator (.s/emulator/ in that folder)\n",
        args.project.display(),
        target.display()
    );
    let runtime = super::runtime()?;
    runtime.block_on(steps(&target))
}

async fn steps(dir: &Path) -> Result<u8> {
    // 1. check
    println!("1. sdls check s.yaml");
    let checked = super::check::check_file(&dir.join("s.yaml"), dir)?;
    let errors = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == analysis::Severity::Error)
        .count();
    if checked.diagnostics.is_empty() {
        println!("   no findings: the file is valid, every ${{…}} resolved\n");
    } else {
        print!("{}", render::human::render(std::slice::from_ref(&checked)));
    }
    if errors > 0 {
        return failed("the quickstart should have no errors");
    }
    let loaded = load(Path::new("s.yaml"), dir)?;
    let engine = DriftEngine::new(engine_options(Some("local".into()), None, 8)?);
    let cancel = CancellationToken::new();

    // 2. plan: not deployed
    println!("2. sdls plan --remote local");
    let report = plan(&loaded, &engine, &cancel).await;
    if !all(&report, Status::NotDeployed) {
        return failed("every function should be not-deployed on a fresh emulator");
    }

    // 3. sdls deploy
    println!("3. sdls deploy --remote local -y");
    if !sdls(dir, &["deploy", "--remote", "local", "-y"])? {
        return failed("sdls deploy should deploy the quickstart");
    }
    let options = engine.options().remote;
    let emulator = connect::local_emulator(&loaded.file_dir, &options).await?;
    let mut clients = Vec::new();
    for function in &loaded.functions {
        let connection =
            connect::client(&Plan::Local, &function.region, Some(&emulator), &options)?;
        clients.push(connection.client);
    }

    // 4. plan: in sync
    println!("4. sdls plan --remote local");
    let report = plan(&loaded, &engine, &cancel).await;
    if !all(&report, Status::InSync) {
        return failed("a freshly created function should be in sync (no false drift)");
    }

    // 5. a teammate changes memorySize in the console
    let (Some(function), Some(client)) = (loaded.functions.first(), clients.first()) else {
        return failed("the project should declare a function");
    };
    let live = client.get_function(&function.function_name, None).await?;
    let before = live.memory_size.unwrap_or(512);
    let after = if before >= 1024 { 512 } else { before * 2 };
    println!(
        "5. a teammate changes memorySize {before} → {after} in the console (UpdateFunction through the FC API)\n"
    );
    client
        .update_function(
            &function.function_name,
            &fc::types::Function {
                memory_size: Some(after),
                ..fc::types::Function::default()
            },
        )
        .await?;

    // 6. plan: remote drift on exactly memorySize
    println!("6. sdls plan --remote local");
    let report = plan(&loaded, &engine, &cancel).await;
    let drifted = report.functions.first().is_some_and(|f| {
        f.status == Status::RemoteDrift
            && f.fields.len() == 1
            && f.fields[0].path.dotted() == "memorySize"
    });
    if !drifted {
        return failed("the console change should show as remote-drift on memorySize alone");
    }

    // 7. sdls pull: the console change into the file, as the smallest edit
    println!("7. sdls pull --remote local");
    let before = std::fs::read_to_string(dir.join("s.yaml"))?;
    if !sdls(dir, &["pull", "--remote", "local"])? {
        return failed("sdls pull should pull memorySize into the file");
    }
    let after = std::fs::read_to_string(dir.join("s.yaml"))?;
    let changed: Vec<String> = before
        .lines()
        .zip(after.lines())
        .filter(|(b, a)| b != a)
        .map(|(b, a)| format!("   - {b}\n   + {a}"))
        .collect();
    if changed.len() != 1 || before.lines().count() != after.lines().count() {
        return failed("the pull should change exactly one line of s.yaml");
    }
    println!(
        "   s.yaml, the one line that changed:\n{}\n",
        changed.join("\n")
    );

    // 8. plan: in sync again
    println!("8. sdls plan --remote local");
    let loaded = load(Path::new("s.yaml"), dir)?;
    let report = plan(&loaded, &engine, &cancel).await;
    if !all(&report, Status::InSync) {
        return failed("after the pull the file and the live function should be in sync");
    }
    println!(
        "The demo behaved: the console change showed as remote drift on exactly the field that changed, and pull brought it into s.yaml without touching anything else.\nExplore the copy: cd {} && sdls plan --remote local",
        loaded.file_dir.display()
    );
    Ok(0)
}

async fn plan(
    loaded: &Loaded,
    engine: &std::sync::Arc<DriftEngine>,
    cancel: &CancellationToken,
) -> PlanReport {
    engine.clear();
    let report = compute(loaded, engine, cancel, false, false).await;
    let text = render::plan::human(&loaded.path, &report);
    for line in text.lines().skip(2) {
        println!("   {line}");
    }
    println!();
    report
}

/// Runs this very binary with `args` in `dir` (what a user would type), its output indented.
fn sdls(dir: &Path, args: &[&str]) -> Result<bool> {
    let binary = std::env::current_exe().context("cannot find the sdls binary")?;
    let output = std::process::Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run sdls {}", args.join(" ")))?;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        println!("   {line}");
    }
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        println!("   {line}");
    }
    println!();
    Ok(output.status.success())
}

fn all(report: &PlanReport, status: Status) -> bool {
    !report.functions.is_empty() && report.functions.iter().all(|f| f.status == status)
}

fn failed(expected: &str) -> Result<u8> {
    eprintln!("sdls demo: a step did not behave: {expected}");
    Ok(1)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        // Never copy state of an earlier run (.s/) into the demo.
        if name == ".s" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            copy_dir(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name))
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}
