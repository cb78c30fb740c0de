//! What the controller knows about itself and each project, shared between the reconcile loop
//! (the only writer) and the HTTP layer (readers): conditions, revisions, the last plan's drift
//! with secrets already masked, history, and counters for `/metrics`. Plain data; no I/O.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};

use serde::Serialize;

/// How many past passes a project keeps.
pub const HISTORY_LEN: usize = 10;

/// The whole controller's state, behind [`SharedStatus`].
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ControllerStatus {
    pub started_at: String,
    /// True once every project finished its first pass (`/readyz`).
    pub ready: bool,
    /// Keyed by project name.
    pub projects: BTreeMap<String, ProjectStatus>,
    pub rate_limit: RateLimitStatus,
    /// This replica's name among the others (`--instance-id`).
    pub instance_id: String,
    /// The leases that keep two replicas from writing to one project.
    pub lock: LockStatus,
    /// How many projects this replica reconciles at once (`--concurrency`).
    pub concurrency: usize,
    /// The last state changes, newest first (the notifications' event stream).
    pub timeline: Vec<crate::notify::TimelineEntry>,
    /// Each notification target's delivery state.
    pub notifications: Vec<crate::notify::TargetStatus>,
    #[serde(skip)]
    pub metrics: Metrics,
}

/// The lock database as this replica sees it.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LockStatus {
    /// False without `--lock-url`: a second copy of `run` would write to the same projects.
    pub guarded: bool,
    /// `unguarded`, `connecting`, `connected`, `rejoining` (after losing its session) or
    /// `unreachable`.
    pub state: String,
    /// `host:port/database`, never the password.
    pub target: Option<String>,
    /// Why the store is unreachable or the replica is rejoining.
    pub message: Option<String>,
    /// Replicas connected to the lock database at the last lease turn, this one included.
    pub replicas: Option<usize>,
    /// How many projects each replica holds at most.
    pub fair_share: Option<usize>,
    /// Projects this replica holds now.
    pub held: usize,
    /// Lease turns taken so far: a standby takes a free lease within one turn.
    pub turns: u64,
    pub last_turn_at: Option<String>,
}

pub type SharedStatus = Arc<RwLock<ControllerStatus>>;

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitStatus {
    /// From Railway's `X-RateLimit-Remaining`, when it sends one.
    pub remaining: Option<u64>,
    /// From `X-RateLimit-Reset`.
    pub resets_at: Option<String>,
    /// The operator's own pacing cap.
    pub requests_per_second_cap: f64,
    /// True while the interval is stretched because the budget runs low.
    pub throttled: bool,
    /// `--request-budget` and what this replica used of it; `None`: unpaced.
    pub budget: Option<BudgetStatus>,
}

/// The operator's own request budget (R40) and its use in the trailing window.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub limit: u64,
    pub window_seconds: u64,
    /// `10,000 requests/h`.
    pub described: String,
    /// Requests this replica sent in the trailing window.
    pub used: u64,
    /// `used / limit`.
    pub used_ratio: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProjectStatus {
    pub name: String,
    /// Where the manifest comes from: a file path or `git URL@branch:path`.
    pub source: String,
    /// `self-heal` or `report`.
    pub drift_policy: String,
    pub suspended: bool,
    /// The change windows at the last pass; `None` when the manifest declares none.
    pub window: Option<WindowStatus>,
    pub conditions: Conditions,
    pub last_attempted_revision: Option<String>,
    pub last_applied_revision: Option<String>,
    pub last_reconcile_at: Option<String>,
    pub next_reconcile_at: Option<String>,
    pub last_duration_ms: Option<u64>,
    pub last_plan: Option<PlanCounts>,
    /// What differs from the manifest right now (report mode), or what the last pass changed.
    pub drift: Vec<DriftEntry>,
    pub environments: Vec<EnvironmentStatus>,
    /// R50: Railway's PR environments at the last pass: observed, never managed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previews: Vec<crate::rollout::previews::PreviewStatus>,
    /// Things that need attention without failing a pass, e.g. a volume above its usage warning.
    pub warnings: Vec<String>,
    pub last_error: Option<String>,
    pub history: VecDeque<HistoryEntry>,
    pub lease: LeaseStatus,
}

/// What the change windows said to a project's last pass.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WindowStatus {
    /// True when the windows kept the pass from writing.
    pub held: bool,
    /// True when the pass wrote despite them (`POST /reconcile?override=window`).
    pub overridden: bool,
    /// The deciding window's `deny` or `allow`, schedule, time zone and duration.
    pub mode: Option<String>,
    pub schedule: Option<String>,
    pub timezone: Option<String>,
    pub duration: Option<String>,
    /// When this state ends, as far as the windows tell (RFC 3339).
    pub until: Option<String>,
    /// The state as a sentence, e.g. `writes held by deny window "0 22 * * 5" (2d12h,
    /// Europe/Berlin) until 2026-12-07T09:00:00Z`.
    pub message: String,
}

/// Who works on a project: this replica (with the lease since when) or another one.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LeaseStatus {
    /// The lease key: `id:<project id>` or `name:[<workspace>/]<name>`.
    pub key: String,
    /// True when this replica reconciles the project (always, when unguarded).
    pub held: bool,
    pub since: Option<String>,
    /// The instance id of the replica holding it, when another one does.
    pub holder: Option<String>,
    /// When this replica last lost the lease with its session.
    pub lost_at: Option<String>,
    pub acquisitions: u64,
    pub losses: u64,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Conditions {
    pub ready: Condition,
    pub reconciling: Condition,
    pub stalled: Condition,
}

