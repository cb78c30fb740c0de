//! `spec.buckets`: Railway Storage Buckets (R49) as written, by name, each with the environments
//! it has an instance in. Names are checked here; the environments against `spec.environments`
//! in `resolve`.

use super::mapping_entries;
use super::reader::Reader;
use crate::manifest::spec::{BucketSpec, Spanned};
use crate::manifest::yaml_tree::{Key, Node, Value};

const FIELDS: &[&str] = &["environments", "region"];
const LATER: &[&str] = &[];
/// Railway's bucket regions (its CLI's list): US West, US East, EU West, Asia Pacific.
pub const BUCKET_REGIONS: &[&str] = &["sjc", "iad", "ams", "sin"];

/// The operator's rule for a bucket name. Railway takes any display name (its S3 name is the
/// display name plus a hash), but a bucket is referenced as `${{<name>.ENDPOINT}}`, so the name
/// must read as a reference namespace: no `.`, no spaces.
pub const BUCKET_NAME_HINT: &str = "bucket names are 1 to 63 characters: letters, digits, `-` and `_`, starting with a letter or digit";

/// Whether `name` is a bucket name the manifest accepts (see [`BUCKET_NAME_HINT`]).
pub fn is_bucket_name(name: &str) -> bool {
    (1..=63).contains(&name.chars().count())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

pub(super) fn decode_buckets(reader: &mut Reader, node: &Node) -> Vec<BucketSpec> {
    let Some(entries) = mapping_entries(node) else {
        reader.sink.error(
            node.at,
            format!(
                "expected a mapping in spec.buckets, found {}",
                node.kind_name()
            ),
        );
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| decode_bucket(reader, key, value))
        .collect()
}

fn decode_bucket(reader: &mut Reader, key: &Key, node: &Node) -> Option<BucketSpec> {
    if !is_bucket_name(&key.name) {
        reader.sink.error_with_hint(
            key.at,
            format!("invalid bucket name `{}`", key.name),
            BUCKET_NAME_HINT,
        );
    }
    let path = format!("spec.buckets.{}", key.name);
    let fields = reader.fields(node, &path, FIELDS, LATER)?;
    let environments = match fields.get("environments") {
        None => None,
        Some(list) => match &list.value {
            Value::Sequence(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        reader.string(item, &format!("{path}.environments[{i}]"))
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => {
                reader.sink.error(
                    list.at,
                    format!(
                        "expected a list of environment names for `{path}.environments`, found {}",
                        list.kind_name()
                    ),
                );
                return None;
            }
        },
    };
    let regions: Vec<(&str, &str)> = BUCKET_REGIONS.iter().map(|r| (*r, *r)).collect();
    let region = reader
        .opt_enum(&fields, "region", &regions)
        .map(|r| r.value.to_string());
    Some(BucketSpec {
        name: Spanned {
            value: key.name.clone(),
            at: key.at,
        },
        environments,
        region,
    })
}
