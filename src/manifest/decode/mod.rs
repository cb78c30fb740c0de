//! Structural decoding of the YAML tree into a `ManifestSpec`: required fields, unknown fields,
//! types, enum values, names Railway would reject. Reports every problem it sees into the sink and
//! keeps going; merging overrides and cross-field rules are left to `resolve`.

mod backups;
mod buckets;
mod cron;
mod database;
mod domains;
mod hostname;
mod ignore;
mod notifications;
mod previews;
mod reader;
mod settings;
mod variables;
mod volume;
mod windows;

use std::collections::HashSet;
use std::path::Path;

use super::desired::{DeployPolicy, DriftPolicy, StagedChangesPolicy};
use super::diagnostics::{Position, Sink};
use super::sops::Secrets;
use super::spec::{ExternalSpec, ManifestSpec, ServiceSpec, Spanned};
use super::yaml_tree::{Key, Node};
pub use crate::manifest::suggest::suggest;
pub use buckets::{BUCKET_NAME_HINT, is_bucket_name};
use notifications::decode_notifications;
use reader::{Fields, Reader};
use settings::decode_settings;
use variables::decode_variables;
pub use volume::{VOLUME_NAME_HINT, is_volume_name};

pub const API_VERSION: &str = "railway-operator/v1";
pub const KIND: &str = "Project";

/// Features of later issues: named in a "not supported yet" hint instead of "did you mean".
const SERVICE_LATER: &[&str] = &[];
const SERVICE_FIELDS: &[&str] = &[
    "enabled",
    "variables",
    "phase",
    "source",
    "build",
    "deploy",
    "external",
    "environments",
    "domains",
    "tcpProxies",
    "volume",
    "ignore",
    "database",
    "public",
];
const OVERRIDE_FIELDS: &[&str] = &[
    "source",
    "build",
    "deploy",
    "variables",
    "domains",
    "tcpProxies",
    "volume",
    "ignore",
];

/// What decoding reads besides the tree.
pub struct Inputs<'a> {
    /// Resolves `${VAR}` and `fromEnv`.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Anchors `fromFile` paths.
    pub base_dir: &'a Path,
    /// Positions of the values that came from SOPS ciphertext: secrets wherever they go.
    pub sealed: &'a HashSet<Position>,
    pub secrets: Secrets,
}

/// Decodes `root` with `inputs`.
pub fn decode(root: &Node, inputs: &Inputs, sink: &mut Sink) -> ManifestSpec {
    let mut reader = Reader {
        sink,
        env: inputs.env,
        base_dir: inputs.base_dir,
        sealed: inputs.sealed,
        secrets: inputs.secrets,
    };
    let mut spec = ManifestSpec::default();
    let Some(top) = reader.fields(root, "", &["apiVersion", "kind", "metadata", "spec"], &[])
    else {
        return spec;
    };
    expect_constant(&mut reader, &top, "apiVersion", API_VERSION);
    expect_constant(&mut reader, &top, "kind", KIND);
    match top.get("metadata") {
        Some(node) => decode_metadata(&mut reader, node, &mut spec),
        None => reader.missing(&top, "metadata"),
    }
    match top.get("spec") {
        Some(node) => decode_spec(&mut reader, node, &mut spec),
        None => reader.missing(&top, "spec"),
    }
    spec
}

fn expect_constant(reader: &mut Reader, top: &Fields, name: &str, expected: &str) {
    let Some(node) = top.get(name) else {
        reader.missing(top, name);
        return;
    };
    if let Some(value) = reader.string(node, name)
        && value.value != expected
    {
        reader.sink.error_with_hint(
            node.at,
            format!("unsupported `{name}`"),
            format!("write `{name}: {expected}`"),
        );
    }
}

fn decode_metadata(reader: &mut Reader, node: &Node, spec: &mut ManifestSpec) {
    let Some(metadata) = reader.fields(node, "metadata", &["name", "id"], &[]) else {
        return;
    };
    match metadata.get("name") {
        None => reader.missing(&metadata, "name"),
        Some(name_node) => {
            if let Some(name) = reader.string(name_node, "metadata.name") {
                let length = name.value.chars().count();
                if name.value.trim().is_empty() || length > 63 {
                    reader.sink.error_with_hint(
                        name.at,
                        "invalid project name in `metadata.name`",
                        "a Railway project name is 1 to 63 characters and not blank",
                    );
                }
                spec.name = Some(name.value);
            }
        }
    }
    if let Some(id) = reader.opt_string(&metadata, "id") {
        if uuid::Uuid::parse_str(&id.value).is_err() {
            reader.sink.error_with_hint(
                id.at,
                "`metadata.id` is not a project UUID",
                "copy the project ID from Railway's project settings, or remove `id` to match by name",
            );
        }
        spec.id = Some(id.value);
    }
}

