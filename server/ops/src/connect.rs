//! Which remote a function is read from, and a client for it (D18, D19): `--remote`, the
//! `sdls.remote` setting, `props.endpoint`, `FC_CLIENT_CUSTOM_ENDPOINT`, the defaults; with no
//! credentials at all and nothing chosen explicitly, the embedded local emulator. Every label the
//! user sees says `local` when the emulator is the remote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fc::client::{Client, ClientConfig, RetryPolicy};
use fc::credentials::{self, Credentials, Inputs};
use fc::endpoint::{self, EndpointInputs, Remote};
use fc::sign::AccessKey;

use crate::embedded::{self, LocalEmulator};

/// Everything that decides the remote besides the function itself.
#[derive(Clone, Debug, Default)]
pub struct RemoteOptions {
    /// `--remote local|aliyun|URL` (or `auto`/unset).
    pub remote_flag: Option<String>,
    /// The `sdls.remote` setting.
    pub remote_setting: Option<String>,
    /// `--access` / the `sdls.access` setting (wins over `access:` in the file).
    pub access: Option<String>,
    /// A snapshot of the environment.
    pub env: BTreeMap<String, String>,
    /// The OS home (for `~/.s/access.yaml`).
    pub home: PathBuf,
    /// The `sdls` binary that runs `sdls emulator` for the embedded remote.
    pub sdls_binary: PathBuf,
    /// Retry policy of the clients (tests shorten it).
    pub retry: Option<RetryPolicy>,
    /// Timeout of one attempt.
    pub timeout: Option<Duration>,
}

impl RemoteOptions {
    /// `auto` means "not chosen".
    fn flag(&self) -> Option<&str> {
        self.remote_flag
            .as_deref()
            .filter(|r| !r.trim().eq_ignore_ascii_case("auto"))
    }

    fn setting(&self) -> Option<&str> {
        self.remote_setting
            .as_deref()
            .filter(|r| !r.trim().eq_ignore_ascii_case("auto"))
    }
}

/// A client for one region of one remote.
#[derive(Clone, Debug)]
pub struct Connection {
    pub client: Client,
    /// The account the baselines are keyed by (`None`: credentials without an AccountID).
    pub account_id: Option<String>,
    /// `local`, or the management endpoint's URL.
    pub label: String,
    pub local: bool,
}

/// Why no client could be made; the message says what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no credentials: set AccountID, AccessKeyID and AccessKeySecret, add an alias with `s config add`, or use --remote local"
    )]
    NoCredentials,
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("endpoint: {0}")]
    Endpoint(String),
    #[error("{0}")]
    Local(String),
    #[error("client: {0}")]
    Client(String),
}

/// What decided the remote for a function, before any process is started.
#[derive(Clone, Debug)]
pub enum Plan {
    Local,
    Cloud {
        endpoints: fc::endpoint::Endpoints,
        credentials: Box<Credentials>,
    },
}

/// Decides the remote of a function in `region` with `props_endpoint` and the file's `access`.
pub fn choose(
    options: &RemoteOptions,
    region: &str,
    props_endpoint: Option<&str>,
    file_access: Option<&str>,
) -> Result<Plan, ConnectError> {
    let env = |name: &str| options.env.get(name).cloned();
    let remote = endpoint::resolve(
        &EndpointInputs {
            remote_flag: options.flag(),
            remote_setting: options.setting(),
            props_endpoint,
            region,
            account_id: None,
        },
        &env,
    )
    .map_err(|e| ConnectError::Endpoint(e.to_string()))?;
    let endpoints = match remote {
        Remote::Local { .. } => return Ok(Plan::Local),
        Remote::Endpoints(endpoints) => endpoints,
    };
    let read_file = |path: &Path| std::fs::read_to_string(path).ok();
    let inputs = Inputs {
        env: &options.env,
        home: &options.home,
        read_file: &read_file,
    };
    let alias = options.access.as_deref().or(file_access);
    match credentials::resolve(alias, &inputs) {
        Ok(Some(credentials)) => {
            // Default hosts again, now with the AccountID (the invocation host needs it).
            let endpoints = if endpoints.chosen_by.is_none()
                && matches!(
                    endpoints.source(),
                    fc::endpoint::EndpointSource::Default
                        | fc::endpoint::EndpointSource::DefaultInternal
                ) {
                endpoint::default_endpoints(region, credentials.account_id.as_deref())
                    .map_err(|e| ConnectError::Endpoint(e.to_string()))?
            } else {
                endpoints
            };
            Ok(Plan::Cloud {
                endpoints,
                credentials: Box::new(credentials),
            })
        }
        // Nothing configured at all and nothing chosen: the embedded emulator (`auto`).
        Ok(None)
            if endpoints.chosen_by.is_none()
                && matches!(
                    endpoints.source(),
                    fc::endpoint::EndpointSource::Default
                        | fc::endpoint::EndpointSource::DefaultInternal
                ) =>
        {
            Ok(Plan::Local)
        }
        Ok(None) => Err(ConnectError::NoCredentials),
        Err(e) => Err(ConnectError::Credentials(e.to_string())),
    }
}

/// A client for `plan` in `region`; `local` is the running embedded emulator when the plan is
/// local (see [`embedded::ensure`]).
pub fn client(
    plan: &Plan,
    region: &str,
    local: Option<&LocalEmulator>,
    options: &RemoteOptions,
) -> Result<Connection, ConnectError> {
    let (config, label, account_id, is_local) = match plan {
        Plan::Local => {
            let emulator = local
                .ok_or_else(|| ConnectError::Local("the local emulator is not running".into()))?;
            let endpoints = endpoint::default_endpoints(region, Some(&emulator.account_id))
                .map_err(|e| ConnectError::Endpoint(e.to_string()))?;
            let key = AccessKey {
                id: emulator.access_key_id.clone(),
                secret: emulator.access_key_secret.clone(),
                security_token: None,
            };
            let mut config = ClientConfig::new(endpoints, key, region);
            config.account_id = Some(emulator.account_id.clone());
            config.proxy = Some(emulator.url.clone());
            (
                config,
                "local".to_string(),
                Some(emulator.account_id.clone()),
                true,
            )
        }
        Plan::Cloud {
            endpoints,
            credentials,
        } => {
            let config = ClientConfig::from_credentials(endpoints.clone(), credentials, region);
            (
                config,
                endpoints.management_base_url(),
                credentials.account_id.clone(),
                false,
            )
        }
    };
    let mut config = config;
    if let Some(retry) = &options.retry {
        config.retry = *retry;
    }
    if let Some(timeout) = options.timeout {
        config.timeout = timeout;
    }
    let client = Client::new(config).map_err(|e| ConnectError::Client(e.to_string()))?;
    Ok(Connection {
        client,
        account_id,
        label,
        local: is_local,
    })
}

/// Starts or joins the embedded emulator of the folder `file_dir` (`.s/emulator/`).
pub async fn local_emulator(
    file_dir: &Path,
    options: &RemoteOptions,
) -> Result<LocalEmulator, ConnectError> {
    embedded::ensure(&file_dir.join(".s").join("emulator"), &options.sdls_binary)
        .await
        .map_err(|e| ConnectError::Local(e.to_string()))
}
