//! The plan's vocabulary: typed actions with addresses and risk, and field-level changes.
//! Data only: computing actions is `diff`, showing them is `render`.

use crate::railway::live::ProjectHome;
use serde::Serialize;
use serde_json::Value;

use crate::inventory::Inventory;
use std::collections::BTreeMap;

use crate::manifest::database::Engine;
use crate::manifest::desired::{DesiredVolume, InstanceSettings, PreviewPolicy, VariableValue};

/// Version of the JSON plan format (`plan --json`); bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub project: String,
    /// `None` when the project does not exist yet.
    pub project_id: Option<String>,
    /// Manifest environments this plan covers (all, or the one chosen with `--env`).
    pub environments: Vec<String>,
    pub actions: Vec<Action>,
    /// Things the plan saw and deliberately leaves alone, for the reader.
    pub notes: Vec<String>,
    /// Environments with someone's uncommitted staged changes (R17) where the plan would write:
    /// their actions are held back, not in `actions`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<HeldEnvironment>,
    /// Differences on existing instances left alone by `ignore:` rules: not in `actions`, never
    /// with values.
    pub ignored: Vec<IgnoredDifference>,
    /// Ownership bookkeeping to record after the actions; never shown as a change.
    #[serde(skip)]
    pub inventory_writes: Vec<InventoryWrite>,
    /// `deploy: never`: environment patches are committed without deploying (R16).
    #[serde(skip)]
    pub skip_deploys: bool,
}

/// An environment the operator does not write to because of staged changes (R17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldEnvironment {
    pub environment: String,
    /// Railway's `unmergedChangesCount`.
    pub staged_changes: i64,
    /// Addresses of the actions held back.
    pub held_actions: Vec<String>,
}

/// One difference an `ignore:` rule left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IgnoredDifference {
    /// The instance, as actions address it: `service.api[production]`.
    pub address: String,
    /// What differs, spelled like an ignore path: `deploy.replicas`, `variables.DEPLOYED_SHA`,
    /// `domains.api.example.com`, `tcpProxies.5432`, `volume.backups.schedules`.
    pub field: String,
}

