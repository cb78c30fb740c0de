//! Output types of the sandbox schema (`Project`, `Environment`, `Service`,
//! `ServiceInstance`, `DeploymentTrigger`, `Variable` and their connections; volume
//! connections come from the `volumes` module),
//! each a thin view over a stored record. No rule of Railway is decided here.

use async_graphql::{Context, Enum, ID, Object};

use super::access;
use super::cli::EnvironmentMeta;
use super::connection::{PageArgs, connection};
use super::deployments::Deployment;
use super::owners;
use super::scalars::{DateTime, EnvironmentConfig, Json};
use super::unmodelled::{
    ActiveServiceFeatureFlag, EnvironmentDeploymentsConnection, Plugin,
    ServiceDeploymentsConnection, ServiceRepoTriggersConnection,
};
use super::volumes::{EnvironmentVolumeInstancesConnection, environment_volume_instances};
use super::with_store;
use crate::sandbox::config_blob;
use crate::sandbox::model::{EnvironmentRecord, ServiceRecord, TriggerRecord, VariableRecord};
use crate::sandbox::store::DeploymentFilter;
use crate::sandbox::store::references;

pub(crate) use super::instance::ServiceInstance;
pub(crate) use super::workspaces::Workspace;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum SortOrder {
    #[graphql(name = "asc")]
    Asc,
    #[graphql(name = "desc")]
    Desc,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProjectsOrderBy {
    CreatedAtDesc,
    NameAsc,
    UpdatedAtDesc,
}

connection!(
    QueryProjectsConnection,
    QueryProjectsConnectionEdge,
    Project
);
connection!(
    ProjectServicesConnection,
    ProjectServicesConnectionEdge,
    Service
);
connection!(
    ProjectEnvironmentsConnection,
    ProjectEnvironmentsConnectionEdge,
    Environment
);
connection!(
    EnvironmentServiceInstancesConnection,
    EnvironmentServiceInstancesConnectionEdge,
    ServiceInstance
);
connection!(
    ServiceServiceInstancesConnection,
    ServiceServiceInstancesConnectionEdge,
    ServiceInstance
);
connection!(
    EnvironmentDeploymentTriggersConnection,
    EnvironmentDeploymentTriggersConnectionEdge,
    DeploymentTrigger
);
connection!(
    EnvironmentVariablesConnection,
    EnvironmentVariablesConnectionEdge,
    Variable
);

pub(crate) use super::project::Project;

pub(crate) struct Environment(pub EnvironmentRecord);

#[Object]
impl Environment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn is_ephemeral(&self) -> bool {
        self.0.is_ephemeral
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    /// Guess: the sandbox does not track updates, so an environment reads as updated when created.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    /// R34, R35: false when the caller may not see this environment's contents.
    async fn can_access(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        access::can_access(ctx, &self.0.id)
    }
    /// R50: the pull request of a PR environment; null for every other environment.
    async fn meta(&self) -> Option<EnvironmentMeta> {
        self.0.meta.as_ref().map(EnvironmentMeta::from_record)
    }
    /// Canvas groups are not emulated: no service belongs to one.
    async fn canvas_group_refs(&self) -> Json {
        Json(serde_json::json!({}))
    }
    /// Railway's IaC partial owners (not in the public schema; the CLI asks for it and retries
    /// without). Partials are not emulated: no resource has an owner.
    async fn iac_partials(&self) -> Option<Json> {
        Some(Json(serde_json::json!({})))
    }

    /// R1: the source of a fork; null for every other environment.
    async fn source_environment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Environment>> {
        let Some(source_id) = &self.0.source_environment_id else {
            return Ok(None);
        };
        with_store(ctx, |store| {
            Ok(store
                .state
                .environments
                .iter()
                .find(|e| &e.id == source_id)
                .cloned()
                .map(Environment))
        })
    }

    /// R17: changes waiting in the environment's staged patch.
    async fn unmerged_changes_count(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<i32>> {
        with_store(ctx, |store| {
            Ok(Some(store.unmerged_changes_count(&self.0.id)))
        })
    }

    async fn config(
        &self,
        ctx: &Context<'_>,
        decrypt_variables: Option<bool>,
    ) -> async_graphql::Result<EnvironmentConfig> {
        access::open_environment(ctx, &self.0.id)?; // R35
        let decrypt = decrypt_variables.unwrap_or(false);
        with_store(ctx, |store| {
            Ok(EnvironmentConfig(config_blob::environment_config(
                store, &self.0.id, decrypt,
            )))
        })
    }

    async fn config_etag(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        with_store(ctx, |store| Ok(config_blob::config_etag(store, &self.0.id)))
    }

    async fn service_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<EnvironmentServiceInstancesConnection> {
        access::open_environment(ctx, &self.0.id)?; // R35
        let project_id = self.0.project_id.clone();
        let instances = with_store(ctx, |store| {
            Ok(store
                .instances_of_environment(&self.0.id)
                .into_iter()
                .map(|record| ServiceInstance {
                    service_name: store.service_name(&record.service_id),
                    project_id: project_id.clone(),
                    record,
                })
                .collect())
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        EnvironmentServiceInstancesConnection::page(instances, args)
    }

    /// The environment's deployments, newest first as `deployments` lists them.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<EnvironmentDeploymentsConnection> {
        access::open_environment(ctx, &self.0.id)?; // R35
        let filter = DeploymentFilter {
            environment_id: Some(self.0.id.clone()),
            ..DeploymentFilter::default()
        };
        let views = with_store(ctx, |store| {
            Ok(store.list_deployments(&filter, chrono::Utc::now()))
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        EnvironmentDeploymentsConnection::page(views.into_iter().map(Deployment).collect(), args)
    }

    async fn deployment_triggers(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<EnvironmentDeploymentTriggersConnection> {
        access::open_environment(ctx, &self.0.id)?; // R35
        let triggers = with_store(ctx, |store| Ok(store.triggers_of_environment(&self.0.id)))?;
        let args = PageArgs::new(&after, &before, first, last);
        EnvironmentDeploymentTriggersConnection::page(
            triggers.into_iter().map(DeploymentTrigger).collect(),
            args,
        )
    }

    async fn variables(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<EnvironmentVariablesConnection> {
        access::open_environment(ctx, &self.0.id)?; // R35
        let variables = with_store(ctx, |store| Ok(store.variables_of_environment(&self.0.id)))?;
        let args = PageArgs::new(&after, &before, first, last);
        EnvironmentVariablesConnection::page(variables.into_iter().map(Variable).collect(), args)
    }

    async fn volume_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<EnvironmentVolumeInstancesConnection> {
        access::open_environment(ctx, &self.0.id)?; // R35
        environment_volume_instances(ctx, &self.0.id, PageArgs::new(&after, &before, first, last))
    }
}

pub(crate) struct Service(pub ServiceRecord);

#[Object]
impl Service {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn icon(&self) -> Option<&str> {
        self.0.icon.as_deref()
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    /// Guess: the sandbox does not track service updates; it reads as updated when created.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    async fn feature_flags(&self) -> Vec<ActiveServiceFeatureFlag> {
        Vec::new()
    }
    async fn template_thread_slug(&self) -> Option<&str> {
        None
    }
    async fn is_restricted(&self) -> bool {
        false
    }
    async fn auto_instrumentation_enabled(&self) -> bool {
        false
    }
    async fn has_hidden_registry_credentials_from_template(&self) -> bool {
        false
    }
    async fn tracing_enabled(&self) -> Option<bool> {
        Some(false)
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        with_store(ctx, |store| {
            Ok(Project(store.project(&self.0.project_id)?.clone()))
        })
    }
    /// R52: the service's deployments in every environment.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ServiceDeploymentsConnection> {
        let filter = DeploymentFilter {
            service_id: Some(self.0.id.clone()),
            ..DeploymentFilter::default()
        };
        let views = with_store(ctx, |store| {
            Ok(store.list_deployments(&filter, chrono::Utc::now()))
        })?;
        let args = PageArgs::new(&after, &before, first, last);
        ServiceDeploymentsConnection::page(views.into_iter().map(Deployment).collect(), args)
    }
    /// The service's deployment triggers, in every environment.
    async fn repo_triggers(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ServiceRepoTriggersConnection> {
        let triggers = triggers_where(ctx, |t| t.service_id == self.0.id)?;
        let args = PageArgs::new(&after, &before, first, last);
        ServiceRepoTriggersConnection::page(triggers, args)
    }
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    /// R48: only services a template deployment created carry it.
    async fn template_service_id(&self) -> Option<&str> {
        self.0.template_service_id.as_deref()
    }
    /// Canvas groups are not emulated.
    async fn group_id(&self) -> Option<&str> {
        None
    }
    /// The service's live instances; R34/R35: those in environments the caller cannot open are
    /// left out (guess: Railway's answer for them is not documented).
    async fn service_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<ServiceServiceInstancesConnection> {
        let instances = with_store(ctx, |store| Ok(store.instances_of_service(&self.0.id)))?;
        let mut views = Vec::new();
        for record in instances {
            if access::can_access(ctx, &record.environment_id)? {
                views.push(ServiceInstance {
                    service_name: self.0.name.clone(),
                    project_id: self.0.project_id.clone(),
                    record,
                });
            }
        }
        let args = PageArgs::new(&after, &before, first, last);
        ServiceServiceInstancesConnection::page(views, args)
    }
}

pub(crate) struct DeploymentTrigger(pub TriggerRecord);

/// The stored deployment triggers `keep` selects, as schema views.
pub(crate) fn triggers_where(
    ctx: &Context<'_>,
    keep: impl Fn(&TriggerRecord) -> bool,
) -> async_graphql::Result<Vec<DeploymentTrigger>> {
    with_store(ctx, |store| {
        Ok(store
            .state
            .triggers
            .iter()
            .filter(|t| keep(t))
            .cloned()
            .map(DeploymentTrigger)
            .collect())
    })
}

#[Object]
impl DeploymentTrigger {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn service_id(&self) -> Option<&str> {
        Some(&self.0.service_id)
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    async fn repository(&self) -> &str {
        &self.0.repository
    }
    async fn branch(&self) -> &str {
        &self.0.branch
    }
    async fn check_suites(&self) -> bool {
        self.0.check_suites
    }
    /// Guess: no check suite has reported on the sandbox, so none is valid yet.
    async fn valid_check_suites(&self) -> i32 {
        0
    }
    /// PR environments copy their base (R50); no trigger overrides it.
    async fn base_environment_override_id(&self) -> Option<&str> {
        None
    }
}

pub(crate) struct Variable(pub VariableRecord);

#[Object]
impl Variable {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn service_id(&self) -> Option<&str> {
        self.0.service_id.as_deref()
    }
    async fn environment_id(&self) -> Option<&str> {
        Some(&self.0.environment_id)
    }
    async fn is_sealed(&self) -> bool {
        self.0.sealed
    }
    async fn references(&self) -> Vec<String> {
        references(&self.0.value)
    }
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        owners::environment(ctx, &self.0.environment_id)
    }
    /// A shared variable has no service: an error, as the field is non-null upstream (guess).
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        owners::service(ctx, self.0.service_id.as_deref())
    }
    /// Legacy plugins do not exist on the sandbox, so no variable belongs to one.
    #[graphql(deprecation = "Plugins are replaced by database services")]
    async fn plugin_id(&self) -> Option<&str> {
        None
    }
    /// No variable belongs to a plugin; the field is non-null upstream, so Railway can only
    /// answer an error here (a guess at its text).
    #[graphql(deprecation = "Plugins are replaced by database services")]
    async fn plugin(&self) -> async_graphql::Result<Plugin> {
        Err(async_graphql::Error::new("Plugin not found"))
    }
    /// Guess: the sandbox keeps no variable times; a variable reads as made with its environment.
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime> {
        with_store(ctx, |store| {
            Ok(DateTime(
                store
                    .environment(&self.0.environment_id)?
                    .created_at
                    .clone(),
            ))
        })
    }
    async fn updated_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime> {
        self.created_at(ctx).await
    }
}
