//! Railway's IaC on the store: `environmentPreviewChangeSet`, `environmentApplyChangeSet` and
//! `environmentChangeSetApply`. A change set becomes one environment patch, committed like
//! `environmentPatchCommit` (so one deploy per affected service, R16); it never parses GraphQL.
//!
//! Rules read from Railway's CLI 5.71.0 (`iac/engine.rs`, `iac/change_set.rs`), where the
//! reference is silent:
//! - an apply names its base with `baseConfigEtag`; a stale base is refused with the code
//!   `STALE_ENVIRONMENT_BASE` (the TypeScript SDK's `StaleEnvironmentError`), writing nothing (R15);
//! - the preview compares against decrypted values and drops variable writes that change
//!   nothing (the CLI reads masked values, so every literal looks changed to it);
//! - `networking` in an update is a sparse patch; `source`, `build` and `deploy` are replaced
//!   (what the new value leaves out is cleared, R13);
//! - a service created by a change set exists in that environment only (guess: a change set
//!   is one environment's);
//! - an apply answers `applying` unless `waitForCompletion`, and its status is then polled.
//!   The sandbox applies at once and atomically, so the first poll reads `applied`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{DomainError, Store, TemplateService};
use crate::sandbox::change_set::{
    self, Change, ParsedChange, attachments, is_service_type, replacing_patch, source_to_config,
    split_address,
};
use crate::sandbox::config_blob;
use crate::sandbox::model::{
    ChangeOutcomeRecord, ChangeSetApplyRecord, ServiceRecord, VolumeRecord, new_id, now_rfc3339,
};
use crate::sandbox::patch_merge::merge_patches;
use crate::sandbox::templates;

/// Fields of a node the sandbox does not emulate: their updates are reported `skipped`.
const SKIPPED_FIELDS: &[&str] = &["groupId", "tracing", "cdn", "configFile"];

/// Ids of the project's live services and volumes by name, including the ones a change set
/// creates.
#[derive(Default)]
struct Names {
    services: BTreeMap<String, String>,
    volumes: BTreeMap<String, String>,
}

impl Names {
    fn service(&self, address: &str) -> Result<&str, DomainError> {
        split_address(address)
            .and_then(|(_, name)| self.services.get(name))
            .map(String::as_str)
            .ok_or(DomainError::ServiceNotFound)
    }
    fn volume(&self, name: &str) -> Result<&str, DomainError> {
        self.volumes
            .get(name)
            .map(String::as_str)
            .ok_or(DomainError::VolumeNotFound)
    }
}

/// Puts `value` at `path` in `patch`, merging with what is there.
fn put(patch: &mut Value, path: &[&str], value: Value) {
    let nested = path
        .iter()
        .rev()
        .fold(value, |inner, key| json!({ *key: inner }));
    merge_patches(patch, &nested);
}

