//! Deploying one edition 3.0.0 function with fc3's semantics (serverless-devs.md §2.1.2,
//! fc-api.md §7), guarded by the three-way status the user acted on:
//!
//! 1. the status decides (default: refuse remote-drift, conflict, untracked, deleted-remotely;
//!    `--use-local`: local wins; `--use-remote`: skip drifted functions, except their code with
//!    `--type code`); legacy functions are refused (D11) and `auto` values too (D14);
//! 2. the local code is packaged before anything is written, so a package too large to send
//!    inline fails with nothing changed;
//! 3. the optimistic guard re-reads the function right before the first write: if the remote is
//!    not what the status was computed from, nothing is written (no silent last-writer-wins);
//! 4. the writes: CreateFunction or UpdateFunction (desired's partial body with its clearing
//!    forms; code only when the local CRC-64 differs from the remote `codeChecksum`), the
//!    triggers the file declares (remote-only triggers are never touched), async-invoke,
//!    concurrency, provision-or-scaling, VPC bindings, the custom-domain route merged by path;
//! 5. read back and write the baseline — also after a failure, as long as the function itself
//!    was written, so that a re-run sees only what is left to do and converges.
//!
//! Every write is recorded as an applied step, so a failure reports exactly what was done.

use std::path::Path;
use std::time::Instant;

use fc::client::{Client, ClientError};
use fc::types::{CustomDomain, Function, InputCodeLocation, Trigger};
use serde_json::{Value as Json, json};
use tokio_util::sync::CancellationToken;

use crate::baseline::{Baseline, BaselineRead, BaselineSource, BaselineStore, CodeBaseline};
use crate::desired::{self, Requests};
use crate::engine::{self, RemoteRead};
use crate::fetch::{self, Wanted};
use crate::local::{Dialect, LocalFunction};
use crate::normalize::Context;
use crate::plan::FunctionReport;
use crate::snapshot::{Fetched, RemoteSnapshot};
use crate::status::{CodeStatus, Status};

/// How drift is resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Refuse functions whose remote moved (or that have no baseline to tell).
    #[default]
    Default,
    /// The file wins over remote changes.
    UseLocal,
    /// Drifted functions are left as they are remotely.
    UseRemote,
}

/// What is deployed (fc3's `--type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Part {
    #[default]
    All,
    /// Only the code (UpdateFunction with only `code`).
    Code,
    /// Everything but the code.
    Config,
}

/// Knobs of [`deploy_function`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DeployOptions {
    pub mode: Mode,
    pub part: Part,
    /// Whether the user confirmed overwriting remote changes (`-y`, or a prompt answered yes).
    /// Without it, functions whose remote moved are refused even with `--use-local`.
    pub confirmed: bool,
    /// The remote is the local emulator: `auto` values are filled with placeholders (D14)
    /// instead of being refused.
    pub local: bool,
}

/// The status a deploy acts on: the remote as read, and the verdict computed from it.
#[derive(Clone, Debug)]
pub struct Acted {
    pub read: RemoteRead,
    pub report: FunctionReport,
}

/// What happened to one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployOutcome {
    /// Deployed; `applied` lists the writes (empty: nothing to do).
    Done { applied: Vec<String> },
    /// Left as it is on purpose (`--use-remote`), with why.
    Skipped { reason: String },
    /// Not deployed, with why and how to proceed; nothing was written.
    Refused { reason: String },
}

/// A step of a deploy, reported as it starts (the editor's `$/progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployStep {
    /// Zipping the local code and computing its CRC-64.
    Package,
    /// The optimistic guard: re-reading the function right before the first write.
    Check,
    /// Sending the code (inline, with the function's create or update); its size in bytes.
    Upload { bytes: usize },
    /// CreateFunction or UpdateFunction.
    UpdateFunction,
    /// Creating or updating the triggers the file declares.
    Triggers,
    /// Async-invoke, concurrency, provision or scaling, VPC bindings, the custom-domain route.
    Configs,
    /// Reading the function back and recording the baseline.
    Verify,
}

