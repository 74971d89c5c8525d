//! The FC 3.0 API (fc-api.md §3): routing by method and raw path (each segment percent-decoded
//! once after matching, so `svc%24fn` is `svc$fn` and a `%2F` stays inside its segment), the
//! request context handlers get, their replies, and the read/write helpers over the store (every
//! write works on a copy of the state that becomes current only once it is on disk).

pub(crate) mod configs;
pub(crate) mod domains;
pub(crate) mod error;
pub(crate) mod functions;
pub(crate) mod invoke;
pub(crate) mod triggers;
pub(crate) mod util;
pub(crate) mod versions;

use std::sync::Arc;

use axum::http::Method;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::server::{Incoming, Shared};
use crate::store::{Namespace, State};
use error::ApiError;

/// One request as handlers see it.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Arc<Shared>,
    pub(crate) region: String,
    /// Decoded query parameters, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) incoming: &'a Incoming,
    pub(crate) request_id: String,
}

impl Ctx<'_> {
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        util::query(&self.query, name)
    }

    /// `qualifier` (absent or empty ⇒ `LATEST`).
    pub(crate) fn qualifier(&self) -> String {
        match self.q("qualifier") {
            None | Some("") => "LATEST".to_owned(),
            Some(q) => q.to_owned(),
        }
    }

    pub(crate) fn body(&self) -> Result<Map<String, Value>, ApiError> {
        util::body_object(&self.incoming.body)
    }

    pub(crate) fn account(&self) -> &str {
        &self.shared.config.account_id
    }

    pub(crate) fn arn(&self, function: &str) -> String {
        util::function_arn(&self.region, self.account(), function)
    }

    /// Reads the namespace of this request's region.
    pub(crate) async fn read<T>(
        &self,
        f: impl FnOnce(&Namespace) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let store = self.shared.store.lock().await;
        match store.state.regions.get(&self.region) {
            Some(ns) => f(ns),
            None => f(&Namespace::default()),
        }
    }

    /// Changes the namespace of this request's region; the change is kept only when `f`
    /// succeeds and the new state is on disk.
    pub(crate) async fn write<T>(
        &self,
        f: impl FnOnce(&mut Namespace) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let region = self.region.clone();
        self.write_state(move |state| f(state.ns_mut(&region)))
            .await
    }

    /// Changes the whole state (all regions), like [`Ctx::write`].
    pub(crate) async fn write_state<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut store = self.shared.store.lock().await;
        let mut draft = store.state.clone();
        let out = f(&mut draft)?;
        store.commit(draft).await?;
        Ok(out)
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
    /// For the request log: the version an invocation ran.
    pub(crate) version: Option<String>,
}

impl Reply {
    /// `200` with a JSON body.
    pub(crate) fn json(value: &Value) -> Reply {
        Reply::json_status(200, value)
    }

    pub(crate) fn json_status(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            content_type: "application/json".to_owned(),
            body: value.to_string().into_bytes(),
            version: None,
        }
    }

    /// `204` without a body (deletes and the "(none read)" operations).
    pub(crate) fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            content_type: "application/json".to_owned(),
            body: Vec::new(),
            version: None,
        }
    }
}

/// An API operation with its decoded path parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    CreateFunction,
    ListFunctions,
    GetFunction(String),
    UpdateFunction(String),
    DeleteFunction(String),
    GetFunctionCode(String),
    InvokeFunction(String),
    PublishFunctionVersion(String),
    ListFunctionVersions(String),
    DeleteFunctionVersion(String, String),
    CreateAlias(String),
    ListAliases(String),
    GetAlias(String, String),
    UpdateAlias(String, String),
    DeleteAlias(String, String),
    CreateTrigger(String),
    ListTriggers(String),
    GetTrigger(String, String),
    UpdateTrigger(String, String),
    DeleteTrigger(String, String),
    PutAsyncInvokeConfig(String),
    GetAsyncInvokeConfig(String),
    DeleteAsyncInvokeConfig(String),
    ListAsyncInvokeConfigs,
    PutConcurrencyConfig(String),
    GetConcurrencyConfig(String),
    DeleteConcurrencyConfig(String),
    ListConcurrencyConfigs,
    PutProvisionConfig(String),
    GetProvisionConfig(String),
    DeleteProvisionConfig(String),
    ListProvisionConfigs,
    PutScalingConfig(String),
    GetScalingConfig(String),
    DeleteScalingConfig(String),
    ListScalingConfigs,
    CreateVpcBinding(String),
    ListVpcBindings(String),
    DeleteVpcBinding(String, String),
    CreateCustomDomain,
    ListCustomDomains,
    GetCustomDomain(String),
    UpdateCustomDomain(String),
    DeleteCustomDomain(String),
    TagResources,
    UntagResources,
    ListTagResources,
    ListInstances(String),
    GetLayerVersionByArn(String),
    ListLayers,
}

