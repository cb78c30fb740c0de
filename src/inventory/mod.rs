//! The ownership inventory: what this operator applied earlier, per environment, stored in
//! Railway itself as one shared variable, so a plan in CI and a running operator agree without
//! extra infrastructure. Only what the inventory owns may ever be pruned. Encoding and decoding
//! only; deciding what to prune is the plan's job.
//!
//! The stored text is format 2 (compressed, grouped by service, see `encoding`); format 1,
//! plain JSON written by earlier operators, is still read.

mod encoding;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The shared variable holding an environment's inventory. Shared variables are injected only
/// where referenced, so no service sees it.
pub const INVENTORY_VARIABLE: &str = "RAILWAY_OPERATOR_INVENTORY";

/// The key under `variables` for the environment's shared variables.
pub const SHARED: &str = "";

/// The largest encoded inventory the operator writes: 64 KiB. Railway documents no size limit
/// for one variable (an open question in railway-semantics.md). 64 KiB is the value limit of
/// common secret stores and half of Linux's 128 KiB limit on one environment string, so it is
/// below any plausible one; 1,000 services x 20 variables take 15 to 66 % of it (BENCHMARKS.md).
pub const MAX_ENCODED_BYTES: usize = 64 * 1024;

/// Failures to produce an inventory that can be written.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Over [`MAX_ENCODED_BYTES`]; nothing was written, so the previous inventory stands.
    #[error(
        "failed to encode the ownership inventory: {bytes} bytes, over the limit of {limit} bytes for one variable"
    )]
    TooLarge { bytes: usize, limit: usize },
}

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
    /// R26: backups the operator started and has not seen finish, per volume instance id: name
    /// -> Railway's workflow id (empty when it gave none). Without `--lock-url` this is where a
    /// restarted operator finds them, so it follows them instead of taking a second one. A plan
    /// carries them over unchanged.
    #[serde(default, rename = "b", skip_serializing_if = "BTreeMap::is_empty")]
    pub running_backups: BTreeMap<String, BTreeMap<String, String>>,
    /// R49: Storage Buckets (by name) the operator created or manages and that have an
    /// instance here: only these may be pruned.
    #[serde(default, rename = "k", skip_serializing_if = "BTreeSet::is_empty")]
    pub buckets: BTreeSet<String>,
    /// Set only in an ephemeral environment this operator made for a branch
    /// (`spec.previews.fromBranches`): the proof that it may delete it.
    #[serde(default, rename = "bp", skip_serializing_if = "Option::is_none")]
    pub branch_preview: Option<Box<BranchPreviewMark>>,
}

/// The mark of a branch preview the operator made. It names the environment's own id: a copy of
/// that environment (Railway copies shared variables, R2) carries the mark with another id, so
/// only the environment the operator created is ever taken for its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPreviewMark {
    #[serde(rename = "e")]
    pub environment_id: String,
    #[serde(rename = "b")]
    pub branch: String,
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

impl Inventory {
    /// The text to store: format 2 (see `encoding`).
    pub fn encode(&self) -> String {
        encoding::encode(self)
    }