impl DeployStep {
    /// Where the step stands in a deploy, in percent (for progress bars).
    pub fn percentage(self) -> u32 {
        match self {
            DeployStep::Package => 5,
            DeployStep::Check => 15,
            DeployStep::Upload { .. } => 25,
            DeployStep::UpdateFunction => 40,
            DeployStep::Triggers => 60,
            DeployStep::Configs => 75,
            DeployStep::Verify => 90,
        }
    }

    /// How the step reads in a progress message.
    pub fn describe(self) -> String {
        match self {
            DeployStep::Package => "packaging the code".into(),
            DeployStep::Check => "checking the remote is unchanged".into(),
            DeployStep::Upload { bytes } => format!("uploading the code ({})", human_size(bytes)),
            DeployStep::UpdateFunction => "updating the function".into(),
            DeployStep::Triggers => "triggers".into(),
            DeployStep::Configs => "async-invoke, concurrency, scaling and domain configs".into(),
            DeployStep::Verify => "verifying and recording the baseline".into(),
        }
    }
}

fn human_size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// What a caller watching a deploy hooks in: each step as it starts, and a token that stops the
/// deploy — honoured only before the first write (a deploy stopped between writes would leave
/// the function half updated; once writing, it finishes).
#[derive(Clone, Copy)]
pub struct Hooks<'a> {
    pub on_step: &'a (dyn Fn(DeployStep) + Send + Sync),
    pub cancel: Option<&'a CancellationToken>,
}

impl Default for Hooks<'_> {
    fn default() -> Self {
        Hooks {
            on_step: &|_| {},
            cancel: None,
        }
    }
}

impl Hooks<'_> {
    fn step(&self, step: DeployStep) {
        (self.on_step)(step);
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(CancellationToken::is_cancelled)
    }
}

/// Why a deploy failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Nothing was written: the function could not be prepared (packaging, requests, reading).
    #[error("{0}")]
    Prepare(String),
    /// Stopped by its cancel token before anything was written.
    #[error("{function}: cancelled; nothing was deployed")]
    Cancelled { function: String },
    /// The optimistic guard: the remote (or the local code) changed since the status; nothing
    /// was written.
    #[error(
        "{function} changed since its status was read ({detail}); nothing was deployed. Run `sdls plan` to see the new state, then deploy again"
    )]
    Changed { function: String, detail: String },
    /// A write failed; `applied` lists the writes that succeeded before it.
    #[error("{step} failed: {error}{}{}", applied_text(applied), baseline_text(*baseline_written))]
    Failed {
        step: String,
        error: String,
        applied: Vec<String>,
        /// Whether the baseline was written (only when the function itself was written).
        baseline_written: bool,
    },
}

fn applied_text(applied: &[String]) -> String {
    if applied.is_empty() {
        "; nothing was applied".into()
    } else {
        format!("; applied before it: {}", applied.join(", "))
    }
}

fn baseline_text(written: bool) -> &'static str {
    if written {
        "; the baseline records what was applied, so running deploy again finishes the rest"
    } else {
        "; the baseline was left as it was"
    }
}

/// Reads the remote of `function` and computes its status, as `sdls plan` would.
pub async fn status(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: Option<&str>,
    label: &str,
) -> Acted {
    let local_code = engine::local_code_crc(function).await;
    let wanted = Wanted::for_function(function, account_id);
    let snapshot = Box::pin(fetch::fetch(client, &function.function_name, &wanted))
        .await
        .map_err(|e| e.to_string());
    let read = RemoteRead {
        snapshot,
        fetched_at: Instant::now(),
        label: label.to_string(),
        account_id: account_id.map(str::to_string),
        local_code,
    };
    let report = engine::report(file_dir, function, &read, false);
    Acted { read, report }
}

/// Whether deploying a function in `status` overwrites a remote change, so needs the user's
/// confirmation.
pub fn needs_confirmation(status: Status) -> bool {
    !matches!(
        status,
        Status::NotDeployed | Status::LocalChanges | Status::InSync
    )
}

/// Deploys `function` on the remote `client` talks to, given the status the user acted on.
/// `file_dir` is where the baseline store lives; `account_id` keys it.
pub async fn deploy_function(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: &str,
    acted: &Acted,
    options: &DeployOptions,
) -> Result<DeployOutcome, DeployError> {
    deploy_function_with(
        client,
        function,
        file_dir,
        account_id,
        acted,
        options,
        Hooks::default(),
    )
    .await
}

