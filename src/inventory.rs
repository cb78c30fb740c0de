//! The ownership inventory: what this operator applied earlier, per environment, stored in
//! Railway itself as one shared variable, so a plan in CI and a running operator agree without
//! extra infrastructure. Only what the inventory owns may ever be pruned. Encoding and decoding
//! only; deciding what to prune is the plan's job.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The shared variable holding an environment's inventory. Shared variables are injected only
/// where referenced, so no service sees it.
pub const INVENTORY_VARIABLE: &str = "RAILWAY_OPERATOR_INVENTORY";

/// The key under `variables` for the environment's shared variables.
pub const SHARED: &str = "";

const FORMAT_VERSION: u32 = 1;

/// What the operator owns in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// Service names the operator created or manages.
    #[serde(default, rename = "s")]
    pub services: BTreeSet<String>,
    /// Variable names it set, per service name ([`SHARED`] for shared variables).
    #[serde(default, rename = "v")]
    pub variables: BTreeMap<String, BTreeSet<String>>,
    /// Of those, the ones whose value was sensitive: their old values are never shown.
    #[serde(default, rename = "x")]
    pub sensitive: BTreeMap<String, BTreeSet<String>>,
    /// Domain names it created, per service name (custom hostnames and generated names).
    #[serde(default, rename = "d", skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<String, BTreeSet<String>>,
    /// TCP proxy application ports it created, per service name.
    #[serde(default, rename = "t", skip_serializing_if = "BTreeMap::is_empty")]
    pub tcp_proxies: BTreeMap<String, BTreeSet<i64>>,
    /// The volume (by id) it created or manages, per service name: only that one may be pruned,
    /// never a volume someone attached by hand later.
    #[serde(default, rename = "m", skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, String>,
    /// R30: renames to a pinned subdomain, per service: the pinned name and the generated name
    /// of the domain that was asked to take it. Kept while the rename has not taken, so the plan
    /// reports it once instead of creating and renaming another domain on every pass.
    #[serde(default, rename = "p", skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, BTreeMap<String, String>>,
}

/// The inventory as read from live state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum InventoryState {
    /// Never written in this environment: nothing is owned yet.
    Absent,
    /// Present but unreadable (edited by hand, sealed, or a newer format): nothing is pruned.
    Corrupt {
        reason: String,
    },
    Present {
        inventory: Inventory,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "ro")]
    version: u32,
    #[serde(flatten)]
    inventory: Inventory,
}

impl Inventory {
    /// Compact JSON, versioned.
    pub fn encode(&self) -> String {
        let envelope = Envelope {
            version: FORMAT_VERSION,
            inventory: self.clone(),
        };
        serde_json::to_string(&envelope).unwrap_or_else(|_| format!("{{\"ro\":{FORMAT_VERSION}}}"))
    }

    pub fn owns_service(&self, name: &str) -> bool {
        self.services.contains(name)
    }

    pub fn owns_variable(&self, scope: &str, name: &str) -> bool {
        self.variables
            .get(scope)
            .is_some_and(|names| names.contains(name))
    }

    pub fn owns_domain(&self, service: &str, name: &str) -> bool {
        self.domains
            .get(service)
            .is_some_and(|names| names.contains(name))
    }

    /// The generated name of the domain asked to become `pinned` (R30), if any.
    pub fn pinned_from(&self, service: &str, pinned: &str) -> Option<&str> {
        self.pins
            .get(service)
            .and_then(|pins| pins.get(pinned))
            .map(String::as_str)
    }

    pub fn owns_tcp_proxy(&self, service: &str, port: i64) -> bool {
        self.tcp_proxies
            .get(service)
            .is_some_and(|ports| ports.contains(&port))
    }

    pub fn was_sensitive(&self, scope: &str, name: &str) -> bool {
        self.sensitive
            .get(scope)
            .is_some_and(|names| names.contains(name))
    }
}

impl InventoryState {
    /// Reads the variable's value; `None` when the variable is absent, `Some(None)` when sealed.
    pub fn decode(value: Option<Option<&str>>) -> InventoryState {
        match value {
            None => InventoryState::Absent,
            Some(None) => InventoryState::Corrupt {
                reason: "its value cannot be read (sealed?)".into(),
            },
            Some(Some(text)) => match serde_json::from_str::<Envelope>(text) {
                Ok(envelope) if envelope.version == FORMAT_VERSION => InventoryState::Present {
                    inventory: envelope.inventory,
                },
                Ok(envelope) => InventoryState::Corrupt {
                    reason: format!(
                        "format version {} is not understood by this operator",
                        envelope.version
                    ),
                },
                Err(error) => InventoryState::Corrupt {
                    reason: format!("not a valid inventory: {error}"),
                },
            },
        }
    }

    /// The owned set, or an empty one when there is nothing trustworthy.
    pub fn owned(&self) -> Option<&Inventory> {
        match self {
            InventoryState::Present { inventory } => Some(inventory),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inventory_round_trips_through_its_encoding() {
        let mut inventory = Inventory::default();
        inventory.services.insert("api".into());
        inventory
            .variables
            .entry("api".into())
            .or_default()
            .insert("PORT".into());
        inventory
            .variables
            .entry(SHARED.into())
            .or_default()
            .insert("LOG_LEVEL".into());
        let text = inventory.encode();
        assert!(text.starts_with("{\"ro\":1"), "{text}");
        assert_eq!(
            InventoryState::decode(Some(Some(&text))),
            InventoryState::Present { inventory }
        );
    }

    #[test]
    fn absent_sealed_garbage_and_future_inventories_own_nothing() {
        assert_eq!(InventoryState::decode(None), InventoryState::Absent);
        for state in [
            InventoryState::decode(Some(None)),
            InventoryState::decode(Some(Some("not json"))),
            InventoryState::decode(Some(Some("{\"ro\":99}"))),
        ] {
            assert!(matches!(state, InventoryState::Corrupt { .. }), "{state:?}");
            assert!(state.owned().is_none());
        }
    }
}
