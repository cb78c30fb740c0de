//! Volume backups, backup schedules and the workflows that create and delete backups, on the
//! sandbox store. A backup becomes visible when its workflow completes. Nothing here knows
//! about GraphQL; workflows live in memory only.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rand::Rng;
use serde_json::json;

use super::volumes::generated_name;
use super::{DomainError, Store};
use crate::sandbox::model::{
    BackupRecord, BackupScheduleRecord, VolumeInstanceBackupScheduleKind, WorkflowStatus, new_id,
    now_rfc3339,
};

/// Who the sandbox says created a manual backup.
pub(crate) const SANDBOX_CREATOR_ID: &str = "sandbox-user";
/// Manual backups expire after 30 days unless locked.
const MANUAL_BACKUP_RETENTION_DAYS: i64 = 30;

/// In-memory workflows: each completes at a known instant.
#[derive(Debug, Default)]
pub(crate) struct Workflows {
    complete_at: HashMap<String, DateTime<Utc>>,
}

impl Workflows {
    pub(super) fn start(&mut self, complete_at: DateTime<Utc>) -> String {
        let id = new_id();
        self.complete_at.insert(id.clone(), complete_at);
        id
    }

    pub(crate) fn status(&self, id: &str, now: DateTime<Utc>) -> WorkflowStatus {
        match self.complete_at.get(id) {
            None => WorkflowStatus::NotFound,
            Some(done) if now < *done => WorkflowStatus::Running,
            Some(_) => WorkflowStatus::Complete,
        }
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The expiry `retention` after `created_at`, or `None` when the creation time is unreadable.
pub(crate) fn expiry(created_at: &str, retention: TimeDelta) -> Option<String> {
    let created = DateTime::parse_from_rfc3339(created_at).ok()?;
    Some(rfc3339(created.with_timezone(&Utc) + retention))
}

pub(crate) fn manual_retention() -> TimeDelta {
    TimeDelta::days(MANUAL_BACKUP_RETENTION_DAYS)
}

/// Small plausible sizes: a backup of a volume holds a few megabytes in the sandbox.
fn backup_sizes() -> (i32, i32) {
    let mut rng = rand::rng();
    let used = rng.random_range(1..=64);
    (used, used + rng.random_range(0..=16))
}

/// A backup as a seed file or the API creates it.
pub(crate) struct NewBackup {
    pub volume_instance_id: String,
    pub name: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub schedule_id: Option<String>,
    pub creator_id: Option<String>,
    pub ready_at: Option<String>,
}

impl Store {
    /// Replaces the instance's schedules with exactly `kinds`; backups are untouched.
    pub(crate) fn set_backup_schedules(
        &mut self,
        volume_instance_id: &str,
        kinds: &[VolumeInstanceBackupScheduleKind],
    ) -> Result<(), DomainError> {
        let instance = self.live_volume_instance_mut(volume_instance_id)?;
        let mut wanted: Vec<VolumeInstanceBackupScheduleKind> = kinds.to_vec();
        wanted.sort();
        wanted.dedup();
        instance.schedules.retain(|s| wanted.contains(&s.kind));
        for kind in wanted {
            if !instance.schedules.iter().any(|s| s.kind == kind) {
                instance.schedules.push(BackupScheduleRecord {
                    id: new_id(),
                    kind,
                    created_at: now_rfc3339(),
                });
            }
        }
        instance.schedules.sort_by_key(|s| s.kind);
        Ok(())
    }

    pub(crate) fn backup_schedules(
        &self,
        volume_instance_id: &str,
    ) -> Result<Vec<BackupScheduleRecord>, DomainError> {
        Ok(self
            .live_volume_instance(volume_instance_id)?
            .schedules
            .clone())
    }

    /// Adds a backup record as given (the seed file and [`Self::start_backup`] both use it).
    pub(crate) fn add_backup(&mut self, new: NewBackup) -> Result<BackupRecord, DomainError> {
        let size_mb = self.live_volume_instance(&new.volume_instance_id)?.size_mb;
        let (used_mb, referenced_mb) = backup_sizes();
        let record = BackupRecord {
            id: new_id(),
            volume_instance_id: new.volume_instance_id,
            external_id: new_id(),
            name: Some(new.name.unwrap_or_else(generated_name)),
            created_at: new.created_at,
            expires_at: new.expires_at,
            schedule_id: new.schedule_id,
            used_mb,
            referenced_mb,
            volume_instance_size_mb: size_mb,
            creator_id: new.creator_id,
            ready_at: new.ready_at,
        };
        self.state.volume_backups.push(record.clone());
        Ok(record)
    }

    /// Starts a manual backup; returns its workflow id. The backup shows once that completes.
    pub(crate) fn start_backup(
        &mut self,
        volume_instance_id: &str,
        name: Option<String>,
    ) -> Result<String, DomainError> {
        let instance = self.live_volume_instance(volume_instance_id)?;
        // R25: Railway refuses manual backups once data exceeds half the volume.
        if instance.current_size_mb > f64::from(instance.size_mb) / 2.0 {
            return Err(DomainError::BackupVolumeTooFull);
        }
        let now = Utc::now();
        let complete_at = now + TimeDelta::from_std(self.backup_duration).unwrap_or_default();
        let created_at = rfc3339(now);
        self.add_backup(NewBackup {
            volume_instance_id: volume_instance_id.to_string(),
            // Railway names a manual backup `Manual` unless told otherwise.
            name: Some(name.unwrap_or_else(|| "Manual".to_string())),
            expires_at: expiry(&created_at, manual_retention()),
            created_at,
            schedule_id: None,
            creator_id: Some(SANDBOX_CREATOR_ID.to_string()),
            ready_at: Some(rfc3339(complete_at)),
        })?;
        Ok(self.workflows.start(complete_at))
    }

    /// R26 (test knob): the instance's `kind` schedule fires now. Its backup takes the backup
    /// duration like a manual one and expires after the schedule's documented retention.
    pub(crate) fn run_backup_schedule(
        &mut self,
        volume_instance_id: &str,
        kind: VolumeInstanceBackupScheduleKind,
    ) -> Result<BackupRecord, DomainError> {
        let schedule_id = self
            .live_volume_instance(volume_instance_id)?
            .schedules
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.id.clone())
            .ok_or(DomainError::BackupScheduleNotFound)?;
        let now = Utc::now();
        let complete_at = now + TimeDelta::from_std(self.backup_duration).unwrap_or_default();
        let created_at = rfc3339(now);
        self.add_backup(NewBackup {
            volume_instance_id: volume_instance_id.to_string(),
            name: Some(kind.display_name().to_string()),
            expires_at: expiry(&created_at, TimeDelta::seconds(kind.retention_seconds())),
            created_at,
            schedule_id: Some(schedule_id),
            creator_id: None,
            ready_at: Some(rfc3339(complete_at)),
        })
    }

    /// The instance's backups whose creation has completed, oldest first.
    pub(crate) fn visible_backups(
        &self,
        volume_instance_id: &str,
    ) -> Result<Vec<BackupRecord>, DomainError> {
        self.live_volume_instance(volume_instance_id)?;
        let now = Utc::now();
        let ready = |backup: &BackupRecord| match &backup.ready_at {
            None => true,
            Some(at) => DateTime::parse_from_rfc3339(at).is_ok_and(|at| at <= now),
        };
        Ok(self
            .state
            .volume_backups
            .iter()
            .filter(|b| b.volume_instance_id == volume_instance_id && ready(b))
            .cloned()
            .collect())
    }

    fn backup_index(
        &self,
        backup_id: &str,
        volume_instance_id: &str,
    ) -> Result<usize, DomainError> {
        self.state
            .volume_backups
            .iter()
            .position(|b| b.id == backup_id && b.volume_instance_id == volume_instance_id)
            .ok_or(DomainError::BackupNotFound)
    }

    /// Deletes the backup at once; returns an already complete workflow's id.
    pub(crate) fn delete_backup(
        &mut self,
        backup_id: &str,
        volume_instance_id: &str,
    ) -> Result<String, DomainError> {
        let index = self.backup_index(backup_id, volume_instance_id)?;
        self.state.volume_backups.remove(index);
        Ok(self.workflows.start(Utc::now()))
    }

    /// Locking is one-way: the backup never expires from now on.
    pub(crate) fn lock_backup(
        &mut self,
        backup_id: &str,
        volume_instance_id: &str,
    ) -> Result<(), DomainError> {
        let index = self.backup_index(backup_id, volume_instance_id)?;
        if let Some(backup) = self.state.volume_backups.get_mut(index) {
            backup.expires_at = None;
        }
        Ok(())
    }

    /// `volumeInstanceBackupRestore` (R26): the restore is staged in the volume instance's
    /// environment (so it counts in `unmergedChangesCount` and takes effect when committed) and
    /// deletes the backups newer than the restored one. Guess: the staged key
    /// `volumes.<id>.restoreBackupId` is the sandbox's own; Railway's patch shape for a restore
    /// is not documented, and the sandbox keeps no data to swap. Returns a complete workflow.
    pub(crate) fn restore_backup(
        &mut self,
        backup_id: &str,
        volume_instance_id: &str,
    ) -> Result<String, DomainError> {
        let index = self.backup_index(backup_id, volume_instance_id)?;
        let restored_at = self
            .state
            .volume_backups
            .get(index)
            .map(|b| b.created_at.clone())
            .ok_or(DomainError::BackupNotFound)?;
        let (environment_id, volume_id) = self
            .state
            .volume_instances
            .iter()
            .find(|i| i.id == volume_instance_id)
            .map(|i| (i.environment_id.clone(), i.volume_id.clone()))
            .ok_or(DomainError::VolumeInstanceNotFound)?;
        let patch = json!({ "volumes": { volume_id: { "restoreBackupId": backup_id } } });
        self.stage_changes(&environment_id, patch, true)?;
        // R26: restoring deletes the backups newer than the restored one.
        self.state
            .volume_backups
            .retain(|b| b.volume_instance_id != volume_instance_id || b.created_at <= restored_at);
        Ok(self.workflows.start(Utc::now()))
    }

    pub(crate) fn workflow_status(&self, workflow_id: &str) -> WorkflowStatus {
        self.workflows.status(workflow_id, Utc::now())
    }
}
