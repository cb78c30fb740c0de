//! Service and shared variables on the sandbox store: upsert, replace, delete, and best-effort
//! rendering of `${{...}}` references. It must not decide what a request may see (auth is HTTP's).

use std::collections::BTreeMap;

use super::{DomainError, Store};
use crate::sandbox::model::{VariableRecord, new_id};

impl Store {
    fn check_variable_scope(
        &self,
        project_id: &str,
        environment_id: &str,
        service_id: Option<&str>,
    ) -> Result<(), DomainError> {
        self.environment_in_project(project_id, environment_id)?;
        if let Some(service_id) = service_id {
            self.service(service_id)?;
        }
        Ok(())
    }

    /// `service_id: None` writes shared variables. `replace` drops the scope's other names first.
    pub(crate) fn upsert_variables(
        &mut self,
        project_id: &str,
        environment_id: &str,
        service_id: Option<&str>,
        variables: Vec<(String, String)>,
        replace: bool,
        skip_deploys: bool,
    ) -> Result<(), DomainError> {
        self.check_variable_scope(project_id, environment_id, service_id)?;
        let in_scope = |v: &VariableRecord| {
            v.environment_id == environment_id && v.service_id.as_deref() == service_id
        };
        if replace {
            self.state.variables.retain(|v| !in_scope(v));
        }
        let names: Vec<String> = variables.iter().map(|(name, _)| name.clone()).collect();
        for (name, value) in variables {
            match self
                .state
                .variables
                .iter_mut()
                .find(|v| in_scope(v) && v.name == name)
            {
                Some(existing) => existing.value = value,
                None => self.state.variables.push(VariableRecord {
                    id: new_id(),
                    environment_id: environment_id.to_string(),
                    service_id: service_id.map(str::to_string),
                    name,
                    value,
                    sealed: false,
                }),
            }
        }
        if !skip_deploys {
            // R28: Railway redeploys the affected services unless told not to.
            self.deploy_after_variable_change(environment_id, service_id, &names)?;
        }
        Ok(())
    }

    pub(crate) fn delete_variable(
        &mut self,
        project_id: &str,
        environment_id: &str,
        service_id: Option<&str>,
        name: &str,
    ) -> Result<(), DomainError> {
        self.check_variable_scope(project_id, environment_id, service_id)?;
        self.state.variables.retain(|v| {
            !(v.environment_id == environment_id
                && v.service_id.as_deref() == service_id
                && v.name == name)
        });
        // R28: a delete has no skipDeploys flag; it always redeploys what it affects.
        self.deploy_after_variable_change(environment_id, service_id, &[name.to_string()])
    }

    /// Names of the sealed variables of one scope.
    pub(crate) fn sealed_names(
        &self,
        environment_id: &str,
        service_id: Option<&str>,
    ) -> std::collections::BTreeSet<String> {
        self.state
            .variables
            .iter()
            .filter(|v| {
                v.sealed
                    && v.environment_id == environment_id
                    && v.service_id.as_deref() == service_id
            })
            .map(|v| v.name.clone())
            .collect()
    }

    /// Seals variables of one scope (a seed file's `sealedVariables`); unknown names are an error.
    pub(crate) fn seal_variables(
        &mut self,
        environment_id: &str,
        service_id: Option<&str>,
        names: &[String],
    ) -> Result<(), String> {
        for name in names {
            let record = self
                .state
                .variables
                .iter_mut()
                .find(|v| {
                    v.environment_id == environment_id
                        && v.service_id.as_deref() == service_id
                        && &v.name == name
                })
                .ok_or_else(|| format!("sealed variable {name} is not among the variables"))?;
            record.sealed = true;
        }
        Ok(())
    }

