//! How one deployment's status follows from its stored timeline and the clock (R42, R44), and
//! what a status implies (replica states, `canRedeploy`, `deploymentStopped`). Pure functions of
//! a record and `now`; which deployments supersede which is the store's business.

use chrono::{DateTime, Utc};

use crate::sandbox::model::{
    DeploymentHistoryRecord, DeploymentInstanceStatus, DeploymentOutcome, DeploymentStatus,
};

/// A status and the moment the deployment entered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Phase {
    pub status: DeploymentStatus,
    pub since: DateTime<Utc>,
}

/// Why and since when a deployment leaves service: REMOVING, then REMOVED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Removal {
    pub at: DateTime<Utc>,
    /// Replaced by a newer deployment that went live (as opposed to aborted or deleted).
    pub superseded: bool,
}

/// A stored timestamp; an unreadable one counts as long ago (everything about it is over).
pub(crate) fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn after(start: DateTime<Utc>, ms: i64) -> DateTime<Utc> {
    start + chrono::Duration::milliseconds(ms.max(0))
}

/// Every phase the record's own timeline walks through, in order (R42). Removal is not in it.
fn phases(record: &DeploymentHistoryRecord) -> Vec<(DeploymentStatus, i64)> {
    use DeploymentStatus::{Building, Crashed, Deploying, Failed, Initializing, Skipped, Success};
    let start = [(Initializing, 0), (Building, record.building_after_ms)];
    let deploying = (Deploying, record.deploying_after_ms);
    let done = record.done_after_ms;
    match (record.outcome, record.healthcheck_timeout_ms) {
        (DeploymentOutcome::Skipped, _) => vec![(Skipped, 0)],
        (DeploymentOutcome::Failed, _) => {
            vec![start[0], start[1], (Failed, record.deploying_after_ms)]
        }
        (DeploymentOutcome::Crashed, _) => vec![start[0], start[1], deploying, (Crashed, done)],
        // R44: with a health check, DEPLOYING lasts until it answers; an unhealthy service never
        // does and fails once the timeout has passed since the container started.
        (DeploymentOutcome::Unhealthy, Some(timeout_ms)) => {
            let gives_up = done.max(record.deploying_after_ms + timeout_ms);
            vec![start[0], start[1], deploying, (Failed, gives_up)]
        }
        // R44: without a health check nothing is waited for: SUCCESS once the container starts.
        (DeploymentOutcome::Success | DeploymentOutcome::Unhealthy, _) => {
            vec![start[0], start[1], deploying, (Success, done)]
        }
    }
}

/// The status the record's own timeline gives at `now`, ignoring any removal.
pub(crate) fn natural_phase(record: &DeploymentHistoryRecord, now: DateTime<Utc>) -> Phase {
    let created = parse_time(&record.created_at);
    let elapsed = now.signed_duration_since(created).num_milliseconds();
    let phases = phases(record);
    let (status, start_ms) = phases
        .iter()
        .copied()
        .take_while(|(_, start_ms)| *start_ms <= elapsed)
        .last()
        .or_else(|| phases.first().copied())
        .unwrap_or((DeploymentStatus::Initializing, 0));
    Phase {
        status,
        since: after(created, start_ms),
    }
}

/// When the record's timeline goes live for good (SUCCESS), if it leads there at all.
pub(crate) fn goes_live_at(record: &DeploymentHistoryRecord) -> Option<DateTime<Utc>> {
    let created = parse_time(&record.created_at);
    phases(record)
        .last()
        .filter(|(status, _)| *status == DeploymentStatus::Success)
        .map(|(_, start_ms)| after(created, *start_ms))
}

/// Still on its way (initializing, building or deploying): a newer deployment aborts it.
pub(crate) fn in_progress(status: DeploymentStatus) -> bool {
    matches!(
        status,
        DeploymentStatus::Initializing
            | DeploymentStatus::Queued
            | DeploymentStatus::Waiting
            | DeploymentStatus::Building
            | DeploymentStatus::Deploying
    )
}

/// R38: the build has not finished, so redeploying it is refused.
pub(crate) fn still_building(status: DeploymentStatus) -> bool {
    in_progress(status) && status != DeploymentStatus::Deploying
}

/// Running or was running when last seen: a newer live deployment replaces it.
pub(crate) fn ran(status: DeploymentStatus) -> bool {
    matches!(
        status,
        DeploymentStatus::Success | DeploymentStatus::Crashed | DeploymentStatus::Sleeping
    )
}

