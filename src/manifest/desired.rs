//! The resolved desired state: what a valid manifest asks for, per environment, with overrides
//! merged and `${VAR}` expanded. Produced by `manifest::load`, consumed by `plan`. Holds no I/O.
//!
//! `None` on a setting means "the manifest does not manage it": the plan never diffs it, and an
//! update resends the live value so Railway does not reset it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::database::Engine;
use super::ignore::IgnorePath;
use super::setting::SettingValues;
pub use super::setting::{Builder, RestartPolicyType};
use crate::secret::Secret;

/// A whole manifest after validation and resolution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    /// The file the manifest came from, for messages.
    pub source_path: PathBuf,
    pub project: ProjectRef,
    pub policy: Policy,
    /// Environment names in manifest order.
    pub environments: Vec<String>,
    /// Services in manifest order.
    pub services: Vec<DesiredService>,
    /// Shared variables per manifest environment (`spec.sharedVariables` with the environment's
    /// `sharedVariables` merged over it). Every manifest environment has an entry.
    pub shared_variables: BTreeMap<String, BTreeMap<String, VariableValue>>,
    /// `${{service.VAR}}` references to services the manifest does not declare: valid only if
    /// the service exists on Railway, which the plan checks against live state.
    pub pending_references: Vec<PendingReference>,
    /// Plan limits the manifest may run into (R32), for `validate` to print; never errors.
    pub warnings: Vec<super::diagnostics::Warning>,
    /// `spec.notifications`: where `run` sends the project's state changes.
    pub notifications: Vec<NotificationTarget>,
    /// `spec.previews`: Railway's PR environment settings (R50); `None` leaves them all alone.
    pub previews: Option<PreviewPolicy>,
    /// `spec.buckets`: Railway Storage Buckets (R49), in manifest order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<DesiredBucket>,
}

/// The variables a Railway bucket offers to references, as `${{<bucket>.<NAME>}}` (R49; the
/// names Railway's dashboard gives its "Bucket Variables"). Their values are credentials: the
/// manifest holds only the reference, Railway renders it inside the deployment.
pub const BUCKET_VARIABLES: &[&str] = &[
    "BUCKET",
    "ENDPOINT",
    "REGION",
    "ACCESS_KEY_ID",
    "SECRET_ACCESS_KEY",
];

/// One Storage Bucket (R49): a project-level bucket with an instance in each listed environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DesiredBucket {
    /// The bucket's display name, which references use as their namespace.
    pub name: String,
    /// Manifest environments with an instance, in manifest order (default: all of them).
    pub environments: Vec<String>,
    /// The region of instances it creates (`None`: Railway's default). Railway fixes a bucket's
    /// region at creation, so a live instance elsewhere is reported, never moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Railway's PR environment settings (R50), each `None` when the manifest leaves it alone.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PreviewPolicy {
    /// `prDeploys`.
    pub enabled: Option<bool>,
    /// `botPrEnvironments`.
    pub bots: Option<bool>,
    /// `focusedPrEnvironments`.
    pub focused: Option<bool>,
    /// `baseEnvironmentId`, by the name of a manifest environment.
    pub base: Option<String>,
    /// `overrides.services`: by manifest service, what every ephemeral environment's instance is
    /// kept at. Only the settings (`values`) and `variables` written here are compared or sent;
    /// the rest of each `InstanceSettings` stays empty.
    pub overrides: BTreeMap<String, InstanceSettings>,
    /// `expireAfter`: a PR environment or branch preview older than this is deleted; the only
    /// way the operator deletes an ephemeral environment it did not make.
    pub expire_after: Option<std::time::Duration>,
    /// `fromBranches`: remote branches of the `run --git` repository matching this get a
    /// preview environment the operator makes and owns.
    pub from_branches: Option<crate::manifest::branch_pattern::BranchPattern>,
}

