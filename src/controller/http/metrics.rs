//! `/metrics` in the Prometheus text exposition format 0.0.4, from [`Metrics`] and the
//! status. Pure text rendering: no counters are kept or changed here.

use std::fmt::Write as _;

use crate::controller::status::{
    ControllerStatus, DURATION_BUCKETS, Histogram, LeaseStatus, Metrics,
};

const PREFIX: &str = "railway_operator";

pub fn render_metrics(status: &ControllerStatus) -> String {
    let metrics: &Metrics = &status.metrics;
    let mut out = String::new();

    family(
        &mut out,
        "reconciles_total",
        "counter",
        "Reconcile passes by project and result.",
    );
    for ((project, result), count) in &metrics.reconciles {
        sample(
            &mut out,
            "reconciles_total",
            &[("project", project), ("result", result)],
            &count.to_string(),
        );
    }

    family(
        &mut out,
        "reconcile_duration_seconds",
        "histogram",
        "Duration of reconcile passes in seconds.",
    );
    for (project, histogram) in &metrics.durations {
        render_histogram(&mut out, project, histogram);
    }

    family(
        &mut out,
        "drift",
        "gauge",
        "Addresses that differ from the manifest, per project.",
    );
    for (project, drifted) in &metrics.drift {
        sample(
            &mut out,
            "drift",
            &[("project", project)],
            &drifted.to_string(),
        );
    }

    family(
        &mut out,
        "actions_applied_total",
        "counter",
        "Plan actions applied, by kind.",
    );
    for (kind, count) in &metrics.actions {
        sample(
            &mut out,
            "actions_applied_total",
            &[("kind", kind)],
            &count.to_string(),
        );
    }

    family(
        &mut out,
        "api_requests_total",
        "counter",
        "Railway API requests by operation and outcome.",
    );
    for ((operation, outcome), count) in &metrics.api_requests {
        sample(
            &mut out,
            "api_requests_total",
            &[("operation", operation), ("outcome", outcome)],
            &count.to_string(),
        );
    }

    lease_families(&mut out, status);
    volume_families(&mut out, status);
    backup_limit_family(&mut out, status);
    backup_families(&mut out, status);

    if let Some(remaining) = status.rate_limit.remaining {
        family(
            &mut out,
            "rate_limit_remaining",
            "gauge",
            "Requests left in Railway's rate-limit window, as last reported.",
        );
        sample(
            &mut out,
            "rate_limit_remaining",
            &[],
            &remaining.to_string(),
        );
    }

    family(
        &mut out,
        "ready",
        "gauge",
        "1 once every project finished its first reconcile pass.",
    );
    sample(&mut out, "ready", &[], if status.ready { "1" } else { "0" });
    out
}

/// Name, type, help and value of one lease metric family.
type LeaseFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&LeaseStatus) -> u64,
);

/// Which projects this replica holds, and how often it took and lost their leases. Unguarded,
/// every project counts as held.
fn lease_families(out: &mut String, status: &ControllerStatus) {
    let families: [LeaseFamily; 3] = [
        (
            "lock_held",
            "gauge",
            "1 while this replica holds the project's lease and reconciles it.",
            |lease| u64::from(lease.held),
        ),
        (
            "lock_acquisitions_total",
            "counter",
            "Times this replica took the project's lease.",
            |lease| lease.acquisitions,
        ),
        (
            "lock_losses_total",
            "counter",
            "Times this replica lost the project's lease with its lock session.",
            |lease| lease.losses,
        ),
    ];
    for (name, kind, help, value) in families {
        family(out, name, kind, help);
        for project in status.projects.values() {
            sample(
                out,
                name,
                &[("project", &project.name)],
                &value(&project.lease).to_string(),
            );
        }
    }
    family(
        out,
        "lock_connected",
        "gauge",
        "1 while the lock database answers (always 1 when unguarded); 0 means no writes.",
    );
    let connected = matches!(status.lock.state.as_str(), "connected" | "unguarded");
    sample(
        out,
        "lock_connected",
        &[],
        if connected { "1" } else { "0" },
    );
}