fn decode_spec(reader: &mut Reader, node: &Node, spec: &mut ManifestSpec) {
    let Some(fields) = reader.fields(
        node,
        "spec",
        &[
            "workspace",
            "policy",
            "sharedVariables",
            "environments",
            "services",
            "notifications",
            "previews",
            "buckets",
        ],
        &[],
    ) else {
        return;
    };
    if let Some(buckets) = fields.get("buckets") {
        spec.buckets = buckets::decode_buckets(reader, buckets);
    }
    if let Some(previews) = fields.get("previews") {
        spec.previews = previews::decode_previews(reader, previews);
    }
    spec.workspace = reader.opt_string(&fields, "workspace").map(|w| w.value);
    spec.shared_variables = decode_variables(reader, &fields, "sharedVariables");
    spec.notifications = decode_notifications(reader, &fields);
    if let Some(policy_node) = fields.get("policy") {
        decode_policy(reader, policy_node, spec);
    }
    decode_environments_field(reader, &fields, spec);
    decode_services_field(reader, &fields, spec);
}

/// `spec.policy`: pruning, drift, deploys, staged changes, suspension and change windows.
fn decode_policy(reader: &mut Reader, policy_node: &Node, spec: &mut ManifestSpec) {
    let Some(policy) = reader.fields(
        policy_node,
        "spec.policy",
        &[
            "prune",
            "drift",
            "deploy",
            "suspend",
            "stagedChanges",
            "windows",
        ],
        &[],
    ) else {
        return;
    };
    spec.prune = reader.opt_bool(&policy, "prune").is_some_and(|p| p.value);
    spec.suspend = reader.opt_bool(&policy, "suspend").is_some_and(|p| p.value);
    spec.drift = reader
        .opt_enum(
            &policy,
            "drift",
            &[
                ("self-heal", DriftPolicy::SelfHeal),
                ("report", DriftPolicy::Report),
            ],
        )
        .map_or(DriftPolicy::default(), |d| d.value);
    spec.deploy = reader
        .opt_enum(
            &policy,
            "deploy",
            &[
                ("on-change", DeployPolicy::OnChange),
                ("never", DeployPolicy::Never),
            ],
        )
        .map_or(DeployPolicy::default(), |d| d.value);
    spec.staged_changes = reader
        .opt_enum(
            &policy,
            "stagedChanges",
            &[
                ("hold", StagedChangesPolicy::Hold),
                ("commit", StagedChangesPolicy::Commit),
            ],
        )
        .map_or(StagedChangesPolicy::default(), |d| d.value);
    spec.windows = windows::decode_windows(reader, &policy);
}

/// `spec.environments`: required, a mapping of environment names.
fn decode_environments_field(reader: &mut Reader, fields: &Fields, spec: &mut ManifestSpec) {
    match fields.get("environments") {
        None => reader.sink.error_with_hint(
            fields.at,
            "missing required field `environments` in spec",
            "declare at least one environment, e.g. `environments: { production: {} }`",
        ),
        Some(envs_node) => match mapping_entries(envs_node) {
            Some(entries) => decode_environments(reader, envs_node.at, entries, spec),
            None => reader.sink.error(
                envs_node.at,
                format!(
                    "expected a mapping in spec.environments, found {}",
                    envs_node.kind_name()
                ),
            ),
        },
    }
}

/// `spec.services`: required, a mapping of service names.
fn decode_services_field(reader: &mut Reader, fields: &Fields, spec: &mut ManifestSpec) {
    match fields.get("services") {
        None => reader.missing(fields, "services"),
        Some(services_node) => {
            let Some(entries) = mapping_entries(services_node) else {
                reader.sink.error(
                    services_node.at,
                    format!(
                        "expected a mapping in spec.services, found {}",
                        services_node.kind_name()
                    ),
                );
                return;
            };
            for (key, value) in entries {
                if let Some(service) = decode_service(reader, key, value) {
                    spec.services.push(service);
                }
            }
        }
    }
}

fn mapping_entries(node: &Node) -> Option<&[(Key, Node)]> {
    match &node.value {
        super::yaml_tree::Value::Mapping(entries) => Some(entries),
        _ if node.is_null() => Some(&[]),
        _ => None,
    }
}

