//! The shape of Railway's placement, both ways: `deploy.multiRegionConfig`, a map of region to
//! `{numReplicas}` (R19, R20), and the replica total Railway places in its default region. The
//! only place outside the setting table that spells these keys; the patch builder and the live
//! reader decide what to write and read, not how it is spelled.

use serde_json::{Map, Value, json};

use super::Regions;

const MULTI_REGION: &str = "multiRegionConfig";
const REPLICAS: &str = "numReplicas";

/// `deploy`'s placement entry: each region with its replicas, `None` for a region to remove
/// (R13: a null deletes a map entry).
pub fn multi_region_entry<'a>(
    regions: impl IntoIterator<Item = (&'a str, Option<i64>)>,
) -> Map<String, Value> {
    let regions: Map<String, Value> = regions
        .into_iter()
        .map(|(region, replicas)| {
            let entry = replicas.map_or(Value::Null, |n| json!({ REPLICAS: n }));
            (region.to_string(), entry)
        })
        .collect();
    Map::from_iter([(MULTI_REGION.to_string(), Value::Object(regions))])
}

/// `deploy`'s replica total, which Railway places in the instance's region (R20).
pub fn replicas_entry(replicas: i64) -> Map<String, Value> {
    Map::from_iter([(REPLICAS.to_string(), json!(replicas))])
}

/// The regions of a service's config entry with their replicas (an entry without a count has
/// one), sorted; null entries were removed. `None` when the entry holds no placement.
pub fn placement_of(service_entry: &Value) -> Option<Vec<(String, i64)>> {
    let regions = service_entry
        .get("deploy")?
        .get(MULTI_REGION)?
        .as_object()?;
    let placement: Vec<(String, i64)> = regions
        .iter()
        .filter(|(_, entry)| !entry.is_null())
        .map(|(region, entry)| {
            let replicas = entry.get(REPLICAS).and_then(Value::as_i64).unwrap_or(1);
            (region.clone(), replicas)
        })
        .collect();
    (!placement.is_empty()).then_some(placement)
}

/// The replica total of a `ServiceInstance` read by its GraphQL field names (older answers
/// without placement in the config).
pub fn instance_replicas(fields: &Map<String, Value>) -> Option<i64> {
    fields.get(REPLICAS).and_then(Value::as_i64)
}

/// `{<region>: {numReplicas: n} | n | null}`; null and 0 replicas are no region (R13).
pub fn regions_of(map: &Map<String, Value>) -> Regions {
    map.iter()
        .filter_map(|(region, entry)| {
            let n = entry
                .as_i64()
                .or_else(|| entry.get(REPLICAS).and_then(Value::as_i64))?;
            (n > 0).then(|| (region.clone(), n))
        })
        .collect()
}
