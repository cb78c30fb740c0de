//! Stored records of the deployment history: one record per deployment ever started, with the
//! timeline its status is read from and the outcome it is heading for. Plain data only: the
//! status itself is never stored, `store::deployments` computes it from the clock when read.

use std::fmt;
use std::str::FromStr;

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

/// Where a deployment's lifecycle ends (R42), as `--deploy-outcome SERVICE=OUTCOME` and
/// `POST /_sandbox/deployments/outcome` name it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentOutcome {
    /// INITIALIZING → BUILDING → DEPLOYING → SUCCESS.
    #[default]
    Success,
    /// The build fails: INITIALIZING → BUILDING → FAILED.
    Failed,
    /// The container starts and dies: … → DEPLOYING → CRASHED.
    Crashed,
    /// Never built (CI failed, watch paths unmatched): SKIPPED at once.
    Skipped,
    /// The health check never answers: with a `healthcheckPath`, DEPLOYING until the
    /// (scaled) `healthcheckTimeout`, then FAILED; without one, SUCCESS as nothing is checked.
    Unhealthy,
}

impl DeploymentOutcome {
    pub const NAMES: &'static str = "SUCCESS, FAILED, CRASHED, SKIPPED or UNHEALTHY";
}

impl fmt::Display for DeploymentOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Crashed => "CRASHED",
            Self::Skipped => "SKIPPED",
            Self::Unhealthy => "UNHEALTHY",
        })
    }
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error(
    "unknown deployment outcome {given:?}: expected {}",
    DeploymentOutcome::NAMES
)]
pub struct UnknownOutcome {
    pub given: String,
}

impl FromStr for DeploymentOutcome {
    type Err = UnknownOutcome;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "SUCCESS" => Ok(Self::Success),
            "FAILED" => Ok(Self::Failed),
            "CRASHED" => Ok(Self::Crashed),
            "SKIPPED" => Ok(Self::Skipped),
            "UNHEALTHY" => Ok(Self::Unhealthy),
            _ => Err(UnknownOutcome {
                given: text.to_string(),
            }),
        }
    }
}

/// One deployment of one service instance. Phase offsets are milliseconds after `created_at`.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentHistoryRecord {
    pub id: String,
    pub service_id: String,
    pub environment_id: String,
    pub project_id: String,
    pub created_at: String,
    pub building_after_ms: i64,
    pub deploying_after_ms: i64,
    pub done_after_ms: i64,
    pub outcome: DeploymentOutcome,
    /// Set when the instance had a `healthcheckPath`: how long (already scaled) an unhealthy
    /// deployment stays DEPLOYING, counted from the start of DEPLOYING.
    pub healthcheck_timeout_ms: Option<i64>,
    /// Aborted (a newer deployment started while this one was in progress): REMOVING from then.
    pub removed_at: Option<String>,
    /// Ids of the replicas it runs (`instances { id }`), one per replica at creation.
    pub instance_ids: Vec<String>,
    /// The instance had a `cronSchedule`: a successful run exits (`deploymentStopped`).
    pub cron: bool,
    /// `Deployment.meta`: what was deployed and why.
    pub meta: serde_json::Value,
}

/// Upstream `DeploymentInstanceStatus`: the state of one replica of a deployment.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeploymentInstanceStatus {
    Crashed,
    Created,
    Exited,
    Initializing,
    Removed,
    Removing,
    Restarting,
    Running,
    Skipped,
    Stopped,
}

/// One off-schedule run of a cron service (`deploymentInstanceExecutionCreate`), recorded against
/// the deployment that was running when it was asked for.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionRecord {
    pub id: String,
    pub deployment_id: String,
    pub service_id: String,
    pub environment_id: String,
    pub created_at: String,
}
