//! Railway's write semantics on the sandbox store: projects, environments, services (fan-out,
//! soft delete), instance settings, limits, deployments and triggers. Variables are in the
//! sibling `variables` module; copying from a source environment is in `patches`.

use super::{DomainError, Store};
use crate::sandbox::model::{
    EnvironmentRecord, InstanceRecord, InstanceSettings, ProjectRecord, ResourceLimits,
    ServiceRecord, TriggerRecord, VariableRecord, new_id, now_rfc3339,
};

pub(crate) struct NewProject {
    pub name: Option<String>,
    pub description: Option<String>,
    pub workspace_id: String,
    pub default_environment_name: Option<String>,
    pub is_public: bool,
    pub pr_deploys: bool,
}

pub(crate) struct NewService {
    pub project_id: String,
    pub name: Option<String>,
    pub icon: Option<String>,
    pub template_id: Option<String>,
    pub environment_id: Option<String>,
    pub image: Option<String>,
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub variables: Vec<(String, String)>,
}

/// How `environmentCreate` treats a copy from `sourceEnvironmentId` (R2, R3).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EnvironmentCopy {
    pub skip_initial_deploys: bool,
    pub stage_initial_changes: bool,
    pub apply_in_background: bool,
}

pub(crate) struct NewTrigger {
    pub project_id: String,
    pub environment_id: String,
    pub service_id: String,
    pub provider: String,
    pub repository: String,
    pub branch: String,
    pub check_suites: bool,
    pub root_directory: Option<String>,
}

pub(crate) struct TriggerChanges {
    pub branch: Option<String>,
    pub repository: Option<String>,
    pub check_suites: Option<bool>,
    pub root_directory: Option<String>,
}

const MAX_PROJECT_NAME_LENGTH: usize = 100;

