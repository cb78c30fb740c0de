//! Health in `run` against the sandbox's deployment lifecycle (R42): a crashed deployment turns
//! its service Degraded and the project not Ready, a fix turns it Healthy again, and
//! `deploy.onFailure: rollback` redeploys the last live deployment exactly once.

use crate::support;
use crate::support::browser;
use crate::support::controller;

use std::fs;
use std::time::Duration;

use controller::*;
use railway_operator::controller::status::ProjectStatus;
use railway_operator::notify::EventKind;
use railway_operator::rollout::Health;
use railway_operator::sandbox::{DeploymentOutcome, Sandbox, SandboxConfig};
use serde_json::json;
use support::*;

fn shop(worker_version: u32, on_failure: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1
kind: Project
metadata: {{ name: ctl }}
spec:
  environments: {{ production: {{}} }}
  services:
    api:
      source: {{ image: \"api:1\" }}
    worker:
      source: {{ image: \"worker:1\" }}
      deploy: {{ onFailure: {on_failure} }}
      variables: {{ VERSION: \"{worker_version}\" }}
"
    )
}

async fn lifecycle_sandbox(outcomes: Vec<(String, DeploymentOutcome)>) -> Sandbox {
    sandbox_with(SandboxConfig {
        deploy_duration: Duration::from_millis(300),
        deploy_outcomes: outcomes,
        ..SandboxConfig::default()
    })
    .await
}

async fn set_outcome(sandbox: &Sandbox, service: &str, outcome: &str) {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/deployments/outcome",
            sandbox.base_url()
        ))
        .json(&json!({ "service": service, "outcome": outcome }))
        .send()
        .await
        .expect("the outcome is set");
    assert!(response.status().is_success());
}

fn health(project: &ProjectStatus, service: &str) -> Option<Health> {
    project
        .environments
        .iter()
        .flat_map(|e| &e.services)
        .find(|s| s.name == service)
        .map(|s| s.health)
}

fn timeline_kinds(running: &Running) -> Vec<EventKind> {
    running
        .status
        .read()
        .map(|s| s.timeline.iter().map(|e| e.kind).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn run_turns_a_crashed_service_degraded_then_healthy_after_a_fix() {
    let crash = vec![("worker".to_string(), DeploymentOutcome::Crashed)];
    let sandbox = lifecycle_sandbox(crash).await;
    let (_dir, file, running) =
        run_manifest(&sandbox, &shop(1, "report"), Duration::from_secs(60), true).await;
    running
        .wait_for("ctl", Duration::from_secs(30), |p| {
            health(p, "worker") == Some(Health::Degraded)
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert!(!project.conditions.ready.status);
    assert_eq!(project.conditions.ready.reason, "Degraded");
    assert!(
        project
            .conditions
            .ready
            .message
            .contains("worker[production] (CRASHED)"),
        "{}",
        project.conditions.ready.message
    );
    assert_eq!(health(&project, "api"), Some(Health::Healthy));
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains(
            "railway_operator_service_health{project=\"ctl\",environment=\"production\",service=\"worker\",state=\"Degraded\"} 1"
        ),
        "{metrics}"
    );

    page_in_a_browser_shows_the_health(&running).await;

    set_outcome(&sandbox, "worker", "SUCCESS").await;
    fs::write(&file, shop(2, "report")).expect("edit");
    running
        .wait_for("ctl", Duration::from_secs(30), |p| {
            health(p, "worker") == Some(Health::Healthy) && p.conditions.ready.status
        })
        .await;
    let kinds = timeline_kinds(&running);
    let failed = kinds
        .iter()
        .filter(|k| **k == EventKind::DeploymentFailed)
        .count();
    assert_eq!(
        failed, 1,
        "one event per state change, not per pass: {kinds:?}"
    );
    assert!(kinds.contains(&EventKind::DeploymentRecovered), "{kinds:?}");
    let page = http_text(&running, "/").await;
    assert!(page.contains("Recent events") && page.contains("deployment.recovered"));
    running.stop().await;
}

#[tokio::test]
async fn on_failure_rollback_redeploys_the_last_live_deployment_exactly_once() {
    let sandbox = lifecycle_sandbox(Vec::new()).await;
    let (_dir, file, running) = run_manifest(
        &sandbox,
        &shop(1, "rollback"),
        Duration::from_secs(1),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(30), |p| {
            p.conditions.ready.status
        })
        .await;
    // FAILED, not CRASHED: the sandbox's CRASHED also kills the running deployment, which
    // would leave nothing live to roll back to.
    set_outcome(&sandbox, "worker", "FAILED").await;
    reset_stats(&sandbox).await;
    fs::write(&file, shop(2, "rollback")).expect("edit");
    running
        .wait_for("ctl", Duration::from_secs(30), |_| {
            timeline_kinds(&running).contains(&EventKind::RolledBack)
        })
        .await;
    running
        .wait_for("ctl", Duration::from_secs(30), |p| {
            health(p, "worker") == Some(Health::Healthy) && p.conditions.ready.status
        })
        .await;
    // Several more passes (1 s interval) with the crashing revision still in force.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "DeploymentRollback"), 1, "{stats}");
    let kinds = timeline_kinds(&running);
    let rolled_back = kinds
        .iter()
        .filter(|k| **k == EventKind::RolledBack)
        .count();
    assert_eq!(rolled_back, 1, "{kinds:?}");
    assert_eq!(
        health(&running.project("ctl").expect("status"), "worker"),
        Some(Health::Healthy),
        "the rollback stays live: nothing redeployed the crashing revision"
    );
    println!(
        "rollback: {} request(s) to Railway over the crash, the rollback and 4 s of passes",
        total(&stats)
    );
    running.stop().await;
}

/// The status page in headless Chromium: the Degraded badge, the timeline, and a screenshot
/// (written to `RAILWAY_OPERATOR_SCREENSHOT_DIR` when set, which is how docs/status-page.png is made).
async fn page_in_a_browser_shows_the_health(running: &Running) {
    let Some(chromium) = browser::find_chromium() else {
        eprintln!("\n*** SKIPPED: no Chromium (install with: apt-get install -y chromium) ***\n");
        return;
    };
    let url = format!("{}/", running.http_url.clone().expect("run serves HTTP"));
    let dom = browser::dump_dom(&chromium, &url)
        .await
        .expect("chromium dumps the DOM");
    for text in ["Degraded", "Healthy", "Recent events", "deployment.failed"] {
        assert!(dom.contains(text), "the rendered page lacks {text}:\n{dom}");
    }
    assert!(
        !dom.to_lowercase().contains("<script"),
        "the page has no JavaScript"
    );
    let dir = match std::env::var_os("RAILWAY_OPERATOR_SCREENSHOT_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::env::temp_dir(),
    };
    let png = dir.join("status-page.png");
    browser::screenshot(&chromium, &url, &png)
        .await
        .expect("chromium takes a screenshot");
    let bytes = fs::read(&png).expect("the screenshot is written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    println!(
        "status page screenshot: {} bytes at {}",
        bytes.len(),
        png.display()
    );
}