    /// The raw `{NAME: value}` map of one scope (a service, or shared when `service_id` is `None`).
    pub(crate) fn raw_variables(
        &self,
        environment_id: &str,
        service_id: Option<&str>,
    ) -> BTreeMap<String, String> {
        self.state
            .variables
            .iter()
            .filter(|v| v.environment_id == environment_id && v.service_id.as_deref() == service_id)
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect()
    }

    pub(crate) fn variables_map(
        &self,
        project_id: &str,
        environment_id: &str,
        service_id: Option<&str>,
        unrendered: bool,
    ) -> Result<BTreeMap<String, String>, DomainError> {
        self.check_variable_scope(project_id, environment_id, service_id)?;
        let mut raw = self.raw_variables(environment_id, service_id);
        // Sealed values can never be read back, rendered or not.
        for name in self.sealed_names(environment_id, service_id) {
            raw.remove(&name);
        }
        if unrendered {
            return Ok(raw);
        }
        let scope = RenderScope {
            project_id,
            environment_id,
        };
        Ok(raw
            .iter()
            .map(|(name, value)| {
                let rendered = self.render(&scope, service_id, value, MAX_REFERENCE_DEPTH);
                (name.clone(), rendered)
            })
            .collect())
    }

    /// Renders `value` as seen from `service_id` (shared variables when `None`): a referenced
    /// variable is rendered in its own scope in turn, up to `depth` levels, and a service's
    /// Railway-provided variables resolve too (railway-api.md §6).
    fn render(
        &self,
        scope: &RenderScope<'_>,
        service_id: Option<&str>,
        value: &str,
        depth: u8,
    ) -> String {
        render_references(value, |namespace, key| {
            let target = match namespace {
                None => service_id.map(str::to_string),
                Some("shared") => None,
                Some(name) => match self.live_service_id_by_name(scope.project_id, name) {
                    Some(service_id) => Some(service_id),
                    // R49: a bucket's variables, by the bucket's name.
                    None => {
                        return self.bucket_variable(
                            scope.project_id,
                            scope.environment_id,
                            name,
                            key,
                        );
                    }
                },
            };
            let target = target.as_deref();
            // R27: a sealed value is never returned, so it never renders into another value.
            let sealed = self
                .sealed_names(scope.environment_id, target)
                .contains(key);
            let found = self.raw_variables(scope.environment_id, target).remove(key);
            match found.filter(|_| !sealed) {
                Some(found) if depth > 0 => Some(self.render(scope, target, &found, depth - 1)),
                Some(found) => Some(found),
                None => {
                    self.provided_variable(scope.project_id, scope.environment_id, target?, key)
                }
            }
        })
    }

    fn live_service_id_by_name(&self, project_id: &str, name: &str) -> Option<String> {
        self.state
            .services
            .iter()
            .find(|s| s.project_id == project_id && s.deleted_at.is_none() && s.name == name)
            .map(|s| s.id.clone())
    }
}

/// How deep references inside referenced values are rendered; a guess that stops cycles
/// (Railway's own limit and its answer to a cycle are not documented).
const MAX_REFERENCE_DEPTH: u8 = 4;

/// The project and environment a rendering happens in.
struct RenderScope<'a> {
    project_id: &'a str,
    environment_id: &'a str,
}

/// Every `${{...}}` reference in a value, trimmed, e.g. `shared.API_KEY`.
pub(crate) fn references(value: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        found.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    found
}

/// Replaces each reference by `lookup(namespace, name)`; unresolved references render empty,
/// which is what a Railway deployment sees for a missing variable.
fn render_references(value: &str, lookup: impl Fn(Option<&str>, &str) -> Option<String>) -> String {
    let mut output = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        output.push_str(&rest[..start]);
        let reference = after[..end].trim();
        let resolved = match reference.split_once('.') {
            Some((namespace, key)) => lookup(Some(namespace.trim()), key.trim()),
            None => lookup(None, reference),
        };
        output.push_str(&resolved.unwrap_or_default());
        rest = &after[end + 2..];
    }
    output.push_str(rest);
    output
}
