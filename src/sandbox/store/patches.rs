//! Committing an EnvironmentConfig patch onto the store (R9, R13, R14, R16, R31). A patch writes
//! through to the same records the typed mutations use; it never keeps a config of its own.
//! Staging lives in `staged`, copying a source environment in `copy`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{DomainError, Store, VolumeInstanceChanges};
use crate::sandbox::model::{
    InstanceRecord, InstanceSettings, TriggerRecord, VariableRecord, VolumeState, new_id,
    now_rfc3339,
};
use crate::sandbox::patch_merge::{merge_into, strip_nulls};
use crate::sandbox::service_config::{
    BadValue, decode_sections, is_settings_section, redeploys, render_sections,
};

/// Guess: where a volume instance created by patch mounts when no `volumeMounts` says.
const DEFAULT_MOUNT_PATH: &str = "/data";

pub(super) fn is_true(entry: &Value, key: &str) -> bool {
    entry.get(key).and_then(Value::as_bool) == Some(true)
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, DomainError> {
    value
        .as_object()
        .ok_or_else(|| DomainError::InvalidPatch(format!("{path} must be an object")))
}

/// R13 for replicas: a changed total is placed in the one region there is, or, with several,
/// in the first one. Guess: Railway's handling of several regions here is not documented.
pub(crate) fn scale_placement(settings: &mut InstanceSettings, total: i32) {
    settings.num_replicas = Some(total);
    if settings.total_replicas() == total {
        return;
    }
    let region = settings
        .multi_region_config
        .keys()
        .next()
        .cloned()
        .unwrap_or_else(|| crate::sandbox::model::DEFAULT_REGION.to_string());
    settings.multi_region_config = [(region, total)].into_iter().collect();
}

impl Store {
    /// `environmentPatchCommit` and staged commits: all of the patch or nothing; returns an id.
    /// With `deploy`, every affected service with a source deploys once (R16).
    pub(crate) fn commit_patch(
        &mut self,
        environment_id: &str,
        patch: &Value,
        deploy: bool,
    ) -> Result<String, DomainError> {
        let project_id = self.environment(environment_id)?.project_id.clone();
        let backup = self.state.clone();
        let affected = match self.apply_patch(&project_id, environment_id, patch) {
            Ok(affected) => affected,
            Err(error) => {
                self.state = backup;
                return Err(error);
            }
        };
        if deploy {
            for service_id in affected {
                let has_source = self
                    .live_instance_mut(&service_id, environment_id)
                    .is_ok_and(|i| i.settings.has_source());
                if has_source {
                    self.deploy(&service_id, environment_id)?;
                }
            }
        }
        Ok(new_id())
    }

    /// Volumes first (so mounts can name them), then services, then shared variables. Unknown
    /// keys are tolerated (R11). Returns the services whose change needs a deploy.
    fn apply_patch(
        &mut self,
        project_id: &str,
        environment_id: &str,
        patch: &Value,
    ) -> Result<BTreeSet<String>, DomainError> {
        if patch.is_null() {
            return Ok(BTreeSet::new());
        }
        let patch = object(patch, "patch")?;
        if let Some(volumes) = patch.get("volumes") {
            for (volume_id, entry) in object(volumes, "volumes")? {
                self.apply_volume_entry(project_id, environment_id, volume_id, entry)?;
            }
        }
        if let Some(buckets) = patch.get("buckets") {
            for (bucket_id, entry) in object(buckets, "buckets")? {
                if !entry.is_null() {
                    self.apply_bucket_entry(project_id, environment_id, bucket_id, entry)?;
                }
            }
        }
        let mut affected = BTreeSet::new();
        if let Some(services) = patch.get("services") {
            for (service_id, entry) in object(services, "services")? {
                if self.apply_service_entry(project_id, environment_id, service_id, entry)? {
                    affected.insert(service_id.clone());
                }
            }
        }
        if let Some(shared) = patch.get("sharedVariables") {
            let changed = self.apply_variables(environment_id, None, shared)?;
            let changed: Vec<String> = changed.into_iter().collect();
            affected.extend(self.services_referencing_shared(environment_id, &changed));
        }
        Ok(affected)
    }

    pub(super) fn live_instance_index(
        &self,
        service_id: &str,
        environment_id: &str,
    ) -> Option<usize> {
        self.state.instances.iter().position(|i| {
            i.service_id == service_id
                && i.environment_id == environment_id
                && i.deleted_at.is_none()
        })
    }

    /// One `services.<id>` entry; returns whether the service must deploy.
    fn apply_service_entry(
        &mut self,
        project_id: &str,
        environment_id: &str,
        service_id: &str,
        entry: &Value,
    ) -> Result<bool, DomainError> {
        if self.service(service_id)?.project_id != project_id {
            return Err(DomainError::ServiceNotFound);
        }
        if entry.is_null() {
            return Ok(false); // Guess: a null service entry changes nothing.
        }
        object(entry, &format!("services.{service_id}"))?;
        if is_true(entry, "isDeleted") {
            // R9: removes the instance of this environment only.
            self.remove_instance(service_id, environment_id);
            return Ok(false);
        }
        let created = is_true(entry, "isCreated");
        // R14: nulls sent with isCreated are ignored.
        let entry = if created {
            strip_nulls(entry)
        } else {
            entry.clone()
        };
        let index = match self.live_instance_index(service_id, environment_id) {
            Some(index) => index,
            // R5, R9: isCreated adds the instance of an existing service to this environment.
            None if created => self.recreate_instance(service_id, environment_id),
            None => return Err(DomainError::InstanceNotFound),
        };
        let settings_redeploy = self.apply_settings(index, service_id, environment_id, &entry)?;
        let mut redeploy = created || settings_redeploy;
        if let Some(variables) = entry.get("variables") {
            redeploy |= !self
                .apply_variables(environment_id, Some(service_id), variables)?
                .is_empty();
        }
        if let Some(networking) = entry.get("networking") {
            self.apply_networking(service_id, environment_id, networking)?;
        }
        if let Some(mounts) = entry.get("volumeMounts") {
            redeploy |= self.apply_volume_mounts(service_id, environment_id, mounts)?;
            // R21: a volume mounted by this patch must not meet several replicas.
            let index = self.live_instance_index(service_id, environment_id);
            if let Some(instance) = index.and_then(|i| self.state.instances.get(i)) {
                self.check_placement(service_id, environment_id, &instance.settings)?;
            }
        }
        Ok(redeploy)
    }

    /// R9/R14: a re-created instance gets the settings it had before it was removed.
    fn recreate_instance(&mut self, service_id: &str, environment_id: &str) -> usize {
        let previous = self
            .state
            .instances
            .iter()
            .rev()
            .find(|i| i.service_id == service_id && i.environment_id == environment_id);
        let (settings, limits) = previous
            .map(|i| (i.settings.clone(), i.limits.clone()))
            .unwrap_or_default();
        self.state.instances.push(InstanceRecord {
            id: new_id(),
            service_id: service_id.to_string(),
            environment_id: environment_id.to_string(),
            settings,
            limits,
            latest_deployment: None,
            deleted_at: None,
        });
        self.state.instances.len() - 1
    }

    fn remove_instance(&mut self, service_id: &str, environment_id: &str) {
        let now = now_rfc3339();
        for instance in self.state.instances.iter_mut().filter(|i| {
            i.service_id == service_id
                && i.environment_id == environment_id
                && i.deleted_at.is_none()
        }) {
            instance.deleted_at = Some(now.clone());
        }
    }

    /// `source`, `build`, `deploy`, `configFile` merged onto the rendered instance and decoded
    /// back into its records; returns whether more than replicas changed.
    fn apply_settings(
        &mut self,
        index: usize,
        service_id: &str,
        environment_id: &str,
        entry: &Value,
    ) -> Result<bool, DomainError> {
        let sections: Map<String, Value> = entry
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| is_settings_section(key))
            .map(|(key, v)| (key.clone(), v.clone()))
            .collect();
        if sections.is_empty() {
            return Ok(false);
        }
        let before = self
            .state
            .instances
            .get(index)
            .cloned()
            .ok_or(DomainError::InstanceNotFound)?;
        let trigger = self
            .state
            .triggers
            .iter()
            .find(|t| t.service_id == service_id && t.environment_id == environment_id)
            .cloned();
        let mut merged = Value::Object(render_sections(&before, trigger.as_ref()));
        merge_into(&mut merged, &Value::Object(sections)); // R13
        let bad = |BadValue(key): BadValue| {
            DomainError::InvalidPatch(format!("services.{service_id}: invalid value for {key}"))
        };
        let (mut settings, limits) = decode_sections(&merged).map_err(bad)?;
        let replicas = entry.pointer("/deploy/numReplicas").and_then(Value::as_i64);
        let placement_given = entry.pointer("/deploy/multiRegionConfig").is_some();
        if let (Some(total), false) = (replicas, placement_given) {
            scale_placement(&mut settings, i32::try_from(total).unwrap_or(i32::MAX));
        }
        self.check_placement(service_id, environment_id, &settings)?; // R21
        let redeploy = redeploys(&before.settings, &settings) || limits != before.limits;
        let branch = merged.pointer("/source/branch").and_then(Value::as_str);
        if let (Some(repo), Some(branch)) = (settings.repo.clone(), branch) {
            let check_suites = merged
                .pointer("/source/checkSuites")
                .and_then(Value::as_bool);
            self.upsert_patch_trigger(service_id, environment_id, repo, branch, check_suites);
        }
        if let Some(instance) = self.state.instances.get_mut(index) {
            instance.settings = settings;
            instance.limits = limits;
        }
        Ok(redeploy)
    }

    /// `source.repo` + `source.branch` stand for the instance's deployment trigger.
    fn upsert_patch_trigger(
        &mut self,
        service_id: &str,
        environment_id: &str,
        repository: String,
        branch: &str,
        check_suites: Option<bool>,
    ) {
        let project_id = self.service_project(service_id);
        match self
            .state
            .triggers
            .iter_mut()
            .find(|t| t.service_id == service_id && t.environment_id == environment_id)
        {
            Some(trigger) => {
                trigger.repository = repository;
                trigger.branch = branch.to_string();
                trigger.check_suites = check_suites.unwrap_or(trigger.check_suites);
            }
            None => self.state.triggers.push(TriggerRecord {
                id: new_id(),
                service_id: service_id.to_string(),
                environment_id: environment_id.to_string(),
                project_id,
                provider: "github".to_string(),
                repository,
                branch: branch.to_string(),
                check_suites: check_suites.unwrap_or(false),
                root_directory: None,
            }),
        }
    }

    fn service_project(&self, service_id: &str) -> String {
        self.state
            .services
            .iter()
            .find(|s| s.id == service_id)
            .map(|s| s.project_id.clone())
            .unwrap_or_default()
    }

    /// `variables` / `sharedVariables`: `null` deletes (R13), `{value}` sets; an entry without a
    /// value (as in a non-decrypted blob) changes nothing (guess). Returns the changed names.
    fn apply_variables(
        &mut self,
        environment_id: &str,
        service_id: Option<&str>,
        variables: &Value,
    ) -> Result<BTreeSet<String>, DomainError> {
        let mut changed = BTreeSet::new();
        for (name, entry) in object(variables, "variables")? {
            let in_scope = |v: &VariableRecord| {
                v.environment_id == environment_id
                    && v.service_id.as_deref() == service_id
                    && &v.name == name
            };
            if entry.is_null() {
                let before = self.state.variables.len();
                self.state.variables.retain(|v| !in_scope(v));
                if self.state.variables.len() != before {
                    changed.insert(name.clone());
                }
                continue;
            }
            let entry = object(entry, &format!("variables.{name}"))?;
            let value = match entry.get("value") {
                Some(Value::String(value)) => value.clone(),
                Some(other) if !other.is_null() => other.to_string(),
                _ => match generated(entry) {
                    // R45, R46: `{generator}` without a value (Railway's IaC compiler sends
                    // the Postgres password so) is generated by Railway, once: a variable that
                    // already has a value keeps it (guess: a re-sent generator never rotates it).
                    Some(_) if self.state.variables.iter().any(in_scope) => continue,
                    Some(value) => value,
                    None => continue,
                },
            };
            match self.state.variables.iter_mut().find(|v| in_scope(v)) {
                Some(existing) if existing.value == value => {}
                Some(existing) => {
                    existing.value = value;
                    changed.insert(name.clone());
                }
                None => {
                    self.state.variables.push(VariableRecord {
                        id: new_id(),
                        environment_id: environment_id.to_string(),
                        service_id: service_id.map(str::to_string),
                        name: name.clone(),
                        value,
                        sealed: false,
                    });
                    changed.insert(name.clone());
                }
            }
        }
        Ok(changed)
    }

    /// R31: `tcpProxies."<port>": {}` creates the proxy unless one exists for that port. A null
    /// is ignored (a live-tested client found patches cannot remove proxies). Domains in a
    /// patch are not supported by the sandbox and are ignored (guess: use the typed mutations).
    fn apply_networking(
        &mut self,
        service_id: &str,
        environment_id: &str,
        networking: &Value,
    ) -> Result<(), DomainError> {
        let Some(proxies) = networking.get("tcpProxies") else {
            return Ok(());
        };
        for (port, entry) in object(proxies, "networking.tcpProxies")? {
            if entry.is_null() {
                continue;
            }
            let port: i32 = port
                .parse()
                .map_err(|_| DomainError::InvalidPatch(format!("tcpProxies: bad port {port}")))?;
            let exists = self
                .tcp_proxies_of_instance(service_id, environment_id)?
                .iter()
                .any(|p| p.deleted_at.is_none() && p.application_port == port);
            if !exists {
                self.create_tcp_proxy(service_id, environment_id, port)?;
            }
        }
        Ok(())
    }

    /// `volumeMounts.<volumeId>`: `{mountPath}` mounts this environment's instance of the volume
    /// on the service; `null` unmounts it (R13). Backup schedules here are not supported (guess).
    fn apply_volume_mounts(
        &mut self,
        service_id: &str,
        environment_id: &str,
        mounts: &Value,
    ) -> Result<bool, DomainError> {
        let mut changed = false;
        for (volume_id, entry) in object(mounts, "volumeMounts")? {
            let changes = if entry.is_null() {
                VolumeInstanceChanges {
                    service_id: Some(None),
                    ..VolumeInstanceChanges::default()
                }
            } else {
                let mount_path = object(entry, "volumeMounts entry")?
                    .get("mountPath")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                VolumeInstanceChanges {
                    mount_path,
                    service_id: Some(Some(service_id.to_string())),
                    ..VolumeInstanceChanges::default()
                }
            };
            self.update_volume_instances(volume_id, Some(environment_id), changes)?;
            changed = true;
        }
        Ok(changed)
    }

    /// `volumes.<id>`: `isDeleted` removes this environment's instance, `isCreated` adds one
    /// (same volume id, empty: R2, R9), `sizeMB` and `region` update it.
    fn apply_volume_entry(
        &mut self,
        project_id: &str,
        environment_id: &str,
        volume_id: &str,
        entry: &Value,
    ) -> Result<(), DomainError> {
        if self.volume(volume_id)?.project_id != project_id {
            return Err(DomainError::VolumeNotFound);
        }
        if entry.is_null() {
            return Ok(());
        }
        object(entry, &format!("volumes.{volume_id}"))?;
        let live = |i: &&mut crate::sandbox::model::VolumeInstanceRecord| {
            i.volume_id == volume_id && i.environment_id == environment_id && i.deleted_at.is_none()
        };
        if is_true(entry, "isDeleted") {
            let now = now_rfc3339();
            for instance in self.state.volume_instances.iter_mut().filter(live) {
                instance.deleted_at = Some(now.clone());
                instance.state = VolumeState::Deleted;
            }
            return Ok(());
        }
        let exists = self.state.volume_instances.iter_mut().any(|i| live(&i));
        if !exists && is_true(entry, "isCreated") {
            let mount_path = self
                .state
                .volume_instances
                .iter()
                .find(|i| i.volume_id == volume_id)
                .map_or_else(|| DEFAULT_MOUNT_PATH.to_string(), |i| i.mount_path.clone());
            let region = entry
                .get("region")
                .and_then(Value::as_str)
                .map(str::to_string);
            self.add_volume_instance(volume_id, environment_id, None, mount_path, region)?;
        } else if !exists {
            return Err(DomainError::VolumeInstanceNotFound);
        }
        let size = entry.get("sizeMB").and_then(Value::as_i64);
        let region = entry.get("region").and_then(Value::as_str);
        for instance in self.state.volume_instances.iter_mut().filter(live) {
            if let Some(size) = size.and_then(|s| i32::try_from(s).ok()) {
                instance.size_mb = size;
            }
            if let Some(region) = region {
                instance.region = Some(region.to_string());
            }
        }
        Ok(())
    }
}

/// A variable entry's `generator` (e.g. `secret(32, "a-zA-Z")`) evaluated as Railway's template
/// functions are; `None` without one.
fn generated(entry: &Map<String, Value>) -> Option<String> {
    let generator = entry.get("generator")?.as_str()?;
    Some(crate::sandbox::templates::evaluate_functions(&format!(
        "${{{{{generator}}}}}"
    )))
}
