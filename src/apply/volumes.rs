//! Volumes of service instances: created by observe-then-create (always with `environmentId`),
//! renamed to their stable name, re-mounted and re-scheduled; an owned one deleted only when no
//! other environment still mounts it. Each step re-checks live state, so a repeated apply sends
//! nothing. Operator-run backups are not applied here: `run` takes them on schedule.

use std::time::Duration;

use super::create::observe_then_create;
use super::instance::convert;
use super::{Executor, Outcome, missing};
use crate::manifest::desired::DesiredVolume;
use crate::railway::error::Error;
use crate::railway::live::LiveVolumeInstance;
use crate::railway::ops::{
    VolumeCreate, VolumeDelete, VolumeInstanceBackupScheduleUpdate, VolumeInstanceUpdate,
    VolumeUpdate, volume_create, volume_delete, volume_instance_backup_schedule_update,
    volume_instance_update, volume_update,
};
use crate::railway::read_environment_volumes;

/// Railway lists a new volume's instance after a short delay.
const VOLUME_APPEAR_ATTEMPTS: u32 = 8;

impl Executor<'_> {
    pub(super) async fn configure_volume(
        &mut self,
        service: &str,
        environment: &str,
        desired: &DesiredVolume,
    ) -> Result<Outcome, Error> {
        let (project_id, environment_id, instance) = self.instance(service, environment).await?;
        let service_id = instance.service_id.clone();
        let known = self
            .fresh_project()
            .await?
            .environment_with_id(&environment_id)
            .and_then(|e| e.volume_of(&service_id))
            .cloned();
        let mut sent: Vec<&str> = Vec::new();
        let mut adopted = false;
        // A volume found only by the fresh read carries no schedules (those come from the config
        // blob): resend the full set, which is idempotent.
        let ids = VolumeIds {
            project_id: &project_id,
            environment_id: &environment_id,
            service_id: &service_id,
        };
        let (live, schedules_known) = match known {
            Some(live) => (live, true),
            None => {
                let (live, outcome) = self
                    .create_volume(&ids, service, environment, desired)
                    .await?;
                match outcome {
                    Outcome::Adopted(_) => adopted = true,
                    _ => sent.push("volumeCreate"),
                }
                (live, false)
            }
        };
        self.rename_volume(&live, desired, &mut sent).await?;
        self.remount_volume(&live, &ids, service, environment, desired, &mut sent)
            .await?;
        if let Some(kinds) = &desired.native_schedules {
            let unchanged = schedules_known && *kinds == live.backup_schedules;
            let fresh_and_empty = !schedules_known && kinds.is_empty() && !adopted;
            if !unchanged && !fresh_and_empty {
                self.client
                    .post::<VolumeInstanceBackupScheduleUpdate>(
                        volume_instance_backup_schedule_update::Variables {
                            volume_instance_id: live.id.clone(),
                            kinds: kinds.iter().filter_map(convert).collect(),
                        },
                    )
                    .await?;
                sent.push("volumeInstanceBackupScheduleUpdate");
            }
        }
        // Keep the executor's copy current instead of re-reading the whole project.
        let updated = LiveVolumeInstance {
            volume_name: desired.name.clone(),
            mount_path: desired.mount_path.clone(),
            backup_schedules: desired
                .native_schedules
                .clone()
                .unwrap_or_else(|| live.backup_schedules.clone()),
            ..live.clone()
        };
        self.remember_volume(&environment_id, updated);
        Ok(volume_outcome(adopted, &sent, &live.volume_name))
    }

    /// Creates the instance's volume by observe-then-create (a lost create is adopted, never
    /// repeated), then waits for Railway to list it.
    async fn create_volume(
        &mut self,
        ids: &VolumeIds<'_>,
        service: &str,
        environment: &str,
        desired: &DesiredVolume,
    ) -> Result<(LiveVolumeInstance, Outcome), Error> {
        let client = self.client;
        let outcome = observe_then_create(
            client.retry_policy(),
            || async {
                client
                    .post::<VolumeCreate>(volume_create::Variables {
                        input: volume_create::VolumeCreateInput {
                            project_id: ids.project_id.to_string(),
                            environment_id: Some(ids.environment_id.to_string()),
                            service_id: Some(ids.service_id.to_string()),
                            mount_path: desired.mount_path.clone(),
                            region: None,
                        },
                    })
                    .await
                    .map(|_| ())
            },
            || async {
                Ok(mounted_volume(client, ids.environment_id, ids.service_id)
                    .await?
                    .is_some())
            },
        )
        .await?;
        let live = self
            .wait_for_volume(ids.environment_id, ids.service_id, service, environment)
            .await?;
        self.changed_instances
            .push((service.to_string(), environment.to_string()));
        self.created_volumes.push((
            environment.to_string(),
            service.to_string(),
            live.volume_id.clone(),
        ));
        Ok((live, outcome))
    }

    /// Gives the volume its manifest name.
    async fn rename_volume(
        &mut self,
        live: &LiveVolumeInstance,
        desired: &DesiredVolume,
        sent: &mut Vec<&str>,
    ) -> Result<(), Error> {
        // R22, R24: a volume shared with a copied environment has one name for both; renaming
        // it here would undo the other environment's name on every pass.
        if live.volume_name != desired.name && live.shared_with.is_empty() {
            self.client
                .post::<VolumeUpdate>(volume_update::Variables {
                    volume_id: live.volume_id.clone(),
                    input: volume_update::VolumeUpdateInput {
                        name: Some(desired.name.clone()),
                    },
                })
                .await?;
            sent.push("volumeUpdate");
        }
        Ok(())
    }

    /// Moves the volume to its manifest mount path, unless the environment patch already did.
    async fn remount_volume(
        &mut self,
        live: &LiveVolumeInstance,
        ids: &VolumeIds<'_>,
        service: &str,
        environment: &str,
        desired: &DesiredVolume,
        sent: &mut Vec<&str>,
    ) -> Result<(), Error> {
        let moved_by_patch = self
            .mounts_by_patch
            .contains(&(service.to_string(), environment.to_string()));
        if moved_by_patch {
            sent.push("volumeMounts in environmentPatchCommit");
        } else if live.mount_path != desired.mount_path {
            self.client
                .post::<VolumeInstanceUpdate>(volume_instance_update::Variables {
                    volume_id: live.volume_id.clone(),
                    environment_id: ids.environment_id.to_string(),
                    input: volume_instance_update::VolumeInstanceUpdateInput {
                        mount_path: Some(desired.mount_path.clone()),
                        // R23: an absent serviceId detaches the volume; name the service it stays on.
                        service_id: Some(ids.service_id.to_string()),
                        state: None,
                    },
                })
                .await?;
            sent.push("volumeInstanceUpdate");
            self.changed_instances
                .push((service.to_string(), environment.to_string()));
        }
        Ok(())
    }

    /// Deletes an owned volume that left the manifest, unless another environment still
    /// mounts it (then deleting would take that environment's data too).
    pub(super) async fn delete_volume(
        &mut self,
        environment: &str,
        name: &str,
        volume_id: &str,
    ) -> Result<Outcome, Error> {
        let elsewhere = self
            .fresh_project()
            .await?
            .environments_sharing_volume(volume_id, environment);
        if !elsewhere.is_empty() {
            return Ok(Outcome::Skipped(format!(
                "volume {name} is also mounted in {}: not deleted; detach it there first",
                elsewhere.join(", ")
            )));
        }
        let result = self
            .client
            .post::<VolumeDelete>(volume_delete::Variables {
                volume_id: volume_id.to_string(),
            })
            .await;
        self.stale = true;
        let deleted = super::settle_delete(result, async || {
            let project = self.fresh_project().await?;
            // R50: a PR environment's instance of it is the same volume.
            Ok(project
                .all_environments()
                .any(|e| e.volumes.iter().any(|v| v.volume_id == volume_id)))
        })
        .await?;
        Ok(deleted.outcome("volumeDelete", name))
    }

    fn remember_volume(&mut self, environment_id: &str, volume: LiveVolumeInstance) {
        let Some(environment) = self
            .project
            .as_mut()
            .and_then(|p| p.environments.iter_mut().find(|e| e.id == environment_id))
        else {
            return;
        };
        environment.volumes.retain(|v| v.id != volume.id);
        environment.volumes.push(volume);
    }

    async fn wait_for_volume(
        &mut self,
        environment_id: &str,
        service_id: &str,
        service: &str,
        environment: &str,
    ) -> Result<LiveVolumeInstance, Error> {
        for attempt in 0..VOLUME_APPEAR_ATTEMPTS {
            if let Some(live) = mounted_volume(self.client, environment_id, service_id).await? {
                return Ok(live);
            }
            tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt + 1))).await;
        }
        Err(missing("volume", &format!("of {service} in {environment}")))
    }
}

/// The ids naming one service instance's volume in Railway's calls.
struct VolumeIds<'a> {
    project_id: &'a str,
    environment_id: &'a str,
    service_id: &'a str,
}

/// What configuring the volume did, as one outcome: adopted after a lost create, applied, or
/// nothing to do.
fn volume_outcome(adopted: bool, sent: &[&str], volume_name: &str) -> Outcome {
    match (adopted, sent.is_empty()) {
        (true, _) => Outcome::Adopted(format!(
            "volume {} found after a lost create; then {}",
            volume_name,
            if sent.is_empty() {
                "nothing".to_string()
            } else {
                sent.join(", ")
            }
        )),
        (false, true) => Outcome::Skipped("the volume already matches".into()),
        (false, false) => Outcome::Applied(sent.join(", ")),
    }
}

async fn mounted_volume(
    client: &crate::railway::Client,
    environment_id: &str,
    service_id: &str,
) -> Result<Option<LiveVolumeInstance>, Error> {
    Ok(read_environment_volumes(client, environment_id)
        .await?
        .into_iter()
        .find(|v| v.service_id.as_deref() == Some(service_id)))
}
