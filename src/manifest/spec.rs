//! The manifest as written, after structural decoding: every value remembers where it came from,
//! and nothing is merged or cross-checked yet. Produced by `decode`, consumed by `resolve`.

use std::collections::BTreeMap;

use super::database::Engine;
use super::desired::{
    BackupScheduleKind, ChangeWindow, CronBackup, DeployPolicy, DesiredDomain, DriftPolicy,
    NotificationTarget, OnFailure, StagedChangesPolicy, VariableValue,
};
use super::diagnostics::Position;
use super::ignore::IgnorePath;
use super::reference::Reference;
use super::setting::{SettingValues, TABLE};

/// A value and the position of its text in the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub at: Position,
}

impl<T> Spanned<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            at: self.at,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ManifestSpec {
    pub name: Option<String>,
    pub id: Option<String>,
    pub workspace: Option<String>,
    pub prune: bool,
    pub suspend: bool,
    pub drift: DriftPolicy,
    pub deploy: DeployPolicy,
    pub staged_changes: StagedChangesPolicy,
    /// `spec.policy.windows`, each item checked on its own.
    pub windows: Vec<ChangeWindow>,
    pub environments: Vec<Spanned<String>>,
    pub services: Vec<ServiceSpec>,
    /// `spec.sharedVariables`.
    pub shared_variables: Variables,
    /// `spec.environments.<env>.sharedVariables`, by environment name.
    pub environment_shared_variables: BTreeMap<String, Variables>,
    /// `spec.notifications`, checked item by item and for unique names.
    pub notifications: Vec<NotificationTarget>,
    /// `spec.previews` (R50); `None` when absent.
    pub previews: Option<PreviewsSpec>,
    /// `spec.buckets` (R49), in manifest order.
    pub buckets: Vec<BucketSpec>,
}

/// One `spec.buckets.<name>` entry as written (R49).
#[derive(Debug, Clone)]
pub struct BucketSpec {
    pub name: Spanned<String>,
    /// `environments`, each at its own position (names not yet checked); `None`: every
    /// declared environment.
    pub environments: Option<Vec<Spanned<String>>>,
    /// `region`, one of Railway's bucket regions.
    pub region: Option<String>,
}

/// `spec.previews`: Railway's PR environment settings as written; an absent one is left alone.
#[derive(Debug, Clone, Default)]
pub struct PreviewsSpec {
    pub enabled: Option<bool>,
    pub bots: Option<bool>,
    pub focused: Option<bool>,
    /// An environment name, checked against `spec.environments` by `resolve`.
    pub base: Option<Spanned<String>>,
    /// `overrides.services`: per service, the settings and variables every ephemeral environment
    /// gets (service names not yet checked).
    pub overrides: Vec<(Spanned<String>, Settings)>,
    /// `expireAfter`: previews older than this are deleted.
    pub expire_after: Option<std::time::Duration>,
    /// `fromBranches.pattern` (with `source: git`, the only source).
    pub from_branches: Option<crate::manifest::branch_pattern::BranchPattern>,
}

/// Variables by name.
pub type Variables = BTreeMap<String, VariableSpec>;

/// One decoded variable: its value, where it was written and the Railway references it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableSpec {
    pub value: VariableValue,
    /// The position of the value (the scalar, or the `{ fromEnv: ... }` mapping).
    pub at: Position,
    /// The manifest path of the variable, e.g. `services.api.variables.DATABASE_URL`.
    pub used_in: String,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: Spanned<String>,
    pub enabled: bool,
    pub phase: Option<u32>,
    /// `external:` is present (even if it was invalid and `external` is `None`).
    pub external_declared: bool,
    pub external: Option<ExternalSpec>,
    /// `database:` (R45), at the position of its mapping; `None` when absent or unreadable.
    pub database: Option<Spanned<DatabaseSpec>>,
    /// `database:` is present (even if it could not be read): no "has no source" error.
    pub database_declared: bool,
    /// `public:`: a database's TCP proxy, declared explicitly (R46).
    pub public: Option<Spanned<bool>>,
    pub base: Settings,
    /// Per-environment overrides, in manifest order (environment names not yet checked).
    pub overrides: Vec<(Spanned<String>, Settings)>,
}

/// `database: { engine, version }` as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatabaseSpec {
    pub engine: Engine,
    /// The image's major version the database runs (R47).
    pub version: u32,
}

#[derive(Debug, Clone)]
pub struct ExternalSpec {
    pub url: String,
    pub health_path: Option<String>,
}

