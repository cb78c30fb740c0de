//! The inventory's stored text. Format 2, written: `ro2:` then base64 of the raw-deflated JSON
//! `{"ro":2,"r":{"<service>":{"o":true,"v":[..],"x":[..],"d":[..],"t":[..],"m":"..","p":{..}}},"b":{..}}`, one
//! record per service name (`""` for the shared variables). Grouping by service keeps each
//! service's names together, inside deflate's 32 KiB window, so repeats compress. Format 1, read
//! only: the plain JSON `{"ro":1,"s":[..],"v":{..},"x":{..},"d":{..},"t":{..},"m":{..}}` that
//! earlier operators wrote. Pure; never fails on input, only says why it cannot read it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};

use super::Inventory;

const FORMAT_VERSION: u32 = 2;
const LEGACY_VERSION: u32 = 1;
/// Starts a format-2 text; format 1 starts with `{`.
const PREFIX: &str = "ro2:";
/// Inflating past this is refused: the variable can be edited by hand, and a short text must not
/// expand without bound.
const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// Format 1: the inventory's own field names, flattened next to the version.
#[derive(Serialize, Deserialize)]
struct LegacyEnvelope {
    #[serde(rename = "ro")]
    version: u32,
    #[serde(flatten)]
    inventory: Inventory,
}

/// Format 2: one record per service name.
#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "ro")]
    version: u32,
    #[serde(default, rename = "r")]
    records: BTreeMap<String, Record>,
    /// Running backups per volume instance (not per service: they follow the volume).
    #[serde(default, rename = "b", skip_serializing_if = "BTreeMap::is_empty")]
    running_backups: BTreeMap<String, BTreeMap<String, String>>,
    /// R49: names of the Storage Buckets it created or manages (project-level, not per service).
    #[serde(default, rename = "k", skip_serializing_if = "BTreeSet::is_empty")]
    buckets: BTreeSet<String>,
    /// A branch preview's mark (see [`super::BranchPreviewMark`]).
    #[serde(default, rename = "bp", skip_serializing_if = "Option::is_none")]
    branch_preview: Option<Box<super::BranchPreviewMark>>,
}

/// What the inventory says about one service name; empty parts are left out.
#[derive(Default, Serialize, Deserialize)]
struct Record {
    #[serde(default, rename = "o", skip_serializing_if = "std::ops::Not::not")]
    owned: bool,
    #[serde(default, rename = "v", skip_serializing_if = "BTreeSet::is_empty")]
    variables: BTreeSet<String>,
    #[serde(default, rename = "x", skip_serializing_if = "BTreeSet::is_empty")]
    sensitive: BTreeSet<String>,
    #[serde(default, rename = "d", skip_serializing_if = "BTreeSet::is_empty")]
    domains: BTreeSet<String>,
    #[serde(default, rename = "t", skip_serializing_if = "BTreeSet::is_empty")]
    tcp_proxies: BTreeSet<i64>,
    #[serde(default, rename = "m", skip_serializing_if = "Option::is_none")]
    volume: Option<String>,
    /// R30: pinned subdomain -> the generated domain asked to take it.
    #[serde(default, rename = "p", skip_serializing_if = "BTreeMap::is_empty")]
    pins: BTreeMap<String, String>,
}

/// Format 2; format 1 only if compressing into memory failed, which it does not.
pub(super) fn encode(inventory: &Inventory) -> String {
    let envelope = Envelope {
        version: FORMAT_VERSION,
        records: records(inventory),
        running_backups: inventory.running_backups.clone(),
        buckets: inventory.buckets.clone(),
        branch_preview: inventory.branch_preview.clone(),
    };
    match serde_json::to_vec(&envelope)
        .ok()
        .and_then(|json| deflate(&json))
    {
        Some(bytes) => format!("{PREFIX}{}", BASE64.encode(bytes)),
        None => encode_legacy(inventory),
    }
}

pub(super) fn encode_legacy(inventory: &Inventory) -> String {
    let envelope = LegacyEnvelope {
        version: LEGACY_VERSION,
        inventory: inventory.clone(),
    };
    serde_json::to_string(&envelope).unwrap_or_else(|_| format!("{{\"ro\":{LEGACY_VERSION}}}"))
}

