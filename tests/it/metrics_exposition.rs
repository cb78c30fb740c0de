//! `/metrics` checked line by line against the OpenMetrics 1.0 text format, served from a status
//! with several projects, hostile label values, histograms, rollout health and notification
//! targets. The checker is written out here so the test does not trust the encoder it checks.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};

use railway_operator::controller::http::{HttpConfig, HttpServer, METRICS_CONTENT_TYPE};
use railway_operator::controller::status::{
    BackupJobStatus, ControllerStatus, EnvironmentStatus, Histogram, ProjectStatus,
    RateLimitStatus, ServiceStatus, SharedStatus, SyncState, VolumeStatus,
};
use railway_operator::controller::trigger::ReconcileTrigger;
use railway_operator::notify::TargetStatus;
use railway_operator::rollout::Health;

const QUOTES: &str = "quote\"back\\slash";
const NEWLINE: &str = "new\nline";
const SCRIPT: &str = "<script>alert(\"x\")</script> & 'quotes'";

// ---- the status ------------------------------------------------------------------------

fn volume() -> VolumeStatus {
    VolumeStatus {
        name: "data\\\"\n".to_string(),
        mount_path: "/data".to_string(),
        size_mb: Some(5000),
        used_mb: Some(2750.5),
        usage_percent: Some(55.01),
        warning_percent: 80,
        warning: None,
        backup_warning: Some("Railway refuses manual backups above 50%".to_string()),
        native_schedules: vec!["DAILY".to_string()],
        cron_backups: vec!["0 3 * * * (kept 30d)".to_string()],
        backups: vec![BackupJobStatus {
            schedule: "0 3 * * * \"nightly\"".to_string(),
            timezone: None,
            last_success_at: Some("2026-01-02T03:00:00Z".to_string()),
            last_failure_at: None,
            last_error: None,
            succeeded: 1,
            failed: 0,
            pruned: 0,
            running: None,
        }],
    }
}

fn service(name: &str, deployment: Option<&str>, volume: Option<VolumeStatus>) -> ServiceStatus {
    ServiceStatus {
        name: name.to_string(),
        sync: SyncState::InSync,
        deployment: deployment.map(str::to_string),
        deployment_id: None,
        health: Health::of_status(deployment),
        domains: Vec::new(),
        volume,
        last_log_lines: Vec::new(),
    }
}

fn project(name: &str, services: Vec<ServiceStatus>) -> ProjectStatus {
    ProjectStatus {
        name: name.to_string(),
        environments: vec![
            EnvironmentStatus {
                name: "production".to_string(),
                services,
            },
            EnvironmentStatus {
                name: NEWLINE.to_string(),
                services: vec![service("idle", None, None)],
            },
        ],
        ..ProjectStatus::default()
    }
}

fn target(project: &str, target: &str, state: &str, delivered: u64, failed: u64) -> TargetStatus {
    TargetStatus {
        project: project.to_string(),
        target: target.to_string(),
        kind: "webhook".to_string(),
        state: state.to_string(),
        delivered,
        failed,
        ..TargetStatus::default()
    }
}

fn hostile_status() -> ControllerStatus {
    let projects = [
        project(
            "BlackRoad OS",
            vec![
                service("api", Some("SUCCESS"), Some(volume())),
                service("web", Some("BUILDING"), None),
            ],
        ),
        project(QUOTES, vec![service("worker", Some("CRASHED"), None)]),
        project(SCRIPT, vec![service(SCRIPT, Some("SLEEPING"), None)]),
    ];
    let mut status = ControllerStatus {
        ready: true,
        projects: projects
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect::<BTreeMap<_, _>>(),
        rate_limit: RateLimitStatus {
            remaining: Some(42),
            ..RateLimitStatus::default()
        },
        notifications: vec![
            target("BlackRoad OS", "webhook-1", "delivered", 7, 1),
            target(QUOTES, SCRIPT, "failing", 0, 5),
            target(SCRIPT, NEWLINE, "idle", 0, 0),
        ],
        ..ControllerStatus::default()
    };
    fill_metrics(&mut status);
    status
}

