//! Bringing one service instance to its desired settings: `serviceInstanceUpdate` with the full
//! field set (so Railway resets nothing), the deployment trigger for a repo's branch, resource
//! limits, then one deploy when anything was sent.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::create::env_id;
use super::variables::Scope;
use super::{Executor, Outcome, missing};
use crate::manifest::desired::{InstanceSettings, Source};
use crate::plan::VariableChange;
use crate::plan::diff_settings;
use crate::plan::domains::DomainChange;
use crate::railway::error::Error;
use crate::railway::live::{LiveInstance, LiveSource};
use crate::railway::ops::{
    DeploymentTriggerCreate, DeploymentTriggerUpdate, ServiceInstanceDeployV2,
    ServiceInstanceLimitsUpdate, ServiceInstanceUpdate, deployment_trigger_create,
    deployment_trigger_update, service_instance_deploy_v2, service_instance_limits_update,
    service_instance_update,
};

/// Railway fans new instances out asynchronously; wait this many re-reads for one to appear.
const INSTANCE_APPEAR_ATTEMPTS: u32 = 5;

impl Executor<'_> {
    pub(super) async fn configure_instance(
        &mut self,
        service: &str,
        environment: &str,
        desired: &InstanceSettings,
        planned_variables: &[VariableChange],
        planned_domains: &[DomainChange],
    ) -> Result<Outcome, Error> {
        let (project_id, environment_id, live) = self.instance(service, environment).await?;
        let changes = diff_settings(desired, Some(&live));
        let mut sent = Vec::new();
        let instance_fields = changes.iter().any(|c| {
            !(c.field.starts_with("deploy.limits")
                || (c.field == "source" && same_repo(desired, &live)))
        });
        if instance_fields {
            self.client
                .post::<ServiceInstanceUpdate>(service_instance_update::Variables {
                    service_id: live.service_id.clone(),
                    environment_id: environment_id.clone(),
                    input: instance_update_input(desired, &live),
                })
                .await?;
            sent.push("serviceInstanceUpdate");
        }
        if let Some(Source::Repo { repo, branch, .. }) = &desired.source {
            let (live_repo, live_branch, trigger_id) = match &live.source {
                Some(LiveSource::Repo {
                    repo,
                    branch,
                    trigger_id,
                }) => (Some(repo.as_str()), branch.as_deref(), trigger_id.clone()),
                _ => (None, None, None),
            };
            if live_repo != Some(repo.as_str()) || live_branch != Some(branch.as_str()) {
                match trigger_id {
                    Some(id) => {
                        self.client
                            .post::<DeploymentTriggerUpdate>(deployment_trigger_update::Variables {
                                id,
                                input: deployment_trigger_update::DeploymentTriggerUpdateInput {
                                    branch: Some(branch.clone()),
                                    repository: Some(repo.clone()),
                                    check_suites: None,
                                    root_directory: None,
                                },
                            })
                            .await?;
                        sent.push("deploymentTriggerUpdate");
                    }
                    None => {
                        self.client
                            .post::<DeploymentTriggerCreate>(deployment_trigger_create::Variables {
                                input: deployment_trigger_create::DeploymentTriggerCreateInput {
                                    project_id: project_id.clone(),
                                    environment_id: environment_id.clone(),
                                    service_id: live.service_id.clone(),
                                    provider: "github".into(),
                                    repository: repo.clone(),
                                    branch: branch.clone(),
                                    check_suites: None,
                                    root_directory: None,
                                },
                            })
                            .await?;
                        sent.push("deploymentTriggerCreate");
                    }
                }
            }
        }
        if changes.iter().any(|c| c.field.starts_with("deploy.limits")) {
            let limits = desired.limits.unwrap_or_default();
            self.client
                .post::<ServiceInstanceLimitsUpdate>(service_instance_limits_update::Variables {
                    input: service_instance_limits_update::ServiceInstanceLimitsUpdateInput {
                        service_id: live.service_id.clone(),
                        environment_id: environment_id.clone(),
                        v_cp_us: limits.vcpus.or(live.limits.vcpus),
                        memory_gb: limits.memory_gb.or(live.limits.memory_gb),
                    },
                })
                .await?;
            sent.push("serviceInstanceLimitsUpdate");
        }
        let scope = Scope {
            project_id: &project_id,
            environment_id: &environment_id,
            service_id: Some(&live.service_id),
        };
        sent.extend(
            self.sync_variables(
                &scope,
                &desired.variables,
                &live.variables,
                planned_variables,
            )
            .await?,
        );
        let needs_deploy = !sent.is_empty();
        let domains = self
            .sync_domains(&scope, environment, service, &live, planned_domains)
            .await?;
        if sent.is_empty() && domains.sent.is_empty() {
            return Ok(Outcome::Skipped("already matches the manifest".into()));
        }
        if needs_deploy || domains.tcp_changed {
            self.changed_instances
                .push((service.to_string(), environment.to_string()));
        }
        let mut detail: Vec<String> = sent.iter().map(ToString::to_string).collect();
        detail.extend(domains.sent);
        let mut text = detail.join(", ");
        for line in domains.dns {
            text.push_str(&format!("\n      DNS to create: {line}"));
        }
        Ok(Outcome::Applied(text))
    }

    pub(super) async fn deploy(
        &mut self,
        service: &str,
        environment: &str,
        after_shared: &[String],
    ) -> Result<Outcome, Error> {
        let shared_changed = self
            .changed_shared
            .get(environment)
            .is_some_and(|names| after_shared.iter().any(|n| names.contains(n)));
        let changed = shared_changed
            || self
                .changed_instances
                .iter()
                .any(|(s, e)| s == service && e == environment);
        if !changed {
            return Ok(Outcome::Skipped("nothing changed on this instance".into()));
        }
        let (_, environment_id, live) = self.instance(service, environment).await?;
        let deployment_id = self
            .client
            .post::<ServiceInstanceDeployV2>(service_instance_deploy_v2::Variables {
                service_id: live.service_id,
                environment_id,
            })
            .await?
            .service_instance_deploy_v2;
        Ok(Outcome::Applied(format!(
            "serviceInstanceDeployV2 (deployment {deployment_id})"
        )))
    }

    /// (project id, environment id, live instance) for a service in an environment, waiting
    /// briefly for an instance Railway is still fanning out.
    pub(super) async fn instance(
        &mut self,
        service: &str,
        environment: &str,
    ) -> Result<(String, String, LiveInstance), Error> {
        for attempt in 0..INSTANCE_APPEAR_ATTEMPTS {
            let project = self.fresh_project().await?;
            let environment_id =
                env_id(project, environment).ok_or_else(|| missing("environment", environment))?;
            let found = project
                .services
                .iter()
                .find(|s| s.name == service)
                .and_then(|s| {
                    project
                        .environments
                        .iter()
                        .find(|e| e.id == environment_id)
                        .and_then(|e| e.instances.get(&s.id))
                });
            if let Some(instance) = found {
                return Ok((project.id.clone(), environment_id, instance.clone()));
            }
            self.stale = true;
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
        }
        Err(missing(
            "service instance",
            &format!("{service} in {environment}"),
        ))
    }
}

