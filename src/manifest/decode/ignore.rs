//! Decodes a service's (or an override's) `ignore:` list into typed paths, each at its own
//! position. Which differences a path leaves alone is decided by the plan, not here.

use super::super::ignore::IgnorePath;
use super::super::spec::Spanned;
use super::domains::list_items;
use super::reader::{Fields, Reader};

/// Reads `owner.ignore`; an unknown path is reported with the nearest valid one.
pub fn decode_ignore(reader: &mut Reader, owner: &Fields) -> Vec<Spanned<IgnorePath>> {
    let Some(node) = owner.get("ignore") else {
        return Vec::new();
    };
    let path = owner.field_path("ignore");
    let Some(items) = list_items(reader, node, &path) else {
        return Vec::new();
    };
    let mut paths: Vec<Spanned<IgnorePath>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(written) = reader.string(item, &format!("{path}[{index}]")) else {
            continue;
        };
        match IgnorePath::parse(&written.value) {
            Ok(parsed) if paths.iter().any(|p| p.value == parsed) => {}
            Ok(parsed) => paths.push(Spanned {
                value: parsed,
                at: written.at,
            }),
            Err(error) => {
                reader
                    .sink
                    .error_with_hint(written.at, format!("{error} in {path}"), error.hint())
            }
        }
    }
    paths
}