/// Why a stored value is not an inventory this operator understands.
#[derive(Debug, thiserror::Error)]
pub(super) enum DecodeError {
    #[error("not a valid inventory: {0}")]
    Base64(base64::DecodeError),
    #[error("not a valid inventory: {0}")]
    Inflate(std::io::Error),
    #[error("not a valid inventory: it inflates past {MAX_INFLATED_BYTES} bytes")]
    TooLarge,
    #[error("not a valid inventory: {0}")]
    Json(serde_json::Error),
    #[error("not a valid inventory: unknown encoding")]
    UnknownEncoding,
    #[error("format version {version} is not understood by this operator")]
    NotUnderstood { version: u32 },
}

/// Either format; the reason when the text is not an inventory this operator understands.
pub(super) fn decode(text: &str) -> Result<Inventory, DecodeError> {
    if let Some(encoded) = text.strip_prefix(PREFIX) {
        let envelope: Envelope = parse(&inflate(encoded)?)?;
        return match envelope.version {
            FORMAT_VERSION => Ok(Inventory {
                running_backups: envelope.running_backups,
                buckets: envelope.buckets,
                branch_preview: envelope.branch_preview,
                ..inventory(envelope.records)
            }),
            other => Err(not_understood(other)),
        };
    }
    if text.trim_start().starts_with('{') {
        let envelope: LegacyEnvelope = parse(text.as_bytes())?;
        return match envelope.version {
            LEGACY_VERSION => Ok(envelope.inventory),
            other => Err(not_understood(other)),
        };
    }
    match future_version(text) {
        Some(version) => Err(not_understood(version)),
        None => Err(DecodeError::UnknownEncoding),
    }
}

fn records(inventory: &Inventory) -> BTreeMap<String, Record> {
    let mut records: BTreeMap<String, Record> = BTreeMap::new();
    for name in &inventory.services {
        records.entry(name.clone()).or_default().owned = true;
    }
    for (name, set) in &inventory.variables {
        records.entry(name.clone()).or_default().variables = set.clone();
    }
    for (name, set) in &inventory.sensitive {
        records.entry(name.clone()).or_default().sensitive = set.clone();
    }
    for (name, set) in &inventory.domains {
        records.entry(name.clone()).or_default().domains = set.clone();
    }
    for (name, ports) in &inventory.tcp_proxies {
        records.entry(name.clone()).or_default().tcp_proxies = ports.clone();
    }
    for (name, volume) in &inventory.volumes {
        records.entry(name.clone()).or_default().volume = Some(volume.clone());
    }
    for (name, pins) in &inventory.pins {
        records.entry(name.clone()).or_default().pins = pins.clone();
    }
    records
}

fn inventory(records: BTreeMap<String, Record>) -> Inventory {
    let mut inventory = Inventory::default();
    for (name, record) in records {
        if record.owned {
            inventory.services.insert(name.clone());
        }
        if !record.variables.is_empty() {
            inventory.variables.insert(name.clone(), record.variables);
        }
        if !record.sensitive.is_empty() {
            inventory.sensitive.insert(name.clone(), record.sensitive);
        }
        if !record.domains.is_empty() {
            inventory.domains.insert(name.clone(), record.domains);
        }
        if !record.tcp_proxies.is_empty() {
            inventory
                .tcp_proxies
                .insert(name.clone(), record.tcp_proxies);
        }
        if !record.pins.is_empty() {
            inventory.pins.insert(name.clone(), record.pins);
        }
        if let Some(volume) = record.volume {
            inventory.volumes.insert(name, volume);
        }
    }
    inventory
}

fn deflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

fn inflate(encoded: &str) -> Result<Vec<u8>, DecodeError> {
    let compressed = BASE64.decode(encoded.trim()).map_err(DecodeError::Base64)?;
    let mut json = Vec::new();
    DeflateDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(DecodeError::Inflate)?;
    if json.len() as u64 > MAX_INFLATED_BYTES {
        return Err(DecodeError::TooLarge);
    }
    Ok(json)
}

fn parse<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(DecodeError::Json)
}

/// `ro7:...`: a later operator's format.
fn future_version(text: &str) -> Option<u32> {
    let (head, _) = text.strip_prefix("ro")?.split_once(':')?;
    head.parse().ok()
}

fn not_understood(version: u32) -> DecodeError {
    DecodeError::NotUnderstood { version }
}
