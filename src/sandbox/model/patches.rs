//! Stored records of environment patches: the one staged patch per environment (R17) and
//! copies still "applying" in the background (R3). Plain data only: no merging, no rules.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

/// Where Railway places a new service instance when nothing else is said (R20).
pub(crate) const DEFAULT_REGION: &str = "us-west2";

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum EnvironmentPatchStatus {
    Applying,
    Committed,
    Staged,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StagedPatchRecord {
    pub id: String,
    pub environment_id: String,
    /// An EnvironmentConfig-shaped patch; nulls are kept (they are instructions).
    pub patch: serde_json::Value,
    pub status: EnvironmentPatchStatus,
    pub message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// A background copy (R3) reads `APPLYING` until this instant (RFC 3339), then its `status`.
    #[serde(default)]
    pub applying_until: Option<String>,
}

/// One `environmentApplyChangeSet` (Railway's IaC), as `environmentChangeSetApply` reads it back.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangeSetApplyRecord {
    pub id: String,
    pub environment_id: String,
    /// Railway's vocabulary: `staged | applying | applied | partially_applied | failed`.
    pub status: String,
    pub deployment_id: Option<String>,
    pub changes: Vec<ChangeOutcomeRecord>,
    pub created_at: String,
}

/// What became of one change of a change set.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangeOutcomeRecord {
    pub kind: String,
    pub path: Option<String>,
    pub summary: Option<String>,
    /// `applied`, or `skipped` for a field the sandbox does not emulate.
    pub status: String,
}