fn fill_metrics(status: &mut ControllerStatus) {
    let names: Vec<String> = status.projects.keys().cloned().collect();
    for (index, name) in names.iter().enumerate() {
        let mut histogram = Histogram::default();
        for seconds in [0.01, 0.3, 2.0, 45.0].iter().skip(index) {
            histogram.observe(*seconds);
        }
        let metrics = &mut status.metrics;
        metrics.durations.insert(name.clone(), histogram);
        metrics
            .reconciles
            .insert((name.clone(), "applied".to_string()), 3);
        metrics
            .reconciles
            .insert((name.clone(), NEWLINE.to_string()), 1);
        metrics.drift.insert(name.clone(), index as u64);
    }
    status
        .metrics
        .durations
        .insert("never".to_string(), Histogram::default());
    status.metrics.actions.insert(SCRIPT.to_string(), 4);
    let request = ("ProjectSnapshot".to_string(), QUOTES.to_string());
    status.metrics.api_requests.insert(request, 12);
    status.metrics.backups_success = 2;
    status.metrics.backups_failure = 1;
}

async fn scrape(status: ControllerStatus) -> (String, String) {
    let shared: SharedStatus = Arc::new(RwLock::new(status));
    let config = HttpConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        admin_token: None,
    };
    let server = HttpServer::start(config, shared, Arc::new(ReconcileTrigger::default()))
        .await
        .expect("server starts");
    let response = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .expect("request succeeds");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii header")
        .to_string();
    let body = response.text().await.expect("body");
    server.shutdown().await;
    (content_type, body)
}

// ---- the checker -----------------------------------------------------------------------

/// Name and unescaped value, in the order written.
type LabelPairs = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: LabelPairs,
    value: f64,
}

impl Sample {
    fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The family whose descriptors or samples the last lines were.
#[derive(Debug)]
struct Family {
    name: String,
    kind: Option<String>,
    help: bool,
    unit: bool,
    sampled: bool,
}

#[derive(Debug, Default)]
struct Checker {
    current: Option<Family>,
    seen: HashSet<String>,
    samples: Vec<Sample>,
}

const TYPES: [&str; 8] = [
    "counter",
    "gauge",
    "histogram",
    "gaugehistogram",
    "stateset",
    "info",
    "summary",
    "unknown",
];

/// Every sample of the exposition, or the first line that breaks the format and why.
fn check_exposition(text: &str) -> Result<Vec<Sample>, String> {
    let body = text
        .strip_suffix("# EOF\n")
        .or_else(|| text.strip_suffix("# EOF"))
        .ok_or("the exposition must end with `# EOF`")?;
    let mut checker = Checker::default();
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let line = line
            .strip_suffix('\n')
            .ok_or_else(|| format!("line {}: {line:?} does not end with a newline", index + 1))?;
        checker
            .line(line)
            .map_err(|why| format!("line {}: {why}: {line:?}", index + 1))?;
    }
    Ok(checker.samples)
}

impl Checker {
    fn line(&mut self, line: &str) -> Result<(), String> {
        if line.is_empty() {
            return Err("blank lines are not allowed".to_string());
        }
        match line.strip_prefix('#') {
            Some(comment) => self.descriptor(comment),
            None => {
                let sample = self.sample(line)?;
                self.samples.push(sample);
                Ok(())
            }
        }
    }

