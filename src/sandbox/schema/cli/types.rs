//! Output and input types that only Railway's CLI needs from the sandbox: `ProjectToken`,
//! `Bucket` (never any), `EnvironmentMeta` and the inputs of the CLI's maintenance mutations. Thin views over stored records; no rule is decided here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::super::connection::connection;
use super::super::scalars::DateTime;
use super::super::types::{Environment, Project};
use super::super::with_store;
use crate::sandbox::model::ProjectTokenRecord;

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

/// A storage bucket (R49).
#[derive(SimpleObject)]
#[graphql(complex)]
pub(crate) struct Bucket {
    pub id: ID,
    pub name: String,
    pub group_id: Option<String>,
    pub project_id: String,
    pub created_at: crate::sandbox::schema::scalars::DateTime,
    pub updated_at: crate::sandbox::schema::scalars::DateTime,
}

#[async_graphql::ComplexObject]
impl Bucket {
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        crate::sandbox::schema::owners::project(ctx, &self.project_id)
    }
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
