//! `deploymentLogs`, `buildLogs` and `environmentLogs` (the way Railway's CLI reads build logs),
//! and `deploymentCancel`. Resolvers only: the lines come from `store::deployments`.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{SecondsFormat, Utc};

use super::super::scalars::DateTime;
use super::super::unmodelled::LogTags;
use super::super::with_store;
use crate::sandbox::store::LogLine;

/// Upstream `LogAttribute`.
#[derive(SimpleObject)]
pub(crate) struct LogAttribute {
    pub key: String,
    pub value: String,
}

/// Upstream `Log`.
#[derive(SimpleObject)]
pub(crate) struct Log {
    pub attributes: Vec<LogAttribute>,
    /// R52: which deployment or environment a line came from.
    pub tags: Option<LogTags>,
    pub message: String,
    pub severity: Option<String>,
    pub timestamp: String,
}

impl From<LogLine> for Log {
    fn from(line: LogLine) -> Log {
        Log {
            attributes: vec![LogAttribute {
                key: "level".to_string(),
                value: line.severity.to_string(),
            }],
            tags: None,
            message: line.message,
            severity: Some(line.severity.to_string()),
            timestamp: line.timestamp.to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }
}

/// The last `limit` lines (all when absent), as Railway answers a log query, each with `tags`.
fn last(lines: Vec<LogLine>, limit: Option<i32>, tags: LogTags) -> Vec<Log> {
    let keep = limit.map_or(lines.len(), |n| usize::try_from(n).unwrap_or(0));
    let skip = lines.len().saturating_sub(keep);
    lines
        .into_iter()
        .skip(skip)
        .map(|line| Log {
            tags: Some(tags.clone()),
            ..Log::from(line)
        })
        .collect()
}

/// The tags of a deployment's lines (its other ids are not looked up: a guess at what is set).
fn deployment_tags(deployment_id: &str) -> LogTags {
    LogTags {
        deployment_id: Some(deployment_id.to_string()),
        ..LogTags::default()
    }
}

#[derive(Default)]
pub(crate) struct LogsQuery;

#[Object]
impl LogsQuery {
    /// R44: the container's lines; a crash or failed health check writes its reason last.
    #[allow(clippy::too_many_arguments)]
    async fn deployment_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        end_date: Option<DateTime>,
        filter: Option<String>,
        limit: Option<i32>,
        start_date: Option<DateTime>,
    ) -> async_graphql::Result<Vec<Log>> {
        let _ = (end_date, filter, start_date);
        let lines = with_store(ctx, |store| store.deploy_logs(&deployment_id, Utc::now()))?;
        Ok(last(lines, limit, deployment_tags(&deployment_id)))
    }

    /// R44: the build's lines; a failed build writes its reason last.
    #[allow(clippy::too_many_arguments)]
    async fn build_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        end_date: Option<DateTime>,
        filter: Option<String>,
        limit: Option<i32>,
        start_date: Option<DateTime>,
    ) -> async_graphql::Result<Vec<Log>> {
        let _ = (end_date, filter, start_date);
        let lines = with_store(ctx, |store| store.build_logs(&deployment_id, Utc::now()))?;
        Ok(last(lines, limit, deployment_tags(&deployment_id)))
    }

    /// Railway's CLI reads build logs here, filtered by `@snapshot:ID`; dates are ignored.
    #[allow(clippy::too_many_arguments)]
    async fn environment_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        environment_id: String,
        filter: Option<String>,
    ) -> async_graphql::Result<Vec<Log>> {
        let _ = (after_date, after_limit, anchor_date, before_date);
        let lines = with_store(ctx, |store| {
            Ok(store.environment_logs(&environment_id, filter.as_deref(), Utc::now()))
        })?;
        let tags = LogTags {
            environment_id: Some(environment_id),
            ..LogTags::default()
        };
        Ok(last(lines, before_limit, tags))
    }
}

#[derive(Default)]
pub(crate) struct LogsMutation;

#[Object]
impl LogsMutation {
    /// R42: a deployment still in progress is aborted (REMOVING, then REMOVED, as Railway ends
    /// an aborted one); cancelling one that has ended changes nothing (a guess).
    async fn deployment_cancel(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.cancel_deployment(&id).map(|()| true))
    }
}
