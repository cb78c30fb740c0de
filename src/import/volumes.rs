//! The volume mounted into a live instance as a manifest `volume:` entry (name, mount path
//! unless a database's template owns it, Railway-native backup schedules when there are any).
//! Pure.

use serde_yaml::{Mapping, Value};

use super::settings::Entry;
use super::split::MergeRule;
use super::yaml::literal;
use crate::railway::live::LiveEnvironment;

/// The `volume` entry of `service_id` in `environment`; unset when no volume is mounted.
/// `mount_path: false` leaves the mount path out (a database's is its template's, R46).
pub fn entry(environment: &LiveEnvironment, service_id: &str, mount_path: bool) -> Entry {
    let value = environment.volume_of(service_id).map(|volume| {
        let mut fields = Mapping::new();
        fields.insert("name".into(), literal(&volume.volume_name));
        if mount_path {
            fields.insert("mountPath".into(), literal(&volume.mount_path));
        }
        if !volume.backup_schedules.is_empty() {
            let mut schedules = volume.backup_schedules.clone();
            schedules.sort();
            schedules.dedup();
            let schedules = schedules
                .into_iter()
                .map(|kind| serde_yaml::to_value(kind).unwrap_or(Value::Null))
                .collect();
            let mut backups = Mapping::new();
            backups.insert("schedules".into(), Value::Sequence(schedules));
            fields.insert("backups".into(), Value::Mapping(backups));
        }
        Value::Mapping(fields)
    });
    Entry {
        path: "volume",
        value,
        default: None,
        rule: MergeRule::Replace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::InventoryState;
    use crate::manifest::desired::BackupScheduleKind;
    use crate::railway::live::LiveVolumeInstance;

    fn environment(schedules: Vec<BackupScheduleKind>) -> LiveEnvironment {
        LiveEnvironment {
            id: "env".into(),
            name: "production".into(),
            config_etag: String::new(),
            unmerged_changes: 0,
            is_fork: false,
            instances: Default::default(),
            shared_variables: Default::default(),
            inventory: InventoryState::Absent,
            buckets: Default::default(),
            volumes: vec![LiveVolumeInstance {
                id: "vi".into(),
                volume_id: "v".into(),
                volume_name: "pg-data".into(),
                service_id: Some("svc".into()),
                mount_path: "/var/lib/postgresql/data".into(),
                size_mb: 5000,
                current_size_mb: 10.0,
                state: Some("READY".into()),
                backup_schedules: schedules,
                shared_with: Vec::new(),
            }],
        }
    }

    #[test]
    fn a_mounted_volume_is_written_with_its_name_path_and_schedules() {
        let entry = entry(
            &environment(vec![BackupScheduleKind::Weekly, BackupScheduleKind::Daily]),
            "svc",
            true,
        );
        let expected: Value = serde_yaml::from_str(
            "{ name: pg-data, mountPath: /var/lib/postgresql/data, backups: { schedules: [DAILY, WEEKLY] } }",
        )
        .unwrap();
        assert_eq!(entry.value, Some(expected));
    }

    #[test]
    fn a_volume_without_native_schedules_has_no_backups_block() {
        let entry = entry(&environment(Vec::new()), "svc", true);
        let expected: Value =
            serde_yaml::from_str("{ name: pg-data, mountPath: /var/lib/postgresql/data }").unwrap();
        assert_eq!(entry.value, Some(expected));
    }

    #[test]
    fn a_service_without_a_volume_has_none() {
        assert_eq!(entry(&environment(Vec::new()), "other", true).value, None);
    }

    #[test]
    fn a_database_s_volume_is_written_without_its_template_s_mount_path() {
        let entry = entry(&environment(vec![BackupScheduleKind::Daily]), "svc", false);
        let expected: Value =
            serde_yaml::from_str("{ name: pg-data, backups: { schedules: [DAILY] } }").unwrap();
        assert_eq!(entry.value, Some(expected));
    }
}
