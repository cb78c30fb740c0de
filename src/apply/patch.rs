//! One environment's config patch (R9, R11, R13, R14, R20): the settings that differ from live,
//! variables as values (or nulls to delete), new TCP proxies by port, and `isCreated` /
//! `isDeleted` for an instance's presence. Pure: builds JSON, sends nothing, logs nothing (the
//! patch holds secret values).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::manifest::desired::{InstanceSettings, Limits, Source};
use crate::plan::diff_settings;
use crate::railway::live::{LiveInstance, LiveSource};

/// An `EnvironmentConfig` patch under construction.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct EnvironmentPatch {
    services: Map<String, Value>,
    shared_variables: Map<String, Value>,
}

impl EnvironmentPatch {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.shared_variables.is_empty()
    }

    /// Merges `entry` into `services.<service_id>`.
    pub fn add_service(&mut self, service_id: &str, entry: Map<String, Value>) {
        if entry.is_empty() {
            return;
        }
        let slot = self
            .services
            .entry(service_id.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(existing) = slot {
            existing.extend(entry);
        }
    }

    /// R9: removes this environment's instance of the service, and only that one.
    pub fn remove_service(&mut self, service_id: &str) {
        self.services
            .insert(service_id.to_string(), json!({ "isDeleted": true }));
    }

    pub fn set_shared_variables(&mut self, variables: Map<String, Value>) {
        self.shared_variables.extend(variables);
    }

    /// The JSON sent as `patch` (or staged as `input`).
    pub fn to_value(&self) -> Value {
        let mut patch = Map::new();
        if !self.services.is_empty() {
            patch.insert("services".into(), Value::Object(self.services.clone()));
        }
        if !self.shared_variables.is_empty() {
            patch.insert(
                "sharedVariables".into(),
                Value::Object(self.shared_variables.clone()),
            );
        }
        Value::Object(patch)
    }
}

/// `variables`: `{value}` for each upsert, `null` for each delete (R13).
pub fn variables_entry(upsert: &BTreeMap<String, String>, delete: &[String]) -> Map<String, Value> {
    let mut entry: Map<String, Value> = upsert
        .iter()
        .map(|(name, value)| (name.clone(), json!({ "value": value })))
        .collect();
    for name in delete {
        entry.insert(name.clone(), Value::Null);
    }
    entry
}

/// One instance's `services.<id>` entry: the sections whose settings differ from `live` (all
/// the manifest sets when there is no live instance), new TCP proxies, and `isCreated` when the
/// instance does not exist yet. With `isCreated` only values are sent, never nulls (R14).
pub fn instance_entry(
    desired: &InstanceSettings,
    live: Option<&LiveInstance>,
    new_tcp_ports: &[i64],
) -> Map<String, Value> {
    let changed: BTreeSet<&str> = diff_settings(desired, live)
        .iter()
        .map(|c| c.field)
        .collect();
    let mut entry = Map::new();
    let source = source_section(desired, live, &changed);
    let build = build_section(desired, &changed);
    let deploy = deploy_section(desired, live, &changed);
    for (key, section) in [("source", source), ("build", build), ("deploy", deploy)] {
        if !section.is_empty() {
            entry.insert(key.into(), Value::Object(section));
        }
    }
    if !new_tcp_ports.is_empty() {
        // R31: the CLI's route; a patch creates a proxy, only tcpProxyDelete removes one.
        let proxies: Map<String, Value> = new_tcp_ports
            .iter()
            .map(|port| (port.to_string(), json!({})))
            .collect();
        entry.insert("networking".into(), json!({ "tcpProxies": proxies }));
    }
    if live.is_none() {
        entry.insert("isCreated".into(), Value::Bool(true)); // R9
    }
    entry
}

fn source_section(
    desired: &InstanceSettings,
    live: Option<&LiveInstance>,
    changed: &BTreeSet<&str>,
) -> Map<String, Value> {
    let mut section = Map::new();
    if !changed.contains("source") && !changed.contains("source.rootDirectory") {
        return section;
    }
    let live_source = live.and_then(|l| l.source.as_ref());
    match &desired.source {
        Some(Source::Image(image)) => {
            section.insert("image".into(), json!(image));
            if matches!(live_source, Some(LiveSource::Repo { .. })) {
                section.insert("repo".into(), Value::Null); // R13: a null clears
            }
        }
        Some(Source::Repo {
            repo,
            branch,
            root_directory,
        }) => {
            // `source.repo` with `source.branch` stands for the deployment trigger.
            section.insert("repo".into(), json!(repo));
            section.insert("branch".into(), json!(branch));
            if let Some(root) = root_directory {
                section.insert("rootDirectory".into(), json!(root));
            }
            if matches!(live_source, Some(LiveSource::Image(_))) {
                section.insert("image".into(), Value::Null);
            }
        }
        None => {}
    }
    section
}

fn build_section(desired: &InstanceSettings, changed: &BTreeSet<&str>) -> Map<String, Value> {
    let mut section = Map::new();
    let mut set = |field: &str, key: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|_| changed.contains(field)) {
            section.insert(key.into(), value);
        }
    };
    set(
        "build.builder",
        "builder",
        desired.builder.map(|b| json!(b)),
    );
    set(
        "build.buildCommand",
        "buildCommand",
        desired.build_command.as_ref().map(|c| json!(c)),
    );
    set(
        "build.dockerfilePath",
        "dockerfilePath",
        desired.dockerfile_path.as_ref().map(|p| json!(p)),
    );
    // R13: lists are sent whole.
    set(
        "build.watchPatterns",
        "watchPatterns",
        desired.watch_patterns.as_ref().map(|p| json!(p)),
    );
    section
}

