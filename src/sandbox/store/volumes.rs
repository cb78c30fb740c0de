//! Volumes and their per-environment instances on the sandbox store: generated names, one
//! volume per service and environment, mount paths, attach/detach, soft deletes and usage.
//! Backups and schedules are in the sibling `backups` module; nothing here knows about GraphQL.

use rand::Rng;

use super::{DomainError, Store};
use crate::sandbox::model::{VolumeInstanceRecord, VolumeRecord, VolumeState, new_id, now_rfc3339};

/// Railway gives a new volume a generated two-word name, whatever service it is mounted on.
const NAME_ADJECTIVES: &[&str] = &[
    "amber", "brisk", "calm", "dusty", "gentle", "hidden", "lively", "mellow", "noble", "quiet",
    "rapid", "silent", "sunny", "tidy", "vivid", "wild",
];
const NAME_NOUNS: &[&str] = &[
    "anchor", "canyon", "delta", "ember", "falcon", "glacier", "harbor", "island", "lagoon",
    "meadow", "orchard", "pebble", "river", "summit", "thicket", "valley",
];

pub(crate) const DEFAULT_VOLUME_SIZE_MB: i32 = 50_000;
pub(crate) const DEFAULT_VOLUME_REGION: &str = "us-west2";

/// Two random words joined by a dash, e.g. `gentle-harbor`.
pub(crate) fn generated_name() -> String {
    let mut rng = rand::rng();
    let adjective = NAME_ADJECTIVES[rng.random_range(0..NAME_ADJECTIVES.len())];
    let noun = NAME_NOUNS[rng.random_range(0..NAME_NOUNS.len())];
    format!("{adjective}-{noun}")
}

pub(crate) struct NewVolume {
    pub project_id: String,
    pub mount_path: String,
    pub environment_id: Option<String>,
    pub service_id: Option<String>,
    pub region: Option<String>,
}

/// `None` leaves a field alone; `service_id: Some(None)` detaches.
#[derive(Default)]
pub(crate) struct VolumeInstanceChanges {
    pub mount_path: Option<String>,
    pub service_id: Option<Option<String>>,
    pub state: Option<VolumeState>,
}

fn check_mount_path(mount_path: &str) -> Result<(), DomainError> {
    if mount_path.starts_with('/') {
        Ok(())
    } else {
        Err(DomainError::InvalidMountPath(mount_path.to_string()))
    }
}

impl Store {
    pub(crate) fn create_volume(&mut self, new: NewVolume) -> Result<VolumeRecord, DomainError> {
        self.project(&new.project_id)?;
        check_mount_path(&new.mount_path)?;
        if let Some(environment_id) = &new.environment_id {
            self.environment_in_project(&new.project_id, environment_id)?;
            if let Some(service_id) = &new.service_id {
                self.check_service_can_mount(service_id, environment_id, None)?;
            }
        } else if let Some(service_id) = &new.service_id {
            self.service(service_id)?;
        }
        let volume = VolumeRecord {
            id: new_id(),
            name: self.unused_volume_name(&new.project_id),
            project_id: new.project_id,
            created_at: now_rfc3339(),
            deleted_at: None,
        };
        self.state.volumes.push(volume.clone());
        // Railway creates no instance at all when environmentId is left out.
        if let Some(environment_id) = &new.environment_id {
            self.push_volume_instance(
                &volume.id,
                environment_id,
                new.service_id,
                new.mount_path,
                new.region,
            );
        }
        Ok(volume)
    }

    /// Adds the volume's instance in one environment (a seed file mounts a volume in several).
    pub(crate) fn add_volume_instance(
        &mut self,
        volume_id: &str,
        environment_id: &str,
        service_id: Option<String>,
        mount_path: String,
        region: Option<String>,
    ) -> Result<String, DomainError> {
        self.volume(volume_id)?;
        self.environment(environment_id)?;
        check_mount_path(&mount_path)?;
        if let Some(service_id) = &service_id {
            self.check_service_can_mount(service_id, environment_id, None)?;
        }
        Ok(self.push_volume_instance(volume_id, environment_id, service_id, mount_path, region))
    }

