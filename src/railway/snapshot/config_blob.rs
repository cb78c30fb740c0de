//! Readers of an environment's config blob (`Environment.config`): variables, TCP proxy ports,
//! placement and native backup schedules, which the typed fields do not carry. Reading
//! only; unknown or malformed entries are skipped, never fatal, except a variable the token
//! cannot decrypt (R27).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::manifest::desired::BackupScheduleKind;
use crate::manifest::setting::placement::placement_of;
use crate::railway::Error;
use crate::railway::live::LiveVariable;
use crate::secret::{Secret, SecretOrigin};

/// `services.<id>`: one service instance's part of the blob.
pub(super) fn service_entry<'a>(config: &'a Value, service_id: &str) -> Option<&'a Value> {
    config.get("services").and_then(|s| s.get(service_id))
}

/// Where a config-blob scope's variables belong, to name them in an error.
pub(super) struct VariableScope<'a> {
    pub environment: &'a str,
    /// The service's name; `None` for the shared variables.
    pub service: Option<&'a str>,
}

/// Variables of a config-blob scope (`services.<id>.variables` or `sharedVariables`), as stored:
/// references unrendered. Null entries and tombstones (`isDeleted`) are absent (R12).
///
/// # Errors
/// R27: "sealed" comes from `isSealed: true` only. A null value on a variable that is not
/// sealed means the token cannot decrypt it: [`Error::CannotDecrypt`], never "sealed" (which
/// would compare it by presence and hide drift).
pub(super) fn variables_of(
    scope: Option<&Value>,
    at: &VariableScope,
) -> Result<BTreeMap<String, LiveVariable>, Error> {
    let Some(entries) = scope.and_then(Value::as_object) else {
        return Ok(BTreeMap::new());
    };
    let mut variables = BTreeMap::new();
    for (name, entry) in entries {
        if entry.is_null() || entry.get("isDeleted").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let variable = if entry.get("isSealed").and_then(Value::as_bool) == Some(true) {
            LiveVariable::Sealed
        } else {
            match entry.get("value") {
                Some(Value::String(value)) => {
                    LiveVariable::Value(Secret::new(SecretOrigin::Live, value))
                }
                Some(Value::Null) | None => {
                    return Err(Error::CannotDecrypt {
                        environment: at.environment.to_string(),
                        service: at.service.map(str::to_string),
                        variable: name.clone(),
                    });
                }
                Some(other) => {
                    LiveVariable::Value(Secret::new(SecretOrigin::Live, other.to_string()))
                }
            }
        };
        variables.insert(name.clone(), variable);
    }
    Ok(variables)
}

/// TCP proxies by application port: `networking.tcpProxies` keys in the config blob.
pub(super) fn tcp_ports_from_config(config: &Value, service_id: &str) -> Vec<i64> {
    service_entry(config, service_id)
        .and_then(|s| s.pointer("/networking/tcpProxies"))
        .and_then(Value::as_object)
        .map(|ports| {
            ports
                .iter()
                .filter(|(_, v)| !v.is_null())
                .filter_map(|(port, _)| port.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// `services.<id>.volumeMounts.<volumeId>.backupSchedules`, sorted; absent means none.
pub(super) fn backup_schedules(
    config: &Value,
    service_id: &str,
    volume_id: &str,
) -> Vec<BackupScheduleKind> {
    let mut kinds: Vec<BackupScheduleKind> = service_entry(config, service_id)
        .and_then(|s| s.get("volumeMounts"))
        .and_then(|m| m.get(volume_id))
        .and_then(|m| m.get("backupSchedules"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|kind| serde_json::from_value(kind.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Placement (R19): `deploy.multiRegionConfig` maps each region to its replicas; entries that are
/// null were removed. `ServiceInstance.region` reads null on Railway, so this is the only truth.
/// Regions come sorted; `None` when the blob carries no placement for the service.
pub(super) fn placement_from_config(
    config: &Value,
    service_id: &str,
) -> Option<Vec<(String, i64)>> {
    placement_of(service_entry(config, service_id)?)
}

/// R49: the ids under the config's `buckets` with their `region`, but those marked `isDeleted`.
pub(super) fn bucket_instances(config: &Value) -> BTreeMap<String, Option<String>> {
    config
        .get("buckets")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, entry)| entry.get("isDeleted").and_then(Value::as_bool) != Some(true))
        .map(|(id, entry)| {
            let region = entry.get("region").and_then(Value::as_str);
            (id.clone(), region.map(str::to_string))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{VariableScope, placement_from_config, variables_of};
    use crate::railway::Error;
    use crate::railway::live::LiveVariable;

    const API: VariableScope = VariableScope {
        environment: "production",
        service: Some("api"),
    };

    #[test]
    fn r27_sealed_comes_from_is_sealed_only_and_tombstones_are_absent() {
        let scope = json!({
            "TOKEN": {"value": null, "isSealed": true},
            "CLAIMED": {"value": "shown-anyway", "isSealed": true},
            "PORT": {"value": "8000", "isSealed": false},
            "GONE": {"value": null, "isDeleted": true},
            "REMOVED": null
        });
        let variables = variables_of(Some(&scope), &API).expect("readable");
        assert_eq!(variables["TOKEN"], LiveVariable::Sealed);
        assert_eq!(variables["CLAIMED"], LiveVariable::Sealed);
        assert!(matches!(&variables["PORT"], LiveVariable::Value(v) if v.expose() == "8000"));
        assert_eq!(variables.len(), 3, "{variables:?}");
    }

    #[test]
    fn r27_a_null_value_on_an_unsealed_variable_is_an_error_naming_it_and_its_environment() {
        for entry in [
            json!({"value": null}),
            json!({"value": null, "isSealed": false}),
            json!({}),
        ] {
            let scope = json!({ "PORT": entry });
            let error = variables_of(Some(&scope), &API).expect_err("cannot decrypt");
            assert!(matches!(error, Error::CannotDecrypt { .. }), "{error:?}");
            assert_eq!(
                error.to_string(),
                "variable PORT of service api in environment production has no value although it is not sealed: the token cannot decrypt this environment's variables (R27); use a token with access to them"
            );
        }
        let shared = VariableScope {
            environment: "staging",
            service: None,
        };
        let error = variables_of(Some(&json!({"LOG": {"value": null}})), &shared).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("shared variable LOG in environment staging has no value"),
            "{error}"
        );
    }

    #[test]
    fn r19_placement_is_read_from_multi_region_config_skipping_removed_regions() {
        let config = json!({"services": {"s1": {"deploy": {"multiRegionConfig": {
            "us-west2": {"numReplicas": 2},
            "europe-west4-drams3a": null,
            "asia-southeast1-eqsg3a": {}
        }}}}});
        assert_eq!(
            placement_from_config(&config, "s1"),
            Some(vec![
                ("asia-southeast1-eqsg3a".to_string(), 1),
                ("us-west2".to_string(), 2)
            ])
        );
    }

    #[test]
    fn r19_a_blob_without_placement_says_nothing_about_regions() {
        let config =
            json!({"services": {"s1": {"deploy": {"multiRegionConfig": {"us-west2": null}}}}});
        assert_eq!(placement_from_config(&config, "s1"), None);
        assert_eq!(placement_from_config(&json!({}), "s1"), None);
    }
}
