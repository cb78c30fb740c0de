//! Field-by-field comparison of one service instance's settings with live state: the manifest
//! paths of the fields that differ, with JSON before/after values. Pure.

use serde::Serialize;
use serde_json::{Value, json};

use super::action::FieldChange;
use crate::manifest::desired::{InstanceSettings, Source};
use crate::railway::live::{LiveInstance, LiveSource};

/// Field-by-field differences for the settings the manifest manages (`Some`).
pub fn diff_settings(desired: &InstanceSettings, live: Option<&LiveInstance>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut field = |name: &'static str, want: Option<Value>, have: Option<Value>| {
        if let Some(want) = want {
            let have = have.filter(|v| !v.is_null());
            if have.as_ref() != Some(&want) {
                changes.push(FieldChange {
                    field: name,
                    before: have,
                    after: want,
                });
            }
        }
    };
    let l = live;
    field(
        "source",
        desired.source.as_ref().map(source_value),
        l.and_then(|l| l.source.as_ref()).map(live_source_value),
    );
    let root = match &desired.source {
        Some(Source::Repo { root_directory, .. }) => root_directory.clone(),
        _ => None,
    };
    field(
        "source.rootDirectory",
        value(root),
        l.and_then(|l| value(l.root_directory.clone())),
    );
    field(
        "build.builder",
        value(desired.builder),
        l.and_then(|l| value(l.builder)),
    );
    field(
        "build.buildCommand",
        value(desired.build_command.clone()),
        l.and_then(|l| value(l.build_command.clone())),
    );
    field(
        "build.dockerfilePath",
        value(desired.dockerfile_path.clone()),
        l.and_then(|l| value(l.dockerfile_path.clone())),
    );
    field(
        "build.watchPatterns",
        value(desired.watch_patterns.clone()),
        l.and_then(|l| value(Some(l.watch_patterns.clone()))),
    );
    field(
        "deploy.startCommand",
        value(desired.start_command.clone()),
        l.and_then(|l| value(l.start_command.clone())),
    );
    field(
        "deploy.preDeployCommand",
        value(desired.pre_deploy_command.clone()),
        l.and_then(|l| value(l.pre_deploy_command.clone())),
    );
    field(
        "deploy.healthcheck.path",
        value(desired.healthcheck_path.clone()),
        l.and_then(|l| value(l.healthcheck_path.clone())),
    );
    field(
        "deploy.healthcheck.timeoutSeconds",
        value(desired.healthcheck_timeout),
        l.and_then(|l| value(l.healthcheck_timeout)),
    );
    field(
        "deploy.replicas",
        value(desired.num_replicas),
        l.and_then(|l| value(l.num_replicas)),
    );
    field(
        "deploy.region",
        value(desired.region.clone()),
        l.and_then(|l| value(l.region.clone())),
    );
    field(
        "deploy.restartPolicy.type",
        value(desired.restart_policy_type),
        l.and_then(|l| value(l.restart_policy_type)),
    );
    field(
        "deploy.restartPolicy.maxRetries",
        value(desired.restart_policy_max_retries),
        l.and_then(|l| value(l.restart_policy_max_retries)),
    );
    field(
        "deploy.cronSchedule",
        value(desired.cron_schedule.clone()),
        l.and_then(|l| value(l.cron_schedule.clone())),
    );
    field(
        "deploy.sleepApplication",
        value(desired.sleep_application),
        l.and_then(|l| value(l.sleep_application)),
    );
    field(
        "deploy.drainingSeconds",
        value(desired.draining_seconds),
        l.and_then(|l| value(l.draining_seconds)),
    );
    field(
        "deploy.overlapSeconds",
        value(desired.overlap_seconds),
        l.and_then(|l| value(l.overlap_seconds)),
    );
    let limits = desired.limits.unwrap_or_default();
    field(
        "deploy.limits.vcpus",
        limits.vcpus.map(number),
        l.and_then(|l| l.limits.vcpus.map(number)),
    );
    field(
        "deploy.limits.memoryGB",
        limits.memory_gb.map(number),
        l.and_then(|l| l.limits.memory_gb.map(number)),
    );
    changes
}

fn value<T: Serialize>(v: Option<T>) -> Option<Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

/// Numbers compare after rounding to 3 decimals: Railway stores memory in bytes.
fn number(n: f64) -> Value {
    let rounded = (n * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

pub fn source_value(source: &Source) -> Value {
    match source {
        Source::Image(image) => json!({ "image": image }),
        Source::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}

pub fn live_source_value(source: &LiveSource) -> Value {
    match source {
        LiveSource::Image(image) => json!({ "image": image }),
        LiveSource::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}
