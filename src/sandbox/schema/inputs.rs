//! Input types of the sandbox schema, named and typed exactly as upstream. `ServiceInstanceUpdateInput`
//! keeps absent and explicit-null fields apart because Railway treats them differently.

use async_graphql::{Enum, InputObject, MaybeUndefined};

use super::scalars::{EnvironmentVariables, Json};
use crate::sandbox::model::{
    Builder, InstanceSettings, RegistryCredentialsRecord, RestartPolicyType,
};
use crate::sandbox::patch_merge::merge_into;
use crate::sandbox::service_config::{BadValue, decode_placement, multi_region_json};
use crate::sandbox::store::{DomainError, scale_placement};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum PublicRuntime {
    Legacy,
    Unspecified,
    V2,
}

#[derive(InputObject)]
pub(crate) struct ProjectCreateInput {
    pub default_environment_name: Option<String>,
    pub description: Option<String>,
    pub is_monorepo: Option<bool>,
    pub is_public: Option<bool>,
    pub name: Option<String>,
    pub pr_deploys: Option<bool>,
    pub repo: Option<ProjectCreateRepo>,
    pub runtime: Option<PublicRuntime>,
    pub workspace_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ProjectCreateRepo {
    pub branch: String,
    pub full_repo_name: String,
}

#[derive(InputObject)]
pub(crate) struct EnvironmentCreateInput {
    pub apply_changes_in_background: Option<bool>,
    pub ephemeral: Option<bool>,
    pub name: String,
    pub project_id: String,
    pub skip_initial_deploys: Option<bool>,
    pub source_environment_id: Option<String>,
    pub stage_initial_changes: Option<bool>,
}

#[derive(InputObject)]
pub(crate) struct ServiceCreateInput {
    pub branch: Option<String>,
    pub environment_id: Option<String>,
    pub icon: Option<String>,
    pub name: Option<String>,
    pub project_id: String,
    pub registry_credentials: Option<RegistryCredentialsInput>,
    pub source: Option<ServiceSourceInput>,
    pub template_id: Option<String>,
    pub template_service_id: Option<String>,
    pub variables: Option<EnvironmentVariables>,
}

#[derive(InputObject, Clone)]
pub(crate) struct ServiceSourceInput {
    pub image: Option<String>,
    pub repo: Option<String>,
}

#[derive(InputObject, Clone)]
pub(crate) struct RegistryCredentialsInput {
    pub password: String,
    pub username: String,
}

#[derive(InputObject)]
pub(crate) struct ServiceInstanceUpdateInput {
    /// Stored as the config's `tracing.autoInstrumentation`; no spans are emulated.
    pub auto_instrumentation_enabled: MaybeUndefined<bool>,
    /// Stored as the config's `tracing.enabled`.
    pub tracing_enabled: MaybeUndefined<bool>,
    pub build_command: MaybeUndefined<String>,
    pub builder: MaybeUndefined<Builder>,
    pub cron_schedule: MaybeUndefined<String>,
    pub dockerfile_path: MaybeUndefined<String>,
    pub draining_seconds: MaybeUndefined<i32>,
    pub healthcheck_path: MaybeUndefined<String>,
    pub healthcheck_timeout: MaybeUndefined<i32>,
    pub ipv6_egress_enabled: MaybeUndefined<bool>,
    pub multi_region_config: MaybeUndefined<Json>,
    pub nixpacks_plan: MaybeUndefined<Json>,
    pub num_replicas: MaybeUndefined<i32>,
    pub overlap_seconds: MaybeUndefined<i32>,
    pub pre_deploy_command: MaybeUndefined<Vec<String>>,
    pub railway_config_file: MaybeUndefined<String>,
    pub region: MaybeUndefined<String>,
    pub registry_credentials: MaybeUndefined<RegistryCredentialsInput>,
    pub restart_policy_max_retries: MaybeUndefined<i32>,
    pub restart_policy_type: MaybeUndefined<RestartPolicyType>,
    pub root_directory: MaybeUndefined<String>,
    pub sleep_application: MaybeUndefined<bool>,
    pub source: MaybeUndefined<ServiceSourceInput>,
    pub start_command: MaybeUndefined<String>,
    pub watch_patterns: MaybeUndefined<Vec<String>>,
}

/// R10: present value => set, explicit null => cleared, absent => untouched.
fn set_nullable<T: Clone>(target: &mut Option<T>, input: &MaybeUndefined<T>) {
    match input {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(value) => *target = Some(value.clone()),
    }
}

/// Like [`set_nullable`] for a non-null field, where a clear restores Railway's default.
fn set_required<T: Clone>(target: &mut T, input: &MaybeUndefined<T>, default: T) {
    match input {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = default,
        MaybeUndefined::Value(value) => *target = value.clone(),
    }
}

impl ServiceInstanceUpdateInput {
    /// The changed settings; fails only on a malformed `multiRegionConfig`.
    pub(crate) fn apply_to(&self, s: &mut InstanceSettings) -> Result<(), DomainError> {
        let defaults = InstanceSettings::default();
        set_nullable(&mut s.build_command, &self.build_command);
        set_required(&mut s.builder, &self.builder, defaults.builder);
        set_nullable(&mut s.cron_schedule, &self.cron_schedule);
        set_nullable(&mut s.dockerfile_path, &self.dockerfile_path);
        set_nullable(&mut s.draining_seconds, &self.draining_seconds);
        set_nullable(&mut s.healthcheck_path, &self.healthcheck_path);
        set_nullable(&mut s.healthcheck_timeout, &self.healthcheck_timeout);
        match &self.num_replicas {
            // Documented Railway behaviour: leaving numReplicas out resets it to one replica.
            MaybeUndefined::Undefined => s.num_replicas = Some(1),
            other => set_nullable(&mut s.num_replicas, other),
        }
        set_nullable(&mut s.overlap_seconds, &self.overlap_seconds);
        set_nullable(&mut s.pre_deploy_command, &self.pre_deploy_command);
        set_nullable(&mut s.railway_config_file, &self.railway_config_file);
        // R20: the top-level `region` input moves nothing; placement is multiRegionConfig's.
        set_required(
            &mut s.restart_policy_max_retries,
            &self.restart_policy_max_retries,
            defaults.restart_policy_max_retries,
        );
        set_required(
            &mut s.restart_policy_type,
            &self.restart_policy_type,
            defaults.restart_policy_type,
        );
        set_nullable(&mut s.root_directory, &self.root_directory);
        set_nullable(&mut s.sleep_application, &self.sleep_application);
        set_nullable(&mut s.ipv6_egress_enabled, &self.ipv6_egress_enabled);
        // Guess: null switches tracing off, as an absent switch reads in the config.
        for (switch, input) in [
            (&mut s.tracing_enabled, &self.tracing_enabled),
            (
                &mut s.auto_instrumentation_enabled,
                &self.auto_instrumentation_enabled,
            ),
        ] {
            match input {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => *switch = false,
                MaybeUndefined::Value(on) => *switch = *on,
            }
        }
        match &self.registry_credentials {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => s.registry_credentials = None,
            MaybeUndefined::Value(c) => {
                s.registry_credentials = Some(RegistryCredentialsRecord {
                    username: c.username.clone(),
                    password: c.password.clone(),
                })
            }
        }
        set_nullable(&mut s.start_command, &self.start_command);
        set_required(&mut s.watch_patterns, &self.watch_patterns, Vec::new());
        match &self.source {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => (s.image, s.repo) = (None, None),
            MaybeUndefined::Value(source) => {
                (s.image, s.repo) = (source.image.clone(), source.repo.clone())
            }
        }
        self.apply_placement(s)
    }

