//! The live state of one Railway project as the snapshot read it, soft-deleted rows already
//! dropped. Built by `railway::snapshot`, consumed by `plan`. Plain data: no I/O, no decisions.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::inventory::InventoryState;
use crate::manifest::desired::BackupScheduleKind;
use crate::manifest::setting::SettingValues;
use crate::secret::Secret;

/// What the snapshot found. `project` is `None` when no project matched the manifest; then
/// `new_project_home` says where creating it would put it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Live {
    pub project: Option<LiveProject>,
    pub new_project_home: Option<ProjectHome>,
}

/// A workspace the token's user belongs to (`me { workspaces }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
}

/// The workspace a new project goes to (R33: Railway creates projects only in a workspace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectHome {
    pub workspace_id: String,
    /// Known when it came from the token's workspaces.
    pub workspace_name: Option<String>,
    pub reason: HomeReason,
}

/// Why that workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeReason {
    /// `spec.workspace` or `RAILWAY_WORKSPACE_ID`.
    Named,
    /// The token's user belongs to exactly one workspace.
    OnlyWorkspace,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveProject {
    pub id: String,
    pub name: String,
    pub workspace_id: Option<String>,
    /// Non-ephemeral environments, in the order Railway returned them.
    pub environments: Vec<LiveEnvironment>,
    pub services: Vec<LiveService>,
    /// R35: environments the token may not read (`canAccess: false`): listed by name only,
    /// never in `environments`.
    pub restricted_environments: Vec<String>,
    /// R34: a project token's one environment; `environments` then holds only it.
    pub token_environment: Option<String>,
    /// R50: the project's PR environment settings.
    pub pr_settings: PrSettings,
    /// R50: ephemeral (PR) environments: observed, never desired. They are not in
    /// `environments`, so no plan creates, changes, prunes or deletes them.
    pub previews: Vec<LivePreview>,
    /// R49: the project's Storage Buckets (`Project.buckets`); each environment lists the ones
    /// with an instance there.
    pub buckets: Vec<LiveBucket>,
}

/// R49: a project-level Storage Bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveBucket {
    pub id: String,
    pub name: String,
}

/// R50: an ephemeral environment Railway made (for a pull request) or someone made through the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivePreview {
    pub environment: LiveEnvironment,
    /// `meta.prNumber`, absent for an ephemeral environment no pull request made.
    pub pr_number: Option<i64>,
    pub pr_repo: Option<String>,
    pub branch: Option<String>,
    /// RFC 3339, as Railway gives it.
    pub created_at: String,
}

/// R50: the project settings behind Railway's PR environments, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PrSettings {
    pub pr_deploys: bool,
    pub bot_pr_environments: bool,
    pub focused_pr_environments: bool,
    pub base_environment_id: Option<String>,
}

impl LiveProject {
    /// The instance of service `service` (by name) in environment `environment` (by name,
    /// persistent or ephemeral: [`Self::environment_named`]).
    pub fn instance(&self, service: &str, environment: &str) -> Option<&LiveInstance> {
        let service_id = &self.services.iter().find(|s| s.name == service)?.id;
        self.environment_named(environment)?
            .instances
            .get(service_id)
    }

    /// Every environment: the persistent ones in Railway's order, then the ephemeral ones (R50).
    pub fn all_environments(&self) -> impl Iterator<Item = &LiveEnvironment> {
        self.environments
            .iter()
            .chain(self.previews.iter().map(|p| &p.environment))
    }

    /// The one lookup of an environment by name: persistent first, then ephemeral (R50: an
    /// ephemeral one is written to only for `spec.previews.overrides`). A caller that must not
    /// reach a PR environment uses [`Self::persistent_environment_named`].
    pub fn environment_named(&self, name: &str) -> Option<&LiveEnvironment> {
        self.all_environments().find(|e| e.name == name)
    }

    /// The environment with id `id`, persistent or ephemeral.
    pub fn environment_with_id(&self, id: &str) -> Option<&LiveEnvironment> {
        self.all_environments().find(|e| e.id == id)
    }

    /// [`Self::environment_named`] narrowed to persistent environments, for a caller that must
    /// not reach a PR environment (R50: observed, not desired).
    pub fn persistent_environment_named(&self, name: &str) -> Option<&LiveEnvironment> {
        self.environment_named(name)
            .filter(|e| !self.is_ephemeral(e))
    }

    /// R50: whether `environment` is one of the project's ephemeral (PR) environments.
    pub fn is_ephemeral(&self, environment: &LiveEnvironment) -> bool {
        self.previews
            .iter()
            .any(|p| p.environment.id == environment.id)
    }