/// The inventory an environment should hold once the plan is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryWrite {
    pub environment: String,
    pub inventory: Inventory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Safe,
    Destructive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
    Deploy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Action {
    #[serde(rename_all = "camelCase")]
    CreateProject {
        name: String,
        /// R33: the workspace it goes to; `None` only when the snapshot did not say (a
        /// planner fed by hand), and then Railway decides.
        home: Option<ProjectHome>,
        /// Railway creates exactly one environment with a new project; this names it.
        default_environment: String,
    },
    /// An empty environment (R2, R5): never a copy, so nothing of another environment
    /// (secrets, volumes, services the manifest does not name) reaches it. Its environment
    /// patch then adds exactly the manifest's instances.
    #[serde(rename_all = "camelCase")]
    CreateEnvironment { name: String },
    /// A service without a source (R6): nothing deploys until its environment patches have
    /// set its source, settings and variables. A database is made from Railway's template
    /// instead (R45), its major pinned before it first starts (R47).
    #[serde(rename_all = "camelCase")]
    CreateService {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        database: Option<DatabaseCreate>,
    },
    /// Bring one service instance's settings to the manifest's.
    #[serde(rename_all = "camelCase")]
    ConfigureInstance {
        service: String,
        environment: String,
        /// True when the service is created by this plan (shown as `+`, counted with the service).
        new_service: bool,
        /// The environment has no instance of the service yet: the patch adds it (`isCreated`, R9).
        create_instance: bool,
        changes: Vec<FieldChange>,
        /// Variable changes; values only for non-sensitive ones.
        variables: Vec<VariableChange>,
        /// Domain and TCP proxy changes.
        domains: Vec<super::domains::DomainChange>,
        /// R45, R46: a template database whose instance here lacks its template's variables
        /// (an environment the template was not deployed into): apply adds them as Railway's
        /// IaC does, plain values as the template gives them and credentials as `generator`s
        /// Railway evaluates; the operator never chooses or sees them.
        #[serde(skip_serializing_if = "Option::is_none")]
        template_variables: Option<Engine>,
        desired: Box<InstanceSettings>,
    },
    /// Bring an environment's shared variables to the manifest's.
    #[serde(rename_all = "camelCase")]
    ConfigureSharedVariables {
        environment: String,
        variables: Vec<VariableChange>,
        /// The full desired set (an executor input, never serialised: it may hold secrets).
        #[serde(skip)]
        desired: BTreeMap<String, VariableValue>,
    },
    /// Remove one environment's instance of a managed service (`isDeleted`, R9): an environment
    /// the manifest does not declare, where creating the service put one (R6).
    #[serde(rename_all = "camelCase")]
    RemoveInstance {
        service: String,
        environment: String,
    },
    /// Delete a service this operator created that left the manifest (`prune: true`).
    #[serde(rename_all = "camelCase")]
    DeleteService { name: String, id: String },
    /// Create one service instance's volume, or rename it, move its mount or set its native
    /// backup schedules. Resolved by names at apply time, like instances.
    #[serde(rename_all = "camelCase")]
    ConfigureVolume {
        service: String,
        environment: String,
        /// No volume is mounted yet: one is created (then named and scheduled).
        create: bool,
        changes: Vec<FieldChange>,
        #[serde(skip)]
        desired: Box<DesiredVolume>,
    },
    /// Delete an owned volume that left the manifest (`prune: true`): its data and its backups
    /// are lost, so it is destructive.
    #[serde(rename_all = "camelCase")]
    DeleteVolume {
        service: String,
        environment: String,
        name: String,
        id: String,
    },
    /// Bring the project's PR environment settings to `spec.previews` (R50): one
    /// `projectUpdate` with only the settings that differ.
    #[serde(rename_all = "camelCase")]
    ConfigurePreviews {
        changes: Vec<FieldChange>,
        /// The settings to send (the base by name, resolved at apply time).
        #[serde(skip)]
        desired: PreviewPolicy,
    },
    /// R49: a project-level Storage Bucket, by name (`bucketCreate`); its instances follow in
    /// the environments' patches.
    #[serde(rename_all = "camelCase")]
    CreateBucket { name: String },
    /// R49: the bucket's instance in one environment (`buckets.<id>.isCreated` in its patch).
    #[serde(rename_all = "camelCase")]
    CreateBucketInstance {
        bucket: String,
        environment: String,
        /// `None`: Railway's default.
        region: Option<String>,
    },
    /// R49: remove the bucket's instance from an environment its list no longer names
    /// (`isDeleted`): the objects stored there are lost, so it is destructive.
    #[serde(rename_all = "camelCase")]
    RemoveBucketInstance { bucket: String, environment: String },
    /// R49: delete an owned bucket that left the manifest (`prune: true`): `isDeleted` in every
    /// environment with an instance; its objects are lost.
    #[serde(rename_all = "camelCase")]
    DeleteBucket {
        name: String,
        id: String,
        environments: Vec<String>,
    },
    /// A preview environment for a remote branch (`spec.previews.fromBranches`): an ephemeral
    /// copy of `base` (R2, R3, R50) whose repository services then follow `branch`; its
    /// inventory marks it as the operator's. The preview overrides follow in the next pass.
    #[serde(rename_all = "camelCase")]
    CreateBranchPreview {
        name: String,
        branch: String,
        base: String,
    },
    /// Delete an ephemeral environment: a branch preview of the operator's whose branch is
    /// gone, or a preview (Railway's PR environment or a branch preview) past `expireAfter`.
    /// Never another ephemeral environment, never a persistent one.
    #[serde(rename_all = "camelCase")]
    DeletePreview {
        name: String,
        id: String,
        why: PreviewEnd,
        /// The branch, for a branch preview of the operator's.
        #[serde(skip_serializing_if = "Option::is_none")]
        branch: Option<String>,
        /// Why, for people: `branch feature/x is gone`, `8d old, expireAfter 7d`.
        detail: String,
    },
    /// One `serviceInstanceDeployV2` after an instance changed (policy `deploy: on-change`).
    #[serde(rename_all = "camelCase")]
    DeployInstance {
        service: String,
        environment: String,
        /// Shared variables whose change alone also calls for this deploy (the service references them).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        after_shared: Vec<String>,
    },
}

impl Action {
    /// A stable, human-readable address: `service.api[production]`.
    pub fn address(&self) -> String {
        match self {
            Action::CreateProject { name, .. } => format!("project.{name}"),
            Action::CreateEnvironment { name, .. } => format!("environment.{name}"),
            Action::CreateService { name, .. } => format!("service.{name}"),
            Action::ConfigureInstance {
                service,
                environment,
                ..
            } => format!("service.{service}[{environment}]"),
            Action::ConfigureSharedVariables { environment, .. } => {
                format!("shared-variables[{environment}]")
            }
            Action::RemoveInstance {
                service,
                environment,
            } => format!("service.{service}[{environment}]"),
            Action::DeleteService { name, .. } => format!("service.{name}"),
            Action::ConfigureVolume {
                service,
                environment,
                ..
            }
            | Action::DeleteVolume {
                service,
                environment,
                ..
            } => format!("volume.{service}[{environment}]"),
            Action::DeployInstance {
                service,
                environment,
                ..
            } => format!("deploy.{service}[{environment}]"),
            Action::ConfigurePreviews { .. } => "project.previews".to_string(),
            Action::CreateBucket { name } | Action::DeleteBucket { name, .. } => {
                format!("bucket.{name}")
            }
            Action::CreateBucketInstance {
                bucket,
                environment,
                ..
            }
            | Action::RemoveBucketInstance {
                bucket,
                environment,
            } => format!("bucket.{bucket}[{environment}]"),
            Action::CreateBranchPreview { name, .. } | Action::DeletePreview { name, .. } => {
                format!("preview.{name}")
            }
        }
    }