/// [`deploy_function`] reporting each step to `hooks.on_step` and stopping on `hooks.cancel`
/// while nothing is written yet.
pub async fn deploy_function_with(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: &str,
    acted: &Acted,
    options: &DeployOptions,
    hooks: Hooks<'_>,
) -> Result<DeployOutcome, DeployError> {
    // Boxed: the state machine of a whole deploy (several concurrent reads, every write) is
    // large in debug builds, and callers await it on small stacks (test threads, LSP tasks).
    Box::pin(deploy_inner(
        client, function, file_dir, account_id, acted, options, hooks,
    ))
    .await
}

async fn deploy_inner(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: &str,
    acted: &Acted,
    options: &DeployOptions,
    hooks: Hooks<'_>,
) -> Result<DeployOutcome, DeployError> {
    let name = &function.function_name;
    if let Dialect::Legacy { service, function } = &function.dialect {
        return Ok(DeployOutcome::Refused {
            reason: format!(
                "{service}/{function} uses the legacy `fc` component, which sdls does not deploy (D11); convert the file to edition 3.0.0 (the editor's \"Convert to edition 3.0.0\" action, or `s cli fc3 s2tos3`) and deploy that"
            ),
        });
    }
    let snapshot = match &acted.read.snapshot {
        Ok(s) => s,
        Err(reason) => {
            return Err(DeployError::Prepare(format!(
                "the remote of {name} cannot be read: {reason}"
            )));
        }
    };
    let status = acted.report.status;
    let drifted = matches!(
        status,
        Status::RemoteDrift | Status::Conflict | Status::Untracked | Status::DeletedRemotely
    );
    let code_only_under_remote = options.mode == Mode::UseRemote && options.part == Part::Code;
    match (options.mode, drifted) {
        (_, false) => {}
        (Mode::Default, true) => {
            return Ok(DeployOutcome::Refused {
                reason: format!(
                    "{}: {}; run `sdls plan` to see the differences, then `sdls deploy --use-local` to overwrite the remote with the file, or `sdls pull` to take the remote into the file",
                    status.as_str(),
                    drift_why(status)
                ),
            });
        }
        (Mode::UseRemote, true) if !code_only_under_remote => {
            return Ok(DeployOutcome::Skipped {
                reason: format!(
                    "{}: the remote is kept (--use-remote); `sdls pull` brings it into the file",
                    status.as_str()
                ),
            });
        }
        (Mode::UseLocal, true) if !options.confirmed => {
            return Ok(DeployOutcome::Refused {
                reason: format!(
                    "{}: deploying overwrites remote changes and needs confirmation; run again with -y",
                    status.as_str()
                ),
            });
        }
        _ => {}
    }
    let part = options.part;
    let exists = snapshot.exists();
    if part == Part::Code && !exists {
        return Ok(DeployOutcome::Refused {
            reason: "the function is not deployed; deploy it without --type code first".into(),
        });
    }
    if code_only_under_remote && status == Status::DeletedRemotely {
        return Ok(DeployOutcome::Skipped {
            reason: "deleted-remotely: the remote is kept (--use-remote)".into(),
        });
    }
    if status == Status::InSync && acted.report.code.status == CodeStatus::InSync {
        return Ok(DeployOutcome::Done {
            applied: Vec::new(),
        });
    }

    let ctx = Context {
        account_id: Some(account_id.to_string()),
        region: function.region.clone(),
    };
    let mut requests = desired::requests(function, &ctx)
        .map_err(|e| DeployError::Prepare(format!("{name}: {e}")))?;
    if options.local {
        fill_placeholders(&mut requests, name, account_id, &function.region);
    }
    if let Some(path) = requests.auto.first() {
        // D14: `auto` makes fc3 create cloud resources (a VPC, a log project, a role) behind the
        // user's back; sdls never does.
        return Ok(DeployOutcome::Refused {
            reason: format!(
                "{} is `auto`, which would create cloud resources; give a concrete value in the file",
                path.dotted()
            ),
        });
    }

    // The read of a function that does not exist skips its sub-resources, but a custom domain
    // is shared with other functions: read it now, so routes merge instead of colliding.
    let mut remote = snapshot.clone();
    if let Some(domain) = &requests.custom_domain
        && !matches!(remote.custom_domain, Fetched::Present(_))
    {
        let domain_name = domain.domain_name.as_deref().unwrap_or("");
        remote.custom_domain = match client.get_custom_domain(domain_name).await {
            Ok(d) => Fetched::Present(d),
            Err(e) if e.is_not_found() => Fetched::Absent,
            Err(e) => {
                return Err(DeployError::Prepare(format!(
                    "{name}: reading custom domain {domain_name}: {e}"
                )));
            }
        };
    }
    // fc3 refuses a route whose path another function serves; known before any write.
    if part != Part::Code
        && let (Some(domain), Fetched::Present(existing)) =
            (&requests.custom_domain, &remote.custom_domain)
        && let Some(reason) = route_conflict(domain, existing, name)
    {
        return Ok(DeployOutcome::Refused { reason });
    }

    // Packaged before the guard and the first write: a package that cannot be sent fails the
    // deploy with nothing changed.
    let custom_container = requests.function.runtime.as_deref() == Some("custom-container");
    let local_crc = acted.read.local_code.as_ref().ok();
    let code_differs = local_crc.map(String::as_str) != snapshot.code_checksum();
    let send_code = !custom_container && part != Part::Config && (!exists || code_differs);
    let code = if send_code {
        hooks.step(DeployStep::Package);
        let packaged = package(function).await?;
        // The code must be the code the status was computed from: an edit saved since then
        // would ship unseen (and a saved plan's code check would not cover it).
        if let (Some(status_crc), Some(now)) = (local_crc, packaged.checksum.as_ref())
            && status_crc != now
        {
            return Err(DeployError::Changed {
                function: name.clone(),
                detail: "the local code changed since its status was read".into(),
            });
        }
        Some(packaged)
    } else {
        None
    };
    if part == Part::Code && code.is_none() {
        return Ok(DeployOutcome::Done {
            applied: Vec::new(),
        });
    }

    // The optimistic guard.
    if hooks.cancelled() {
        return Err(DeployError::Cancelled {
            function: name.clone(),
        });
    }
    hooks.step(DeployStep::Check);
    let wanted = Wanted::for_function(function, Some(account_id));
    let fresh = fetch::fetch(client, name, &wanted)
        .await
        .map_err(|e| DeployError::Prepare(format!("{name}: re-reading before writing: {e}")))?;
    if let Some(detail) = changed(snapshot, &fresh) {
        return Err(DeployError::Changed {
            function: name.clone(),
            detail: format!("remotely: {detail}"),
        });
    }

    // The last moment a cancel leaves the remote untouched.
    if hooks.cancelled() {
        return Err(DeployError::Cancelled {
            function: name.clone(),
        });
    }
    let sends_code = code.is_some();
    let mut writer = Writer {
        client,
        name,
        applied: Vec::new(),
        function_written: false,
        hooks,
    };
    let result = writer.write(&requests, &remote, code, part).await;
    let baseline_written = writer.function_written && {
        hooks.step(DeployStep::Verify);
        write_baseline(client, function, file_dir, account_id, part, sends_code).await
    };
    match result {
        Ok(()) => Ok(DeployOutcome::Done {
            applied: writer.applied,
        }),
        Err((step, error)) => Err(DeployError::Failed {
            step,
            error,
            applied: writer.applied,
            baseline_written,
        }),
    }
}