/// One item of `spec.notifications`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationTarget {
    /// The item's `name`, else `<kind>-<position>` (1-based): shown in status and metrics in
    /// place of the URL.
    pub name: String,
    pub kind: NotificationKind,
    /// `events:`; `None` means every event.
    pub events: Option<std::collections::BTreeSet<crate::manifest::event_kind::EventKind>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum NotificationKind {
    /// A JSON POST, signed with HMAC-SHA256 when a secret is given.
    Webhook { url: Secret, secret: Option<Secret> },
    /// A Slack incoming webhook.
    Slack { url: Secret },
    /// A commit status on the applied revision (Git sources only).
    GithubStatus {
        token: Secret,
        /// `https://api.github.com` unless given (GitHub Enterprise, tests).
        api_url: String,
        /// `owner/name`; taken from the Git source's URL when not given.
        repository: Option<String>,
    },
}

impl NotificationKind {
    pub fn name(&self) -> &'static str {
        match self {
            NotificationKind::Webhook { .. } => "webhook",
            NotificationKind::Slack { .. } => "slack",
            NotificationKind::GithubStatus { .. } => "githubStatus",
        }
    }
}

/// What the operator does when a service instance's latest deployment fails (`deploy.onFailure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// Report it (status, notifications) and leave the deployment alone.
    #[default]
    Report,
    /// Redeploy the last successful deployment, once per failed revision.
    Rollback,
}

/// A variable's desired value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum VariableValue {
    /// A literal, or text with `${{...}}` Railway references; sent verbatim.
    Plain { value: String },
    /// `{ fromEnv: NAME }` or `{ fromFile: PATH }`, read at load time; never shown.
    Secret { secret: Secret },
    /// `{ generate: N }`: N random characters, set once when the variable is absent, never rotated.
    Generate { length: usize },
}

impl VariableValue {
    pub fn is_sensitive(&self) -> bool {
        !matches!(self, VariableValue::Plain { .. })
    }
}

/// Where a reference to an undeclared service was written, so the plan can report it precisely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingReference {
    /// The referenced service name (the namespace in `${{service.VAR}}`).
    pub service: String,
    /// The manifest path of the variable holding it, e.g. `services.api.variables.DATABASE_URL`.
    pub used_in: String,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectRef {
    /// `metadata.name`: looked up in the workspace, created when missing.
    pub name: String,
    /// `metadata.id`: pins an existing project; then the name is only checked, never used to search.
    pub id: Option<String>,
    /// `spec.workspace` (after `${VAR}` expansion); the CLI falls back to `RAILWAY_WORKSPACE_ID`.
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Policy {
    pub prune: bool,
    /// `run` keeps observing and reporting but never writes.
    pub suspend: bool,
    pub drift: DriftPolicy,
    pub deploy: DeployPolicy,
    pub staged_changes: StagedChangesPolicy,
    /// `policy.windows`, in manifest order: when `run` and `apply` may write.
    pub windows: Vec<ChangeWindow>,
}

/// One item of `policy.windows`: a span that opens each time `schedule` fires and stays open
/// for `duration_seconds`. Evaluated by [`crate::change_window`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeWindow {
    /// The cron expression as written: 5 fields, or 6 with seconds first. Validated at load.
    pub schedule: String,
    /// IANA time zone the schedule is read in (validated at load); `None` means UTC.
    pub timezone: Option<String>,
    /// How long each opening lasts, in whole seconds (at least 1).
    pub duration_seconds: u64,
    pub mode: WindowMode,
}

/// What an open window does to writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowMode {
    /// Writes are held while it is open; deny wins over allow.
    Deny,
    /// Once any allow window is declared, writes happen only while one is open.
    Allow,
}

impl WindowMode {
    pub fn name(self) -> &'static str {
        match self {
            WindowMode::Deny => "deny",
            WindowMode::Allow => "allow",
        }
    }
}

impl ChangeWindow {
    /// `deny window "0 22 * * 5" (2d12h, Europe/Berlin)`: how messages name it.
    pub fn label(&self) -> String {
        format!(
            "{} window {:?} ({}, {})",
            self.mode.name(),
            self.schedule,
            crate::duration::format_duration(std::time::Duration::from_secs(self.duration_seconds)),
            self.timezone.as_deref().unwrap_or("UTC")
        )
    }
}

