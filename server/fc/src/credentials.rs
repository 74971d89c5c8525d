//! Credentials exactly as Serverless Devs (`s` v3, `@serverless-devs/credential`) finds them
//! (`reference/serverless-devs.md` §6.1, §6.2), as a pure resolver: the environment, the home
//! directory and a file reader are arguments, so nothing here reads the process environment or
//! the file system. The CLI passes real ones (after loading `.env`, §6.2 step 0); tests pass fakes.
//!
//! Order ([`resolve`]): the env trio `AccountID`/`AccessKeyID`/`AccessKeySecret`; then the
//! labelled sdls extension `ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`; then the access alias (the
//! CI override, else the requested one) looked up as `${aliyun-cli}`, or among the aliases of
//! `~/.s/access.yaml` and `*_serverless_devs_key` variables, else the alias marked `__default`,
//! else `default`. Nothing configured anywhere is `Ok(None)`: sdls then uses its local emulator.
//! Secrets never appear in `Debug`, `Display` or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use serde_json::Value as Json;
use syntax::ScalarValue;

/// The fixed passphrase `s config add` encrypts every access.yaml value with (§6.1).
pub const SERVERLESS_DEVS_PASSPHRASE: &str = "SecretKey123";
/// The alias name `s` reports for the env trio (§6.2 step 1).
pub const ENV_TRIO_ALIAS: &str = "$system_environment_access";
/// The literal alias that reads the Alibaba Cloud CLI's configuration (§6.1).
pub const ALIYUN_CLI_ALIAS: &str = "${aliyun-cli}";
/// Suffix of the environment variables that hold a JSON alias (§6.1, v3 spelling).
pub const ENV_ALIAS_SUFFIX: &str = "_serverless_devs_key";
/// In CI, the alias named by this variable replaces the requested one (§6.2 step 2).
pub const CI_ALIAS_VAR: &str = "serverless_devs_access_cicd_alias_name";
/// Replaces the OS home for everything under `.s` (§6.1 "Location").
pub const CONFIG_HOME_VAR: &str = "serverless_devs_config_home";
/// Overrides the path of the Alibaba Cloud CLI's `config.json` (§6.1 `${aliyun-cli}`).
pub const ALIYUN_CONFIG_VAR: &str = "ALIBABACLOUD_CONFIG";

const TRIO: [&str; 3] = ["AccountID", "AccessKeyID", "AccessKeySecret"];
const TRIO_TOKEN: &str = "SecurityToken";
const EXT_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
const EXT_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
const EXT_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
const DEFAULT_ALIAS: &str = "default";

/// What the resolver may look at. Build `env` from the process environment (with `.env` loaded)
/// in the CLI, or from literals in tests.
pub struct Inputs<'a> {
    /// A snapshot of the environment (sorted, so that enumeration is deterministic).
    pub env: &'a BTreeMap<String, String>,
    /// The OS home directory (`~`).
    pub home: &'a Path,
    /// Reads a whole file as UTF-8; `None` when it does not exist or cannot be read.
    pub read_file: &'a dyn Fn(&Path) -> Option<String>,
}

/// Credentials for the FC API. `Debug` and `Display` never show the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `None` when the source has no AccountID (an alias without one, `${aliyun-cli}`, the
    /// `ALIBABA_CLOUD_*` variables): the caller obtains it with STS GetCallerIdentity (D30).
    pub account_id: Option<String>,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: Option<String>,
    pub source: CredentialSource,
}

impl Credentials {
    /// The AccessKeyID masked as `s` masks secrets in its output (first 3 + `****` + last 3).
    pub fn masked_access_key_id(&self) -> String {
        mask(&self.access_key_id)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("access_key_id", &mask(&self.access_key_id))
            .field("access_key_secret", &Redacted)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| Redacted),
            )
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessKeyID {}", mask(&self.access_key_id))?;
        if let Some(account) = &self.account_id {
            write!(f, " of account {account}")?;
        }
        if self.security_token.is_some() {
            f.write_str(" with an STS token")?;
        }
        write!(f, ", from {}", self.source)
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Masks a value as `s` does: first 3 + `****` + last 3 when longer than 8 characters, else all
/// `*` (`reference/serverless-devs.md` §7, secret masking).
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() > 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 3..].iter().collect();
        format!("{head}****{tail}")
    } else {
        "*".repeat(chars.len())
    }
}

