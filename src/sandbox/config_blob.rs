//! `Environment.config` and `Environment.configEtag`: the environment rendered as a Railway-shaped
//! EnvironmentConfig JSON blob (services, shared variables, volume mounts and volumes), and a
//! hash of it. Read-only over the store.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::model::{InstanceRecord, VolumeInstanceRecord};
use super::service_config::render_sections;
use super::store::{DEFAULT_VOLUME_REGION, DEFAULT_VOLUME_SIZE_MB, Store};

/// The blob; without `decrypt_variables` every variable value is null, as on Railway.
pub(crate) fn environment_config(store: &Store, environment_id: &str, decrypt: bool) -> Value {
    let triggers = store.triggers_of_environment(environment_id);
    let (mut volume_mounts, volumes) = volumes_config(store, environment_id);
    let mut services = Map::new();
    for instance in store
        .instances_of_environment(environment_id)
        .iter()
        .filter(|i| i.deleted_at.is_none())
    {
        let trigger = triggers
            .iter()
            .find(|t| t.service_id == instance.service_id);
        let mut service = render_sections(instance, trigger);
        // Guess: Railway never returns a registry password (its schema has no field that reads
        // one back), so the blob holds the username only. The patch path keeps the password.
        if let Some(Value::Object(credentials)) = service
            .get_mut("deploy")
            .and_then(|d| d.get_mut("registryCredentials"))
        {
            credentials.remove("password");
        }
        let variables = store.raw_variables(environment_id, Some(&instance.service_id));
        let sealed = store.sealed_names(environment_id, Some(&instance.service_id));
        service.insert(
            "variables".into(),
            variables_config(variables, &sealed, decrypt),
        );
        if let Some(networking) = networking_config(store, instance) {
            service.insert("networking".into(), networking);
        }
        if let Some(mounts) = volume_mounts.remove(&instance.service_id) {
            service.insert("volumeMounts".into(), Value::Object(mounts));
        }
        services.insert(instance.service_id.clone(), Value::Object(service));
    }
    // R12: an instance removed from this environment while its service lives on shows as a
    // tombstone. Guess: Railway's retention of tombstones is unknown; the sandbox keeps them.
    for instance in store.instances_of_environment(environment_id) {
        let service_live = store.service(&instance.service_id).is_ok();
        if instance.deleted_at.is_some()
            && service_live
            && !services.contains_key(&instance.service_id)
        {
            services.insert(instance.service_id.clone(), json!({ "isDeleted": true }));
        }
    }
    let shared = store.raw_variables(environment_id, None);
    let sealed = store.sealed_names(environment_id, None);
    let mut blob = json!({
        "services": services,
        "sharedVariables": variables_config(shared, &sealed, decrypt),
    });
    if !volumes.is_empty()
        && let Some(entries) = blob.as_object_mut()
    {
        entries.insert("volumes".into(), Value::Object(volumes));
    }
    // R49: a bucket's instances, as Railway's CLI lists them (`railway bucket list`).
    let buckets = store.buckets_config(environment_id);
    if !buckets.is_empty()
        && let Some(entries) = blob.as_object_mut()
    {
        entries.insert("buckets".into(), Value::Object(buckets));
    }
    blob
}

/// `volumeMounts` per attached service id, and the top-level `volumes`, of the live instances.
fn volumes_config(
    store: &Store,
    environment_id: &str,
) -> (BTreeMap<String, Map<String, Value>>, Map<String, Value>) {
    let mut mounts: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut volumes = Map::new();
    let all = store.volume_instances_of_environment(environment_id);
    // R12: an instance removed from this environment while its volume lives on is a tombstone.
    for instance in all.iter().filter(|i| i.deleted_at.is_some()) {
        if store.volume(&instance.volume_id).is_ok() {
            volumes.insert(instance.volume_id.clone(), json!({ "isDeleted": true }));
        }
    }
    for instance in all.into_iter().filter(|i| i.deleted_at.is_none()) {
        volumes.insert(instance.volume_id.clone(), volume_entry(&instance));
        let Some(service_id) = &instance.service_id else {
            continue;
        };
        let mut mount = Map::new();
        mount.insert("mountPath".into(), json!(instance.mount_path));
        if !instance.schedules.is_empty() {
            let kinds: Vec<&str> = instance
                .schedules
                .iter()
                .map(|s| s.kind.config_name())
                .collect();
            mount.insert("backupSchedules".into(), json!(kinds));
        }
        mounts
            .entry(service_id.clone())
            .or_default()
            .insert(instance.volume_id.clone(), Value::Object(mount));
    }
    (mounts, volumes)
}