/// What to do in an environment where someone has staged changes that are not committed (R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StagedChangesPolicy {
    /// Write nothing there and report it: committing that patch later could revert the
    /// operator's writes, and committing it now would publish someone's unfinished work.
    #[default]
    Hold,
    /// Stage the operator's changes on top and commit everything together.
    Commit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DriftPolicy {
    #[default]
    SelfHeal,
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeployPolicy {
    #[default]
    OnChange,
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredService {
    pub name: String,
    pub phase: Option<u32>,
    pub kind: ServiceKind,
    /// `database:`: made from Railway's template (R45), its image pinned to `version` (R47).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DesiredDatabase>,
}

/// A database service: which template, which major, and its TCP proxy when declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DesiredDatabase {
    pub engine: Engine,
    /// The image's major version (R47, R48: images compare as engine and major).
    pub version: u32,
    /// `public:`; `None` leaves the template's TCP proxy as Railway made it (R46, disputed).
    pub public: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ServiceKind {
    /// Reconciled: one resolved settings set per manifest environment (every environment is present).
    Managed {
        environments: BTreeMap<String, InstanceSettings>,
    },
    /// `enabled: false`: listed, never reconciled. The source is kept for the listing.
    Planned { source: Option<Source> },
    /// `external:`: not on Railway; listed and health-checked, never reconciled.
    External {
        url: String,
        health_path: Option<String>,
    },
}

/// The settings of one service in one environment (a Railway service instance).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSettings {
    pub source: Option<Source>,
    /// The settings of the table (`manifest::setting::TABLE`).
    #[serde(flatten)]
    pub values: SettingValues,
    /// The operator's policy when the latest deployment fails; not a Railway setting.
    pub on_failure: OnFailure,
    /// Variables of this service in this environment (base merged with the override). Only
    /// these names are managed; others on Railway are left alone unless the inventory owns them.
    pub variables: BTreeMap<String, VariableValue>,
    /// Domains of this service in this environment (an override replaces the base list). Live
    /// domains not listed are left alone unless the inventory owns them.
    pub domains: Vec<DesiredDomain>,
    /// Public TCP proxies, by application port.
    pub tcp_proxies: Vec<i64>,
    /// TCP proxy ports that must not exist, whoever made them (a database's `public: false`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_tcp_proxies: Vec<i64>,
    /// The service's volume here. `None`: the manifest declares none, and a live volume is left
    /// alone unless the inventory owns it (then it is pruned, which is destructive).
    pub volume: Option<DesiredVolume>,
    /// `ignore:` (the service's paths plus the override's): differences on an existing instance
    /// the plan leaves alone. The operator's policy, not a Railway setting: never diffed or sent.
    pub ignore: Vec<IgnorePath>,
}

/// A persistent volume mounted into one service instance, with its backup policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredVolume {
    /// Stable name the volume is renamed to (`volume.name`, default `<service>-data`):
    /// Railway generates one on create.
    pub name: String,
    /// Absolute path inside the container.
    pub mount_path: String,
    /// Railway-native schedules as a set, sorted. `None`: not managed (`backups.schedules`
    /// absent); `Some(vec![])` removes every native schedule.
    pub native_schedules: Option<Vec<BackupScheduleKind>>,
    /// Operator-run backups (`backups.cron`), taken by `run` only.
    pub cron_backups: Vec<CronBackup>,
    /// Usage (current size against size) above this percentage is a warning. Default 80.
    pub usage_warning_percent: u8,
}

/// Railway's `VolumeInstanceBackupScheduleKind`, spelled as upstream.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BackupScheduleKind {
    Daily,
    Weekly,
    Monthly,
}

/// One operator-run backup schedule of a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronBackup {
    /// The cron expression as written: 5 fields, or 6 with seconds first. Validated at load.
    pub schedule: String,
    /// IANA time zone the schedule is read in (validated at load); `None` means UTC.
    pub timezone: Option<String>,
    pub retention: Retention,
}

/// How long the operator keeps the backups one schedule took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Retention {
    /// `retention: 30d`: delete the schedule's backups older than this many seconds.
    MaxAge { seconds: u64 },
    /// `keep: 10`: keep the newest N of the schedule's backups.
    Keep { count: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DesiredDomain {
    /// A generated `*.up.railway.app` domain; `subdomain` pins its first label.
    Railway {
        port: Option<i64>,
        subdomain: Option<String>,
    },
    /// A custom domain (lowercase hostname); without a port Railway picks the service's.
    Custom { domain: String, port: Option<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    Image(String),
    Repo {
        repo: String,
        branch: String,
        root_directory: Option<String>,
    },
}
