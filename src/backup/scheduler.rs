//! Runs every backup target on its cron schedule with tokio-cron-scheduler: jobs follow
//! [`BackupScheduler::set_targets`] without a restart, a first registration catches up once if a
//! run was missed, a backup still running is followed by the next run rather than taken again
//! (R26), and a failing backup is recorded, never fatal. Taking a backup is the runner's job.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::Utc;
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

use super::cadence::{self, Cadence, CadenceError};
use super::in_flight::InFlight;
use super::naming::{self, BackupOrigin};
use super::runner::{self, RunnerConfig};
pub use super::stats::{BackupStats, TargetStats};
use super::store::BackupStore;
use super::target::{BackupTarget, TargetKey};

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("backup scheduler: {0}")]
    Cron(#[from] tokio_cron_scheduler::JobSchedulerError),
}

/// What one [`BackupScheduler::set_targets`] call changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetChanges {
    pub added: Vec<TargetKey>,
    /// Existing jobs whose volume instance, volume name or retention changed in place.
    pub updated: Vec<TargetKey>,
    pub removed: Vec<TargetKey>,
    /// Targets that could not be scheduled (bad cron or zone; validation should have caught it).
    pub rejected: Vec<(TargetKey, String)>,
}

/// Shared by a job and its catch-up: the current target and a guard against overlapping runs.
struct JobContext<S> {
    key: TargetKey,
    target: RwLock<BackupTarget>,
    running: tokio::sync::Mutex<()>,
    store: Arc<S>,
    config: RunnerConfig,
    stats: Arc<Mutex<BackupStats>>,
    /// Shared by every job: backups still being taken, followed by later runs (R26).
    in_flight: Arc<InFlight>,
}

