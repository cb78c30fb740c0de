//! The manifest's JSON Schema (draft 2020-12), generated with schemars from a serde model that
//! mirrors the accepted shape. Editors use it for completion; the loader itself validates through
//! `decode` and `resolve`, which must accept exactly this shape.

// The model exists only to be described; its values are never built.
#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

/// A railway-operator manifest: the desired state of one Railway project.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "railway-operator manifest")]
struct Manifest {
    /// Always `railway-operator/v1`.
    #[schemars(extend("const" = "railway-operator/v1"))]
    api_version: String,
    /// Always `Project`.
    #[schemars(extend("const" = "Project"))]
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Metadata {
    /// The Railway project name: looked up in the workspace, created when missing.
    #[schemars(length(min = 1, max = 63))]
    name: String,
    /// Pins an existing project by its UUID instead of looking it up by name.
    #[schemars(extend("format" = "uuid"))]
    id: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// The Railway workspace ID (`${VAR}` allowed); falls back to `RAILWAY_WORKSPACE_ID`.
    workspace: Option<String>,
    policy: Option<PolicySpec>,
    /// Railway shared variables, in every environment.
    #[serde(rename = "sharedVariables")]
    #[schemars(extend("propertyNames" = variable_name_pattern()))]
    shared_variables: Option<BTreeMap<String, VariableValueSpec>>,
    /// Environment names, each with optional shared variable overrides; at least one.
    #[schemars(extend("propertyNames" = name_pattern(), "minProperties" = 1))]
    environments: BTreeMap<String, EnvironmentSpec>,
    /// Services by name, in reconcile order.
    #[schemars(extend("propertyNames" = name_pattern()))]
    services: BTreeMap<String, ServiceSpec>,
    /// Where `run` sends the project's state changes; each item is one target.
    notifications: Option<Vec<NotificationSpec>>,
}

/// One notification target: exactly one of `webhook`, `slack`, `githubStatus`.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum NotificationSpec {
    Webhook(WebhookItem),
    Slack(SlackItem),
    GithubStatus(GithubStatusItem),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebhookItem {
    webhook: WebhookTarget,
    /// Only these events; absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics in place of the URL; default `webhook-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlackItem {
    slack: SlackTarget,
    /// Only these events; absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics in place of the URL; default `slack-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GithubStatusItem {
    github_status: GithubStatusTarget,
    /// Only these events (statuses are posted for applied, failed, stalled, recovered and
    /// rolled-back ones); absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics; default `githubStatus-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

const TARGET_NAME_PATTERN: &str = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$";

/// A JSON POST of each event.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebhookTarget {
    /// A credential: only `{ fromEnv: NAME }`.
    url: FromEnvSpec,
    /// Signs the body: `X-Railway-Operator-Signature: sha256=<hex HMAC-SHA256>`.
    secret: Option<FromEnvSpec>,
}

/// A Slack incoming webhook.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlackTarget {
    /// A credential: only `{ fromEnv: NAME }`.
    url: FromEnvSpec,
}

/// Commit statuses on the manifest's Git revision (Git sources only).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GithubStatusTarget {
    /// A token allowed to write commit statuses: only `{ fromEnv: NAME }`.
    token: FromEnvSpec,
    /// Default `https://api.github.com`; GitHub Enterprise: `https://HOST/api/v3`.
    #[schemars(regex(pattern = r"^https?://."))]
    api_url: Option<String>,
    /// `owner/name`; default: taken from the Git source's URL.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"))]
    repository: Option<String>,
}

/// An event name, as `crate::notify::EventKind` spells it.
#[derive(Serialize)]
struct EventName;

impl JsonSchema for EventName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = crate::notify::EventKind::ALL
            .iter()
            .map(|kind| kind.name())
            .collect();
        schemars::json_schema!({ "type": "string", "enum": names })
    }
}

/// One `ignore:` path, as `crate::manifest::ignore` reads it.
#[derive(Serialize)]
struct IgnorePathSpec;

