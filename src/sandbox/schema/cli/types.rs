//! Output and input types that only Railway's CLI needs from the sandbox: `User`, `Team`,
//! `ExternalWorkspace`, `ProjectToken`, `Bucket` (never any), `EnvironmentMeta` and the inputs of
//! the CLI's maintenance mutations. Thin views over stored records; no rule is decided here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::super::connection::connection;
use super::super::scalars::DateTime;
use super::super::types::{Environment, Project, Workspace};
use super::super::with_store;
use crate::sandbox::SANDBOX_WORKSPACE_ID;
use crate::sandbox::model::ProjectTokenRecord;
use crate::sandbox::store::SANDBOX_CREATOR_ID;

/// The sandbox's one user, a member of the sandbox's one workspace.
pub(crate) struct User;

#[Object]
impl User {
    /// R52: the sandbox user has no feature flag.
    async fn feature_flags(&self) -> Vec<crate::sandbox::schema::unmodelled::ActiveFeatureFlag> {
        Vec::new()
    }
    async fn id(&self) -> ID {
        ID(SANDBOX_CREATOR_ID.to_string())
    }
    async fn name(&self) -> Option<&str> {
        Some("Sandbox User")
    }
    async fn email(&self) -> &str {
        "sandbox@example.com"
    }
    /// R33: the CLI lists projects through here.
    async fn workspaces(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Workspace>> {
        let others = with_store(ctx, |store| Ok(store.state.access.other_workspaces.clone()))?;
        Ok(std::iter::once(Workspace {
            id: SANDBOX_WORKSPACE_ID.to_string(),
        })
        .chain(others.into_iter().map(|w| Workspace { id: w.id }))
        .collect())
    }
}

/// Deprecated upstream; the sandbox's team has the workspace's id.
#[derive(SimpleObject)]
pub(crate) struct Team {
    pub id: ID,
}

/// A workspace the user reaches through another organisation; the sandbox has none.
pub(crate) struct ExternalWorkspace {
    pub id: String,
}

#[Object]
impl ExternalWorkspace {
    async fn id(&self) -> &str {
        &self.id
    }
    async fn name(&self) -> &str {
        "External"
    }
    async fn team_id(&self) -> Option<&str> {
        None
    }
    async fn projects(&self) -> Vec<Project> {
        Vec::new()
    }
}

/// R34: what a project token reaches.
pub(crate) struct ProjectToken(pub ProjectTokenRecord);

#[Object]
impl ProjectToken {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    /// Railway shows a masked token; the sandbox shows the last four characters.
    async fn display_token(&self) -> String {
        let tail: String = self.0.token.chars().rev().take(4).collect();
        format!("****{}", tail.chars().rev().collect::<String>())
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        with_store(ctx, |store| {
            Ok(Project(store.project(&self.0.project_id)?.clone()))
        })
    }
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        with_store(ctx, |store| {
            Ok(Environment(
                store.environment(&self.0.environment_id)?.clone(),
            ))
        })
    }
}

/// A storage bucket; the sandbox does not emulate buckets, so no connection ever holds one.
#[derive(SimpleObject)]
pub(crate) struct Bucket {
    pub id: ID,
    pub name: String,
    pub group_id: Option<String>,
    /// R52: every upstream field, though no bucket is ever listed.
    pub project_id: String,
    pub created_at: crate::sandbox::schema::scalars::DateTime,
    pub updated_at: crate::sandbox::schema::scalars::DateTime,
}

connection!(
    ProjectBucketsConnection,
    ProjectBucketsConnectionEdge,
    Bucket
);

/// Pull-request metadata of an environment (R50); null for an environment no PR made.
#[derive(SimpleObject)]
pub(crate) struct EnvironmentMeta {
    pub base_branch: Option<String>,
    pub branch: Option<String>,
    pub latest_successful_git_hub_deployment_id: Option<i32>,
    pub pr_comment_id: Option<i32>,
    pub skipped_resource_ids: Option<crate::sandbox::schema::scalars::SkippedResourceIds>,
    pub pr_number: Option<i32>,
    pub pr_repo: Option<String>,
    pub pr_title: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ProjectTokenCreateInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
}

#[derive(InputObject)]
pub(crate) struct ProjectUpdateInput {
    pub base_environment_id: async_graphql::MaybeUndefined<String>,
    pub bot_pr_environments: Option<bool>,
    pub description: Option<String>,
    pub focused_pr_environments: Option<bool>,
    pub is_public: Option<bool>,
    pub name: Option<String>,
    pub pr_deploys: Option<bool>,
    pub tracing_enabled: Option<bool>,
    pub tracing_sample_rate: Option<f64>,
}

#[derive(InputObject)]
pub(crate) struct ServiceUpdateInput {
    pub auto_instrumentation_enabled: Option<bool>,
    pub icon: Option<String>,
    pub name: Option<String>,
    pub tracing_enabled: Option<bool>,
}

#[derive(InputObject)]
pub(crate) struct ServiceConnectInput {
    pub branch: Option<String>,
    pub image: Option<String>,
    pub repo: Option<String>,
}
