//! `spec.buckets` of an imported manifest (R49): each live bucket with an instance in an
//! imported environment, with `environments` listed only when it is not in all of them. Never
//! reads credentials: services keep their `${{bucket.VAR}}` references as written. Pure.

use serde_yaml::{Mapping, Value};

use crate::manifest::{BUCKET_NAME_HINT, is_bucket_name};
use crate::railway::live::{LiveEnvironment, LiveProject};

/// `spec.buckets`, or `None` when no imported environment has a bucket instance.
pub fn bucket_entries(
    project: &LiveProject,
    environments: &[&LiveEnvironment],
    warnings: &mut Vec<String>,
) -> Option<Value> {
    let mut buckets = Mapping::new();
    for bucket in &project.buckets {
        let present: Vec<&str> = environments
            .iter()
            .filter(|e| e.buckets.contains_key(&bucket.id))
            .map(|e| e.name.as_str())
            .collect();
        if present.is_empty() {
            continue;
        }
        if !is_bucket_name(&bucket.name) || project.services.iter().any(|s| s.name == bucket.name) {
            warnings.push(format!(
                "bucket {:?} is left out: the manifest cannot name it ({BUCKET_NAME_HINT}, and no service may share it); rename it in Railway to manage it",
                bucket.name
            ));
            continue;
        }
        let mut fields = Mapping::new();
        if present.len() < environments.len() {
            let listed = present.iter().map(|e| Value::from(*e)).collect();
            fields.insert("environments".into(), Value::Sequence(listed));
        }
        // One region for the bucket when every imported instance is in the same one.
        let regions: Vec<Option<&String>> = environments
            .iter()
            .filter_map(|e| e.buckets.get(&bucket.id))
            .map(Option::as_ref)
            .collect();
        if let Some(Some(region)) = regions.first()
            && regions.iter().all(|r| r == &Some(*region))
        {
            fields.insert("region".into(), region.as_str().into());
        }
        buckets.insert(bucket.name.as_str().into(), Value::Mapping(fields));
    }
    (!buckets.is_empty()).then_some(Value::Mapping(buckets))
}
