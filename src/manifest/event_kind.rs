//! The names of the events a manifest's notifications filter on (`spec.notifications[].events`):
//! the kinds, their wire names and parsing. Plain data; what an event carries lives in `notify`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Every event kind, as `spec.notifications[].events` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EventKind {
    /// An apply changed something (the plan summary is in the details).
    #[serde(rename = "applied")]
    Applied,
    /// Report mode found live state differing from the manifest.
    #[serde(rename = "drift.detected")]
    DriftDetected,
    #[serde(rename = "reconcile.failed")]
    ReconcileFailed,
    /// The project cannot progress without a person (invalid manifest, lost lease, ...).
    #[serde(rename = "reconcile.stalled")]
    Stalled,
    /// A project that failed or stalled reconciles again.
    #[serde(rename = "reconcile.recovered")]
    ReconcileRecovered,
    /// The latest deployment of a service instance ended FAILED or CRASHED (R42).
    #[serde(rename = "deployment.failed")]
    DeploymentFailed,
    /// A service instance whose latest deployment had failed is healthy again.
    #[serde(rename = "deployment.recovered")]
    DeploymentRecovered,
    /// The operator redeployed the last successful deployment (`deploy.onFailure: rollback`).
    #[serde(rename = "deployment.rolled-back")]
    RolledBack,
    #[serde(rename = "backup.failed")]
    BackupFailed,
    #[serde(rename = "volume.usage-warning")]
    VolumeUsageWarning,
    /// Someone staged changes in an environment, so the operator holds its writes there (R17).
    #[serde(rename = "changes.held")]
    WritesHeld,
    /// The operator deleted a preview environment: past `spec.previews.expireAfter`, or a
    /// branch preview whose branch is gone.
    #[serde(rename = "preview.deleted")]
    PreviewDeleted,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Applied,
        EventKind::DriftDetected,
        EventKind::ReconcileFailed,
        EventKind::Stalled,
        EventKind::ReconcileRecovered,
        EventKind::DeploymentFailed,
        EventKind::DeploymentRecovered,
        EventKind::RolledBack,
        EventKind::BackupFailed,
        EventKind::VolumeUsageWarning,
        EventKind::WritesHeld,
        EventKind::PreviewDeleted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Applied => "applied",
            EventKind::DriftDetected => "drift.detected",
            EventKind::ReconcileFailed => "reconcile.failed",
            EventKind::Stalled => "reconcile.stalled",
            EventKind::ReconcileRecovered => "reconcile.recovered",
            EventKind::DeploymentFailed => "deployment.failed",
            EventKind::DeploymentRecovered => "deployment.recovered",
            EventKind::RolledBack => "deployment.rolled-back",
            EventKind::BackupFailed => "backup.failed",
            EventKind::VolumeUsageWarning => "volume.usage-warning",
            EventKind::WritesHeld => "changes.held",
            EventKind::PreviewDeleted => "preview.deleted",
        }
    }

    /// True for kinds that say something is wrong (a GitHub status `failure`, a red Slack line).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            EventKind::DriftDetected
                | EventKind::ReconcileFailed
                | EventKind::Stalled
                | EventKind::DeploymentFailed
                | EventKind::BackupFailed
                | EventKind::VolumeUsageWarning
                | EventKind::WritesHeld
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event {given:?}")]
pub struct UnknownEvent {
    pub given: String,
}

impl FromStr for EventKind {
    type Err = UnknownEvent;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| UnknownEvent {
                given: text.to_string(),
            })
    }
}
