//! The projects of one `run`: a slot per manifest file with its schedule, loading a new source
//! revision into them, recording a finished pass into the status, and when each project is due
//! again. No I/O beyond reading manifest files; the loop in `run` drives it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use super::config::RunConfig;
use super::events::PassEvents;
use super::failure_logs::FailureLogs;
use super::observe::record_pass;
use super::reconcile::{Pass, PassKind};
use super::source::{Snapshot, SourceSpec};
use super::status::{ControllerStatus, SharedStatus};
use crate::lease::lease_key;
use crate::manifest::{self, Desired, LoadError};
use crate::notify::{GitRevision, Notifier};
use crate::railway::{Client, Live};
use crate::rollout::Health;
use crate::rollout::rollback::{Handled, RollbackResult};

/// One manifest file's project and its schedule.
pub struct Slot {
    /// The last manifest that loaded: the one in force.
    pub desired: Option<Desired>,
    /// The revision `desired` came from.
    pub good_revision: Option<String>,
    /// Status key (project name, or the file stem while no manifest ever loaded).
    pub key: String,
    pub next_due: Instant,
    pub failures: u32,
    /// Set by a terminal failure: no pass until the source changes or a pass is requested.
    pub stalled: bool,
    /// The load error of the newest revision, while an older good manifest stays in force.
    pub invalid: Option<String>,
    pub last_kind: Option<PassKind>,
    /// Live state as the latest pass read it: backup jobs follow a manifest change at once.
    pub last_live: Option<Live>,
    /// A pass of this project is running.
    pub busy: bool,
    /// Instances `deploy.onFailure: rollback` already acted on, per manifest revision.
    pub rollbacks_handled: Handled,
    /// `POST /reconcile?override=window`: the next pass ignores the change windows.
    pub override_windows: bool,
    /// The project's id, found by name once and kept until Railway says it is gone.
    pub project_id: Option<String>,
    /// The probe mark the last settled full pass stands for: while the probe answers it, no
    /// full pass is needed.
    pub mark: Option<super::steady::Standing>,
    /// The probe mark taken right before the full pass now due or running.
    pub probed: Option<crate::railway::probe::Mark>,
    /// The probe moved (or cannot tell): the next pass is a full one, without probing again.
    pub moved: bool,
    /// R44: the last log lines of the deployments the latest full pass found failed.
    pub failure_logs: FailureLogs,
}

impl Slot {
    /// The project's lease name, once a manifest loaded.
    pub fn lease_key(&self) -> Option<String> {
        let project = &self.desired.as_ref()?.project;
        Some(lease_key(
            &project.name,
            project.id.as_deref(),
            project.workspace_id.as_deref(),
        ))
    }