fn decode_environments(
    reader: &mut Reader,
    at: Position,
    entries: &[(Key, Node)],
    spec: &mut ManifestSpec,
) {
    if entries.is_empty() {
        reader.sink.error_with_hint(
            at,
            "`spec.environments` declares no environment",
            "declare at least one, e.g. `production: {}`",
        );
    }
    for (key, value) in entries {
        check_name(reader, key, "environment");
        let path = format!("spec.environments.{}", key.name);
        if let Some(fields) = reader.fields(value, &path, &["sharedVariables"], &[]) {
            let shared = decode_variables(reader, &fields, "sharedVariables");
            spec.environment_shared_variables
                .insert(key.name.clone(), shared);
        }
        spec.environments.push(Spanned {
            value: key.name.clone(),
            at: key.at,
        });
    }
}

fn decode_service(reader: &mut Reader, key: &Key, node: &Node) -> Option<ServiceSpec> {
    check_name(reader, key, "service");
    let path = format!("services.{}", key.name);
    let fields = reader.fields(node, &path, SERVICE_FIELDS, SERVICE_LATER)?;
    let enabled = reader.opt_bool(&fields, "enabled").is_none_or(|e| e.value);
    let phase = reader
        .opt_int(&fields, "phase", 1)
        .and_then(|p| match u32::try_from(p.value) {
            Ok(phase) => Some(phase),
            Err(_) => {
                reader
                    .sink
                    .error(p.at, format!("`{path}.phase` is out of range"));
                None
            }
        });
    let external_declared = fields.get("external").is_some();
    let external = fields
        .get("external")
        .and_then(|n| decode_external(reader, n, &fields));
    let database_declared = fields.get("database").is_some();
    let database = database::decode_database(reader, &fields);
    let public = database::decode_public(reader, &fields);
    let base = decode_settings(reader, &fields);
    let mut overrides = Vec::new();
    if let Some(envs_node) = fields.get("environments") {
        match mapping_entries(envs_node) {
            None => reader.sink.error(
                envs_node.at,
                format!(
                    "expected a mapping in {path}.environments, found {}",
                    envs_node.kind_name()
                ),
            ),
            Some(entries) => {
                for (env_key, env_node) in entries {
                    let env_path = format!("{path}.environments.{}", env_key.name);
                    if let Some(env_fields) =
                        reader.fields(env_node, &env_path, OVERRIDE_FIELDS, SERVICE_LATER)
                    {
                        database::reject_override_source(reader, database_declared, &env_fields);
                        let settings = decode_settings(reader, &env_fields);
                        overrides.push((
                            Spanned {
                                value: env_key.name.clone(),
                                at: env_key.at,
                            },
                            settings,
                        ));
                    }
                }
            }
        }
    }
    Some(ServiceSpec {
        name: Spanned {
            value: key.name.clone(),
            at: key.at,
        },
        enabled,
        phase,
        external_declared,
        external,
        database,
        database_declared,
        public,
        base,
        overrides,
    })
}

fn decode_external(reader: &mut Reader, node: &Node, service: &Fields) -> Option<ExternalSpec> {
    let path = service.field_path("external");
    let external = reader.fields(node, &path, &["url", "healthPath"], &[])?;
    for managed_only in [
        "source",
        "build",
        "deploy",
        "variables",
        "environments",
        "domains",
        "tcpProxies",
        "volume",
        "ignore",
    ] {
        if let Some(key) = service.key(managed_only) {
            reader.sink.error_with_hint(
                key.at,
                format!(
                    "an external service cannot have `{managed_only}` (in {})",
                    service.path
                ),
                "external services are not on Railway: remove this block, or remove `external`",
            );
        }
    }
    let url = match external.get("url") {
        None => {
            reader.missing(&external, "url");
            None
        }
        Some(url_node) => reader
            .string(url_node, &format!("{path}.url"))
            .and_then(|url| {
                if url.value.starts_with("https://") || url.value.starts_with("http://") {
                    Some(url.value)
                } else {
                    reader.sink.error_with_hint(
                        url.at,
                        format!("`{path}.url` is not an http(s) URL"),
                        "write it as `https://host/...`",
                    );
                    None
                }
            }),
    };
    let health_path = reader.opt_string(&external, "healthPath").map(|h| h.value);
    Some(ExternalSpec {
        url: url?,
        health_path,
    })
}

/// Railway's rule for service and environment names.
fn check_name(reader: &mut Reader, key: &Key, what: &str) {
    let name = &key.name;
    let valid = (1..=63).contains(&name.chars().count())
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        reader.sink.error_with_hint(
            key.at,
            format!("invalid {what} name `{name}`"),
            "names are 1 to 63 characters: letters, digits, `-`, `_`, `.`, not starting with `-` or `.`",
        );
    }
}

/// A "did you mean" hint for an undeclared environment name.
pub fn environment_hint(name: &str, declared: &[Spanned<String>]) -> String {
    let names: Vec<&str> = declared.iter().map(|e| e.value.as_str()).collect();
    match suggest(name, &names) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("declared environments: {}", names.join(", ")),
    }
}