impl Route {
    /// The SDK's operation name (what `x-acs-action` says).
    pub(crate) fn operation(&self) -> &'static str {
        use Route::*;
        match self {
            CreateFunction => "CreateFunction",
            ListFunctions => "ListFunctions",
            GetFunction(_) => "GetFunction",
            UpdateFunction(_) => "UpdateFunction",
            DeleteFunction(_) => "DeleteFunction",
            GetFunctionCode(_) => "GetFunctionCode",
            InvokeFunction(_) => "InvokeFunction",
            PublishFunctionVersion(_) => "PublishFunctionVersion",
            ListFunctionVersions(_) => "ListFunctionVersions",
            DeleteFunctionVersion(..) => "DeleteFunctionVersion",
            CreateAlias(_) => "CreateAlias",
            ListAliases(_) => "ListAliases",
            GetAlias(..) => "GetAlias",
            UpdateAlias(..) => "UpdateAlias",
            DeleteAlias(..) => "DeleteAlias",
            CreateTrigger(_) => "CreateTrigger",
            ListTriggers(_) => "ListTriggers",
            GetTrigger(..) => "GetTrigger",
            UpdateTrigger(..) => "UpdateTrigger",
            DeleteTrigger(..) => "DeleteTrigger",
            PutAsyncInvokeConfig(_) => "PutAsyncInvokeConfig",
            GetAsyncInvokeConfig(_) => "GetAsyncInvokeConfig",
            DeleteAsyncInvokeConfig(_) => "DeleteAsyncInvokeConfig",
            ListAsyncInvokeConfigs => "ListAsyncInvokeConfigs",
            PutConcurrencyConfig(_) => "PutConcurrencyConfig",
            GetConcurrencyConfig(_) => "GetConcurrencyConfig",
            DeleteConcurrencyConfig(_) => "DeleteConcurrencyConfig",
            ListConcurrencyConfigs => "ListConcurrencyConfigs",
            PutProvisionConfig(_) => "PutProvisionConfig",
            GetProvisionConfig(_) => "GetProvisionConfig",
            DeleteProvisionConfig(_) => "DeleteProvisionConfig",
            ListProvisionConfigs => "ListProvisionConfigs",
            PutScalingConfig(_) => "PutScalingConfig",
            GetScalingConfig(_) => "GetScalingConfig",
            DeleteScalingConfig(_) => "DeleteScalingConfig",
            ListScalingConfigs => "ListScalingConfigs",
            CreateVpcBinding(_) => "CreateVpcBinding",
            ListVpcBindings(_) => "ListVpcBindings",
            DeleteVpcBinding(..) => "DeleteVpcBinding",
            CreateCustomDomain => "CreateCustomDomain",
            ListCustomDomains => "ListCustomDomains",
            GetCustomDomain(_) => "GetCustomDomain",
            UpdateCustomDomain(_) => "UpdateCustomDomain",
            DeleteCustomDomain(_) => "DeleteCustomDomain",
            TagResources => "TagResources",
            UntagResources => "UntagResources",
            ListTagResources => "ListTagResources",
            ListInstances(_) => "ListInstances",
            GetLayerVersionByArn(_) => "GetLayerVersionByArn",
            ListLayers => "ListLayers",
        }
    }
}

fn decode(segment: &str) -> Result<String, ApiError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::invalid(format!("path segment '{segment}' is not UTF-8")))
}

