//! Unit tests of the `/metrics` encoding: label escaping, counter and histogram spelling, special
//! floats and one-hot service health.

use super::*;
use crate::controller::status::{
    EnvironmentStatus, Histogram, ProjectStatus, ServiceStatus, SyncState,
};

/// The sample line whose series (name and labels) is exactly `series`, without its value.
fn value_of<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

fn render(status: &ControllerStatus) -> String {
    render_metrics(status).expect("metrics encode")
}

fn with_volume_usage(percent: f64) -> ControllerStatus {
    let volume = VolumeStatus {
        name: "data".to_string(),
        mount_path: "/data".to_string(),
        size_mb: Some(1024),
        used_mb: Some(percent),
        usage_percent: Some(percent),
        warning_percent: 80,
        warning: None,
        backup_warning: None,
        native_schedules: Vec::new(),
        cron_backups: Vec::new(),
        backups: Vec::new(),
    };
    let service = ServiceStatus {
        name: "db".to_string(),
        sync: SyncState::InSync,
        deployment: None,
        deployment_id: None,
        health: Health::Unknown,
        domains: Vec::new(),
        volume: Some(volume),
        last_log_lines: Vec::new(),
    };
    let project = ProjectStatus {
        name: "p".to_string(),
        environments: vec![EnvironmentStatus {
            name: "production".to_string(),
            services: vec![service],
        }],
        ..ProjectStatus::default()
    };
    let mut status = ControllerStatus::default();
    status.projects.insert("p".to_string(), project);
    status
}

#[test]
fn label_values_escape_backslash_quote_and_newline() {
    let mut status = ControllerStatus::default();
    let key = ("a\\b\"c\nd".to_string(), "failed".to_string());
    status.metrics.reconciles.insert(key, 1);
    let text = render(&status);
    assert!(
        text.contains(
            "railway_operator_reconciles_total{project=\"a\\\\b\\\"c\\nd\",result=\"failed\"} 1\n"
        ),
        "{text}"
    );
}

#[test]
fn counters_are_typed_by_family_and_sampled_with_total() {
    let mut status = ControllerStatus::default();
    status.metrics.actions.insert("create".to_string(), 4);
    let text = render(&status);
    assert!(text.contains("# TYPE railway_operator_actions_applied counter\n"));
    assert!(
        text.contains("# HELP railway_operator_actions_applied Plan actions applied, by kind.\n")
    );
    assert_eq!(
        value_of(
            &text,
            "railway_operator_actions_applied_total{kind=\"create\"}"
        ),
        Some("4")
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[test]
fn histogram_buckets_accumulate_and_the_overflow_counts_only_in_inf() {
    let mut histogram = Histogram::default();
    for seconds in [0.01, 0.3, 31.0] {
        histogram.observe(seconds);
    }
    let mut status = ControllerStatus::default();
    status.metrics.durations.insert("p".to_string(), histogram);
    let text = render(&status);
    let bucket = |le: &str| {
        let series = format!(
            "railway_operator_reconcile_duration_seconds_bucket{{le=\"{le}\",project=\"p\"}}"
        );
        value_of(&text, &series).map(str::to_string)
    };
    assert_eq!(bucket("0.05").as_deref(), Some("1"), "{text}");
    assert_eq!(bucket("0.5").as_deref(), Some("2"));
    assert_eq!(bucket("30.0").as_deref(), Some("2"));
    assert_eq!(bucket("+Inf").as_deref(), Some("3"));
    let count = "railway_operator_reconcile_duration_seconds_count{project=\"p\"}";
    assert_eq!(value_of(&text, count), Some("3"));
    assert!(text.contains("# UNIT railway_operator_reconcile_duration_seconds seconds\n"));
}

#[test]
fn special_floats_use_spellings_openmetrics_and_prometheus_parse() {
    let series = "railway_operator_volume_usage_ratio{project=\"p\",environment=\"production\",service=\"db\",volume=\"data\"}";
    for (percent, spelled) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (85.0, "0.85"),
    ] {
        let text = render(&with_volume_usage(percent));
        let value = value_of(&text, series).expect("usage sample");
        // OpenMetrics' ABNF takes `inf`/`nan` in any case, as Go's ParseFloat does.
        assert_eq!(value, spelled, "{text}");
        let parsed: f64 = value.parse().expect("a float");
        assert!(parsed.is_nan() == (percent / 100.0).is_nan());
    }
}

#[test]
fn service_health_is_one_hot_over_every_state() {
    let mut status = with_volume_usage(10.0);
    if let Some(project) = status.projects.get_mut("p") {
        project.environments[0].services[0].health = Health::Degraded;
    }
    let text = render(&status);
    for state in Health::ALL {
        let series = format!(
            "railway_operator_service_health{{project=\"p\",environment=\"production\",service=\"db\",state=\"{}\"}}",
            state.name()
        );
        let expected = if state == Health::Degraded { "1" } else { "0" };
        assert_eq!(value_of(&text, &series), Some(expected), "{text}");
    }
}