    fn push_volume_instance(
        &mut self,
        volume_id: &str,
        environment_id: &str,
        service_id: Option<String>,
        mount_path: String,
        region: Option<String>,
    ) -> String {
        let id = new_id();
        self.state.volume_instances.push(VolumeInstanceRecord {
            id: id.clone(),
            volume_id: volume_id.to_string(),
            service_id,
            environment_id: environment_id.to_string(),
            mount_path,
            size_mb: DEFAULT_VOLUME_SIZE_MB,
            current_size_mb: 0.0,
            region: Some(region.unwrap_or_else(|| DEFAULT_VOLUME_REGION.to_string())),
            state: VolumeState::Ready,
            schedules: Vec::new(),
            created_at: now_rfc3339(),
            deleted_at: None,
        });
        id
    }

    /// The service exists and has no live volume in the environment other than `except_volume`.
    fn check_service_can_mount(
        &self,
        service_id: &str,
        environment_id: &str,
        except_volume: Option<&str>,
    ) -> Result<(), DomainError> {
        self.service(service_id)?;
        let taken = self.state.volume_instances.iter().any(|i| {
            i.deleted_at.is_none()
                && i.environment_id == environment_id
                && i.service_id.as_deref() == Some(service_id)
                && Some(i.volume_id.as_str()) != except_volume
        });
        if taken {
            return Err(DomainError::ServiceHasVolume);
        }
        // R21 the other way round: a volume cannot join a service running several replicas.
        // The text is the one raising replicas gets, unverified: Railway's is not public.
        let replicas = self
            .live_instance_index(service_id, environment_id)
            .and_then(|index| self.state.instances.get(index))
            .map_or(1, |instance| instance.settings.total_replicas());
        if replicas > 1 {
            return Err(DomainError::ReplicasWithVolume);
        }
        Ok(())
    }

    /// A live volume.
    pub(crate) fn volume(&self, id: &str) -> Result<&VolumeRecord, DomainError> {
        self.state
            .volumes
            .iter()
            .find(|v| v.id == id && v.deleted_at.is_none())
            .ok_or(DomainError::VolumeNotFound)
    }

    /// A volume, deleted or not: a deleted instance still resolves its volume.
    pub(crate) fn any_volume(&self, id: &str) -> Result<&VolumeRecord, DomainError> {
        self.state
            .volumes
            .iter()
            .find(|v| v.id == id)
            .ok_or(DomainError::VolumeNotFound)
    }

    /// The live volumes of the project, once visible (R41).
    pub(crate) fn volumes_of_project(&self, project_id: &str) -> Vec<VolumeRecord> {
        self.state
            .volumes
            .iter()
            .filter(|v| v.project_id == project_id && v.deleted_at.is_none())
            .filter(|v| self.visible(&v.created_at))
            .cloned()
            .collect()
    }

    /// Every volume instance of the environment, soft-deleted ones included, once visible (R41).
    pub(crate) fn volume_instances_of_environment(
        &self,
        environment_id: &str,
    ) -> Vec<VolumeInstanceRecord> {
        self.state
            .volume_instances
            .iter()
            .filter(|i| i.environment_id == environment_id)
            .filter(|i| self.visible(&i.created_at))
            .cloned()
            .collect()
    }

    /// R22: every instance of the volume, one per environment, soft-deleted ones included, once
    /// visible (R41).
    pub(crate) fn volume_instances_of_volume(&self, volume_id: &str) -> Vec<VolumeInstanceRecord> {
        self.state
            .volume_instances
            .iter()
            .filter(|i| i.volume_id == volume_id)
            .filter(|i| self.visible(&i.created_at))
            .cloned()
            .collect()
    }

    /// R24: whether a live volume of the project other than `except` is called `name`.
    fn volume_name_taken(&self, project_id: &str, name: &str, except: Option<&str>) -> bool {
        self.state.volumes.iter().any(|v| {
            v.project_id == project_id
                && v.deleted_at.is_none()
                && v.name == name
                && Some(v.id.as_str()) != except
        })
    }

    /// A generated name no live volume of the project uses (R24).
    fn unused_volume_name(&self, project_id: &str) -> String {
        let mut name = generated_name();
        let mut attempt = 1;
        while self.volume_name_taken(project_id, &name, None) {
            attempt += 1;
            name = if attempt < 32 {
                generated_name()
            } else {
                format!("{}-{attempt}", generated_name())
            };
        }
        name
    }