/// Fills every `auto` of `requests` with a placeholder the emulator accepts (D14: it creates no
/// SLS project, VPC, NAS or role, so any well-formed value stands in), and empties
/// `requests.auto`. Only for the local emulator: on the cloud these would name nothing.
fn fill_placeholders(requests: &mut Requests, name: &str, account_id: &str, region: &str) {
    let body = &mut requests.function;
    for path in std::mem::take(&mut requests.auto) {
        match path.dotted().as_str() {
            "logConfig" => {
                body.log_config = Some(json!({
                    "project": format!("sdls-local-{account_id}-{region}"),
                    "logstore": "function-log",
                    "enableRequestMetrics": true,
                    "enableInstanceMetrics": true,
                    "logBeginRule": "DefaultRegex",
                }));
            }
            "vpcConfig" => {
                body.vpc_config = Some(json!({
                    "vpcId": "vpc-sdls-local",
                    "vSwitchIds": ["vsw-sdls-local"],
                    "securityGroupId": "sg-sdls-local",
                }));
            }
            "vpcConfig.vSwitchIds" | "vpcConfig.securityGroupId" => {
                if let Some(Json::Object(vpc)) = body.vpc_config.as_mut() {
                    vpc.insert("vSwitchIds".into(), json!(["vsw-sdls-local"]));
                    vpc.insert("securityGroupId".into(), json!("sg-sdls-local"));
                    if !vpc.contains_key("vpcId") {
                        vpc.insert("vpcId".into(), json!("vpc-sdls-local"));
                    }
                }
            }
            "nasConfig" => {
                body.nas_config = Some(json!({
                    "userId": 10003,
                    "groupId": 10003,
                    "mountPoints": [{
                        "serverAddr": format!("sdls-local.{region}.nas.aliyuncs.com:/{name}"),
                        "mountDir": "/mnt/auto",
                        "enableTLS": false,
                    }],
                }));
            }
            "ossMountConfig" => {
                body.oss_mount_config = Some(json!({
                    "mountPoints": [{
                        "bucketName": "sdls-local",
                        "bucketPath": "/",
                        "endpoint": format!("http://oss-{region}-internal.aliyuncs.com"),
                        "mountDir": "/mnt/oss",
                        "readOnly": false,
                    }],
                }));
            }
            "role" => {
                body.role = Some(format!("acs:ram::{account_id}:role/aliyunfcdefaultrole"));
            }
            // The generated name (fc3-domain's) is already in the request.
            "customDomain.domainName" => {}
            // A path this list does not know stays `auto`, and is refused like on the cloud.
            _ => requests.auto.push(path),
        }
    }
}

