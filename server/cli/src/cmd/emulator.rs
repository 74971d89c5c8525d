//! `sdls emulator`: runs the local FC 3.0-compatible emulator (D19) on a loopback address until
//! SIGINT/SIGTERM. Prints `listening on http://127.0.0.1:PORT` (the real port when PORT is 0), the
//! account and region, and the local test credentials it accepts (the built-in pair's secret is
//! printed because it opens nothing but the emulator; a secret given on the command line is not
//! echoed). Exit 0 on a clean shutdown, 1 when it cannot start (port in use, bad data directory).
//!
//! With `--lock-file PATH` it also writes, once listening, a 0600 JSON file with its url, pid,
//! account id and local credentials, and removes it when it stops (if it still names this
//! process): the embedded emulator of `ops::embedded` (D19) is found through it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use emulator::{Config, FaultConfig};
use ops::embedded::LockFile;
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on (loopback only; port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Data directory (state, code, request log)
    #[arg(long, default_value = ".s/emulator")]
    data: PathBuf,
    /// Latency added to every API request, in milliseconds
    #[arg(long, value_name = "N")]
    latency_ms: Option<u64>,
    /// Probability (0-1) of answering an API request with 503/429 instead
    #[arg(long, value_name = "P")]
    fault_rate: Option<f64>,
    /// Region of clients that connect directly (not through a real FC host name)
    #[arg(long, value_name = "R", env = "SDLS_EMULATOR_REGION")]
    region: Option<String>,
    /// Account id in ARNs
    #[arg(long, value_name = "ID", env = "SDLS_EMULATOR_ACCOUNT_ID")]
    account_id: Option<String>,
    /// AccessKey id to accept instead of the built-in local pair
    #[arg(
        long,
        value_name = "K",
        requires = "access_key_secret",
        env = "SDLS_EMULATOR_ACCESS_KEY_ID"
    )]
    access_key_id: Option<String>,
    /// AccessKey secret that goes with --access-key-id
    #[arg(
        long,
        value_name = "S",
        requires = "access_key_id",
        env = "SDLS_EMULATOR_ACCESS_KEY_SECRET",
        hide_env_values = true
    )]
    access_key_secret: Option<String>,
    /// Accept any x-acs-date and repeated nonces (for replaying recorded requests)
    #[arg(long)]
    no_clock_check: bool,
    /// Seed for alias routing and fault draws (reproducible runs)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Exit by itself after this many seconds without a request
    #[arg(long, value_name = "SECS")]
    idle_exit: Option<u64>,
    /// Fire enabled timer triggers on their cronExpression (`@every 1m`, 6-field cron in UTC)
    #[arg(long)]
    fire_timers: bool,
    /// Write url, pid, account id and local credentials to this JSON file (0600) once listening,
    /// and remove it on shutdown: how other sdls processes find a shared emulator (D19)
    #[arg(long, value_name = "PATH")]
    lock_file: Option<PathBuf>,
}

pub(crate) async fn run(args: EmulatorArgs) -> Result<u8> {
    if !args.listen.ip().is_loopback() {
        bail!(
            "the emulator only listens on loopback addresses (127.0.0.1), not {}",
            args.listen
        );
    }
    let mut config = Config::new(&args.data);
    if let Some(region) = &args.region {
        config.default_region = region.clone();
    }
    if let Some(account) = &args.account_id {
        config.account_id = account.clone();
    }
    if let (Some(id), Some(secret)) = (&args.access_key_id, &args.access_key_secret) {
        config.credentials = vec![(id.clone(), secret.clone())];
    }
    if args.no_clock_check {
        config.clock_window = None;
        config.check_nonce = false;
    }
    config.seed = args.seed;
    config.idle_timeout = args.idle_exit.map(std::time::Duration::from_secs);
    config.fire_timers = args.fire_timers;
    config.faults = FaultConfig {
        latency_ms: args.latency_ms.unwrap_or(0),
        error_rate: args.fault_rate.unwrap_or(0.0),
        ..FaultConfig::default()
    };
    if let Err(e) = config.faults.validate() {
        bail!("invalid fault options: {e}");
    }

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener
        .local_addr()
        .context("cannot read the listening address")?;

    let signals = install_signals();
    if let Some(path) = &args.lock_file {
        let (id, secret) = config
            .credentials
            .first()
            .cloned()
            .context("the emulator accepts no access key to put in the lock file")?;
        let lock = LockFile {
            url: format!("http://{local}"),
            pid: std::process::id(),
            account_id: config.account_id.clone(),
            access_key_id: id,
            access_key_secret: secret,
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        write_lock_file(path, &lock)
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
    }

    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{local}")?;
    writeln!(out, "data directory: {}", args.data.display())?;
    writeln!(out, "account id: {}", config.account_id)?;
    writeln!(out, "default region: {}", config.default_region)?;
    for (id, _) in &config.credentials {
        writeln!(out, "access key id: {id}")?;
    }
    if config.uses_default_credentials() {
        writeln!(
            out,
            "access key secret: {} (local test credentials: they open nothing but this emulator)",
            emulator::DEFAULT_ACCESS_KEY_SECRET
        )?;
    } else {
        writeln!(
            out,
            "access key secret: (as given with --access-key-secret)"
        )?;
    }
    out.flush()?;
    drop(out);

    let token = CancellationToken::new();
    let signals = tokio::spawn(wait_for_signal(signals, token.clone()));
    let served = emulator::serve(listener, config, token.clone()).await;
    signals.abort();
    // Whatever the reason it stopped (signal, idle exit, error), nobody may join it any more.
    if let Some(path) = &args.lock_file {
        remove_lock_file(path);
    }
    served.context("the emulator stopped with an error")?;
    eprintln!("sdls emulator: stopped");
    Ok(0)
}

/// Writes the lock file atomically (temp file beside it, fsync, rename) so a reader never sees
/// half of it, readable by the owner only (it holds the local credentials).
fn write_lock_file(path: &Path, lock: &LockFile) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lock.json");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover of a dead process with the same pid would keep its permissions: start afresh.
    let _ = std::fs::remove_file(&temp);
    let written = (|| -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        let text = serde_json::to_vec_pretty(lock).map_err(std::io::Error::other)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    Ok(written?)
}

/// Removes the lock file if it still names this process: another emulator may have replaced
/// it after judging this one dead, and its lock must survive our exit.
fn remove_lock_file(path: &Path) {
    let ours = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<LockFile>(&bytes).ok())
        .is_some_and(|lock| lock.pid == std::process::id());
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// The signal handlers, installed before the emulator says it is ready (banner, lock file):
/// a SIGTERM sent the moment the lock file appears must reach the clean shutdown, not the
/// default action that would leave the lock file behind.
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

fn install_signals() -> Signals {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }
    #[cfg(not(unix))]
    {
        Signals {}
    }
}

/// The next delivery of `signal`, or never when it could not be installed.
#[cfg(unix)]
async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// Cancels `token` on SIGINT or SIGTERM.
async fn wait_for_signal(mut signals: Signals, token: CancellationToken) {
    #[cfg(unix)]
    {
        if signals.interrupt.is_none() && signals.terminate.is_none() {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            tokio::select! {
                _ = next(&mut signals.interrupt) => {}
                _ = next(&mut signals.terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = &mut signals;
        let _ = tokio::signal::ctrl_c().await;
    }
    token.cancel();
    // A second Ctrl-C while shutting down stops at once.
    tokio::spawn(async move {
        #[cfg(unix)]
        next(&mut signals.interrupt).await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        std::process::exit(1);
    });
}
