//! Backups the operator started and has not seen finish yet (R26: they take seconds to
//! minutes), with the workflow to follow, so a later run follows that workflow instead of
//! creating a second backup. In memory, and, with a [`Journal`], also where a restarted
//! replica finds them (the lock database, or the inventory): the first look at a volume
//! instance loads what the journal holds for it. The runner reads and writes it; a journal that
//! fails is warned about and the memory carries on.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use super::naming::{self, BackupOrigin};

/// A journal's answer: `Err` is a sentence for the log.
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Where running backups outlive the process. Keyed by volume instance (ids are unique).
pub trait Journal: Send + Sync {
    /// The running backups recorded for the volume instance.
    fn load<'a>(&'a self, volume_instance_id: &'a str) -> JournalFuture<'a, Vec<RunningBackup>>;
    /// Records one as running (replacing an entry of the same name).
    fn record<'a>(&'a self, backup: &'a RunningBackup) -> JournalFuture<'a, ()>;
    /// Forgets one that finished, failed or vanished.
    fn forget<'a>(&'a self, volume_instance_id: &'a str, name: &'a str) -> JournalFuture<'a, ()>;
}

/// One backup being taken on a volume instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningBackup {
    pub volume_instance_id: String,
    pub name: String,
    /// Railway's `workflowId` for it; `None` when Railway gave none (or its answer was lost),
    /// and the list shows when it is done.
    pub workflow_id: Option<String>,
}

/// The operator's running backups. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct InFlight {
    running: Mutex<Vec<RunningBackup>>,
    journal: Option<Arc<dyn Journal>>,
    /// Volume instances whose journal entries are in memory already.
    loaded: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight")
            .field("running", &self.all())
            .field("journaled", &self.journal.is_some())
            .finish()
    }
}

impl InFlight {
    pub fn new() -> Self {
        InFlight::default()
    }

    /// Running backups kept in `journal` too, so that a restarted replica follows them.
    pub fn journaled(journal: Arc<dyn Journal>) -> Self {
        InFlight {
            journal: Some(journal),
            ..InFlight::default()
        }
    }

    /// [`InFlight::running_for`], after loading the journal's entries for the volume instance
    /// the first time it is asked about (R26: a backup a replica before a restart left running).
    pub async fn follow(
        &self,
        volume_instance_id: &str,
        origin: &BackupOrigin,
    ) -> Option<RunningBackup> {
        if let Some(journal) = &self.journal {
            let first = self
                .loaded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(volume_instance_id.to_string());
            if first {
                match journal.load(volume_instance_id).await {
                    Ok(found) => {
                        let mut running = self.running();
                        for backup in found {
                            if !running.contains(&backup) {
                                tracing::info!(backup = %backup.name, "a backup started before a restart is still recorded as running; following it");
                                running.push(backup);
                            }
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the running backups recorded before a restart");
                        self.loaded
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(volume_instance_id);
                    }
                }
            }
        }
        self.running_for(volume_instance_id, origin)
    }

    /// [`InFlight::start`], recorded in the journal too.
    pub async fn started(&self, backup: RunningBackup) {
        self.start(backup.clone());
        if let Some(journal) = &self.journal
            && let Err(error) = journal.record(&backup).await
        {
            tracing::warn!(backup = %backup.name, %error, "cannot record the running backup where a restarted replica would find it");
        }
    }

    /// [`InFlight::finish`], forgotten by the journal too.
    pub async fn finished(&self, volume_instance_id: &str, name: &str) {
        self.finish(volume_instance_id, name);
        if let Some(journal) = &self.journal
            && let Err(error) = journal.forget(volume_instance_id, name).await
        {
            tracing::warn!(backup = %name, %error, "cannot remove the finished backup from the running ones recorded");
        }
    }

    fn running(&self) -> MutexGuard<'_, Vec<RunningBackup>> {
        // Entries are replaced whole, never half-written: a poisoned lock still holds a valid list.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `backup` as running, replacing an entry of the same volume instance and name.
    pub fn start(&self, backup: RunningBackup) {
        let mut running = self.running();
        running
            .retain(|b| b.volume_instance_id != backup.volume_instance_id || b.name != backup.name);
        running.push(backup);
    }

    /// The earliest running backup of `origin` on the volume instance.
    pub fn running_for(
        &self,
        volume_instance_id: &str,
        origin: &BackupOrigin,
    ) -> Option<RunningBackup> {
        self.running()
            .iter()
            .find(|b| {
                b.volume_instance_id == volume_instance_id
                    && naming::parse(&b.name).is_some_and(|n| &n.origin == origin)
            })
            .cloned()
    }

    /// Forgets a backup that finished (or failed, or vanished).
    pub fn finish(&self, volume_instance_id: &str, name: &str) {
        self.running()
            .retain(|b| b.volume_instance_id != volume_instance_id || b.name != name);
    }

    /// Every running backup, earliest first.
    pub fn all(&self) -> Vec<RunningBackup> {
        self.running().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::naming::ScheduleId;
    use chrono::{TimeZone, Utc};

    fn running(volume_instance_id: &str, origin: &BackupOrigin, hour: u32) -> RunningBackup {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, hour, 0, 0).unwrap();
        RunningBackup {
            volume_instance_id: volume_instance_id.into(),
            name: naming::format(origin, at),
            workflow_id: Some(format!("wf-{hour}")),
        }
    }

    #[test]
    fn a_running_backup_is_found_for_its_own_volume_and_schedule_only() {
        let daily = BackupOrigin::Schedule(ScheduleId::new("0 3 * * *", None));
        let hourly = BackupOrigin::Schedule(ScheduleId::new("0 * * * *", None));
        let in_flight = InFlight::new();
        in_flight.start(running("vi-1", &daily, 3));
        in_flight.start(running("vi-1", &daily, 4));
        assert_eq!(
            in_flight
                .running_for("vi-1", &daily)
                .and_then(|b| b.workflow_id),
            Some("wf-3".into())
        );
        assert_eq!(in_flight.running_for("vi-2", &daily), None);
        assert_eq!(in_flight.running_for("vi-1", &hourly), None);
        in_flight.finish("vi-1", &running("vi-1", &daily, 3).name);
        assert_eq!(in_flight.all().len(), 1);
    }
}
