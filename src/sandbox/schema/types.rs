//! Output types of the sandbox schema (`Project`, `Environment`, `Service`,
//! `ServiceInstance`, `DeploymentTrigger`, `Variable` and their connections; volume
//! connections come from the `volumes` module),
//! each a thin view over a stored record. No rule of Railway is decided here.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use super::access;
use super::cli::EnvironmentMeta;
use super::connection::{PageArgs, connection};
use super::deployments::{Deployment, active_deployments, latest_deployment, next_cron_run_at};
use super::networking::{AllDomains, instance_domains};
use super::scalars::{DateTime, EnvironmentConfig, Json};
use super::unmodelled::{ActiveServiceFeatureFlag, ServiceDeploymentsConnection};
use super::volumes::{EnvironmentVolumeInstancesConnection, environment_volume_instances};
use super::with_store;
use crate::sandbox::config_blob;
use crate::sandbox::model::{
    Builder, EnvironmentRecord, InstanceRecord, RestartPolicyType, ServiceRecord, TriggerRecord,
    VariableRecord,
};
use crate::sandbox::store::DeploymentFilter;
use crate::sandbox::store::references;

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
    /// No PR environments in the sandbox.
    async fn meta(&self) -> Option<EnvironmentMeta> {
        None
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
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    /// Templates are not emulated: no service stands for a template's service, so Railway's
    /// IaC reads every service as a plain one (never a `database` node).
    async fn template_service_id(&self) -> Option<&str> {
        None
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

#[derive(SimpleObject)]
pub(crate) struct ServiceSource {
    pub image: Option<String>,
    pub repo: Option<String>,
}

pub(crate) struct ServiceInstance {
    pub record: InstanceRecord,
    pub service_name: String,
    /// Unread since deployments come from the store's history; kept for the views built here.
    #[allow(dead_code)]
    pub project_id: String,
}

#[Object]
impl ServiceInstance {
    async fn id(&self) -> ID {
        ID(self.record.id.clone())
    }
    async fn service_id(&self) -> &str {
        &self.record.service_id
    }
    /// R52, guess: an instance of an image or repo source can always be updated.
    async fn is_updatable(&self) -> bool {
        true
    }
    async fn upstream_url(&self) -> Option<&str> {
        None
    }
    async fn ipv6_egress_enabled(&self) -> Option<bool> {
        Some(self.record.settings.ipv6_egress_enabled.unwrap_or(false))
    }
    async fn nixpacks_plan(&self) -> Option<Json> {
        None
    }
    async fn service_name(&self) -> &str {
        &self.service_name
    }
    async fn environment_id(&self) -> &str {
        &self.record.environment_id
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.record.deleted_at.clone().map(DateTime)
    }
    async fn source(&self) -> Option<ServiceSource> {
        let s = &self.record.settings;
        s.has_source().then(|| ServiceSource {
            image: s.image.clone(),
            repo: s.repo.clone(),
        })
    }
    async fn builder(&self) -> Builder {
        self.record.settings.builder
    }
    async fn build_command(&self) -> Option<&str> {
        self.record.settings.build_command.as_deref()
    }
    async fn start_command(&self) -> Option<&str> {
        self.record.settings.start_command.as_deref()
    }
    async fn root_directory(&self) -> Option<&str> {
        self.record.settings.root_directory.as_deref()
    }
    async fn dockerfile_path(&self) -> Option<&str> {
        self.record.settings.dockerfile_path.as_deref()
    }
    async fn railway_config_file(&self) -> Option<&str> {
        self.record.settings.railway_config_file.as_deref()
    }
    async fn pre_deploy_command(&self) -> Option<Json> {
        self.record
            .settings
            .pre_deploy_command
            .as_ref()
            .map(|commands| Json(serde_json::json!(commands)))
    }
    async fn watch_patterns(&self) -> &[String] {
        &self.record.settings.watch_patterns
    }
    async fn healthcheck_path(&self) -> Option<&str> {
        self.record.settings.healthcheck_path.as_deref()
    }
    async fn healthcheck_timeout(&self) -> Option<i32> {
        self.record.settings.healthcheck_timeout
    }
    async fn num_replicas(&self) -> Option<i32> {
        self.record.settings.num_replicas
    }
    /// R19: Railway answers null; placement is in `deploy.multiRegionConfig`.
    async fn region(&self) -> Option<&str> {
        None
    }
    async fn cron_schedule(&self) -> Option<&str> {
        self.record.settings.cron_schedule.as_deref()
    }
    async fn restart_policy_type(&self) -> RestartPolicyType {
        self.record.settings.restart_policy_type
    }
    async fn restart_policy_max_retries(&self) -> i32 {
        self.record.settings.restart_policy_max_retries
    }
    async fn sleep_application(&self) -> Option<bool> {
        self.record.settings.sleep_application
    }
    async fn draining_seconds(&self) -> Option<i32> {
        self.record.settings.draining_seconds
    }
    async fn overlap_seconds(&self) -> Option<i32> {
        self.record.settings.overlap_seconds
    }
    /// Stored and rendered; no spans are emulated.
    async fn tracing_enabled(&self) -> bool {
        self.record.settings.tracing_enabled
    }
    async fn auto_instrumentation_enabled(&self) -> bool {
        self.record.settings.auto_instrumentation_enabled
    }
    async fn latest_deployment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Deployment>> {
        with_store(ctx, |store| Ok(latest_deployment(store, &self.record)))
    }
    async fn active_deployments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Deployment>> {
        with_store(ctx, |store| Ok(active_deployments(store, &self.record)))
    }
    async fn next_cron_run_at(&self) -> Option<DateTime> {
        next_cron_run_at(&self.record)
    }
    async fn domains(&self, ctx: &Context<'_>) -> async_graphql::Result<AllDomains> {
        with_store(ctx, |store| {
            Ok(instance_domains(
                store,
                &self.record.service_id,
                &self.record.environment_id,
            ))
        })
    }
}

pub(crate) struct DeploymentTrigger(pub TriggerRecord);

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
}