    fn descriptor(&mut self, comment: &str) -> Result<(), String> {
        let words = comment
            .strip_prefix(' ')
            .ok_or("a comment must be `# HELP`, `# TYPE`, `# UNIT` or the final `# EOF`")?;
        let (keyword, rest) = words.split_once(' ').ok_or("a descriptor without a name")?;
        let (name, value) = rest.split_once(' ').ok_or("a descriptor without a value")?;
        if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
            return Err(format!("unknown descriptor `{keyword}`"));
        }
        check_metric_name(name)?;
        let family = self.enter(name)?;
        match keyword {
            "HELP" => {
                once(&mut family.help, "HELP")?;
                unescape(value, false).map(drop)
            }
            "TYPE" => {
                if family.kind.is_some() {
                    return Err("a second TYPE for one family".to_string());
                }
                if !TYPES.contains(&value) {
                    return Err(format!("unknown type `{value}`"));
                }
                family.kind = Some(value.to_string());
                Ok(())
            }
            _ => {
                once(&mut family.unit, "UNIT")?;
                if value.is_empty() || !name.ends_with(&format!("_{value}")) {
                    return Err("a family with a UNIT must end with `_<unit>`".to_string());
                }
                value.chars().try_for_each(|c| metric_char(c, false))
            }
        }
    }

    /// The family `name`: the current one, or a new one never seen before (no interleaving).
    fn enter(&mut self, name: &str) -> Result<&mut Family, String> {
        let continues = self.current.as_ref().is_some_and(|f| f.name == name);
        if continues {
            let family = self.current.as_mut().ok_or("no family")?;
            if family.sampled {
                return Err("descriptors must come before the family's samples".to_string());
            }
            return Ok(family);
        }
        if !self.seen.insert(name.to_string()) {
            return Err(format!("family `{name}` appears twice"));
        }
        let family = self.current.insert(Family {
            name: name.to_string(),
            kind: None,
            help: false,
            unit: false,
            sampled: false,
        });
        Ok(family)
    }

    fn sample(&mut self, line: &str) -> Result<Sample, String> {
        let end = line.find(['{', ' ']).ok_or("a sample without a value")?;
        let (name, mut rest) = line.split_at(end);
        check_metric_name(name)?;
        let mut labels = Vec::new();
        if rest.starts_with('{') {
            (labels, rest) = parse_labels(rest)?;
        }
        let rest = rest
            .strip_prefix(' ')
            .ok_or("one space must separate the series and its value")?;
        let (value, timestamp) = match rest.split_once(' ') {
            Some((value, timestamp)) => (value, Some(timestamp)),
            None => (rest, None),
        };
        let value = parse_number(value)?;
        if let Some(timestamp) = timestamp {
            check_real_number(timestamp)?;
        }
        let sample = Sample {
            name: name.to_string(),
            labels,
            value,
        };
        self.belongs(&sample)?;
        Ok(sample)
    }

    /// The sample is named after the current family plus a suffix its TYPE allows.
    fn belongs(&mut self, sample: &Sample) -> Result<(), String> {
        let family = self
            .current
            .as_mut()
            .ok_or("a sample before any TYPE line")?;
        let kind = family
            .kind
            .as_deref()
            .ok_or("a sample before its family's TYPE line")?;
        let suffix = sample
            .name
            .strip_prefix(family.name.as_str())
            .ok_or_else(|| format!("a sample outside its family `{}`", family.name))?;
        let allowed: &[&str] = match kind {
            "counter" => &["_total", "_created"],
            "histogram" => &["_bucket", "_count", "_sum", "_created"],
            "gaugehistogram" => &["_gbucket", "_gcount", "_gsum"],
            "summary" => &["", "_count", "_sum", "_created"],
            "info" => &["_info"],
            _ => &[""],
        };
        if !allowed.contains(&suffix) {
            return Err(format!("`{suffix}` is not a {kind} sample's suffix"));
        }
        if kind == "counter" && suffix == "_total" && (sample.value.is_nan() || sample.value < 0.0)
        {
            return Err("a counter must not be negative or NaN".to_string());
        }
        if suffix == "_bucket" {
            let le = sample.label("le").ok_or("a bucket without `le`")?;
            parse_number(le)?;
        }
        family.sampled = true;
        Ok(())
    }
}

