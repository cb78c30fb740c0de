//! Stored records of volumes: the volume, its per-environment instances with their backup
//! schedules, and backups, plus the enums the schema shares with them. Plain data only.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum VolumeState {
    Deleted,
    Deleting,
    Error,
    Migrating,
    MigrationPending,
    #[default]
    Ready,
    Restoring,
    Updating,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum VolumeInstanceBackupScheduleKind {
    Daily,
    Monthly,
    Weekly,
}

impl VolumeInstanceBackupScheduleKind {
    pub(crate) fn cron(self) -> &'static str {
        match self {
            Self::Daily => "0 0 * * *",
            Self::Weekly => "0 0 * * 0",
            Self::Monthly => "0 0 1 * *",
        }
    }

    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Self::Daily => "Daily",
            Self::Weekly => "Weekly",
            Self::Monthly => "Monthly",
        }
    }

    /// Railway keeps daily backups 6 days, weekly ones a month and monthly ones 3 months.
    pub(crate) fn retention_seconds(self) -> i64 {
        const DAY: i64 = 24 * 60 * 60;
        match self {
            Self::Daily => 6 * DAY,
            Self::Weekly => 30 * DAY,
            Self::Monthly => 90 * DAY,
        }
    }

    /// The blob's spelling (`"DAILY"`), the same as the GraphQL enum value.
    pub(crate) fn config_name(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VolumeRecord {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub created_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BackupScheduleRecord {
    pub id: String,
    pub kind: VolumeInstanceBackupScheduleKind,
    pub created_at: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VolumeInstanceRecord {
    pub id: String,
    pub volume_id: String,
    pub service_id: Option<String>,
    pub environment_id: String,
    pub mount_path: String,
    #[serde(rename = "sizeMB")]
    pub size_mb: i32,
    #[serde(rename = "currentSizeMB")]
    pub current_size_mb: f64,
    pub region: Option<String>,
    pub state: VolumeState,
    #[serde(default)]
    pub schedules: Vec<BackupScheduleRecord>,
    pub created_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BackupRecord {
    pub id: String,
    pub volume_instance_id: String,
    pub external_id: String,
    pub name: Option<String>,
    pub created_at: String,
    /// `None` once locked: a locked backup never expires.
    pub expires_at: Option<String>,
    pub schedule_id: Option<String>,
    #[serde(rename = "usedMB")]
    pub used_mb: i32,
    #[serde(rename = "referencedMB")]
    pub referenced_mb: i32,
    #[serde(rename = "volumeInstanceSizeMB")]
    pub volume_instance_size_mb: i32,
    pub creator_id: Option<String>,
    /// When its creating workflow completes; the backup is invisible before (RFC 3339).
    #[serde(default)]
    pub ready_at: Option<String>,
}

/// Progress of a long-running Railway job; spelled in PascalCase like upstream.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "PascalCase")]
pub(crate) enum WorkflowStatus {
    Complete,
    Error,
    NotFound,
    Running,
}
