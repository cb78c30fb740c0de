//! The schema model of one service: source, build and deploy settings, per-environment
//! overrides, volumes, domains and ignore paths (from `crate::manifest::ignore`). Described
//! only, never built.

#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use serde_json::{Value, json};

use super::{VariableValueSpec, variable_name_pattern};
use crate::manifest::setting::{self, Kind};

/// One `ignore:` path, as `crate::manifest::ignore` reads it.
#[derive(Serialize)]
pub(super) struct IgnorePathSpec;

impl JsonSchema for IgnorePathSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IgnorePath".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let fixed: Vec<&str> = crate::manifest::ignore::vocabulary()
            .into_iter()
            .filter(|path| !path.starts_with("variables."))
            .collect();
        schemars::json_schema!({
            "description": "A settings field as the plan prints it, or a group (`build`, `deploy`, `deploy.limits`...); `variables`, `variables.NAME` or `variables.PREFIX_*`; `domains` (with TCP proxies), `tcpProxies`, `volume`, `volume.backups`.",
            "anyOf": [
                { "type": "string", "enum": fixed },
                { "type": "string", "pattern": r"^variables\.(\*|[A-Za-z_][A-Za-z0-9_]*\*?)$" }
            ]
        })
    }
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "required": ["database"] },
    "then" = { "not": { "anyOf": [{ "required": ["source"] }, { "required": ["external"] }] } },
    "else" = {
        "properties": {
            "volume": { "required": ["mountPath"] },
            "public": false
        }
    }
))]
pub(super) struct ServiceSpec {
    /// `false`: planned, listed but never reconciled.
    enabled: Option<bool>,
    /// A database made from Railway's template (R45): its image, variables, volume and mount
    /// path come from the template; it has no `source`.
    database: Option<DatabaseSpec>,
    /// A database's public TCP proxy on its engine's port. Absent: left as Railway made it.
    public: Option<bool>,
    #[schemars(range(min = 1))]
    phase: Option<u32>,
    source: Option<SourceSpec>,
    build: Option<BuildSpec>,
    deploy: Option<DeploySpec>,
    /// The service's variables (not on external services).
    #[schemars(extend("propertyNames" = variable_name_pattern()))]
    variables: Option<BTreeMap<String, VariableValueSpec>>,
    /// Not on Railway: listed and health-checked only.
    external: Option<ExternalSpec>,
    /// Per-environment overrides, deep-merged over the service's settings.
    environments: Option<BTreeMap<String, OverrideSpec>>,
    /// Public domains (not on external services). Absent: none.
    domains: Option<Vec<DomainSpec>>,
    /// Public TCP proxies, by application port (not on external services). Absent: none.
    #[serde(rename = "tcpProxies")]
    #[schemars(extend("uniqueItems" = true))]
    tcp_proxies: Option<Vec<Port>>,
    /// A persistent volume mounted into the service, with its backups (not on external
    /// services). Absent: the manifest does not manage one.
    volume: Option<VolumeSpec>,
    /// Differences on an existing instance the operator leaves alone (fields another system
    /// owns); a new instance still gets every value the manifest sets.
    #[schemars(extend("uniqueItems" = true))]
    ignore: Option<Vec<IgnorePathSpec>>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OverrideSpec {
    source: Option<SourceSpec>,
    build: Option<BuildSpec>,
    deploy: Option<DeploySpec>,
    /// Merged by name over the service's variables.
    #[schemars(extend("propertyNames" = variable_name_pattern()))]
    variables: Option<BTreeMap<String, VariableValueSpec>>,
    /// Replaces the service's domain list in this environment.
    domains: Option<Vec<DomainSpec>>,
    /// Replaces the service's TCP proxy list in this environment.
    #[serde(rename = "tcpProxies")]
    #[schemars(extend("uniqueItems" = true))]
    tcp_proxies: Option<Vec<Port>>,
    /// Merged key by key over the service's volume (`backups.schedules` and `backups.cron`
    /// replace the service's lists); without a service volume, declares one for this environment
    /// only, and then `mountPath` is required.
    volume: Option<VolumeOverrideSpec>,
    /// Added to the service's `ignore` list in this environment.
    #[schemars(extend("uniqueItems" = true))]
    ignore: Option<Vec<IgnorePathSpec>>,
}

/// What every PR environment's instance of one service is kept at (R50): only these settings
/// and variables are touched there.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PreviewOverrideSpec {
    build: Option<BuildSpec>,
    deploy: Option<DeploySpec>,
    /// Set on the PR environment's instance; its other variables are left alone.
    #[schemars(extend("propertyNames" = variable_name_pattern()))]
    variables: Option<BTreeMap<String, VariableValueSpec>>,
}