fn once(flag: &mut bool, what: &str) -> Result<(), String> {
    if std::mem::replace(flag, true) {
        return Err(format!("a second {what} for one family"));
    }
    Ok(())
}

fn metric_char(c: char, first: bool) -> Result<(), String> {
    let ok = c.is_ascii_alphabetic() || c == '_' || c == ':' || (!first && c.is_ascii_digit());
    ok.then_some(())
        .ok_or_else(|| format!("`{c}` cannot be in a metric name there"))
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
fn check_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first = chars.next().ok_or("an empty metric name")?;
    metric_char(first, true)?;
    chars.try_for_each(|c| metric_char(c, false))
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
fn check_label_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .enumerate()
        .all(|(index, c)| c.is_ascii_alphabetic() || c == '_' || (index > 0 && c.is_ascii_digit()));
    (valid && !name.is_empty())
        .then_some(())
        .ok_or_else(|| format!("`{name}` is not a label name"))
}

/// `{name="value",...}` and what follows it.
fn parse_labels(text: &str) -> Result<(LabelPairs, &str), String> {
    let mut rest = text.strip_prefix('{').ok_or("labels start with `{`")?;
    let mut labels = LabelPairs::new();
    if let Some(after) = rest.strip_prefix('}') {
        return Ok((labels, after));
    }
    loop {
        let (name, after) = rest.split_once('=').ok_or("a label without `=`")?;
        check_label_name(name)?;
        if labels.iter().any(|(seen, _)| seen == name) {
            return Err(format!("label `{name}` twice in one sample"));
        }
        let quoted = after
            .strip_prefix('"')
            .ok_or("a label value must be quoted")?;
        let (value, after) = unescape(quoted, true)?;
        labels.push((name.to_string(), value));
        let after = after
            .strip_prefix('"')
            .ok_or("an unterminated label value")?;
        if let Some(after) = after.strip_prefix('}') {
            return Ok((labels, after));
        }
        rest = after
            .strip_prefix(',')
            .ok_or("labels are separated by `,` and closed by `}`")?;
    }
}

/// The escaped string up to an unescaped `"` (if `quoted`) or the end, unescaped. Only `\\`,
/// `\"` and `\n` are escapes, and a raw `"` or newline is never allowed inside.
fn unescape(text: &str, quoted: bool) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' if quoted => return Ok((value, &text[index..])),
            '"' | '\n' => return Err(format!("a raw {c:?} must be escaped")),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('\\') => value.push('\\'),
                Some('"') => value.push('"'),
                Some('n') => value.push('\n'),
                other => return Err(format!("`\\{other:?}` is not an escape")),
            },
            c => value.push(c),
        }
    }
    if quoted {
        return Err("an unterminated label value".to_string());
    }
    Ok((value, ""))
}

/// A real number, `[+-]inf`/`[+-]infinity` or `nan` (case-insensitive, as OpenMetrics' ABNF).
fn parse_number(text: &str) -> Result<f64, String> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if !(matches!(unsigned, "inf" | "infinity") || lower == "nan") {
        check_real_number(text)?;
    }
    text.parse::<f64>()
        .map_err(|error| format!("`{text}` is not a number: {error}"))
}

/// `[SIGN] digits [. digits] [e [SIGN] digits]`, with at least one digit before the exponent.
fn check_real_number(text: &str) -> Result<(), String> {
    let bad = || format!("`{text}` is not a real number");
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    if let Some(exponent) = exponent {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exponent.is_empty() || !digits(exponent) {
            return Err(bad());
        }
    }
    Ok(())
}

// ---- the tests -------------------------------------------------------------------------

fn values<'a>(samples: &'a [Sample], name: &'a str) -> impl Iterator<Item = &'a Sample> {
    samples.iter().filter(move |sample| sample.name == name)
}

