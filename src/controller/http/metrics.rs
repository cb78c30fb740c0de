//! `/metrics` as OpenMetrics text, encoded by prometheus-client from a fresh `Registry` built
//! out of [`ControllerStatus`] at every scrape. The status stays the only place counters live:
//! nothing here keeps, increments or caches a value between scrapes, and no text is written by
//! hand (names, label escaping and numbers are the crate's).

mod rows;

use prometheus_client::encoding::text;
use prometheus_client::registry::{Registry, Unit};

use crate::controller::status::{ControllerStatus, LeaseStatus, Metrics, VolumeStatus};
use crate::rollout::Health;
use rows::{Buckets, Counters, Gauges, Histograms, Labels, labels};

const PREFIX: &str = "railway_operator";

/// prometheus-client's text encoder writes OpenMetrics 1.0 but exports no constant for it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The encoder refused a sample; writing into a `String` cannot fail otherwise.
#[derive(Debug, thiserror::Error)]
#[error("metrics could not be encoded as OpenMetrics text")]
pub struct MetricsError(#[from] std::fmt::Error);

/// The whole exposition, `# EOF` included. Help texts get their full stop from the registry.
pub fn render_metrics(status: &ControllerStatus) -> Result<String, MetricsError> {
    let mut registry = Registry::with_prefix(PREFIX);
    reconcile_families(&mut registry, &status.metrics);
    lease_families(&mut registry, status);
    volume_families(&mut registry, status);
    backup_limit_family(&mut registry, status);
    backup_families(&mut registry, status);
    health_family(&mut registry, status);
    notification_families(&mut registry, status);
    window_family(&mut registry, status);
    if let Some(remaining) = status.rate_limit.remaining {
        registry.register(
            "rate_limit_remaining",
            "Requests left in Railway's rate-limit window, as last reported",
            Gauges(vec![(Labels::new(), remaining)]),
        );
    }
    if let Some(budget) = &status.rate_limit.budget {
        registry.register(
            "request_budget_used_ratio",
            "Share of --request-budget this replica used in the trailing window",
            Gauges(vec![(Labels::new(), budget.used_ratio)]),
        );
    }
    registry.register(
        "ready",
        "1 once every project finished its first reconcile pass",
        Gauges(vec![(Labels::new(), u64::from(status.ready))]),
    );
    let mut out = String::new();
    text::encode(&mut out, &registry)?;
    Ok(out)
}

/// What the reconcile loop counted: passes, their durations, drift, actions and API calls.
fn reconcile_families(registry: &mut Registry, metrics: &Metrics) {
    let reconciles = metrics.reconciles.iter().map(|((project, result), count)| {
        (labels([("project", project), ("result", result)]), *count)
    });
    registry.register(
        "reconciles",
        "Reconcile passes by project and result",
        Counters(reconciles.collect()),
    );
    let durations = metrics
        .durations
        .iter()
        .map(|(project, histogram)| (labels([("project", project)]), Buckets::of(histogram)));
    registry.register_with_unit(
        "reconcile_duration",
        "Duration of reconcile passes in seconds",
        Unit::Seconds,
        Histograms(durations.collect()),
    );
    let drift = metrics
        .drift
        .iter()
        .map(|(project, drifted)| (labels([("project", project)]), *drifted));
    registry.register(
        "drift",
        "Addresses that differ from the manifest, per project",
        Gauges(drift.collect()),
    );
    let actions = metrics
        .actions
        .iter()
        .map(|(kind, count)| (labels([("kind", kind)]), *count));
    registry.register(
        "actions_applied",
        "Plan actions applied, by kind",
        Counters(actions.collect()),
    );
    let previews = metrics
        .previews_deleted
        .iter()
        .map(|((project, reason), count)| {
            (labels([("project", project), ("reason", reason)]), *count)
        });
    registry.register(
        "previews_deleted",
        "Preview environments deleted, by project and reason (expired, branch-gone)",
        Counters(previews.collect()),
    );
    let requests = metrics
        .api_requests
        .iter()
        .map(|((operation, outcome), count)| {
            (
                labels([("operation", operation), ("outcome", outcome)]),
                *count,
            )
        });
    registry.register(
        "api_requests",
        "Railway API requests by operation and outcome",
        Counters(requests.collect()),
    );
}

/// One value per project from its lease.
fn per_lease(status: &ControllerStatus, value: fn(&LeaseStatus) -> u64) -> Vec<(Labels, u64)> {
    status
        .projects
        .values()
        .map(|project| (labels([("project", &project.name)]), value(&project.lease)))
        .collect()
}

/// Which projects this replica holds, and how often it took and lost their leases. Unguarded,
/// every project counts as held.
fn lease_families(registry: &mut Registry, status: &ControllerStatus) {
    registry.register(
        "lock_held",
        "1 while this replica holds the project's lease and reconciles it",
        Gauges(per_lease(status, |lease| u64::from(lease.held))),
    );
    registry.register(
        "lock_acquisitions",
        "Times this replica took the project's lease",
        Counters(per_lease(status, |lease| lease.acquisitions)),
    );
    registry.register(
        "lock_losses",
        "Times this replica lost the project's lease with its lock session",
        Counters(per_lease(status, |lease| lease.losses)),
    );
    let connected = matches!(status.lock.state.as_str(), "connected" | "unguarded");
    registry.register(
        "lock_connected",
        "1 while the lock database answers (always 1 when unguarded); 0 means no writes",
        Gauges(vec![(Labels::new(), u64::from(connected))]),
    );
}

/// Every declared volume with its project, environment and service labels.
fn volumes(status: &ControllerStatus) -> Vec<(Labels, &VolumeStatus)> {
    let mut found = Vec::new();
    for project in status.projects.values() {
        for env in &project.environments {
            for service in &env.services {
                if let Some(volume) = &service.volume {
                    let names = [
                        ("project", project.name.as_str()),
                        ("environment", env.name.as_str()),
                        ("service", service.name.as_str()),
                        ("volume", volume.name.as_str()),
                    ];
                    found.push((labels(names), volume));
                }
            }
        }
    }
    found
}

/// One sample per volume that has the value; the others are left out, not reported as 0.
fn per_volume<V>(
    volumes: &[(Labels, &VolumeStatus)],
    value: impl Fn(&VolumeStatus) -> Option<V>,
) -> Vec<(Labels, V)> {
    volumes
        .iter()
        .filter_map(|(names, volume)| Some((names.clone(), value(volume)?)))
        .collect()
}

/// Size and usage of every declared volume that exists on Railway.
fn volume_families(registry: &mut Registry, status: &ControllerStatus) {
    let volumes = volumes(status);
    let megabytes = || Unit::Other("megabytes".to_string());
    registry.register_with_unit(
        "volume_size",
        "Size of each declared volume in MB, as Railway reports it",
        megabytes(),
        Gauges(per_volume(&volumes, |v| v.size_mb)),
    );
    registry.register_with_unit(
        "volume_used",
        "Space used on each declared volume in MB",
        megabytes(),
        Gauges(per_volume(&volumes, |v| v.used_mb)),
    );
    registry.register(
        "volume_usage_ratio",
        "Used space over size (0-1); compare with volume_usage_warning_ratio",
        Gauges(per_volume(&volumes, |v| v.usage_percent.map(|p| p / 100.0))),
    );
    registry.register(
        "volume_usage_warning_ratio",
        "The manifest's usage warning threshold (0-1)",
        Gauges(per_volume(&volumes, |v| {
            Some(f64::from(v.warning_percent) / 100.0)
        })),
    );
}

/// 1 while a change window holds the project's writes (as of its last pass), 0 otherwise; only
/// projects whose manifest declares windows.
fn window_family(registry: &mut Registry, status: &ControllerStatus) {
    let held = status
        .projects
        .values()
        .filter_map(|project| {
            let window = project.window.as_ref()?;
            Some((labels([("project", &project.name)]), u64::from(window.held)))
        })
        .collect();
    registry.register(
        "writes_held_by_window",
        "1 while a change window (policy.windows) holds the project's writes, as of its last pass",
        Gauges(held),
    );
}

/// R25: 1 for a volume with `backups.cron` at 50 % usage or more, where Railway refuses the
/// operator's (manual) backups; 0 below. Only volumes with `backups.cron` and a known usage.
fn backup_limit_family(registry: &mut Registry, status: &ControllerStatus) {
    let exceeded = per_volume(&volumes(status), |volume| {
        let known = !volume.cron_backups.is_empty() && volume.usage_percent.is_some();
        known.then_some(u64::from(volume.backup_warning.is_some()))
    });
    registry.register(
        "volume_backup_limit_exceeded",
        "1 when a volume with backups.cron is at least 50% full: Railway refuses manual backups above 50%, and operator backups are manual",
        Gauges(exceeded),
    );
}

/// Operator-run backups: totals by result, and the last success per volume and schedule.
fn backup_families(registry: &mut Registry, status: &ControllerStatus) {
    let metrics = &status.metrics;
    let totals = [
        ("success", metrics.backups_success),
        ("failure", metrics.backups_failure),
    ]
    .map(|(result, count)| (labels([("result", result)]), count));
    registry.register(
        "backups",
        "Operator-run volume backups by result (after retries)",
        Counters(totals.into()),
    );
    let mut last_success = Vec::new();
    for (names, volume) in volumes(status) {
        for job in &volume.backups {
            let at = job
                .last_success_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
            if let Some(at) = at {
                let mut names = names.clone();
                names.push(("schedule", job.schedule.clone()));
                last_success.push((names, at.timestamp()));
            }
        }
    }
    registry.register_with_unit(
        "backup_last_success_timestamp",
        "Unix time of the last successful operator-run backup, per volume and schedule",
        Unit::Seconds,
        Gauges(last_success),
    );
}

/// R42, kube-state-metrics style: every state of every service, 1 for the current one, so a
/// query can select `state="Degraded"` without knowing the others.
fn health_family(registry: &mut Registry, status: &ControllerStatus) {
    let mut samples = Vec::new();
    for (project, project_status) in &status.projects {
        for env in &project_status.environments {
            for service in &env.services {
                for state in Health::ALL {
                    let names = [
                        ("project", project.as_str()),
                        ("environment", env.name.as_str()),
                        ("service", service.name.as_str()),
                        ("state", state.name()),
                    ];
                    samples.push((labels(names), u64::from(service.health == state)));
                }
            }
        }
    }
    registry.register(
        "service_health",
        "1 for the service's current health (from its latest deployment), 0 for the other states",
        Gauges(samples),
    );
}

/// Each notification target's deliveries, and whether it is failing right now.
fn notification_families(registry: &mut Registry, status: &ControllerStatus) {
    let targets = &status.notifications;
    let deliveries = targets.iter().flat_map(|target| {
        [("delivered", target.delivered), ("failed", target.failed)].map(|(outcome, count)| {
            let names = [
                ("project", target.project.as_str()),
                ("target", target.target.as_str()),
                ("outcome", outcome),
            ];
            (labels(names), count)
        })
    });
    registry.register(
        "notifications",
        "Notifications per target, by outcome: delivered or failed",
        Counters(deliveries.collect()),
    );
    let failing = targets.iter().map(|target| {
        let names = [
            ("project", target.project.as_str()),
            ("target", target.target.as_str()),
        ];
        (labels(names), u64::from(target.state == "failing"))
    });
    registry.register(
        "notification_target_failing",
        "1 while the notification target is failing, 0 otherwise",
        Gauges(failing.collect()),
    );
}

#[cfg(test)]
mod tests;
