//! Which FC endpoint to talk to (`reference/serverless-devs.md` §6.3, `reference/fc-api.md` §2,
//! DECISIONS.md D18), as a pure function of the flag, the setting, the resource's props, the
//! environment (passed in) and the region.
//!
//! Order ([`resolve`]): `--remote local|aliyun|URL`, then the `sdls.remote` setting, then
//! `props.endpoint`, then env `FC_CLIENT_CUSTOM_ENDPOINT`, then the defaults
//! (`fcv3.<region>.aliyuncs.com` for management, `<AccountID>.<region>.fc.aliyuncs.com` for
//! invocation; both `<AccountID>.<region>-internal.fc.aliyuncs.com` in `cn-heyuan-acdr-1`).
//! `local` is a marker the caller maps to the embedded emulator's URL; `aliyun` only says "not
//! the emulator" and lets the later sources decide. A custom endpoint serves both clients. HTTPS
//! always, except that plain `http://` is accepted to loopback hosts.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// The environment variable fc3 reads for a custom endpoint (§6.3).
pub const FC_CLIENT_CUSTOM_ENDPOINT: &str = "FC_CLIENT_CUSTOM_ENDPOINT";
/// The region whose clients use the internal account host, even by default (§6.3).
pub const INTERNAL_ONLY_REGION: &str = "cn-heyuan-acdr-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which input decided the endpoint; its `Display` is shown with the endpoint in plan/deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointSource {
    /// `--remote` on the command line.
    RemoteFlag,
    /// The `sdls.remote` setting.
    RemoteSetting,
    /// `props.endpoint` of the resource.
    PropsEndpoint,
    /// Env `FC_CLIENT_CUSTOM_ENDPOINT`.
    EnvCustomEndpoint,
    /// The public default hosts of the region.
    Default,
    /// The internal account host that `cn-heyuan-acdr-1` uses by default.
    DefaultInternal,
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointSource::RemoteFlag => "--remote",
            EndpointSource::RemoteSetting => "the sdls.remote setting",
            EndpointSource::PropsEndpoint => "props.endpoint",
            EndpointSource::EnvCustomEndpoint => "env FC_CLIENT_CUSTOM_ENDPOINT",
            EndpointSource::Default => "the region's default endpoint",
            EndpointSource::DefaultInternal => "the internal endpoint cn-heyuan-acdr-1 requires",
        })
    }
}

/// One host to send FC requests to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: Scheme,
    /// The host name or IP address, IPv6 without brackets.
    pub host: String,
    /// The port when one was written; `None` means the scheme's default.
    pub port: Option<u16>,
    pub source: EndpointSource,
}

impl Endpoint {
    /// Parses `host`, `host:port` or `http(s)://host[:port]` (an optional trailing `/`; IPv6 in
    /// brackets, or bare without a port). A bare host means https. Plain http is refused unless
    /// the host is loopback.
    pub fn parse(text: &str, source: EndpointSource) -> Result<Endpoint, EndpointError> {
        let invalid = |reason: &str| EndpointError::Invalid {
            text: text.to_string(),
            origin: source,
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        let lower = trimmed.to_ascii_lowercase();
        let (scheme, rest) = if lower.starts_with("https://") {
            (Scheme::Https, &trimmed["https://".len()..])
        } else if lower.starts_with("http://") {
            (Scheme::Http, &trimmed["http://".len()..])
        } else if let Some(at) = trimmed.find("://") {
            return Err(EndpointError::UnsupportedScheme {
                text: text.to_string(),
                scheme: trimmed[..at].to_string(),
                origin: source,
            });
        } else {
            (Scheme::Https, trimmed)
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(invalid(
                "only host[:port] may follow the scheme (no path, query or user info)",
            ));
        }
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let Some((host, after)) = inner.split_once(']') else {
                return Err(invalid("an IPv6 address must end with `]`"));
            };
            if host.parse::<Ipv6Addr>().is_err() {
                return Err(invalid("not an IPv6 address inside `[...]`"));
            }
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return Err(invalid("expected `:port` after `]`")),
                },
            };
            (host, port)
        } else if rest.parse::<Ipv6Addr>().is_ok() {
            (rest, None)
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let port = match port {
            None => None,
            Some(port) => match port.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => return Err(invalid("the port must be a number from 1 to 65535")),
            },
        };
        let is_ip = host.parse::<IpAddr>().is_ok();
        if !is_ip && !valid_host_name(host) {
            return Err(invalid(
                "the host must be a name of letters, digits, `-`, `_` and `.`, or an IP address",
            ));
        }
        if scheme == Scheme::Http && !is_loopback_host(host) {
            return Err(EndpointError::PlainHttpNotLoopback {
                host: host.to_string(),
                origin: source,
            });
        }
        Ok(Endpoint {
            scheme,
            host: host.to_string(),
            port,
            source,
        })
    }

    /// `host[:port]` as sent (and signed) in the `Host` header; IPv6 in brackets.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// `scheme://host[:port]`, without a trailing `/`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.base_url(), self.source)
    }
}

