//! The part of the sandbox schema that Railway's CLI needs beyond the operator's: `me`,
//! `externalWorkspaces`, `projectToken`, `projectTokens`, single-object roots (`service`, `serviceInstance`,
//! `domains`, `environments`, `deploymentTriggers`, `variablesForServiceDeployment`) and the
//! CLI's maintenance mutations. Each maps onto one store call; scope checks are in `access`.

mod types;

use async_graphql::{Context, ErrorExtensions, Object};

use super::workspaces::{ExternalWorkspace, User};
pub(crate) use types::{Bucket, EnvironmentMeta, ProjectBucketsConnection};
use types::{
    ProjectToken, ProjectTokenCreateInput, ProjectUpdateInput, ServiceConnectInput,
    ServiceUpdateInput,
};

use super::access::{self, Caller};
use super::connection::{PageArgs, connection};
use super::networking::{AllDomains, live_instance_domains};
use super::scalars::EnvironmentVariables;
use super::types::{DeploymentTrigger, Environment, Project, Service, ServiceInstance};
use super::with_store;
use crate::sandbox::store::{DomainError, ProjectChanges, ServiceSourceChange};

connection!(
    QueryEnvironmentsConnection,
    QueryEnvironmentsConnectionEdge,
    Environment
);
connection!(
    QueryProjectTokensConnection,
    QueryProjectTokensConnectionEdge,
    ProjectToken
);
connection!(
    QueryDeploymentTriggersConnection,
    QueryDeploymentTriggersConnectionEdge,
    DeploymentTrigger
);

#[derive(Default)]
pub(crate) struct CliQuery;

#[Object]
impl CliQuery {
    async fn me(&self) -> User {
        User
    }

    async fn external_workspaces(&self, project_id: Option<String>) -> Vec<ExternalWorkspace> {
        let _ = project_id;
        Vec::new()
    }

    /// R34: the scope of the project token the request carries.
    async fn project_token(&self, ctx: &Context<'_>) -> async_graphql::Result<ProjectToken> {
        let Caller::Project { token_id, .. } = access::caller(ctx) else {
            // Guess at the text, after the one Railway's CLI recognises.
            return Err(async_graphql::Error::new("Project Token not found")
                .extend_with(|_, e| e.set("code", "INTERNAL_SERVER_ERROR")));
        };
        with_store(ctx, |store| {
            store
                .state
                .access
                .project_tokens
                .iter()
                .find(|t| t.id == token_id)
                .cloned()
                .map(ProjectToken)
                .ok_or(DomainError::NotAuthorized)
        })
    }

    /// The project's tokens; a project token may not list them (see the server's `scope`).
    #[allow(clippy::too_many_arguments)]
    async fn project_tokens(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        project_id: String,
    ) -> async_graphql::Result<QueryProjectTokensConnection> {
        let tokens = with_store(ctx, |store| store.project_tokens_of(&project_id))?;
        let args = PageArgs::new(&after, &before, first, last);
        QueryProjectTokensConnection::page(tokens.into_iter().map(ProjectToken).collect(), args)
    }

