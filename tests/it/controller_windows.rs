//! Change windows against the sandbox: `run` reports drift but holds its writes while a deny
//! window is open and heals at its end, `POST /reconcile?override=window` writes once inside
//! one, and `apply` refuses inside one (sending nothing) unless `--ignore-windows`; the override
//! over HTTP and the window on the page.

use crate::support;
use crate::support::controller;

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use controller::*;
use railway_operator::controller::http::{HttpConfig, HttpServer, render_page};
use railway_operator::controller::source::SourceSpec;
use railway_operator::controller::status::{ControllerStatus, ProjectStatus, WindowStatus};
use railway_operator::controller::trigger::ReconcileTrigger;
use serde_json::Value;
use support::*;

/// A deny window that is open at every instant.
const ALWAYS_DENY: &str = "{ schedule: \"* * * * * *\", duration: 2s, mode: deny }";

/// The controller manifest in self-heal with `windows` in its policy.
fn with_window(window: &str) -> String {
    manifest(1, "self-heal", "wanted").replace(
        "policy: { drift: self-heal }",
        &format!("policy: {{ drift: self-heal, windows: [ {window} ] }}"),
    )
}

/// A deny window opening at `opens` (whole seconds, UTC, 6-field cron) for `seconds`.
fn deny_window_at(opens: DateTime<Utc>, seconds: u64) -> String {
    format!(
        "{{ schedule: \"{} {} {} * * *\", duration: {seconds}s, mode: deny }}",
        opens.second(),
        opens.minute(),
        opens.hour()
    )
}

/// The project applied from the plain manifest, then `api`'s MODE changed on Railway.
async fn applied_then_drifted(sandbox: &railway_operator::sandbox::Sandbox, file: &Path) {
    fs::write(file, manifest(1, "self-heal", "wanted")).expect("write");
    let (code, out, err) = cli(sandbox, &["apply", "-f", &file.to_string_lossy()]).await;
    assert_eq!(code, 0, "{out}{err}");
    set_mode(sandbox, "drifted").await;
}

/// A fresh sandbox with the project applied and drifted, and its manifest (in the returned
/// directory) rewritten with `window` in force.
async fn drifted_under(
    window: &str,
) -> (
    railway_operator::sandbox::Sandbox,
    tempfile::TempDir,
    PathBuf,
) {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    applied_then_drifted(&sandbox, &file).await;
    fs::write(&file, with_window(window)).expect("write");
    (sandbox, dir, file)
}

/// Requests other than reads: the operator's reads, and this test's own raw queries (root field
/// names, lowercase), are left out.
fn writes(stats: &Value) -> u64 {
    stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(k, _)| {
                    !["TokenProjects", "Projects", "ProjectSnapshot"].contains(&k.as_str())
                        && !k.starts_with(|c: char| c.is_lowercase())
                })
                .filter_map(|(_, v)| v.as_u64())
                .sum()
        })
        .unwrap_or(0)
}

fn held_by_window(p: &ProjectStatus) -> bool {
    p.conditions.ready.reason == "ChangeWindow"
        && p.drift
            .iter()
            .any(|d| d.details.iter().any(|l| l.contains("MODE")))
}

#[tokio::test]
async fn drift_is_reported_but_not_healed_while_a_deny_window_is_open_and_healed_when_it_ends() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    applied_then_drifted(&sandbox, &file).await;
    // The window opens after the drift, so that all of it is left for the checks below.
    let opens = Utc::now().with_nanosecond(0).expect("a whole second");
    let length = 5;
    let ends = opens + chrono::Duration::seconds(length);
    fs::write(&file, with_window(&deny_window_at(opens, length as u64))).expect("write");
    // A long interval: only the window's end can bring the healing pass this soon.
    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(60),
        true,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(4), held_by_window)
        .await;
    let project = running.project("ctl").expect("status");
    let window = project.window.clone().expect("window status");
    assert!(window.held, "{window:?}");
    assert_eq!(window.mode.as_deref(), Some("deny"));
    let until = railway_operator::change_window::stamp(ends);
    assert_eq!(window.until.as_deref(), Some(until.as_str()));
    let message = &project.conditions.ready.message;
    assert!(
        message.contains("writes held by deny window") && message.contains(&until),
        "{message}"
    );
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_writes_held_by_window{project=\"ctl\"} 1"),
        "{metrics}"
    );
    let page = http_text(&running, "/").await;
    assert!(page.contains("writes held by window"), "{page}");
    assert!(page.contains(&until), "{page}");
    while Utc::now() < ends - chrono::Duration::milliseconds(100) {
        assert_eq!(mode(&sandbox).await, "drifted", "healed inside the window");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    while mode(&sandbox).await != "wanted" {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not healed after the window ended"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let after_end = Utc::now() - ends;
    assert!(
        after_end > chrono::Duration::zero(),
        "healed before the end"
    );
    println!(
        "drift held for the {length} s window, healed {} ms after it ended (interval 60 s)",
        after_end.num_milliseconds()
    );
    running
        .wait_for("ctl", Duration::from_secs(5), |p| {
            p.window.as_ref().is_some_and(|w| !w.held)
        })
        .await;
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_writes_held_by_window{project=\"ctl\"} 0"),
        "{metrics}"
    );
    running.stop().await;
}

