//! `sdls`: the Serverless Devs language server and CLI. Exit codes: 0 ok, 1 tool error,
//! 2 findings (errors found), 99 a threshold breached.

mod cmd;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "sdls",
    version,
    about = "Serverless Devs language server and CLI for s.yaml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check s.yaml files: YAML, schema, magic variables and semantic rules
    Check(cmd::check::CheckArgs),
    /// Run the language server on stdin/stdout (for editors)
    Serve(cmd::serve::ServeArgs),
    /// The drift loop on a copy of examples/quickstart against the local emulator, step by step
    Demo(cmd::demo::DemoArgs),
    /// Show each function's drift: file vs last deploy vs live (exit 0 in sync, 2 differences)
    Plan(cmd::plan::PlanArgs),
    /// Deploy the file's functions, guarded by their drift status (exit 0 done, 2 refused)
    Deploy(cmd::deploy::DeployArgs),
    /// Show the resolved model as `s preview` does, resources in run order (exit 2: unresolvable)
    Preview(cmd::preview::PreviewArgs),
    /// Write the remote config of drifted functions into the s.yaml (--dry-run shows the diff)
    Pull(cmd::pull::PullArgs),
    /// Run the local Function Compute 3.0-compatible emulator on 127.0.0.1
    Emulator(cmd::emulator::EmulatorArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(1),
            };
        }
    };
    let result = match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Deploy(args) => cmd::deploy::run(args),
        Command::Pull(args) => cmd::pull::run(args),
        Command::Preview(args) => cmd::preview::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Emulator(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(cmd::emulator::run(args))),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("sdls: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
