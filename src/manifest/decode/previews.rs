//! `spec.previews`: Railway's PR environment settings (R50) as written, and the overrides every
//! ephemeral environment gets. The base environment's name and the overridden services' names are
//! checked by `resolve`; `expireAfter` and `fromBranches` are not supported yet.

use super::reader::Reader;
use super::settings::decode_settings;
use super::{check_name, mapping_entries};
use crate::manifest::spec::{PreviewsSpec, Settings, Spanned};
use crate::manifest::yaml_tree::Node;

const FIELDS: &[&str] = &["enabled", "bots", "focused", "base", "overrides"];
const LATER: &[&str] = &["expireAfter", "fromBranches"];
/// What a preview override may set: settings of the table and variables, like an environment's
/// override; the rest of an environment's override is not supported on previews yet.
const OVERRIDE_FIELDS: &[&str] = &["build", "deploy", "variables"];
const OVERRIDE_LATER: &[&str] = &["source", "domains", "tcpProxies", "volume", "ignore"];

pub(super) fn decode_previews(reader: &mut Reader, node: &Node) -> Option<PreviewsSpec> {
    let fields = reader.fields(node, "spec.previews", FIELDS, LATER)?;
    let overrides = fields
        .get("overrides")
        .map(|node| decode_overrides(reader, node))
        .unwrap_or_default();
    Some(PreviewsSpec {
        enabled: reader.opt_bool(&fields, "enabled").map(|b| b.value),
        bots: reader.opt_bool(&fields, "bots").map(|b| b.value),
        focused: reader.opt_bool(&fields, "focused").map(|b| b.value),
        base: reader.opt_string(&fields, "base"),
        overrides,
    })
}

/// `spec.previews.overrides.services.<name>`, each decoded like an environment's override.
fn decode_overrides(reader: &mut Reader, node: &Node) -> Vec<(Spanned<String>, Settings)> {
    let path = "spec.previews.overrides";
    let Some(fields) = reader.fields(node, path, &["services"], &[]) else {
        return Vec::new();
    };
    let Some(services) = fields.get("services") else {
        return Vec::new();
    };
    let Some(entries) = mapping_entries(services) else {
        reader.sink.error(
            services.at,
            format!(
                "expected a mapping in {path}.services, found {}",
                services.kind_name()
            ),
        );
        return Vec::new();
    };
    let mut overrides = Vec::new();
    for (key, value) in entries {
        check_name(reader, key, "service");
        let service_path = format!("{path}.services.{}", key.name);
        if let Some(service) = reader.fields(value, &service_path, OVERRIDE_FIELDS, OVERRIDE_LATER)
        {
            let name = Spanned {
                value: key.name.clone(),
                at: key.at,
            };
            overrides.push((name, decode_settings(reader, &service)));
        }
    }
    overrides
}