/// Reads the function back and records it as the baseline, saying only what this deploy made
/// true: after `--type code` the previous baseline's config is kept (a remote config change the
/// deploy did not touch stays remote drift), and when the code was not sent the previous local
/// CRC is kept (unsent local code stays a local change). Returns whether it was written.
async fn write_baseline(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: &str,
    part: Part,
    code_sent: bool,
) -> bool {
    let wanted = Wanted::for_function(function, Some(account_id));
    let Ok(fresh) = Box::pin(fetch::fetch(client, &function.function_name, &wanted)).await else {
        return false;
    };
    let store = BaselineStore::new(file_dir);
    let previous = match store.read(account_id, &function.region, &function.function_name, None) {
        BaselineRead::Found {
            baseline,
            source: BaselineSource::Sdls(_),
        } => Some(baseline),
        _ => None,
    };
    let local_crc = engine::local_code_crc(function).await.ok();
    let remote_checksum = fresh.code_checksum().map(str::to_string);
    let local_crc = if code_sent || local_crc.is_some() && local_crc == remote_checksum {
        local_crc
    } else {
        previous.as_ref().and_then(|p| p.code.local_crc.clone())
    };
    let snapshot = match (&previous, part) {
        (Some(previous), Part::Code) => {
            let mut kept = previous.snapshot.clone();
            if let (Some(f), Some(live)) = (kept.function.as_mut(), fresh.function.as_ref()) {
                f.code_checksum = live.code_checksum.clone();
                f.code_size = live.code_size;
            }
            kept
        }
        _ => fresh,
    };
    let baseline = Baseline::new(
        account_id,
        &function.region,
        &function.function_name,
        snapshot,
        CodeBaseline {
            local_crc,
            remote_checksum,
        },
    );
    store.write(&baseline).is_ok()
}

fn drift_why(status: Status) -> &'static str {
    match status {
        Status::RemoteDrift => "the function was changed remotely since the last deploy",
        Status::Conflict => "both the file and the remote changed since the last deploy",
        Status::Untracked => {
            "the function exists remotely but sdls has no record of deploying it, so remote changes cannot be told apart"
        }
        Status::DeletedRemotely => "the function was deleted remotely since the last deploy",
        _ => "",
    }
}

