//! Who may reach what (R34, R35): minting project tokens, recognising member tokens and restricted
//! environments. It only answers questions about the stored access records; enforcing them per
//! request belongs to the schema's `access` module.

use super::{DomainError, Store};
use crate::sandbox::model::{ProjectTokenRecord, new_id, now_rfc3339};

impl Store {
    /// R34: a project token reaches exactly one environment of one project. Returns the secret.
    pub(crate) fn create_project_token(
        &mut self,
        project_id: &str,
        environment_id: &str,
        name: &str,
    ) -> Result<String, DomainError> {
        self.environment_in_project(project_id, environment_id)?;
        let record = ProjectTokenRecord {
            id: new_id(),
            // Railway's project tokens are UUIDs too.
            token: new_id(),
            name: name.to_string(),
            project_id: project_id.to_string(),
            environment_id: environment_id.to_string(),
            created_at: now_rfc3339(),
        };
        let token = record.token.clone();
        self.state.access.project_tokens.push(record);
        Ok(token)
    }

    /// The project token whose secret is `token`, if one was minted.
    pub(crate) fn project_token(&self, token: &str) -> Option<&ProjectTokenRecord> {
        self.state
            .access
            .project_tokens
            .iter()
            .find(|t| t.token == token)
    }

    /// The project's tokens, oldest first; an unknown or deleted project has none to list.
    pub(crate) fn project_tokens_of(
        &self,
        project_id: &str,
    ) -> Result<Vec<ProjectTokenRecord>, DomainError> {
        self.project(project_id)?;
        Ok(self
            .state
            .access
            .project_tokens
            .iter()
            .filter(|t| t.project_id == project_id)
            .cloned()
            .collect())
    }

    /// Forgets a project token: requests carrying its secret are refused from now on.
    // R37: an unknown id answers "Not Authorized", like every delete.
    pub(crate) fn delete_project_token(&mut self, id: &str) -> Result<(), DomainError> {
        let tokens = &mut self.state.access.project_tokens;
        let index = tokens
            .iter()
            .position(|t| t.id == id)
            .ok_or(DomainError::NotAuthorized)?;
        tokens.remove(index);
        Ok(())
    }

    /// R35: a member's account token: restricted environments are closed to it.
    pub(crate) fn is_member_token(&self, token: &str) -> bool {
        self.state.access.member_tokens.iter().any(|t| t == token)
    }

    /// R35: the environment is restricted to workspace admins.
    pub(crate) fn is_restricted(&self, environment_id: &str) -> bool {
        self.state
            .access
            .restricted_environments
            .iter()
            .any(|id| id == environment_id)
    }

    /// The project an environment belongs to, deleted or not.
    pub(crate) fn project_of_environment(&self, environment_id: &str) -> Option<String> {
        self.state
            .environments
            .iter()
            .find(|e| e.id == environment_id)
            .map(|e| e.project_id.clone())
    }

    /// The environment an environment-scoped object (domain, TCP proxy, volume instance,
    /// deployment trigger, service instance) lives in, found by its id.
    pub(crate) fn environment_of_object(&self, id: &str) -> Option<String> {
        let state = &self.state;
        let service_domain = state.service_domains.iter().find(|d| d.id == id);
        let custom_domain = state.custom_domains.iter().find(|d| d.id == id);
        let proxy = state.tcp_proxies.iter().find(|p| p.id == id);
        let volume_instance = state.volume_instances.iter().find(|v| v.id == id);
        let trigger = state.triggers.iter().find(|t| t.id == id);
        let service_instance = state.instances.iter().find(|i| i.id == id);
        service_domain
            .map(|d| d.environment_id.clone())
            .or_else(|| custom_domain.map(|d| d.environment_id.clone()))
            .or_else(|| proxy.map(|p| p.environment_id.clone()))
            .or_else(|| volume_instance.map(|v| v.environment_id.clone()))
            .or_else(|| trigger.map(|t| t.environment_id.clone()))
            .or_else(|| service_instance.map(|i| i.environment_id.clone()))
    }

    /// The project of a volume, found by its id.
    pub(crate) fn project_of_volume(&self, id: &str) -> Option<String> {
        self.state
            .volumes
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.project_id.clone())
    }

    /// The project a service belongs to, deleted or not.
    pub(crate) fn project_of_service(&self, service_id: &str) -> Option<String> {
        self.state
            .services
            .iter()
            .find(|s| s.id == service_id)
            .map(|s| s.project_id.clone())
    }
}