impl Store {
    /// The change set with the variable writes that would change nothing left out.
    pub(crate) fn preview_change_set(
        &self,
        environment_id: &str,
        input: &Value,
    ) -> Result<Value, DomainError> {
        let project_id = self.environment(environment_id)?.project_id.clone();
        let parsed = change_set::parse(input).map_err(DomainError::InvalidChangeSet)?;
        let names = self.names(&project_id);
        let raw = input
            .get("changes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let kept: Vec<Value> = raw
            .into_iter()
            .zip(&parsed)
            .filter(|(_, p)| !self.writes_nothing(environment_id, &names, &p.change))
            .map(|(raw, _)| raw)
            .collect();
        let mut previewed = input.clone();
        if let Some(object) = previewed.as_object_mut() {
            object.insert("changes".into(), Value::Array(kept));
        }
        // Guess: Railway's `effects` shape is not public; the CLI only passes it through.
        Ok(json!({ "changeSet": previewed, "diagnostics": [], "effects": [] }))
    }

    /// R15, R16: checks the base, applies every change as one patch or nothing, records it.
    pub(crate) fn apply_change_set(
        &mut self,
        environment_id: &str,
        input: &Value,
        base_config_etag: Option<&str>,
    ) -> Result<ChangeSetApplyRecord, DomainError> {
        let project_id = self.environment(environment_id)?.project_id.clone();
        if let Some(base) = base_config_etag
            && base != config_blob::config_etag(self, environment_id)
        {
            return Err(DomainError::StaleEnvironmentBase); // R15
        }
        let parsed = change_set::parse(input).map_err(DomainError::InvalidChangeSet)?;
        let backup = self.state.clone();
        let outcomes = match self.apply_parsed(&project_id, environment_id, &parsed) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                self.state = backup;
                return Err(error);
            }
        };
        let record = ChangeSetApplyRecord {
            id: new_id(),
            environment_id: environment_id.to_string(),
            status: "applied".into(),
            deployment_id: None,
            changes: outcomes,
            created_at: now_rfc3339(),
        };
        self.state.change_set_applies.push(record.clone());
        Ok(record)
    }

    /// `environmentChangeSetApply`: an earlier apply of this environment.
    pub(crate) fn change_set_apply(
        &self,
        environment_id: &str,
        id: &str,
    ) -> Result<ChangeSetApplyRecord, DomainError> {
        self.state
            .change_set_applies
            .iter()
            .find(|r| r.id == id && r.environment_id == environment_id)
            .cloned()
            .ok_or(DomainError::ChangeSetApplyNotFound)
    }

    fn names(&self, project_id: &str) -> Names {
        Names {
            services: self
                .services_of_project(project_id)
                .into_iter()
                .map(|s| (s.name, s.id))
                .collect(),
            volumes: self
                .volumes_of_project(project_id)
                .into_iter()
                .map(|v| (v.name, v.id))
                .collect(),
        }
    }

    /// A variable write whose value the environment already holds.
    fn writes_nothing(&self, environment_id: &str, names: &Names, change: &Change) -> bool {
        let Change::SetVariable {
            address,
            name,
            after,
        } = change
        else {
            return false;
        };
        let (Ok(service_id), Some(wanted)) =
            (names.service(address), change_set::variable_value(after))
        else {
            return false;
        };
        self.state.variables.iter().any(|v| {
            v.environment_id == environment_id
                && v.service_id.as_deref() == Some(service_id)
                && v.name == *name
                && v.value == wanted
        })
    }

    fn apply_parsed(
        &mut self,
        project_id: &str,
        environment_id: &str,
        parsed: &[ParsedChange],
    ) -> Result<Vec<ChangeOutcomeRecord>, DomainError> {
        let mut names = self.names(project_id);
        let mut patch = json!({});
        let mut outcomes = Vec::with_capacity(parsed.len());
        // Nodes first, so that mounts and references in the same set can name them.
        for change in parsed {
            if let Change::Create { address, resource } = &change.change {
                self.create_node(project_id, address, resource, &mut names, &mut patch)?;
            }
        }
        for change in parsed {
            let applied = self.patch_for(&change.change, &names, &mut patch)?;
            outcomes.push(ChangeOutcomeRecord {
                kind: change.kind.clone(),
                path: change.path.clone(),
                summary: change.summary.clone(),
                status: if applied { "applied" } else { "skipped" }.into(),
            });
        }
        self.commit_patch(environment_id, &patch, true)?;
        Ok(outcomes)
    }

    /// The record of a new service or volume; its instance comes with the patch.
    fn create_node(
        &mut self,
        project_id: &str,
        address: &str,
        resource: &Value,
        names: &mut Names,
        patch: &mut Value,
    ) -> Result<(), DomainError> {
        let Some((resource_type, name)) = split_address(address) else {
            return Err(DomainError::InvalidChangeSet(format!(
                "{address} is not a resource address"
            )));
        };
        if is_service_type(resource_type) && names.services.contains_key(name) {
            return Err(DomainError::DuplicateService(name.to_string()));
        }
        if resource_type == "database" {
            // R45: Railway realises a database node through the engine's template (R46, R47).
            let template = templates::for_database_node(resource).ok_or_else(|| {
                DomainError::InvalidChangeSet(format!("{address}: unknown database engine"))
            })?;
            let service = &template.serialized_config()["services"][template.service_id];
            let new = TemplateService {
                project_id,
                template,
                template_service_id: template.service_id,
                name: name.to_string(),
            };
            let id = self.create_template_service(new, service, patch);
            names.services.insert(name.to_string(), id);
        } else if is_service_type(resource_type) {
            let service = ServiceRecord {
                id: new_id(),
                name: name.to_string(),
                icon: None,
                project_id: project_id.to_string(),
                template_service_id: None,
                template_id: None,
                deleted_at: None,
                created_at: now_rfc3339(),
            };
            names.services.insert(name.to_string(), service.id.clone());
            self.state.services.push(service);
        } else if resource_type == "volume" {
            if names.volumes.contains_key(name) {
                return Err(DomainError::DuplicateVolumeName(name.to_string())); // R24
            }
            let volume = VolumeRecord {
                id: new_id(),
                name: name.to_string(),
                project_id: project_id.to_string(),
                created_at: now_rfc3339(),
                deleted_at: None,
            };
            let mut entry = resource.get("config").cloned().unwrap_or_else(|| json!({}));
            put(&mut entry, &["isCreated"], json!(true));
            put(patch, &["volumes", &volume.id], entry);
            names.volumes.insert(name.to_string(), volume.id.clone());
            self.state.volumes.push(volume);
        }
        Ok(())
    }

    /// Adds one change to the environment patch; false when the sandbox skips it.
    fn patch_for(
        &mut self,
        change: &Change,
        names: &Names,
        patch: &mut Value,
    ) -> Result<bool, DomainError> {
        let node_type = split_address(change.address()).map(|(t, _)| t);
        if !node_type.is_some_and(|t| is_service_type(t) || t == "volume") {
            return Ok(false); // buckets and groups are not emulated
        }
        if node_type == Some("volume") {
            return self.patch_volume(change, names, patch);
        }
        let service_id = names.service(change.address())?.to_string();
        match change {
            Change::Create { resource, .. } if node_type == Some("database") => {
                // The template's entry is in the patch already; only a region is the node's.
                if let Some(placement) = resource.pointer("/deploy/multiRegionConfig") {
                    let path = ["services", &service_id, "deploy", "multiRegionConfig"];
                    put(patch, &path, placement.clone());
                }
            }
            Change::Create { resource, .. } => {
                let mut entry = change_set::service_entry(resource);
                let mounts = mounts_patch(&Value::Null, resource.get("volumeAttachments"), names)?;
                if mounts.as_object().is_some_and(|m| !m.is_empty()) {
                    put(&mut entry, &["volumeMounts"], mounts);
                }
                put(patch, &["services", &service_id], entry);
            }
            Change::SetVariable { name, after, .. } => {
                if let Some(value) = change_set::variable_to_config(after) {
                    put(patch, &["services", &service_id, "variables", name], value);
                }
            }
            Change::DeleteVariable { name, .. } => {
                put(
                    patch,
                    &["services", &service_id, "variables", name],
                    Value::Null,
                ); // R13
            }
            Change::Delete { .. } => {
                // R9: the instance of this environment only.
                put(
                    patch,
                    &["services", &service_id],
                    json!({ "isDeleted": true }),
                );
            }
            Change::Update {
                field,
                before,
                after,
                ..
            } => {
                let value = match field.as_str() {
                    "name" => {
                        let name = after.as_str().map(str::to_string);
                        self.update_service(&service_id, name, None)?;
                        return Ok(true);
                    }
                    "source" => {
                        replacing_patch(&source_to_config(before), &source_to_config(after))
                    }
                    "build" | "deploy" => replacing_patch(before, after),
                    "networking" => after.clone(),
                    "volumeAttachments" => mounts_patch(before, Some(after), names)?,
                    skipped if SKIPPED_FIELDS.contains(&skipped) => return Ok(false),
                    other => {
                        return Err(DomainError::InvalidChangeSet(format!(
                            "{}: the field {other:?} cannot be updated",
                            change.address()
                        )));
                    }
                };
                let key = if field == "volumeAttachments" {
                    "volumeMounts"
                } else {
                    field.as_str()
                };
                put(patch, &["services", &service_id, key], value);
            }
        }
        Ok(true)
    }

    /// A volume's `config` (size, region) or its removal from this environment.
    fn patch_volume(
        &mut self,
        change: &Change,
        names: &Names,
        patch: &mut Value,
    ) -> Result<bool, DomainError> {
        let name = split_address(change.address()).map_or("", |(_, n)| n);
        let volume_id = names.volume(name)?.to_string();
        match change {
            Change::Create { .. } => {}
            Change::Update { field, after, .. } if field == "config" => {
                put(patch, &["volumes", &volume_id], after.clone());
            }
            Change::Delete { .. } => {
                put(
                    patch,
                    &["volumes", &volume_id],
                    json!({ "isDeleted": true }),
                );
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `volumeMounts` for the change from `before` to `after` attachments: new or moved mounts
/// by volume id, and a `null` for each volume no longer attached (R13).
fn mounts_patch(
    before: &Value,
    after: Option<&Value>,
    names: &Names,
) -> Result<Value, DomainError> {
    let wanted = after.map(attachments).unwrap_or_default();
    let mut mounts = Map::new();
    for (volume, _) in attachments(before) {
        if !wanted.iter().any(|(name, _)| *name == volume) {
            mounts.insert(names.volume(&volume)?.to_string(), Value::Null);
        }
    }
    for (volume, path) in wanted {
        mounts.insert(
            names.volume(&volume)?.to_string(),
            json!({ "mountPath": path }),
        );
    }
    Ok(Value::Object(mounts))
}
