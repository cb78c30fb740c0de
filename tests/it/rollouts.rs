//! `apply --wait` against the sandbox's deployment lifecycle (R42, R44): it follows each deploy
//! it started until the deployment is live, failed or crashed, and says which did not go live.

use crate::support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use railway_operator::sandbox::{DeploymentOutcome, Sandbox, SandboxConfig};
use serde_json::Value;
use support::*;

const SHOP: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: shop }
spec:
  environments: { production: {} }
  services:
    api:
      source: { image: \"nginx:1.27\" }
      variables: { MODE: one }
    worker:
      source: { image: \"busybox:1.36\" }
      variables: { MODE: one }
";

async fn lifecycle_sandbox(outcomes: Vec<(String, DeploymentOutcome)>) -> Sandbox {
    sandbox_with(SandboxConfig {
        deploy_duration: Duration::from_millis(900),
        deploy_outcomes: outcomes,
        ..SandboxConfig::default()
    })
    .await
}

async fn apply(sandbox: &Sandbox, dir: &Path, text: &str, extra: &[&str]) -> (i32, String, String) {
    let file = dir.join("shop.yml");
    fs::write(&file, text).expect("write the manifest");
    let file = file.to_string_lossy().to_string();
    let mut args = vec!["apply", "-f", file.as_str()];
    args.extend(extra);
    cli(sandbox, &args).await
}

#[tokio::test]
async fn apply_wait_exits_0_once_every_deploy_it_started_is_live() {
    let sandbox = lifecycle_sandbox(Vec::new()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    reset_stats(&sandbox).await;
    let (code, out, err) = apply(&sandbox, dir.path(), SHOP, &["--wait"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Waiting for 2 deployment(s), at most 10m"),
        "{out}"
    );
    for service in ["api[production]", "worker[production]"] {
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(service)).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("healthy") && l.contains("(SUCCESS)")),
            "{service} ends healthy: {out}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("building") || l.contains("deploying")),
            "without a terminal, one line per transition: {out}"
        );
    }
    let polls = count(&stats(&sandbox).await, "EnvironmentDeployments");
    println!("apply --wait over 2 deploys of 0.9 s: {polls} deployments read(s)");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn apply_wait_exits_1_naming_the_crashed_service_its_deployment_and_status() {
    let crash = vec![("worker".to_string(), DeploymentOutcome::Crashed)];
    let sandbox = lifecycle_sandbox(crash).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = apply(&sandbox, dir.path(), SHOP, &["--wait"]).await;
    assert_eq!(code, 1, "{out}{err}");
    let named: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("worker[production]"))
        .collect();
    assert_eq!(named.len(), 1, "the crashed service is named once: {err}");
    assert!(
        named[0].contains("crashed") && named[0].contains("is CRASHED"),
        "{err}"
    );
    assert!(
        named[0].contains("deployment "),
        "with its deployment id: {err}"
    );
    assert!(
        !err.contains("api[production]"),
        "the live one is not named as failed: {err}"
    );
    assert!(err.contains("1 deployment(s) did not go live"), "{err}");
    // R44: the last lines of its logs say why, the crash's reason last.
    assert!(err.contains("last 3 log line(s):"), "{err}");
    assert!(err.contains("    | Starting Container"), "{err}");
    assert!(err.contains("exited with code 1"), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn apply_json_with_wait_is_one_document_with_the_followed_deployments() {
    let sandbox = lifecycle_sandbox(Vec::new()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = apply(&sandbox, dir.path(), SHOP, &["--wait", "--json"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let document: Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    let rollouts = document["rollouts"].as_array().cloned().unwrap_or_default();
    assert_eq!(rollouts.len(), 2, "{document}");
    for rollout in &rollouts {
        assert_eq!(rollout["status"], "SUCCESS", "{rollout}");
        assert_eq!(rollout["phase"], "healthy", "{rollout}");
        assert!(rollout["deploymentId"].is_string(), "{rollout}");
    }
    assert_eq!(document["rolloutsSucceeded"], true);
    assert!(
        document["applied"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert!(
        err.contains("Waiting for 2 deployment(s)"),
        "progress goes to stderr: {err}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn plan_json_reports_each_instance_latest_deployment_and_health() {
    let crash = vec![("worker".to_string(), DeploymentOutcome::Crashed)];
    let sandbox = lifecycle_sandbox(crash).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = apply(&sandbox, dir.path(), SHOP, &["--wait"]).await;
    assert_eq!(code, 1, "{out}{err}");
    let changed = SHOP.replacen("MODE: one", "MODE: two", 1);
    fs::write(dir.path().join("shop.yml"), changed).expect("write");
    let file = dir.path().join("shop.yml").to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["plan", "--json", "-f", &file]).await;
    assert_eq!(code, 0, "{out}{err}");
    let plan: Value = serde_json::from_str(&out).expect("plan --json is JSON");
    let rows = plan["deployments"].as_array().cloned().unwrap_or_default();
    let row = |service: &str| {
        rows.iter()
            .find(|r| r["service"] == service)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(row("api")["health"], "Healthy", "{plan}");
    assert_eq!(
        row("api")["deploys"],
        true,
        "api's variable changed: {plan}"
    );
    assert_eq!(row("worker")["health"], "Degraded", "{plan}");
    assert_eq!(row("worker")["latestDeployment"]["status"], "CRASHED");
    assert_eq!(row("worker")["deploys"], false);
    sandbox.shutdown().await;
}
