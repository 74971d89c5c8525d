//! `sdls deploy [FILE] [--resource NAME]... [--use-local|--use-remote] [--type code|config] [-y]
//! [--plan PLAN] [--remote …] [--access …]`: deploys each edition 3.0.0 function of the file
//! with fc3's semantics, one function at a time, each guarded by its three-way status
//! (ops::deploy). One line per function says what was done or why it was refused and how to
//! proceed. Exit codes (D17): 0 done, 2 anything refused (what was done is still reported), 1 a
//! failure.
//!
//! With `--plan PLAN` (written by `sdls plan --out PLAN`, D16/D33) only the functions of the
//! plan are deployed, and each only if its file config, local code and remote are what the plan
//! saw ([`ops::saved_plan::changes`]); otherwise it is refused with what changed. The other
//! flags apply as without a plan: the plan records what was seen, not how to act on it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use ops::connect::{self, Connection, Plan};
use ops::deploy::{self, DeployError, DeployOptions, DeployOutcome, Mode, Part};
use ops::embedded::LocalEmulator;
use ops::local::LocalFunction;
use ops::saved_plan::{self, PlannedFunction};

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

Saved plans: with --plan PLAN (from `sdls plan --out PLAN`), FILE defaults to the plan's s.yaml, \
only the plan's functions are deployed, and any whose file config, local code or remote changed \
since the plan is refused with what changed (nothing is written for it). The other flags apply as \
without a plan.

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
    /// Deploy a saved plan (`sdls plan --out PLAN`): refused for functions changed since
    #[arg(long, value_name = "PLAN")]
    plan: Option<PathBuf>,
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
    // A saved plan is read first: it names the s.yaml when FILE is not given, and a bad plan
    // file stops everything before any remote is touched.
    let saved = match &args.plan {
        Some(plan_path) => Some((plan_path.clone(), saved_plan::read(plan_path)?)),
        None => None,
    };
    let path = match (&args.file, &saved) {
        (Some(p), Some((plan_path, saved))) => {
            let given = plan::absolute_file(p, &cwd);
            if given != saved.file {
                bail!(
                    "the saved plan {} was made for {}, not {}; run `sdls plan {} --out {}` to plan this file",
                    plan_path.display(),
                    saved.file.display(),
                    given.display(),
                    p.display(),
                    plan_path.display()
                );
            }
            p.clone()
        }
        (Some(p), None) => p.clone(),
        (None, Some((_, saved))) => saved.file.clone(),
        (None, None) => default_file(&cwd)?,
    };
    let mut loaded = plan::load(&path, &cwd)?;
    if !args.resource.is_empty() {
        loaded.only(&args.resource)?;
    }
    let mut endings = Vec::new();
    if let Some((plan_path, saved)) = &saved {
        // Functions of the file the plan does not hold were not reviewed: not deployed.
        loaded.functions.retain(|function| {
            let planned = saved.function(&function.resource).is_some();
            if !planned {
                println!(
                    "{} ({}): not in the saved plan {}, not deployed (run `sdls plan --out {}` to include it)",
                    function.resource,
                    function.function_name,
                    plan_path.display(),
                    plan_path.display()
                );
            }
            planned
        });
        // Functions the plan holds that the file no longer declares: the file changed.
        for planned in &saved.functions {
            let wanted = args.resource.is_empty() || args.resource.contains(&planned.resource);
            let declared = loaded
                .functions
                .iter()
                .any(|f| f.resource == planned.resource)
                || loaded
                    .skipped
                    .iter()
                    .any(|s| s.resource == planned.resource);
            if wanted && !declared {
                println!(
                    "{} ({}): refused — it is in the saved plan {} but no longer in {}; nothing was deployed. Run `sdls plan --out {}` again",
                    planned.resource,
                    planned.function_name,
                    plan_path.display(),
                    path.display(),
                    plan_path.display()
                );
                endings.push(Ending::Refused);
            }
        }
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
    runtime.block_on(async {
        let mut emulator: Option<LocalEmulator> = None;
        for function in &loaded.functions {
            let guard = saved.as_ref().and_then(|(plan_path, saved)| {
                saved
                    .function(&function.resource)
                    .map(|planned| PlanGuard { plan_path, planned })
            });
            let ending = deploy_one(
                function,
                &loaded.file_dir,
                &remote,
                &mut emulator,
                options,
                interactive,
                guard,
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

/// The saved plan a function is deployed from.
#[derive(Clone, Copy)]
struct PlanGuard<'a> {
    plan_path: &'a Path,
    planned: &'a PlannedFunction,
}

/// Deploys one function and prints its line. With a `guard`, the function is refused unless
/// it is as the saved plan saw it.
async fn deploy_one(
    function: &LocalFunction,
    file_dir: &Path,
    remote: &ops::connect::RemoteOptions,
    emulator: &mut Option<LocalEmulator>,
    mut options: DeployOptions,
    interactive: bool,
    guard: Option<PlanGuard<'_>>,
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
    if let Some(PlanGuard { plan_path, planned }) = guard {
        let now = saved_plan::planned(function, &acted.read, acted.report.status);
        let changes = saved_plan::changes(planned, &now);
        if !changes.is_empty() {
            let what: Vec<String> = changes.iter().map(ToString::to_string).collect();
            println!(
                "{label}: refused — {} (saved plan {}); nothing was deployed. Run `sdls plan --out {}` again, review it, then deploy it",
                what.join("; "),
                plan_path.display(),
                plan_path.display()
            );
            return Ending::Refused;
        }
    }
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
pub(crate) async fn connection(
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
pub(crate) fn ask(question: &str) -> bool {
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
