//! `templateDeployV2` on the store (R45–R48): the services of a template's `serializedConfig`
//! become service records carrying `templateId`/`templateServiceId`, and their instances,
//! variables, volumes and TCP proxies one environment patch, committed (and deployed) at once or
//! staged with `stageOnly`. The template catalog itself lives in `sandbox::templates`.

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::{DomainError, Store};
use crate::sandbox::model::{ServiceRecord, VolumeRecord, new_id, now_rfc3339};
use crate::sandbox::templates::{self, Template, evaluate_functions};

/// What a client sent to `templateDeployV2`.
pub(crate) struct TemplateDeploy {
    pub project_id: String,
    pub environment_id: String,
    pub template_id: String,
    pub serialized_config: Value,
    pub stage_only: bool,
}

/// One service of a template to create, under its final name.
pub(super) struct TemplateService<'a> {
    pub project_id: &'a str,
    pub template: &'a Template,
    pub template_service_id: &'a str,
    pub name: String,
}

/// A variable's value as Railway fills it: the client's `value`, else `defaultValue`, else the
/// `generator`; template functions evaluated (R45). `None` when the template leaves it unset.
fn variable_value(entry: &Value) -> Option<String> {
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let raw = text("value")
        .or_else(|| text("defaultValue"))
        .or_else(|| text("generator").map(|g| format!("${{{{{g}}}}}")))?;
    Some(evaluate_functions(&raw))
}

impl Store {
    /// R45: creates every service of the config; returns the workflow id (complete at once:
    /// guess, Railway's workflow takes seconds and the CLI polls until it completes).
    pub(crate) fn deploy_template(
        &mut self,
        deploy: TemplateDeploy,
    ) -> Result<String, DomainError> {
        self.environment_in_project(&deploy.project_id, &deploy.environment_id)?;
        let template = templates::find(None, Some(&deploy.template_id))
            .ok_or(DomainError::TemplateNotFound)?;
        let services = deploy
            .serialized_config
            .get("services")
            .and_then(Value::as_object)
            .ok_or_else(|| DomainError::InvalidPatch("serializedConfig.services".into()))?;
        let backup = self.state.clone();
        let mut patch = json!({ "services": {}, "volumes": {} });
        for (template_service_id, service) in services {
            let wanted = service
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(template.name);
            let name = self.free_service_name(&deploy.project_id, wanted);
            let new = TemplateService {
                project_id: &deploy.project_id,
                template,
                template_service_id,
                name,
            };
            self.create_template_service(new, service, &mut patch);
        }
        let result = if deploy.stage_only {
            // R45, R47: staged, so that the client can change the image before the first deploy.
            self.stage_changes(&deploy.environment_id, patch, true)
                .map(|_| ())
        } else {
            self.commit_patch(&deploy.environment_id, &patch, true)
                .map(|_| ())
        };
        if let Err(error) = result {
            self.state = backup;
            return Err(error);
        }
        Ok(self.workflows.start(Utc::now()))
    }

    /// One template service: its record now, its instance's settings in `patch` (under
    /// `services` and `volumes`); returns the new service's id.
    pub(super) fn create_template_service(
        &mut self,
        new: TemplateService<'_>,
        service: &Value,
        patch: &mut Value,
    ) -> String {
        let TemplateService {
            project_id,
            template,
            template_service_id,
            name,
        } = new;
        let record = ServiceRecord {
            id: new_id(),
            name,
            icon: service
                .get("icon")
                .and_then(Value::as_str)
                .map(str::to_string),
            project_id: project_id.to_string(),
            template_id: Some(template.id.to_string()),
            template_service_id: Some(template_service_id.to_string()), // R48
            deleted_at: None,
            created_at: now_rfc3339(),
        };
        let mut entry = Map::new();
        entry.insert("isCreated".into(), json!(true));
        // R47: the template's current image, whatever the client asked for.
        let image = if template_service_id == template.service_id {
            Some(template.image.to_string())
        } else {
            service
                .pointer("/source/image")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(image) = image {
            entry.insert("source".into(), json!({ "image": image }));
        }
        if let Some(deploy_section) = service.get("deploy").filter(|d| d.is_object()) {
            entry.insert("deploy".into(), deploy_section.clone());
        }
        let variables: Map<String, Value> = service
            .get("variables")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, v)| {
                variable_value(v).map(|value| (name.clone(), json!({ "value": value })))
            })
            .collect();
        entry.insert("variables".into(), Value::Object(variables));
        // R46 (disputed): the proxy the template declares, unless the sandbox is told otherwise.
        if let Some(proxies) = service.pointer("/networking/tcpProxies")
            && !self.template_tcp_proxy_off
        {
            entry.insert("networking".into(), json!({ "tcpProxies": proxies }));
        }
        let mounts = self.template_volumes(project_id, &record.name, service, patch);
        if !mounts.is_empty() {
            entry.insert("volumeMounts".into(), Value::Object(mounts));
        }
        patch["services"][&record.id] = Value::Object(entry);
        let id = record.id.clone();
        self.state.services.push(record);
        id
    }

    /// A new volume per template volume mount, named after the service in Railway's volume
    /// name alphabet (`Postgres` gets `postgres-volume`; guess: Railway names them so too);
    /// returns the service's `volumeMounts` by new volume id.
    fn template_volumes(
        &mut self,
        project_id: &str,
        service_name: &str,
        service: &Value,
        patch: &mut Value,
    ) -> Map<String, Value> {
        let mut mounts = Map::new();
        let wanted = service.get("volumeMounts").and_then(Value::as_object);
        for mount in wanted.into_iter().flat_map(|m| m.values()) {
            let volume = VolumeRecord {
                id: new_id(),
                name: self.free_volume_name(project_id, &volume_name(service_name)),
                project_id: project_id.to_string(),
                created_at: now_rfc3339(),
                deleted_at: None,
            };
            patch["volumes"][&volume.id] = json!({ "isCreated": true });
            let path = mount.get("mountPath").cloned().unwrap_or(Value::Null);
            mounts.insert(volume.id.clone(), json!({ "mountPath": path }));
            self.state.volumes.push(volume);
        }
        mounts
    }

    /// `wanted`, or `wanted-2`, `-3`... when a live service has it (guess at Railway's naming).
    fn free_service_name(&self, project_id: &str, wanted: &str) -> String {
        let taken = |name: &str| {
            self.state
                .services
                .iter()
                .any(|s| s.project_id == project_id && s.deleted_at.is_none() && s.name == name)
        };
        free_name(wanted, taken)
    }

    fn free_volume_name(&self, project_id: &str, wanted: &str) -> String {
        let taken = |name: &str| {
            self.state
                .volumes
                .iter()
                .any(|v| v.project_id == project_id && v.deleted_at.is_none() && v.name == name)
        };
        free_name(wanted, taken)
    }
}

/// `<service>-volume` in lowercase letters, digits and `-`, at most 63 characters (R24 keeps
/// it unique; the alphabet is Railway's for volume names).
fn volume_name(service_name: &str) -> String {
    let base: String = service_name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .take(50)
        .collect();
    format!("{base}-volume")
}

fn free_name(wanted: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| match n {
            1 => wanted.to_string(),
            n => format!("{wanted}-{n}"),
        })
        .find(|name| !taken(name))
        .unwrap_or_else(|| wanted.to_string())
}