/// `database:`: which of Railway's templates, and the major version it runs.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseSpec {
    engine: EngineName,
    /// The image's major version, pinned before the database first starts (R47); never
    /// changed on a database that has run.
    #[schemars(range(min = 1))]
    version: u32,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum EngineName {
    Postgres,
    Mysql,
    Redis,
    Mongo,
}

/// A persistent volume of the service.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct VolumeSpec {
    /// The volume's name on Railway; defaults to `<service>-data` (a database's to its
    /// template's, `<service>-volume`). Unique per environment.
    #[schemars(extend("pattern" = volume_name_pattern(), "default" = "<service>-data"))]
    name: Option<String>,
    /// Where the volume is mounted in the container: an absolute path, not `/`, without `..`
    /// or a trailing `/`. Required, except on a database (its template's path).
    #[schemars(extend("pattern" = mount_path_pattern()))]
    mount_path: Option<String>,
    /// A usage above this percentage of the volume's size is reported as a warning.
    #[schemars(range(min = 1, max = 100), extend("default" = 80))]
    usage_warning_percent: Option<u8>,
    /// Native and operator-run backups. Absent: native schedules are left alone and the
    /// operator takes none.
    backups: Option<BackupsSpec>,
}

/// A volume in one environment: adjusts the service's volume, or declares one for this
/// environment only (then `mountPath` is required).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct VolumeOverrideSpec {
    /// The volume's name on Railway; defaults to the service's, else `<service>-data`.
    #[schemars(extend("pattern" = volume_name_pattern(), "default" = "<service>-data"))]
    name: Option<String>,
    /// Where the volume is mounted in the container: an absolute path, not `/`, without `..`
    /// or a trailing `/`. Required when the service declares no volume.
    #[schemars(extend("pattern" = mount_path_pattern()))]
    mount_path: Option<String>,
    /// A usage above this percentage of the volume's size is reported as a warning.
    #[schemars(range(min = 1, max = 100), extend("default" = 80))]
    usage_warning_percent: Option<u8>,
    /// Replaces the lists of the service's `backups` that it sets.
    backups: Option<BackupsSpec>,
}

fn volume_name_pattern() -> &'static str {
    "^[a-z0-9-]{1,63}$"
}

fn mount_path_pattern() -> &'static str {
    r"^/(?!\.\.(/|$))(?!.*/\.\.(/|$)).*[^/]$"
}

/// The volume's backups. Absent: backups are not managed.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BackupsSpec {
    /// Railway-native backup schedules, each at most once; `[]` removes them all. Absent: the
    /// native schedules are left as they are.
    #[schemars(extend("uniqueItems" = true))]
    schedules: Option<Vec<BackupScheduleName>>,
    /// Backups taken by the operator's `run` controller on a cron schedule. Absent or `[]`: none.
    #[schemars(extend("default" = []))]
    cron: Option<Vec<CronBackupSpec>>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum BackupScheduleName {
    Daily,
    Weekly,
    Monthly,
}

/// One operator-run backup schedule: exactly one of `retention` or `keep`.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{ "required": ["retention"] }, { "required": ["keep"] }]))]
pub(super) struct CronBackupSpec {
    /// A cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with
    /// seconds first. Each schedule appears once per time zone in a volume.
    #[schemars(length(min = 1))]
    schedule: String,
    /// The IANA time zone the schedule is read in, e.g. `Europe/Berlin`.
    #[schemars(extend("default" = "UTC"))]
    timezone: Option<String>,
    /// Delete this schedule's backups older than this duration (at least `1s`), e.g. `30d`,
    /// `12h`, `1h30m`.
    #[schemars(regex(pattern = r"^([0-9]+(ms|s|m|h|d))+$"))]
    retention: Option<String>,
    /// Keep the newest N of this schedule's backups.
    #[schemars(range(min = 1))]
    keep: Option<u32>,
}

/// An application port.
#[derive(Serialize, JsonSchema)]
#[schemars(extend("minimum" = 1, "maximum" = 65535))]
pub(super) struct Port(u16);