/// What differs between the remote the status was computed from and the remote now.
fn changed(before: &RemoteSnapshot, now: &RemoteSnapshot) -> Option<String> {
    if before == now {
        return None;
    }
    let (b, n) = (before.function.as_ref(), now.function.as_ref());
    Some(match (b, n) {
        (None, Some(_)) => "it was created".into(),
        (Some(_), None) => "it was deleted".into(),
        (Some(b), Some(n)) if b.last_modified_time != n.last_modified_time => format!(
            "lastModifiedTime {} → {}",
            b.last_modified_time.as_deref().unwrap_or("none"),
            n.last_modified_time.as_deref().unwrap_or("none")
        ),
        (Some(b), Some(n)) if b.code_checksum != n.code_checksum => "its code changed".into(),
        (Some(b), Some(n)) if b != n => "its configuration changed".into(),
        _ if before.triggers != now.triggers => "its triggers changed".into(),
        _ => "its async-invoke, concurrency, provision, scaling, VPC binding or custom-domain config changed".into(),
    })
}

/// The local code as an inline `code.zipFile`.
async fn package(function: &LocalFunction) -> Result<InputCodeLocation, DeployError> {
    let name = function.function_name.clone();
    let Some(path) = function.code_path.clone() else {
        return Ok(InputCodeLocation {
            zip_file: Some(crate::seed::EMPTY_ZIP_BASE64.to_string()),
            ..InputCodeLocation::default()
        });
    };
    let options = function.package_options();
    let packaged = tokio::task::spawn_blocking(move || {
        let package = fc::package::package(&path, &options)?;
        package.summary.check_inline()?;
        Ok::<_, fc::package::PackageError>(package)
    })
    .await
    .map_err(|e| DeployError::Prepare(format!("{name}: packaging the code failed: {e}")))?
    .map_err(|e| DeployError::Prepare(format!("{name}: the local code cannot be sent: {e}")))?;
    use base64::Engine;
    Ok(InputCodeLocation {
        zip_file: Some(base64::engine::general_purpose::STANDARD.encode(&packaged.bytes)),
        checksum: Some(packaged.summary.checksum.clone()),
        ..InputCodeLocation::default()
    })
}

/// The writes of one deploy, recording each one that succeeded.
struct Writer<'a> {
    client: &'a Client,
    name: &'a str,
    applied: Vec<String>,
    function_written: bool,
    hooks: Hooks<'a>,
}

type StepError = (String, String);

fn step(what: impl Into<String>) -> impl FnOnce(ClientError) -> StepError {
    let what = what.into();
    move |e| (what, e.to_string())
}