fn valid_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !host.starts_with('.')
        && !host.contains("..")
}

/// Whether `host` is `localhost`, in 127.0.0.0/8, or `::1` (also as an IPv4-mapped address).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// The management and invocation hosts of one remote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Host of the management API (CreateFunction, GetFunction, …).
    pub management: Endpoint,
    /// Host of InvokeFunction; `None` when it needs the AccountID and that is not known yet
    /// (resolve it with STS GetCallerIdentity, then call [`default_endpoints`] again).
    pub invocation: Option<Endpoint>,
    /// The `--remote`/`sdls.remote` that asked for this remote (a URL, or `aliyun`). `None` when
    /// nothing chose explicitly: then, without credentials, the caller uses the local emulator.
    pub chosen_by: Option<EndpointSource>,
}

impl Endpoints {
    /// One custom host for both clients (fc3's rule for a custom endpoint).
    pub fn single(endpoint: Endpoint, chosen_by: Option<EndpointSource>) -> Endpoints {
        Endpoints {
            invocation: Some(endpoint.clone()),
            management: endpoint,
            chosen_by,
        }
    }

    pub fn management_base_url(&self) -> String {
        self.management.base_url()
    }

    pub fn invocation_base_url(&self) -> Option<String> {
        self.invocation.as_ref().map(Endpoint::base_url)
    }

    /// What decided the hosts.
    pub fn source(&self) -> EndpointSource {
        self.management.source
    }
}

/// The outcome of [`resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remote {
    /// The embedded emulator (`local`): the caller supplies its URL.
    Local { source: EndpointSource },
    /// A real or custom FC endpoint.
    Endpoints(Endpoints),
}

/// A value of `--remote` or `sdls.remote`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteChoice {
    Local,
    Aliyun,
    /// A custom endpoint, parsed by [`Endpoint::parse`].
    Url(String),
}

impl RemoteChoice {
    /// `local` and `aliyun` (any case) are keywords, anything else an endpoint; empty or blank
    /// means not set.
    pub fn parse(text: &str) -> Option<RemoteChoice> {
        let text = text.trim();
        if text.is_empty() {
            None
        } else if text.eq_ignore_ascii_case("local") {
            Some(RemoteChoice::Local)
        } else if text.eq_ignore_ascii_case("aliyun") {
            Some(RemoteChoice::Aliyun)
        } else {
            Some(RemoteChoice::Url(text.to_string()))
        }
    }
}

/// Everything [`resolve`] looks at besides the environment.
#[derive(Clone, Copy, Debug, Default)]
pub struct EndpointInputs<'a> {
    /// `--remote local|aliyun|URL`.
    pub remote_flag: Option<&'a str>,
    /// The `sdls.remote` setting.
    pub remote_setting: Option<&'a str>,
    /// `props.endpoint` of the resource.
    pub props_endpoint: Option<&'a str>,
    pub region: &'a str,
    /// From the credentials, when known.
    pub account_id: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "endpoint `{text}` from {origin} is not valid: {reason}; write host, host:port or https://host[:port]"
    )]
    Invalid {
        text: String,
        origin: EndpointSource,
        reason: String,
    },
    #[error(
        "endpoint `{text}` from {origin} has scheme `{scheme}`; only https:// (and http:// to loopback) are supported"
    )]
    UnsupportedScheme {
        text: String,
        scheme: String,
        origin: EndpointSource,
    },
    #[error(
        "plain http:// to `{host}` (from {origin}) would send signed requests, configs and payloads unencrypted; http is allowed only to loopback (127.0.0.0/8, ::1, localhost): use https://{host}"
    )]
    PlainHttpNotLoopback {
        host: String,
        origin: EndpointSource,
    },
    #[error(
        "region `{region}` is not a region id (lower-case letters, digits and `-`, like cn-hangzhou); fix `region` in s.yaml"
    )]
    InvalidRegion { region: String },
    #[error(
        "AccountID `{account_id}` is not valid (letters and digits only); fix AccountID in the credentials"
    )]
    InvalidAccountId { account_id: String },
    #[error(
        "region {region} is reached through <AccountID>.{region}-internal.fc.aliyuncs.com, and the AccountID is not known; add AccountID to the credentials"
    )]
    AccountIdRequired { region: String },
}

