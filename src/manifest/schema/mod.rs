//! The manifest's JSON Schema (draft 2020-12), generated with schemars from a serde model that
//! mirrors the accepted shape. Editors use it for completion; the loader itself validates through
//! `decode` and `resolve`, which must accept exactly this shape.

// The model exists only to be described; its values are never built.
#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

mod notifications;
mod service;

use notifications::NotificationSpec;
use service::ServiceSpec;

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
    /// Railway's PR environments: the project settings behind them. Without it they are left alone.
    previews: Option<PreviewsSpec>,
    /// Railway Storage Buckets by name: S3-compatible object storage, one instance per
    /// environment. Services read a bucket's credentials through references such as
    /// `${{assets.ENDPOINT}}`.
    #[schemars(extend("propertyNames" = bucket_name_pattern()))]
    buckets: Option<BTreeMap<String, BucketSpec>>,
}

/// A Storage Bucket (R49).
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BucketSpec {
    /// The environments with an instance of the bucket; every declared environment when absent.
    environments: Option<Vec<String>>,
    /// Where new instances are created: `sjc` (US West), `iad` (US East), `ams` (EU West),
    /// `sin` (Asia Pacific); Railway's default when absent. Fixed once created.
    region: Option<BucketRegion>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum BucketRegion {
    Sjc,
    Iad,
    Ams,
    Sin,
}

fn bucket_name_pattern() -> serde_json::Value {
    serde_json::json!({ "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$" })
}

/// Railway's PR environment settings (R50); a setting left out is left alone.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PreviewsSpec {
    /// Railway makes an environment for each pull request on the services' repository (`prDeploys`).
    enabled: Option<bool>,
    /// Pull requests opened by bots get one too (`botPrEnvironments`).
    bots: Option<bool>,
    /// Only services the pull request changes deploy, with their dependencies (`focusedPrEnvironments`).
    focused: Option<bool>,
    /// The environment each PR environment copies: one of `spec.environments` (`baseEnvironmentId`).
    base: Option<String>,
    /// Kept converged on every PR environment as it appears, like an environment's overrides.
    overrides: Option<PreviewOverridesSpec>,
    /// Previews (PR environments and branch previews) older than this are deleted, e.g. `7d`
    /// (at least `1m`).
    #[serde(rename = "expireAfter")]
    #[schemars(regex(pattern = r"^([0-9]+(ms|s|m|h|d))+$"))]
    expire_after: Option<String>,
    /// With `run --git`: each remote branch matching `pattern` gets a preview environment the
    /// operator makes, owns and deletes with the branch.
    #[serde(rename = "fromBranches")]
    from_branches: Option<FromBranchesSpec>,
}

/// `spec.previews.fromBranches`.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FromBranchesSpec {
    /// Branch names under `refs/heads/`: `*` within one `/`-separated segment, `**` across
    /// segments, `?` one character other than `/`.
    #[schemars(length(min = 1), regex(pattern = r"^[^\[\]\\~^: \t]+$"))]
    pattern: String,
    /// Where the branches come from: the `run --git` repository.
    source: BranchSource,
}

/// The only branch source today.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum BranchSource {
    Git,
}

/// `spec.previews.overrides`.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PreviewOverridesSpec {
    /// By service of `spec.services`.
    services: Option<BTreeMap<String, service::PreviewOverrideSpec>>,
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

/// The manifest's JSON Schema (draft 2020-12).
pub fn json_schema() -> serde_json::Value {
    serde_json::Value::from(schemars::schema_for!(Manifest))
}
