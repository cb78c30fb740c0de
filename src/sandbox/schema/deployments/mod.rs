//! The deployments part of the sandbox schema: `deployments`, `deployment`, the deploy,
//! redeploy, remove and restart mutations, the cron runs (`deploymentInstanceExecutions`,
//! `...Create`), and `ServiceInstance`'s `latestDeployment`, `activeDeployments` and
//! `nextCronRunAt`. Each maps onto one store call; the lifecycle lives in the store.

mod executions;
mod logs;
mod types;

use async_graphql::{Context, Object};
use chrono::Utc;

use executions::{
    DeploymentInstanceExecution, DeploymentInstanceExecutionCreateInput,
    DeploymentInstanceExecutionListInput, QueryDeploymentInstanceExecutionsConnection,
};
pub(crate) use logs::{LogsMutation, LogsQuery};
pub(crate) use types::Deployment;
use types::{DeploymentListInput, QueryDeploymentsConnection, date_time};

use super::connection::PageArgs;
use super::scalars::DateTime;
use super::with_store;
use crate::sandbox::model::InstanceRecord;
use crate::sandbox::store::{DeploymentFilter, Store, next_cron_run};

/// `ServiceInstance.latestDeployment`.
pub(crate) fn latest_deployment(store: &Store, instance: &InstanceRecord) -> Option<Deployment> {
    store
        .latest_deployment_of(instance, Utc::now())
        .map(Deployment)
}

/// `ServiceInstance.activeDeployments`.
pub(crate) fn active_deployments(store: &Store, instance: &InstanceRecord) -> Vec<Deployment> {
    store
        .active_deployments_of(instance, Utc::now())
        .into_iter()
        .map(Deployment)
        .collect()
}

/// `ServiceInstance.nextCronRunAt`: null without a (readable) `cronSchedule`.
pub(crate) fn next_cron_run_at(instance: &InstanceRecord) -> Option<DateTime> {
    let schedule = instance.settings.cron_schedule.as_deref()?;
    next_cron_run(schedule, Utc::now()).map(date_time)
}

#[derive(Default)]
pub(crate) struct DeploymentsQuery;

#[Object]
impl DeploymentsQuery {
    async fn deployment(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<Deployment> {
        with_store(ctx, |store| {
            store.deployment_by_id(&id, Utc::now()).map(Deployment)
        })
    }

    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        input: DeploymentListInput,
        last: Option<i32>,
    ) -> async_graphql::Result<QueryDeploymentsConnection> {
        let filter = DeploymentFilter::from(input);
        let views = with_store(ctx, |store| Ok(store.list_deployments(&filter, Utc::now())))?;
        let args = PageArgs::new(&after, &before, first, last);
        QueryDeploymentsConnection::page(views.into_iter().map(Deployment).collect(), args)
    }

    /// `railway cron list`: the instance's off-schedule runs, newest first.
    async fn deployment_instance_executions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        input: DeploymentInstanceExecutionListInput,
        last: Option<i32>,
    ) -> async_graphql::Result<QueryDeploymentInstanceExecutionsConnection> {
        let runs = with_store(ctx, |store| {
            store.executions_of(&input.service_id, &input.environment_id)
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        let runs = runs.into_iter().map(DeploymentInstanceExecution).collect();
        QueryDeploymentInstanceExecutionsConnection::page(runs, args)
    }
}

#[derive(Default)]
pub(crate) struct DeploymentsMutation;

#[Object]
impl DeploymentsMutation {
    /// R43: returns the new deployment's id.
    async fn service_instance_deploy_v2(
        &self,
        ctx: &Context<'_>,
        commit_sha: Option<String>,
        environment_id: String,
        service_id: String,
    ) -> async_graphql::Result<String> {
        // The sandbox has no commits: every deploy builds the configured source.
        let _ = commit_sha;
        with_store(ctx, |store| store.deploy(&service_id, &environment_id))
    }

    /// R43: like `serviceInstanceDeployV2`, answering only `true`.
    async fn service_instance_deploy(
        &self,
        ctx: &Context<'_>,
        commit_sha: Option<String>,
        environment_id: String,
        latest_commit: Option<bool>,
        service_id: String,
    ) -> async_graphql::Result<bool> {
        let _ = (commit_sha, latest_commit);
        with_store(ctx, |store| {
            store.deploy(&service_id, &environment_id).map(|_| true)
        })
    }

    /// R43, R38: redeploys the instance's latest deployment (its live image).
    async fn service_instance_redeploy(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .redeploy_instance(&service_id, &environment_id)
                .map(|_| true)
        })
    }

    /// R43, R38: a new deployment with the image and settings of deployment `id`.
    async fn deployment_redeploy(
        &self,
        ctx: &Context<'_>,
        id: String,
        use_previous_image_tag: Option<bool>,
    ) -> async_graphql::Result<Deployment> {
        with_store(ctx, |store| {
            let new_id = store.redeploy_deployment(&id, use_previous_image_tag.unwrap_or(false))?;
            store.deployment_by_id(&new_id, Utc::now()).map(Deployment)
        })
    }

    /// R43: a new deployment of deployment `id`'s image (the last good one, after a failure).
    async fn deployment_rollback(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.rollback_deployment(&id).map(|_| true))
    }

    /// R42: the deployment goes REMOVING, then REMOVED; nothing new is deployed.
    async fn deployment_remove(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.remove_deployment(&id).map(|()| true))
    }

    /// Restarts a running deployment's containers: no rebuild, no new deployment.
    async fn deployment_restart(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.restart_deployment(&id).map(|()| true))
    }

    /// `railway cron run`: runs the instance's current deployment once, off-schedule.
    async fn deployment_instance_execution_create(
        &self,
        ctx: &Context<'_>,
        input: DeploymentInstanceExecutionCreateInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .run_instance_now(&input.service_instance_id, Utc::now())
                .map(|()| true)
        })
    }
}