    /// Due for a pass now, leases aside.
    pub fn due(&self, now: Instant) -> bool {
        self.desired.is_some() && !self.stalled && !self.busy && self.next_due <= now
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Loads every manifest of a new source revision. A file that fails to load keeps its last good
/// manifest in force and marks its project stalled; nothing is sent for it.
pub fn load_snapshot(
    snapshot: &Snapshot,
    slots: &mut BTreeMap<PathBuf, Slot>,
    status: &SharedStatus,
    describe: &str,
    config: &RunConfig,
) {
    slots.retain(|path, _| snapshot.files.contains(path));
    for path in &snapshot.files {
        let process_env = |name: &str| std::env::var(name).ok();
        let env = manifest::sops::with_age_key_file(&process_env, config.age_key_file.as_deref());
        let loaded = manifest::load_file(path, &env);
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        let slot = slots
            .entry(path.clone())
            .or_insert_with(|| new_slot(stem.clone()));
        let stamp = now();
        match loaded {
            Ok(mut desired) => {
                if desired.project.workspace_id.is_none() {
                    desired
                        .project
                        .workspace_id
                        .clone_from(&config.workspace_fallback);
                }
                accept_manifest(slot, desired, snapshot, status, describe, &stamp);
            }
            Err(error) => {
                let message = match &error {
                    LoadError::Invalid(diagnostics) => diagnostics.to_string(),
                    other => other.to_string(),
                };
                tracing::warn!(file = %path.display(), revision = %snapshot.revision, "invalid manifest; the last good one stays in force");
                reject_manifest(slot, message, snapshot, status, describe, &stamp);
            }
        }
    }
}

/// A slot for a file seen for the first time: nothing loaded yet, due now.
fn new_slot(key: String) -> Slot {
    Slot {
        desired: None,
        good_revision: None,
        key,
        next_due: Instant::now(),
        failures: 0,
        stalled: false,
        invalid: None,
        last_kind: None,
        last_live: None,
        busy: false,
        rollbacks_handled: Handled::default(),
        override_windows: false,
        project_id: None,
        mark: None,
        probed: None,
        moved: false,
        failure_logs: FailureLogs::new(),
    }
}

/// A manifest that loaded takes effect: its status follows a renamed project, and the slot is
/// due for a pass at once.
fn accept_manifest(
    slot: &mut Slot,
    desired: Desired,
    snapshot: &Snapshot,
    status: &SharedStatus,
    describe: &str,
    stamp: &str,
) {
    if let Ok(mut s) = status.write() {
        if slot.key != desired.project.name
            && let Some(old) = s.projects.remove(&slot.key)
        {
            s.projects.insert(desired.project.name.clone(), old);
        }
        let project = s.projects.entry(desired.project.name.clone()).or_default();
        project.name.clone_from(&desired.project.name);
        project.source = describe.to_string();
        project.last_attempted_revision = Some(snapshot.revision.clone());
        project.conditions.stalled.set(false, "", "", stamp);
    }
    slot.key.clone_from(&desired.project.name);
    if slot.desired.as_ref() != Some(&desired) {
        // A changed manifest gets a full pass, whatever the probe says.
        slot.mark = None;
        if slot.desired.as_ref().map(|d| &d.project) != Some(&desired.project) {
            slot.project_id = None;
        }
    }
    slot.desired = Some(desired);
    slot.good_revision = Some(snapshot.revision.clone());
    slot.next_due = Instant::now();
    slot.stalled = false;
    slot.invalid = None;
    slot.failures = 0;
}

/// A manifest that failed to load stalls its project; the last good manifest stays in force.
fn reject_manifest(
    slot: &mut Slot,
    message: String,
    snapshot: &Snapshot,
    status: &SharedStatus,
    describe: &str,
    stamp: &str,
) {
    if let Ok(mut s) = status.write() {
        let project = s.projects.entry(slot.key.clone()).or_default();
        if project.name.is_empty() {
            project.name.clone_from(&slot.key);
        }
        project.source = describe.to_string();
        project.last_attempted_revision = Some(snapshot.revision.clone());
        project
            .conditions
            .stalled
            .set(true, "InvalidManifest", message.clone(), stamp);
        project
            .conditions
            .ready
            .set(false, "InvalidManifest", message.clone(), stamp);
        project.last_error = Some(message.clone());
    }
    slot.invalid = Some(message);
}

pub fn set_reconciling(status: &SharedStatus, key: &str) {
    if let Ok(mut s) = status.write() {
        let stamp = now();
        let project = s.projects.entry(key.to_string()).or_default();
        project
            .conditions
            .reconciling
            .set(true, "Progressing", "reconciling", &stamp);
    }
}

/// Ready once every project this replica works on finished its first pass (and, with leases,
/// once the lock database was reached): a standby replica is ready without passes.
pub fn update_readiness(
    status: &SharedStatus,
    slots: &BTreeMap<PathBuf, Slot>,
    works_on: impl Fn(&Slot) -> bool,
    leases_reached: bool,
) {
    let ready = leases_reached
        && slots
            .values()
            .filter(|s| s.desired.is_some() && works_on(s))
            .all(|s| s.last_kind.is_some());
    if let Ok(mut s) = status.write()
        && ready
    {
        s.ready = true;
    }
}

/// What recording a pass needs besides the pass itself.
pub struct Recording<'a> {
    pub config: &'a RunConfig,
    pub client: &'a Client,
    pub status: &'a SharedStatus,
    pub notifier: &'a Notifier,
    /// The source revision now, for a slot without a good one of its own.
    pub current_revision: &'a str,
    /// The source, as the status names it.
    pub describe: &'a str,
}

/// Writes a finished pass into its slot and the status, and schedules the next one.
pub fn record_finished(slot: &mut Slot, desired: &Desired, pass: Pass, context: &Recording<'_>) {
    let Recording {
        config,
        client,
        status,
        notifier,
        current_revision,
        describe,
    } = *context;
    let stamp = now();
    let good_revision = slot
        .good_revision
        .clone()
        .unwrap_or_else(|| current_revision.to_string());
    let delay = next_delay(config, slot, &pass, client, status);
    for rollback in pass.rollbacks.iter().filter(|r| r.settled()) {
        slot.rollbacks_handled.insert((
            rollback.service.clone(),
            rollback.environment.clone(),
            good_revision.clone(),
        ));
    }
    slot.busy = false;
    slot.next_due = Instant::now() + delay;
    slot.last_kind = Some(pass.kind);
    if let Ok(mut s) = status.write() {
        let ControllerStatus {
            projects, metrics, ..
        } = &mut *s;
        let project = projects.entry(slot.key.clone()).or_default();
        project.source = describe.to_string();
        record_pass(project, metrics, desired, &good_revision, &pass, &stamp);
        if let Some(message) = &slot.invalid {
            // The last good manifest is still being enforced, but the newest one is broken.
            project
                .conditions
                .stalled
                .set(true, "InvalidManifest", message.clone(), &stamp);
            project.last_error = Some(message.clone());
        }
        project.next_reconcile_at = Some(
            (chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        metrics.api_requests = client.stats().requests.into_iter().collect();
    }
    log_pass(desired, &good_revision, &pass, delay);
    // Outside the status lock: the notifier writes its timeline into the status.
    notifier.set_targets(&desired.project.name, desired.notifications.clone());
    let recorded = status
        .read()
        .ok()
        .and_then(|s| s.projects.get(&slot.key).cloned());
    if let Some(recorded) = recorded {
        PassEvents {
            notifier,
            desired,
            status: &recorded,
            pass: &pass,
            revision: &good_revision,
            git: git_revision(config, &good_revision),
        }
        .publish();
    }
    if let Some(live) = pass.live_after.or(pass.live) {
        slot.last_live = Some(live);
    }
}

/// When a project is due again: the interval with ±10% jitter after a pass that reached Railway,
/// stretched while the rate-limit budget runs low; exponential backoff (capped at the interval)
/// after a transient failure; never (until the source changes) after a terminal one. While a
/// deployment is in progress (or was just started), at most 5 s: R44's polling pace, so
/// rollouts are followed across passes without blocking any. No later than the end of a change
/// window holding writes.
pub fn next_delay(
    config: &RunConfig,
    slot: &mut Slot,
    pass: &Pass,
    client: &Client,
    status: &SharedStatus,
) -> Duration {
    let kind = pass.kind;
    let mut rng = rand::rng();
    let jitter =
        |d: Duration, rng: &mut rand::rngs::ThreadRng| d.mul_f64(rng.random_range(0.9..1.1));
    let stats = client.stats();
    let throttled = match (stats.rate_limit_remaining, stats.rate_limit_limit) {
        (Some(remaining), Some(limit)) if limit > 0 => remaining * 10 < limit,
        (Some(remaining), None) => remaining < 20,
        _ => false,
    };
    if let Ok(mut s) = status.write() {
        s.rate_limit.remaining = stats.rate_limit_remaining;
        s.rate_limit.resets_at.clone_from(&stats.rate_limit_reset);
        s.rate_limit.throttled = throttled;
    }
    let interval = if throttled {
        (config.interval * 4).min(Duration::from_secs(3600))
    } else {
        config.interval
    };
    let delay = match kind {
        // Look again soon after a change: the status then shows what Railway made of it
        // (generated names, DNS records, deployments), and a half-converged state gets finished.
        PassKind::Applied => {
            slot.failures = 0;
            jitter(interval.min(Duration::from_secs(5)), &mut rng)
        }
        PassKind::InSync | PassKind::DriftReported if rolling_out(pass) => {
            slot.failures = 0;
            jitter(interval.min(Duration::from_secs(5)), &mut rng)
        }
        PassKind::InSync | PassKind::DriftReported => {
            slot.failures = 0;
            jitter(interval, &mut rng)
        }
        PassKind::Failed => {
            slot.failures = slot.failures.saturating_add(1);
            let backoff = Duration::from_millis(500) * 2u32.saturating_pow(slot.failures.min(16));
            jitter(backoff.min(interval), &mut rng)
        }
        PassKind::Stalled => {
            slot.stalled = true;
            interval
        }
    };
    delay.min(until_window_ends(pass))
}

/// While a change window holds writes, the time until it ends (a little after, so the next pass
/// finds it closed): writes resume at once instead of up to an interval later.
fn until_window_ends(pass: &Pass) -> Duration {
    const AFTER_END: Duration = Duration::from_millis(50);
    match pass.window.state.until {
        Some(until) if pass.window.holds() => {
            (until - chrono::Utc::now()).to_std().unwrap_or_default() + AFTER_END
        }
        _ => Duration::MAX,
    }
}

/// The commit a Git source's manifests came from, for GitHub statuses.
fn git_revision(config: &RunConfig, revision: &str) -> Option<GitRevision> {
    match &config.source {
        SourceSpec::Git { url, .. } => Some(GitRevision {
            repository: url.clone(),
            commit: revision.to_string(),
        }),
        SourceSpec::Path(_) => None,
    }
}

/// A deployment is on its way in the live state the pass read, or a rollback just started one.
fn rolling_out(pass: &Pass) -> bool {
    let progressing = pass
        .latest_live()
        .and_then(|live| live.project.as_ref())
        .is_some_and(|project| {
            project
                .environments
                .iter()
                .flat_map(|e| e.instances.values())
                .filter_map(|i| i.latest_deployment.as_ref())
                .any(|d| Health::of_status(Some(&d.status)) == Health::Progressing)
        });
    progressing
        || pass
            .rollbacks
            .iter()
            .any(|r| matches!(r.result, RollbackResult::RolledBackTo(_)))
}

pub fn log_pass(desired: &Desired, revision: &str, pass: &Pass, next: Duration) {
    let short: String = revision.strip_prefix("sha256:").map_or_else(
        || revision.chars().take(12).collect(),
        |hash| format!("sha256:{}", &hash[..hash.len().min(12)]),
    );
    let actions = pass.plan.as_ref().map_or(0, |p| p.actions.len());
    let destructive = pass
        .plan
        .as_ref()
        .map_or(0, |p| p.destructive_actions().count());
    let ms = pass.duration.as_millis();
    let name = &desired.project.name;
    match (&pass.kind, &pass.error) {
        (PassKind::Failed | PassKind::Stalled, Some(error)) => tracing::warn!(
            project = %name, revision = %short, result = pass.kind.label(), reason = error.reason.name(), error = %error.message,
            "reconcile of {name}@{short} failed in {ms}ms ({}), next in {}s", error.reason, next.as_secs()
        ),
        (kind, _) => tracing::info!(
            project = %name, revision = %short, result = kind.label(), actions, destructive, duration_ms = ms as u64,
            "reconciled {name}@{short} in {ms}ms: {actions} actions ({destructive} destructive, {}), next in {}s",
            kind.label(), next.as_secs()
        ),
    }
}
