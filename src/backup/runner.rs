//! Takes one backup end to end: create under the operator's name, follow the workflow, then apply
//! the schedule's retention. Bounded retries; a create that may have reached Railway is never
//! repeated blindly (the list is read first and a backup of the exact name is adopted).
//! It does not decide when to run: that is the scheduler's job.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::naming::{self, BackupOrigin};
use super::retention::{self, BackupRecord};
use super::store::{BackupStore, StoreError, WorkflowState};
use super::target::BackupTarget;

#[derive(Debug, Clone, Copy)]
pub struct RunnerConfig {
    /// Gap between two workflow status polls.
    pub poll_interval: Duration,
    /// Status polls before a backup counts as timed out.
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
    /// Railway refused in a way retrying cannot fix.
    #[error("backup {name:?} refused: {source}")]
    Refused { name: String, source: StoreError },
}

/// A backup that was taken (or found already taken), and what retention did afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOutcome {
    pub name: String,
    /// True when an earlier create turned out to have worked and its backup was adopted.
    pub adopted: bool,
    pub attempts: u32,
    /// Ids retention deleted.
    pub pruned: Vec<String>,
    /// (backup id or "list", reason): retention work that failed; never fatal.
    pub prune_failures: Vec<(String, String)>,
}

/// Takes `target`'s scheduled backup named for `now`, then applies the schedule's retention.
pub async fn take_backup<S: BackupStore>(
    store: &S,
    target: &BackupTarget,
    now: DateTime<Utc>,
    config: &RunnerConfig,
) -> Result<BackupOutcome, BackupError> {
    let name = naming::format(&BackupOrigin::Schedule(target.schedule_id()), now);
    let taken = take_named(store, &target.volume_instance_id, &name, config).await?;
    let (pruned, prune_failures) = prune_schedule(store, target, now).await;
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
    take_named(store, volume_instance_id, &name, config).await
}

/// Deletes what the schedule's retention says; returns (deleted ids, failures).
pub async fn prune_schedule<S: BackupStore>(
    store: &S,
    target: &BackupTarget,
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<(String, String)>) {
    let backups = match store.list(&target.volume_instance_id).await {
        Ok(backups) => backups,
        Err(error) => return (Vec::new(), vec![("list".to_string(), error.to_string())]),
    };
    let doomed = retention::to_delete(&backups, &target.schedule_id(), target.cron.retention, now);
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

/// Why one attempt did not finish.
enum AttemptFailure {
    /// Worth another attempt; `maybe_created`: a backup of the name may exist now.
    Retry {
        reason: String,
        maybe_created: bool,
    },
    Refused(StoreError),
}

fn retry_after_create(reason: impl Into<String>) -> AttemptFailure {
    AttemptFailure::Retry {
        reason: reason.into(),
        maybe_created: true,
    }
}

async fn take_named<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    config: &RunnerConfig,
) -> Result<BackupOutcome, BackupError> {
    let attempts = config.attempts.max(1);
    let mut last = String::new();
    let mut delay = config.retry_delay;
    let mut maybe_created = false;
    for attempt in 1..=attempts {
        if attempt > 1 {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        // An earlier create may have worked: look before creating again.
        let adopted = if maybe_created {
            match find_named(store, volume_instance_id, name).await {
                Ok(found) => found.is_some(),
                Err(error) => {
                    last = error.to_string();
                    continue;
                }
            }
        } else {
            false
        };
        let result = if adopted {
            tracing::info!(
                backup = name,
                "adopting a backup an earlier attempt created"
            );
            Ok(())
        } else {
            attempt_once(store, volume_instance_id, name, config).await
        };
        match result {
            Ok(()) => {
                return Ok(BackupOutcome {
                    name: name.to_string(),
                    adopted,
                    attempts: attempt,
                    pruned: Vec::new(),
                    prune_failures: Vec::new(),
                });
            }
            Err(AttemptFailure::Refused(source)) => {
                return Err(BackupError::Refused {
                    name: name.to_string(),
                    source,
                });
            }
            Err(AttemptFailure::Retry {
                reason,
                maybe_created: created,
            }) => {
                tracing::warn!(backup = name, attempt, reason = %reason, "backup attempt failed");
                maybe_created |= created;
                last = reason;
            }
        }
    }
    Err(BackupError::Exhausted {
        name: name.to_string(),
        attempts,
        last,
    })
}

async fn find_named<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
) -> Result<Option<BackupRecord>, StoreError> {
    Ok(store
        .list(volume_instance_id)
        .await?
        .into_iter()
        .find(|b| b.name == name))
}

