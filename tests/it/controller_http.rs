//! The controller's HTTP face end to end: a hand-built status served on loopback, every
//! endpoint checked with reqwest, the reconcile access rules, and a real headless browser.

use crate::support::browser;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use railway_operator::controller::http::{
    Denied, HttpConfig, HttpServer, reconcile_allowed, render_metrics, render_page,
};
use railway_operator::controller::status::{
    Condition, Conditions, ControllerStatus, DURATION_BUCKETS, DriftEntry, EnvironmentStatus,
    Histogram, HistoryEntry, Metrics, PlanCounts, ProjectStatus, RateLimitStatus, ServiceStatus,
    SharedStatus, SyncState,
};
use railway_operator::controller::trigger::ReconcileTrigger;
use railway_operator::rollout::previews::PreviewStatus;
use serde_json::Value;

const DRIFT_ADDRESS: &str = "service.api.variables.DATABASE_URL";
const HOSTILE_DETAIL: &str = "<script>alert(\"x\")</script> & 'quotes'";
/// A branch name is whatever the pull request's author typed.
const HOSTILE_BRANCH: &str = "feat/<img src=x onerror=alert(1)>&'\"";

fn preview(name: &str, pr: Option<i64>, branch: &str, converged: Option<bool>) -> PreviewStatus {
    PreviewStatus {
        name: name.to_string(),
        pr_number: pr,
        branch: Some(branch.to_string()),
        repository: Some("acme/shop".to_string()),
        created_at: "2026-01-01T00:01:00Z".to_string(),
        age: "4m".to_string(),
        health: railway_operator::rollout::Health::Healthy,
        services: 1,
        overrides_converged: converged,
    }
}

fn service(name: &str, sync: SyncState, deployment: Option<&str>) -> ServiceStatus {
    ServiceStatus {
        name: name.to_string(),
        sync,
        deployment: deployment.map(str::to_string),
        deployment_id: deployment.map(|_| "d-1".to_string()),
        health: railway_operator::rollout::Health::of_status(deployment),
        domains: Vec::new(),
        volume: None,
        last_log_lines: Vec::new(),
    }
}

fn condition(status: bool, reason: &str, message: &str) -> Condition {
    Condition {
        status,
        reason: reason.to_string(),
        message: message.to_string(),
        last_transition_at: Some("2026-01-01T00:00:00Z".to_string()),
    }
}

fn blackroad() -> ProjectStatus {
    let mut project = ProjectStatus {
        name: "BlackRoad OS".to_string(),
        source: "git https://example.com/infra.git@main:manifests/blackroad.yml".to_string(),
        drift_policy: "report".to_string(),
        conditions: Conditions {
            ready: condition(
                false,
                "DriftDetected",
                "1 address differs from the manifest",
            ),
            reconciling: condition(false, "Idle", ""),
            stalled: condition(false, "", ""),
        },
        last_attempted_revision: Some("abc1234".to_string()),
        last_applied_revision: Some("0ff1ce0".to_string()),
        last_reconcile_at: Some("2026-01-01T00:05:00Z".to_string()),
        next_reconcile_at: Some("2026-01-01T00:10:00Z".to_string()),
        last_duration_ms: Some(840),
        last_plan: Some(PlanCounts {
            add: 1,
            change: 2,
            destroy: 0,
            deploy: 1,
        }),
        drift: vec![DriftEntry {
            address: DRIFT_ADDRESS.to_string(),
            environment: Some("production".to_string()),
            details: vec![
                "value: (sensitive) -> (sensitive)".to_string(),
                HOSTILE_DETAIL.to_string(),
            ],
        }],
        environments: vec![
            EnvironmentStatus {
                name: "production".to_string(),
                services: vec![
                    service("api", SyncState::Drifted, Some("SUCCESS")),
                    service("web", SyncState::InSync, Some("SUCCESS")),
                    service("worker", SyncState::Missing, None),
                ],
            },
            EnvironmentStatus {
                name: "staging".to_string(),
                services: vec![
                    service("api", SyncState::Planned, None),
                    service("docs", SyncState::External, None),
                ],
            },
        ],
        previews: vec![
            preview("pr-42", Some(42), HOSTILE_BRANCH, Some(false)),
            preview("feature-login", None, "feature/login", Some(true)),
        ],
        last_error: None,
        ..ProjectStatus::default()
    };
    project.push_history(HistoryEntry {
        at: "2026-01-01T00:00:00Z".to_string(),
        revision: Some("0ff1ce0".to_string()),
        result: "applied".to_string(),
        summary: "Plan: 1 to add, 2 to change, 0 to destroy.".to_string(),
        duration_ms: 1200,
    });
    project.push_history(HistoryEntry {
        at: "2026-01-01T00:05:00Z".to_string(),
        revision: Some("abc1234".to_string()),
        result: "drift-reported".to_string(),
        summary: "1 drifted address".to_string(),
        duration_ms: 840,
    });
    project
}

