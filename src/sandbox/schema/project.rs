//! The `Project` output type: a thin view over a stored project record, with the upstream
//! fields the sandbox keeps no state for answered as plausible constants (R52). No rule of
//! Railway is decided here.

use async_graphql::{Context, ID, Object};

use super::access;
use super::cli::{Bucket, ProjectBucketsConnection};
use super::connection::PageArgs;
use super::deployments::Deployment;
use super::scalars::DateTime;
use super::scalars::SubscriptionPlanLimit;
use super::types::*;
use super::unmodelled::{
    ActiveProjectFeatureFlag, ProjectDeploymentTriggersConnection, ProjectDeploymentsConnection,
    ProjectGroupsConnection, ProjectMember, ProjectPluginsConnection,
    ProjectProjectPermissionsConnection, ProjectRole, SubscriptionPlanType,
};
use super::volumes::{ProjectVolumesConnection, project_volumes};
use super::with_store;
use super::workspaces::{SANDBOX_USER_EMAIL, SANDBOX_USER_NAME, Team};
use crate::sandbox::model::ProjectRecord;
use crate::sandbox::store::DeploymentFilter;
use crate::sandbox::store::SANDBOX_CREATOR_ID;

pub(crate) struct Project(pub ProjectRecord);

#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn workspace_id(&self) -> Option<&str> {
        // R33: an empty id is a personal (workspace-less) project.
        Some(self.0.workspace_id.as_str()).filter(|id| !id.is_empty())
    }
    async fn workspace(&self) -> Option<Workspace> {
        Some(self.0.workspace_id.as_str())
            .filter(|id| !id.is_empty())
            .map(|id| Workspace { id: id.to_string() })
    }
    /// Guess: the sandbox does not track updates, so a project reads as updated when created.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    /// R49: the project's live buckets.
    async fn buckets(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ProjectBucketsConnection> {
        let buckets = with_store(ctx, |store| Ok(store.buckets_of_project(&self.0.id)))?;
        let args = PageArgs::new(&after, &before, first, last);
        ProjectBucketsConnection::page(buckets.into_iter().map(Bucket::from).collect(), args)
    }
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// R52: `teamId` is the deprecated name of the workspace id (a guess from the schema).
    async fn team_id(&self) -> Option<&str> {
        Some(self.0.workspace_id.as_str()).filter(|id| !id.is_empty())
    }
    /// R52, guess: every sandbox project is on the pro plan.
    async fn subscription_type(&self) -> SubscriptionPlanType {
        SubscriptionPlanType::Pro
    }
    /// R50: the environment PR environments copy; null means production.
    async fn base_environment_id(&self) -> Option<&str> {
        self.0.base_environment_id.as_deref()
    }
    async fn base_environment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Environment>> {
        let Some(id) = &self.0.base_environment_id else {
            return Ok(None);
        };
        with_store(ctx, |store| {
            Ok(store.environment(id).ok().cloned().map(Environment))
        })
    }
    async fn bot_pr_environments(&self) -> bool {
        self.0.bot_pr_environments
    }
    async fn focused_pr_environments(&self) -> bool {
        self.0.focused_pr_environments
    }
    async fn primary_environment_id(&self) -> Option<&str> {
        None
    }
    async fn expired_at(&self) -> Option<DateTime> {
        None
    }
    async fn is_temp_project(&self) -> bool {
        false
    }
    async fn feature_flags(&self) -> Vec<ActiveProjectFeatureFlag> {
        Vec::new()
    }
    async fn tracing_enabled(&self) -> bool {
        false
    }
    async fn tracing_sample_rate(&self) -> Option<f64> {
        None
    }
    /// R52: the project's deployments, newest first as `deployments` lists them.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ProjectDeploymentsConnection> {
        let filter = DeploymentFilter {
            project_id: Some(self.0.id.clone()),
            ..DeploymentFilter::default()
        };
        let views = with_store(ctx, |store| {
            Ok(store.list_deployments(&filter, chrono::Utc::now()))
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        ProjectDeploymentsConnection::page(views.into_iter().map(Deployment).collect(), args)
    }
    /// Deprecated upstream: the project's triggers, from every environment.
    #[graphql(deprecation = "Use the environment's deployment triggers")]
    async fn deployment_triggers(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ProjectDeploymentTriggersConnection> {
        let triggers = triggers_where(ctx, |t| t.project_id == self.0.id)?;
        let args = PageArgs::new(&after, &before, first, last);
        ProjectDeploymentTriggersConnection::page(triggers, args)
    }
    /// Canvas groups are not emulated: none.
    async fn groups(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ProjectGroupsConnection {
        let _ = (after, before, first, last);
        ProjectGroupsConnection::default()
    }
    /// Legacy plugins do not exist on the sandbox: none.
    #[graphql(deprecation = "Plugins are replaced by database services")]
    async fn plugins(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ProjectPluginsConnection {
        let _ = (after, before, first, last);
        ProjectPluginsConnection::default()
    }
    /// No per-project grants on the sandbox: its one user reaches every project as an admin.
    async fn project_permissions(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ProjectProjectPermissionsConnection {
        let _ = (after, before, first, last);
        ProjectProjectPermissionsConnection::default()
    }
    /// The sandbox's one user, an admin of every project (a guess at the role).
    async fn members(&self) -> Vec<ProjectMember> {
        vec![ProjectMember {
            id: SANDBOX_CREATOR_ID.to_string(),
            email: SANDBOX_USER_EMAIL.to_string(),
            name: Some(SANDBOX_USER_NAME.to_string()),
            avatar: None,
            role: ProjectRole::Admin,
        }]
    }
    /// Guess: no plan limit override; an empty object stands for the plan's own limits.
    async fn subscription_plan_limit(&self) -> SubscriptionPlanLimit {
        SubscriptionPlanLimit::default()
    }
    /// Deprecated upstream: the workspace under its old name; none for a personal project.
    #[graphql(deprecation = "Use workspace")]
    async fn team(&self) -> Option<Team> {
        Some(self.0.workspace_id.as_str())
            .filter(|id| !id.is_empty())
            .map(|id| Team(Workspace { id: id.to_string() }))
    }
    async fn pr_deploys(&self) -> bool {
        self.0.pr_deploys
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }

    async fn services(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ProjectServicesConnection> {
        let services = with_store(ctx, |store| Ok(store.services_of_project(&self.0.id)))?;
        let args = PageArgs::new(&after, &before, first, last);
        ProjectServicesConnection::page(services.into_iter().map(Service).collect(), args)
    }

    async fn volumes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ProjectVolumesConnection> {
        project_volumes(ctx, &self.0.id, PageArgs::new(&after, &before, first, last))
    }

    #[allow(clippy::too_many_arguments)]
    async fn environments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        is_ephemeral: Option<bool>,
        last: Option<i32>,
        sort: Option<SortOrder>,
    ) -> async_graphql::Result<ProjectEnvironmentsConnection> {
        let environments = with_store(ctx, |store| {
            Ok(store.environments_of_project(&self.0.id, is_ephemeral))
        })?;
        let mut environments = access::visible_environments(ctx, environments);
        if sort == Some(SortOrder::Desc) {
            environments.reverse();
        }
        let args = PageArgs::new(&after, &before, first, last);
        ProjectEnvironmentsConnection::page(
            environments.into_iter().map(Environment).collect(),
            args,
        )
    }
}