    pub(crate) fn rename_volume(
        &mut self,
        id: &str,
        name: Option<String>,
    ) -> Result<VolumeRecord, DomainError> {
        let project_id = self.volume(id)?.project_id.clone();
        let name = name.filter(|n| !n.trim().is_empty());
        if let Some(name) = &name
            && self.volume_name_taken(&project_id, name, Some(id))
        {
            // R24
            return Err(DomainError::DuplicateVolumeName(name.clone()));
        }
        let volume = self
            .state
            .volumes
            .iter_mut()
            .find(|v| v.id == id && v.deleted_at.is_none())
            .ok_or(DomainError::VolumeNotFound)?;
        if let Some(name) = name {
            volume.name = name;
        }
        Ok(volume.clone())
    }

    /// Soft delete of the volume and its instances; their backups go for good.
    pub(crate) fn delete_volume(&mut self, id: &str) -> Result<(), DomainError> {
        self.volume(id)?;
        let now = now_rfc3339();
        for volume in self.state.volumes.iter_mut().filter(|v| v.id == id) {
            volume.deleted_at = Some(now.clone());
        }
        let mut instance_ids = Vec::new();
        for instance in self
            .state
            .volume_instances
            .iter_mut()
            .filter(|i| i.volume_id == id && i.deleted_at.is_none())
        {
            instance.deleted_at = Some(now.clone());
            instance.state = VolumeState::Deleted;
            instance_ids.push(instance.id.clone());
        }
        self.state
            .volume_backups
            .retain(|b| !instance_ids.contains(&b.volume_instance_id));
        Ok(())
    }

    /// Applies `changes` to the volume's instance in one environment, or to all of them.
    pub(crate) fn update_volume_instances(
        &mut self,
        volume_id: &str,
        environment_id: Option<&str>,
        changes: VolumeInstanceChanges,
    ) -> Result<(), DomainError> {
        if let Some(mount_path) = &changes.mount_path {
            check_mount_path(mount_path)?;
        }
        let targets: Vec<(usize, String)> = self
            .state
            .volume_instances
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.volume_id == volume_id
                    && i.deleted_at.is_none()
                    && environment_id.is_none_or(|e| i.environment_id == e)
            })
            .map(|(index, i)| (index, i.environment_id.clone()))
            .collect();
        if targets.is_empty() {
            return Err(DomainError::VolumeInstanceNotFound);
        }
        if let Some(Some(service_id)) = &changes.service_id {
            for (_, environment_id) in &targets {
                self.check_service_can_mount(service_id, environment_id, Some(volume_id))?;
            }
        }
        for (index, _) in targets {
            let Some(instance) = self.state.volume_instances.get_mut(index) else {
                continue;
            };
            if let Some(mount_path) = &changes.mount_path {
                instance.mount_path = mount_path.clone();
            }
            if let Some(service_id) = &changes.service_id {
                instance.service_id = service_id.clone();
            }
            if let Some(state) = changes.state {
                instance.state = state;
            }
        }
        Ok(())
    }

    pub(crate) fn live_volume_instance(
        &self,
        id: &str,
    ) -> Result<&VolumeInstanceRecord, DomainError> {
        self.state
            .volume_instances
            .iter()
            .find(|i| i.id == id && i.deleted_at.is_none())
            .ok_or(DomainError::VolumeInstanceNotFound)
    }

    pub(crate) fn live_volume_instance_mut(
        &mut self,
        id: &str,
    ) -> Result<&mut VolumeInstanceRecord, DomainError> {
        self.state
            .volume_instances
            .iter_mut()
            .find(|i| i.id == id && i.deleted_at.is_none())
            .ok_or(DomainError::VolumeInstanceNotFound)
    }

    /// Test knob: how full the volume instance is.
    pub(crate) fn set_volume_usage(
        &mut self,
        instance_id: &str,
        current_size_mb: f64,
    ) -> Result<(), DomainError> {
        self.live_volume_instance_mut(instance_id)?.current_size_mb = current_size_mb;
        Ok(())
    }
}