/// A repo source whose repository is unchanged needs only its trigger touched, not the instance.
fn same_repo(desired: &InstanceSettings, live: &LiveInstance) -> bool {
    matches!((&desired.source, &live.source),
        (Some(Source::Repo { repo, .. }), Some(LiveSource::Repo { repo: live_repo, .. })) if repo == live_repo)
}

/// R20: the wanted region with its replicas, and null for every other live region (a merge keeps
/// regions left out). `None` leaves the placement alone when the manifest names no region.
fn placement(
    desired: &InstanceSettings,
    live: &LiveInstance,
    replicas: i64,
) -> Option<serde_json::Value> {
    let wanted = desired.region.as_deref()?;
    let mut regions = serde_json::Map::new();
    for region in live.regions() {
        regions.insert(region.to_string(), serde_json::Value::Null);
    }
    regions.insert(
        wanted.to_string(),
        serde_json::json!({ "numReplicas": replicas }),
    );
    Some(serde_json::Value::Object(regions))
}

pub(super) fn convert<T: Serialize, U: DeserializeOwned>(value: T) -> Option<U> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// The complete `ServiceInstanceUpdateInput`: every desired setting, and the live value of every
/// setting the manifest leaves alone, because Railway resets omitted fields (numReplicas -> 1).
pub fn instance_update_input(
    desired: &InstanceSettings,
    live: &LiveInstance,
) -> service_instance_update::ServiceInstanceUpdateInput {
    let root_directory = match &desired.source {
        Some(Source::Repo { root_directory, .. }) => root_directory
            .clone()
            .or_else(|| live.root_directory.clone()),
        _ => live.root_directory.clone(),
    };
    let source = desired.source.as_ref().map(|source| match source {
        Source::Image(image) => service_instance_update::ServiceSourceInput {
            image: Some(image.clone()),
            repo: None,
        },
        Source::Repo { repo, .. } => service_instance_update::ServiceSourceInput {
            image: None,
            repo: Some(repo.clone()),
        },
    });
    let replicas = desired.num_replicas.or(live.num_replicas).unwrap_or(1);
    service_instance_update::ServiceInstanceUpdateInput {
        build_command: desired
            .build_command
            .clone()
            .or_else(|| live.build_command.clone()),
        builder: desired.builder.or(live.builder).and_then(convert),
        cron_schedule: desired
            .cron_schedule
            .clone()
            .or_else(|| live.cron_schedule.clone()),
        dockerfile_path: desired
            .dockerfile_path
            .clone()
            .or_else(|| live.dockerfile_path.clone()),
        draining_seconds: desired.draining_seconds.or(live.draining_seconds),
        healthcheck_path: desired
            .healthcheck_path
            .clone()
            .or_else(|| live.healthcheck_path.clone()),
        healthcheck_timeout: desired.healthcheck_timeout.or(live.healthcheck_timeout),
        ipv6_egress_enabled: None,
        multi_region_config: placement(desired, live, replicas),
        nixpacks_plan: None,
        num_replicas: Some(replicas),
        overlap_seconds: desired.overlap_seconds.or(live.overlap_seconds),
        pre_deploy_command: desired
            .pre_deploy_command
            .clone()
            .or_else(|| live.pre_deploy_command.clone()),
        railway_config_file: live.railway_config_file.clone(),
        // R20: the `region` input moves nothing; placement is `multiRegionConfig` alone.
        region: None,
        registry_credentials: None,
        restart_policy_max_retries: desired
            .restart_policy_max_retries
            .or(live.restart_policy_max_retries),
        restart_policy_type: desired
            .restart_policy_type
            .or(live.restart_policy_type)
            .and_then(convert),
        root_directory,
        sleep_application: desired.sleep_application.or(live.sleep_application),
        source,
        start_command: desired
            .start_command
            .clone()
            .or_else(|| live.start_command.clone()),
        watch_patterns: Some(
            desired
                .watch_patterns
                .clone()
                .unwrap_or_else(|| live.watch_patterns.clone()),
        ),
    }
}