/// Size and usage of every declared volume that exists on Railway.
fn volume_families(out: &mut String, status: &ControllerStatus) {
    let volumes: Vec<_> = status
        .projects
        .values()
        .flat_map(|project| {
            project.environments.iter().flat_map(move |env| {
                env.services.iter().filter_map(move |service| {
                    let volume = service.volume.as_ref()?;
                    Some((project, env, service, volume))
                })
            })
        })
        .collect();
    let families = [
        (
            "volume_size_megabytes",
            "Size of each declared volume in MB, as Railway reports it.",
        ),
        (
            "volume_used_megabytes",
            "Space used on each declared volume in MB.",
        ),
        (
            "volume_usage_ratio",
            "Used space over size (0-1); compare with volume_usage_warning_ratio.",
        ),
        (
            "volume_usage_warning_ratio",
            "The manifest's usage warning threshold (0-1).",
        ),
    ];
    for (index, (name, help)) in families.iter().enumerate() {
        family(out, name, "gauge", help);
        for (project, env, service, volume) in &volumes {
            let value = match index {
                0 => volume.size_mb.map(|v| v.to_string()),
                1 => volume.used_mb.map(float),
                2 => volume.usage_percent.map(|p| float(p / 100.0)),
                _ => Some(float(f64::from(volume.warning_percent) / 100.0)),
            };
            if let Some(value) = value {
                sample(
                    out,
                    name,
                    &[
                        ("project", &project.name),
                        ("environment", &env.name),
                        ("service", &service.name),
                        ("volume", &volume.name),
                    ],
                    &value,
                );
            }
        }
    }
}

/// R25: 1 for a volume with `backups.cron` at 50 % usage or more, where Railway refuses the
/// operator's (manual) backups; 0 below. Only volumes with `backups.cron` and a known usage.
fn backup_limit_family(out: &mut String, status: &ControllerStatus) {
    let name = "volume_backup_limit_exceeded";
    family(
        out,
        name,
        "gauge",
        "1 when a volume with backups.cron is at least 50% full: Railway refuses manual backups above 50%, and operator backups are manual.",
    );
    for project in status.projects.values() {
        for env in &project.environments {
            for service in &env.services {
                let Some(volume) = service
                    .volume
                    .as_ref()
                    .filter(|v| !v.cron_backups.is_empty() && v.usage_percent.is_some())
                else {
                    continue;
                };
                let value = if volume.backup_warning.is_some() {
                    "1"
                } else {
                    "0"
                };
                let labels = [
                    ("project", project.name.as_str()),
                    ("environment", env.name.as_str()),
                    ("service", service.name.as_str()),
                    ("volume", volume.name.as_str()),
                ];
                sample(out, name, &labels, value);
            }
        }
    }
}

/// Operator-run backups: totals by result, and the last success per volume and schedule.
fn backup_families(out: &mut String, status: &ControllerStatus) {
    family(
        out,
        "backups_total",
        "counter",
        "Operator-run volume backups by result (after retries).",
    );
    let metrics = &status.metrics;
    for (result, count) in [
        ("success", metrics.backups_success),
        ("failure", metrics.backups_failure),
    ] {
        sample(
            out,
            "backups_total",
            &[("result", result)],
            &count.to_string(),
        );
    }
    family(
        out,
        "backup_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the last successful operator-run backup, per volume and schedule.",
    );
    for project in status.projects.values() {
        for env in &project.environments {
            for service in &env.services {
                let Some(volume) = &service.volume else {
                    continue;
                };
                for job in &volume.backups {
                    let Some(at) = job
                        .last_success_at
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    else {
                        continue;
                    };
                    sample(
                        out,
                        "backup_last_success_timestamp_seconds",
                        &[
                            ("project", &project.name),
                            ("environment", &env.name),
                            ("service", &service.name),
                            ("volume", &volume.name),
                            ("schedule", &job.schedule),
                        ],
                        &at.timestamp().to_string(),
                    );
                }
            }
        }
    }
}

/// Buckets are stored per bound; Prometheus wants them cumulative, ending with `+Inf`.
fn render_histogram(out: &mut String, project: &str, histogram: &Histogram) {
    let name = "reconcile_duration_seconds_bucket";
    let mut cumulative = 0u64;
    for (index, bound) in DURATION_BUCKETS.iter().enumerate() {
        cumulative += histogram.counts.get(index).copied().unwrap_or(0);
        let le = float(*bound);
        sample(
            out,
            name,
            &[("project", project), ("le", &le)],
            &cumulative.to_string(),
        );
    }
    let count = histogram.count.to_string();
    sample(out, name, &[("project", project), ("le", "+Inf")], &count);
    sample(
        out,
        "reconcile_duration_seconds_sum",
        &[("project", project)],
        &float(histogram.sum),
    );
    sample(
        out,
        "reconcile_duration_seconds_count",
        &[("project", project)],
        &count,
    );
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {PREFIX}_{name} {help}");
    let _ = writeln!(out, "# TYPE {PREFIX}_{name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    let _ = write!(out, "{PREFIX}_{name}");
    if !labels.is_empty() {
        let rendered: Vec<String> = labels
            .iter()
            .map(|(key, value)| format!("{key}=\"{}\"", escape_label(value)))
            .collect();
        let _ = write!(out, "{{{}}}", rendered.join(","));
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape backslash, double quote and line feed, as the format requires.
fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Rust spells infinities `inf`; the format wants `+Inf`, `-Inf` and `NaN`.
fn float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }

    #[test]
    fn special_floats_use_the_exposition_spelling() {
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(2.5), "2.5");
    }
}
