//! The runner's steps on one named backup: create it (with bounded retries), follow its
//! workflow until done or until polling stops, and follow one an earlier run left running.

use chrono::{DateTime, Utc};

use super::{BackupError, BackupOutcome, RunnerConfig};
use crate::backup::in_flight::{InFlight, RunningBackup};
use crate::backup::limit;
use crate::backup::naming::{self, BackupOrigin};
use crate::backup::retention::BackupRecord;
use crate::backup::store::{BackupStore, StoreError, WorkflowState};

/// What following a backup's workflow found.
enum Awaited {
    Done,
    /// Polling stopped first (or, without a workflow, the list never showed it).
    StillRunning,
    /// The workflow failed, or vanished with no backup listed: worth another attempt.
    Failed(String),
}

/// What an earlier run left behind for this schedule.
pub(super) enum Earlier {
    /// Nothing running (any more); `Some(name)`: that earlier backup finished now.
    None(Option<String>),
    /// It is still being taken: this run creates nothing.
    StillRunning(String),
}

/// How the next attempt starts, after what the last one saw.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    Create,
    /// The workflow failed after the create: look once whether the backup exists anyway.
    CheckList,
    /// The create's answer was lost: the backup may be being taken, without a workflow to
    /// follow. Watch the list for the whole polling time before creating again.
    AwaitList,
}

/// A backup still running this long after it was asked for is given up on (a workflow stuck
/// at `Running` must not stop the schedule for good): the next run takes a new one.
pub const GIVE_UP_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(6);

/// R26: follows the earliest backup of `origin` that `in_flight` says an earlier run left
/// running, instead of creating a second one while it runs.
pub(super) async fn follow_earlier<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    origin: &BackupOrigin,
    (config, now): (&RunnerConfig, DateTime<Utc>),
    in_flight: &InFlight,
) -> Result<Earlier, BackupError> {
    let Some(earlier) = in_flight.follow(volume_instance_id, origin).await else {
        return Ok(Earlier::None(None));
    };
    let name = earlier.name.clone();
    if naming::parse(&name).is_some_and(|n| now - n.taken_at > GIVE_UP_AFTER) {
        tracing::warn!(backup = %name, "a backup is still running after 6 hours; no longer following it");
        in_flight.finished(volume_instance_id, &name).await;
        return Ok(Earlier::None(None));
    }
    let awaited = await_done(
        store,
        volume_instance_id,
        &name,
        earlier.workflow_id.as_deref(),
        config,
    )
    .await;
    if !matches!(awaited, Ok(Awaited::StillRunning)) {
        in_flight.finished(volume_instance_id, &name).await;
    }
    match awaited {
        Ok(Awaited::Done) => {
            tracing::info!(backup = %name, "a backup an earlier run left running has finished");
            Ok(Earlier::None(Some(name)))
        }
        Ok(Awaited::StillRunning) => {
            tracing::info!(backup = %name, "an earlier backup is still running; following it, not taking another");
            Ok(Earlier::StillRunning(name))
        }
        Ok(Awaited::Failed(reason)) => {
            tracing::warn!(backup = %name, %reason, "a backup an earlier run left running failed");
            Ok(Earlier::None(None))
        }
        Err(source) => Err(refusal(&name, source)),
    }
}

fn refusal(name: &str, source: StoreError) -> BackupError {
    match source {
        StoreError::VolumeTooFull(reason) => BackupError::VolumeTooFull {
            name: name.to_string(),
            reason,
        },
        source => BackupError::Refused {
            name: name.to_string(),
            source,
        },
    }
}

