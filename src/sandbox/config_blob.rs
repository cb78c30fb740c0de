//! `Environment.config` and `Environment.configEtag`: the environment rendered as a Railway-shaped
//! EnvironmentConfig JSON blob (services, shared variables, volume mounts and volumes), and a
//! hash of it. Read-only over the store.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::model::{InstanceRecord, TriggerRecord};
use super::store::Store;

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
        let mut service = service_config(instance, trigger);
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
    blob
}

/// `volumeMounts` per attached service id, and the top-level `volumes`, of the live instances.
fn volumes_config(
    store: &Store,
    environment_id: &str,
) -> (BTreeMap<String, Map<String, Value>>, Map<String, Value>) {
    let mut mounts: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut volumes = Map::new();
    for instance in store
        .volume_instances_of_environment(environment_id)
        .into_iter()
        .filter(|i| i.deleted_at.is_none())
    {
        volumes.insert(
            instance.volume_id.clone(),
            json!({ "sizeMB": instance.size_mb, "region": instance.region }),
        );
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

/// A stable hash of the decrypted blob, so any change of settings or values changes it.
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
            let value = if decrypt && !sealed.contains(&name) {
                Value::String(value)
            } else {
                Value::Null
            };
            (name, json!({ "value": value }))
        })
        .collect();
    Value::Object(entries)
}

/// Keeps only the keys whose value is set, the way Railway omits unset settings.
fn compact(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    )
}

fn service_config(
    instance: &InstanceRecord,
    trigger: Option<&TriggerRecord>,
) -> Map<String, Value> {
    let s = &instance.settings;
    let mut service = Map::new();
    service.insert(
        "source".into(),
        compact(vec![
            ("image", json!(s.image)),
            ("repo", json!(s.repo)),
            ("branch", json!(trigger.map(|t| t.branch.clone()))),
            ("rootDirectory", json!(s.root_directory)),
        ]),
    );
    service.insert(
        "build".into(),
        compact(vec![
            ("builder", json!(s.builder)),
            ("buildCommand", json!(s.build_command)),
            ("dockerfilePath", json!(s.dockerfile_path)),
            ("watchPatterns", json!(s.watch_patterns)),
        ]),
    );
    let mut deploy = vec![
        ("startCommand", json!(s.start_command)),
        ("preDeployCommand", json!(s.pre_deploy_command)),
        ("healthcheckPath", json!(s.healthcheck_path)),
        ("healthcheckTimeout", json!(s.healthcheck_timeout)),
        ("numReplicas", json!(s.num_replicas)),
        ("region", json!(s.region)),
        ("cronSchedule", json!(s.cron_schedule)),
        ("restartPolicyType", json!(s.restart_policy_type)),
        (
            "restartPolicyMaxRetries",
            json!(s.restart_policy_max_retries),
        ),
        ("sleepApplication", json!(s.sleep_application)),
        ("drainingSeconds", json!(s.draining_seconds)),
        ("overlapSeconds", json!(s.overlap_seconds)),
    ];
    if let Some(limits) = &instance.limits {
        let containers = compact(vec![
            ("cpu", json!(limits.v_cpus)),
            (
                "memoryBytes",
                json!(limits.memory_gb.map(|gb| (gb * 1e9).round() as i64)),
            ),
        ]);
        deploy.push(("limitOverride", json!({ "containers": containers })));
    }
    service.insert("deploy".into(), compact(deploy));
    if let Some(config_file) = &s.railway_config_file {
        service.insert("configFile".into(), json!(config_file));
    }
    service
}
