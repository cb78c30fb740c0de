//! What one scheduled backup job is for: a volume instance and one of its `backups.cron` entries.
//! Plain data; deciding when to run belongs to `scheduler`, how to run to `runner`.

use super::naming::ScheduleId;
use crate::manifest::desired::CronBackup;

/// Identifies a backup job across manifest reloads. The volume instance id is not part of it:
/// a re-created volume keeps its job.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct TargetKey {
    pub project: String,
    pub service: String,
    pub environment: String,
    pub schedule: String,
    /// IANA zone; `None` is UTC.
    pub timezone: Option<String>,
}

impl std::fmt::Display for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{} [{}]",
            self.project,
            self.environment,
            self.service,
            self.schedule_id()
        )
    }
}

impl TargetKey {
    pub fn schedule_id(&self) -> ScheduleId {
        ScheduleId::new(&self.schedule, self.timezone.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupTarget {
    pub key: TargetKey,
    pub volume_instance_id: String,
    pub volume_name: String,
    pub cron: CronBackup,
}

impl BackupTarget {
    /// A target for `cron` on a volume instance; the key's schedule and zone come from `cron`.
    pub fn new(
        project: &str,
        service: &str,
        environment: &str,
        volume_instance_id: &str,
        volume_name: &str,
        cron: CronBackup,
    ) -> Self {
        BackupTarget {
            key: TargetKey {
                project: project.to_string(),
                service: service.to_string(),
                environment: environment.to_string(),
                schedule: cron.schedule.clone(),
                timezone: cron.timezone.clone(),
            },
            volume_instance_id: volume_instance_id.to_string(),
            volume_name: volume_name.to_string(),
            cron,
        }
    }

    pub fn schedule_id(&self) -> ScheduleId {
        self.key.schedule_id()
    }
}