    /// The environments other than `except` with an instance of volume `volume_id`: a copied
    /// environment (R2, R22) shares the volume, and with it its name.
    /// PR environments count (R50): deleting the volume would take their data too.
    pub fn environments_sharing_volume(&self, volume_id: &str, except: &str) -> Vec<String> {
        self.all_environments()
            .filter(|e| e.name != except)
            .filter(|e| e.volumes.iter().any(|v| v.volume_id == volume_id))
            .map(|e| e.name.clone())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveService {
    pub id: String,
    pub name: String,
    /// R48: set only on a service made from a template (a Railway database).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_service_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEnvironment {
    pub id: String,
    pub name: String,
    /// R15: changes whenever the environment's config changes; compared right before writing.
    pub config_etag: String,
    /// R17: staged changes someone (usually the dashboard) has not committed yet.
    pub unmerged_changes: i64,
    /// R1: made from a source environment (`sourceEnvironment` set). Scoped mutations treat
    /// forks differently (R6-R8).
    pub is_fork: bool,
    /// Service instances keyed by service id.
    pub instances: BTreeMap<String, LiveInstance>,
    /// Shared variables, without the operator's inventory variable.
    pub shared_variables: BTreeMap<String, LiveVariable>,
    /// What this operator owns here, read from its inventory variable.
    pub inventory: InventoryState,
    /// Volume instances (attached or not), without those being deleted.
    pub volumes: Vec<LiveVolumeInstance>,
    /// R49: the buckets with an instance here (the config's `buckets.<id>`), by id, with the
    /// instance's region when the config gives one.
    pub buckets: BTreeMap<String, Option<String>>,
}

impl LiveEnvironment {
    /// An environment with nothing read into it: no instances, variables, volumes or inventory.
    pub fn empty(id: &str, name: &str) -> Self {
        LiveEnvironment {
            id: id.into(),
            name: name.into(),
            config_etag: String::new(),
            unmerged_changes: 0,
            is_fork: false,
            instances: BTreeMap::new(),
            shared_variables: BTreeMap::new(),
            inventory: InventoryState::Absent,
            volumes: Vec::new(),
            buckets: Default::default(),
        }
    }

    /// The volume mounted into a service here (Railway allows one per service instance).
    pub fn volume_of(&self, service_id: &str) -> Option<&LiveVolumeInstance> {
        self.volumes
            .iter()
            .find(|v| v.service_id.as_deref() == Some(service_id))
    }
}

/// One environment's instance of a volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveVolumeInstance {
    pub id: String,
    pub volume_id: String,
    pub volume_name: String,
    /// `None` when the volume is detached.
    pub service_id: Option<String>,
    pub mount_path: String,
    pub size_mb: i64,
    pub current_size_mb: f64,
    /// Railway's `VolumeState`, e.g. `READY`; `None` when Railway sent none.
    pub state: Option<String>,
    /// Railway-native schedules, sorted, from the config blob
    /// (`services.<id>.volumeMounts.<volumeId>.backupSchedules`).
    pub backup_schedules: Vec<BackupScheduleKind>,
    /// The other environments with an instance of this volume (a copy shares the volume, R2,
    /// R22): its name is theirs too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
}

impl LiveVolumeInstance {
    /// Current size as a percentage of the volume's size; `None` when the size is unknown.
    pub fn usage_percent(&self) -> Option<f64> {
        (self.size_mb > 0).then(|| self.current_size_mb * 100.0 / self.size_mb as f64)
    }
}

/// A variable as Railway holds it. Values are kept as [`Secret`]s: live values can be
/// credentials set elsewhere, so showing one is always a deliberate `expose()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LiveVariable {
    Value(Secret),
    /// Sealed: it exists, but its value cannot be read through the API.
    Sealed,
}

/// One service instance's settings, normalised to the manifest's vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveInstance {
    pub id: String,
    pub service_id: String,
    pub service_name: String,
    pub source: Option<LiveSource>,
    /// The settings of the table (`manifest::setting::TABLE`), as Railway holds them.
    #[serde(flatten)]
    pub values: SettingValues,
    pub root_directory: Option<String>,
    pub railway_config_file: Option<String>,
    /// From the environment config blob (`variables`), values as stored (references unrendered).
    pub variables: BTreeMap<String, LiveVariable>,
    /// Generated `*.up.railway.app` domains (not deleted).
    pub service_domains: Vec<LiveServiceDomain>,
    /// Custom domains with their DNS and certificate state (not deleted).
    pub custom_domains: Vec<LiveCustomDomain>,
    /// Application ports with a public TCP proxy, from the config blob (`networking.tcpProxies`).
    pub tcp_proxies: Vec<i64>,
    pub latest_deployment: Option<LiveDeployment>,
}