impl<S: BackupStore + 'static> JobContext<S> {
    fn current_target(&self) -> BackupTarget {
        match self.target.read() {
            Ok(target) => target.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Takes one backup unless one is already in progress for this target (no pile-up).
    async fn run_once(&self) {
        let Ok(_running) = self.running.try_lock() else {
            tracing::info!(target_key = %self.key, "previous backup still running; skipping this run");
            return;
        };
        let target = self.current_target();
        let result = runner::take_backup_following(
            &*self.store,
            &target,
            Utc::now(),
            &self.config,
            &self.in_flight,
        )
        .await;
        match &result {
            Ok(outcome) if outcome.running => {
                tracing::info!(target_key = %self.key, backup = %outcome.name, "backup still running; the next run follows it")
            }
            Ok(outcome) => {
                tracing::info!(target_key = %self.key, backup = %outcome.name, pruned = outcome.pruned.len(), "backup taken")
            }
            Err(error) => tracing::error!(target_key = %self.key, %error, "backup failed"),
        }
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats.record(&self.key, &result, Utc::now());
    }

    /// One backup now if the schedule fired since the last own backup of it (or there is none).
    async fn catch_up(&self, cadence: Cadence) {
        let target = self.current_target();
        let schedule = target.schedule_id();
        let backups = match self.store.list(&target.volume_instance_id).await {
            Ok(backups) => backups,
            Err(error) => {
                tracing::warn!(target_key = %self.key, %error, "cannot list backups; no catch-up check");
                return;
            }
        };
        let last_own = backups
            .iter()
            .filter_map(|b| naming::parse(&b.name))
            .filter(|n| n.origin == BackupOrigin::Schedule(schedule.clone()))
            .map(|n| n.taken_at)
            .max();
        if cadence.catch_up_due(last_own, Utc::now()) {
            tracing::info!(target_key = %self.key, "a scheduled backup was missed; taking one now");
            self.run_once().await;
        }
    }
}

struct Registered<S> {
    job_id: Uuid,
    context: Arc<JobContext<S>>,
}

/// Cron-driven backups for a changing set of targets.
pub struct BackupScheduler<S> {
    cron: JobScheduler,
    store: Arc<S>,
    config: RunnerConfig,
    jobs: tokio::sync::Mutex<BTreeMap<TargetKey, Registered<S>>>,
    /// Keys registered at least once in this process: only a first registration catches up.
    seen: Mutex<BTreeSet<TargetKey>>,
    stats: Arc<Mutex<BackupStats>>,
    in_flight: Arc<InFlight>,
}

impl<S: BackupStore + 'static> BackupScheduler<S> {
    /// Starts an empty scheduler.
    pub async fn start(store: Arc<S>, config: RunnerConfig) -> Result<Self, SchedulerError> {
        Self::start_with(store, config, InFlight::new()).await
    }

    /// Starts an empty scheduler whose running backups are `in_flight` (journaled, so that a
    /// restarted replica follows them, R26).
    pub async fn start_with(
        store: Arc<S>,
        config: RunnerConfig,
        in_flight: InFlight,
    ) -> Result<Self, SchedulerError> {
        let cron = JobScheduler::new().await?;
        cron.start().await?;
        Ok(BackupScheduler {
            cron,
            store,
            config,
            jobs: tokio::sync::Mutex::new(BTreeMap::new()),
            seen: Mutex::new(BTreeSet::new()),
            stats: Arc::default(),
            in_flight: Arc::new(in_flight),
        })
    }

    /// Makes the scheduled jobs match `targets`: adds new keys, removes vanished ones, and updates
    /// existing ones in place (their job keeps running). A later duplicate key wins.
    pub async fn set_targets(
        &self,
        targets: Vec<BackupTarget>,
    ) -> Result<TargetChanges, SchedulerError> {
        let wanted: BTreeMap<TargetKey, BackupTarget> =
            targets.into_iter().map(|t| (t.key.clone(), t)).collect();
        let mut changes = TargetChanges::default();
        let mut jobs = self.jobs.lock().await;
        let vanished: Vec<TargetKey> = jobs
            .keys()
            .filter(|k| !wanted.contains_key(k))
            .cloned()
            .collect();
        for key in vanished {
            if let Some(registered) = jobs.remove(&key) {
                self.cron.remove(&registered.job_id).await?;
                changes.removed.push(key);
            }
        }
        for (key, target) in wanted {
            if let Some(registered) = jobs.get(&key) {
                let mut current = registered
                    .context
                    .target
                    .write()
                    .unwrap_or_else(|p| p.into_inner());
                if *current != target {
                    *current = target;
                    changes.updated.push(key);
                }
                continue;
            }
            match self.schedule(&key, target).await {
                Ok(registered) => {
                    jobs.insert(key.clone(), registered);
                    changes.added.push(key);
                }
                Err(ScheduleFailure::Invalid(error)) => {
                    changes.rejected.push((key, error.to_string()))
                }
                Err(ScheduleFailure::Cron(error)) => return Err(error.into()),
            }
        }
        Ok(changes)
    }

    async fn schedule(
        &self,
        key: &TargetKey,
        target: BackupTarget,
    ) -> Result<Registered<S>, ScheduleFailure> {
        let cadence = Cadence::new(&target.cron.schedule, target.cron.timezone.as_deref())
            .map_err(ScheduleFailure::Invalid)?;
        let context = Arc::new(JobContext {
            key: key.clone(),
            target: RwLock::new(target.clone()),
            running: tokio::sync::Mutex::new(()),
            store: self.store.clone(),
            config: self.config,
            stats: self.stats.clone(),
            in_flight: self.in_flight.clone(),
        });
        let job_context = context.clone();
        let job = Job::new_async_tz(
            cadence::to_six_fields(&target.cron.schedule),
            cadence.timezone(),
            move |_, _| {
                let context = job_context.clone();
                Box::pin(async move { context.run_once().await })
            },
        )
        .map_err(ScheduleFailure::Cron)?;
        let job_id = self.cron.add(job).await.map_err(ScheduleFailure::Cron)?;
        let first_time = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone());
        if first_time {
            let catch_up_context = context.clone();
            tokio::spawn(async move { catch_up_context.catch_up(cadence).await });
        }
        Ok(Registered { job_id, context })
    }

    /// The keys currently scheduled.
    pub async fn keys(&self) -> Vec<TargetKey> {
        self.jobs.lock().await.keys().cloned().collect()
    }

    /// A copy of the counters so far.
    pub fn stats(&self) -> BackupStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops every job; a backup in progress is abandoned where it stands.
    pub async fn shutdown(&self) -> Result<(), SchedulerError> {
        let mut cron = self.cron.clone();
        cron.shutdown().await?;
        Ok(())
    }
}

enum ScheduleFailure {
    Invalid(CadenceError),
    Cron(tokio_cron_scheduler::JobSchedulerError),
}