/// Takes the backup `name`: up to `config.attempts` creates, never a second one while the
/// first may still be running.
pub(super) async fn take_named<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    config: &RunnerConfig,
    in_flight: &InFlight,
) -> Result<BackupOutcome, BackupError> {
    let attempts = config.attempts.max(1);
    let mut last = String::new();
    let mut delay = config.retry_delay;
    let mut next = Next::Create;
    for attempt in 1..=attempts {
        if attempt > 1 {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        match attempt_once(store, volume_instance_id, name, config, in_flight, next).await? {
            Step::Done { running, adopted } => {
                return Ok(BackupOutcome {
                    adopted,
                    attempts: attempt,
                    running,
                    ..BackupOutcome::named(name.to_string())
                });
            }
            Step::Retry { then, reason } => {
                tracing::warn!(backup = name, attempt, %reason, "backup attempt failed");
                next = then;
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

/// What one attempt came to.
enum Step {
    /// Taken, adopted, or (R26) still running and left to the next run.
    Done {
        running: bool,
        adopted: bool,
    },
    Retry {
        then: Next,
        reason: String,
    },
}

async fn attempt_once<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    config: &RunnerConfig,
    in_flight: &InFlight,
    next: Next,
) -> Result<Step, BackupError> {
    match look_first(store, volume_instance_id, name, config, next).await {
        Ok(true) => {
            tracing::info!(
                backup = name,
                "adopting a backup an earlier attempt created"
            );
            return Ok(Step::Done {
                running: false,
                adopted: true,
            });
        }
        Ok(false) => {}
        Err(error) => {
            return Ok(Step::Retry {
                then: next,
                reason: error.to_string(),
            });
        }
    }
    let workflow = match store.create(volume_instance_id, name).await {
        Ok(workflow) => workflow,
        Err(error) if error.is_retryable() => {
            let then = if error.maybe_applied() {
                Next::AwaitList
            } else {
                Next::Create
            };
            let reason = error.to_string();
            return Ok(Step::Retry { then, reason });
        }
        Err(error) => return Err(refusal(name, error)),
    };
    in_flight
        .started(RunningBackup {
            volume_instance_id: volume_instance_id.to_string(),
            name: name.to_string(),
            workflow_id: workflow.clone(),
        })
        .await;
    let awaited = await_done(store, volume_instance_id, name, workflow.as_deref(), config).await;
    if !matches!(awaited, Ok(Awaited::StillRunning)) {
        in_flight.finished(volume_instance_id, name).await;
    }
    match awaited {
        Ok(Awaited::Done) => Ok(Step::Done {
            running: false,
            adopted: false,
        }),
        // R26: never created again while it may run; the next run follows it.
        Ok(Awaited::StillRunning) => Ok(Step::Done {
            running: true,
            adopted: false,
        }),
        Ok(Awaited::Failed(reason)) => Ok(Step::Retry {
            then: Next::CheckList,
            reason,
        }),
        Err(error) => Err(refusal(name, error)),
    }
}

/// Whether a backup of `name` exists already, as far as `next` says to look. `Err`: the list
/// could not be read.
async fn look_first<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    config: &RunnerConfig,
    next: Next,
) -> Result<bool, StoreError> {
    match next {
        Next::Create => Ok(false),
        Next::CheckList => find_named(store, volume_instance_id, name)
            .await
            .map(|found| found.is_some()),
        Next::AwaitList => Ok(matches!(
            await_done(store, volume_instance_id, name, None, config).await,
            Ok(Awaited::Done)
        )),
    }
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

/// Follows the backup `name` until it is done, failed, or polling stops. Without a workflow, it
/// is done once it is listed. `Err`: refused for good.
async fn await_done<S: BackupStore>(
    store: &S,
    volume_instance_id: &str,
    name: &str,
    workflow: Option<&str>,
    config: &RunnerConfig,
) -> Result<Awaited, StoreError> {
    for poll in 0..config.poll_tries.max(1) {
        if poll > 0 {
            tokio::time::sleep(config.poll_interval).await;
        }
        let state = match workflow {
            Some(id) => store.workflow_status(id).await,
            None => find_named(store, volume_instance_id, name)
                .await
                .map(|found| match found {
                    Some(_) => WorkflowState::Complete,
                    None => WorkflowState::Running,
                }),
        };
        match state {
            Ok(WorkflowState::Complete) => return Ok(Awaited::Done),
            Ok(WorkflowState::Running) => {}
            // R25: the limit may be enforced by the workflow rather than the create.
            Ok(WorkflowState::Error(message)) if limit::is_refusal(&message) => {
                return Err(StoreError::VolumeTooFull(message));
            }
            Ok(WorkflowState::Error(message)) => {
                return Ok(Awaited::Failed(format!(
                    "backup workflow failed: {message}"
                )));
            }
            // A finished workflow can be forgotten; the list tells whether the backup exists.
            Ok(WorkflowState::NotFound) => {
                return Ok(match find_named(store, volume_instance_id, name).await {
                    Ok(Some(_)) => Awaited::Done,
                    Ok(None) => Awaited::Failed(
                        "backup workflow unknown to Railway and no backup listed".into(),
                    ),
                    Err(error) => Awaited::Failed(error.to_string()),
                });
            }
            Err(error) if error.is_retryable() => {
                tracing::debug!(%error, "backup status poll failed; polling again");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(Awaited::StillRunning)
}
