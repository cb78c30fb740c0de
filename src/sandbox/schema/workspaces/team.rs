//! The deprecated `Team` type: a workspace seen under its old name, every field the workspace's.

use async_graphql::{Context, ID, Object};

use super::Workspace;
use crate::sandbox::schema::connection::{PageArgs, connection};
use crate::sandbox::schema::scalars::DateTime;
use crate::sandbox::schema::types::Project;
use crate::sandbox::schema::unmodelled::{
    AdoptionInfo, ApiTokenRateLimit, Customer, SupportTierOverride, TeamMember, TeamPermission,
    TeamRole,
};
use crate::sandbox::schema::with_store;

connection!(TeamProjectsConnection, TeamProjectsConnectionEdge, Project);

/// Upstream `Team`: the sandbox's team of a workspace has the workspace's id.
pub(crate) struct Team(pub Workspace);

#[Object]
impl Team {
    #[graphql(deprecation = "Use workspace")]
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    #[graphql(deprecation = "Use workspace")]
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        self.0.name(ctx).await
    }
    #[graphql(deprecation = "Use workspace")]
    async fn workspace(&self) -> Workspace {
        self.0.clone()
    }
    #[graphql(deprecation = "Use workspace")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<TeamProjectsConnection> {
        let projects = with_store(ctx, |store| Ok(store.projects(Some(&self.0.id))))?;
        let args = PageArgs::new(&after, &before, first, last);
        TeamProjectsConnection::page(projects.into_iter().map(Project).collect(), args)
    }
    #[graphql(deprecation = "Use workspace")]
    async fn members(&self) -> Vec<TeamMember> {
        std::iter::once(super::sandbox_member())
            .map(|member| TeamMember {
                id: member.id,
                email: member.email,
                name: member.name,
                avatar: member.avatar,
                feature_flags: member.feature_flags,
                role: TeamRole::Admin,
            })
            .collect()
    }
    /// No per-member permissions on the sandbox: its one user is an admin.
    #[graphql(deprecation = "Use workspace")]
    async fn team_permissions(&self) -> Vec<TeamPermission> {
        Vec::new()
    }
    #[graphql(deprecation = "Use workspace")]
    async fn customer(&self) -> Customer {
        super::customer_of(&self.0.id)
    }
    #[graphql(deprecation = "Use workspace")]
    async fn created_at(&self) -> DateTime {
        DateTime::default()
    }
    #[graphql(deprecation = "Use workspace")]
    async fn updated_at(&self) -> DateTime {
        DateTime::default()
    }
    #[graphql(deprecation = "Use workspace")]
    async fn adoption_history(&self) -> Vec<AdoptionInfo> {
        Vec::new()
    }
    #[graphql(deprecation = "Use workspace")]
    async fn adoption_level(&self) -> f64 {
        0.0
    }
    #[graphql(deprecation = "Use workspace")]
    async fn api_token_rate_limit(&self) -> Option<ApiTokenRateLimit> {
        None
    }
    #[graphql(deprecation = "Use workspace")]
    async fn avatar(&self) -> Option<String> {
        None
    }
    #[graphql(deprecation = "Use workspace")]
    async fn preferred_region(&self) -> Option<String> {
        None
    }
    #[graphql(deprecation = "Use workspace")]
    async fn slack_channel_id(&self) -> Option<String> {
        None
    }
    #[graphql(deprecation = "Use workspace")]
    async fn support_tier_override(&self) -> Option<SupportTierOverride> {
        None
    }
}
