//! The sandbox's stored records (the persisted state, version [`STATE_VERSION`]) and the enums
//! they share with the GraphQL schema. Plain data only: no rules, no I/O.

mod buckets;
mod deployments;
mod networking;
mod patches;
mod previews;
mod tokens;
mod volumes;

use std::collections::BTreeMap;

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

pub(crate) use buckets::{BucketInstanceRecord, BucketRecord};
pub(crate) use deployments::{DeploymentHistoryRecord, DeploymentInstanceStatus, ExecutionRecord};
pub use deployments::{DeploymentOutcome, UnknownOutcome};
pub(crate) use networking::DomainRenames;
pub(crate) use networking::{
    CertificateStatus, CustomDomainRecord, DnsRecordPurpose, DnsRecordStatus, DnsRecordType,
    ServiceDomainRecord, SyncStatus, TcpProxyRecord,
};
pub(crate) use patches::{
    ChangeOutcomeRecord, ChangeSetApplyRecord, DEFAULT_REGION, EnvironmentPatchStatus,
    StagedPatchRecord,
};
pub(crate) use previews::PrMetaRecord;
pub(crate) use tokens::{AccessRecords, ProjectTokenRecord, WorkspaceRecord};
pub(crate) use volumes::{
    BackupRecord, BackupScheduleRecord, VolumeInstanceBackupScheduleKind, VolumeInstanceRecord,
    VolumeRecord, VolumeState, WorkflowStatus,
};