#[tokio::test]
async fn every_line_of_metrics_follows_the_openmetrics_text_format() {
    let (content_type, text) = scrape(hostile_status()).await;
    assert_eq!(content_type, METRICS_CONTENT_TYPE);
    let samples = check_exposition(&text).unwrap_or_else(|why| panic!("{why}\n{text}"));
    assert!(samples.len() > 100, "{text}");

    // Hostile values come back unchanged once unescaped, and nothing is HTML-escaped.
    assert!(text.contains("<script>alert(\\\"x\\\")</script>"), "{text}");
    for hostile in [QUOTES, SCRIPT] {
        let reconciles = values(&samples, "railway_operator_reconciles_total")
            .find(|s| s.label("project") == Some(hostile) && s.label("result") == Some(NEWLINE));
        assert_eq!(
            reconciles.map(|s| s.value),
            Some(1.0),
            "{hostile:?}\n{text}"
        );
    }
    let action = values(&samples, "railway_operator_actions_applied_total").next();
    assert_eq!(action.and_then(|s| s.label("kind")), Some(SCRIPT));
    let schedule = values(
        &samples,
        "railway_operator_backup_last_success_timestamp_seconds",
    )
    .map(|s| (s.label("schedule"), s.label("volume"), s.value))
    .collect::<Vec<_>>();
    assert_eq!(
        schedule,
        [(
            Some("0 3 * * * \"nightly\""),
            Some("data\\\"\n"),
            1767322800.0
        )]
    );
}

#[tokio::test]
async fn histograms_keep_their_buckets_cumulative_and_inf_equal_to_the_count() {
    let (_, text) = scrape(hostile_status()).await;
    let samples = check_exposition(&text).unwrap_or_else(|why| panic!("{why}\n{text}"));
    let status = hostile_status();
    for (project, histogram) in &status.metrics.durations {
        let buckets: Vec<(f64, f64)> = values(
            &samples,
            "railway_operator_reconcile_duration_seconds_bucket",
        )
        .filter(|s| s.label("project") == Some(project))
        .map(|s| {
            (
                s.label("le")
                    .and_then(|le| le.parse().ok())
                    .unwrap_or(f64::NAN),
                s.value,
            )
        })
        .collect();
        let bounds: Vec<f64> = buckets.iter().map(|(le, _)| *le).collect();
        let mut expected = railway_operator::controller::status::DURATION_BUCKETS.to_vec();
        expected.push(f64::INFINITY);
        assert_eq!(bounds, expected, "{project:?}");
        assert!(
            buckets.windows(2).all(|pair| pair[0].1 <= pair[1].1),
            "{buckets:?}"
        );
        let count = values(
            &samples,
            "railway_operator_reconcile_duration_seconds_count",
        )
        .find(|s| s.label("project") == Some(project))
        .map(|s| s.value);
        assert_eq!(count, Some(histogram.count as f64));
        assert_eq!(buckets.last().map(|(_, v)| *v), count);
    }
}

#[tokio::test]
async fn each_service_reports_one_health_state_out_of_all_of_them() {
    let status = hostile_status();
    let (_, text) = scrape(status.clone()).await;
    let samples = check_exposition(&text).unwrap_or_else(|why| panic!("{why}\n{text}"));
    let health: Vec<&Sample> = values(&samples, "railway_operator_service_health").collect();
    let mut services = 0;
    for (project, project_status) in &status.projects {
        for env in &project_status.environments {
            for service in &env.services {
                services += 1;
                let states: Vec<(&str, f64)> = health
                    .iter()
                    .filter(|s| {
                        s.label("project") == Some(project)
                            && s.label("environment") == Some(&env.name)
                            && s.label("service") == Some(&service.name)
                    })
                    .filter_map(|s| Some((s.label("state")?, s.value)))
                    .collect();
                let expected: Vec<(&str, f64)> = Health::ALL
                    .iter()
                    .map(|h| (h.name(), if *h == service.health { 1.0 } else { 0.0 }))
                    .collect();
                assert_eq!(
                    states, expected,
                    "{project:?}/{}/{}",
                    env.name, service.name
                );
            }
        }
    }
    assert_eq!(health.len(), services * Health::ALL.len());
}

