//! `sdls deploy [FILE] [--resource NAME]... [--use-local|--use-remote] [--type code|config] [-y]
//! [--remote …] [--access …]`: deploys each edition 3.0.0 function of the file with fc3's
//! semantics, one function at a time, each guarded by its three-way status (ops::deploy). One
//! line per function says what was done or why it was refused and how to proceed. Exit codes
//! (D17): 0 done, 2 anything refused (what was done is still reported), 1 a failure.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use ops::connect::{self, Connection, Plan};
use ops::deploy::{self, DeployError, DeployOptions, DeployOutcome, Mode, Part};
use ops::embedded::LocalEmulator;
use ops::local::LocalFunction;

use crate::cmd::plan;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DeployType {
    /// Only the code
    Code,
    /// Everything but the code
    Config,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Confirmation: overwriting remote changes (--use-local over remote-drift, conflict, untracked or \
deleted-remotely) asks for confirmation on a terminal. With -y nothing is asked. Without -y and \
without a terminal on stdin (scripts, CI), nothing is asked either: functions that need no \
confirmation (not-deployed, local-changes, in-sync) are deployed and the others are refused.

Exit codes: 0 done, 2 anything refused (what was done is reported), 1 a failure.")]
pub(crate) struct DeployArgs {
    /// The s.yaml (default: s.yaml or s.yml in the current directory)
    file: Option<PathBuf>,
    /// Only this resource (repeatable)
    #[arg(long, value_name = "NAME")]
    resource: Vec<String>,
    /// The file wins over remote changes (asks for confirmation unless -y)
    #[arg(long, conflicts_with = "use_remote")]
    use_local: bool,
    /// Leave functions changed remotely as they are (with --type code, still ship new code)
    #[arg(long)]
    use_remote: bool,
    /// Deploy only the code or only the configuration
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    part: Option<DeployType>,
    /// Do not ask for confirmation
    #[arg(long = "assume-yes", short = 'y')]
    yes: bool,
    /// Which remote: auto (the cloud with credentials, else the local emulator), local, aliyun,
    /// or an endpoint URL
    #[arg(long, value_name = "REMOTE", env = "SDLS_REMOTE")]
    remote: Option<String>,
    /// Access alias of ~/.s/access.yaml (default: `access:` in the file, then `default`)
    #[arg(long, short = 'a', value_name = "ALIAS")]
    access: Option<String>,
}

/// How one function ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Done,
    Refused,
    Failed,
}

pub(crate) fn run(args: DeployArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => default_file(&cwd)?,
    };
    let mut loaded = plan::load(&path, &cwd)?;
    if !args.resource.is_empty() {
        loaded.only(&args.resource)?;
    }
    let remote = plan::engine_options(args.remote.clone(), args.access.clone(), 1)?.remote;
    let options = DeployOptions {
        mode: if args.use_local {
            Mode::UseLocal
        } else if args.use_remote {
            Mode::UseRemote
        } else {
            Mode::Default
        },
        part: match args.part {
            None => Part::All,
            Some(DeployType::Code) => Part::Code,
            Some(DeployType::Config) => Part::Config,
        },
        confirmed: args.yes,
        local: false,
    };
    let interactive = !args.yes && std::io::stdin().is_terminal();
    let runtime = super::runtime()?;
    let mut endings = Vec::new();
    runtime.block_on(async {
        let mut emulator: Option<LocalEmulator> = None;
        for function in &loaded.functions {
            let ending = deploy_one(
                function,
                &loaded.file_dir,
                &remote,
                &mut emulator,
                options,
                interactive,
            )
            .await;
            endings.push(ending);
        }
    });
    for skipped in &loaded.skipped {
        println!(
            "{}: refused — {} (fix the file; `sdls check` shows why)",
            skipped.resource, skipped.reason
        );
        endings.push(Ending::Refused);
    }
    Ok(if endings.contains(&Ending::Failed) {
        1
    } else if endings.contains(&Ending::Refused) {
        2
    } else {
        0
    })
}

/// Deploys one function and prints its line.
async fn deploy_one(
    function: &LocalFunction,
    file_dir: &Path,
    remote: &ops::connect::RemoteOptions,
    emulator: &mut Option<LocalEmulator>,
    mut options: DeployOptions,
    interactive: bool,
) -> Ending {
    let label = format!("{} ({})", function.resource, function.function_name);
    let connection = match connection(function, file_dir, remote, emulator).await {
        Ok(c) => c,
        Err(e) => {
            println!("{label}: failed — {e:#}");
            return Ending::Failed;
        }
    };
    let Some(account) = connection.account_id.clone() else {
        println!(
            "{label}: failed — the credentials have no AccountID, so the deploy cannot be recorded in .s/deployed/; add AccountID to the credentials"
        );
        return Ending::Failed;
    };
    let acted = deploy::status(
        &connection.client,
        function,
        file_dir,
        Some(&account),
        &connection.label,
    )
    .await;
    let status = acted.report.status;
    // D14: `auto` is refused on the cloud; the emulator gets placeholders.
    options.local = connection.local;
    if options.mode == Mode::UseLocal && deploy::needs_confirmation(status) && interactive {
        options.confirmed = ask(&format!(
            "{label}: {} — overwrite the remote with the file? [y/N] ",
            status.as_str()
        ));
    }
    match deploy::deploy_function(
        &connection.client,
        function,
        file_dir,
        &account,
        &acted,
        &options,
    )
    .await
    {
        Ok(DeployOutcome::Done { applied }) if applied.is_empty() => {
            println!("{label}: in sync, nothing to deploy");
            Ending::Done
        }
        Ok(DeployOutcome::Done { applied }) => {
            println!("{label}: deployed — {}", applied.join(", "));
            Ending::Done
        }
        Ok(DeployOutcome::Skipped { reason }) => {
            println!("{label}: skipped — {reason}");
            Ending::Done
        }
        Ok(DeployOutcome::Refused { reason }) => {
            println!("{label}: refused — {reason}");
            Ending::Refused
        }
        Err(e @ DeployError::Changed { .. }) => {
            // Nothing was written: like a refusal, the user decides again on fresh facts.
            println!("{label}: refused — {e}");
            Ending::Refused
        }
        Err(e) => {
            println!("{label}: failed — {e}");
            Ending::Failed
        }
    }
}

/// A client for the function's remote; the local emulator is started (or joined) once.
async fn connection(
    function: &LocalFunction,
    file_dir: &Path,
    remote: &ops::connect::RemoteOptions,
    emulator: &mut Option<LocalEmulator>,
) -> Result<Connection> {
    let plan = connect::choose(
        remote,
        &function.region,
        function.endpoint.as_deref(),
        function.access.as_deref(),
    )?;
    if matches!(plan, Plan::Local) && emulator.is_none() {
        *emulator = Some(connect::local_emulator(file_dir, remote).await?);
    }
    Ok(connect::client(
        &plan,
        &function.region,
        emulator.as_ref(),
        remote,
    )?)
}

/// Asks a yes/no question on the terminal; anything but `y`/`yes` is no.
fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn default_file(cwd: &Path) -> Result<PathBuf> {
    for name in ["s.yaml", "s.yml"] {
        if cwd.join(name).is_file() {
            return Ok(PathBuf::from(name));
        }
    }
    bail!(
        "the s.yaml/s.yml file was not found in {}; give a path: sdls deploy path/to/s.yaml",
        cwd.display()
    )
}