impl Store {
    pub(crate) fn create_project(&mut self, new: NewProject) -> Result<ProjectRecord, DomainError> {
        let name = match new.name {
            None => format!("sandbox-project-{}", &new_id()[..8]),
            Some(name) if name.trim().is_empty() || name.len() > MAX_PROJECT_NAME_LENGTH => {
                return Err(DomainError::InvalidProjectName);
            }
            Some(name) => name,
        };
        let project = ProjectRecord {
            id: new_id(),
            name,
            description: new.description,
            workspace_id: new.workspace_id,
            is_public: new.is_public,
            pr_deploys: new.pr_deploys,
            deleted_at: None,
            created_at: now_rfc3339(),
            bot_pr_environments: false,
            focused_pr_environments: false,
            base_environment_id: None,
        };
        let environment_name = new
            .default_environment_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "production".to_string());
        self.state.environments.push(EnvironmentRecord {
            id: new_id(),
            name: environment_name,
            project_id: project.id.clone(),
            is_ephemeral: false,
            deleted_at: None,
            created_at: now_rfc3339(),
            source_environment_id: None, // R1: the default environment is no fork
            meta: None,
        });
        self.state.projects.push(project.clone());
        Ok(project)
    }

    pub(crate) fn create_environment(
        &mut self,
        project_id: &str,
        name: &str,
        source_environment_id: Option<&str>,
        ephemeral: bool,
        copy: EnvironmentCopy,
    ) -> Result<EnvironmentRecord, DomainError> {
        self.project(project_id)?;
        let taken = self
            .state
            .environments
            .iter()
            .any(|e| e.project_id == project_id && e.deleted_at.is_none() && e.name == name);
        if taken {
            return Err(DomainError::DuplicateEnvironment(name.to_string()));
        }
        if let Some(source_id) = source_environment_id {
            self.environment_in_project(project_id, source_id)?;
        }
        let environment = EnvironmentRecord {
            id: new_id(),
            name: name.to_string(),
            project_id: project_id.to_string(),
            is_ephemeral: ephemeral,
            deleted_at: None,
            created_at: now_rfc3339(),
            // R1: created from a source makes a fork, and nothing else does.
            source_environment_id: source_environment_id.map(str::to_string),
            meta: None,
        };
        self.state.environments.push(environment.clone());
        if let Some(source_id) = source_environment_id {
            self.copy_environment(source_id, &environment.id, copy)?;
        }
        Ok(environment)
    }

    /// Renames a live environment; names stay unique among the project's live environments,
    /// as on create (the error text is environmentCreate's).
    pub(crate) fn rename_environment(
        &mut self,
        id: &str,
        name: &str,
    ) -> Result<EnvironmentRecord, DomainError> {
        let project_id = self.environment(id)?.project_id.clone();
        let taken = self.state.environments.iter().any(|e| {
            e.project_id == project_id && e.deleted_at.is_none() && e.name == name && e.id != id
        });
        if taken {
            return Err(DomainError::DuplicateEnvironment(name.to_string()));
        }
        let environment = self
            .state
            .environments
            .iter_mut()
            .find(|e| e.id == id && e.deleted_at.is_none())
            .ok_or(DomainError::EnvironmentNotFound)?;
        environment.name = name.to_string();
        Ok(environment.clone())
    }

    pub(crate) fn create_service(&mut self, new: NewService) -> Result<ServiceRecord, DomainError> {
        self.project(&new.project_id)?;
        let name = new
            .name
            .unwrap_or_else(|| format!("service-{}", &new_id()[..8]));
        let taken =
            self.state.services.iter().any(|s| {
                s.project_id == new.project_id && s.deleted_at.is_none() && s.name == name
            });
        if taken {
            return Err(DomainError::DuplicateService(name));
        }
        // R6: a fork id scopes the create to that fork; any other id, or none, reaches every
        // non-fork environment.
        let target_environments: Vec<String> = match &new.environment_id {
            Some(environment_id) => {
                let environment = self.environment_in_project(&new.project_id, environment_id)?;
                if environment.source_environment_id.is_some() {
                    vec![environment.id.clone()]
                } else {
                    self.live_non_fork_environment_ids(&new.project_id)
                }
            }
            None => self.live_non_fork_environment_ids(&new.project_id),
        };
        let service = ServiceRecord {
            id: new_id(),
            name,
            icon: new.icon,
            project_id: new.project_id.clone(),
            template_service_id: None,
            template_id: new.template_id,
            deleted_at: None,
            created_at: now_rfc3339(),
        };
        let settings = InstanceSettings {
            image: new.image.clone(),
            repo: new.repo.clone(),
            ..InstanceSettings::default()
        };
        for environment_id in &target_environments {
            // R20: the default settings place the instance in the default region.
            self.state.instances.push(InstanceRecord {
                id: new_id(),
                service_id: service.id.clone(),
                environment_id: environment_id.clone(),
                latest_deployment: None,
                settings: settings.clone(),
                limits: None,
                deleted_at: None,
            });
            if let (Some(repository), Some(branch)) = (&new.repo, &new.branch) {
                self.state.triggers.push(TriggerRecord {
                    id: new_id(),
                    service_id: service.id.clone(),
                    environment_id: environment_id.clone(),
                    project_id: new.project_id.clone(),
                    provider: "github".to_string(),
                    repository: repository.clone(),
                    branch: branch.clone(),
                    check_suites: false,
                    root_directory: None,
                });
            }
            for (name, value) in &new.variables {
                self.state.variables.push(VariableRecord {
                    id: new_id(),
                    environment_id: environment_id.clone(),
                    service_id: Some(service.id.clone()),
                    name: name.clone(),
                    value: value.clone(),
                    sealed: false,
                });
            }
        }
        self.state.services.push(service.clone());
        // R6, R43: a service created with a source deploys in every environment it lands in.
        for environment_id in &target_environments {
            self.deploy_if_sourced(&service.id, environment_id)?;
        }
        Ok(service)
    }

    /// Soft delete: the service and every instance keep existing with `deletedAt` set.
    pub(crate) fn delete_service(&mut self, service_id: &str) -> Result<(), DomainError> {
        self.service(service_id)?;
        let deleted_at = now_rfc3339();
        for service in self
            .state
            .services
            .iter_mut()
            .filter(|s| s.id == service_id)
        {
            service.deleted_at = Some(deleted_at.clone());
        }
        for instance in self
            .state
            .instances
            .iter_mut()
            .filter(|i| i.service_id == service_id && i.deleted_at.is_none())
        {
            instance.deleted_at = Some(deleted_at.clone());
        }
        Ok(())
    }

    /// Applies `change` to the instance in one environment, or in every environment when `None`.
    pub(crate) fn update_instances(
        &mut self,
        service_id: &str,
        environment_id: Option<&str>,
        change: impl Fn(&mut InstanceSettings),
    ) -> Result<(), DomainError> {
        match environment_id {
            Some(environment_id) => {
                change(&mut self.live_instance_mut(service_id, environment_id)?.settings);
            }
            None => {
                let mut touched = false;
                for instance in self
                    .state
                    .instances
                    .iter_mut()
                    .filter(|i| i.service_id == service_id && i.deleted_at.is_none())
                {
                    change(&mut instance.settings);
                    touched = true;
                }
                if !touched {
                    return Err(DomainError::InstanceNotFound);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn update_limits(
        &mut self,
        service_id: &str,
        environment_id: &str,
        v_cpus: Option<f64>,
        memory_gb: Option<f64>,
    ) -> Result<(), DomainError> {
        let instance = self.live_instance_mut(service_id, environment_id)?;
        let limits = instance.limits.get_or_insert_with(ResourceLimits::default);
        if v_cpus.is_some() {
            limits.v_cpus = v_cpus;
        }
        if memory_gb.is_some() {
            limits.memory_gb = memory_gb;
        }
        Ok(())
    }

    /// Creates the (service, environment) trigger, or rewrites it: there is at most one.
    pub(crate) fn create_trigger(&mut self, new: NewTrigger) -> Result<TriggerRecord, DomainError> {
        self.environment_in_project(&new.project_id, &new.environment_id)?;
        self.service(&new.service_id)?;
        let existing =
            self.state.triggers.iter().position(|t| {
                t.service_id == new.service_id && t.environment_id == new.environment_id
            });
        let trigger = TriggerRecord {
            id: existing
                .and_then(|index| self.state.triggers.get(index))
                .map_or_else(new_id, |t| t.id.clone()),
            service_id: new.service_id,
            environment_id: new.environment_id,
            project_id: new.project_id,
            provider: new.provider,
            repository: new.repository,
            branch: new.branch,
            check_suites: new.check_suites,
            root_directory: new.root_directory,
        };
        match existing.and_then(|index| self.state.triggers.get_mut(index)) {
            Some(slot) => *slot = trigger.clone(),
            None => self.state.triggers.push(trigger.clone()),
        }
        Ok(trigger)
    }

    pub(crate) fn update_trigger(
        &mut self,
        id: &str,
        changes: TriggerChanges,
    ) -> Result<TriggerRecord, DomainError> {
        let trigger = self
            .state
            .triggers
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(DomainError::TriggerNotFound)?;
        if let Some(branch) = changes.branch {
            trigger.branch = branch;
        }
        if let Some(repository) = changes.repository {
            trigger.repository = repository;
        }
        if let Some(check_suites) = changes.check_suites {
            trigger.check_suites = check_suites;
        }
        if changes.root_directory.is_some() {
            trigger.root_directory = changes.root_directory;
        }
        Ok(trigger.clone())
    }

    /// Deletes a deployment trigger; the instance keeps its source (guess: Railway's effect on
    /// the instance is not documented). An unknown id is `TriggerNotFound`, which R37 turns into
    /// "Not Authorized" at the resolver.
    pub(crate) fn delete_trigger(&mut self, id: &str) -> Result<(), DomainError> {
        let index = self
            .state
            .triggers
            .iter()
            .position(|t| t.id == id)
            .ok_or(DomainError::TriggerNotFound)?;
        self.state.triggers.remove(index);
        Ok(())
    }
}
