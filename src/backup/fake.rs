//! An in-memory [`BackupStore`] for tests and demos, with switches to inject the failures the engine
//! must survive (lost creates, an unavailable API, failing deletes). Never used against Railway.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use chrono::{Duration, Utc};

use super::retention::BackupRecord;
use super::store::{BackupStore, StoreError, WorkflowState};

/// How long a backup the fake takes stays before Railway would expire it.
const EXPIRY_DAYS: i64 = 90;

#[derive(Debug, Default)]
struct State {
    backups: BTreeMap<String, Vec<BackupRecord>>,
    /// workflow id -> status polls still answered `Running`.
    workflows: BTreeMap<String, u32>,
    running_polls: u32,
    next_id: u64,
    failing_creates: u32,
    lost_creates: u32,
    unavailable: bool,
    failing_deletes: BTreeSet<String>,
    create_calls: u32,
    deleted: Vec<String>,
}

/// In-memory backups keyed by volume instance id. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct FakeStore {
    state: Mutex<State>,
}

impl FakeStore {
    pub fn new() -> Self {
        FakeStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the state from the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds an existing backup (someone else's, a locked one, an old own one).
    pub fn insert(&self, volume_instance_id: &str, backup: BackupRecord) {
        self.state()
            .backups
            .entry(volume_instance_id.to_string())
            .or_default()
            .push(backup);
    }

    pub fn backups(&self, volume_instance_id: &str) -> Vec<BackupRecord> {
        self.state()
            .backups
            .get(volume_instance_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Every new workflow answers `Running` this many times before `Complete`.
    pub fn set_running_polls(&self, polls: u32) {
        self.state().running_polls = polls;
    }

    /// The next `count` creates fail before reaching the store (nothing is created).
    pub fn fail_next_creates(&self, count: u32) {
        self.state().failing_creates = count;
    }

    /// The next `count` creates take effect but answer a failure that may have been applied.
    pub fn lose_next_creates(&self, count: u32) {
        self.state().lost_creates = count;
    }

    /// While true, every call fails as if Railway were down.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.state().unavailable = unavailable;
    }

    /// Deleting this backup fails.
    pub fn fail_delete_of(&self, backup_id: &str) {
        self.state().failing_deletes.insert(backup_id.to_string());
    }

    /// Create calls received, failed ones included.
    pub fn create_calls(&self) -> u32 {
        self.state().create_calls
    }

    /// Ids deleted so far, in order.
    pub fn deleted(&self) -> Vec<String> {
        self.state().deleted.clone()
    }
}

fn down() -> StoreError {
    StoreError::Transient {
        message: "fake store unavailable".into(),
        maybe_applied: false,
    }
}

impl BackupStore for FakeStore {
    async fn list(&self, volume_instance_id: &str) -> Result<Vec<BackupRecord>, StoreError> {
        if self.state().unavailable {
            return Err(down());
        }
        Ok(self.backups(volume_instance_id))
    }

    async fn create(
        &self,
        volume_instance_id: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut state = self.state();
        state.create_calls += 1;
        if state.unavailable {
            return Err(down());
        }
        if state.failing_creates > 0 {
            state.failing_creates -= 1;
            return Err(StoreError::Transient {
                message: "fake create refused".into(),
                maybe_applied: false,
            });
        }
        state.next_id += 1;
        let id = format!("backup-{}", state.next_id);
        let workflow = format!("workflow-{}", state.next_id);
        let created_at = Utc::now();
        state
            .backups
            .entry(volume_instance_id.to_string())
            .or_default()
            .push(BackupRecord::manual(
                &id,
                name,
                created_at,
                Some(created_at + Duration::days(EXPIRY_DAYS)),
            ));
        let polls = state.running_polls;
        state.workflows.insert(workflow.clone(), polls);
        if state.lost_creates > 0 {
            state.lost_creates -= 1;
            return Err(StoreError::Transient {
                message: "fake connection reset after the create".into(),
                maybe_applied: true,
            });
        }
        Ok(Some(workflow))
    }

    async fn workflow_status(&self, workflow_id: &str) -> Result<WorkflowState, StoreError> {
        let mut state = self.state();
        if state.unavailable {
            return Err(down());
        }
        Ok(match state.workflows.get_mut(workflow_id) {
            None => WorkflowState::NotFound,
            Some(0) => WorkflowState::Complete,
            Some(remaining) => {
                *remaining -= 1;
                WorkflowState::Running
            }
        })
    }

    async fn delete(&self, volume_instance_id: &str, backup_id: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.unavailable {
            return Err(down());
        }
        if state.failing_deletes.contains(backup_id) {
            return Err(StoreError::Rejected(format!(
                "fake refuses to delete {backup_id}"
            )));
        }
        let backups = state
            .backups
            .get_mut(volume_instance_id)
            .ok_or_else(|| StoreError::NotFound(format!("volume instance {volume_instance_id}")))?;
        let before = backups.len();
        backups.retain(|b| b.id != backup_id);
        if backups.len() == before {
            return Err(StoreError::NotFound(format!("backup {backup_id}")));
        }
        state.deleted.push(backup_id.to_string());
        Ok(())
    }
}
