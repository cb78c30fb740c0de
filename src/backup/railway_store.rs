//! [`BackupStore`] over Railway's API: every call goes through [`Client::post`], whose retry classes
//! decide what may be resent (a backup create that may have reached Railway never is).
//! Translates Railway's answers and errors; decides nothing.

use chrono::{DateTime, Utc};

use super::limit;
use super::retention::BackupRecord;
use super::store::{BackupStore, StoreError, WorkflowState};
use crate::railway::Client;
use crate::railway::Error as RailwayError;
use crate::railway::ops::{
    VolumeInstanceBackupCreate, VolumeInstanceBackupDelete, VolumeInstanceBackups, WorkflowStatus,
    volume_instance_backup_create, volume_instance_backup_delete, volume_instance_backups,
    workflow_status,
};

/// Backups of Railway volume instances, through one shared client.
#[derive(Debug, Clone)]
pub struct RailwayStore {
    client: Client,
}

impl RailwayStore {
    pub fn new(client: Client) -> Self {
        RailwayStore { client }
    }
}

fn store_error(error: RailwayError) -> StoreError {
    match &error {
        RailwayError::NotFound { .. } => StoreError::NotFound(error.to_string()),
        RailwayError::RateLimited { .. } | RailwayError::Transient { .. } => {
            StoreError::Transient {
                maybe_applied: error.maybe_applied(),
                message: error.to_string(),
            }
        }
        RailwayError::Unauthorized { .. }
        | RailwayError::AlreadyExists { .. }
        | RailwayError::Terminal { .. }
        | RailwayError::CannotDecrypt { .. }
        | RailwayError::Fenced { .. } => StoreError::Rejected(error.to_string()),
    }
}

/// A create error: Railway's refusal for the 50 % limit is told apart whatever class its text
/// would otherwise get (R25), so it is never retried as if it were transient.
fn create_error(error: RailwayError) -> StoreError {
    let message = error.to_string();
    if limit::is_refusal(&message) {
        StoreError::VolumeTooFull(message)
    } else {
        store_error(error)
    }
}

fn timestamp(field: &str, value: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            StoreError::Rejected(format!("backup {field} {value:?} is not a timestamp: {e}"))
        })
}

impl BackupStore for RailwayStore {
    async fn list(&self, volume_instance_id: &str) -> Result<Vec<BackupRecord>, StoreError> {
        let data = self
            .client
            .post::<VolumeInstanceBackups>(volume_instance_backups::Variables {
                volume_instance_id: volume_instance_id.to_string(),
            })
            .await
            .map_err(store_error)?;
        data.volume_instance_backup_list
            .into_iter()
            .map(|backup| {
                Ok(BackupRecord {
                    created_at: timestamp("createdAt", &backup.created_at)?,
                    expires_at: backup
                        .expires_at
                        .as_deref()
                        .map(|t| timestamp("expiresAt", t))
                        .transpose()?,
                    id: backup.id,
                    name: backup.name.unwrap_or_default(),
                    schedule_id: backup.schedule_id,
                    creator_id: backup.creator_id,
                })
            })
            .collect()
    }

    async fn create(
        &self,
        volume_instance_id: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let data = self
            .client
            .post::<VolumeInstanceBackupCreate>(volume_instance_backup_create::Variables {
                volume_instance_id: volume_instance_id.to_string(),
                name: Some(name.to_string()),
            })
            .await
            .map_err(create_error)?;
        Ok(data.volume_instance_backup_create.workflow_id)
    }

    async fn workflow_status(&self, workflow_id: &str) -> Result<WorkflowState, StoreError> {
        let data = self
            .client
            .post::<WorkflowStatus>(workflow_status::Variables {
                workflow_id: workflow_id.to_string(),
            })
            .await
            .map_err(store_error)?;
        let result = data.workflow_status;
        Ok(match result.status {
            workflow_status::WorkflowStatus::Complete => WorkflowState::Complete,
            workflow_status::WorkflowStatus::Running => WorkflowState::Running,
            workflow_status::WorkflowStatus::NotFound => WorkflowState::NotFound,
            workflow_status::WorkflowStatus::Error => {
                WorkflowState::Error(result.error.unwrap_or_else(|| "no reason given".into()))
            }
            workflow_status::WorkflowStatus::Other(other) => {
                WorkflowState::Error(format!("unknown workflow status {other}"))
            }
        })
    }

    async fn delete(&self, volume_instance_id: &str, backup_id: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .post::<VolumeInstanceBackupDelete>(volume_instance_backup_delete::Variables {
                volume_instance_backup_id: backup_id.to_string(),
                volume_instance_id: volume_instance_id.to_string(),
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            // R37: `Not Authorized` also answers a delete of a backup already gone (a retry
            // after a lost answer); the list settles it.
            Err(denied @ RailwayError::Unauthorized { .. }) => {
                let listed = self.list(volume_instance_id).await?;
                if listed.iter().any(|b| b.id == backup_id) {
                    Err(store_error(denied))
                } else {
                    Ok(())
                }
            }
            Err(error) => Err(store_error(error)),
        }
    }
}
