//! Railway's project, environment and service maintenance writes that Railway's CLI sends:
//! `projectUpdate`, `projectDelete`, `environmentDelete`, `serviceUpdate`, `serviceConnect`,
//! `serviceDisconnect`. Creation stays in `mutations`; nothing here knows about GraphQL.

use super::{DomainError, Store};
use crate::sandbox::model::{ProjectRecord, ServiceRecord, now_rfc3339};

/// `ProjectUpdateInput` fields the sandbox keeps; absent means unchanged.
#[derive(Default)]
pub(crate) struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_public: Option<bool>,
    pub pr_deploys: Option<bool>,
    pub bot_pr_environments: Option<bool>,
    pub focused_pr_environments: Option<bool>,
    /// `Some(None)` clears the base (R51: only an explicit null does).
    pub base_environment_id: Option<Option<String>>,
}

/// A service's new source (`serviceConnect`) or none (`serviceDisconnect`).
pub(crate) struct ServiceSourceChange {
    pub image: Option<String>,
    pub repo: Option<String>,
}

impl Store {
    pub(crate) fn update_project(
        &mut self,
        id: &str,
        changes: ProjectChanges,
    ) -> Result<ProjectRecord, DomainError> {
        if changes.name.as_ref().is_some_and(|n| n.trim().is_empty()) {
            return Err(DomainError::InvalidProjectName);
        }
        // R50: the base is one of the project's live environments (guess: the error is
        // environmentCreate's for an unknown source).
        if let Some(Some(base)) = &changes.base_environment_id {
            self.environment_in_project(id, base)?;
        }
        let project = self
            .state
            .projects
            .iter_mut()
            .find(|p| p.id == id && p.deleted_at.is_none())
            .ok_or(DomainError::ProjectNotFound)?;
        if let Some(name) = changes.name {
            project.name = name;
        }
        if changes.description.is_some() {
            project.description = changes.description;
        }
        if let Some(is_public) = changes.is_public {
            project.is_public = is_public;
        }
        if let Some(pr_deploys) = changes.pr_deploys {
            project.pr_deploys = pr_deploys;
        }
        if let Some(bots) = changes.bot_pr_environments {
            project.bot_pr_environments = bots;
        }
        if let Some(focused) = changes.focused_pr_environments {
            project.focused_pr_environments = focused;
        }
        if let Some(base) = changes.base_environment_id {
            project.base_environment_id = base;
        }
        Ok(project.clone())
    }

    /// Soft delete of the project with its environments, services and instances.
    pub(crate) fn delete_project(&mut self, id: &str) -> Result<(), DomainError> {
        // R37: deleting an unknown or already deleted project answers "Not Authorized".
        self.project(id).map_err(|_| DomainError::NotAuthorized)?;
        let at = now_rfc3339();
        let environment_ids: Vec<String> = self
            .environments_of_project(id, None)
            .into_iter()
            .map(|e| e.id)
            .collect();
        for environment_id in &environment_ids {
            self.soft_delete_environment(environment_id, &at);
        }
        for service in self
            .state
            .services
            .iter_mut()
            .filter(|s| s.project_id == id)
        {
            service.deleted_at.get_or_insert_with(|| at.clone());
        }
        for project in self.state.projects.iter_mut().filter(|p| p.id == id) {
            project.deleted_at = Some(at.clone());
        }
        Ok(())
    }

    /// Soft delete of the environment and its service instances.
    pub(crate) fn delete_environment(&mut self, id: &str) -> Result<(), DomainError> {
        // R37: deleting an unknown or already deleted environment answers "Not Authorized".
        self.environment(id)
            .map_err(|_| DomainError::NotAuthorized)?;
        self.soft_delete_environment(id, &now_rfc3339());
        Ok(())
    }

    /// Test hook, not a Railway rule: backdates an environment's `createdAt`, so a test can
    /// age a preview past `expireAfter` without waiting.
    pub(crate) fn set_environment_created_at(
        &mut self,
        id: &str,
        created_at: &str,
    ) -> Result<(), DomainError> {
        self.environment(id)?;
        for environment in self.state.environments.iter_mut().filter(|e| e.id == id) {
            environment.created_at = created_at.to_string();
        }
        Ok(())
    }

    fn soft_delete_environment(&mut self, id: &str, at: &str) {
        for environment in self.state.environments.iter_mut().filter(|e| e.id == id) {
            environment.deleted_at.get_or_insert_with(|| at.to_string());
        }
        for instance in self
            .state
            .instances
            .iter_mut()
            .filter(|i| i.environment_id == id)
        {
            instance.deleted_at.get_or_insert_with(|| at.to_string());
        }
    }

    /// `serviceUpdate`: renames (unique per project) and sets the icon.
    pub(crate) fn update_service(
        &mut self,
        id: &str,
        name: Option<String>,
        icon: Option<String>,
    ) -> Result<ServiceRecord, DomainError> {
        let project_id = self.service(id)?.project_id.clone();
        if let Some(name) = &name {
            let taken = self.state.services.iter().any(|s| {
                s.project_id == project_id
                    && s.id != id
                    && s.deleted_at.is_none()
                    && s.name == *name
            });
            if taken {
                return Err(DomainError::DuplicateService(name.clone()));
            }
        }
        let service = self
            .state
            .services
            .iter_mut()
            .find(|s| s.id == id && s.deleted_at.is_none())
            .ok_or(DomainError::ServiceNotFound)?;
        if let Some(name) = name {
            service.name = name;
        }
        if icon.is_some() {
            service.icon = icon;
        }
        Ok(service.clone())
    }

    /// `serviceConnect` / `serviceDisconnect`: the source of every live instance of the service.
    /// Guess: Railway also deploys after a connect; the sandbox only records the source.
    pub(crate) fn set_service_source(
        &mut self,
        id: &str,
        source: ServiceSourceChange,
    ) -> Result<ServiceRecord, DomainError> {
        let service = self.service(id)?.clone();
        for instance in self
            .state
            .instances
            .iter_mut()
            .filter(|i| i.service_id == id && i.deleted_at.is_none())
        {
            instance.settings.image = source.image.clone();
            instance.settings.repo = source.repo.clone();
        }
        Ok(service)
    }
}
