//! The sandbox's in-memory Railway world: lookups over [`State`] and Railway's domain errors.
//! Mutations live in `mutations`, variables in `variables`, networking in `domains` and
//! `tcp_proxies`, volumes in `volumes` and `backups`, deployments in `deployments`; nothing here
//! knows about GraphQL or HTTP.

mod backups;
mod buckets;
mod change_sets;
mod copy;
mod deployments;
mod domains;
pub(crate) mod hostnames;
mod mutations;
mod patches;
mod pr_environments;
mod projects;
mod provided;
mod rules;
mod scoping;
mod staged;
mod tcp_proxies;
mod templates;
mod tokens;
mod variables;
mod volumes;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub(crate) use backups::{NewBackup, SANDBOX_CREATOR_ID, Workflows, expiry, manual_retention};
pub(crate) use buckets::{BucketCredentials, FAKE_S3_ENDPOINT};
pub use deployments::HEALTHCHECK_MS_PER_SECOND;
pub(crate) use deployments::{
    DeploySettings, DeploymentFilter, DeploymentView, ExecutionView, LogLine, can_redeploy,
    next_cron_run, replica_status,
};
pub(crate) use domains::{DomainAvailability, NewCustomDomain};
pub(crate) use mutations::{EnvironmentCopy, NewProject, NewService, NewTrigger, TriggerChanges};
pub(crate) use patches::scale_placement;
pub(crate) use pr_environments::{PrAction, PullRequest};
pub(crate) use projects::{ProjectChanges, ServiceSourceChange};
pub use rules::SandboxPlan;
pub(crate) use rules::{Creation, Limits, Throttles, check_pre_deploy_command, deleting};
pub use scoping::InstanceUpdateScope;
pub(crate) use templates::TemplateDeploy;
use templates::TemplateService;
pub(crate) use variables::references;
pub(crate) use volumes::{
    DEFAULT_VOLUME_REGION, DEFAULT_VOLUME_SIZE_MB, NewVolume, VolumeInstanceChanges,
};

use super::model::{
    EnvironmentRecord, InstanceRecord, ProjectRecord, STATE_VERSION, ServiceRecord, State,
    TriggerRecord, VariableRecord,
};

