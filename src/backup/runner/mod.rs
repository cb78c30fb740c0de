//! Takes one backup end to end: follow the schedule's backup still running from an earlier run
//! (R26), create under the operator's name, follow the workflow, then apply the schedule's
//! retention. Bounded retries; a create that may have reached Railway is never repeated blindly
//! (the list is read first and a backup of the exact name is adopted), a backup still running
//! when polling stops is left to the next run, and Railway's 50 % refusal (R25) is final.
//! It does not decide when to run: that is the scheduler's job.

mod attempt;
#[cfg(test)]
mod tests;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::in_flight::InFlight;
use super::limit;
use super::naming::{self, BackupOrigin};
use super::retention;
use super::store::{BackupStore, StoreError};
use super::target::BackupTarget;

#[derive(Debug, Clone, Copy)]
pub struct RunnerConfig {
    /// Gap between two workflow status polls.
    pub poll_interval: Duration,
    /// Status polls before a run leaves a backup still running to the next run.
    pub poll_tries: u32,
    /// Attempts at taking the backup, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each later one.
    pub retry_delay: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            poll_interval: Duration::from_secs(1),
            poll_tries: 120,
            attempts: 3,
            retry_delay: Duration::from_secs(2),
        }
    }
}

impl RunnerConfig {
    /// Fast polling and retries for tests against the in-memory store.
    pub fn for_tests() -> Self {
        RunnerConfig {
            poll_interval: Duration::from_millis(20),
            poll_tries: 50,
            attempts: 3,
            retry_delay: Duration::from_millis(20),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// Every attempt failed; `last` is the final reason.
    #[error("backup {name:?} failed after {attempts} attempt(s): {last}")]
    Exhausted {
        name: String,
        attempts: u32,
        last: String,
    },
    /// R25: Railway takes no manual backup (every operator backup is one) of a volume more than
    /// half full. Not retried: only growing or emptying the volume helps.
    #[error(
        "backup {name:?} refused: Railway takes no manual backup of a volume more than 50% full; {}. Railway said: {reason}",
        limit::ADVICE
    )]
    VolumeTooFull { name: String, reason: String },
    /// Railway refused in a way retrying cannot fix.
    #[error("backup {name:?} refused: {source}")]
    Refused { name: String, source: StoreError },
}

/// A backup that was taken (or found already taken, or is still being taken), and what
/// retention did afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOutcome {
    pub name: String,
    /// True when an earlier create turned out to have worked and its backup was adopted.
    pub adopted: bool,
    pub attempts: u32,
    /// R26: the backup was still being taken when polling stopped; the next run follows its
    /// workflow instead of creating another.
    pub running: bool,
    /// A backup an earlier run left running that this run saw finish.
    pub followed: Option<String>,
    /// Ids retention deleted.
    pub pruned: Vec<String>,
    /// (backup id or "list", reason): retention work that failed; never fatal.
    pub prune_failures: Vec<(String, String)>,
}

/// Takes `target`'s scheduled backup named for `now`, then applies the schedule's retention.
/// One call never creates the backup twice; to follow it in later calls, use
/// [`take_backup_following`].
pub async fn take_backup<S: BackupStore>(
    store: &S,
    target: &BackupTarget,
    now: DateTime<Utc>,
    config: &RunnerConfig,
) -> Result<BackupOutcome, BackupError> {
    take_backup_following(store, target, now, config, &InFlight::new()).await
}

/// [`take_backup`], first following the schedule's backup that `in_flight` says is still
/// running (R26): while it runs, no new backup is created; once it finished (or after
/// `attempt::GIVE_UP_AFTER`), this run's is.
pub async fn take_backup_following<S: BackupStore>(
    store: &S,
    target: &BackupTarget,
    now: DateTime<Utc>,
    config: &RunnerConfig,
    in_flight: &InFlight,
) -> Result<BackupOutcome, BackupError> {
    let origin = BackupOrigin::Schedule(target.schedule_id());
    let vi = &target.volume_instance_id;
    let earlier = attempt::follow_earlier(store, vi, &origin, (config, now), in_flight).await?;
    let taken = match earlier {
        attempt::Earlier::StillRunning(name) => BackupOutcome {
            running: true,
            ..BackupOutcome::named(name)
        },
        attempt::Earlier::None(followed) => {
            let name = naming::format(&origin, now);
            let taken = attempt::take_named(store, vi, &name, config, in_flight).await?;
            BackupOutcome { followed, ..taken }
        }
    };
    // Retention runs while a backup is still being taken too: a slow volume must not keep
    // every older backup forever.
    let latest = [Some(taken.name.as_str()), taken.followed.as_deref()];
    let (pruned, prune_failures) = prune_schedule(store, target, now, &latest).await;
    Ok(BackupOutcome {
        pruned,
        prune_failures,
        ..taken
    })
}

/// Takes a `[manual]` backup named for `now`; no retention applies to it.
pub async fn take_manual_backup<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    now: DateTime<Utc>,
    config: &RunnerConfig,
) -> Result<BackupOutcome, BackupError> {
    let name = naming::format(&BackupOrigin::Manual, now);
    attempt::take_named(store, volume_instance_id, &name, config, &InFlight::new()).await
}

impl BackupOutcome {
    fn named(name: String) -> Self {
        BackupOutcome {
            name,
            adopted: false,
            attempts: 0,
            running: false,
            followed: None,
            pruned: Vec::new(),
            prune_failures: Vec::new(),
        }
    }
}

/// Deletes what the schedule's retention says; returns (deleted ids, failures). `latest`:
/// names of backups this run took or saw finish; the first one listed tells who Railway says
/// makes the operator's backups, and own-named backups by anyone else are left alone.
pub async fn prune_schedule<S: BackupStore>(
    store: &S,
    target: &BackupTarget,
    now: DateTime<Utc>,
    latest: &[Option<&str>],
) -> (Vec<String>, Vec<(String, String)>) {
    let backups = match store.list(&target.volume_instance_id).await {
        Ok(backups) => backups,
        Err(error) => return (Vec::new(), vec![("list".to_string(), error.to_string())]),
    };
    let operator = latest.iter().flatten().find_map(|name| {
        let own = backups.iter().find(|b| b.name == *name)?;
        own.creator_id.as_deref()
    });
    let schedule = target.schedule_id();
    let doomed = retention::to_delete(&backups, &schedule, target.cron.retention, now, operator);
    delete_all(store, &target.volume_instance_id, &doomed).await
}

/// Deletes each id in turn; a failure is recorded and the rest still go.
pub async fn delete_all<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    ids: &[String],
) -> (Vec<String>, Vec<(String, String)>) {
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for id in ids {
        match store.delete(volume_instance_id, id).await {
            Ok(()) => deleted.push(id.clone()),
            Err(error) => {
                tracing::warn!(backup = %id, %error, "could not delete an expired backup");
                failures.push((id.clone(), error.to_string()));
            }
        }
    }
    (deleted, failures)
}
