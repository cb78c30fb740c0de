//! The `Workspace` output type (R33): the sandbox's own workspace and any the seed adds for its
//! one user, with their projects. A thin view over stored records; no rule is decided here.

use async_graphql::{Context, ID, Object};

use super::cli::Team;
use super::connection::{PageArgs, connection};
use super::types::Project;
use super::with_store;

connection!(
    WorkspaceProjectsConnection,
    WorkspaceProjectsConnectionEdge,
    Project
);

pub(crate) struct Workspace {
    pub id: String,
}

#[Object]
impl Workspace {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        with_store(ctx, |store| {
            Ok(store
                .state
                .access
                .other_workspaces
                .iter()
                .find(|w| w.id == self.id)
                .map_or_else(|| "Sandbox".to_string(), |w| w.name.clone()))
        })
    }
    #[graphql(deprecation = "Use workspace")]
    async fn team(&self) -> Option<Team> {
        Some(Team {
            id: ID(self.id.clone()),
        })
    }
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<WorkspaceProjectsConnection> {
        let projects = with_store(ctx, |store| Ok(store.projects(Some(&self.id))))?;
        let args = PageArgs::new(&after, &before, first, last);
        WorkspaceProjectsConnection::page(projects.into_iter().map(Project).collect(), args)
    }
}
