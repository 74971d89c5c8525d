//! Reads one function's remote state: GetFunction and ListTriggers, plus the sub-configs the file
//! declares or deploy would touch (D12): async-invoke (declared), concurrency (deploy deletes a
//! remote one the file lacks), provision (declared) or scaling (declared, or deploy deletes it
//! when the file has neither), VPC bindings (deploy reconciles them) and the custom domain
//! (declared). The calls of one function run together (D24). Read only: nothing is created.

use fc::client::{Client, ClientError, ListQuery};
use fc::types::CustomDomain;
use serde_json::Value as Json;

use crate::local::{LocalFunction, UNKNOWN};
use crate::snapshot::{Fetched, RemoteSnapshot};

/// Why a function's remote state could not be read. Never "not found": that is a snapshot
/// without a function.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {error}")]
pub struct FetchError {
    /// Which read failed (`GetFunction`, `ListTriggers`, …).
    pub what: &'static str,
    pub error: ClientError,
}

/// What to read besides the function and its triggers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wanted {
    pub async_invoke_qualifier: Option<String>,
    pub provision_qualifier: Option<String>,
    pub scaling_qualifier: Option<String>,
    pub concurrency: bool,
    pub vpc_binding: bool,
    /// The domain name (already resolved from `auto`).
    pub custom_domain: Option<String>,
}

impl Wanted {
    /// What deploy could touch for this function (D12).
    pub fn for_function(function: &LocalFunction, account_id: Option<&str>) -> Wanted {
        let props = &function.props;
        let qualifier = |key: &str| -> String {
            props
                .get(key)
                .and_then(|c| c.get("qualifier"))
                .and_then(Json::as_str)
                .filter(|q| *q != UNKNOWN && !q.is_empty())
                .unwrap_or("LATEST")
                .to_string()
        };
        let has = |key: &str| props.get(key).is_some_and(|v| !v.is_null());
        let provision = has("provisionConfig");
        let scaling = has("scalingConfig");
        Wanted {
            async_invoke_qualifier: has("asyncInvokeConfig")
                .then(|| qualifier("asyncInvokeConfig")),
            provision_qualifier: provision.then(|| qualifier("provisionConfig")),
            scaling_qualifier: (!provision).then(|| {
                if scaling {
                    qualifier("scalingConfig")
                } else {
                    "LATEST".to_string()
                }
            }),
            concurrency: true,
            vpc_binding: true,
            custom_domain: domain_name(function, account_id),
        }
    }
}

/// The custom domain the function's `customDomain` names; `auto` becomes the generated name
/// ([`crate::desired::auto_domain_name`], §1.9.3; legacy functions use the legacy form, as `$`
/// is not valid in a host name).
pub fn domain_name(function: &LocalFunction, account_id: Option<&str>) -> Option<String> {
    let name = function
        .props
        .get("customDomain")?
        .get("domainName")?
        .as_str()?;
    if name == UNKNOWN || name.is_empty() {
        return None;
    }
    if name.eq_ignore_ascii_case("auto") {
        return crate::desired::auto_domain_name(function, account_id);
    }
    Some(name.to_string())
}

/// Reads the remote state of `function_name`.
pub async fn fetch(
    client: &Client,
    function_name: &str,
    wanted: &Wanted,
) -> Result<RemoteSnapshot, FetchError> {
    let get_function = async {
        match client.get_function(function_name, None).await {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(error) => Err(FetchError {
                what: "GetFunction",
                error,
            }),
        }
    };
    let list_triggers = async {
        match client
            .list_triggers(function_name, &ListQuery::default())
            .await
        {
            Ok(t) => Ok(t),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(error) => Err(FetchError {
                what: "ListTriggers",
                error,
            }),
        }
    };
    let async_invoke = optional("GetAsyncInvokeConfig", async {
        match &wanted.async_invoke_qualifier {
            Some(q) => Some(client.get_async_invoke_config(function_name, Some(q)).await),
            None => None,
        }
    });
    let concurrency = optional("GetConcurrencyConfig", async {
        if wanted.concurrency {
            Some(client.get_concurrency_config(function_name).await)
        } else {
            None
        }
    });
    let provision = async {
        match &wanted.provision_qualifier {
            Some(q) => match client.get_provision_config(function_name, Some(q)).await {
                Ok(c) if c.is_none() => Ok(Fetched::Absent),
                Ok(c) => Ok(Fetched::Present(c)),
                Err(e) if e.is_not_found() => Ok(Fetched::Absent),
                Err(error) => Err(FetchError {
                    what: "GetProvisionConfig",
                    error,
                }),
            },
            None => Ok(Fetched::Skipped),
        }
    };
    let scaling = async {
        match &wanted.scaling_qualifier {
            Some(q) => match client.get_scaling_config(function_name, Some(q)).await {
                Ok(c) if c.is_none() => Ok(Fetched::Absent),
                Ok(c) => Ok(Fetched::Present(c)),
                Err(e) if e.is_not_found() => Ok(Fetched::Absent),
                Err(error) => Err(FetchError {
                    what: "GetScalingConfig",
                    error,
                }),
            },
            None => Ok(Fetched::Skipped),
        }
    };
    let vpc_binding = optional("ListVpcBindings", async {
        if wanted.vpc_binding {
            Some(client.list_vpc_bindings(function_name).await)
        } else {
            None
        }
    });
    let custom_domain = optional("GetCustomDomain", async {
        match &wanted.custom_domain {
            Some(domain) => Some(client.get_custom_domain(domain).await),
            None => None,
        }
    });
    let (function, triggers, async_invoke, concurrency, provision, scaling, vpc_binding, domain) = tokio::join!(
        get_function,
        list_triggers,
        async_invoke,
        concurrency,
        provision,
        scaling,
        vpc_binding,
        custom_domain
    );
    let function = function?;
    if function.is_none() {
        // Sub-resources of a missing function are missing too; a 404 on them is not news.
        return Ok(RemoteSnapshot::default());
    }
    let mut triggers = triggers?;
    // EventBridge "shadow" triggers (`|` in the name) are not the user's (fc-api.md §5.3).
    triggers.retain(|t| !t.trigger_name.as_deref().unwrap_or("").contains('|'));
    let domain: Fetched<CustomDomain> = domain?;
    Ok(RemoteSnapshot {
        function,
        triggers,
        async_invoke_config: async_invoke?,
        concurrency_config: concurrency?,
        provision_config: provision?,
        scaling_config: scaling?,
        vpc_binding: vpc_binding?,
        custom_domain: domain,
    })
}

/// A read whose 404 means "none".
async fn optional<T>(
    what: &'static str,
    read: impl std::future::Future<Output = Option<Result<T, ClientError>>>,
) -> Result<Fetched<T>, FetchError> {
    match read.await {
        None => Ok(Fetched::Skipped),
        Some(Ok(value)) => Ok(Fetched::Present(value)),
        Some(Err(e)) if e.is_not_found() => Ok(Fetched::Absent),
        Some(Err(error)) => Err(FetchError { what, error }),
    }
}