fn deploy_section(
    desired: &InstanceSettings,
    live: Option<&LiveInstance>,
    changed: &BTreeSet<&str>,
) -> Map<String, Value> {
    let mut section = Map::new();
    let mut set = |field: &str, key: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|_| changed.contains(field)) {
            section.insert(key.into(), value);
        }
    };
    set(
        "deploy.startCommand",
        "startCommand",
        desired.start_command.as_ref().map(|c| json!(c)),
    );
    // R18: validation keeps this to one command.
    set(
        "deploy.preDeployCommand",
        "preDeployCommand",
        desired.pre_deploy_command.as_ref().map(|c| json!(c)),
    );
    set(
        "deploy.healthcheck.path",
        "healthcheckPath",
        desired.healthcheck_path.as_ref().map(|p| json!(p)),
    );
    set(
        "deploy.healthcheck.timeoutSeconds",
        "healthcheckTimeout",
        desired.healthcheck_timeout.map(|t| json!(t)),
    );
    set(
        "deploy.restartPolicy.type",
        "restartPolicyType",
        desired.restart_policy_type.map(|t| json!(t)),
    );
    set(
        "deploy.restartPolicy.maxRetries",
        "restartPolicyMaxRetries",
        desired.restart_policy_max_retries.map(|n| json!(n)),
    );
    set(
        "deploy.cronSchedule",
        "cronSchedule",
        desired.cron_schedule.as_ref().map(|c| json!(c)),
    );
    set(
        "deploy.sleepApplication",
        "sleepApplication",
        desired.sleep_application.map(|s| json!(s)),
    );
    set(
        "deploy.drainingSeconds",
        "drainingSeconds",
        desired.draining_seconds.map(|s| json!(s)),
    );
    set(
        "deploy.overlapSeconds",
        "overlapSeconds",
        desired.overlap_seconds.map(|s| json!(s)),
    );
    if changed.contains("deploy.replicas") || changed.contains("deploy.region") {
        section.extend(placement(desired, live));
    }
    if changed.contains("deploy.limits.vcpus") || changed.contains("deploy.limits.memoryGB") {
        section.insert("limitOverride".into(), limits(desired.limits));
    }
    section
}

/// R20: with a region, the whole wanted `multiRegionConfig` plus a null for every other live
/// region (a merge keeps regions left out). Replicas alone go to the one live region; with no
/// known region or several, as `numReplicas`, which Railway places in the default region (a
/// guess for several regions: no source says how a total is spread).
fn placement(desired: &InstanceSettings, live: Option<&LiveInstance>) -> Map<String, Value> {
    let replicas = desired
        .num_replicas
        .or(live.and_then(|l| l.num_replicas))
        .unwrap_or(1);
    let live_regions: Vec<&str> = live.map(LiveInstance::regions).unwrap_or_default();
    let wanted = match (&desired.region, live_regions.as_slice()) {
        (Some(region), _) => region.as_str(),
        (None, [only]) => only,
        (None, _) => return Map::from_iter([("numReplicas".to_string(), json!(replicas))]),
    };
    let mut regions = Map::new();
    if live.is_some() {
        for region in live_regions.iter().filter(|r| **r != wanted) {
            regions.insert(region.to_string(), Value::Null);
        }
    }
    regions.insert(wanted.to_string(), json!({ "numReplicas": replicas }));
    Map::from_iter([("multiRegionConfig".to_string(), Value::Object(regions))])
}

/// R11: `limitOverride.containers`, memory in decimal bytes (2 GB = 2000000000).
fn limits(limits: Option<Limits>) -> Value {
    let limits = limits.unwrap_or_default();
    let mut containers = Map::new();
    if let Some(cpu) = limits.vcpus {
        containers.insert("cpu".into(), json!(cpu));
    }
    if let Some(gb) = limits.memory_gb {
        containers.insert("memoryBytes".into(), json!((gb * 1e9).round() as i64));
    }
    json!({ "containers": containers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_instance_sends_values_only_and_is_created() {
        let desired = InstanceSettings {
            source: Some(Source::Image("nginx:1".into())),
            start_command: Some("./run".into()),
            num_replicas: Some(2),
            ..InstanceSettings::default()
        };
        let entry = Value::Object(instance_entry(&desired, None, &[5432]));
        assert_eq!(
            entry,
            json!({
                "source": {"image": "nginx:1"},
                "deploy": {"startCommand": "./run", "numReplicas": 2},
                "networking": {"tcpProxies": {"5432": {}}},
                "isCreated": true
            })
        );
    }

    #[test]
    fn variables_are_values_and_deletes_are_nulls() {
        let upsert = BTreeMap::from([("A".to_string(), "1".to_string())]);
        let entry = Value::Object(variables_entry(&upsert, &["B".to_string()]));
        assert_eq!(entry, json!({"A": {"value": "1"}, "B": null}));
    }
}