#[tokio::test]
async fn post_reconcile_with_override_window_applies_once_inside_a_window() {
    let (sandbox, _dir, file) = drifted_under(ALWAYS_DENY).await;
    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(60),
        true,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(10), held_by_window)
        .await;
    assert_eq!(mode(&sandbox).await, "drifted");
    let url = running.http_url.clone().expect("http");
    let response = reqwest::Client::new()
        .post(format!("{url}/reconcile?override=window"))
        .send()
        .await
        .expect("POST answers");
    assert_eq!(response.status(), 202);
    let took = running
        .wait_for("ctl", Duration::from_secs(10), |p| {
            p.window.as_ref().is_some_and(|w| w.overridden)
                && p.history.front().is_some_and(|h| h.result == "applied")
        })
        .await;
    assert_eq!(mode(&sandbox).await, "wanted");
    println!(
        "override inside the window applied in {} ms",
        took.as_millis()
    );
    set_mode(&sandbox, "drifted again").await;
    let passes = running.project("ctl").map_or(0, |p| p.history.len());
    running.reconcile_now.request(false);
    running
        .wait_for("ctl", Duration::from_secs(10), |p| {
            p.history.len() > passes && held_by_window(p)
        })
        .await;
    assert_eq!(
        mode(&sandbox).await,
        "drifted again",
        "the override held for one pass only"
    );
    running.stop().await;
}

#[tokio::test]
async fn apply_refuses_inside_a_deny_window_without_a_write_and_ignore_windows_applies() {
    let (sandbox, _dir, file) = drifted_under(ALWAYS_DENY).await;
    let path = file.to_string_lossy().to_string();
    reset_stats(&sandbox).await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &path]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("writes held by deny window \"* * * * * *\" (2s, UTC) until"),
        "{err}"
    );
    assert!(err.contains("--ignore-windows"), "{err}");
    assert_eq!(writes(&stats(&sandbox).await), 0);
    assert_eq!(mode(&sandbox).await, "drifted");
    let (code, out, err) = cli(&sandbox, &["plan", "-f", &path]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("MODE"), "{out}");
    assert!(err.contains("note: writes held by deny window"), "{err}");
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &path, "--ignore-windows"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode(&sandbox).await, "wanted");
}

/// A status server with no project, and the trigger it pulls.
async fn serve(listen: SocketAddr, token: Option<&str>) -> (HttpServer, Arc<ReconcileTrigger>) {
    let notify = Arc::new(ReconcileTrigger::default());
    let config = HttpConfig {
        listen,
        admin_token: token.map(str::to_string),
    };
    let status = Arc::new(RwLock::new(ControllerStatus::default()));
    let server = HttpServer::start(config, status, notify.clone())
        .await
        .expect("server starts");
    (server, notify)
}

#[tokio::test]
async fn post_reconcile_with_override_window_asks_for_one_pass_that_ignores_windows() {
    let (server, notify) = serve(([127, 0, 0, 1], 0).into(), None).await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/reconcile?override=window", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("ignores change windows")
    );
    tokio::time::timeout(Duration::from_secs(5), notify.requested())
        .await
        .expect("the reconcile loop is notified");
    assert!(notify.take_override(), "the override reaches the loop");
    assert!(!notify.take_override(), "and only once");
    let response = client
        .post(format!("{}/reconcile?override=everything", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("?override=window"));
    assert!(!notify.take_override());
    server.shutdown().await;
}

#[tokio::test]
async fn an_override_on_a_guarded_listener_needs_the_admin_token_like_any_reconcile() {
    let (server, notify) = serve(([0, 0, 0, 0], 0).into(), Some("s3cret")).await;
    let url = format!("{}/reconcile?override=window", server.url());
    let client = reqwest::Client::new();
    let response = client.post(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(!notify.take_override(), "a refused override is not kept");
    let response = client
        .post(&url)
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert!(notify.take_override());
    server.shutdown().await;
}

#[test]
fn the_page_shows_the_window_that_holds_writes_escaped() {
    let mut status = ControllerStatus::default();
    let project = ProjectStatus {
        name: "ctl".into(),
        window: Some(WindowStatus {
            held: true,
            message: "writes held by deny window \"<b>\" until 2026-12-07T09:00:00Z".into(),
            ..WindowStatus::default()
        }),
        ..ProjectStatus::default()
    };
    status.projects.insert("ctl".into(), project);
    let page = render_page(&status);
    assert!(page.contains("writes held by window"), "{page}");
    assert!(
        page.contains(
            "writes held by deny window &quot;&lt;b&gt;&quot; until 2026-12-07T09:00:00Z"
        ),
        "{page}"
    );
    assert!(!page.contains("<b>"));
    assert!(!page.contains("<script"));
}
