//! The `ServiceInstance` output type: a service's settings and deployments in one environment,
//! a thin view over a stored instance record. No rule of Railway is decided here.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::deployments::{Deployment, active_deployments, latest_deployment, next_cron_run_at};
use super::networking::{AllDomains, instance_domains};
use super::owners;
use super::scalars::{DateTime, Json, RailpackInfo};
use super::types::Service;
use super::unmodelled::EdgeConfig;
use super::with_store;
use crate::sandbox::model::{Builder, InstanceRecord, RestartPolicyType};

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
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        owners::service(ctx, Some(&self.record.service_id))
    }
    /// Guess: the sandbox keeps no instance times; an instance reads as made with its service.
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime> {
        with_store(ctx, |store| {
            Ok(DateTime(
                store.service(&self.record.service_id)?.created_at.clone(),
            ))
        })
    }
    async fn updated_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime> {
        self.created_at(ctx).await
    }
    /// The edge network (CDN, caching, WAF) is not emulated: no instance has an edge config.
    async fn edge_config(&self) -> Option<EdgeConfig> {
        None
    }
    /// No build ever runs Railpack's analysis on the sandbox.
    async fn railpack_info(&self) -> Option<RailpackInfo> {
        None
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