/// Resolves the remote as D18 orders it (see the module documentation). `env` reads one
/// environment variable (only `FC_CLIENT_CUSTOM_ENDPOINT` is read).
pub fn resolve(
    inputs: &EndpointInputs<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Remote, EndpointError> {
    let choice = [
        (inputs.remote_flag, EndpointSource::RemoteFlag),
        (inputs.remote_setting, EndpointSource::RemoteSetting),
    ]
    .into_iter()
    .find_map(|(text, source)| Some((RemoteChoice::parse(text?)?, source)));
    let chosen_by = match choice {
        Some((RemoteChoice::Local, source)) => return Ok(Remote::Local { source }),
        Some((RemoteChoice::Url(url), source)) => {
            let endpoint = Endpoint::parse(&url, source)?;
            return Ok(Remote::Endpoints(Endpoints::single(endpoint, Some(source))));
        }
        Some((RemoteChoice::Aliyun, source)) => Some(source),
        None => None,
    };
    let custom = [
        (
            inputs.props_endpoint.map(str::to_string),
            EndpointSource::PropsEndpoint,
        ),
        (
            env(FC_CLIENT_CUSTOM_ENDPOINT),
            EndpointSource::EnvCustomEndpoint,
        ),
    ]
    .into_iter()
    .find_map(|(text, source)| {
        let text = text?;
        (!text.trim().is_empty()).then_some((text, source))
    });
    if let Some((text, source)) = custom {
        let endpoint = Endpoint::parse(&text, source)?;
        return Ok(Remote::Endpoints(Endpoints::single(endpoint, chosen_by)));
    }
    let mut endpoints = default_endpoints(inputs.region, inputs.account_id)?;
    endpoints.chosen_by = chosen_by;
    Ok(Remote::Endpoints(endpoints))
}

/// The default hosts of a region: management `fcv3.<region>.aliyuncs.com`, invocation
/// `<AccountID>.<region>.fc.aliyuncs.com` (absent without an AccountID); in `cn-heyuan-acdr-1`
/// both `<AccountID>.<region>-internal.fc.aliyuncs.com`. Always https.
pub fn default_endpoints(
    region: &str,
    account_id: Option<&str>,
) -> Result<Endpoints, EndpointError> {
    let valid_region = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if !valid_region {
        return Err(EndpointError::InvalidRegion {
            region: region.to_string(),
        });
    }
    let account_id = account_id.map(str::trim).filter(|a| !a.is_empty());
    if let Some(account) = account_id
        && !account.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(EndpointError::InvalidAccountId {
            account_id: account.to_string(),
        });
    }
    let https = |host: String, source| Endpoint {
        scheme: Scheme::Https,
        host,
        port: None,
        source,
    };
    if region == INTERNAL_ONLY_REGION {
        let Some(account) = account_id else {
            return Err(EndpointError::AccountIdRequired {
                region: region.to_string(),
            });
        };
        let host = format!("{account}.{region}-internal.fc.aliyuncs.com");
        return Ok(Endpoints::single(
            https(host, EndpointSource::DefaultInternal),
            None,
        ));
    }
    Ok(Endpoints {
        management: https(
            format!("fcv3.{region}.aliyuncs.com"),
            EndpointSource::Default,
        ),
        invocation: account_id.map(|account| {
            https(
                format!("{account}.{region}.fc.aliyuncs.com"),
                EndpointSource::Default,
            )
        }),
        chosen_by: None,
    })
}