fn sidecar() -> ProjectStatus {
    ProjectStatus {
        name: "side<car>".to_string(),
        source: "manifests/sidecar.yml".to_string(),
        drift_policy: "self-heal".to_string(),
        conditions: Conditions {
            ready: condition(false, "InvalidManifest", "line 3: unknown field `srevices`"),
            reconciling: condition(false, "", ""),
            stalled: condition(true, "InvalidManifest", "fix the manifest & retry"),
        },
        last_error: Some("manifest invalid: <unknown field>".to_string()),
        environments: vec![EnvironmentStatus {
            name: "production".to_string(),
            services: vec![service("cron-job", SyncState::InSync, Some("SLEEPING"))],
        }],
        ..ProjectStatus::default()
    }
}

fn metrics() -> Metrics {
    let mut histogram = Histogram::default();
    for seconds in [0.03, 0.2, 0.2, 1.7, 45.0] {
        histogram.observe(seconds);
    }
    let mut metrics = Metrics::default();
    metrics
        .durations
        .insert("BlackRoad OS".to_string(), histogram);
    metrics
        .durations
        .insert("side<car>".to_string(), Histogram::default());
    metrics
        .reconciles
        .insert(("BlackRoad OS".to_string(), "applied".to_string()), 3);
    metrics.reconciles.insert(
        (
            "quote\"back\\slash\nnewline".to_string(),
            "failed".to_string(),
        ),
        1,
    );
    metrics.drift.insert("BlackRoad OS".to_string(), 1);
    metrics.actions.insert("create".to_string(), 4);
    metrics
        .api_requests
        .insert(("ProjectSnapshot".to_string(), "success".to_string()), 12);
    metrics
}

fn sample_status() -> ControllerStatus {
    let mut projects = BTreeMap::new();
    for project in [blackroad(), sidecar()] {
        projects.insert(project.name.clone(), project);
    }
    ControllerStatus {
        started_at: "2026-01-01T00:00:00Z".to_string(),
        ready: false,
        projects,
        rate_limit: RateLimitStatus {
            remaining: Some(987),
            resets_at: Some("2026-01-01T01:00:00Z".to_string()),
            requests_per_second_cap: 5.0,
            throttled: false,
            budget: None,
        },
        metrics: metrics(),
        ..ControllerStatus::default()
    }
}

async fn serve(status: ControllerStatus) -> (HttpServer, SharedStatus, Arc<ReconcileTrigger>) {
    let shared: SharedStatus = Arc::new(RwLock::new(status));
    let notify = Arc::new(ReconcileTrigger::default());
    let config = HttpConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        admin_token: None,
    };
    let server = HttpServer::start(config, shared.clone(), notify.clone())
        .await
        .expect("server starts");
    (server, shared, notify)
}

async fn get(server: &HttpServer, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", server.url()))
        .await
        .expect("request succeeds")
}