/// One domain: exactly one of `railway` or `custom`. Custom hostnames and pinned subdomains are
/// global: each appears once in the manifest.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum DomainSpec {
    Railway(RailwayDomainItem),
    Custom(CustomDomainItem),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RailwayDomainItem {
    /// A generated `*.up.railway.app` domain; `railway: {}` (or empty) lets Railway pick the port.
    #[schemars(required, extend("type" = ["object", "null"]))]
    railway: Option<RailwayDomainSpec>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RailwayDomainSpec {
    /// The application port it routes to.
    port: Option<Port>,
    /// Pins the first label: `<subdomain>.up.railway.app`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"))]
    subdomain: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CustomDomainItem {
    /// Your own hostname (not `*.up.railway.app`), bare or with a port.
    custom: CustomDomainSpec,
}

#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum CustomDomainSpec {
    Hostname(Hostname),
    WithPort(CustomDomainWithPort),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CustomDomainWithPort {
    domain: Hostname,
    /// The application port; without it Railway picks the service's.
    port: Option<Port>,
}

/// A bare hostname: no scheme, path, port or wildcard; at least two labels.
#[derive(Serialize, JsonSchema)]
#[schemars(extend("format" = "hostname", "maxLength" = 253, "pattern" = hostname_pattern()))]
pub(super) struct Hostname(String);

fn hostname_pattern() -> &'static str {
    r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
}

/// Either `image`, or `repo` with `branch`; plus the setting table's rows under `source`.
#[derive(Serialize)]
pub(super) struct SourceSpec;

/// The source's own parts (not rows of the table: they are alternatives).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SourcePartsSpec {
    image: Option<String>,
    /// A GitHub repository, `owner/name`.
    repo: Option<String>,
    branch: Option<String>,
    root_directory: Option<String>,
}

impl JsonSchema for SourceSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SourceSpec".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = generator.root_schema_for::<SourcePartsSpec>().to_value();
        if let Some(fields) = schema.as_object_mut() {
            fields.remove("$schema");
            fields.remove("$defs");
            fields.remove("title");
            fields.insert(
                "description".into(),
                json!("Either `image`, or `repo` with `branch`."),
            );
        }
        let rows = group_schema("source");
        if let (Some(properties), Some(rows)) = (
            schema.get_mut("properties").and_then(Value::as_object_mut),
            rows.get("properties").and_then(Value::as_object),
        ) {
            properties.extend(rows.clone());
        }
        schemars::Schema::try_from(schema).unwrap_or_default()
    }
}

/// `build`: generated from the setting table.
#[derive(Serialize)]
pub(super) struct BuildSpec;

impl JsonSchema for BuildSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BuildSpec".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::Schema::try_from(group_schema("build")).unwrap_or_default()
    }
}

/// `deploy`: generated from the setting table, plus the operator's `onFailure`.
#[derive(Serialize)]
pub(super) struct DeploySpec;

impl JsonSchema for DeploySpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DeploySpec".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = group_schema("deploy");
        let mut on_failure = generator.subschema_for::<OnFailureSpec>().to_value();
        if let Some(fields) = on_failure.as_object_mut() {
            fields.insert(
                "description".into(),
                json!("What the operator does when the latest deployment fails or crashes: `report` (default), or `rollback` to the last successful deployment, once per failed revision."),
            );
        }
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert("onFailure".into(), on_failure);
        }
        schemars::Schema::try_from(schema).unwrap_or_default()
    }
}

/// The object schema of a group of the setting table (`deploy`, `deploy.healthcheck`...).
fn group_schema(group: &str) -> Value {
    let mut properties = serde_json::Map::new();
    for name in setting::children(group) {
        let path = format!("{group}.{name}");
        let schema = match setting::row(&path) {
            Some(row) => {
                let mut schema = kind_schema(row.kind);
                if let Some(fields) = schema.as_object_mut() {
                    fields.insert("description".into(), json!(row.doc));
                }
                schema
            }
            None => group_schema(&path),
        };
        properties.insert(name.to_string(), schema);
    }
    json!({ "type": "object", "additionalProperties": false, "properties": properties })
}

fn kind_schema(kind: Kind) -> Value {
    match kind {
        Kind::Text | Kind::Cron => json!({ "type": "string" }),
        Kind::Int { min } => json!({ "type": "integer", "minimum": min }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Number { .. } => json!({ "type": "number", "exclusiveMinimum": 0 }),
        Kind::List => json!({ "type": "array", "items": { "type": "string" } }),
        // R18: Railway runs exactly one pre-deploy command.
        Kind::OneCommand => json!({ "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" }, "maxItems": 1 }
        ] }),
        Kind::Enum(names) => json!({ "type": "string", "enum": names }),
        Kind::Regions => json!({
            "type": "object",
            "minProperties": 1,
            "additionalProperties": { "type": "integer", "minimum": 1 }
        }),
        Kind::Credentials => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["username", "password"],
            "properties": {
                "username": { "type": "string" },
                "password": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["fromEnv"],
                    "properties": { "fromEnv": { "type": "string" } }
                }
            }
        }),
    }
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(super) enum OnFailureSpec {
    Report,
    Rollback,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ExternalSpec {
    #[schemars(extend("format" = "uri"))]
    url: String,
    health_path: Option<String>,
}