    pub fn risk(&self) -> Risk {
        match self {
            Action::DeleteService { .. }
            | Action::DeleteVolume { .. }
            | Action::RemoveBucketInstance { .. }
            | Action::DeleteBucket { .. } => Risk::Destructive,
            _ => Risk::Safe,
        }
    }

    pub fn kind(&self) -> ChangeKind {
        match self {
            Action::CreateProject { .. }
            | Action::CreateEnvironment { .. }
            | Action::CreateService { .. }
            | Action::CreateBranchPreview { .. } => ChangeKind::Create,
            Action::ConfigureInstance {
                new_service: true, ..
            }
            | Action::ConfigureInstance {
                create_instance: true,
                ..
            } => ChangeKind::Create,
            Action::ConfigureVolume { create: true, .. } => ChangeKind::Create,
            Action::CreateBucket { .. } | Action::CreateBucketInstance { .. } => ChangeKind::Create,
            Action::RemoveInstance { .. }
            | Action::RemoveBucketInstance { .. }
            | Action::DeleteBucket { .. } => ChangeKind::Delete,
            Action::ConfigureInstance { .. }
            | Action::ConfigureSharedVariables { .. }
            | Action::ConfigureVolume { .. }
            | Action::ConfigurePreviews { .. } => ChangeKind::Update,
            Action::DeleteService { .. }
            | Action::DeleteVolume { .. }
            | Action::DeletePreview { .. } => ChangeKind::Delete,
            Action::DeployInstance { .. } => ChangeKind::Deploy,
        }
    }

    /// The environment an action belongs to, if it is environment-scoped.
    pub fn environment(&self) -> Option<&str> {
        match self {
            Action::ConfigureInstance { environment, .. }
            | Action::RemoveInstance { environment, .. }
            | Action::ConfigureVolume { environment, .. }
            | Action::DeleteVolume { environment, .. }
            | Action::DeployInstance { environment, .. }
            | Action::ConfigureSharedVariables { environment, .. }
            | Action::CreateBucketInstance { environment, .. }
            | Action::RemoveBucketInstance { environment, .. } => Some(environment),
            Action::CreateEnvironment { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Why a preview is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PreviewEnd {
    /// Its branch is gone from the remote (or no longer matches the pattern).
    BranchGone,
    /// Older than `spec.previews.expireAfter`.
    Expired,
}

impl PreviewEnd {
    /// As metrics and events name it.
    pub fn label(self) -> &'static str {
        match self {
            PreviewEnd::BranchGone => "branch-gone",
            PreviewEnd::Expired => "expired",
        }
    }
}

/// A database made from Railway's template in one environment (R45, R47).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseCreate {
    pub engine: Engine,
    pub version: u32,
    /// The environment the template is deployed into (the first the plan covers); the others
    /// get their instance through their patches.
    pub environment: String,
    /// What that instance is set to in the staged patch before the commit (an executor input,
    /// never serialised: it may hold secrets).
    #[serde(skip)]
    pub desired: Box<InstanceSettings>,
    /// R17, `spec.policy.stagedChanges: commit`: anyone's changes staged there are committed
    /// with it; otherwise they stop the commit.
    #[serde(skip)]
    pub commit_staged: bool,
}

/// One setting that differs: `before` is `None` when nothing exists yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The manifest path of the setting, e.g. `deploy.replicas`.
    pub field: &'static str,
    pub before: Option<Value>,
    pub after: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableOp {
    Add,
    Update,
    Delete,
}

/// One variable that differs. `before`/`after` are shown only for non-sensitive values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableChange {
    pub name: String,
    pub op: VariableOp,
    pub sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// For `{ generate: N }`: the length of the value apply will create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate: Option<usize>,
}

/// Terraform-style counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub deploy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for action in &self.actions {
            match action {
                Action::ConfigureInstance {
                    new_service: true, ..
                } => {}
                other => match other.kind() {
                    ChangeKind::Create => summary.add += 1,
                    ChangeKind::Update => summary.change += 1,
                    ChangeKind::Delete => summary.destroy += 1,
                    ChangeKind::Deploy => summary.deploy += 1,
                },
            }
        }
        summary
    }

    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }

    pub fn destructive_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| a.risk() == Risk::Destructive)
    }
}