/// Routes `path` (after `/2023-03-30`, raw) with `method`.
pub(crate) fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    use Route::*;
    let unsupported =
        || ApiError::path_not_supported(method.as_str(), &format!("/2023-03-30{path}"));
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let segs: Vec<&str> = trimmed.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(unsupported());
    }
    let m = method.clone();
    let route = match segs.as_slice() {
        ["functions"] => match m {
            Method::POST => CreateFunction,
            Method::GET => ListFunctions,
            _ => return Err(unsupported()),
        },
        ["functions", f] => {
            let f = decode(f)?;
            match m {
                Method::GET => GetFunction(f),
                Method::PUT => UpdateFunction(f),
                Method::DELETE => DeleteFunction(f),
                _ => return Err(unsupported()),
            }
        }
        ["functions", f, sub] => {
            let f = decode(f)?;
            match (m, *sub) {
                (Method::GET, "code") => GetFunctionCode(f),
                (Method::POST, "invocations") => InvokeFunction(f),
                (Method::POST, "versions") => PublishFunctionVersion(f),
                (Method::GET, "versions") => ListFunctionVersions(f),
                (Method::POST, "aliases") => CreateAlias(f),
                (Method::GET, "aliases") => ListAliases(f),
                (Method::POST, "triggers") => CreateTrigger(f),
                (Method::GET, "triggers") => ListTriggers(f),
                (Method::PUT, "async-invoke-config") => PutAsyncInvokeConfig(f),
                (Method::GET, "async-invoke-config") => GetAsyncInvokeConfig(f),
                (Method::DELETE, "async-invoke-config") => DeleteAsyncInvokeConfig(f),
                (Method::PUT, "concurrency") => PutConcurrencyConfig(f),
                (Method::GET, "concurrency") => GetConcurrencyConfig(f),
                (Method::DELETE, "concurrency") => DeleteConcurrencyConfig(f),
                (Method::PUT, "provision-config") => PutProvisionConfig(f),
                (Method::GET, "provision-config") => GetProvisionConfig(f),
                (Method::DELETE, "provision-config") => DeleteProvisionConfig(f),
                (Method::PUT, "scaling-config") => PutScalingConfig(f),
                (Method::GET, "scaling-config") => GetScalingConfig(f),
                (Method::DELETE, "scaling-config") => DeleteScalingConfig(f),
                (Method::POST, "vpc-bindings") => CreateVpcBinding(f),
                (Method::GET, "vpc-bindings") => ListVpcBindings(f),
                (Method::GET, "instances") => ListInstances(f),
                _ => return Err(unsupported()),
            }
        }
        ["functions", f, sub, id] => {
            let (f, id) = (decode(f)?, decode(id)?);
            match (m, *sub) {
                (Method::DELETE, "versions") => DeleteFunctionVersion(f, id),
                (Method::GET, "aliases") => GetAlias(f, id),
                (Method::PUT, "aliases") => UpdateAlias(f, id),
                (Method::DELETE, "aliases") => DeleteAlias(f, id),
                (Method::GET, "triggers") => GetTrigger(f, id),
                (Method::PUT, "triggers") => UpdateTrigger(f, id),
                (Method::DELETE, "triggers") => DeleteTrigger(f, id),
                (Method::DELETE, "vpc-bindings") => DeleteVpcBinding(f, id),
                _ => return Err(unsupported()),
            }
        }
        ["async-invoke-configs"] if m == Method::GET => ListAsyncInvokeConfigs,
        ["concurrency-configs"] if m == Method::GET => ListConcurrencyConfigs,
        ["provision-configs"] if m == Method::GET => ListProvisionConfigs,
        ["scaling-configs"] if m == Method::GET => ListScalingConfigs,
        ["custom-domains"] => match m {
            Method::POST => CreateCustomDomain,
            Method::GET => ListCustomDomains,
            _ => return Err(unsupported()),
        },
        ["custom-domains", d] => {
            let d = decode(d)?;
            match m {
                Method::GET => GetCustomDomain(d),
                Method::PUT => UpdateCustomDomain(d),
                Method::DELETE => DeleteCustomDomain(d),
                _ => return Err(unsupported()),
            }
        }
        ["tags-v2"] => match m {
            Method::POST => TagResources,
            Method::DELETE => UntagResources,
            Method::GET => ListTagResources,
            _ => return Err(unsupported()),
        },
        ["layerarn", arn] if m == Method::GET => GetLayerVersionByArn(decode(arn)?),
        ["layers"] if m == Method::GET => ListLayers,
        _ => return Err(unsupported()),
    };
    Ok(route)
}

