//! Custom domains (fc-api.md §13.1) and the function-scoped configs: async invoke (§13.2),
//! concurrency (§13.3), provision (§13.4) and scaling (§13.5) — Put (an upsert, idempotent),
//! Get, Delete and the account-wide List (optionally filtered by function name). `qualifier`
//! `None` leaves the parameter out (the service then means LATEST; fc3 always passes `LATEST`).

use reqwest::Method;

use super::functions::PAGE_SIZE;
use super::models::ListQuery;
use super::transport::Op;
use super::{Client, ClientError};
use crate::types::{
    AsyncInvokeConfig, ConcurrencyConfig, CustomDomain, ListAsyncInvokeConfigsOutput,
    ListConcurrencyConfigsOutput, ListCustomDomainsOutput, ListProvisionConfigsOutput,
    ListScalingConfigsOutput, ProvisionConfig, ScalingConfig,
};

impl Client {
    // -----------------------------------------------------------------------------------------
    // Custom domains

    /// CreateCustomDomain. Sent once; `409 DomainNameAlreadyExists` when it exists.
    pub async fn create_custom_domain(
        &self,
        domain: &CustomDomain,
    ) -> Result<CustomDomain, ClientError> {
        let op = Op::new("CreateCustomDomain", Method::POST, &["custom-domains"])?.json(domain)?;
        self.call_json(op).await
    }

    /// GetCustomDomain (`404 DomainNameNotFound` when absent).
    pub async fn get_custom_domain(&self, domain: &str) -> Result<CustomDomain, ClientError> {
        self.call_json(Op::new(
            "GetCustomDomain",
            Method::GET,
            &["custom-domains", domain],
        )?)
        .await
    }

    /// UpdateCustomDomain; `routeConfig` replaces the whole route table.
    pub async fn update_custom_domain(
        &self,
        domain: &str,
        update: &CustomDomain,
    ) -> Result<CustomDomain, ClientError> {
        let op = Op::new(
            "UpdateCustomDomain",
            Method::PUT,
            &["custom-domains", domain],
        )?
        .json(update)?;
        self.call_json(op).await
    }

