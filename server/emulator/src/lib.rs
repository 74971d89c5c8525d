//! A local Function Compute 3.0-compatible server (fc-api.md §14): the management API with the
//! real wire shapes and error codes, ACS3 signature verification, persistence that survives
//! restarts and `kill -9`, fault injection, a request log, and function execution (python,
//! nodejs and custom runtimes). It runs as its own process (`sdls emulator`, D19); sdls's
//! other crates know it by URL only.
//!
//! Entry point: [`serve`] with a bound loopback listener and a [`Config`]. One account
//! ([`Config::account_id`]) and one namespace per region (D20): the region comes from the `Host`
//! when clients use real FC host names with the emulator as their HTTP proxy, else
//! [`Config::default_region`].

mod api;
mod auth;
pub mod exec;
pub mod faults;
mod reqlog;
mod server;
mod store;
pub mod testkit;
mod timers;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use faults::FaultConfig;

/// The account id the emulator answers with unless configured otherwise (printed at start).
pub const DEFAULT_ACCOUNT_ID: &str = "1000000000000001";
/// The region of clients in direct mode (`endpoint = 127.0.0.1:PORT`) unless configured.
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// The local test AccessKey id accepted by default. Not a secret: it opens nothing but the
/// emulator (D19).
pub const DEFAULT_ACCESS_KEY_ID: &str = "LTAIsdlsEmulatorLocal";
/// The local test AccessKey secret accepted by default (not a secret, D19).
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "sdls-emulator-local-secret-0123456789";
/// The clock window of fc-api.md §10.6.
pub const DEFAULT_CLOCK_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A temporary (STS) key the emulator accepts: requests must carry exactly this token.
#[derive(Clone, PartialEq, Eq)]
pub struct StsCredential {
    pub access_key_id: String,
    pub secret: String,
    pub security_token: String,
}

impl fmt::Debug for StsCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsCredential")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// How the emulator runs. `Debug` never shows secrets.
#[derive(Clone)]
pub struct Config {
    /// State, code blobs, unpacked code and the request log live here.
    pub data_dir: PathBuf,
    /// The one account (`functionArn`s, `accountId`s).
    pub account_id: String,
    /// Accepted permanent keys: (AccessKey id, secret).
    pub credentials: Vec<(String, String)>,
    /// Accepted temporary keys.
    pub sts_credentials: Vec<StsCredential>,
    /// The region of requests whose `Host` is not a real FC host name.
    pub default_region: String,
    /// Reject requests whose `x-acs-date` is further than this from now; `None` disables the
    /// clock check (vector replay).
    pub clock_window: Option<Duration>,
    /// Reject a repeated `x-acs-signature-nonce` (per AccessKey, remembered for the clock window
    /// or 15 minutes).
    pub check_nonce: bool,
    /// Injected latency, errors and dropped connections (changeable at run time through
    /// `POST /__emulator/faults`).
    pub faults: FaultConfig,
    /// Seed of the random choices (alias weights, faults); `None` seeds from the clock.
    pub seed: Option<u64>,
    /// Return `cpu`, `diskSize 512` and `instanceConcurrency 1` when a function never set them
    /// (fc-api.md §14 item 13); off by default (null/absent, as the real service for a small
    /// python function).
    pub fill_defaults: bool,
    /// GetFunction reports `lastUpdateStatus: InProgress` for this many reads after each write
    /// (fc-api.md §7.3, §14 item 18); 0 by default.
    pub in_progress_reads: u32,
    /// Stop by itself after this long without any request (the embedded emulator of D19 exits
    /// after 10 idle minutes); `None` (the default) serves until cancelled.
    pub idle_timeout: Option<Duration>,
    /// Fire enabled timer triggers on their `cronExpression` (`@every <duration>` or a 6-field
    /// cron expression in UTC) with FC's timer event (fc-api.md §5.2, §14 item 26); off by
    /// default so tests stay deterministic.
    pub fire_timers: bool,
}

impl Config {
    /// The defaults: [`DEFAULT_ACCOUNT_ID`], the local test pair, [`DEFAULT_REGION`], a 15-minute
    /// clock window with nonce checks, no faults.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            credentials: vec![(
                DEFAULT_ACCESS_KEY_ID.to_owned(),
                DEFAULT_ACCESS_KEY_SECRET.to_owned(),
            )],
            sts_credentials: Vec::new(),
            default_region: DEFAULT_REGION.to_owned(),
            clock_window: Some(DEFAULT_CLOCK_WINDOW),
            check_nonce: true,
            faults: FaultConfig::default(),
            seed: None,
            fill_defaults: false,
            in_progress_reads: 0,
            idle_timeout: None,
            fire_timers: false,
        }
    }

    /// Whether the only accepted permanent key is the built-in local test pair.
    pub fn uses_default_credentials(&self) -> bool {
        self.credentials.len() == 1
            && self.credentials.first().is_some_and(|(id, secret)| {
                id == DEFAULT_ACCESS_KEY_ID && secret == DEFAULT_ACCESS_KEY_SECRET
            })
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.credentials.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("account_id", &self.account_id)
            .field("access_key_ids", &ids)
            .field("sts_credentials", &self.sts_credentials)
            .field("default_region", &self.default_region)
            .field("clock_window", &self.clock_window)
            .field("check_nonce", &self.check_nonce)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("fill_defaults", &self.fill_defaults)
            .field("in_progress_reads", &self.in_progress_reads)
            .field("idle_timeout", &self.idle_timeout)
            .field("fire_timers", &self.fire_timers)
            .finish()
    }
}

/// Why the emulator could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the emulator state in {path} cannot be read: {message}")]
    State { path: PathBuf, message: String },
    #[error("invalid emulator configuration: {0}")]
    Config(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Serves the FC API on `listener` until `shutdown` is cancelled (or [`Config::idle_timeout`]
/// passes without a request), then stops accepting, lets in-flight requests finish and stops the
/// executor's instances.
///
/// # Errors
/// The data directory cannot be created or its state cannot be read; the listener fails.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    server::run(listener, config, shutdown).await
}