/// Where credentials came from; its `Display` is the label shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// The env trio `AccountID`/`AccessKeyID`/`AccessKeySecret` (alias
    /// `$system_environment_access`), with env `SecurityToken` when `security_token`.
    EnvTrio { security_token: bool },
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET` (+ `ALIBABA_CLOUD_SECURITY_TOKEN`): an sdls
    /// extension, not read by Serverless Devs.
    AlibabaCloudEnv { security_token: bool },
    /// An alias of the access file.
    AccessFile {
        alias: String,
        file: PathBuf,
        chosen_by: AliasChoice,
    },
    /// A `<name>_serverless_devs_key` variable holding JSON; the alias is the variable's name.
    EnvAlias {
        variable: String,
        chosen_by: AliasChoice,
    },
    /// Alias `${aliyun-cli}`: the current profile of the Alibaba Cloud CLI.
    AliyunCli {
        profile: String,
        mode: String,
        file: PathBuf,
        chosen_by: AliasChoice,
    },
}

impl CredentialSource {
    /// The alias name `s` would report for these credentials.
    pub fn alias(&self) -> &str {
        match self {
            CredentialSource::EnvTrio { .. } => ENV_TRIO_ALIAS,
            CredentialSource::AlibabaCloudEnv { .. } => EXT_ID,
            CredentialSource::AccessFile { alias, .. } => alias,
            CredentialSource::EnvAlias { variable, .. } => variable,
            CredentialSource::AliyunCli { .. } => ALIYUN_CLI_ALIAS,
        }
    }

    /// Whether this source is an sdls extension that Serverless Devs itself ignores.
    pub fn is_extension(&self) -> bool {
        matches!(self, CredentialSource::AlibabaCloudEnv { .. })
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::EnvTrio { security_token } => {
                f.write_str("environment variables AccountID, AccessKeyID, AccessKeySecret")?;
                if *security_token {
                    f.write_str(", SecurityToken")?;
                }
                write!(f, " (alias {ENV_TRIO_ALIAS})")
            }
            CredentialSource::AlibabaCloudEnv { security_token } => {
                write!(f, "environment variables {EXT_ID}, {EXT_SECRET}")?;
                if *security_token {
                    write!(f, ", {EXT_TOKEN}")?;
                }
                f.write_str(" (sdls extension: Serverless Devs does not read these)")
            }
            CredentialSource::AccessFile {
                alias,
                file,
                chosen_by,
            } => write!(f, "alias `{alias}` in {} ({chosen_by})", file.display()),
            CredentialSource::EnvAlias {
                variable,
                chosen_by,
            } => write!(
                f,
                "environment variable {variable} (JSON alias, {chosen_by})"
            ),
            CredentialSource::AliyunCli {
                profile,
                mode,
                file,
                chosen_by,
            } => write!(
                f,
                "aliyun CLI profile `{profile}` (mode {mode}) in {} (alias {ALIYUN_CLI_ALIAS}, {chosen_by})",
                file.display()
            ),
        }
    }
}

/// How the alias was chosen (§6.2 steps 2, 5, 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AliasChoice {
    /// Passed by the caller (`--access`, the `sdls.access` setting, `access:` in s.yaml).
    Requested,
    /// Replaced by `serverless_devs_access_cicd_alias_name` in a CI environment.
    CiOverride,
    /// No alias requested: the first alias whose `__default` is the string `true`.
    MarkedDefault,
    /// No alias requested and none marked: the alias named `default`.
    DefaultName,
}

impl fmt::Display for AliasChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AliasChoice::Requested => "requested",
            AliasChoice::CiOverride => "from serverless_devs_access_cicd_alias_name in CI",
            AliasChoice::MarkedDefault => "marked __default",
            AliasChoice::DefaultName => "the default alias",
        })
    }
}

/// Why credentials could not be resolved. Messages name the alias and the file and say how to
/// fix it; they never contain a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "the environment sets AccountID, AccessKeyID and AccessKeySecret (used before any alias, as Serverless Devs does), but {} {} empty; set {}, or unset all three to use an access alias",
        list(.empty),
        if .empty.len() == 1 { "is" } else { "are" },
        if .empty.len() == 1 { "it" } else { "them" }
    )]
    EnvTrioEmpty { empty: Vec<String> },
    #[error(
        "access alias `{alias}` not found in {} (aliases: {}); add it with `s config add -a {alias}`, or choose an existing alias with --access",
        .file.display(), list(.available)
    )]
    AliasNotFound {
        alias: String,
        file: PathBuf,
        available: Vec<String>,
    },
    #[error(
        "no access alias chosen and {} has none marked __default and none named `default` (aliases: {}); choose one with --access <alias> or `access:` in s.yaml, or run `s config default -a <alias>`",
        .file.display(), list(.available)
    )]
    NoDefaultAlias {
        file: PathBuf,
        available: Vec<String>,
    },
    #[error("{} is not a valid access file: {message}; fix it or recreate it with `s config add`", .file.display())]
    InvalidAccessFile { file: PathBuf, message: String },
    #[error(
        "access alias `{alias}` in {origin} is not a mapping of keys to values; recreate it with `s config add -a {alias} -f`"
    )]
    AliasNotMapping { alias: String, origin: String },
    #[error(
        "access alias `{alias}` in {origin} has no {key}{}; add it with `s config add -a {alias} -f`",
        .provider.as_ref().map(|p| format!(" (its __provider is `{p}`, not `Alibaba Cloud`)")).unwrap_or_default()
    )]
    MissingKey {
        alias: String,
        origin: String,
        key: String,
        provider: Option<String>,
    },
    #[error(
        "{key} of access alias `{alias}` in {} looks encrypted but does not decrypt with Serverless Devs' passphrase ({reason}); the file was written by another tool or is corrupt: re-add the alias with `s config add -a {alias} -f`",
        .file.display()
    )]
    Undecryptable {
        alias: String,
        file: PathBuf,
        key: String,
        reason: DecryptError,
    },
    #[error(
        "alias {ALIYUN_CLI_ALIAS} reads the Alibaba Cloud CLI configuration, but {} does not exist: run `aliyun configure`, set {ALIYUN_CONFIG_VAR}, or use a Serverless Devs access alias (`s config add`)",
        .file.display()
    )]
    AliyunConfigMissing { file: PathBuf },
    #[error("{} is not a valid Alibaba Cloud CLI configuration: {message}; check it with `aliyun configure list`", .file.display())]
    AliyunConfigInvalid { file: PathBuf, message: String },
    #[error(
        "profile `{profile}` (the current one) not found in {} (profiles: {}); run `aliyun configure --profile {profile}` or `aliyun configure switch`",
        .file.display(), list(.available)
    )]
    AliyunProfileNotFound {
        file: PathBuf,
        profile: String,
        available: Vec<String>,
    },
    #[error(
        "aliyun CLI profile `{profile}` in {} uses mode {mode}, which needs the network ({needs}); sdls resolves AK and StsToken profiles offline only: use an AK or StsToken profile, or a Serverless Devs access alias",
        .file.display()
    )]
    AliyunModeNeedsNetwork {
        file: PathBuf,
        profile: String,
        mode: String,
        needs: String,
    },
    #[error(
        "aliyun CLI profile `{profile}` in {} uses mode {mode}, which sdls does not support; use an AK or StsToken profile, or a Serverless Devs access alias",
        .file.display()
    )]
    AliyunModeUnsupported {
        file: PathBuf,
        profile: String,
        mode: String,
    },
    #[error(
        "aliyun CLI profile `{profile}` in {} has no {key}; run `aliyun configure --profile {profile}`",
        .file.display()
    )]
    AliyunProfileIncomplete {
        file: PathBuf,
        profile: String,
        key: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Resolves credentials the way `s` v3 does (§6.2), with the labelled `ALIBABA_CLOUD_*`
/// extension after the env trio. `alias` is the one the user chose (`--access`, the setting,
/// `access:` in s.yaml), if any. `Ok(None)` means nothing is configured at all (no env
/// credentials, no alias anywhere): the caller then uses the local emulator.
pub fn resolve(
    alias: Option<&str>,
    inputs: &Inputs<'_>,
) -> Result<Option<Credentials>, CredentialsError> {
    if let Some(credentials) = from_env_trio(inputs.env)? {
        return Ok(Some(credentials));
    }
    if let Some(credentials) = from_alibaba_cloud_env(inputs.env) {
        return Ok(Some(credentials));
    }
    let (alias, chosen_by) = choose_alias(alias, inputs.env);
    if alias.as_deref() == Some(ALIYUN_CLI_ALIAS) {
        return from_aliyun_cli(inputs, chosen_by).map(Some);
    }
    let store = load_store(inputs)?;
    if store.candidates.is_empty() {
        return Ok(None);
    }
    let (candidate, chosen_by) = match alias {
        Some(alias) => match store.candidates.iter().find(|c| c.name == alias) {
            Some(candidate) => (candidate, chosen_by),
            None => {
                return Err(CredentialsError::AliasNotFound {
                    alias,
                    available: store.names(),
                    file: store.file,
                });
            }
        },
        None => {
            if let Some(candidate) = store.candidates.iter().find(|c| c.marked_default()) {
                (candidate, AliasChoice::MarkedDefault)
            } else if let Some(candidate) =
                store.candidates.iter().find(|c| c.name == DEFAULT_ALIAS)
            {
                (candidate, AliasChoice::DefaultName)
            } else {
                return Err(CredentialsError::NoDefaultAlias {
                    available: store.names(),
                    file: store.file,
                });
            }
        }
    };
    candidate.credentials(&store.file, chosen_by).map(Some)
}

/// One alias as listed for completion or `sdls doctor` (no values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasInfo {
    pub name: String,
    /// `None` for the access file, else the environment variable that defines it.
    pub variable: Option<String>,
    /// Whether its `__default` is the string `true`.
    pub marked_default: bool,
}

/// The aliases of the access file and the `*_serverless_devs_key` variables, in the order `s`
/// considers them.
pub fn aliases(inputs: &Inputs<'_>) -> Result<Vec<AliasInfo>, CredentialsError> {
    let store = load_store(inputs)?;
    Ok(store
        .candidates
        .iter()
        .map(|c| AliasInfo {
            name: c.name.clone(),
            variable: match c.origin {
                Origin::File => None,
                Origin::EnvVar => Some(c.name.clone()),
            },
            marked_default: c.marked_default(),
        })
        .collect())
}

/// Serverless Devs' home (§6.1 "Location"): `<USER_HOME>/.s`, or the `workspace` of
/// `<USER_HOME>/.s/config/s.json`, or `<USER_HOME>/.cache/.s` in Yunxiao pipelines; `USER_HOME`
/// is env `serverless_devs_config_home` or the OS home.
pub fn s_home(inputs: &Inputs<'_>) -> PathBuf {
    let user_home = match inputs.env.get(CONFIG_HOME_VAR) {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => inputs.home.to_path_buf(),
    };
    let dot_s = user_home.join(".s");
    let s_json = dot_s.join("config").join("s.json");
    if let Some(text) = (inputs.read_file)(&s_json)
        && let Ok(data) = serde_json::from_str::<Json>(&text)
    {
        // `s` returns here whenever s.json parses, Yunxiao or not.
        return match data.get("workspace").and_then(Json::as_str) {
            Some(workspace) if !workspace.is_empty() => {
                PathBuf::from(workspace.replacen('~', &user_home.to_string_lossy(), 1))
            }
            _ => dot_s,
        };
    }
    if inputs.env.keys().any(|k| k.starts_with("PIPELINE")) {
        return user_home.join(".cache").join(".s");
    }
    dot_s
}

/// Whether `s` would consider this a CI environment (§7 "Non-interactive / CI").
pub fn is_ci(env: &BTreeMap<String, String>) -> bool {
    env.get("BUILD_IMAGE_ENV")
        .is_some_and(|v| v == "fc-backend")
        || env.contains_key("SERVERLESS_CD")
        || env.contains_key("SERVERLESS_DEVS_CICD")
        || env.keys().any(|k| {
            ["CLOUDSHELL", "PIPELINE", "GITHUB", "GITLAB", "JENKINS"]
                .iter()
                .any(|p| k.starts_with(p))
        })
}

fn choose_alias(
    requested: Option<&str>,
    env: &BTreeMap<String, String>,
) -> (Option<String>, AliasChoice) {
    // `s` checks presence (`hasIn`), so even an empty value replaces the alias.
    if is_ci(env)
        && let Some(alias) = env.get(CI_ALIAS_VAR)
    {
        return (Some(alias.clone()), AliasChoice::CiOverride);
    }
    (requested.map(str::to_string), AliasChoice::Requested)
}

fn non_empty(env: &BTreeMap<String, String>, name: &str) -> Option<String> {
    env.get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn from_env_trio(env: &BTreeMap<String, String>) -> Result<Option<Credentials>, CredentialsError> {
    // Presence of the three names decides, as in `s` (§6.2 step 1).
    if !TRIO.iter().all(|name| env.contains_key(*name)) {
        return Ok(None);
    }
    let empty: Vec<String> = TRIO[1..]
        .iter()
        .filter(|name| non_empty(env, name).is_none())
        .map(|name| name.to_string())
        .collect();
    let (Some(id), Some(secret)) = (non_empty(env, TRIO[1]), non_empty(env, TRIO[2])) else {
        return Err(CredentialsError::EnvTrioEmpty { empty });
    };
    let token = non_empty(env, TRIO_TOKEN);
    Ok(Some(Credentials {
        account_id: non_empty(env, TRIO[0]),
        access_key_id: id,
        access_key_secret: secret,
        source: CredentialSource::EnvTrio {
            security_token: token.is_some(),
        },
        security_token: token,
    }))
}

fn from_alibaba_cloud_env(env: &BTreeMap<String, String>) -> Option<Credentials> {
    let id = non_empty(env, EXT_ID)?;
    let secret = non_empty(env, EXT_SECRET)?;
    let token = non_empty(env, EXT_TOKEN);
    Some(Credentials {
        account_id: None,
        access_key_id: id,
        access_key_secret: secret,
        source: CredentialSource::AlibabaCloudEnv {
            security_token: token.is_some(),
        },
        security_token: token,
    })
}

// ---------------------------------------------------------------------------------------------
// The alias table: access.yaml aliases, then `*_serverless_devs_key` variables.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    File,
    EnvVar,
}

/// A scalar as read: its text, and whether it was a string (non-strings are never decrypted,
/// and a boolean `__default: true` does not count, as in `s`).
struct Field {
    key: String,
    text: String,
    is_string: bool,
}

struct Candidate {
    name: String,
    origin: Origin,
    /// `None` when the alias's value is not a mapping.
    fields: Option<Vec<Field>>,
}

struct Store {
    file: PathBuf,
    candidates: Vec<Candidate>,
}

impl Store {
    fn names(&self) -> Vec<String> {
        self.candidates.iter().map(|c| c.name.clone()).collect()
    }
}

fn access_file(inputs: &Inputs<'_>) -> (PathBuf, Option<String>) {
    let home = s_home(inputs);
    let yaml = home.join("access.yaml");
    if let Some(text) = (inputs.read_file)(&yaml) {
        return (yaml, Some(text));
    }
    let yml = home.join("access.yml");
    if let Some(text) = (inputs.read_file)(&yml) {
        return (yml, Some(text));
    }
    (yaml, None)
}

fn load_store(inputs: &Inputs<'_>) -> Result<Store, CredentialsError> {
    let (file, text) = access_file(inputs);
    let mut candidates = match &text {
        Some(text) => parse_access_file(&file, text)?,
        None => Vec::new(),
    };
    for (variable, value) in inputs.env {
        if !variable.ends_with(ENV_ALIAS_SUFFIX) {
            continue;
        }
        // `s` ignores variables whose value is not JSON.
        let Ok(json) = serde_json::from_str::<Json>(value) else {
            continue;
        };
        let fields = json.as_object().map(|object| {
            object
                .iter()
                .filter_map(|(key, value)| {
                    let (text, is_string) = match value {
                        Json::String(s) => (s.clone(), true),
                        Json::Number(n) => (n.to_string(), false),
                        Json::Bool(b) => (b.to_string(), false),
                        _ => return None,
                    };
                    Some(Field {
                        key: key.clone(),
                        text,
                        is_string,
                    })
                })
                .collect()
        });
        let candidate = Candidate {
            name: variable.clone(),
            origin: Origin::EnvVar,
            fields,
        };
        // Env aliases override file aliases of the same name in place (`assign`).
        match candidates.iter_mut().find(|c| c.name == *variable) {
            Some(existing) => *existing = candidate,
            None => candidates.push(candidate),
        }
    }
    Ok(Store { file, candidates })
}

fn parse_access_file(file: &Path, text: &str) -> Result<Vec<Candidate>, CredentialsError> {
    let parse = syntax::parse(text);
    if parse.has_errors() {
        let message = parse
            .errors
            .first()
            .map(|e| {
                let index = syntax::LineIndex::new(text);
                let at = index.line_col(e.range.start());
                format!("YAML error at line {}: {}", at.line + 1, e.message)
            })
            .unwrap_or_else(|| "YAML error".to_string());
        return Err(CredentialsError::InvalidAccessFile {
            file: file.to_path_buf(),
            message,
        });
    }
    let tree = &parse.tree;
    let Some(root) = tree.root() else {
        return Ok(Vec::new());
    };
    if tree.is_null(root) {
        return Ok(Vec::new());
    }
    if tree.mapping(root).is_none() {
        return Err(CredentialsError::InvalidAccessFile {
            file: file.to_path_buf(),
            message: "the top level is not a mapping of aliases".to_string(),
        });
    }
    let mut out = Vec::new();
    for entry in tree.entries(root) {
        let fields = tree.mapping(entry.value).map(|_| {
            tree.entries(entry.value)
                .into_iter()
                .filter_map(|field| {
                    let scalar = tree.scalar(field.value)?;
                    let (text, is_string) = match &scalar.value {
                        ScalarValue::Null => return None,
                        ScalarValue::String => (scalar.text.clone(), true),
                        ScalarValue::Int(i) => (i.to_string(), false),
                        ScalarValue::Bool(b) => (b.to_string(), false),
                        ScalarValue::Float(_) => (scalar.text.clone(), false),
                    };
                    Some(Field {
                        key: field.key,
                        text,
                        is_string,
                    })
                })
                .collect()
        });
        out.push(Candidate {
            name: entry.key,
            origin: Origin::File,
            fields,
        });
    }
    Ok(out)
}

/// The value of a field as `s` would see it after decryption.
enum Decoded {
    Value(String),
    Undecryptable(DecryptError),
}

impl Candidate {
    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.as_ref()?.iter().find(|f| f.key == key)
    }

    fn decode(&self, field: &Field) -> Decoded {
        // Env aliases are used as is; only salted strings of the file are decrypted (§6.1).
        if self.origin == Origin::EnvVar || !field.is_string || !looks_encrypted(&field.text) {
            return Decoded::Value(field.text.clone());
        }
        match decrypt_cryptojs(&field.text, SERVERLESS_DEVS_PASSPHRASE) {
            Ok(plain) => Decoded::Value(plain),
            Err(e) => Decoded::Undecryptable(e),
        }
    }

    /// Metadata keys keep their raw value when decryption fails, as in `s`.
    fn metadata(&self, key: &str) -> Option<String> {
        let field = self.field(key)?;
        match self.decode(field) {
            Decoded::Value(v) => Some(v),
            Decoded::Undecryptable(_) => Some(field.text.clone()),
        }
    }

    fn marked_default(&self) -> bool {
        self.field("__default").is_some_and(|f| f.is_string)
            && self.metadata("__default").as_deref() == Some("true")
    }

    fn origin_label(&self, file: &Path) -> String {
        match self.origin {
            Origin::File => file.display().to_string(),
            Origin::EnvVar => format!("environment variable {}", self.name),
        }
    }

    /// A credential key: decrypted, trimmed, checked for a plausible shape; `None` when absent
    /// or empty.
    fn credential(&self, key: &str, file: &Path) -> Result<Option<String>, CredentialsError> {
        let Some(field) = self.field(key) else {
            return Ok(None);
        };
        let undecryptable = |reason| CredentialsError::Undecryptable {
            alias: self.name.clone(),
            file: file.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let value = match self.decode(field) {
            Decoded::Value(v) => v,
            Decoded::Undecryptable(reason) => return Err(undecryptable(reason)),
        };
        let was_encrypted = self.origin == Origin::File && looks_encrypted(&field.text);
        if was_encrypted && !plausible(key, &value) {
            return Err(undecryptable(DecryptError::Implausible));
        }
        let value = value.trim();
        Ok((!value.is_empty()).then(|| value.to_string()))
    }

    fn credentials(
        &self,
        file: &Path,
        chosen_by: AliasChoice,
    ) -> Result<Credentials, CredentialsError> {
        if self.fields.is_none() {
            return Err(CredentialsError::AliasNotMapping {
                alias: self.name.clone(),
                origin: self.origin_label(file),
            });
        }
        let missing = |key: &str| CredentialsError::MissingKey {
            alias: self.name.clone(),
            origin: self.origin_label(file),
            key: key.to_string(),
            provider: self
                .metadata("__provider")
                .filter(|p| !p.is_empty() && p != "Alibaba Cloud"),
        };
        let access_key_id = self
            .credential("AccessKeyID", file)?
            .ok_or_else(|| missing("AccessKeyID"))?;
        let access_key_secret = self
            .credential("AccessKeySecret", file)?
            .ok_or_else(|| missing("AccessKeySecret"))?;
        let account_id = self.credential("AccountID", file)?;
        let security_token = self.credential("SecurityToken", file)?;
        let source = match self.origin {
            Origin::File => CredentialSource::AccessFile {
                alias: self.name.clone(),
                file: file.to_path_buf(),
                chosen_by,
            },
            Origin::EnvVar => CredentialSource::EnvAlias {
                variable: self.name.clone(),
                chosen_by,
            },
        };
        Ok(Credentials {
            account_id,
            access_key_id,
            access_key_secret,
            security_token,
            source,
        })
    }
}

/// Whether a decrypted credential looks like one: printable ASCII without spaces, and for an
/// AccessKeyID only letters, digits and `.` (`STS.` ids). A wrong passphrase passes the padding
/// check about once in 256 tries (crates.md §4.16); garbage never passes this.
fn plausible(key: &str, value: &str) -> bool {
    let printable = !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic());
    match key {
        "AccessKeyID" => {
            printable
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        }
        _ => printable,
    }
}

// ---------------------------------------------------------------------------------------------
// `${aliyun-cli}`

fn from_aliyun_cli(
    inputs: &Inputs<'_>,
    chosen_by: AliasChoice,
) -> Result<Credentials, CredentialsError> {
    let file = match inputs.env.get(ALIYUN_CONFIG_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => inputs.home.join(".aliyun").join("config.json"),
    };
    let Some(text) = (inputs.read_file)(&file) else {
        return Err(CredentialsError::AliyunConfigMissing { file });
    };
    let invalid = |message: &str| CredentialsError::AliyunConfigInvalid {
        file: file.clone(),
        message: message.to_string(),
    };
    let config: Json = serde_json::from_str(&text).map_err(|e| {
        // serde_json's messages name a position, never the content.
        invalid(&format!("not JSON ({e})"))
    })?;
    let profile = config
        .get("current")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_ALIAS)
        .to_string();
    let profiles = config
        .get("profiles")
        .and_then(Json::as_array)
        .ok_or_else(|| invalid("no `profiles` list"))?;
    let Some(entry) = profiles
        .iter()
        .find(|p| p.get("name").and_then(Json::as_str) == Some(profile.as_str()))
    else {
        return Err(CredentialsError::AliyunProfileNotFound {
            file,
            available: profiles
                .iter()
                .filter_map(|p| p.get("name").and_then(Json::as_str).map(str::to_string))
                .collect(),
            profile,
        });
    };
    let text_of = |key: &str| {
        entry
            .get(key)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mode = text_of("mode").unwrap_or_else(|| "AK".to_string());
    let needs = match mode.as_str() {
        "AK" | "StsToken" => None,
        "RamRoleArn" | "ChainableRamRoleArn" => Some("STS AssumeRole"),
        "EcsRamRole" => Some("the ECS instance metadata service"),
        "CredentialsURI" => Some("a request to its credentials_uri"),
        "OIDC" => Some("STS AssumeRoleWithOIDC"),
        "RsaKeyPair" => Some("STS GenerateSessionAccessKey"),
        "CloudSSO" => Some("a CloudSSO sign-in"),
        "External" => {
            return Err(CredentialsError::AliyunModeUnsupported {
                file,
                profile,
                mode: "External (runs its process_command)".to_string(),
            });
        }
        _ => {
            return Err(CredentialsError::AliyunModeUnsupported {
                file,
                profile,
                mode,
            });
        }
    };
    if let Some(needs) = needs {
        return Err(CredentialsError::AliyunModeNeedsNetwork {
            file,
            profile,
            mode,
            needs: needs.to_string(),
        });
    }
    let incomplete = |key: &str| CredentialsError::AliyunProfileIncomplete {
        file: file.clone(),
        profile: profile.clone(),
        key: key.to_string(),
    };
    let access_key_id = text_of("access_key_id").ok_or_else(|| incomplete("access_key_id"))?;
    let access_key_secret =
        text_of("access_key_secret").ok_or_else(|| incomplete("access_key_secret"))?;
    let security_token = if mode == "StsToken" {
        Some(text_of("sts_token").ok_or_else(|| incomplete("sts_token"))?)
    } else {
        None
    };
    Ok(Credentials {
        account_id: None,
        access_key_id,
        access_key_secret,
        security_token,
        source: CredentialSource::AliyunCli {
            profile,
            mode,
            file,
            chosen_by,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// CryptoJS passphrase format (crates.md §4.16)

/// Why a CryptoJS value did not decrypt. Never carries the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error("not in CryptoJS passphrase format (base64 of `Salted__`, salt, whole blocks)")]
    NotEncrypted,
    #[error("bad padding: wrong passphrase or corrupt ciphertext")]
    Padding,
    #[error("the plaintext is not UTF-8: wrong passphrase or corrupt ciphertext")]
    NotUtf8,
    #[error("the plaintext is empty")]
    Empty,
    #[error(
        "the plaintext does not look like a credential: wrong passphrase or corrupt ciphertext"
    )]
    Implausible,
}

const SALTED: &[u8; 8] = b"Salted__";

fn salted_parts(value: &str) -> Option<([u8; 8], Vec<u8>)> {
    let bytes = BASE64.decode(value.trim()).ok()?;
    if bytes.len() < 32 || !bytes.starts_with(SALTED) || (bytes.len() - 16) % 16 != 0 {
        return None;
    }
    let mut salt = [0u8; 8];
    salt.copy_from_slice(&bytes[8..16]);
    Some((salt, bytes[16..].to_vec()))
}

/// Whether a value is in CryptoJS passphrase format: base64 of `Salted__` ‖ 8-byte salt ‖ at
/// least one whole AES block. Unsalted values are never "decrypted" (§6.1 quirk).
pub fn looks_encrypted(value: &str) -> bool {
    salted_parts(value).is_some()
}

/// OpenSSL `EVP_BytesToKey` with MD5 and one iteration: 32-byte key and 16-byte IV.
fn derive_key_iv(passphrase: &[u8], salt: &[u8; 8]) -> ([u8; 32], [u8; 16]) {
    let mut out = [0u8; 48];
    let mut previous: Vec<u8> = Vec::new();
    let mut filled = 0;
    while filled < out.len() {
        let mut hasher = Md5::new();
        hasher.update(&previous);
        hasher.update(passphrase);
        hasher.update(salt);
        let digest = hasher.finalize();
        let n = digest.len().min(out.len() - filled);
        out[filled..filled + n].copy_from_slice(&digest[..n]);
        filled += n;
        previous = digest.to_vec();
    }
    let mut key = [0u8; 32];
    let mut iv = [0u8; 16];
    key.copy_from_slice(&out[..32]);
    iv.copy_from_slice(&out[32..]);
    (key, iv)
}

/// Decrypts `CryptoJS.AES.encrypt(text, passphrase).toString()` output (OpenSSL `enc
/// -aes-256-cbc -md md5 -salt -a`). Errors on a missing header, bad padding, non-UTF-8 or empty
/// plaintext.
pub fn decrypt_cryptojs(value: &str, passphrase: &str) -> Result<String, DecryptError> {
    let (salt, ciphertext) = salted_parts(value).ok_or(DecryptError::NotEncrypted)?;
    let (key, iv) = derive_key_iv(passphrase.as_bytes(), &salt);
    let decryptor = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
        .map_err(|_| DecryptError::NotEncrypted)?;
    let plain = decryptor
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| DecryptError::Padding)?;
    let plain = String::from_utf8(plain).map_err(|_| DecryptError::NotUtf8)?;
    if plain.is_empty() {
        return Err(DecryptError::Empty);
    }
    Ok(plain)
}

/// Encrypts like `CryptoJS.AES.encrypt(text, passphrase)` with the given salt (`s` uses a random
/// one); the inverse of [`decrypt_cryptojs`].
pub fn encrypt_cryptojs(plain: &str, passphrase: &str, salt: [u8; 8]) -> String {
    let (key, iv) = derive_key_iv(passphrase.as_bytes(), &salt);
    let mut out = Vec::with_capacity(16 + plain.len() + 16);
    out.extend_from_slice(SALTED);
    out.extend_from_slice(&salt);
    // Key and IV have the sizes AES-256-CBC needs, so this cannot fail.
    if let Ok(encryptor) = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv) {
        out.extend_from_slice(&encryptor.encrypt_padded_vec::<Pkcs7>(plain.as_bytes()));
    }
    BASE64.encode(out)
}
