//! One service instance's volume: whether to create it, which of its name, mount path and native
//! backup schedules differ, and what happens to a live volume the manifest no longer declares
//! (pruned when owned, which loses data; otherwise left alone). Pure. Operator-run cron backups
//! are not planned: `run` takes them on schedule.

use serde_json::json;

use super::action::FieldChange;
use crate::inventory::Inventory;
use crate::manifest::desired::DesiredVolume;
use crate::railway::live::LiveVolumeInstance;

/// What the plan should do about one instance's volume.
#[derive(Debug, Default, PartialEq)]
pub struct VolumeDiff {
    /// No live volume: create one (then name it and set its schedules).
    pub create: bool,
    /// Differences on an existing volume (or, with `create`, what the new one gets).
    pub changes: Vec<FieldChange>,
    /// An owned volume that left the manifest, to delete: `(volume id, volume name)`.
    pub delete: Option<(String, String)>,
    /// The volume id to record as owned when it is kept.
    pub owned: Option<String>,
    /// A live volume the manifest does not declare and the operator does not own.
    pub unmanaged: Option<String>,
    /// An owned volume that left the manifest while prune is off.
    pub pending_prune: Option<String>,
}

impl VolumeDiff {
    /// Creating or moving a mount reaches the running service only through a deploy.
    pub fn needs_deploy(&self) -> bool {
        self.create || self.changes.iter().any(|c| c.field == "volume.mountPath")
    }
}