/// Source, build and deploy settings, flattened: nested maps merge field by field, so a flat set
/// of optional fields is exactly what a deep merge needs.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub image: Option<Spanned<String>>,
    pub repo: Option<Spanned<String>>,
    pub branch: Option<Spanned<String>>,
    pub root_directory: Option<Spanned<String>>,
    /// The table's settings (`manifest::setting::TABLE`) as written.
    pub values: SettingValues,
    /// Where each of `values` was written, by manifest path.
    pub at: BTreeMap<&'static str, Position>,
    pub on_failure: Option<Spanned<OnFailure>>,
    /// `source` was written but could not be read (already reported): no "has no source" error.
    pub source_unreadable: bool,
    pub variables: Variables,
    /// `domains`, each item at the position of its hostname or pinned subdomain (the item itself
    /// for a generated domain). An override's list replaces the base list.
    pub domains: Option<Spanned<Vec<Spanned<DesiredDomain>>>>,
    /// `tcpProxies` application ports; an override's list replaces the base list.
    pub tcp_proxies: Option<Spanned<Vec<Spanned<i64>>>>,
    /// `volume`, at the position of the `volume` mapping; an override merges key by key.
    pub volume: Option<Spanned<VolumeSpec>>,
    /// `ignore`, each path at its own position; an override's list adds to the base list.
    pub ignore: Vec<Spanned<IgnorePath>>,
}

/// One written `volume` block (a base or an override): each field is `None` when not written.
#[derive(Debug, Clone, Default)]
pub struct VolumeSpec {
    pub name: Option<Spanned<String>>,
    pub mount_path: Option<Spanned<String>>,
    /// `mountPath` was written but could not be read (already reported): no "missing" error.
    pub mount_path_unreadable: bool,
    pub usage_warning_percent: Option<Spanned<u8>>,
    /// `backups.schedules`, deduplicated and sorted; an override's list replaces the base list.
    pub native_schedules: Option<Spanned<Vec<BackupScheduleKind>>>,
    /// `backups.cron`, each at the position of its item; an override's list replaces the base list.
    pub cron_backups: Option<Spanned<Vec<Spanned<CronBackup>>>>,
}

impl VolumeSpec {
    /// `overlay` merged over `self` key by key; lists replace, they never concatenate.
    pub fn merged_with(&self, overlay: &VolumeSpec) -> VolumeSpec {
        fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        let mount_path = pick(&overlay.mount_path, &self.mount_path);
        VolumeSpec {
            name: pick(&overlay.name, &self.name),
            mount_path_unreadable: mount_path.is_none()
                && (overlay.mount_path_unreadable || self.mount_path_unreadable),
            mount_path,
            usage_warning_percent: pick(
                &overlay.usage_warning_percent,
                &self.usage_warning_percent,
            ),
            native_schedules: pick(&overlay.native_schedules, &self.native_schedules),
            cron_backups: pick(&overlay.cron_backups, &self.cron_backups),
        }
    }
}

/// A base volume and an override's volume merged; the position stays the base's when it has one,
/// so a problem of the merged block is reported once, where the volume was first declared.
fn merged_volume(
    base: &Option<Spanned<VolumeSpec>>,
    overlay: &Option<Spanned<VolumeSpec>>,
) -> Option<Spanned<VolumeSpec>> {
    match (base, overlay) {
        (Some(base), Some(overlay)) => Some(Spanned {
            value: base.value.merged_with(&overlay.value),
            at: base.at,
        }),
        (None, Some(only)) | (Some(only), None) => Some(only.clone()),
        (None, None) => None,
    }
}

impl Settings {
    /// `overlay` deep-merged over `self`: a field set in the overlay wins. `image` and `repo` are
    /// alternatives, so an overlay naming one of them drops the other source from the base.
    pub fn merged_with(&self, overlay: &Settings) -> Settings {
        fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        let mut base = self.clone();
        if overlay.image.is_some() {
            base.repo = None;
            base.branch = None;
            base.root_directory = None;
        }
        if overlay.repo.is_some() {
            base.image = None;
        }
        let mut values = base.values.clone();
        let mut at = base.at.clone();
        for row in TABLE.iter().filter(|r| (r.get)(&overlay.values).is_some()) {
            (row.copy)(&mut values, &overlay.values);
            if let Some(position) = overlay.at.get(row.path) {
                at.insert(row.path, *position);
            }
        }
        Settings {
            image: pick(&overlay.image, &base.image),
            repo: pick(&overlay.repo, &base.repo),
            branch: pick(&overlay.branch, &base.branch),
            root_directory: pick(&overlay.root_directory, &base.root_directory),
            values,
            at,
            on_failure: pick(&overlay.on_failure, &base.on_failure),
            source_unreadable: overlay.source_unreadable || base.source_unreadable,
            variables: merged_variables(&base.variables, &overlay.variables),
            domains: pick(&overlay.domains, &base.domains),
            tcp_proxies: pick(&overlay.tcp_proxies, &base.tcp_proxies),
            volume: merged_volume(&base.volume, &overlay.volume),
            ignore: merged_ignore(&base.ignore, &overlay.ignore),
        }
    }
}

/// The base's paths, then the overlay's that the base does not list.
fn merged_ignore(
    base: &[Spanned<IgnorePath>],
    overlay: &[Spanned<IgnorePath>],
) -> Vec<Spanned<IgnorePath>> {
    let mut merged = base.to_vec();
    for path in overlay {
        if !merged.iter().any(|p| p.value == path.value) {
            merged.push(path.clone());
        }
    }
    merged
}

/// `overlay` merged over `base` name by name.
pub fn merged_variables(base: &Variables, overlay: &Variables) -> Variables {
    let mut merged = base.clone();
    merged.extend(overlay.iter().map(|(name, v)| (name.clone(), v.clone())));
    merged
}
