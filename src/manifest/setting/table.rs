//! THE table: every service instance setting the manifest manages, in manifest order. Adding a
//! setting is a row here and a field in `SettingValues`; everything else follows from the table.

use super::values::SettingType;
use super::{Channel, Kind, Row, SettingValues, Val};

/// Paths other modules name: the cross-field checks of `resolve`.
pub const REPLICAS: &str = "deploy.replicas";
pub const REGION: &str = "deploy.region";
pub const REGIONS: &str = "deploy.regions";
pub const MAX_RETRIES: &str = "deploy.restartPolicy.maxRetries";

const BUILDERS: &[&str] = &["RAILPACK", "NIXPACKS", "HEROKU", "PAKETO"];
const RESTART_TYPES: &[&str] = &["ALWAYS", "NEVER", "ON_FAILURE"];

/// One row; `$field` is the row's field of [`SettingValues`].
macro_rules! row {
    (
        $path:expr, $key:literal, $kind:expr, $field:ident,
        label: $label:literal, doc: $doc:literal
        $(, channel: $channel:expr)? $(, redeploys: $redeploys:expr)? $(, default: $default:expr)?
    ) => {
        Row {
            path: $path,
            key: $key,
            kind: $kind,
            channel: row!(@or $($channel)?; Channel::Config),
            redeploys: row!(@or $($redeploys)?; true),
            label: $label,
            doc: $doc,
            default: row!(@or $(Some($default))?; None),
            get: |v: &SettingValues| v.$field.as_ref().map(SettingType::view),
            put: |v: &mut SettingValues, value| match SettingType::take(value) {
                Some(x) => {
                    v.$field = Some(x);
                    true
                }
                None => false,
            },
            clear: |v: &mut SettingValues| v.$field = None,
            copy: |to: &mut SettingValues, from: &SettingValues| to.$field = from.$field.clone(),
        }
    };
    (@or $value:expr; $default:expr) => { $value };
    (@or ; $default:expr) => { $default };
}

pub static TABLE: &[Row] = &[
    row!("source.registryCredentials", "deploy.registryCredentials", Kind::Credentials, registry_credentials,
        label: "Registry credentials", doc: "Login to a private image registry; the password only as `{fromEnv: NAME}`. Railway never returns the password: only the username is compared."),
    row!("build.builder", "build.builder", Kind::Enum(BUILDERS), builder,
        label: "Builder", doc: "How Railway builds a repository source.",
        default: Val::Enum("RAILPACK")),
    row!("build.buildCommand", "build.buildCommand", Kind::Text, build_command,
        label: "Build command", doc: "Replaces the builder's build command."),
    row!("build.dockerfilePath", "build.dockerfilePath", Kind::Text, dockerfile_path,
        label: "Dockerfile", doc: "Builds with this Dockerfile instead of the builder."),
    row!("build.watchPatterns", "build.watchPatterns", Kind::List, watch_patterns,
        label: "Watch patterns", doc: "Only commits touching these paths deploy.",
        default: Val::List(&[])),
    row!("deploy.startCommand", "deploy.startCommand", Kind::Text, start_command,
        label: "Start command", doc: "The command the container runs."),
    row!("deploy.preDeployCommand", "deploy.preDeployCommand", Kind::OneCommand, pre_deploy_command,
        label: "Pre-deploy command", doc: "One command run before each deployment (join several with &&)."),
    row!("deploy.healthcheck.path", "deploy.healthcheckPath", Kind::Text, healthcheck_path,
        label: "Healthcheck path", doc: "Railway waits for this path to answer 200 before switching traffic."),
    row!("deploy.healthcheck.timeoutSeconds", "deploy.healthcheckTimeout", Kind::Int { min: 1 }, healthcheck_timeout,
        label: "Healthcheck timeout (s)", doc: "How long Railway waits for the healthcheck."),
    row!(REPLICAS, "deploy.numReplicas", Kind::Int { min: 1 }, num_replicas,
        label: "Replicas", doc: "Replicas in the instance's region; a change only scales.",
        channel: Channel::Placement, redeploys: false, default: Val::Int(1)),
    row!(REGION, "deploy.multiRegionConfig", Kind::Text, region,
        label: "Region", doc: "The one region the instance runs in, e.g. `us-west2`.",
        channel: Channel::Placement),
    row!(REGIONS, "deploy.multiRegionConfig", Kind::Regions, regions,
        label: "Regions", doc: "Replicas per region, e.g. `{us-west2: 2, europe-west4-drams3a: 1}`; regions left out are removed. Not with `region` or `replicas`.",
        channel: Channel::Placement, redeploys: false),
    row!("deploy.restartPolicy.type", "deploy.restartPolicyType", Kind::Enum(RESTART_TYPES), restart_policy_type,
        label: "Restart policy", doc: "When Railway restarts a stopped container.",
        default: Val::Enum("ON_FAILURE")),
    row!(MAX_RETRIES, "deploy.restartPolicyMaxRetries", Kind::Int { min: 0 }, restart_policy_max_retries,
        label: "Restart max retries", doc: "Restarts before giving up; only with `type: ON_FAILURE`.",
        default: Val::Int(10)),
    row!("deploy.cronSchedule", "deploy.cronSchedule", Kind::Cron, cron_schedule,
        label: "Cron schedule", doc: "Runs the service on this schedule (5 fields, or 6 with seconds first); not with replicas above 1."),
    row!("deploy.sleepApplication", "deploy.sleepApplication", Kind::Bool, sleep_application,
        label: "Sleep when idle", doc: "Stops the container when it has no traffic.",
        default: Val::Bool(false)),
    row!("deploy.drainingSeconds", "deploy.drainingSeconds", Kind::Int { min: 0 }, draining_seconds,
        label: "Draining (s)", doc: "Time between SIGTERM and SIGKILL when a deployment stops."),
    row!("deploy.overlapSeconds", "deploy.overlapSeconds", Kind::Int { min: 0 }, overlap_seconds,
        label: "Overlap (s)", doc: "How long the old deployment keeps running beside the new one."),
    row!("deploy.ipv6Egress", "deploy.ipv6EgressEnabled", Kind::Bool, ipv6_egress,
        label: "IPv6 egress", doc: "Outbound traffic over IPv6 as well.",
        default: Val::Bool(false)),
    row!("deploy.tracing.enabled", "tracing.enabled", Kind::Bool, tracing_enabled,
        label: "Tracing", doc: "Railway traces requests to the service and gives it the OpenTelemetry exporter variables.",
        default: Val::Bool(false)),
    row!("deploy.tracing.autoInstrumentation", "tracing.autoInstrumentation", Kind::Bool, auto_instrumentation,
        label: "Auto-instrumentation", doc: "Railway instruments supported runtimes without code changes, while tracing is on; reaches running containers without a deploy.",
        redeploys: false, default: Val::Bool(false)),
    row!("deploy.limits.vcpus", "deploy.limitOverride.containers.cpu", Kind::Number { scale: 1.0 }, vcpus,
        label: "vCPUs", doc: "CPU limit per replica."),
    row!("deploy.limits.memoryGB", "deploy.limitOverride.containers.memoryBytes", Kind::Number { scale: 1e9 }, memory_gb,
        label: "Memory (GB)", doc: "Memory limit per replica, in decimal GB (Railway stores bytes, R11)."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_keys_are_unique() {
        for (i, row) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|other| other.path != row.path),
                "{}",
                row.path
            );
            assert!(
                row.channel == Channel::Placement
                    || TABLE[i + 1..].iter().all(|other| other.key != row.key),
                "{}",
                row.key
            );
        }
    }
}