pub fn diff_volume(
    desired: Option<&DesiredVolume>,
    live: Option<&LiveVolumeInstance>,
    service: &str,
    owned: Option<&Inventory>,
    prune: bool,
) -> VolumeDiff {
    let mut diff = VolumeDiff::default();
    match (desired, live) {
        (None, None) => {}
        (Some(want), None) => {
            diff.create = true;
            diff.changes.push(FieldChange {
                field: "volume.name",
                before: None,
                after: json!(want.name),
            });
            diff.changes.push(FieldChange {
                field: "volume.mountPath",
                before: None,
                after: json!(want.mount_path),
            });
            if let Some(kinds) = want.native_schedules.as_ref().filter(|k| !k.is_empty()) {
                diff.changes.push(FieldChange {
                    field: "volume.backups.schedules",
                    before: None,
                    after: json!(kinds),
                });
            }
        }
        (Some(want), Some(have)) => {
            diff.owned = Some(have.volume_id.clone());
            // R22, R24: a volume a copied environment shares keeps the name it has there.
            if want.name != have.volume_name && have.shared_with.is_empty() {
                diff.changes.push(FieldChange {
                    field: "volume.name",
                    before: Some(json!(have.volume_name)),
                    after: json!(want.name),
                });
            }
            if want.mount_path != have.mount_path {
                diff.changes.push(FieldChange {
                    field: "volume.mountPath",
                    before: Some(json!(have.mount_path)),
                    after: json!(want.mount_path),
                });
            }
            if let Some(kinds) = &want.native_schedules
                && *kinds != have.backup_schedules
            {
                diff.changes.push(FieldChange {
                    field: "volume.backups.schedules",
                    before: Some(json!(have.backup_schedules)),
                    after: json!(kinds),
                });
            }
        }
        (None, Some(have)) => {
            let is_owned = owned
                .and_then(|inventory| inventory.volumes.get(service))
                .is_some_and(|id| *id == have.volume_id);
            if !is_owned {
                diff.unmanaged = Some(have.volume_name.clone());
            } else if prune {
                diff.delete = Some((have.volume_id.clone(), have.volume_name.clone()));
            } else {
                diff.owned = Some(have.volume_id.clone());
                diff.pending_prune = Some(have.volume_name.clone());
            }
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::desired::BackupScheduleKind;

    fn desired() -> DesiredVolume {
        DesiredVolume {
            name: "postgres-data".into(),
            mount_path: "/var/lib/postgresql/data".into(),
            native_schedules: Some(vec![BackupScheduleKind::Daily, BackupScheduleKind::Weekly]),
            cron_backups: Vec::new(),
            usage_warning_percent: 80,
        }
    }

    fn live() -> LiveVolumeInstance {
        LiveVolumeInstance {
            id: "vi-1".into(),
            volume_id: "vol-1".into(),
            volume_name: "postgres-data".into(),
            service_id: Some("svc-1".into()),
            mount_path: "/var/lib/postgresql/data".into(),
            size_mb: 50_000,
            current_size_mb: 10.0,
            state: Some("READY".into()),
            backup_schedules: vec![BackupScheduleKind::Daily, BackupScheduleKind::Weekly],
            shared_with: Vec::new(),
        }
    }

    fn owning(volume_id: &str) -> Inventory {
        let mut inventory = Inventory::default();
        inventory
            .volumes
            .insert("postgres".into(), volume_id.to_string());
        inventory
    }

    #[test]
    fn a_matching_volume_has_no_changes_and_is_owned() {
        let diff = diff_volume(Some(&desired()), Some(&live()), "postgres", None, false);
        assert!(diff.changes.is_empty() && !diff.create);
        assert_eq!(diff.owned.as_deref(), Some("vol-1"));
    }

    #[test]
    fn a_missing_volume_is_created_with_its_name_mount_and_schedules() {
        let diff = diff_volume(Some(&desired()), None, "postgres", None, false);
        assert!(diff.create && diff.needs_deploy());
        let fields: Vec<&str> = diff.changes.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                "volume.name",
                "volume.mountPath",
                "volume.backups.schedules"
            ]
        );
    }

    #[test]
    fn schedules_left_out_of_the_manifest_are_not_managed() {
        let mut want = desired();
        want.native_schedules = None;
        let mut have = live();
        have.backup_schedules = vec![BackupScheduleKind::Monthly];
        assert!(
            diff_volume(Some(&want), Some(&have), "postgres", None, false)
                .changes
                .is_empty()
        );
    }

    #[test]
    fn an_empty_schedule_list_clears_the_live_schedules() {
        let mut want = desired();
        want.native_schedules = Some(Vec::new());
        let diff = diff_volume(Some(&want), Some(&live()), "postgres", None, false);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].after, json!([]));
        assert!(!diff.needs_deploy());
    }

    #[test]
    fn r22_a_volume_a_copied_environment_shares_is_never_renamed() {
        let mut want = desired();
        want.name = "postgres-data-staging".into();
        let mut have = live();
        have.shared_with = vec!["production".into()];
        let diff = diff_volume(Some(&want), Some(&have), "postgres", None, false);
        assert!(diff.changes.is_empty(), "{:?}", diff.changes);
        have.shared_with.clear();
        let diff = diff_volume(Some(&want), Some(&have), "postgres", None, false);
        assert_eq!(
            diff.changes.len(),
            1,
            "alone, the volume takes the manifest's name"
        );
    }

    #[test]
    fn a_moved_mount_path_needs_a_deploy_and_a_rename_does_not() {
        let mut want = desired();
        want.name = "pg".into();
        let diff = diff_volume(Some(&want), Some(&live()), "postgres", None, false);
        assert!(!diff.needs_deploy());
        want.mount_path = "/data".into();
        let diff = diff_volume(Some(&want), Some(&live()), "postgres", None, false);
        assert!(diff.needs_deploy());
    }

    #[test]
    fn a_volume_nobody_declared_is_left_alone() {
        let diff = diff_volume(None, Some(&live()), "postgres", None, true);
        assert_eq!(diff.unmanaged.as_deref(), Some("postgres-data"));
        assert!(diff.delete.is_none());
    }

    #[test]
    fn an_owned_volume_that_left_the_manifest_is_deleted_only_with_prune() {
        let inventory = owning("vol-1");
        let pruned = diff_volume(None, Some(&live()), "postgres", Some(&inventory), true);
        assert_eq!(
            pruned.delete,
            Some(("vol-1".to_string(), "postgres-data".to_string()))
        );
        let kept = diff_volume(None, Some(&live()), "postgres", Some(&inventory), false);
        assert!(kept.delete.is_none());
        assert_eq!(kept.pending_prune.as_deref(), Some("postgres-data"));
        assert_eq!(kept.owned.as_deref(), Some("vol-1"));
    }

    #[test]
    fn a_volume_replaced_by_hand_is_not_the_owned_one() {
        let inventory = owning("vol-old");
        let diff = diff_volume(None, Some(&live()), "postgres", Some(&inventory), true);
        assert!(diff.delete.is_none());
        assert!(diff.unmanaged.is_some());
    }
}
