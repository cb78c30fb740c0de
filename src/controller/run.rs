//! The `run` loop: watch the source, reconcile every project on its own schedule (interval with
//! jitter, backoff after failures, stalled until the source changes after terminal ones), keep
//! the shared status, serve HTTP, and stop cleanly on shutdown.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::Rng;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::backups::{fill_status, targets as backup_targets};
use super::http::{HttpConfig, HttpServer};
use super::observe::record_pass;
use super::reconcile::{PassKind, reconcile};
use super::source::{Snapshot, Source, SourceSpec};
use super::status::{ControllerStatus, SharedStatus};
use crate::backup::railway_store::RailwayStore;
use crate::backup::{BackupScheduler, BackupTarget, RunnerConfig};
use crate::manifest::{self, Desired, LoadError};
use crate::railway::{Client, Live};

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub source: SourceSpec,
    pub interval: Duration,
    pub listen: Option<SocketAddr>,
    pub admin_token: Option<String>,
    /// One pass over every project, then exit with plan-style codes.
    pub once: bool,
    /// Used when a manifest names no workspace (`RAILWAY_WORKSPACE_ID`).
    pub workspace_fallback: Option<String>,
    /// Reported in status as the pacing cap.
    pub requests_per_second_cap: f64,
    /// How operator-run backups wait for Railway's workflow and retry.
    pub backup_runner: RunnerConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error(transparent)]
    Source(#[from] super::source::SourceError),
    #[error(transparent)]
    Http(#[from] super::http::HttpError),
    #[error(transparent)]
    Backups(#[from] crate::backup::scheduler::SchedulerError),
}

/// One manifest file's project and its schedule.
struct Slot {
    /// The last manifest that loaded: the one in force.
    desired: Option<Desired>,
    /// The revision `desired` came from.
    good_revision: Option<String>,
    /// Status key (project name, or the file stem while no manifest ever loaded).
    key: String,
    next_due: Instant,
    failures: u32,
    /// Set by a terminal failure: no pass until the source changes or a pass is requested.
    stalled: bool,
    /// The load error of the newest revision, while an older good manifest stays in force.
    invalid: Option<String>,
    last_kind: Option<PassKind>,
    /// Live state as the latest pass read it: backup jobs follow a manifest change at once.
    last_live: Option<Live>,
}

pub struct Controller {
    pub status: SharedStatus,
    pub reconcile_now: Arc<Notify>,
    pub http_url: Option<String>,
}

/// Runs until `shutdown` resolves (or, with `once`, after one pass). Returns the exit code:
/// 0 in sync or applied; with `once`, 2 when drift was only reported; 1 when a project failed.
pub async fn run(
    client: Client,
    config: RunConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_started: impl FnOnce(&Controller),
) -> Result<u8, ControllerError> {
    let status: SharedStatus = Arc::new(std::sync::RwLock::new(ControllerStatus {
        started_at: now(),
        ..ControllerStatus::default()
    }));
    if let Ok(mut s) = status.write() {
        s.rate_limit.requests_per_second_cap = config.requests_per_second_cap;
    }
    let reconcile_now = Arc::new(Notify::new());
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(Notify::new());
    {
        let (stop, stopped) = (stop.clone(), stopped.clone());
        tokio::spawn(async move {
            shutdown.await;
            stop.store(true, Ordering::SeqCst);
            stopped.notify_waiters();
            stopped.notify_one();
        });
    }
    let http = match config.listen {
        Some(listen) => Some(
            HttpServer::start(
                HttpConfig {
                    listen,
                    admin_token: config.admin_token.clone(),
                },
                status.clone(),
                reconcile_now.clone(),
            )
            .await?,
        ),
        None => None,
    };
    on_started(&Controller {
        status: status.clone(),
        reconcile_now: reconcile_now.clone(),
        http_url: http.as_ref().map(HttpServer::url),
    });

    // Operator-run backups follow the manifests in force; `--once` takes none.
    let backups = if config.once {
        None
    } else {
        let store = Arc::new(RailwayStore::new(client.clone()));
        Some(Arc::new(
            BackupScheduler::start(store, config.backup_runner).await?,
        ))
    };
    let mut scheduled: Vec<BackupTarget> = Vec::new();
    // Backups finish between passes: copy their results into the status every second.
    let refresher = backups.clone().map(|scheduler| {
        let status = status.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let stats = scheduler.stats();
                if let Ok(mut s) = status.write() {
                    fill_status(&mut s, &stats);
                }
            }
        })
    });

    let mut source = Source::open(config.source.clone()).await?;
    let describe = source.describe();
    let mut slots: BTreeMap<PathBuf, Slot> = BTreeMap::new();
    let mut revision = String::new();
    let mut snapshot = Some(source.current(true).await?);
    let mut exit_code = 0;

    loop {
        if let Some(new) = snapshot.take() {
            revision = new.revision.clone();
            load_snapshot(&new, &mut slots, &status, &describe, &config);
        }
        let now_instant = Instant::now();
        let due: Vec<PathBuf> = slots
            .iter()
            .filter(|(_, slot)| {
                slot.desired.is_some() && !slot.stalled && slot.next_due <= now_instant
            })
            .map(|(path, _)| path.clone())
            .collect();
        for path in due {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(slot) = slots.get_mut(&path) else {
                continue;
            };
            let Some(desired) = slot.desired.clone() else {
                continue;
            };
            set_reconciling(&status, &slot.key);
            let pass = reconcile(&client, &desired, stop.clone()).await;
            let stamp = now();
            let good_revision = slot
                .good_revision
                .clone()
                .unwrap_or_else(|| revision.clone());
            let delay = next_delay(&config, slot, pass.kind, &client, &status);
            slot.next_due = Instant::now() + delay;
            slot.last_kind = Some(pass.kind);
            if let Ok(mut s) = status.write() {
                let ControllerStatus {
                    projects, metrics, ..
                } = &mut *s;
                let project = projects.entry(slot.key.clone()).or_default();
                project.source.clone_from(&describe);
                record_pass(project, metrics, &desired, &good_revision, &pass, &stamp);
                if let Some(message) = &slot.invalid {
                    // The last good manifest is still being enforced, but the newest one is broken.
                    project.conditions.stalled.set(
                        true,
                        "InvalidManifest",
                        message.clone(),
                        &stamp,
                    );
                    project.last_error = Some(message.clone());
                }
                project.next_reconcile_at = Some(
                    (chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default())
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                );
                metrics.api_requests = client.stats().requests.into_iter().collect();
                if let Some(scheduler) = &backups {
                    fill_status(&mut s, &scheduler.stats());
                }
            }
            if pass.live.is_some() {
                slot.last_live.clone_from(&pass.live);
            }
            log_pass(&desired, &good_revision, &pass, delay);
        }
        if let Some(scheduler) = &backups {
            let wanted: Vec<BackupTarget> = slots
                .values()
                .filter_map(|slot| {
                    Some(backup_targets(
                        slot.desired.as_ref()?,
                        slot.last_live.as_ref()?,
                    ))
                })
                .flatten()
                .collect();
            if wanted != scheduled {
                match scheduler.set_targets(wanted.clone()).await {
                    Ok(changes) => tracing::info!(
                        added = changes.added.len(),
                        updated = changes.updated.len(),
                        removed = changes.removed.len(),
                        rejected = changes.rejected.len(),
                        "backup schedules follow the manifests"
                    ),
                    Err(error) => tracing::warn!(error = %error, "cannot update backup schedules"),
                }
                scheduled = wanted;
            }
        }
        update_readiness(&status, &slots);
        if config.once {
            exit_code = slots
                .values()
                .map(|slot| match slot.last_kind {
                    Some(PassKind::Failed | PassKind::Stalled) => 1,
                    None if slot.desired.is_none() => 1,
                    Some(PassKind::DriftReported) => 2,
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            break;
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let next_due = slots
            .values()
            .filter(|s| s.desired.is_some() && !s.stalled)
            .map(|s| s.next_due)
            .min()
            .unwrap_or_else(|| Instant::now() + config.interval);
        tokio::select! {
            _ = stopped.notified() => break,
            _ = reconcile_now.notified() => {
                for slot in slots.values_mut() {
                    slot.next_due = Instant::now();
                    slot.stalled = false;
                }
            }
            changed = source.changed(&revision) => match changed {
                Ok(new) => snapshot = Some(new),
                Err(error) => {
                    tracing::warn!(error = %error, source = %describe, "cannot read the manifest source; keeping the last good manifests");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
            _ = tokio::time::sleep_until(next_due) => {}
        }
    }
    if let Some(refresher) = refresher {
        refresher.abort();
    }
    if let Some(scheduler) = &backups
        && let Err(error) = scheduler.shutdown().await
    {
        tracing::warn!(error = %error, "backup scheduler did not stop cleanly");
    }
    if let Some(http) = http {
        http.shutdown().await;
    }
    Ok(exit_code)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Loads every manifest of a new source revision. A file that fails to load keeps its last good
/// manifest in force and marks its project stalled; nothing is sent for it.
fn load_snapshot(
    snapshot: &Snapshot,
    slots: &mut BTreeMap<PathBuf, Slot>,
    status: &SharedStatus,
    describe: &str,
    config: &RunConfig,
) {
    slots.retain(|path, _| snapshot.files.contains(path));
    for path in &snapshot.files {
        let env = |name: &str| std::env::var(name).ok();
        let loaded = manifest::load_file(path, &env);
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        let slot = slots.entry(path.clone()).or_insert_with(|| Slot {
            desired: None,
            good_revision: None,
            key: stem.clone(),
            next_due: Instant::now(),
            failures: 0,
            stalled: false,
            invalid: None,
            last_kind: None,
            last_live: None,
        });
        let stamp = now();
        match loaded {
            Ok(mut desired) => {
                if desired.project.workspace_id.is_none() {
                    desired
                        .project
                        .workspace_id
                        .clone_from(&config.workspace_fallback);
                }
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
                    project.conditions.stalled.set(false, "", "", &stamp);
                }
                slot.key.clone_from(&desired.project.name);
                slot.desired = Some(desired);
                slot.good_revision = Some(snapshot.revision.clone());
                slot.next_due = Instant::now();
                slot.stalled = false;
                slot.invalid = None;
                slot.failures = 0;
            }
            Err(error) => {
                let message = match &error {
                    LoadError::Invalid(diagnostics) => diagnostics.to_string(),
                    other => other.to_string(),
                };
                tracing::warn!(file = %path.display(), revision = %snapshot.revision, "invalid manifest; the last good one stays in force");
                if let Ok(mut s) = status.write() {
                    let project = s.projects.entry(slot.key.clone()).or_default();
                    if project.name.is_empty() {
                        project.name.clone_from(&slot.key);
                    }
                    project.source = describe.to_string();
                    project.last_attempted_revision = Some(snapshot.revision.clone());
                    project.conditions.stalled.set(
                        true,
                        "InvalidManifest",
                        message.clone(),
                        &stamp,
                    );
                    project
                        .conditions
                        .ready
                        .set(false, "InvalidManifest", message.clone(), &stamp);
                    project.last_error = Some(message.clone());
                }
                slot.invalid = Some(message);
            }
        }
    }
}

fn set_reconciling(status: &SharedStatus, key: &str) {
    if let Ok(mut s) = status.write() {
        let stamp = now();
        let project = s.projects.entry(key.to_string()).or_default();
        project
            .conditions
            .reconciling
            .set(true, "Progressing", "reconciling", &stamp);
    }
}

fn update_readiness(status: &SharedStatus, slots: &BTreeMap<PathBuf, Slot>) {
    let ready = slots
        .values()
        .all(|s| s.last_kind.is_some() || s.desired.is_none());
    if let Ok(mut s) = status.write()
        && ready
    {
        s.ready = true;
    }
}

/// When a project is due again: the interval with ±10% jitter after a pass that reached Railway,
/// stretched while the rate-limit budget runs low; exponential backoff (capped at the interval)
/// after a transient failure; never (until the source changes) after a terminal one.
fn next_delay(
    config: &RunConfig,
    slot: &mut Slot,
    kind: PassKind,
    client: &Client,
    status: &SharedStatus,
) -> Duration {
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
    match kind {
        // Look again soon after a change: the status then shows what Railway made of it
        // (generated names, DNS records, deployments), and a half-converged state gets finished.
        PassKind::Applied => {
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
    }
}

fn log_pass(desired: &Desired, revision: &str, pass: &super::reconcile::Pass, next: Duration) {
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
        (PassKind::Failed | PassKind::Stalled, Some((reason, message))) => tracing::warn!(
            project = %name, revision = %short, result = pass.kind.label(), reason, error = %message,
            "reconcile of {name}@{short} failed in {ms}ms ({reason}), next in {}s", next.as_secs()
        ),
        (kind, _) => tracing::info!(
            project = %name, revision = %short, result = kind.label(), actions, destructive, duration_ms = ms as u64,
            "reconciled {name}@{short} in {ms}ms: {actions} actions ({destructive} destructive, {}), next in {}s",
            kind.label(), next.as_secs()
        ),
    }
}