async fn attempt_once<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    config: &RunnerConfig,
) -> Result<(), AttemptFailure> {
    let workflow = match store.create(volume_instance_id, name).await {
        Ok(workflow) => workflow,
        Err(error) if error.is_retryable() => {
            return Err(AttemptFailure::Retry {
                reason: error.to_string(),
                maybe_created: error.maybe_applied(),
            });
        }
        Err(error) => return Err(AttemptFailure::Refused(error)),
    };
    for poll in 0..config.poll_tries.max(1) {
        if poll > 0 {
            tokio::time::sleep(config.poll_interval).await;
        }
        let state = match &workflow {
            Some(id) => store.workflow_status(id).await,
            // No workflow to follow: the backup is done once it is listed.
            None => find_named(store, volume_instance_id, name)
                .await
                .map(|found| match found {
                    Some(_) => WorkflowState::Complete,
                    None => WorkflowState::Running,
                }),
        };
        match state {
            Ok(WorkflowState::Complete) => return Ok(()),
            Ok(WorkflowState::Running) => {}
            Ok(WorkflowState::Error(message)) => {
                return Err(retry_after_create(format!(
                    "backup workflow failed: {message}"
                )));
            }
            // A finished workflow can be forgotten; the list tells whether the backup exists.
            Ok(WorkflowState::NotFound) => {
                return match find_named(store, volume_instance_id, name).await {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => Err(retry_after_create(
                        "backup workflow unknown to Railway and no backup listed",
                    )),
                    Err(error) => Err(retry_after_create(error.to_string())),
                };
            }
            Err(error) if error.is_retryable() => {
                tracing::debug!(%error, "workflow status poll failed; polling again");
            }
            Err(error) => return Err(AttemptFailure::Refused(error)),
        }
    }
    Err(retry_after_create(format!(
        "backup still running after {} status polls",
        config.poll_tries
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::fake::FakeStore;
    use crate::manifest::desired::{CronBackup, Retention};
    use chrono::TimeZone;

    fn target(retention: Retention) -> BackupTarget {
        BackupTarget::new(
            "shop",
            "db",
            "production",
            "vi-1",
            "db-data",
            CronBackup {
                schedule: "0 3 * * *".into(),
                timezone: None,
                retention,
            },
        )
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 3, 0, 0).unwrap()
    }

    #[tokio::test]
    async fn a_backup_is_created_under_the_schedule_name_and_awaited() {
        let store = FakeStore::new();
        store.set_running_polls(2);
        let outcome = take_backup(
            &store,
            &target(Retention::Keep { count: 5 }),
            now(),
            &RunnerConfig::for_tests(),
        )
        .await
        .unwrap();
        assert_eq!(
            outcome.name,
            "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z"
        );
        assert!(!outcome.adopted);
        assert_eq!(store.backups("vi-1").len(), 1);
    }

    #[tokio::test]
    async fn a_create_that_may_have_reached_railway_is_adopted_not_repeated() {
        let store = FakeStore::new();
        store.lose_next_creates(1);
        let outcome = take_backup(
            &store,
            &target(Retention::Keep { count: 5 }),
            now(),
            &RunnerConfig::for_tests(),
        )
        .await
        .unwrap();
        assert!(outcome.adopted);
        assert_eq!(outcome.attempts, 2);
        assert_eq!(store.create_calls(), 1);
        assert_eq!(store.backups("vi-1").len(), 1);
    }

    #[tokio::test]
    async fn a_refused_create_is_retried_up_to_three_attempts() {
        let store = FakeStore::new();
        store.fail_next_creates(2);
        let outcome = take_manual_backup(&store, "vi-1", now(), &RunnerConfig::for_tests())
            .await
            .unwrap();
        assert_eq!(outcome.attempts, 3);
        assert!(!outcome.adopted);
        store.fail_next_creates(3);
        let an_hour_later = now() + chrono::Duration::hours(1);
        let error = take_manual_backup(&store, "vi-1", an_hour_later, &RunnerConfig::for_tests())
            .await
            .unwrap_err();
        assert!(
            matches!(error, BackupError::Exhausted { attempts: 3, .. }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_failed_delete_is_reported_and_does_not_fail_the_backup() {
        let store = FakeStore::new();
        for id in ["old-1", "old-2"] {
            let created_at = now() - chrono::Duration::days(40);
            store.insert(
                "vi-1",
                BackupRecord {
                    id: id.into(),
                    name: naming::format(
                        &BackupOrigin::Schedule(target(Retention::Keep { count: 1 }).schedule_id()),
                        created_at - chrono::Duration::seconds(if id == "old-1" { 1 } else { 0 }),
                    ),
                    created_at,
                    expires_at: Some(now()),
                },
            );
        }
        store.fail_delete_of("old-1");
        let outcome = take_backup(
            &store,
            &target(Retention::MaxAge {
                seconds: 30 * 86_400,
            }),
            now(),
            &RunnerConfig::for_tests(),
        )
        .await
        .unwrap();
        assert_eq!(outcome.pruned, vec!["old-2"]);
        assert_eq!(outcome.prune_failures.len(), 1);
    }
}