/// A volume's `sizeMB` and `region`, each only when it differs from Railway's default. Guess,
/// read from Railway's IaC (CLI 5.71.0 `diff_volume_config`): it diffs a volume's config as
/// authored, so a volume declared without one could never plan clean if defaults were shown.
fn volume_entry(instance: &VolumeInstanceRecord) -> Value {
    let mut entry = Map::new();
    if instance.size_mb != DEFAULT_VOLUME_SIZE_MB {
        entry.insert("sizeMB".into(), json!(instance.size_mb));
    }
    if let Some(region) = instance
        .region
        .as_deref()
        .filter(|r| *r != DEFAULT_VOLUME_REGION)
    {
        entry.insert("region".into(), json!(region));
    }
    Value::Object(entry)
}

/// `{serviceDomains, customDomains, tcpProxies}` of the live ones, empty maps left out; `None`
/// when the instance has no live domain or proxy at all.
fn networking_config(store: &Store, instance: &InstanceRecord) -> Option<Value> {
    let (service_domains, custom_domains) =
        store.domains_of_instance(&instance.service_id, &instance.environment_id);
    let port = |target_port: Option<i32>| match target_port {
        Some(port) => json!({ "port": port }),
        None => json!({}),
    };
    let service_domains: Map<String, Value> = service_domains
        .iter()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| (d.id.clone(), port(d.target_port)))
        .collect();
    let custom_domains: Map<String, Value> = custom_domains
        .iter()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| (d.domain.clone(), port(d.target_port)))
        .collect();
    let tcp_proxies: Map<String, Value> = store
        .tcp_proxies_of_instance(&instance.service_id, &instance.environment_id)
        .unwrap_or_default()
        .iter()
        .filter(|p| p.deleted_at.is_none())
        .map(|p| (p.application_port.to_string(), json!({})))
        .collect();
    let networking: Map<String, Value> = [
        ("serviceDomains", service_domains),
        ("customDomains", custom_domains),
        ("tcpProxies", tcp_proxies),
    ]
    .into_iter()
    .filter(|(_, entries)| !entries.is_empty())
    .map(|(key, entries)| (key.to_string(), Value::Object(entries)))
    .collect();
    (!networking.is_empty()).then_some(Value::Object(networking))
}

/// R15: a stable hash of the decrypted blob, so every change of settings or values changes it
/// and nothing else does (deployments and reads are not in the blob).
pub(crate) fn config_etag(store: &Store, environment_id: &str) -> String {
    let blob = environment_config(store, environment_id, true);
    hex::encode(Sha256::digest(blob.to_string().as_bytes()))
}

fn variables_config(
    variables: std::collections::BTreeMap<String, String>,
    sealed: &std::collections::BTreeSet<String>,
    decrypt: bool,
) -> Value {
    let entries: Map<String, Value> = variables
        .into_iter()
        .map(|(name, value)| {
            // R12: values only when decrypting; R27: a sealed one never, flagged isSealed.
            if sealed.contains(&name) {
                return (name, json!({ "value": null, "isSealed": true }));
            }
            let value = if decrypt {
                Value::String(value)
            } else {
                Value::Null
            };
            (name, json!({ "value": value }))
        })
        .collect();
    Value::Object(entries)
}