    /// DeleteCustomDomain.
    pub async fn delete_custom_domain(&self, domain: &str) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteCustomDomain",
            Method::DELETE,
            &["custom-domains", domain],
        )?)
        .await
    }

    /// ListCustomDomains: one page.
    pub async fn list_custom_domains_page(
        &self,
        query: &ListQuery,
        next_token: Option<&str>,
    ) -> Result<ListCustomDomainsOutput, ClientError> {
        let op = Op::new("ListCustomDomains", Method::GET, &["custom-domains"])?
            .query_opt("limit", query.limit)
            .query_opt("nextToken", next_token)
            .query_opt("prefix", query.prefix.as_deref());
        self.call_json(op).await
    }

    /// ListCustomDomains: every page (page size `query.limit`, default 100).
    pub async fn list_custom_domains(
        &self,
        query: &ListQuery,
    ) -> Result<Vec<CustomDomain>, ClientError> {
        let query = ListQuery {
            limit: Some(query.limit.unwrap_or(PAGE_SIZE)),
            ..query.clone()
        };
        Self::all_pages("ListCustomDomains", |token| {
            let query = &query;
            async move { self.list_custom_domains_page(query, token.as_deref()).await }
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Async-invoke config

    /// PutAsyncInvokeConfig (upsert, replaces the whole config).
    pub async fn put_async_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
        config: &AsyncInvokeConfig,
    ) -> Result<AsyncInvokeConfig, ClientError> {
        let op = Op::new(
            "PutAsyncInvokeConfig",
            Method::PUT,
            &["functions", function, "async-invoke-config"],
        )?
        .query_opt("qualifier", qualifier)
        .json(config)?;
        self.call_json(op).await
    }

    /// GetAsyncInvokeConfig (`404 AsyncConfigNotExists` when none).
    pub async fn get_async_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<AsyncInvokeConfig, ClientError> {
        let op = Op::new(
            "GetAsyncInvokeConfig",
            Method::GET,
            &["functions", function, "async-invoke-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_json(op).await
    }

    /// DeleteAsyncInvokeConfig.
    pub async fn delete_async_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(), ClientError> {
        let op = Op::new(
            "DeleteAsyncInvokeConfig",
            Method::DELETE,
            &["functions", function, "async-invoke-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_unit(op).await
    }

    /// ListAsyncInvokeConfigs: one page (of one function when `function` is given).
    pub async fn list_async_invoke_configs_page(
        &self,
        function: Option<&str>,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListAsyncInvokeConfigsOutput, ClientError> {
        let op = Op::new(
            "ListAsyncInvokeConfigs",
            Method::GET,
            &["async-invoke-configs"],
        )?
        .query_opt("functionName", function)
        .query_opt("limit", limit)
        .query_opt("nextToken", next_token);
        self.call_json(op).await
    }

    /// ListAsyncInvokeConfigs: every page.
    pub async fn list_async_invoke_configs(
        &self,
        function: Option<&str>,
    ) -> Result<Vec<AsyncInvokeConfig>, ClientError> {
        Self::all_pages("ListAsyncInvokeConfigs", |token| async move {
            self.list_async_invoke_configs_page(function, Some(PAGE_SIZE), token.as_deref())
                .await
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Concurrency config

    /// PutConcurrencyConfig `{reservedConcurrency}`.
    pub async fn put_concurrency_config(
        &self,
        function: &str,
        config: &ConcurrencyConfig,
    ) -> Result<ConcurrencyConfig, ClientError> {
        let op = Op::new(
            "PutConcurrencyConfig",
            Method::PUT,
            &["functions", function, "concurrency"],
        )?
        .json(config)?;
        self.call_json(op).await
    }

    /// GetConcurrencyConfig.
    pub async fn get_concurrency_config(
        &self,
        function: &str,
    ) -> Result<ConcurrencyConfig, ClientError> {
        self.call_json(Op::new(
            "GetConcurrencyConfig",
            Method::GET,
            &["functions", function, "concurrency"],
        )?)
        .await
    }

    /// DeleteConcurrencyConfig.
    pub async fn delete_concurrency_config(&self, function: &str) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteConcurrencyConfig",
            Method::DELETE,
            &["functions", function, "concurrency"],
        )?)
        .await
    }

    /// ListConcurrencyConfigs: one page.
    pub async fn list_concurrency_configs_page(
        &self,
        function: Option<&str>,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListConcurrencyConfigsOutput, ClientError> {
        let op = Op::new(
            "ListConcurrencyConfigs",
            Method::GET,
            &["concurrency-configs"],
        )?
        .query_opt("functionName", function)
        .query_opt("limit", limit)
        .query_opt("nextToken", next_token);
        self.call_json(op).await
    }

    /// ListConcurrencyConfigs: every page.
    pub async fn list_concurrency_configs(
        &self,
        function: Option<&str>,
    ) -> Result<Vec<ConcurrencyConfig>, ClientError> {
        Self::all_pages("ListConcurrencyConfigs", |token| async move {
            self.list_concurrency_configs_page(function, Some(PAGE_SIZE), token.as_deref())
                .await
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Provision config

    /// PutProvisionConfig (upsert). Send `scheduledActions`/`targetTrackingPolicies` as `[]`
    /// for "none", as the SDK does.
    pub async fn put_provision_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
        config: &ProvisionConfig,
    ) -> Result<ProvisionConfig, ClientError> {
        let op = Op::new(
            "PutProvisionConfig",
            Method::PUT,
            &["functions", function, "provision-config"],
        )?
        .query_opt("qualifier", qualifier)
        .json(config)?;
        self.call_json(op).await
    }

    /// GetProvisionConfig; see [`ProvisionConfig::is_none`] for the "none" answer.
    pub async fn get_provision_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<ProvisionConfig, ClientError> {
        let op = Op::new(
            "GetProvisionConfig",
            Method::GET,
            &["functions", function, "provision-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_json(op).await
    }

    /// DeleteProvisionConfig.
    pub async fn delete_provision_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(), ClientError> {
        let op = Op::new(
            "DeleteProvisionConfig",
            Method::DELETE,
            &["functions", function, "provision-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_unit(op).await
    }

    /// ListProvisionConfigs: one page.
    pub async fn list_provision_configs_page(
        &self,
        function: Option<&str>,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListProvisionConfigsOutput, ClientError> {
        let op = Op::new("ListProvisionConfigs", Method::GET, &["provision-configs"])?
            .query_opt("functionName", function)
            .query_opt("limit", limit)
            .query_opt("nextToken", next_token);
        self.call_json(op).await
    }

    /// ListProvisionConfigs: every page.
    pub async fn list_provision_configs(
        &self,
        function: Option<&str>,
    ) -> Result<Vec<ProvisionConfig>, ClientError> {
        Self::all_pages("ListProvisionConfigs", |token| async move {
            self.list_provision_configs_page(function, Some(PAGE_SIZE), token.as_deref())
                .await
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Scaling config

    /// PutScalingConfig (upsert). Send the policy arrays as `[]` for "none", as the SDK does.
    pub async fn put_scaling_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
        config: &ScalingConfig,
    ) -> Result<ScalingConfig, ClientError> {
        let op = Op::new(
            "PutScalingConfig",
            Method::PUT,
            &["functions", function, "scaling-config"],
        )?
        .query_opt("qualifier", qualifier)
        .json(config)?;
        self.call_json(op).await
    }

    /// GetScalingConfig; see [`ScalingConfig::is_none`] for the "none" answer.
    pub async fn get_scaling_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<ScalingConfig, ClientError> {
        let op = Op::new(
            "GetScalingConfig",
            Method::GET,
            &["functions", function, "scaling-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_json(op).await
    }

    /// DeleteScalingConfig.
    pub async fn delete_scaling_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(), ClientError> {
        let op = Op::new(
            "DeleteScalingConfig",
            Method::DELETE,
            &["functions", function, "scaling-config"],
        )?
        .query_opt("qualifier", qualifier);
        self.call_unit(op).await
    }

    /// ListScalingConfigs: one page.
    pub async fn list_scaling_configs_page(
        &self,
        function: Option<&str>,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListScalingConfigsOutput, ClientError> {
        let op = Op::new("ListScalingConfigs", Method::GET, &["scaling-configs"])?
            .query_opt("functionName", function)
            .query_opt("limit", limit)
            .query_opt("nextToken", next_token);
        self.call_json(op).await
    }

    /// ListScalingConfigs: every page.
    pub async fn list_scaling_configs(
        &self,
        function: Option<&str>,
    ) -> Result<Vec<ScalingConfig>, ClientError> {
        Self::all_pages("ListScalingConfigs", |token| async move {
            self.list_scaling_configs_page(function, Some(PAGE_SIZE), token.as_deref())
                .await
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // VPC bindings (fc-api.md §13.6)

    /// CreateVpcBinding (`POST …/vpc-bindings {"vpcId"}`): lets the VPC reach the function.
    pub async fn create_vpc_binding(
        &self,
        function: &str,
        vpc_id: &str,
    ) -> Result<(), ClientError> {
        let op = Op::new(
            "CreateVpcBinding",
            Method::POST,
            &["functions", function, "vpc-bindings"],
        )?
        .json(&serde_json::json!({ "vpcId": vpc_id }))?;
        self.call_unit(op).await
    }

    /// ListVpcBindings: the bound VPC ids (`{"vpcIds": […]}`).
    pub async fn list_vpc_bindings(&self, function: &str) -> Result<Vec<String>, ClientError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Output {
            #[serde(default)]
            vpc_ids: Option<Vec<String>>,
        }
        let output: Output = self
            .call_json(Op::new(
                "ListVpcBindings",
                Method::GET,
                &["functions", function, "vpc-bindings"],
            )?)
            .await?;
        Ok(output.vpc_ids.unwrap_or_default())
    }

    /// DeleteVpcBinding.
    pub async fn delete_vpc_binding(
        &self,
        function: &str,
        vpc_id: &str,
    ) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteVpcBinding",
            Method::DELETE,
            &["functions", function, "vpc-bindings", vpc_id],
        )?)
        .await
    }
}
