//! One environment's rows as read (instances, triggers, the config blob) turned into a
//! [`LiveEnvironment`]: settings, variables, domains and deployments per instance. Pure
//! conversion; sends nothing.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::config_blob::{
    VariableScope, placement_from_config, service_entry, tcp_ports_from_config, variables_of,
};
use crate::inventory::{INVENTORY_VARIABLE, InventoryState};
use crate::manifest::setting::placement::instance_replicas;
use crate::manifest::setting::{Channel, REGION_SEPARATOR, SettingValues, TABLE};
use crate::railway::error::Result;
use crate::railway::live::{
    LiveCustomDomain, LiveDeployment, LiveEnvironment, LiveInstance, LiveServiceDomain, LiveSource,
    LiveVariable,
};
use crate::railway::ops::{self, environment_instances_page};

pub(super) struct TriggerRow {
    pub(super) id: String,
    pub(super) service_id: Option<String>,
    pub(super) repository: String,
    pub(super) branch: String,
}

/// One service instance as read, before normalisation; both queries' shapes convert into it.
pub(super) struct InstanceRow {
    id: String,
    service_id: String,
    service_name: String,
    deleted: bool,
    image: Option<String>,
    repo: Option<String>,
    root_directory: Option<String>,
    railway_config_file: Option<String>,
    /// The instance's fields by their GraphQL names, for the setting table's live reader.
    typed: Map<String, Value>,
    latest_deployment: Option<(String, String)>,
    service_domains: Vec<LiveServiceDomain>,
    custom_domains: Vec<LiveCustomDomain>,
}

/// A generated custom-domain node (one type per operation: the snapshots' and
/// `customDomainCreate`'s answer, R29) as a [`LiveCustomDomain`], records included.
macro_rules! live_custom_domain {
    ($domain:expr) => {{
        let d = $domain;
        let status = d.status;
        $crate::railway::live::LiveCustomDomain {
            id: d.id,
            domain: d.domain,
            target_port: d.target_port,
            verified: status.verified,
            certificate_status: $crate::railway::snapshot::enum_name(&format!(
                "{:?}",
                status.certificate_status
            )),
            verification_dns_host: status.verification_dns_host,
            verification_token: status.verification_token,
            dns_records: status
                .dns_records
                .into_iter()
                .map(|r| $crate::railway::live::LiveDnsRecord {
                    record_type: $crate::railway::snapshot::enum_name(&format!(
                        "{:?}",
                        r.record_type
                    )),
                    purpose: $crate::railway::snapshot::enum_name(&format!("{:?}", r.purpose)),
                    hostlabel: r.hostlabel,
                    fqdn: r.fqdn,
                    zone: r.zone,
                    required_value: r.required_value,
                    current_value: r.current_value,
                    status: $crate::railway::snapshot::enum_name(&format!("{:?}", r.status)),
                })
                .collect(),
        }
    }};
}
pub(crate) use live_custom_domain;

macro_rules! instance_row_from {
    ($node:expr) => {{
        let n = $node;
        let typed = match serde_json::to_value(&n) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        InstanceRow {
            typed,
            id: n.id,
            service_id: n.service_id,
            service_name: n.service_name,
            deleted: n.deleted_at.is_some(),
            image: n.source.as_ref().and_then(|s| s.image.clone()),
            repo: n.source.as_ref().and_then(|s| s.repo.clone()),
            root_directory: n.root_directory,
            railway_config_file: n.railway_config_file,
            latest_deployment: n
                .latest_deployment
                .map(|d| (d.id, format!("{:?}", d.status))),
            service_domains: n
                .domains
                .service_domains
                .into_iter()
                .filter(|d| d.deleted_at.is_none() && !is_going(&format!("{:?}", d.sync_status)))
                .map(|d| LiveServiceDomain {
                    id: d.id,
                    domain: d.domain,
                    suffix: d.suffix,
                    target_port: d.target_port,
                    new_domain_name: d.new_domain_name,
                })
                .collect(),
            custom_domains: n
                .domains
                .custom_domains
                .into_iter()
                .filter(|d| d.deleted_at.is_none() && !is_going(&format!("{:?}", d.sync_status)))
                .map(|d| live_custom_domain!(d))
                .collect(),
        }
    }};
}

/// Domains being deleted are as good as gone.
fn is_going(sync_status: &str) -> bool {
    sync_status.contains("DELET")
}

/// A generated enum's Debug name, with an unknown value's `Other("X")` unwrapped.
pub(crate) fn enum_name(debug: &str) -> String {
    debug
        .trim_start_matches("Other(\"")
        .trim_end_matches("\")")
        .to_string()
}

impl InstanceRow {
    pub(super) fn from_snapshot(node: ops::project_snapshot::LiveInstance) -> Self {
        instance_row_from!(node)
    }

