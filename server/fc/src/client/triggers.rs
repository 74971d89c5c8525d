//! Triggers (fc-api.md §5): create (sent once), get, update (only `description`,
//! `invocationRole`, `qualifier`, `triggerConfig` are accepted), delete and list. ListTriggers
//! answers as the service does — EventBridge "shadow" triggers (names with `|`) included; callers
//! filter them.

use reqwest::Method;

use super::models::ListQuery;
use super::transport::Op;
use super::{Client, ClientError};
use crate::types::{ListTriggersOutput, Trigger};

/// Page size of [`Client::list_triggers`] (what fc3 uses).
const TRIGGER_PAGE_SIZE: u32 = 10;

impl Client {
    /// CreateTrigger. Sent once; `409 TriggerAlreadyExists` when the name is taken.
    pub async fn create_trigger(
        &self,
        function: &str,
        trigger: &Trigger,
    ) -> Result<Trigger, ClientError> {
        let op = Op::new(
            "CreateTrigger",
            Method::POST,
            &["functions", function, "triggers"],
        )?
        .json(trigger)?;
        self.call_json(op).await
    }

    /// GetTrigger.
    pub async fn get_trigger(&self, function: &str, trigger: &str) -> Result<Trigger, ClientError> {
        self.call_json(Op::new(
            "GetTrigger",
            Method::GET,
            &["functions", function, "triggers", trigger],
        )?)
        .await
    }

    /// UpdateTrigger, the body sent as given (leave `triggerName`, `triggerType`, `sourceArn`
    /// unset: they cannot change).
    pub async fn update_trigger(
        &self,
        function: &str,
        trigger: &str,
        update: &Trigger,
    ) -> Result<Trigger, ClientError> {
        let op = Op::new(
            "UpdateTrigger",
            Method::PUT,
            &["functions", function, "triggers", trigger],
        )?
        .json(update)?;
        self.call_json(op).await
    }

    /// DeleteTrigger.
    pub async fn delete_trigger(&self, function: &str, trigger: &str) -> Result<(), ClientError> {
        self.call_unit(Op::new(
            "DeleteTrigger",
            Method::DELETE,
            &["functions", function, "triggers", trigger],
        )?)
        .await
    }

    /// ListTriggers: one page.
    pub async fn list_triggers_page(
        &self,
        function: &str,
        query: &ListQuery,
        next_token: Option<&str>,
    ) -> Result<ListTriggersOutput, ClientError> {
        let op = Op::new(
            "ListTriggers",
            Method::GET,
            &["functions", function, "triggers"],
        )?
        .query_opt("limit", query.limit)
        .query_opt("nextToken", next_token)
        .query_opt("prefix", query.prefix.as_deref());
        self.call_json(op).await
    }

    /// ListTriggers: every page (page size `query.limit`, default 10).
    pub async fn list_triggers(
        &self,
        function: &str,
        query: &ListQuery,
    ) -> Result<Vec<Trigger>, ClientError> {
        let query = ListQuery {
            limit: Some(query.limit.unwrap_or(TRIGGER_PAGE_SIZE)),
            ..query.clone()
        };
        Self::all_pages("ListTriggers", |token| {
            let query = &query;
            async move {
                self.list_triggers_page(function, query, token.as_deref())
                    .await
            }
        })
        .await
    }
}