/// Railway's domain errors, with Railway's exact messages.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainError {
    #[error("Project not found")]
    ProjectNotFound,
    #[error("Environment not found")]
    EnvironmentNotFound,
    #[error("Service not found")]
    ServiceNotFound,
    #[error("ServiceInstance not found")]
    InstanceNotFound,
    #[error("DeploymentTrigger not found")]
    TriggerNotFound,
    #[error("A service named \"{0}\" already exists in this project")]
    DuplicateService(String),
    /// Only from seed files: a request can never produce it.
    #[error("{0}")]
    InvalidSeed(String),
    #[error("Environment with name \"{0}\" already exists")]
    DuplicateEnvironment(String),
    #[error("Invalid project name")]
    InvalidProjectName,
    #[error("Failed to create service domain, please try again")]
    ServiceDomainTryAgain,
    #[error("Domain is not available")]
    DomainNotAvailable,
    #[error("{0} is not a valid domain")]
    InvalidDomain(String),
    #[error("Custom domain already in use")]
    CustomDomainInUse,
    #[error("Service domain not found")]
    ServiceDomainNotFound,
    #[error("Custom domain not found")]
    CustomDomainNotFound,
    #[error("TCP proxy not found")]
    TcpProxyNotFound,
    #[error("A TCP proxy already exists for application port {0}")]
    TcpProxyPortTaken(i32),
    #[error("Volume not found")]
    VolumeNotFound,
    #[error("VolumeInstance not found")]
    VolumeInstanceNotFound,
    #[error("Service already has a volume mounted")]
    ServiceHasVolume,
    #[error("Invalid mount path \"{0}\": it must be absolute (start with /)")]
    InvalidMountPath(String),
    #[error("Backup not found")]
    BackupNotFound,
    #[error("Backup schedule not found")]
    BackupScheduleNotFound,
    #[error("Problem processing request")]
    Unavailable,
    /// Guess: Railway's text for a malformed patch is not public.
    #[error("Invalid patch: {0}")]
    InvalidPatch(String),
    /// R21; text unverified.
    #[error("A service cannot have more than {0} replicas in total")]
    TooManyReplicas(i32),
    /// R21; text unverified.
    #[error("A service with a volume cannot have more than one replica")]
    ReplicasWithVolume,
    /// R21; text unverified.
    #[error("A cron service must have exactly one replica")]
    CronReplicas,
    // R4
    #[error(
        "Whoa there pal! Only one environment can be created per user every 30s. Try again in a sec"
    )]
    EnvironmentsTooQuickly,
    // R36
    #[error(
        "You are creating projects too quickly. This workspace allows 1 project per 30 seconds. Try again shortly."
    )]
    ProjectsTooQuickly,
    // R24
    #[error("Whoa there pal! You are creating volumes too quickly. Try again in a sec")]
    VolumesTooQuickly,
    /// R24: the text is a guess (Railway's is unverified).
    #[error("A volume named \"{0}\" already exists in this project")]
    DuplicateVolumeName(String),
    /// R25: the text is a guess (Railway's is unknown).
    #[error(
        "Cannot create a manual backup: the volume is more than 50% full. Backups need free space of at least the data size"
    )]
    BackupVolumeTooFull,
    // R18
    #[error("Error in preDeployCommand - Invalid input")]
    PreDeployCommandInvalid,
    /// R32: the text is a guess (Railway's is unknown).
    #[error(
        "Custom domain limit reached: the {plan} plan allows {limit} custom domains per service"
    )]
    CustomDomainLimit { plan: String, limit: usize },
    // R37
    #[error("Not Authorized")]
    NotAuthorized,
    #[error("Deployment not found")]
    DeploymentNotFound,
    /// R38: a transient refusal clients retry.
    #[error("Cannot redeploy yet, please wait for the original deployment to finish building")]
    RedeployNotReady,
    /// `deploymentRollback` to a deployment that never went live; the text is a guess.
    #[error("Cannot rollback to a deployment that never went live")]
    RollbackNotAllowed,
    /// `deploymentRestart` of a deployment that is not running; the text is a guess.
    #[error("Cannot restart a deployment that is not running")]
    RestartNotRunning,
    /// R15: `baseConfigEtag` is no longer the environment's. The code the resolver sets
    /// (`STALE_ENVIRONMENT_BASE`) is the one Railway's SDK matches; the text is a guess.
    #[error(
        "The environment changed since this change set was planned (baseConfigEtag is stale). Plan again"
    )]
    StaleEnvironmentBase,
    /// Guess at the text.
    #[error("Template not found")]
    TemplateNotFound,
    /// Guess at the text.
    #[error("Bucket not found")]
    BucketNotFound,
    /// Guess at the text.
    #[error("ChangeSet apply not found")]
    ChangeSetApplyNotFound,
    /// Guess at the text: a change set the sandbox cannot read.
    #[error("Invalid change set: {0}")]
    InvalidChangeSet(String),
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) state: State,
    /// Not persisted: a restarted sandbox forgets its workflows (`NotFound`).
    pub(crate) workflows: Workflows,
    /// How long a manual backup's workflow runs before it completes.
    pub(crate) backup_duration: Duration,
    /// R7's switch: how far `serviceInstanceUpdate` with a non-fork id reaches.
    pub(crate) instance_update_scope: InstanceUpdateScope,
    /// Throttles, plan and read lag, from the sandbox's configuration.
    pub(crate) limits: Limits,
    /// Not persisted: a restarted sandbox forgets recent creations.
    pub(crate) throttles: Throttles,
    /// Deployment timing and forced outcomes (not persisted: they are the sandbox's settings).
    pub(crate) deploy_settings: DeploySettings,
    /// R30's switch (`POST /_sandbox/domains/renames`); not persisted.
    pub(crate) domain_renames: crate::sandbox::model::DomainRenames,
    /// R46's switch (disputed): template databases come without their TCP proxy.
    pub(crate) template_tcp_proxy_off: bool,
}

/// The store shared by the HTTP layer and every resolver.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    /// A store enforcing `limits` (throttles, plan, read lag).
    pub(crate) fn new(state: State, backup_duration: Duration, limits: Limits) -> Self {
        let mut store = Store {
            state,
            workflows: Workflows::default(),
            backup_duration,
            instance_update_scope: InstanceUpdateScope::default(),
            limits,
            throttles: Throttles::default(),
            deploy_settings: DeploySettings::default(),
            domain_renames: crate::sandbox::model::DomainRenames::default(),
            template_tcp_proxy_off: false,
        };
        store.normalize_placements();
        Self(Arc::new(Mutex::new(store)))
    }

    /// R46's switch, set once at start: whether template databases get their TCP proxy.
    pub(crate) fn set_template_tcp_proxy(&self, present: bool) {
        if let Ok(mut store) = self.lock() {
            store.template_tcp_proxy_off = !present;
        }
    }

    /// R7's switch, set once at start.
    pub(crate) fn set_instance_update_scope(&self, scope: InstanceUpdateScope) {
        if let Ok(mut store) = self.lock() {
            store.instance_update_scope = scope;
        }
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Store>, DomainError> {
        // A poisoned lock means a resolver panicked mid-mutation; refuse rather than serve torn state.
        self.0.lock().map_err(|_| DomainError::Unavailable)
    }
}

