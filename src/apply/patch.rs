//! One environment's config patch (R9, R11, R13, R14, R20): the settings that differ from live,
//! variables as values (or nulls to delete), new TCP proxies by port, and `isCreated` /
//! `isDeleted` for an instance's presence. Pure: builds JSON, sends nothing, logs nothing (the
//! patch holds secret values).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::manifest::desired::{InstanceSettings, Source};
use crate::manifest::setting::placement::{multi_region_entry, replicas_entry};
use crate::manifest::setting::{Channel, SOURCE_PATHS, TABLE};
use crate::plan::diff_settings;
use crate::railway::live::{LiveInstance, LiveSource};

/// An `EnvironmentConfig` patch under construction.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct EnvironmentPatch {
    services: Map<String, Value>,
    shared_variables: Map<String, Value>,
    /// R49: `buckets.<id>` entries.
    buckets: Map<String, Value>,
}

impl EnvironmentPatch {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.shared_variables.is_empty() && self.buckets.is_empty()
    }

    /// R9, R49: adds (`isCreated`) or removes (`isDeleted`) this environment's instance of a
    /// bucket, and only that one.
    /// A new instance goes to `region` when one is given, as Railway's CLI sends it.
    pub fn set_bucket(&mut self, bucket_id: &str, present: bool, region: Option<&str>) {
        let entry = match (present, region) {
            (true, Some(region)) => json!({ "isCreated": true, "region": region }),
            (true, None) => json!({ "isCreated": true }),
            (false, _) => json!({ "isDeleted": true }),
        };
        self.buckets.insert(bucket_id.to_string(), entry);
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
        if !self.buckets.is_empty() {
            patch.insert("buckets".into(), Value::Object(self.buckets.clone()));
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

/// One instance's `services.<id>` entry: the settings that differ from `live` (all the
/// manifest sets when there is no live instance), each at its row's key in the setting table,
/// new TCP proxies, and `isCreated` when the instance does not exist yet. With `isCreated` only
/// values are sent, never nulls (R14).
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
    if !source.is_empty() {
        entry.insert("source".into(), Value::Object(source));
    }
    let mut placement_changed = false;
    for row in TABLE.iter().filter(|row| changed.contains(row.path)) {
        match row.channel {
            Channel::Config => {
                if let Some(value) = (row.get)(&desired.values) {
                    // R13: lists are sent whole; nested keys merge.
                    insert_at(&mut entry, row.key, row.railway_json(value));
                }
            }
            Channel::Placement => placement_changed = true,
        }
    }
    if placement_changed {
        let deploy = entry
            .entry("deploy")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(deploy) = deploy {
            deploy.extend(placement(desired, live));
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

/// Puts `value` at the dotted `key` under `entry`, creating the objects on the way.
fn insert_at(entry: &mut Map<String, Value>, key: &str, value: Value) {
    let (parents, last) = match key.rsplit_once('.') {
        Some((parents, last)) => (Some(parents), last),
        None => (None, key),
    };
    let mut map = entry;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        let slot = map.entry(part).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(inner) = slot else {
            return;
        };
        map = inner;
    }
    map.insert(last.to_string(), value);
}

fn source_section(
    desired: &InstanceSettings,
    live: Option<&LiveInstance>,
    changed: &BTreeSet<&str>,
) -> Map<String, Value> {
    let mut section = Map::new();
    if !SOURCE_PATHS.iter().any(|p| changed.contains(p)) {
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

/// Placement stays explicit: one manifest value (`deploy.region`, `deploy.replicas`) becomes a
/// map of regions with a null for each region to leave.
/// R20: with a region, the whole wanted `multiRegionConfig` plus a null for every other live
/// region (a merge keeps regions left out). Replicas alone go to the one live region; with no
/// known region or several, as `numReplicas`, which Railway places in the default region (a
/// guess for several regions: no source says how a total is spread).
fn placement(desired: &InstanceSettings, live: Option<&LiveInstance>) -> Map<String, Value> {
    let live_regions: Vec<&str> = live.map(|l| l.values.regions_named()).unwrap_or_default();
    if let Some(wanted) = &desired.values.regions {
        // R20: the whole wanted map, and a null for every live region it does not name.
        let removed = live_regions
            .iter()
            .filter(|r| !wanted.contains_key(**r))
            .map(|r| (*r, None));
        let kept = wanted.iter().map(|(r, n)| (r.as_str(), Some(*n)));
        return multi_region_entry(removed.chain(kept));
    }
    let replicas = desired
        .values
        .num_replicas
        .or(live.and_then(|l| l.values.num_replicas))
        .unwrap_or(1);
    let wanted = match (&desired.values.region, live_regions.as_slice()) {
        (Some(region), _) => region.as_str(),
        (None, [only]) => only,
        (None, _) => return replicas_entry(replicas),
    };
    let removed = live_regions
        .iter()
        .filter(|r| live.is_some() && **r != wanted)
        .map(|r| (*r, None));
    multi_region_entry(removed.chain([(wanted, Some(replicas))]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_instance_sends_values_only_and_is_created() {
        let desired = InstanceSettings {
            source: Some(Source::Image("nginx:1".into())),
            values: crate::manifest::setting::SettingValues {
                start_command: Some("./run".into()),
                num_replicas: Some(2),
                ..Default::default()
            },
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
