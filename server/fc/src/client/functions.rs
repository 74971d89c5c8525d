//! Functions, function code, versions and aliases (fc-api.md §3, §4, §6). CreateFunction,
//! PublishFunctionVersion and CreateAlias are not idempotent and are sent exactly once.

use reqwest::Method;

use super::models::{ListFunctionsQuery, ListQuery, VersionDirection};
use super::transport::Op;
use super::{Client, ClientError};
use crate::types::{
    Alias, Function, FunctionCode, ListAliasesOutput, ListFunctionsOutput, ListVersionsOutput,
    Version,
};

/// Page size of the list-all methods (fc3 pages functions, versions and aliases by 100).
pub(super) const PAGE_SIZE: u32 = 100;

impl Client {
    // -----------------------------------------------------------------------------------------
    // Functions

    /// CreateFunction (`POST /functions`). Sent once: on a retryable failure the caller decides
    /// (GetFunction shows whether it happened). `409 FunctionAlreadyExists` when the name is taken.
    pub async fn create_function(&self, function: &Function) -> Result<Function, ClientError> {
        let op = Op::new("CreateFunction", Method::POST, &["functions"])?.json(function)?;
        self.call_json(op).await
    }

    /// GetFunction; `qualifier` is a version id or alias (`None`: LATEST).
    pub async fn get_function(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Function, ClientError> {
        let op = Op::new("GetFunction", Method::GET, &["functions", name])?
            .query_opt("qualifier", qualifier);
        self.call_json(op).await
    }

    /// UpdateFunction: a partial update, the body sent as given (fc-api.md §4.3: omitted fields
    /// stay, present fields replace; leave `functionName`, `tags`, `resourceGroupId` unset).
    pub async fn update_function(
        &self,
        name: &str,
        update: &Function,
    ) -> Result<Function, ClientError> {
        let op = Op::new("UpdateFunction", Method::PUT, &["functions", name])?.json(update)?;
        self.call_json(op).await
    }

    /// DeleteFunction (refused while the function has triggers).
    pub async fn delete_function(&self, name: &str) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteFunction",
            Method::DELETE,
            &["functions", name],
        )?)
        .await
    }

    /// ListFunctions: one page, starting at `next_token`.
    pub async fn list_functions_page(
        &self,
        query: &ListFunctionsQuery,
        next_token: Option<&str>,
    ) -> Result<ListFunctionsOutput, ClientError> {
        let tags = match &query.tags {
            Some(tags) => Some(
                serde_json::to_string(tags).map_err(|e| ClientError::Encode {
                    action: "ListFunctions",
                    message: e.to_string(),
                })?,
            ),
            None => None,
        };
        let op = Op::new("ListFunctions", Method::GET, &["functions"])?
            .query_opt("description", query.description.as_deref())
            .query_opt("fcVersion", query.fc_version.as_deref())
            .query_opt("functionName", query.function_name.as_deref())
            .query_opt("gpuType", query.gpu_type.as_deref())
            .query_opt("limit", query.limit)
            .query_opt("nextToken", next_token)
            .query_opt("prefix", query.prefix.as_deref())
            .query_opt("resourceGroupId", query.resource_group_id.as_deref())
            .query_opt("runtime", query.runtime.as_deref())
            .query_opt("tags", tags);
        self.call_json(op).await
    }

    /// ListFunctions: every page, in order (page size `query.limit`, default 100).
    pub async fn list_functions(
        &self,
        query: &ListFunctionsQuery,
    ) -> Result<Vec<Function>, ClientError> {
        let query = ListFunctionsQuery {
            limit: Some(query.limit.unwrap_or(PAGE_SIZE)),
            ..query.clone()
        };
        Self::all_pages("ListFunctions", |token| {
            let query = &query;
            async move { self.list_functions_page(query, token.as_deref()).await }
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Code

    /// GetFunctionCode: the code's checksum and a signed download URL.
    pub async fn get_function_code(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionCode, ClientError> {
        let op = Op::new("GetFunctionCode", Method::GET, &["functions", name, "code"])?
            .query_opt("qualifier", qualifier);
        self.call_json(op).await
    }

    // -----------------------------------------------------------------------------------------
    // Versions

    /// PublishFunctionVersion: snapshots LATEST. Sent once (a repeat would publish twice).
    pub async fn publish_version(
        &self,
        function: &str,
        description: Option<&str>,
    ) -> Result<Version, ClientError> {
        let mut body = serde_json::Map::new();
        if let Some(description) = description {
            body.insert("description".to_owned(), description.into());
        }
        let op = Op::new(
            "PublishFunctionVersion",
            Method::POST,
            &["functions", function, "versions"],
        )?
        .json(&body)?;
        self.call_json(op).await
    }

    /// ListFunctionVersions: one page.
    pub async fn list_versions_page(
        &self,
        function: &str,
        direction: VersionDirection,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListVersionsOutput, ClientError> {
        let op = Op::new(
            "ListFunctionVersions",
            Method::GET,
            &["functions", function, "versions"],
        )?
        .query("direction", direction.as_str())
        .query_opt("limit", limit)
        .query_opt("nextToken", next_token);
        self.call_json(op).await
    }

    /// ListFunctionVersions: every page, in `direction` order (pages of 100).
    pub async fn list_versions(
        &self,
        function: &str,
        direction: VersionDirection,
    ) -> Result<Vec<Version>, ClientError> {
        Self::all_pages("ListFunctionVersions", |token| async move {
            self.list_versions_page(function, direction, Some(PAGE_SIZE), token.as_deref())
                .await
        })
        .await
    }

    /// DeleteFunctionVersion (refused while an alias references it).
    pub async fn delete_version(
        &self,
        function: &str,
        version_id: &str,
    ) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteFunctionVersion",
            Method::DELETE,
            &["functions", function, "versions", version_id],
        )?)
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Aliases

    /// CreateAlias (`aliasName`, `versionId`, optional `additionalVersionWeight`). Sent once.
    pub async fn create_alias(&self, function: &str, alias: &Alias) -> Result<Alias, ClientError> {
        let op = Op::new(
            "CreateAlias",
            Method::POST,
            &["functions", function, "aliases"],
        )?
        .json(alias)?;
        self.call_json(op).await
    }

    /// GetAlias.
    pub async fn get_alias(&self, function: &str, alias: &str) -> Result<Alias, ClientError> {
        self.call_json(Op::new(
            "GetAlias",
            Method::GET,
            &["functions", function, "aliases", alias],
        )?)
        .await
    }

    /// UpdateAlias: partial; `additional_version_weight: Some(empty map)` sends
    /// `{"additionalVersionWeight":{}}`, which removes the canary.
    pub async fn update_alias(
        &self,
        function: &str,
        alias: &str,
        update: &Alias,
    ) -> Result<Alias, ClientError> {
        let op = Op::new(
            "UpdateAlias",
            Method::PUT,
            &["functions", function, "aliases", alias],
        )?
        .json(update)?;
        self.call_json(op).await
    }

    /// DeleteAlias.
    pub async fn delete_alias(&self, function: &str, alias: &str) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteAlias",
            Method::DELETE,
            &["functions", function, "aliases", alias],
        )?)
        .await
    }

    /// ListAliases: one page.
    pub async fn list_aliases_page(
        &self,
        function: &str,
        query: &ListQuery,
        next_token: Option<&str>,
    ) -> Result<ListAliasesOutput, ClientError> {
        let op = Op::new(
            "ListAliases",
            Method::GET,
            &["functions", function, "aliases"],
        )?
        .query_opt("limit", query.limit)
        .query_opt("nextToken", next_token)
        .query_opt("prefix", query.prefix.as_deref());
        self.call_json(op).await
    }

    /// ListAliases: every page (page size `query.limit`, default 100).
    pub async fn list_aliases(
        &self,
        function: &str,
        query: &ListQuery,
    ) -> Result<Vec<Alias>, ClientError> {
        let query = ListQuery {
            limit: Some(query.limit.unwrap_or(PAGE_SIZE)),
            ..query.clone()
        };
        Self::all_pages("ListAliases", |token| {
            let query = &query;
            async move {
                self.list_aliases_page(function, query, token.as_deref())
                    .await
            }
        })
        .await
    }
}
