//! Railway-provided variables (`RAILWAY_PRIVATE_DOMAIN`, `RAILWAY_SERVICE_NAME`, ...) as
//! references resolve them when variables are rendered (railway-api.md §6). Reads the store
//! only; never stores a variable, so unrendered reads and drift checks never see them.

use super::Store;

impl Store {
    /// The value Railway provides for `name` to service `service_id` in `environment_id`, or
    /// `None` when it provides none the sandbox knows. Guess: the private domain's label is the
    /// service name lowercased with other characters turned into `-` (Railway's slug rule is not
    /// documented); the public domain is the instance's first generated domain.
    pub(super) fn provided_variable(
        &self,
        project_id: &str,
        environment_id: &str,
        service_id: &str,
        name: &str,
    ) -> Option<String> {
        let service = self.service(service_id).ok()?;
        let value = match name {
            "RAILWAY_PRIVATE_DOMAIN" => format!("{}.railway.internal", slug(&service.name)),
            "RAILWAY_PUBLIC_DOMAIN" => self
                .state
                .service_domains
                .iter()
                .find(|d| {
                    d.service_id == service_id
                        && d.environment_id == environment_id
                        && d.deleted_at.is_none()
                })?
                .domain
                .clone(),
            "RAILWAY_SERVICE_ID" => service_id.to_string(),
            "RAILWAY_SERVICE_NAME" => service.name.clone(),
            "RAILWAY_PROJECT_ID" => project_id.to_string(),
            "RAILWAY_PROJECT_NAME" => self.project(project_id).ok()?.name.clone(),
            "RAILWAY_ENVIRONMENT_ID" => environment_id.to_string(),
            "RAILWAY_ENVIRONMENT_NAME" | "RAILWAY_ENVIRONMENT" => {
                self.environment(environment_id).ok()?.name.clone()
            }
            _ => return None,
        };
        Some(value)
    }
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