impl LiveInstance {
    /// An instance of service `service_id` with nothing read into it: no source, settings,
    /// variables, domains or deployment.
    pub fn empty(id: &str, service_id: &str) -> Self {
        LiveInstance {
            id: id.into(),
            service_id: service_id.into(),
            service_name: String::new(),
            source: None,
            values: SettingValues::default(),
            root_directory: None,
            railway_config_file: None,
            variables: BTreeMap::new(),
            service_domains: Vec::new(),
            custom_domains: Vec::new(),
            tcp_proxies: Vec::new(),
            latest_deployment: None,
        }
    }
}

/// The instance's source; for a repo, branch comes from the environment's deployment trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LiveSource {
    Image(String),
    Repo {
        repo: String,
        /// `None` when the environment has no deployment trigger for the service.
        branch: Option<String>,
        trigger_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveServiceDomain {
    pub id: String,
    /// The full name, e.g. `api-production.up.railway.app`.
    pub domain: String,
    pub suffix: Option<String>,
    pub target_port: Option<i64>,
    /// R30: a rename Railway shows as pending (`ServiceDomain.newDomainName`).
    pub new_domain_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCustomDomain {
    pub id: String,
    pub domain: String,
    pub target_port: Option<i64>,
    pub verified: bool,
    /// Railway's `CertificateStatus`, e.g. `CERTIFICATE_STATUS_TYPE_VALID`.
    pub certificate_status: String,
    pub verification_dns_host: Option<String>,
    pub verification_token: Option<String>,
    pub dns_records: Vec<LiveDnsRecord>,
}

/// A DNS record Railway asks the domain's owner to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDnsRecord {
    /// e.g. `DNS_RECORD_TYPE_CNAME`
    pub record_type: String,
    /// e.g. `DNS_RECORD_PURPOSE_TRAFFIC_ROUTE`
    pub purpose: String,
    pub hostlabel: String,
    pub fqdn: String,
    pub zone: String,
    pub required_value: String,
    pub current_value: String,
    /// e.g. `DNS_RECORD_STATUS_PROPAGATED` or `DNS_RECORD_STATUS_REQUIRES_UPDATE`
    pub status: String,
}

impl LiveCustomDomain {
    /// Serving traffic with a valid certificate.
    pub fn is_active(&self) -> bool {
        self.verified && self.certificate_status == "CERTIFICATE_STATUS_TYPE_VALID"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveDeployment {
    pub id: String,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(id: &str, name: &str) -> LiveEnvironment {
        LiveEnvironment::empty(id, name)
    }

    fn project() -> LiveProject {
        let preview = |id: &str, name: &str| LivePreview {
            environment: environment(id, name),
            pr_number: Some(42),
            pr_repo: Some("acme/shop".into()),
            branch: Some("feat/x".into()),
            created_at: "2026-01-01T00:00:00Z".into(),
        };
        LiveProject {
            id: "p".into(),
            name: "shop".into(),
            workspace_id: None,
            environments: vec![environment("e-prod", "production")],
            services: Vec::new(),
            restricted_environments: Vec::new(),
            token_environment: None,
            pr_settings: PrSettings::default(),
            // A PR environment named like a persistent one loses to it.
            previews: vec![preview("e-pr", "pr-42"), preview("e-dup", "production")],
            buckets: Vec::new(),
        }
    }

    #[test]
    fn environments_are_found_by_name_persistent_first_then_ephemeral() {
        let project = project();
        let found = |name: &str| project.environment_named(name).map(|e| e.id.as_str());
        assert_eq!(found("production"), Some("e-prod"));
        assert_eq!(found("pr-42"), Some("e-pr"));
        assert_eq!(found("staging"), None);
        assert_eq!(
            project.environment_with_id("e-pr").map(|e| e.name.as_str()),
            Some("pr-42")
        );
    }

    #[test]
    fn a_persistent_lookup_never_reaches_a_pr_environment() {
        let project = project();
        let found = |name: &str| {
            project
                .persistent_environment_named(name)
                .map(|e| e.id.as_str())
        };
        assert_eq!(found("production"), Some("e-prod"));
        assert_eq!(found("pr-42"), None);
    }
}