/// A Kubernetes-style condition.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub status: bool,
    /// CamelCase machine reason, e.g. `ReconciliationSucceeded`, `DriftDetected`, `InvalidManifest`.
    pub reason: String,
    pub message: String,
    pub last_transition_at: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub deploy: usize,
}

/// One difference, as text already safe to show (secrets appear as `(sensitive)`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DriftEntry {
    pub address: String,
    pub environment: Option<String>,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentStatus {
    pub name: String,
    pub services: Vec<ServiceStatus>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub name: String,
    pub sync: SyncState,
    /// Latest deployment status on Railway, e.g. `SUCCESS`.
    pub deployment: Option<String>,
    /// The latest deployment's id.
    pub deployment_id: Option<String>,
    /// From the latest deployment (R42): Healthy, Progressing, Degraded or Unknown.
    pub health: crate::rollout::Health,
    /// Domains and TCP proxies with their state.
    pub domains: Vec<DomainState>,
    /// The volume the manifest declares here, with what Railway reports about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeStatus>,
    /// R44: while the latest deployment is failed or crashed, the last lines of its logs (its
    /// build's when the container wrote none), secrets masked, the reason last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_log_lines: Vec<String>,
}

/// A declared volume's size, usage and backup policy. `sizeMb`/`usedMb` are `None` until the
/// volume exists on Railway.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStatus {
    pub name: String,
    pub mount_path: String,
    pub size_mb: Option<i64>,
    pub used_mb: Option<f64>,
    pub usage_percent: Option<f64>,
    pub warning_percent: u8,
    /// Set when usage is above `warningPercent`: a sentence for people.
    pub warning: Option<String>,
    /// R25: set when `backups.cron` is declared and usage is 50 % or more, where Railway refuses
    /// the operator's (manual) backups: a sentence for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_warning: Option<String>,
    /// Railway-native schedules as live state has them, e.g. `DAILY`.
    pub native_schedules: Vec<String>,
    /// Operator-run schedules, as `"0 3 * * * (kept 30d)"`.
    pub cron_backups: Vec<String>,
    /// What the operator's backup jobs for this volume did since `run` started.
    pub backups: Vec<BackupJobStatus>,
}

/// One operator-run backup schedule's results in this process.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BackupJobStatus {
    pub schedule: String,
    pub timezone: Option<String>,
    pub last_success_at: Option<String>,
    pub last_failure_at: Option<String>,
    /// Why the latest failed run failed (it holds no secret).
    pub last_error: Option<String>,
    pub succeeded: u64,
    pub failed: u64,
    /// Expired backups retention deleted.
    pub pruned: u64,
    /// R26: a backup still being taken, which the next run follows instead of taking another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
}

/// A domain or TCP proxy of a service instance, e.g. `blackroad.systems` / `pending DNS: CNAME ...`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DomainState {
    pub name: String,
    /// `active`, `pending DNS: …`, `issuing certificate`, or a TCP proxy's `tcp :5432`.
    pub state: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    InSync,
    Drifted,
    Missing,
    Planned,
    External,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub at: String,
    pub revision: Option<String>,
    /// `applied`, `in-sync`, `drift-reported`, `failed`, `stalled`.
    pub result: String,
    pub summary: String,
    pub duration_ms: u64,
}

/// Counters and gauges for `/metrics`, labels included.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// (project, result) -> count
    pub reconciles: BTreeMap<(String, String), u64>,
    /// project -> reconcile durations in seconds, bucketed
    pub durations: BTreeMap<String, Histogram>,
    /// project -> number of drifted addresses
    pub drift: BTreeMap<String, u64>,
    /// action kind (create/update/delete/deploy) -> count
    pub actions: BTreeMap<String, u64>,
    /// (operation, outcome) -> count
    pub api_requests: BTreeMap<(String, String), u64>,
    /// Operator-run backups that succeeded / failed (after retries).
    pub backups_success: u64,
    pub backups_failure: u64,
    /// (project, reason: `expired` or `branch-gone`) -> preview environments deleted.
    pub previews_deleted: BTreeMap<(String, String), u64>,
}

/// Fixed-bucket histogram (Prometheus semantics: cumulative at render time).
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Count per upper bound in [`DURATION_BUCKETS`], not cumulative.
    pub counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

/// Upper bounds in seconds.
pub const DURATION_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        if self.counts.len() != DURATION_BUCKETS.len() {
            self.counts = vec![0; DURATION_BUCKETS.len()];
        }
        if let Some(i) = DURATION_BUCKETS.iter().position(|b| seconds <= *b) {
            self.counts[i] += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

impl ProjectStatus {
    pub fn push_history(&mut self, entry: HistoryEntry) {
        self.history.push_front(entry);
        self.history.truncate(HISTORY_LEN);
    }
}

impl Condition {
    /// Sets the condition, keeping the transition time when the status does not change.
    pub fn set(&mut self, status: bool, reason: &str, message: impl Into<String>, now: &str) {
        if self.status != status || self.last_transition_at.is_none() {
            self.last_transition_at = Some(now.to_string());
        }
        self.status = status;
        self.reason = reason.to_string();
        self.message = message.into();
    }
}
