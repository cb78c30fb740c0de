//! `spec.previews`: Railway's PR environment settings (R50) as written. The base environment's
//! name is checked by `resolve`; `expireAfter` and `fromBranches` are not supported yet.

use super::reader::Reader;
use crate::manifest::spec::PreviewsSpec;
use crate::manifest::yaml_tree::Node;

const FIELDS: &[&str] = &["enabled", "bots", "focused", "base"];
const LATER: &[&str] = &["overrides", "expireAfter", "fromBranches"];

pub(super) fn decode_previews(reader: &mut Reader, node: &Node) -> Option<PreviewsSpec> {
    let fields = reader.fields(node, "spec.previews", FIELDS, LATER)?;
    Some(PreviewsSpec {
        enabled: reader.opt_bool(&fields, "enabled").map(|b| b.value),
        bots: reader.opt_bool(&fields, "bots").map(|b| b.value),
        focused: reader.opt_bool(&fields, "focused").map(|b| b.value),
        base: reader.opt_string(&fields, "base"),
    })
}