impl Store {
    pub(crate) fn empty_state() -> State {
        State {
            version: STATE_VERSION,
            ..State::default()
        }
    }

    pub(crate) fn project(&self, id: &str) -> Result<&ProjectRecord, DomainError> {
        self.state
            .projects
            .iter()
            .find(|p| p.id == id && p.deleted_at.is_none())
            .ok_or(DomainError::ProjectNotFound)
    }

    pub(crate) fn projects(&self, workspace_id: Option<&str>) -> Vec<ProjectRecord> {
        self.state
            .projects
            .iter()
            .filter(|p| p.deleted_at.is_none())
            // R33: without a workspace id, only personal (workspace-less) projects.
            .filter(|p| p.workspace_id == workspace_id.unwrap_or_default())
            .cloned()
            .collect()
    }

    pub(crate) fn environment(&self, id: &str) -> Result<&EnvironmentRecord, DomainError> {
        self.state
            .environments
            .iter()
            .find(|e| e.id == id && e.deleted_at.is_none())
            .ok_or(DomainError::EnvironmentNotFound)
    }

    pub(crate) fn environments_of_project(
        &self,
        project_id: &str,
        is_ephemeral: Option<bool>,
    ) -> Vec<EnvironmentRecord> {
        self.state
            .environments
            .iter()
            .filter(|e| e.project_id == project_id)
            .filter(|e| is_ephemeral.is_none_or(|wanted| e.is_ephemeral == wanted))
            .cloned()
            .collect()
    }

    pub(crate) fn service(&self, id: &str) -> Result<&ServiceRecord, DomainError> {
        self.state
            .services
            .iter()
            .find(|s| s.id == id && s.deleted_at.is_none())
            .ok_or(DomainError::ServiceNotFound)
    }

    pub(crate) fn service_name(&self, id: &str) -> String {
        self.state
            .services
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// Every service of the project, soft-deleted ones included (as Railway returns them).
    pub(crate) fn services_of_project(&self, project_id: &str) -> Vec<ServiceRecord> {
        self.state
            .services
            .iter()
            .filter(|s| s.project_id == project_id)
            .cloned()
            .collect()
    }

    /// Every instance of the environment, soft-deleted ones included.
    pub(crate) fn instances_of_environment(&self, environment_id: &str) -> Vec<InstanceRecord> {
        self.state
            .instances
            .iter()
            .filter(|i| i.environment_id == environment_id)
            .cloned()
            .collect()
    }

    /// The service's instances in live environments, removed ones included with their
    /// `deletedAt`, as `Environment.serviceInstances` lists them. Guess, from the schema:
    /// `ServiceInstance.deletedAt` exists to be read, so both lists hold removed instances and a
    /// client tells them apart by it (the Terraform providers filter on it).
    pub(crate) fn instances_of_service(&self, service_id: &str) -> Vec<InstanceRecord> {
        self.state
            .instances
            .iter()
            .filter(|i| i.service_id == service_id)
            .filter(|i| self.environment(&i.environment_id).is_ok())
            .cloned()
            .collect()
    }

    pub(crate) fn triggers_of_environment(&self, environment_id: &str) -> Vec<TriggerRecord> {
        self.state
            .triggers
            .iter()
            .filter(|t| t.environment_id == environment_id)
            .cloned()
            .collect()
    }

    pub(crate) fn variables_of_environment(&self, environment_id: &str) -> Vec<VariableRecord> {
        self.state
            .variables
            .iter()
            .filter(|v| v.environment_id == environment_id)
            .cloned()
            .collect()
    }

    fn live_instance_mut(
        &mut self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<&mut InstanceRecord, DomainError> {
        self.state
            .instances
            .iter_mut()
            .find(|i| {
                i.service_id == service_id
                    && i.environment_id == environment_id
                    && i.deleted_at.is_none()
            })
            .ok_or(DomainError::InstanceNotFound)
    }

    /// The environment, checked to belong to the project.
    pub(crate) fn environment_in_project(
        &self,
        project_id: &str,
        environment_id: &str,
    ) -> Result<&EnvironmentRecord, DomainError> {
        self.project(project_id)?;
        let environment = self.environment(environment_id)?;
        if environment.project_id == project_id {
            Ok(environment)
        } else {
            Err(DomainError::EnvironmentNotFound)
        }
    }
}