pub(crate) const STATE_VERSION: u32 = 1;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Builder {
    Heroku,
    Nixpacks,
    Paketo,
    #[default]
    Railpack,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum RestartPolicyType {
    Always,
    Never,
    #[default]
    OnFailure,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum DeploymentStatus {
    Building,
    Crashed,
    Deploying,
    Failed,
    Initializing,
    NeedsApproval,
    Queued,
    Removed,
    Removing,
    Skipped,
    Sleeping,
    Success,
    Waiting,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    pub version: u32,
    pub projects: Vec<ProjectRecord>,
    pub environments: Vec<EnvironmentRecord>,
    pub services: Vec<ServiceRecord>,
    pub instances: Vec<InstanceRecord>,
    pub triggers: Vec<TriggerRecord>,
    pub variables: Vec<VariableRecord>,
    /// Absent from state files written before domains existed.
    #[serde(default)]
    pub service_domains: Vec<ServiceDomainRecord>,
    #[serde(default)]
    pub custom_domains: Vec<CustomDomainRecord>,
    #[serde(default)]
    pub tcp_proxies: Vec<TcpProxyRecord>,
    /// Absent from state files written before volumes existed.
    #[serde(default)]
    pub volumes: Vec<VolumeRecord>,
    #[serde(default)]
    pub volume_instances: Vec<VolumeInstanceRecord>,
    #[serde(default)]
    pub volume_backups: Vec<BackupRecord>,
    /// Absent from state files written before staged changes existed.
    #[serde(default)]
    pub staged_patches: Vec<StagedPatchRecord>,
    /// Every deployment ever started, oldest first. Absent from older state files.
    #[serde(default)]
    pub deployments: Vec<DeploymentHistoryRecord>,
    /// Project tokens, member tokens and restricted environments (absent from older files).
    #[serde(default)]
    pub access: AccessRecords,
    /// Off-schedule cron runs, oldest first (absent from older state files).
    #[serde(default)]
    pub executions: Vec<ExecutionRecord>,
    /// Railway IaC applies, oldest first (absent from older state files).
    #[serde(default)]
    pub change_set_applies: Vec<ChangeSetApplyRecord>,
    /// R49: storage buckets and their per-environment instances (absent from older files).
    #[serde(default)]
    pub buckets: Vec<BucketRecord>,
    #[serde(default)]
    pub bucket_instances: Vec<BucketInstanceRecord>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub workspace_id: String,
    pub is_public: bool,
    pub pr_deploys: bool,
    pub deleted_at: Option<String>,
    pub created_at: String,
    /// R50: PR environments for bot pull requests; absent from older state files.
    #[serde(default)]
    pub bot_pr_environments: bool,
    /// R50: focused PR environments; absent from older state files.
    #[serde(default)]
    pub focused_pr_environments: bool,
    /// R50: the environment PR environments copy (production when none).
    #[serde(default)]
    pub base_environment_id: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvironmentRecord {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub is_ephemeral: bool,
    pub deleted_at: Option<String>,
    pub created_at: String,
    /// Set for a fork (created from a source environment); absent from older state files.
    #[serde(default)]
    pub source_environment_id: Option<String>,
    /// R50: the pull request of a PR environment; absent from older state files.
    #[serde(default)]
    pub meta: Option<PrMetaRecord>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceRecord {
    pub id: String,
    pub name: String,
    pub icon: Option<String>,
    pub project_id: String,
    pub template_id: Option<String>,
    /// R48: set only on services a template deployment created (absent from older files).
    #[serde(default)]
    pub template_service_id: Option<String>,
    pub deleted_at: Option<String>,
    pub created_at: String,
}

/// Per-environment settings of a service, exactly the `ServiceInstance` fields the subset exposes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct InstanceSettings {
    pub image: Option<String>,
    pub repo: Option<String>,
    pub builder: Builder,
    pub build_command: Option<String>,
    pub start_command: Option<String>,
    pub root_directory: Option<String>,
    pub dockerfile_path: Option<String>,
    pub railway_config_file: Option<String>,
    pub pre_deploy_command: Option<Vec<String>>,
    pub watch_patterns: Vec<String>,
    pub healthcheck_path: Option<String>,
    pub healthcheck_timeout: Option<i32>,
    pub num_replicas: Option<i32>,
    /// Placement: replicas per region id (`deploy.multiRegionConfig`); the only place a region lives.
    pub multi_region_config: BTreeMap<String, i32>,
    pub cron_schedule: Option<String>,
    pub restart_policy_type: RestartPolicyType,
    pub restart_policy_max_retries: i32,
    pub sleep_application: Option<bool>,
    pub draining_seconds: Option<i32>,
    pub overlap_seconds: Option<i32>,
    /// R46: `deploy.requiredMountPath`, set by database templates.
    pub required_mount_path: Option<String>,
    /// `deploy.registryCredentials`: the password is stored, never rendered back.
    pub registry_credentials: Option<RegistryCredentialsRecord>,
    pub ipv6_egress_enabled: Option<bool>,
    /// `tracing.enabled` / `tracing.autoInstrumentation`: off unless switched on.
    pub tracing_enabled: bool,
    pub auto_instrumentation_enabled: bool,
}

/// A private registry's login for an image source.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RegistryCredentialsRecord {
    pub username: String,
    pub password: String,
}

impl Default for InstanceSettings {
    fn default() -> Self {
        Self {
            image: None,
            repo: None,
            builder: Builder::Railpack,
            build_command: None,
            start_command: None,
            root_directory: None,
            dockerfile_path: None,
            railway_config_file: None,
            pre_deploy_command: None,
            watch_patterns: Vec::new(),
            healthcheck_path: None,
            healthcheck_timeout: None,
            num_replicas: Some(1),
            multi_region_config: BTreeMap::from([(DEFAULT_REGION.to_string(), 1)]),
            cron_schedule: None,
            restart_policy_type: RestartPolicyType::OnFailure,
            restart_policy_max_retries: 10,
            sleep_application: None,
            draining_seconds: None,
            overlap_seconds: None,
            required_mount_path: None,
            registry_credentials: None,
            ipv6_egress_enabled: None,
            tracing_enabled: false,
            auto_instrumentation_enabled: false,
        }
    }
}

impl InstanceSettings {
    pub(crate) fn has_source(&self) -> bool {
        self.image.is_some() || self.repo.is_some()
    }

    /// Total replicas over every region of the placement.
    pub(crate) fn total_replicas(&self) -> i32 {
        self.multi_region_config.values().sum()
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceLimits {
    pub v_cpus: Option<f64>,
    pub memory_gb: Option<f64>,
}

/// The instance's newest deployment as first recorded; its status is only read when the id is not
/// in the deployment history (state files written before the history existed).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentRecord {
    pub id: String,
    pub status: DeploymentStatus,
    pub created_at: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstanceRecord {
    pub id: String,
    pub service_id: String,
    pub environment_id: String,
    pub settings: InstanceSettings,
    pub limits: Option<ResourceLimits>,
    pub latest_deployment: Option<DeploymentRecord>,
    pub deleted_at: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TriggerRecord {
    pub id: String,
    pub service_id: String,
    pub environment_id: String,
    pub project_id: String,
    pub provider: String,
    pub repository: String,
    pub branch: String,
    pub check_suites: bool,
    pub root_directory: Option<String>,
}

/// A variable; `service_id: None` means a shared variable of the environment.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VariableRecord {
    pub id: String,
    pub environment_id: String,
    pub service_id: Option<String>,
    pub name: String,
    pub value: String,
    /// Sealed on Railway: the value exists but can never be read back through the API.
    #[serde(default)]
    pub sealed: bool,
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