    async fn service(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<Service> {
        with_store(ctx, |store| Ok(Service(store.service(&id)?.clone())))
    }

    async fn service_instance(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> async_graphql::Result<ServiceInstance> {
        access::open_environment(ctx, &environment_id)?;
        with_store(ctx, |store| {
            let environment = store.environment(&environment_id)?;
            let project_id = environment.project_id.clone();
            let record = store
                .instances_of_environment(&environment_id)
                .into_iter()
                .find(|i| i.service_id == service_id && i.deleted_at.is_none())
                .ok_or(DomainError::InstanceNotFound)?;
            Ok(ServiceInstance {
                service_name: store.service_name(&record.service_id),
                project_id,
                record,
            })
        })
    }

    async fn domains(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: String,
    ) -> async_graphql::Result<AllDomains> {
        access::open_environment(ctx, &environment_id)?;
        with_store(ctx, |store| {
            store.environment_in_project(&project_id, &environment_id)?;
            store.service(&service_id)?;
            Ok(live_instance_domains(store, &service_id, &environment_id))
        })
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
        project_id: String,
    ) -> async_graphql::Result<QueryEnvironmentsConnection> {
        let environments = with_store(ctx, |store| {
            store.project(&project_id)?;
            // Guess: deleted environments are left out of this list (the CLI does not ask).
            Ok(store
                .environments_of_project(&project_id, is_ephemeral)
                .into_iter()
                .filter(|e| e.deleted_at.is_none())
                .collect())
        })?;
        let environments = access::visible_environments(ctx, environments);
        let args = PageArgs::new(&after, &before, first, last);
        QueryEnvironmentsConnection::page(environments.into_iter().map(Environment).collect(), args)
    }

    #[allow(clippy::too_many_arguments)]
    async fn deployment_triggers(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        environment_id: String,
        first: Option<i32>,
        last: Option<i32>,
        project_id: String,
        service_id: String,
    ) -> async_graphql::Result<QueryDeploymentTriggersConnection> {
        access::open_environment(ctx, &environment_id)?;
        let triggers = with_store(ctx, |store| {
            store.environment_in_project(&project_id, &environment_id)?;
            Ok(store
                .triggers_of_environment(&environment_id)
                .into_iter()
                .filter(|t| t.service_id == service_id)
                .map(DeploymentTrigger)
                .collect())
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        QueryDeploymentTriggersConnection::page(triggers, args)
    }

    async fn variables_for_service_deployment(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: String,
    ) -> async_graphql::Result<EnvironmentVariables> {
        access::open_environment(ctx, &environment_id)?;
        with_store(ctx, |store| {
            store
                .variables_map(&project_id, &environment_id, Some(&service_id), false)
                .map(EnvironmentVariables)
        })
    }
}

#[derive(Default)]
pub(crate) struct CliMutation;

#[Object]
impl CliMutation {
    /// R34: mints a token reaching one environment; answers the secret.
    async fn project_token_create(
        &self,
        ctx: &Context<'_>,
        input: ProjectTokenCreateInput,
    ) -> async_graphql::Result<String> {
        with_store(ctx, |store| {
            store.create_project_token(&input.project_id, &input.environment_id, &input.name)
        })
    }

    /// A deleted token stops working at once (R34: only minted tokens are accepted).
    async fn project_token_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.delete_project_token(&id).map(|()| true))
    }

    async fn project_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ProjectUpdateInput,
    ) -> async_graphql::Result<Project> {
        let changes = ProjectChanges {
            name: input.name,
            description: input.description,
            is_public: input.is_public,
            pr_deploys: input.pr_deploys,
            bot_pr_environments: input.bot_pr_environments,
            focused_pr_environments: input.focused_pr_environments,
            base_environment_id: match input.base_environment_id {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(id) => Some(Some(id)),
            },
        };
        with_store(ctx, |store| store.update_project(&id, changes).map(Project))
    }

    async fn project_delete(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.delete_project(&id).map(|()| true))
    }

    /// Guess: Railway keeps the project for a 48-hour grace period (with a cancel); the sandbox
    /// does not model that and deletes at once, as Railway's CLI reports ("Project deleted!").
    async fn project_schedule_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.delete_project(&id).map(|()| true)) // R37 inside
    }

    async fn environment_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| store.delete_environment(&id).map(|()| true))
    }

    async fn service_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceUpdateInput,
    ) -> async_graphql::Result<Service> {
        with_store(ctx, |store| {
            store
                .update_service(&id, input.name, input.icon)
                .map(Service)
        })
    }

    async fn service_connect(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceConnectInput,
    ) -> async_graphql::Result<Service> {
        let _ = input.branch;
        let source = ServiceSourceChange {
            image: input.image,
            repo: input.repo,
        };
        with_store(ctx, |store| {
            store.set_service_source(&id, source).map(Service)
        })
    }

    async fn service_disconnect(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<Service> {
        let source = ServiceSourceChange {
            image: None,
            repo: None,
        };
        with_store(ctx, |store| {
            store.set_service_source(&id, source).map(Service)
        })
    }
}