    /// R20: `multiRegionConfig` merges into the placement (null removes a region) and sets the
    /// replica total; without it, the replica count (reset to 1 when omitted) is placed.
    fn apply_placement(&self, s: &mut InstanceSettings) -> Result<(), DomainError> {
        let bad = |BadValue(key): BadValue| {
            DomainError::InvalidPatch(format!("multiRegionConfig: invalid value for {key}"))
        };
        match &self.multi_region_config {
            MaybeUndefined::Value(patch) => {
                let mut placement = multi_region_json(&s.multi_region_config);
                merge_into(&mut placement, &patch.0);
                s.multi_region_config = decode_placement(Some(&placement)).map_err(bad)?;
                s.num_replicas = Some(s.total_replicas());
            }
            // Guess: a null multiRegionConfig puts the replicas back in the default region.
            MaybeUndefined::Null => {
                s.multi_region_config = InstanceSettings::default().multi_region_config;
                scale_placement(s, s.num_replicas.unwrap_or(1));
            }
            MaybeUndefined::Undefined => scale_placement(s, s.num_replicas.unwrap_or(1)),
        }
        Ok(())
    }
}

#[derive(InputObject)]
pub(crate) struct ServiceInstanceLimitsUpdateInput {
    pub environment_id: String,
    #[graphql(name = "memoryGB")]
    pub memory_gb: Option<f64>,
    pub service_id: String,
    #[graphql(name = "vCPUs")]
    pub v_cpus: Option<f64>,
}

#[derive(InputObject)]
pub(crate) struct DeploymentTriggerCreateInput {
    pub branch: String,
    pub check_suites: Option<bool>,
    pub environment_id: String,
    pub project_id: String,
    pub provider: String,
    pub repository: String,
    pub root_directory: Option<String>,
    pub service_id: String,
}

#[derive(InputObject)]
pub(crate) struct DeploymentTriggerUpdateInput {
    pub branch: Option<String>,
    pub check_suites: Option<bool>,
    pub repository: Option<String>,
    pub root_directory: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct VariableCollectionUpsertInput {
    pub environment_id: String,
    pub project_id: String,
    #[graphql(default_with = "Some(false)")]
    pub replace: Option<bool>,
    pub service_id: Option<String>,
    #[graphql(default_with = "Some(false)")]
    pub skip_deploys: Option<bool>,
    pub variables: EnvironmentVariables,
}

#[derive(InputObject)]
pub(crate) struct VariableUpsertInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
    pub service_id: Option<String>,
    #[graphql(default_with = "Some(false)")]
    pub skip_deploys: Option<bool>,
    pub value: String,
}

#[derive(InputObject)]
pub(crate) struct VariableDeleteInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
    pub service_id: Option<String>,
}