impl Writer<'_> {
    async fn write(
        &mut self,
        requests: &Requests,
        remote: &RemoteSnapshot,
        code: Option<InputCodeLocation>,
        part: Part,
    ) -> Result<(), StepError> {
        let client = self.client;
        let name = self.name;
        let sends_code = code.is_some();
        if let Some(zip) = code.as_ref().and_then(|c| c.zip_file.as_ref()) {
            // Base64 text: the zip itself is three quarters of it.
            self.hooks.step(DeployStep::Upload {
                bytes: zip.len() / 4 * 3,
            });
        }
        self.hooks.step(DeployStep::UpdateFunction);
        if !remote.exists() {
            let mut body = requests.function.clone();
            body.code = code;
            client
                .create_function(&body)
                .await
                .map_err(step("CreateFunction"))?;
            self.function_written = true;
            self.applied.push("function created".into());
        } else {
            let body = match part {
                Part::Code => Function {
                    code,
                    ..Function::default()
                },
                Part::All | Part::Config => {
                    let mut body = requests.function.clone();
                    // Not updatable (fc-api.md §4.3): the name is in the path, tags and the
                    // resource group have their own APIs.
                    body.function_name = None;
                    body.tags = None;
                    body.resource_group_id = None;
                    body.code = code;
                    body
                }
            };
            client
                .update_function(name, &body)
                .await
                .map_err(step("UpdateFunction"))?;
            self.function_written = true;
            self.applied.push(
                match (part, sends_code) {
                    (Part::Code, _) => "code updated",
                    (_, true) => "function updated (config and code)",
                    (_, false) => "function updated (config; code unchanged)",
                }
                .into(),
            );
        }
        if part == Part::Code {
            return Ok(());
        }
        if !requests.triggers.is_empty() {
            self.hooks.step(DeployStep::Triggers);
        }
        self.triggers(&requests.triggers, &remote.triggers).await?;
        self.hooks.step(DeployStep::Configs);
        self.configs(requests, remote).await
    }

    async fn triggers(&mut self, wanted: &[Trigger], remote: &[Trigger]) -> Result<(), StepError> {
        let (client, name) = (self.client, self.name);
        for trigger in wanted {
            let trigger_name = trigger.trigger_name.clone().unwrap_or_default();
            let existing = remote
                .iter()
                .find(|t| t.trigger_name.as_deref() == Some(trigger_name.as_str()));
            match existing {
                None => {
                    client
                        .create_trigger(name, trigger)
                        .await
                        .map_err(step(format!("CreateTrigger {trigger_name}")))?;
                    self.applied.push(format!("trigger {trigger_name} created"));
                }
                Some(existing) if same_trigger(trigger, existing) => {}
                Some(existing) => {
                    let kind = trigger.trigger_type.as_deref().unwrap_or("");
                    let recreate = matches!(kind, "mns_topic" | "tablestore")
                        || existing.trigger_type != trigger.trigger_type;
                    if recreate {
                        // These triggers cannot be updated in place (fc3 deletes and creates).
                        client
                            .delete_trigger(name, &trigger_name)
                            .await
                            .map_err(step(format!("DeleteTrigger {trigger_name}")))?;
                        self.applied.push(format!("trigger {trigger_name} deleted"));
                        client
                            .create_trigger(name, trigger)
                            .await
                            .map_err(step(format!("CreateTrigger {trigger_name}")))?;
                        self.applied.push(format!("trigger {trigger_name} created"));
                    } else {
                        let update = Trigger {
                            trigger_config: trigger.trigger_config.clone(),
                            qualifier: trigger.qualifier.clone(),
                            description: trigger.description.clone(),
                            invocation_role: trigger.invocation_role.clone(),
                            ..Trigger::default()
                        };
                        client
                            .update_trigger(name, &trigger_name, &update)
                            .await
                            .map_err(step(format!("UpdateTrigger {trigger_name}")))?;
                        self.applied.push(format!("trigger {trigger_name} updated"));
                    }
                }
            }
        }
        Ok(())
    }

    async fn configs(
        &mut self,
        requests: &Requests,
        remote: &RemoteSnapshot,
    ) -> Result<(), StepError> {
        let (client, name) = (self.client, self.name);
        if let Some((qualifier, config)) = &requests.async_invoke_config {
            client
                .put_async_invoke_config(name, Some(qualifier), config)
                .await
                .map_err(step("PutAsyncInvokeConfig"))?;
            self.applied.push("async-invoke config put".into());
        }
        match &requests.concurrency_config {
            Some(config) => {
                client
                    .put_concurrency_config(name, config)
                    .await
                    .map_err(step("PutConcurrencyConfig"))?;
                self.applied.push("concurrency config put".into());
            }
            None => {
                if matches!(remote.concurrency_config, Fetched::Present(_)) {
                    client
                        .delete_concurrency_config(name)
                        .await
                        .map_err(step("DeleteConcurrencyConfig"))?;
                    self.applied.push("concurrency config deleted".into());
                }
            }
        }
        match (&requests.provision_config, &requests.scaling_config) {
            (Some((qualifier, config)), _) => {
                client
                    .put_provision_config(name, Some(qualifier), config)
                    .await
                    .map_err(step("PutProvisionConfig"))?;
                self.applied.push("provision config put".into());
            }
            (None, Some((qualifier, config))) => {
                client
                    .put_scaling_config(name, Some(qualifier), config)
                    .await
                    .map_err(step("PutScalingConfig"))?;
                self.applied.push("scaling config put".into());
            }
            (None, None) => {
                if matches!(remote.scaling_config, Fetched::Present(_)) {
                    client
                        .delete_scaling_config(name, Some("LATEST"))
                        .await
                        .map_err(step("DeleteScalingConfig"))?;
                    self.applied.push("scaling config deleted".into());
                }
            }
        }
        if let Some(ids) = &requests.vpc_binding {
            let current: &[String] = match &remote.vpc_binding {
                Fetched::Present(ids) => ids,
                _ => &[],
            };
            for id in ids.iter().filter(|id| !current.contains(id)) {
                client
                    .create_vpc_binding(name, id)
                    .await
                    .map_err(step(format!("CreateVpcBinding {id}")))?;
                self.applied.push(format!("VPC binding {id} created"));
            }
            for id in current.iter().filter(|id| !ids.contains(id)) {
                client
                    .delete_vpc_binding(name, id)
                    .await
                    .map_err(step(format!("DeleteVpcBinding {id}")))?;
                self.applied.push(format!("VPC binding {id} deleted"));
            }
        }
        if let Some(domain) = &requests.custom_domain {
            self.custom_domain(domain, remote).await?;
        }
        Ok(())
    }

    /// Creates the domain, or merges this function's routes into its route table by path
    /// (fc-api.md §13.1): other functions' routes stay; a path another function serves is refused.
    async fn custom_domain(
        &mut self,
        domain: &CustomDomain,
        remote: &RemoteSnapshot,
    ) -> Result<(), StepError> {
        let (client, name) = (self.client, self.name);
        let domain_name = domain.domain_name.clone().unwrap_or_default();
        let existing = match &remote.custom_domain {
            Fetched::Present(d) => d,
            _ => {
                client
                    .create_custom_domain(domain)
                    .await
                    .map_err(step(format!("CreateCustomDomain {domain_name}")))?;
                self.applied
                    .push(format!("custom domain {domain_name} created"));
                return Ok(());
            }
        };
        let routes = |d: &CustomDomain| -> Vec<Json> {
            d.route_config
                .as_ref()
                .and_then(|r| r.get("routes"))
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let path_of = |r: &Json| r.get("path").and_then(Json::as_str).map(str::to_string);
        let mut merged = routes(existing);
        for route in routes(domain) {
            let path = path_of(&route);
            match merged.iter_mut().find(|r| path_of(r) == path) {
                Some(current) => {
                    let owner = current.get("functionName").and_then(Json::as_str);
                    if owner.is_some_and(|o| o != name) {
                        return Err((
                            format!("UpdateCustomDomain {domain_name}"),
                            format!(
                                "the route {} of {domain_name} already serves function {}; change the path or remove that route first",
                                path.unwrap_or_default(),
                                owner.unwrap_or_default()
                            ),
                        ));
                    }
                    *current = route;
                }
                None => merged.push(route),
            }
        }
        if merged == routes(existing) {
            return Ok(());
        }
        let update = CustomDomain {
            route_config: Some(json!({ "routes": merged })),
            ..CustomDomain::default()
        };
        client
            .update_custom_domain(&domain_name, &update)
            .await
            .map_err(step(format!("UpdateCustomDomain {domain_name}")))?;
        self.applied
            .push(format!("custom domain {domain_name} route updated"));
        Ok(())
    }
}

