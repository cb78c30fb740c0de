//! The `Query` root of the sandbox schema: `project`, `projects`, `environment`, `variables`,
//! `workspace`. Read-only.

use async_graphql::{Context, ErrorExtensions, Object};

use super::connection::PageArgs;
use super::scalars::EnvironmentVariables;
use super::types::{Environment, Project, ProjectsOrderBy, QueryProjectsConnection, Workspace};
use super::with_store;
use crate::sandbox::SANDBOX_WORKSPACE_ID;

#[derive(Default)]
pub(crate) struct CoreQuery;

#[Object]
impl CoreQuery {
    async fn project(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<Project> {
        with_store(ctx, |store| Ok(Project(store.project(&id)?.clone())))
    }

    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        include_deleted: Option<bool>,
        last: Option<i32>,
        order_by: Option<ProjectsOrderBy>,
        user_id: Option<String>,
        workspace_id: Option<String>,
    ) -> async_graphql::Result<QueryProjectsConnection> {
        // A sandbox project is never deleted and every token sees the one workspace.
        let _ = (include_deleted, user_id);
        let mut projects = with_store(ctx, |store| Ok(store.projects(workspace_id.as_deref())))?;
        match order_by {
            Some(ProjectsOrderBy::NameAsc) => projects.sort_by(|a, b| a.name.cmp(&b.name)),
            Some(ProjectsOrderBy::CreatedAtDesc | ProjectsOrderBy::UpdatedAtDesc) => {
                projects.reverse()
            }
            None => {}
        }
        let args = PageArgs::new(&after, &before, first, last);
        QueryProjectsConnection::page(projects.into_iter().map(Project).collect(), args)
    }

    async fn environment(
        &self,
        ctx: &Context<'_>,
        id: String,
        project_id: Option<String>,
    ) -> async_graphql::Result<Environment> {
        with_store(ctx, |store| {
            let environment = store.environment(&id)?;
            if project_id
                .as_ref()
                .is_some_and(|p| *p != environment.project_id)
            {
                return Err(crate::sandbox::store::DomainError::EnvironmentNotFound);
            }
            Ok(Environment(environment.clone()))
        })
    }

    async fn variables(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: Option<String>,
        unrendered: Option<bool>,
    ) -> async_graphql::Result<EnvironmentVariables> {
        with_store(ctx, |store| {
            store
                .variables_map(
                    &project_id,
                    &environment_id,
                    service_id.as_deref(),
                    unrendered.unwrap_or(false),
                )
                .map(EnvironmentVariables)
        })
    }

    async fn workspace(&self, workspace_id: String) -> async_graphql::Result<Workspace> {
        if workspace_id == SANDBOX_WORKSPACE_ID {
            Ok(Workspace { id: workspace_id })
        } else {
            // Railway answers a workspace the token cannot reach exactly like a bad token.
            Err(async_graphql::Error::new("Not Authorized")
                .extend_with(|_, extensions| extensions.set("code", "UNAUTHENTICATED")))
        }
    }
}