#[tokio::test]
async fn notification_targets_count_deliveries_and_flag_the_failing_ones() {
    let status = hostile_status();
    let (_, text) = scrape(status.clone()).await;
    let samples = check_exposition(&text).unwrap_or_else(|why| panic!("{why}\n{text}"));
    for target in &status.notifications {
        let of_target = |s: &&Sample| {
            s.label("project") == Some(&target.project) && s.label("target") == Some(&target.target)
        };
        let outcomes: Vec<(&str, f64)> = values(&samples, "railway_operator_notifications_total")
            .filter(of_target)
            .filter_map(|s| Some((s.label("outcome")?, s.value)))
            .collect();
        let expected = [
            ("delivered", target.delivered as f64),
            ("failed", target.failed as f64),
        ];
        assert_eq!(outcomes, expected, "{target:?}");
        let failing = values(&samples, "railway_operator_notification_target_failing")
            .filter(of_target)
            .map(|s| s.value)
            .collect::<Vec<_>>();
        let expected = if target.state == "failing" { 1.0 } else { 0.0 };
        assert_eq!(failing, [expected], "{target:?}");
    }
}

#[test]
fn the_line_checker_rejects_what_the_format_forbids() {
    let good = "# HELP a_b A \\\"b\\\\.\n# TYPE a_b counter\na_b_total{x=\"1\\n\",y=\"\"} 1.5e3 17\n# TYPE c gauge\nc -Inf\n# EOF\n";
    assert!(
        check_exposition(good).is_ok(),
        "{:?}",
        check_exposition(good)
    );
    let bad = [
        ("no EOF", "# TYPE c gauge\nc 1\n"),
        ("EOF in the middle", "# EOF\n# TYPE c gauge\nc 1\n# EOF\n"),
        ("blank line", "# TYPE c gauge\n\nc 1\n# EOF\n"),
        ("sample before TYPE", "c 1\n# TYPE c gauge\n# EOF\n"),
        ("counter without _total", "# TYPE c counter\nc 1\n# EOF\n"),
        ("other family's sample", "# TYPE c gauge\nd 1\n# EOF\n"),
        (
            "interleaved family",
            "# TYPE c gauge\nc 1\n# TYPE d gauge\nd 1\n# TYPE c gauge\n# EOF\n",
        ),
        ("metric name", "# TYPE 1c gauge\n1c 1\n# EOF\n"),
        ("label name", "# TYPE c gauge\nc{a-b=\"1\"} 1\n# EOF\n"),
        (
            "raw quote in a label",
            "# TYPE c gauge\nc{a=\"x\"y\"} 1\n# EOF\n",
        ),
        ("unknown escape", "# TYPE c gauge\nc{a=\"\\t\"} 1\n# EOF\n"),
        ("trailing comma", "# TYPE c gauge\nc{a=\"1\",} 1\n# EOF\n"),
        (
            "duplicate label",
            "# TYPE c gauge\nc{a=\"1\",a=\"2\"} 1\n# EOF\n",
        ),
        ("value", "# TYPE c gauge\nc 1,5\n# EOF\n"),
        ("timestamp", "# TYPE c gauge\nc 1 now\n# EOF\n"),
        (
            "unit suffix",
            "# TYPE c gauge\n# UNIT c seconds\nc 1\n# EOF\n",
        ),
        ("unknown type", "# TYPE c meter\nc 1\n# EOF\n"),
        (
            "bucket without le",
            "# TYPE h histogram\nh_bucket 1\n# EOF\n",
        ),
    ];
    for (why, text) in bad {
        assert!(check_exposition(text).is_err(), "accepted with a bad {why}");
    }
}
