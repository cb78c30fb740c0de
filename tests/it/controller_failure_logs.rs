//! R44 in `run`: when the latest deployment of a service fails, its last log lines reach the
//! project's status (`/status` and the page), read once per deployment, secrets masked.

use crate::support;
use crate::support::controller;

use std::fs;
use std::time::Duration;

use controller::{http_text, start};
use railway_operator::controller::source::SourceSpec;
use railway_operator::controller::status::ProjectStatus;
use railway_operator::sandbox::{DeploymentOutcome, SandboxConfig};
use serde_json::Value;
use support::*;

/// `api`'s image tag is the value of a secret, so its build logs print it unless masked.
const SECRET: &str = "tok-8c21d4";

const MANIFEST: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: ctl-logs }
spec:
  environments: { production: {} }
  services:
    api:
      source: { image: \"registry.example.com/api:tok-8c21d4\" }
      variables: { REGISTRY_TOKEN: { fromFile: registry-token } }
    web:
      source: { image: \"nginx:1.27\" }
";

fn api_lines(project: &ProjectStatus) -> Vec<String> {
    project
        .environments
        .iter()
        .flat_map(|e| &e.services)
        .find(|s| s.name == "api")
        .map(|s| s.last_log_lines.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn run_shows_a_failed_builds_last_log_lines_in_the_status_once_read_and_masked() {
    let failed = vec![("api".to_string(), DeploymentOutcome::Failed)];
    let sandbox = sandbox_with(SandboxConfig {
        deploy_duration: Duration::from_millis(300),
        deploy_outcomes: failed,
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("registry-token"), SECRET).expect("write the secret");
    let file = dir.path().join("ctl.yml");
    fs::write(&file, MANIFEST).expect("write the manifest");
    let running = start(
        &sandbox,
        SourceSpec::Path(file),
        Duration::from_millis(500),
        true,
    )
    .await;

    running
        .wait_for("ctl-logs", Duration::from_secs(20), |p| {
            !api_lines(p).is_empty()
        })
        .await;
    let project = running.project("ctl-logs").expect("the project's status");
    let lines = api_lines(&project);
    assert!(
        lines.last().is_some_and(|l| l.starts_with("Build failed")),
        "the reason comes last: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("registry.example.com/api:***")),
        "{lines:?}"
    );
    let web = project.environments[0]
        .services
        .iter()
        .find(|s| s.name == "web")
        .expect("web's status");
    assert!(
        web.last_log_lines.is_empty(),
        "a live deployment shows none"
    );

    let json = http_text(&running, "/status").await;
    let _: Value = serde_json::from_str(&json).expect("/status is JSON");
    assert!(json.contains("\"lastLogLines\""), "{json}");
    let page = http_text(&running, "/").await;
    assert!(page.contains("log line(s)</summary>"), "{page}");
    for text in [&json, &page] {
        assert!(!text.contains(SECRET), "the secret is masked: {text}");
    }

    // Later passes find the same failed deployment: its logs are not read again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counters = stats(&sandbox).await;
    let (deploy_reads, build_reads) = (
        count(&counters, "DeploymentLogs"),
        count(&counters, "BuildLogs"),
    );
    println!(
        "run over a failed build: {deploy_reads} deploymentLogs and {build_reads} buildLogs request(s) in {} in all",
        total(&counters)
    );
    assert_eq!((deploy_reads, build_reads), (1, 1), "read once: {counters}");
    running.stop().await;
    sandbox.shutdown().await;
}