impl JsonSchema for IgnorePathSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IgnorePath".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let fixed: Vec<&str> = super::ignore::vocabulary()
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

fn variable_name_pattern() -> serde_json::Value {
    serde_json::json!({
        "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
        "maxLength": 255,
        "not": { "const": "RAILWAY_OPERATOR_INVENTORY" }
    })
}

fn name_pattern() -> serde_json::Value {
    serde_json::json!({ "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$" })
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    /// Delete what this operator applied earlier and the manifest no longer holds.
    prune: Option<bool>,
    /// Keep observing and reporting, but never write (the `run` controller).
    suspend: Option<bool>,
    drift: Option<Drift>,
    deploy: Option<Deploy>,
    /// Where someone has staged changes that are not committed: `hold` (default) writes nothing
    /// there and reports it; `commit` commits them together with the operator's changes.
    #[serde(rename = "stagedChanges")]
    staged_changes: Option<StagedChanges>,
    /// Change windows: writes are held while a `deny` window is open and, once any `allow`
    /// window is declared, whenever no allow window is open. Deny wins over allow.
    #[schemars(extend("default" = []))]
    windows: Option<Vec<WindowSpec>>,
}

/// One change window: opens each time `schedule` fires and stays open for `duration`.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WindowSpec {
    /// A cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with
    /// seconds first.
    #[schemars(length(min = 1))]
    schedule: String,
    /// How long each opening lasts (at least `1s`), e.g. `60h`, `8h`, `1h30m`.
    #[schemars(regex(pattern = r"^([0-9]+(ms|s|m|h|d))+$"))]
    duration: String,
    /// The IANA time zone the schedule is read in, e.g. `Europe/Berlin`.
    #[schemars(extend("default" = "UTC"))]
    timezone: Option<String>,
    /// `deny` holds writes while open; `allow` makes writes happen only inside allow windows.
    mode: WindowModeName,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum WindowModeName {
    Deny,
    Allow,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum StagedChanges {
    Hold,
    Commit,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Drift {
    SelfHeal,
    Report,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Deploy {
    OnChange,
    Never,
}

/// An environment; `{}` when nothing differs.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnvironmentSpec {
    /// Shared variables of this environment, merged by name over `spec.sharedVariables`.
    #[schemars(extend("propertyNames" = variable_name_pattern()))]
    shared_variables: Option<BTreeMap<String, VariableValueSpec>>,
}

/// A variable's value: text (numbers and booleans as written; `${{service.VAR}}`,
/// `${{shared.VAR}}` and `${{VAR}}` Railway references kept verbatim), or a secret.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum VariableValueSpec {
    Text(String),
    Number(f64),
    Boolean(bool),
    FromEnv(FromEnvSpec),
    FromFile(FromFileSpec),
    Generate(GenerateSpec),
}

/// Read from the operator's environment at load time; never printed.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FromEnvSpec {
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    from_env: String,
}

/// Read at load time from a file (relative to the manifest's directory, at most 64 KiB, UTF-8;
/// one trailing line break is dropped); never printed.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FromFileSpec {
    #[schemars(length(min = 1))]
    from_file: String,
}

