//! `spec.previews`: Railway's PR environment settings (R50) as written, and the overrides every
//! ephemeral environment gets. The base environment's name and the overridden services' names are
//! checked by `resolve`; `expireAfter` as a duration; `fromBranches` with its pattern checked
//! (`manifest::branch_pattern`) and `source: git`, the only source.

use super::reader::Reader;
use super::settings::decode_settings;
use super::{check_name, mapping_entries};
use crate::manifest::branch_pattern::BranchPattern;
use crate::manifest::spec::{PreviewsSpec, Settings, Spanned};
use crate::manifest::yaml_tree::Node;

const FIELDS: &[&str] = &[
    "enabled",
    "bots",
    "focused",
    "base",
    "overrides",
    "expireAfter",
    "fromBranches",
];
/// Where branch lists come from: only the `run --git` repository today.
const SOURCES: &[(&str, ())] = &[("git", ())];
/// What a preview override may set: settings of the table and variables, like an environment's
/// override; the rest of an environment's override is not supported on previews yet.
const OVERRIDE_FIELDS: &[&str] = &["build", "deploy", "variables"];
const OVERRIDE_LATER: &[&str] = &["source", "domains", "tcpProxies", "volume", "ignore"];

pub(super) fn decode_previews(reader: &mut Reader, node: &Node) -> Option<PreviewsSpec> {
    let fields = reader.fields(node, "spec.previews", FIELDS, &[])?;
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
        expire_after: fields
            .get("expireAfter")
            .and_then(|node| decode_expiry(reader, node)),
        from_branches: fields
            .get("fromBranches")
            .and_then(|node| decode_from_branches(reader, node)),
    })
}

/// `expireAfter`: a duration of at least a minute (a shorter one would delete previews as
/// they are made).
fn decode_expiry(reader: &mut Reader, node: &Node) -> Option<std::time::Duration> {
    let path = "spec.previews.expireAfter";
    let written = reader.string(node, path)?;
    let problem = match crate::duration::parse_duration(&written.value) {
        Ok(age) if age.as_secs() >= 60 => return Some(age),
        Ok(_) => "it must be at least 1m".to_string(),
        Err(reason) => reason.to_string(),
    };
    reader.sink.error_with_hint(
        written.at,
        format!("invalid duration in `{path}`: {problem}"),
        "e.g. 7d, 36h or 90m",
    );
    None
}

/// `fromBranches: { pattern, source }`, both required.
fn decode_from_branches(reader: &mut Reader, node: &Node) -> Option<BranchPattern> {
    let path = "spec.previews.fromBranches";
    let fields = reader.fields(node, path, &["pattern", "source"], &[])?;
    if fields.get("source").is_none() {
        reader.missing(&fields, "source");
    }
    let source = fields
        .get("source")
        .and_then(|node| reader.enum_value(node, &format!("{path}.source"), SOURCES));
    let Some(written) = reader.opt_string(&fields, "pattern") else {
        if fields.get("pattern").is_none() {
            reader.missing(&fields, "pattern");
        }
        return None;
    };
    match BranchPattern::parse(&written.value) {
        Ok(pattern) => source.map(|_| pattern),
        Err(problem) => {
            reader.sink.error(
                written.at,
                format!("invalid branch pattern in `{path}.pattern`: {problem}"),
            );
            None
        }
    }
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
