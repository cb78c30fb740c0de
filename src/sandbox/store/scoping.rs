//! Which environments a mutation reaches (R1, R6, R7, R8) and the replica limits every
//! placement write must respect (R21). It decides targets and validity only; the settings
//! themselves are computed by the callers.

use super::{DomainError, Store};
use crate::sandbox::model::InstanceSettings;

/// How `serviceInstanceUpdate(environmentId)` with a non-fork id is scoped (R7, disputed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InstanceUpdateScope {
    /// The schema's reading (the worse case): a non-fork id updates every non-fork environment.
    #[default]
    AllNonForks,
    /// The docs' reading: the update reaches the named environment only.
    RequestedEnvironment,
}

/// R21: Railway caps a service at 50 replicas over all regions.
pub(crate) const MAX_TOTAL_REPLICAS: i32 = 50;

impl Store {
    /// R1: a fork is an environment created from a source; nothing else makes one.
    pub(crate) fn live_non_fork_environment_ids(&self, project_id: &str) -> Vec<String> {
        self.state
            .environments
            .iter()
            .filter(|e| e.project_id == project_id && e.deleted_at.is_none())
            .filter(|e| e.source_environment_id.is_none())
            .map(|e| e.id.clone())
            .collect()
    }

    /// R6, R7, R8: a fork id scopes to that fork; any other id stands for every non-fork.
    fn scoped_environment_ids(&self, environment_id: &str) -> Result<Vec<String>, DomainError> {
        let environment = self.environment(environment_id)?;
        if environment.source_environment_id.is_some() {
            Ok(vec![environment.id.clone()])
        } else {
            Ok(self.live_non_fork_environment_ids(&environment.project_id))
        }
    }

    /// `serviceInstanceUpdate`: computes every target's new settings with `change`, checks them
    /// all, and only then writes (all or nothing).
    pub(crate) fn update_instances_scoped(
        &mut self,
        service_id: &str,
        environment_id: Option<&str>,
        change: impl Fn(&mut InstanceSettings) -> Result<(), DomainError>,
    ) -> Result<(), DomainError> {
        let targets = match environment_id {
            // R7: no id updates the instances of every environment.
            None => None,
            Some(id) => {
                // The named environment must hold an instance, whatever the fan-out.
                self.live_instance_mut(service_id, id)?;
                if self.instance_update_scope == InstanceUpdateScope::RequestedEnvironment {
                    Some(vec![id.to_string()])
                } else {
                    Some(self.scoped_environment_ids(id)?) // R7
                }
            }
        };
        let mut updates = Vec::new();
        for (index, instance) in self.state.instances.iter().enumerate() {
            let targeted = targets
                .as_ref()
                .is_none_or(|ids| ids.contains(&instance.environment_id));
            if instance.service_id != service_id || instance.deleted_at.is_some() || !targeted {
                continue;
            }
            let mut settings = instance.settings.clone();
            change(&mut settings)?;
            self.check_placement(service_id, &instance.environment_id, &settings)?;
            updates.push((index, settings));
        }
        if updates.is_empty() {
            return Err(DomainError::InstanceNotFound);
        }
        for (index, settings) in updates {
            if let Some(instance) = self.state.instances.get_mut(index) {
                instance.settings = settings;
            }
        }
        Ok(())
    }

    /// `serviceDelete` (R8): fork id → that fork's instance; other id → every non-fork's; no id
    /// → the whole service, forks included.
    pub(crate) fn delete_service_scoped(
        &mut self,
        service_id: &str,
        environment_id: Option<&str>,
    ) -> Result<(), DomainError> {
        let Some(environment_id) = environment_id else {
            return self.delete_service(service_id);
        };
        self.service(service_id)?;
        let targets = self.scoped_environment_ids(environment_id)?;
        let deleted_at = crate::sandbox::model::now_rfc3339();
        for instance in self.state.instances.iter_mut().filter(|i| {
            i.service_id == service_id
                && i.deleted_at.is_none()
                && targets.contains(&i.environment_id)
        }) {
            instance.deleted_at = Some(deleted_at.clone());
        }
        let any_left = self
            .state
            .instances
            .iter()
            .any(|i| i.service_id == service_id && i.deleted_at.is_none());
        if !any_left {
            // Guess: a service left without any instance is gone as a whole.
            self.delete_service(service_id)?;
        }
        Ok(())
    }

    /// State files written before placement existed hold only `numReplicas`: it is placed in
    /// the default region, so the typed count and `multiRegionConfig` agree.
    pub(crate) fn normalize_placements(&mut self) {
        for instance in &mut self.state.instances {
            let wanted = instance.settings.num_replicas.unwrap_or(1);
            if instance.settings.total_replicas() != wanted {
                super::scale_placement(&mut instance.settings, wanted);
            }
        }
    }

    /// R21: at most 50 replicas in total, one replica with a volume, exactly one for cron.
    /// The error texts are unverified guesses; Railway's are not public.
    pub(crate) fn check_placement(
        &self,
        service_id: &str,
        environment_id: &str,
        settings: &InstanceSettings,
    ) -> Result<(), DomainError> {
        let total = settings.total_replicas();
        if total > MAX_TOTAL_REPLICAS {
            return Err(DomainError::TooManyReplicas(MAX_TOTAL_REPLICAS));
        }
        let has_volume = self.state.volume_instances.iter().any(|v| {
            v.deleted_at.is_none()
                && v.environment_id == environment_id
                && v.service_id.as_deref() == Some(service_id)
        });
        if has_volume && total > 1 {
            return Err(DomainError::ReplicasWithVolume);
        }
        if settings.cron_schedule.is_some() && total != 1 {
            return Err(DomainError::CronReplicas);
        }
        Ok(())
    }
}