    /// [`Inventory::encode`], checked against [`MAX_ENCODED_BYTES`] before it is written.
    ///
    /// # Errors
    /// [`InventoryError::TooLarge`] with both sizes; nothing should be written then.
    pub fn encode_checked(&self) -> Result<String, InventoryError> {
        let text = self.encode();
        if text.len() > MAX_ENCODED_BYTES {
            return Err(InventoryError::TooLarge {
                bytes: text.len(),
                limit: MAX_ENCODED_BYTES,
            });
        }
        Ok(text)
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
    /// The branch this environment (id `environment_id`) is the operator's preview of, if the
    /// inventory carries a mark naming exactly this environment.
    pub fn branch_preview_of(&self, environment_id: &str) -> Option<&str> {
        match self {
            InventoryState::Present { inventory } => inventory
                .branch_preview
                .as_ref()
                .filter(|mark| mark.environment_id == environment_id)
                .map(|mark| mark.branch.as_str()),
            _ => None,
        }
    }

    /// Reads the variable's value; `None` when the variable is absent, `Some(None)` when it is
    /// sealed (`isSealed: true`, R27). A value the token cannot decrypt never gets here: the
    /// snapshot fails with `railway::Error::CannotDecrypt` instead.
    pub fn decode(value: Option<Option<&str>>) -> InventoryState {
        match value {
            None => InventoryState::Absent,
            // R27: someone sealed it in the dashboard; a sealed value can never be read back.
            Some(None) => InventoryState::Corrupt {
                reason: "it is sealed (R27), so its value can never be read".into(),
            },
            Some(Some(text)) => match encoding::decode(text) {
                Ok(inventory) => InventoryState::Present { inventory },
                Err(reason) => InventoryState::Corrupt {
                    reason: reason.to_string(),
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
    fn running_backups_round_trip_and_an_inventory_without_them_encodes_as_before() {
        let mut inventory = Inventory::default();
        inventory.services.insert("db".into());
        let without = inventory.encode();
        inventory
            .running_backups
            .entry("vi-1".into())
            .or_default()
            .insert(
                "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z".into(),
                "wf-1".into(),
            );
        let text = inventory.encode();
        assert_ne!(text, without);
        assert_eq!(
            InventoryState::decode(Some(Some(&text))),
            InventoryState::Present {
                inventory: inventory.clone()
            }
        );
        inventory.running_backups.clear();
        assert_eq!(inventory.encode(), without);
    }

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
        inventory
            .sensitive
            .entry("api".into())
            .or_default()
            .insert("TOKEN".into());
        inventory
            .domains
            .entry("api".into())
            .or_default()
            .insert("api.example.com".into());
        inventory
            .tcp_proxies
            .entry("api".into())
            .or_default()
            .insert(5432);
        inventory.volumes.insert("api".into(), "api-data".into());
        inventory.pins.entry("api".into()).or_default().insert(
            "api-pinned.up.railway.app".into(),
            "api-production.up.railway.app".into(),
        );
        let text = inventory.encode();
        assert!(text.starts_with("ro2:"), "{text}");
        assert_eq!(
            InventoryState::decode(Some(Some(&text))),
            InventoryState::Present {
                inventory: inventory.clone()
            }
        );
        let legacy = encoding::encode_legacy(&inventory);
        assert!(legacy.starts_with("{\"ro\":1"), "{legacy}");
        assert_eq!(
            InventoryState::decode(Some(Some(&legacy))),
            InventoryState::Present { inventory }
        );
    }

    #[test]
    fn an_inventory_written_by_an_earlier_operator_in_plain_json_is_still_read() {
        let text = r#"{"ro":1,"s":["api"],"v":{"":["LOG_LEVEL"],"api":["PORT"]},"x":{"api":["KEY"]},"m":{"api":"vol-1"}}"#;
        let InventoryState::Present { inventory } = InventoryState::decode(Some(Some(text))) else {
            panic!("format 1 is read");
        };
        assert!(inventory.owns_service("api") && inventory.owns_variable(SHARED, "LOG_LEVEL"));
        assert!(inventory.was_sensitive("api", "KEY"));
        assert_eq!(inventory.volumes["api"], "vol-1");
    }

    #[test]
    fn an_inventory_over_the_size_limit_is_refused_with_both_sizes() {
        let mut inventory = Inventory::default();
        // Names that do not compress: 3,000 of 64 pseudo-random hex digits.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let name: String = (0..4)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    format!("{state:016x}")
                })
                .collect();
            inventory.services.insert(name);
        }
        let error = inventory.encode_checked().expect_err("too large");
        let text = error.to_string();
        let InventoryError::TooLarge { bytes, limit } = error;
        assert!(
            bytes > limit && limit == MAX_ENCODED_BYTES,
            "{bytes} / {limit}"
        );
        assert!(
            text.contains(&format!(
                "{bytes} bytes, over the limit of {MAX_ENCODED_BYTES} bytes"
            )),
            "{text}"
        );
    }

    #[test]
    fn absent_sealed_garbage_and_future_inventories_own_nothing() {
        assert_eq!(InventoryState::decode(None), InventoryState::Absent);
        for state in [
            InventoryState::decode(Some(None)),
            InventoryState::decode(Some(Some("not json"))),
            InventoryState::decode(Some(Some("{\"ro\":99}"))),
            InventoryState::decode(Some(Some("ro2:not base64!"))),
            InventoryState::decode(Some(Some("ro2:AAAA"))),
            InventoryState::decode(Some(Some("ro7:abc"))),
        ] {
            assert!(matches!(state, InventoryState::Corrupt { .. }), "{state:?}");
            assert!(state.owned().is_none());
        }
    }
}
