//! Backups the operator started and has not seen finish yet (R26: they take seconds to
//! minutes), with the workflow to follow, so a later run follows that workflow instead of
//! creating a second backup. In memory, for one process; the runner reads and writes it.

use std::sync::{Mutex, MutexGuard};

use super::naming::{self, BackupOrigin};

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
#[derive(Debug, Default)]
pub struct InFlight {
    running: Mutex<Vec<RunningBackup>>,
}

impl InFlight {
    pub fn new() -> Self {
        InFlight::default()
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