    pub(super) fn from_page(
        node: environment_instances_page::EnvironmentInstancesPageEnvironmentServiceInstancesEdgesNode,
    ) -> Self {
        instance_row_from!(node)
    }
}

/// One environment from its config blob and instance rows.
///
/// # Errors
/// [`Error::CannotDecrypt`] when a variable that is not sealed has no value (R27).
pub(super) fn build_environment(
    id: String,
    name: String,
    config: &Value,
    instances: Vec<InstanceRow>,
    triggers: &[TriggerRow],
) -> Result<LiveEnvironment> {
    let instances = instances
        .into_iter()
        .filter(|row| !row.deleted)
        .map(|row| build_instance(row, &name, config, triggers))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let shared_scope = VariableScope {
        environment: &name,
        service: None,
    };
    let mut shared_variables = variables_of(config.get("sharedVariables"), &shared_scope)?;
    // R27: `Sealed` here is `isSealed: true`; an unreadable value already failed above.
    let inventory =
        InventoryState::decode(shared_variables.remove(INVENTORY_VARIABLE).as_ref().map(
            |variable| match variable {
                LiveVariable::Value(secret) => Some(secret.expose()),
                LiveVariable::Sealed => None,
            },
        ));
    Ok(LiveEnvironment {
        id,
        name,
        config_etag: String::new(),
        unmerged_changes: 0,
        is_fork: false,
        instances,
        shared_variables,
        inventory,
        volumes: Vec::new(),
        buckets: super::config_blob::bucket_instances(config),
    })
}

/// One service instance of environment `environment`, keyed by its service id.
fn build_instance(
    row: InstanceRow,
    environment: &str,
    config: &Value,
    triggers: &[TriggerRow],
) -> Result<(String, LiveInstance)> {
    let trigger = triggers
        .iter()
        .find(|t| t.service_id.as_deref() == Some(row.service_id.as_str()));
    let source = match (row.image, row.repo) {
        (_, Some(repo)) => Some(LiveSource::Repo {
            repo: trigger.map(|t| t.repository.clone()).unwrap_or(repo),
            branch: trigger.map(|t| t.branch.clone()),
            trigger_id: trigger.map(|t| t.id.clone()),
        }),
        (Some(image), None) => Some(LiveSource::Image(image)),
        (None, None) => None,
    };
    let entry = service_entry(config, &row.service_id);
    let mut values = settings_of(&row.typed, entry);
    // Placement stays explicit (R19): the regions of `multiRegionConfig` become one region
    // (joined when several) and a total.
    match placement_from_config(config, &row.service_id) {
        Some(placement) => {
            values.region = Some(
                placement
                    .iter()
                    .map(|(region, _)| region.as_str())
                    .collect::<Vec<_>>()
                    .join(REGION_SEPARATOR),
            );
            values.num_replicas = Some(placement.iter().map(|(_, replicas)| replicas).sum());
            values.regions = Some(placement.iter().cloned().collect());
        }
        // An older Railway answer (or sandbox) without placement in the blob.
        None => {
            values.region = row
                .typed
                .get("region")
                .and_then(Value::as_str)
                .map(str::to_string);
            values.num_replicas = instance_replicas(&row.typed);
        }
    }
    let scope = VariableScope {
        environment,
        service: Some(&row.service_name),
    };
    let variables = variables_of(entry.and_then(|s| s.get("variables")), &scope)?;
    let instance = LiveInstance {
        id: row.id,
        service_id: row.service_id.clone(),
        service_name: row.service_name.clone(),
        source,
        values,
        root_directory: row.root_directory,
        railway_config_file: row.railway_config_file,
        variables,
        service_domains: row.service_domains,
        custom_domains: row.custom_domains,
        tcp_proxies: tcp_ports_from_config(config, &row.service_id),
        latest_deployment: row
            .latest_deployment
            .map(|(id, status)| LiveDeployment { id, status }),
    };
    Ok((row.service_id, instance))
}

/// The setting table's values of one instance (placement aside): each row from the
/// `ServiceInstance` field named like the last part of its key, else from the config blob at
/// its key (R11: limits, for one, are only there). A value of an unexpected type is skipped.
fn settings_of(typed: &Map<String, Value>, entry: Option<&Value>) -> SettingValues {
    let mut values = SettingValues::default();
    for row in TABLE.iter().filter(|r| r.channel == Channel::Config) {
        let field = row.key.rsplit('.').next().unwrap_or(row.key);
        let raw = typed
            .get(field)
            .filter(|v| !v.is_null())
            .or_else(|| entry.and_then(|e| at_key(e, row.key)));
        if let Some(value) = raw.and_then(|v| row.from_railway(v)) {
            (row.put)(&mut values, value);
        }
    }
    values
}

/// The value at a dotted key (`deploy.limitOverride.containers.cpu`), unless absent or null.
fn at_key<'a>(entry: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.')
        .try_fold(entry, |value, part| value.get(part))
        .filter(|v| !v.is_null())
}