/// Sample lines (not comments) whose metric name is exactly `name`.
fn samples<'a>(text: &'a str, name: &str) -> Vec<(&'a str, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let metric = series.split('{').next()?;
            (metric == name).then(|| (series, value.parse::<f64>().expect("numeric value")))
        })
        .collect()
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (server, _, _) = serve(sample_status()).await;
    let response = get(&server, "/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn readyz_is_unavailable_until_the_status_says_ready() {
    let (server, shared, _) = serve(sample_status()).await;
    let response = get(&server, "/readyz").await;
    assert_eq!(response.status(), 503);
    assert!(response.text().await.unwrap().starts_with("not ready"));

    shared.write().unwrap().ready = true;
    let response = get(&server, "/readyz").await;
    assert_eq!(response.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_follow_the_openmetrics_text_format() {
    let (server, _, _) = serve(sample_status()).await;
    let response = get(&server, "/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text; version=1.0.0"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();

    // OpenMetrics names a counter's family without `_total`; its samples keep the suffix.
    for (family, kind) in [
        ("railway_operator_reconciles", "counter"),
        ("railway_operator_reconcile_duration_seconds", "histogram"),
        ("railway_operator_drift", "gauge"),
        ("railway_operator_actions_applied", "counter"),
        ("railway_operator_api_requests", "counter"),
        ("railway_operator_rate_limit_remaining", "gauge"),
        ("railway_operator_ready", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "HELP for {family}"
        );
        assert!(
            text.contains(&format!("# TYPE {family} {kind}\n")),
            "TYPE for {family}"
        );
    }
    assert!(text.contains(
        "railway_operator_reconciles_total{project=\"BlackRoad OS\",result=\"applied\"} 3\n"
    ));
    assert!(text.contains("railway_operator_drift{project=\"BlackRoad OS\"} 1\n"));
    assert!(text.contains("railway_operator_actions_applied_total{kind=\"create\"} 4\n"));
    assert!(text.contains(
        "railway_operator_api_requests_total{operation=\"ProjectSnapshot\",outcome=\"success\"} 12\n"
    ));
    assert!(text.contains("railway_operator_rate_limit_remaining 987\n"));
    assert!(text.contains("railway_operator_ready 0\n"));
    server.shutdown().await;
}

#[test]
fn histogram_buckets_are_cumulative_and_end_with_the_count() {
    let text = render_metrics(&sample_status()).expect("metrics encode");
    let buckets: Vec<(&str, f64)> =
        samples(&text, "railway_operator_reconcile_duration_seconds_bucket")
            .into_iter()
            .filter(|(series, _)| series.contains("project=\"BlackRoad OS\""))
            .collect();
    assert_eq!(buckets.len(), DURATION_BUCKETS.len() + 1);
    for pair in buckets.windows(2) {
        assert!(pair[0].1 <= pair[1].1, "not cumulative: {pair:?}");
    }
    assert!(buckets[0].0.contains("le=\"0.05\""));
    assert_eq!(buckets[0].1, 1.0);
    let (last_series, infinity) = buckets[buckets.len() - 1];
    assert!(last_series.contains("le=\"+Inf\""));
    // 45 s is past the last finite bound: only +Inf counts it.
    assert_eq!(buckets[buckets.len() - 2].1, 4.0);

    let count = samples(&text, "railway_operator_reconcile_duration_seconds_count");
    let sum = samples(&text, "railway_operator_reconcile_duration_seconds_sum");
    let count = count
        .iter()
        .find(|(s, _)| s.contains("BlackRoad OS"))
        .unwrap()
        .1;
    let sum = sum
        .iter()
        .find(|(s, _)| s.contains("BlackRoad OS"))
        .unwrap()
        .1;
    assert_eq!(infinity, count);
    assert_eq!(count, 5.0);
    assert!((sum - 47.13).abs() < 1e-9, "sum {sum}");

    let empty: Vec<f64> = samples(&text, "railway_operator_reconcile_duration_seconds_bucket")
        .into_iter()
        .filter(|(series, _)| series.contains("project=\"side<car>\""))
        .map(|(_, value)| value)
        .collect();
    assert_eq!(empty, vec![0.0; DURATION_BUCKETS.len() + 1]);
}

#[test]
fn metric_label_values_are_escaped() {
    let text = render_metrics(&sample_status()).expect("metrics encode");
    assert!(text.contains(
        "railway_operator_reconciles_total{project=\"quote\\\"back\\\\slash\\nnewline\",result=\"failed\"} 1\n"
    ));
    for line in text.lines() {
        assert!(
            line.starts_with('#') || line.starts_with("railway_operator_"),
            "stray line {line:?}"
        );
    }
}

#[test]
fn rate_limit_remaining_is_omitted_while_unknown() {
    let mut status = sample_status();
    status.rate_limit.remaining = None;
    let text = render_metrics(&status).expect("metrics encode");
    assert!(!text.contains("railway_operator_rate_limit_remaining"));
}

#[tokio::test]
async fn status_json_carries_the_key_fields() {
    let (server, _, _) = serve(sample_status()).await;
    let response = get(&server, "/status").await;
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["ready"], false);
    assert_eq!(json["rateLimit"]["remaining"], 987);
    let project = &json["projects"]["BlackRoad OS"];
    assert_eq!(project["name"], "BlackRoad OS");
    assert_eq!(project["lastAppliedRevision"], "0ff1ce0");
    assert_eq!(project["conditions"]["ready"]["reason"], "DriftDetected");
    assert_eq!(project["lastPlan"]["change"], 2);
    assert_eq!(project["drift"][0]["address"], DRIFT_ADDRESS);
    assert_eq!(project["drift"][0]["details"][1], HOSTILE_DETAIL);
    assert_eq!(project["environments"][0]["services"][0]["sync"], "drifted");
    assert_eq!(project["history"][0]["result"], "drift-reported");
    assert_eq!(
        json["projects"]["side<car>"]["conditions"]["stalled"]["status"],
        true
    );
    server.shutdown().await;
}

#[tokio::test]
async fn status_page_shows_projects_services_and_drift_with_everything_escaped() {
    let (server, _, _) = serve(sample_status()).await;
    let response = get(&server, "/").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();

    assert!(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"));
    for text in [
        "BlackRoad OS",
        "side&lt;car&gt;",
        "worker",
        "cron-job",
        DRIFT_ADDRESS,
    ] {
        assert!(page.contains(text), "page lacks {text}");
    }
    for state in ["inSync", "drifted", "missing", "planned", "external"] {
        assert!(
            page.contains(&format!(">{state}</span>")),
            "no {state} badge"
        );
    }
    assert!(
        page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;")
    );
    assert!(page.contains("manifest invalid: &lt;unknown field&gt;"));
    assert!(page.contains("fix the manifest &amp; retry"));
    assert!(page.contains("drift-reported"));
    assert!(page.contains("987"));
    // R50: PR environments, with the branch (user input) escaped, and an empty state.
    assert!(page.contains("<h3>PR environments</h3>"), "{page}");
    assert!(
        page.contains("feat/&lt;img src=x onerror=alert(1)&gt;&amp;&#39;&quot;"),
        "{page}"
    );
    assert!(!page.contains("<img"), "an element made of a branch name");
    for text in [
        "#42",
        "branch preview",
        "acme/shop",
        ">pending</span>",
        ">converged</span>",
    ] {
        assert!(page.contains(text), "page lacks {text}");
    }
    assert!(page.contains("No PR environments."), "side<car> has none");
    assert!(
        !page.to_lowercase().contains("<script"),
        "page holds a script element"
    );
    assert!(!page.contains("side<car>"));
    server.shutdown().await;
}

#[test]
fn an_empty_status_still_renders_a_page() {
    let page = render_page(&ControllerStatus::default());
    assert!(page.contains("No projects are configured."));
    assert!(
        page.contains("Request budget: <strong>none set</strong>, probes unpaced"),
        "{page}"
    );
    assert!(page.contains("requests unpaced"), "{page}");
}

#[tokio::test]
async fn post_reconcile_on_loopback_wakes_the_reconcile_loop() {
    let (server, _, notify) = serve(sample_status()).await;
    let response = reqwest::Client::new()
        .post(format!("{}/reconcile", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.text().await.unwrap(), "reconcile requested");
    tokio::time::timeout(Duration::from_secs(5), notify.requested())
        .await
        .expect("the reconcile loop is notified");
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_are_405() {
    let (server, _, _) = serve(sample_status()).await;
    assert_eq!(get(&server, "/nope").await.status(), 404);
    assert_eq!(get(&server, "/reconcile").await.status(), 405);
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/metrics", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    server.shutdown().await;
}

#[tokio::test]
async fn binding_an_address_in_use_names_the_address() {
    let (server, shared, notify) = serve(sample_status()).await;
    let config = HttpConfig {
        listen: server.addr(),
        admin_token: None,
    };
    let error = match HttpServer::start(config, shared, notify).await {
        Ok(_) => panic!("a second bind on the same port succeeded"),
        Err(error) => error,
    };
    assert!(
        error.to_string().contains(&server.addr().to_string()),
        "{error}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_wildcard_listener_enforces_the_admin_token_over_http() {
    let shared: SharedStatus = Arc::new(RwLock::new(sample_status()));
    let notify = Arc::new(ReconcileTrigger::default());
    let client = reqwest::Client::new();
    let guarded = HttpServer::start(
        HttpConfig {
            listen: ([0, 0, 0, 0], 0).into(),
            admin_token: Some("s3cret".to_string()),
        },
        shared.clone(),
        notify.clone(),
    )
    .await
    .unwrap();
    let url = format!("{}/reconcile", guarded.url());
    let response = client.post(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = client.post(&url).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = client
        .post(&url)
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    tokio::time::timeout(Duration::from_secs(5), notify.requested())
        .await
        .expect("the reconcile loop is notified");
    guarded.shutdown().await;

    let unguarded = HttpServer::start(
        HttpConfig {
            listen: ([0, 0, 0, 0], 0).into(),
            admin_token: None,
        },
        shared,
        notify,
    )
    .await
    .unwrap();
    let response = client
        .post(format!("{}/reconcile", unguarded.url()))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("RAILWAY_OPERATOR_ADMIN_TOKEN")
    );
    unguarded.shutdown().await;
}

#[test]
fn loopback_listeners_allow_reconcile_without_a_token() {
    for listen in ["127.0.0.1:8080", "[::1]:8080", "[::ffff:127.0.0.1]:8080"] {
        let listen: SocketAddr = listen.parse().unwrap();
        assert_eq!(reconcile_allowed(listen, None, None), Ok(()), "{listen}");
        assert_eq!(
            reconcile_allowed(listen, Some("t"), None),
            Ok(()),
            "{listen}"
        );
    }
}

#[test]
fn public_listeners_require_the_admin_token() {
    let listen: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    assert_eq!(
        reconcile_allowed(listen, Some("s3cret"), Some("s3cret")),
        Ok(())
    );
    assert_eq!(
        reconcile_allowed(listen, Some("s3cret"), None),
        Err(Denied::MissingToken)
    );
    assert_eq!(
        reconcile_allowed(listen, Some("s3cret"), Some("s3cre")),
        Err(Denied::WrongToken)
    );
    assert_eq!(Denied::MissingToken.http_status(), 401);
    assert_eq!(Denied::WrongToken.http_status(), 401);
}

#[test]
fn public_listeners_without_an_admin_token_refuse_and_say_how_to_enable() {
    let listen: SocketAddr = "10.0.0.5:8080".parse().unwrap();
    for admin_token in [None, Some("")] {
        let denied = reconcile_allowed(listen, admin_token, Some("")).unwrap_err();
        assert_eq!(denied, Denied::NoAdminToken);
        assert_eq!(denied.http_status(), 403);
        assert!(denied.to_string().contains("RAILWAY_OPERATOR_ADMIN_TOKEN"));
    }
}

#[tokio::test]
async fn a_real_browser_renders_the_status_page() {
    let Some(chromium) = browser::find_chromium() else {
        eprintln!("\n*** SKIPPED: no Chromium (install with: apt-get install -y chromium) ***\n");
        return;
    };
    let (server, _, _) = serve(sample_status()).await;
    let dom = browser::dump_dom(&chromium, &format!("{}/", server.url()))
        .await
        .expect("chromium dumps the DOM");
    for text in [
        "BlackRoad OS",
        "cron-job",
        DRIFT_ADDRESS,
        "PR environments",
        "#42",
        "feature/login",
        "No PR environments.",
    ] {
        assert!(dom.contains(text), "the rendered DOM lacks {text}:\n{dom}");
    }
    assert!(!dom.contains("<img"), "a branch name became an element");
    assert!(
        !dom.to_lowercase().contains("<script"),
        "a script element made it into the DOM"
    );
    server.shutdown().await;
}

#[test]
fn an_unguarded_replica_says_so_on_its_page() {
    let mut status = sample_status();
    status.instance_id = "replica-a".to_string();
    status.concurrency = 4;
    status.lock.state = "unguarded".to_string();
    let page = render_page(&status);
    assert!(page.contains("replica-a"), "{page}");
    assert!(page.contains("Unguarded"), "{page}");
    assert!(page.contains("a second copy of run would write"), "{page}");
}

#[test]
fn a_guarded_replica_shows_its_leases_on_the_page_and_in_metrics() {
    let mut status = sample_status();
    status.instance_id = "replica-a".to_string();
    status.lock = railway_operator::controller::status::LockStatus {
        guarded: true,
        state: "connected".to_string(),
        target: Some("db.railway.internal:5432/railway".to_string()),
        replicas: Some(2),
        fair_share: Some(1),
        held: 1,
        ..Default::default()
    };
    let names: Vec<String> = status.projects.keys().cloned().collect();
    if let Some(project) = status.projects.get_mut(&names[0]) {
        project.lease.held = true;
        project.lease.acquisitions = 1;
    }
    if let Some(project) = status.projects.get_mut(&names[1]) {
        project.lease.holder = Some("replica-<b>".to_string());
        project.lease.losses = 2;
    }
    let page = render_page(&status);
    assert!(page.contains("db.railway.internal:5432/railway"), "{page}");
    assert!(page.contains("2 replica(s), share 1 each"), "{page}");
    assert!(
        page.contains("held by replica-&lt;b&gt;"),
        "escaped holder: {page}"
    );
    let metrics = render_metrics(&status).expect("metrics encode");
    let held = samples(&metrics, "railway_operator_lock_held");
    assert_eq!(held.iter().map(|(_, v)| *v).sum::<f64>(), 1.0, "{metrics}");
    assert!(metrics.contains(&format!(
        "railway_operator_lock_losses_total{{project=\"{}\"}} 2",
        names[1]
    )));
    assert!(
        metrics.contains("railway_operator_lock_connected 1"),
        "{metrics}"
    );
    status.lock.state = "unreachable".to_string();
    assert!(
        render_metrics(&status)
            .expect("metrics encode")
            .contains("railway_operator_lock_connected 0")
    );
}