/// Runs one routed, authenticated request.
pub(crate) async fn dispatch(ctx: &Ctx<'_>, route: Route) -> Result<Reply, ApiError> {
    use Route::*;
    match route {
        CreateFunction => functions::create(ctx).await,
        ListFunctions => functions::list(ctx).await,
        GetFunction(f) => functions::get(ctx, &f).await,
        UpdateFunction(f) => functions::update(ctx, &f).await,
        DeleteFunction(f) => functions::delete(ctx, &f).await,
        GetFunctionCode(f) => functions::get_code(ctx, &f).await,
        InvokeFunction(f) => invoke::invoke_function(ctx, &f).await,
        PublishFunctionVersion(f) => versions::publish(ctx, &f).await,
        ListFunctionVersions(f) => versions::list(ctx, &f).await,
        DeleteFunctionVersion(f, v) => versions::delete(ctx, &f, &v).await,
        CreateAlias(f) => versions::create_alias(ctx, &f).await,
        ListAliases(f) => versions::list_aliases(ctx, &f).await,
        GetAlias(f, a) => versions::get_alias(ctx, &f, &a).await,
        UpdateAlias(f, a) => versions::update_alias(ctx, &f, &a).await,
        DeleteAlias(f, a) => versions::delete_alias(ctx, &f, &a).await,
        CreateTrigger(f) => triggers::create(ctx, &f).await,
        ListTriggers(f) => triggers::list(ctx, &f).await,
        GetTrigger(f, t) => triggers::get(ctx, &f, &t).await,
        UpdateTrigger(f, t) => triggers::update(ctx, &f, &t).await,
        DeleteTrigger(f, t) => triggers::delete(ctx, &f, &t).await,
        PutAsyncInvokeConfig(f) => configs::put_async(ctx, &f).await,
        GetAsyncInvokeConfig(f) => configs::get_async(ctx, &f).await,
        DeleteAsyncInvokeConfig(f) => configs::delete_async(ctx, &f).await,
        ListAsyncInvokeConfigs => configs::list_async(ctx).await,
        PutConcurrencyConfig(f) => configs::put_concurrency(ctx, &f).await,
        GetConcurrencyConfig(f) => configs::get_concurrency(ctx, &f).await,
        DeleteConcurrencyConfig(f) => configs::delete_concurrency(ctx, &f).await,
        ListConcurrencyConfigs => configs::list_concurrency(ctx).await,
        PutProvisionConfig(f) => configs::put_provision(ctx, &f).await,
        GetProvisionConfig(f) => configs::get_provision(ctx, &f).await,
        DeleteProvisionConfig(f) => configs::delete_provision(ctx, &f).await,
        ListProvisionConfigs => configs::list_provision(ctx).await,
        PutScalingConfig(f) => configs::put_scaling(ctx, &f).await,
        GetScalingConfig(f) => configs::get_scaling(ctx, &f).await,
        DeleteScalingConfig(f) => configs::delete_scaling(ctx, &f).await,
        ListScalingConfigs => configs::list_scaling(ctx).await,
        CreateVpcBinding(f) => configs::create_vpc_binding(ctx, &f).await,
        ListVpcBindings(f) => configs::list_vpc_bindings(ctx, &f).await,
        DeleteVpcBinding(f, v) => configs::delete_vpc_binding(ctx, &f, &v).await,
        CreateCustomDomain => domains::create(ctx).await,
        ListCustomDomains => domains::list(ctx).await,
        GetCustomDomain(d) => domains::get(ctx, &d).await,
        UpdateCustomDomain(d) => domains::update(ctx, &d).await,
        DeleteCustomDomain(d) => domains::delete(ctx, &d).await,
        TagResources => configs::tag_resources(ctx).await,
        UntagResources => configs::untag_resources(ctx).await,
        ListTagResources => configs::list_tag_resources(ctx).await,
        ListInstances(f) => {
            ctx.read(|ns| {
                ns.functions
                    .get(&f)
                    .map(|_| ())
                    .ok_or_else(|| ApiError::function_not_found(&f))
            })
            .await?;
            Ok(Reply::json(
                &serde_json::json!({"instances": [], "requestId": ctx.request_id}),
            ))
        }
        GetLayerVersionByArn(arn) => Err(ApiError::new(
            404,
            "LayerNotFound",
            format!("layer version '{arn}' does not exist (the emulator has no layers)"),
        )),
        ListLayers => Ok(Reply::json(&serde_json::json!({"layers": []}))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_segments_once() {
        assert_eq!(
            route(&Method::GET, "/functions/svc%24fn").unwrap(),
            Route::GetFunction("svc$fn".into())
        );
        assert_eq!(
            route(&Method::GET, "/layerarn/acs%3Afc%3Ax%2Flayers").unwrap(),
            Route::GetLayerVersionByArn("acs:fc:x/layers".into())
        );
        assert_eq!(
            route(&Method::POST, "/functions/f/invocations").unwrap(),
            Route::InvokeFunction("f".into())
        );
        let err = route(&Method::PATCH, "/functions/f").unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (400, "PathNotSupported"));
        assert!(route(&Method::GET, "/nothing").is_err());
    }
}
