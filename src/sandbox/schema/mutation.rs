//! The `Mutation` root of the sandbox schema: maps each upstream mutation onto one store call.

use async_graphql::{Context, MaybeUndefined, Object};

use super::caller::owner;
use super::inputs::{
    DeploymentTriggerCreateInput, DeploymentTriggerUpdateInput, EnvironmentCreateInput,
    ProjectCreateInput, ServiceCreateInput, ServiceInstanceLimitsUpdateInput,
    ServiceInstanceUpdateInput, VariableCollectionUpsertInput, VariableDeleteInput,
    VariableUpsertInput,
};
use super::types::{DeploymentTrigger, Environment, Project, Service};
use super::{domain_error, with_store};
use crate::sandbox::store::{
    Creation, EnvironmentCopy, NewProject, NewService, NewTrigger, TriggerChanges,
    check_pre_deploy_command, deleting,
};

#[derive(Default)]
pub(crate) struct CoreMutation;

#[Object]
impl CoreMutation {
    async fn project_create(
        &self,
        ctx: &Context<'_>,
        input: ProjectCreateInput,
    ) -> async_graphql::Result<Project> {
        let new = NewProject {
            name: input.name,
            description: input.description,
            // Guess (R33): without a workspace id the project is a personal one, which only an
            // unscoped `projects` lists. Railway's answer here is undocumented.
            workspace_id: input.workspace_id.unwrap_or_default(),
            default_environment_name: input.default_environment_name,
            is_public: input.is_public.unwrap_or(false),
            pr_deploys: input.pr_deploys.unwrap_or(false),
        };
        let workspace_id = new.workspace_id.clone();
        with_store(ctx, |store| {
            // R36: one project per workspace per window.
            store
                .throttled(Creation::Project, &workspace_id, |store| {
                    store.create_project(new)
                })
                .map(Project)
        })
    }

    async fn environment_create(
        &self,
        ctx: &Context<'_>,
        input: EnvironmentCreateInput,
    ) -> async_graphql::Result<Environment> {
        let owner = owner(ctx);
        with_store(ctx, |store| {
            // R4: one environment per token owner per window.
            store
                .throttled(Creation::Environment, &owner, |store| {
                    store.create_environment(
                        &input.project_id,
                        &input.name,
                        input.source_environment_id.as_deref(),
                        input.ephemeral.unwrap_or(false),
                        EnvironmentCopy {
                            skip_initial_deploys: input.skip_initial_deploys.unwrap_or(false),
                            stage_initial_changes: input.stage_initial_changes.unwrap_or(false),
                            apply_in_background: input.apply_changes_in_background.unwrap_or(false),
                        },
                    )
                })
                .map(Environment)
        })
    }

    async fn service_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceCreateInput,
    ) -> async_graphql::Result<Service> {
        let source = input.source.unwrap_or(super::inputs::ServiceSourceInput {
            image: None,
            repo: None,
        });
        let new = NewService {
            project_id: input.project_id,
            name: input.name,
            icon: input.icon,
            template_id: input.template_id,
            environment_id: input.environment_id,
            image: source.image,
            repo: source.repo,
            branch: input.branch,
            variables: input
                .variables
                .map(|v| v.0.into_iter().collect())
                .unwrap_or_default(),
        };
        with_store(ctx, |store| store.create_service(new).map(Service))
    }

    async fn service_delete(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_service_scoped(&id, environment_id.as_deref()) // R8
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }

    async fn service_instance_update(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        input: ServiceInstanceUpdateInput,
        service_id: String,
    ) -> async_graphql::Result<bool> {
        if let MaybeUndefined::Value(commands) = &input.pre_deploy_command {
            check_pre_deploy_command(commands).map_err(domain_error)?; // R18
        }
        with_store(ctx, |store| {
            store
                .update_instances_scoped(&service_id, environment_id.as_deref(), |settings| {
                    input.apply_to(settings)
                })
                .map(|()| true)
        })
    }

    async fn service_instance_limits_update(
        &self,
        ctx: &Context<'_>,
        input: ServiceInstanceLimitsUpdateInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .update_limits(
                    &input.service_id,
                    &input.environment_id,
                    input.v_cpus,
                    input.memory_gb,
                )
                .map(|()| true)
        })
    }

    async fn deployment_trigger_create(
        &self,
        ctx: &Context<'_>,
        input: DeploymentTriggerCreateInput,
    ) -> async_graphql::Result<DeploymentTrigger> {
        let new = NewTrigger {
            project_id: input.project_id,
            environment_id: input.environment_id,
            service_id: input.service_id,
            provider: input.provider,
            repository: input.repository,
            branch: input.branch,
            check_suites: input.check_suites.unwrap_or(false),
            root_directory: input.root_directory,
        };
        with_store(ctx, |store| {
            store.create_trigger(new).map(DeploymentTrigger)
        })
    }

    async fn deployment_trigger_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: DeploymentTriggerUpdateInput,
    ) -> async_graphql::Result<DeploymentTrigger> {
        let changes = TriggerChanges {
            branch: input.branch,
            repository: input.repository,
            check_suites: input.check_suites,
            root_directory: input.root_directory,
        };
        with_store(ctx, |store| {
            store.update_trigger(&id, changes).map(DeploymentTrigger)
        })
    }

    async fn deployment_trigger_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_trigger(&id)
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }

    async fn variable_collection_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableCollectionUpsertInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .upsert_variables(
                    &input.project_id,
                    &input.environment_id,
                    input.service_id.as_deref(),
                    input.variables.0.into_iter().collect(),
                    input.replace.unwrap_or(false),
                    input.skip_deploys.unwrap_or(false),
                )
                .map(|()| true)
        })
    }

    async fn variable_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableUpsertInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .upsert_variables(
                    &input.project_id,
                    &input.environment_id,
                    input.service_id.as_deref(),
                    vec![(input.name, input.value)],
                    false,
                    input.skip_deploys.unwrap_or(false),
                )
                .map(|()| true)
        })
    }

    async fn variable_delete(
        &self,
        ctx: &Context<'_>,
        input: VariableDeleteInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_variable(
                    &input.project_id,
                    &input.environment_id,
                    input.service_id.as_deref(),
                    &input.name,
                )
                .map(|()| true)
        })
    }
}