/// fc3's refusal when a route of `domain` has a path another function serves in `existing`.
fn route_conflict(domain: &CustomDomain, existing: &CustomDomain, name: &str) -> Option<String> {
    let routes = |d: &CustomDomain| -> Vec<Json> {
        d.route_config
            .as_ref()
            .and_then(|r| r.get("routes"))
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let domain_name = domain.domain_name.as_deref().unwrap_or("");
    let current = routes(existing);
    routes(domain).iter().find_map(|route| {
        let path = route.get("path")?;
        let owner = current
            .iter()
            .find(|r| r.get("path") == Some(path))?
            .get("functionName")?
            .as_str()?;
        (owner != name).then(|| {
            format!(
                "the path {} of custom domain {domain_name} already routes to function {owner}; choose another path in customDomain.route.path, or move that route first",
                path.as_str().unwrap_or("")
            )
        })
    })
}

/// Whether a remote trigger already is what the file declares.
fn same_trigger(wanted: &Trigger, remote: &Trigger) -> bool {
    let config = |t: &Trigger| {
        t.trigger_config
            .as_deref()
            .and_then(|c| serde_json::from_str::<Json>(c).ok())
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    wanted.trigger_type == remote.trigger_type
        && config(wanted) == config(remote)
        && text(&wanted.qualifier) == text(&remote.qualifier)
        && text(&wanted.description) == text(&remote.description)
        && text(&wanted.invocation_role) == text(&remote.invocation_role)
}