/// N random characters, created once by apply and never rotated.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GenerateSpec {
    #[schemars(range(min = 8, max = 256))]
    generate: u32,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ServiceSpec {
    /// `false`: planned, listed but never reconciled.
    enabled: Option<bool>,
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
struct OverrideSpec {
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

/// A persistent volume of the service.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VolumeSpec {
    /// The volume's name on Railway; defaults to `<service>-data`. Unique per environment.
    #[schemars(extend("pattern" = volume_name_pattern(), "default" = "<service>-data"))]
    name: Option<String>,
    /// Where the volume is mounted in the container: an absolute path, not `/`, without `..`
    /// or a trailing `/`.
    #[schemars(extend("pattern" = mount_path_pattern()))]
    mount_path: String,
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
struct VolumeOverrideSpec {
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
struct BackupsSpec {
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
enum BackupScheduleName {
    Daily,
    Weekly,
    Monthly,
}

/// One operator-run backup schedule: exactly one of `retention` or `keep`.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{ "required": ["retention"] }, { "required": ["keep"] }]))]
struct CronBackupSpec {
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
struct Port(u16);

/// One domain: exactly one of `railway` or `custom`. Custom hostnames and pinned subdomains are
/// global: each appears once in the manifest.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum DomainSpec {
    Railway(RailwayDomainItem),
    Custom(CustomDomainItem),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RailwayDomainItem {
    /// A generated `*.up.railway.app` domain; `railway: {}` (or empty) lets Railway pick the port.
    #[schemars(required, extend("type" = ["object", "null"]))]
    railway: Option<RailwayDomainSpec>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RailwayDomainSpec {
    /// The application port it routes to.
    port: Option<Port>,
    /// Pins the first label: `<subdomain>.up.railway.app`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"))]
    subdomain: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CustomDomainItem {
    /// Your own hostname (not `*.up.railway.app`), bare or with a port.
    custom: CustomDomainSpec,
}

#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum CustomDomainSpec {
    Hostname(Hostname),
    WithPort(CustomDomainWithPort),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CustomDomainWithPort {
    domain: Hostname,
    /// The application port; without it Railway picks the service's.
    port: Option<Port>,
}

/// A bare hostname: no scheme, path, port or wildcard; at least two labels.
#[derive(Serialize, JsonSchema)]
#[schemars(extend("format" = "hostname", "maxLength" = 253, "pattern" = hostname_pattern()))]
struct Hostname(String);

fn hostname_pattern() -> &'static str {
    r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
}

/// Either `image`, or `repo` with `branch`.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SourceSpec {
    image: Option<String>,
    /// A GitHub repository, `owner/name`.
    repo: Option<String>,
    branch: Option<String>,
    root_directory: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BuildSpec {
    builder: Option<BuilderName>,
    build_command: Option<String>,
    dockerfile_path: Option<String>,
    watch_patterns: Option<Vec<String>>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum BuilderName {
    Railpack,
    Nixpacks,
    Heroku,
    Paketo,
}

#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum Commands {
    One(String),
    /// R18: Railway runs exactly one pre-deploy command; join several with `&&`.
    Many(#[schemars(length(max = 1))] Vec<String>),
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeploySpec {
    start_command: Option<String>,
    pre_deploy_command: Option<Commands>,
    healthcheck: Option<HealthcheckSpec>,
    #[schemars(range(min = 1))]
    replicas: Option<i64>,
    region: Option<String>,
    restart_policy: Option<RestartPolicySpec>,
    /// 5 fields, or 6 with seconds first. Not with `replicas` > 1.
    cron_schedule: Option<String>,
    sleep_application: Option<bool>,
    #[schemars(range(min = 0))]
    draining_seconds: Option<i64>,
    #[schemars(range(min = 0))]
    overlap_seconds: Option<i64>,
    limits: Option<LimitsSpec>,
    /// What the operator does when the latest deployment fails or crashes: `report` (default),
    /// or `rollback` to the last successful deployment, once per failed revision.
    on_failure: Option<OnFailureSpec>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum OnFailureSpec {
    Report,
    Rollback,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HealthcheckSpec {
    path: Option<String>,
    #[schemars(range(min = 1))]
    timeout_seconds: Option<i64>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RestartPolicySpec {
    #[serde(rename = "type")]
    policy_type: Option<RestartType>,
    /// Only with `type: ON_FAILURE`.
    #[schemars(range(min = 0))]
    max_retries: Option<i64>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RestartType {
    Always,
    Never,
    OnFailure,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LimitsSpec {
    #[schemars(range(min = 0))]
    vcpus: Option<f64>,
    #[serde(rename = "memoryGB")]
    #[schemars(range(min = 0))]
    memory_gb: Option<f64>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalSpec {
    #[schemars(extend("format" = "uri"))]
    url: String,
    health_path: Option<String>,
}

/// The manifest's JSON Schema (draft 2020-12).
pub fn json_schema() -> serde_json::Value {
    serde_json::Value::from(schemars::schema_for!(Manifest))
}
