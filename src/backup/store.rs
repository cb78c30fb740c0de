//! Where backups live, as the engine sees it: the [`BackupStore`] trait and its typed errors.
//! Implementations: [`super::railway_store::RailwayStore`] (Railway's API) and
//! [`super::fake::FakeStore`] (in memory). No policy here: retries and retention live in the runner.

use std::future::Future;

use super::retention::BackupRecord;

/// Progress of a Railway workflow (a backup being taken or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowState {
    Running,
    Complete,
    Error(String),
    /// Railway does not know the workflow (yet, or any more).
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The volume instance (or backup) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Worth trying again. `maybe_applied`: the request may have been carried out anyway.
    #[error("transient failure: {message}")]
    Transient {
        message: String,
        maybe_applied: bool,
    },
    /// R25: Railway refuses a manual backup of a volume more than half full. Not retryable: only
    /// growing or emptying the volume helps.
    #[error("volume too full for a manual backup: {0}")]
    VolumeTooFull(String),
    /// Refused for good (bad input, no access, unexpected answer).
    #[error("{0}")]
    Rejected(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Transient { .. })
    }

    pub fn maybe_applied(&self) -> bool {
        matches!(
            self,
            StoreError::Transient {
                maybe_applied: true,
                ..
            }
        )
    }
}

/// The backup operations the engine needs on one volume instance.
pub trait BackupStore: Send + Sync {
    /// Every backup of the volume instance, whoever took it.
    fn list(
        &self,
        volume_instance_id: &str,
    ) -> impl Future<Output = Result<Vec<BackupRecord>, StoreError>> + Send;

    /// Starts a backup named `name`; returns the workflow to follow, if Railway gave one.
    fn create(
        &self,
        volume_instance_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    fn workflow_status(
        &self,
        workflow_id: &str,
    ) -> impl Future<Output = Result<WorkflowState, StoreError>> + Send;

    /// Deletes one backup (the deletion itself may finish later, in Railway's workflow).
    fn delete(
        &self,
        volume_instance_id: &str,
        backup_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