/// REMOVING lasts a quarter of the deployment's own build-to-live time, so that a sandbox with a
/// zero deploy time (seeds) removes at once. A guess: Railway does not document it.
fn removing_ms(record: &DeploymentHistoryRecord) -> i64 {
    record.done_after_ms / 4
}

/// The status at `now`, given when (if ever) the deployment is removed (R42).
pub(crate) fn phase_at(
    record: &DeploymentHistoryRecord,
    removal: Option<Removal>,
    now: DateTime<Utc>,
) -> Phase {
    match removal {
        Some(removal) if removal.at <= now => {
            let removed = after(removal.at, removing_ms(record));
            if now < removed {
                Phase {
                    status: DeploymentStatus::Removing,
                    since: removal.at,
                }
            } else {
                Phase {
                    status: DeploymentStatus::Removed,
                    since: removed,
                }
            }
        }
        _ => natural_phase(record, now),
    }
}

/// The state of each replica for a deployment status. Guesses beyond Railway's enum names:
/// replicas exist from DEPLOYING on; a build that failed or was skipped never ran any.
pub(crate) fn replica_status(
    status: DeploymentStatus,
    stopped: bool,
) -> Option<DeploymentInstanceStatus> {
    match status {
        DeploymentStatus::Deploying => Some(DeploymentInstanceStatus::Initializing),
        DeploymentStatus::Success if stopped => Some(DeploymentInstanceStatus::Exited),
        DeploymentStatus::Success => Some(DeploymentInstanceStatus::Running),
        DeploymentStatus::Crashed => Some(DeploymentInstanceStatus::Crashed),
        DeploymentStatus::Sleeping => Some(DeploymentInstanceStatus::Stopped),
        DeploymentStatus::Removing => Some(DeploymentInstanceStatus::Removing),
        DeploymentStatus::Removed => Some(DeploymentInstanceStatus::Removed),
        _ => None,
    }
}

/// `canRedeploy`: Railway's CLI reads false as "currently building, deploying, or removed".
pub(crate) fn can_redeploy(status: DeploymentStatus) -> bool {
    matches!(
        status,
        DeploymentStatus::Success
            | DeploymentStatus::Failed
            | DeploymentStatus::Crashed
            | DeploymentStatus::Sleeping
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        outcome: DeploymentOutcome,
        healthcheck_timeout_ms: Option<i64>,
    ) -> DeploymentHistoryRecord {
        DeploymentHistoryRecord {
            id: "d".into(),
            service_id: "s".into(),
            environment_id: "e".into(),
            project_id: "p".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            building_after_ms: 100,
            deploying_after_ms: 600,
            done_after_ms: 1000,
            outcome,
            healthcheck_timeout_ms,
            removed_at: None,
            instance_ids: vec!["r".into()],
            cron: false,
            meta: serde_json::Value::Null,
        }
    }

    fn status_after(record: &DeploymentHistoryRecord, ms: i64) -> DeploymentStatus {
        let now = after(parse_time(&record.created_at), ms);
        natural_phase(record, now).status
    }

    #[test]
    fn a_successful_deployment_walks_every_phase_in_order() {
        let r = record(DeploymentOutcome::Success, None);
        let seen: Vec<_> = [0, 99, 100, 599, 600, 999, 1000, 5000]
            .iter()
            .map(|ms| status_after(&r, *ms))
            .collect();
        use DeploymentStatus::*;
        assert_eq!(
            seen,
            [
                Initializing,
                Initializing,
                Building,
                Building,
                Deploying,
                Deploying,
                Success,
                Success
            ]
        );
    }

    #[test]
    fn an_unhealthy_deployment_with_a_check_fails_after_the_timeout() {
        let r = record(DeploymentOutcome::Unhealthy, Some(3000));
        assert_eq!(status_after(&r, 3599), DeploymentStatus::Deploying);
        assert_eq!(status_after(&r, 3600), DeploymentStatus::Failed);
        let unchecked = record(DeploymentOutcome::Unhealthy, None);
        assert_eq!(status_after(&unchecked, 1000), DeploymentStatus::Success);
    }

    #[test]
    fn a_zero_timeline_is_over_at_once() {
        let mut r = record(DeploymentOutcome::Success, None);
        (r.building_after_ms, r.deploying_after_ms, r.done_after_ms) = (0, 0, 0);
        assert_eq!(status_after(&r, 0), DeploymentStatus::Success);
        let removal = Removal {
            at: parse_time(&r.created_at),
            superseded: true,
        };
        assert_eq!(
            phase_at(&r, Some(removal), removal.at).status,
            DeploymentStatus::Removed
        );
    }
}
