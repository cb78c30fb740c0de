//! Deployment logs and cancelling (R42, R44): build and deploy lines per phase, the reason of a
//! failed build or a crash written last, and `deploymentCancel` ending a build as an abort.

use crate::support::sandbox_common as common;
use crate::support::sandbox_deployments as deployments;

use common::*;
use deployments::*;
use railway_operator::sandbox::{DeploymentOutcome, SandboxConfig};
use serde_json::{Value, json};

const LOGS: &str = "query($id: String!) {
    buildLogs(deploymentId: $id, limit: 50) { message severity timestamp attributes { key value } }
    deploymentLogs(deploymentId: $id, limit: 50) { message severity timestamp } }";

fn messages(logs: &Value) -> Vec<String> {
    logs.as_array()
        .unwrap()
        .iter()
        .map(|line| line["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn r44_a_failed_build_writes_its_reason_last_and_no_deploy_lines() {
    let sandbox = start(SandboxConfig {
        deploy_outcomes: vec![("api".into(), DeploymentOutcome::Failed)],
        ..config(300)
    })
    .await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "FAILED").await;
    let logs = data(&sandbox, LOGS, json!({ "id": id })).await;
    let build = messages(&logs["buildLogs"]);
    assert!(build.len() >= 3, "{build:?}");
    assert!(
        build.last().unwrap().starts_with("Build failed"),
        "{build:?}"
    );
    assert_eq!(logs["deploymentLogs"], json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r44_a_crash_writes_its_reason_last_in_the_deploy_logs() {
    let sandbox = start(SandboxConfig {
        deploy_outcomes: vec![("api".into(), DeploymentOutcome::Crashed)],
        ..config(300)
    })
    .await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "CRASHED").await;
    let logs = data(&sandbox, LOGS, json!({ "id": id })).await;
    let deploy = messages(&logs["deploymentLogs"]);
    assert_eq!(
        deploy.first().map(String::as_str),
        Some("Starting Container")
    );
    assert!(
        deploy.last().unwrap().contains("exited with code 1"),
        "{deploy:?}"
    );
    let limited = data(
        &sandbox,
        "query($id: String!) { deploymentLogs(deploymentId: $id, limit: 1) { message } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        messages(&limited["deploymentLogs"]),
        vec![deploy.last().unwrap().clone()]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_cancelled_build_is_removed_and_a_finished_deployment_is_left_alone() {
    let sandbox = start(config(3000)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    let cancel = "mutation($id: String!) { deploymentCancel(id: $id) }";
    data(&sandbox, cancel, json!({ "id": id })).await;
    let seen = watch(&sandbox, &id, |s| s == "REMOVED").await;
    assert!(seen.contains(&"REMOVED".to_string()), "{seen:?}");
    let next = deploy(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &next, "SUCCESS").await;
    data(&sandbox, cancel, json!({ "id": next })).await;
    assert_eq!(status(&sandbox, &next).await, "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn build_logs_are_found_by_snapshot_as_railways_cli_asks_for_them() {
    let sandbox = start(config(100)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    let snapshot = data(
        &sandbox,
        "query($id: String!) { deployment(id: $id) { snapshotId environmentId createdAt } }",
        json!({ "id": id }),
    )
    .await["deployment"]["snapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    let logs = data(
        &sandbox,
        "query EnvironmentLogs($environmentId: String!, $filter: String, $beforeLimit: Int) {
            environmentLogs(environmentId: $environmentId, filter: $filter, beforeLimit: $beforeLimit) { message } }",
        json!({ "environmentId": environment_id, "filter": format!("(@snapshot:{snapshot} OR @replica:{snapshot})"), "beforeLimit": 500 }),
    )
    .await;
    let lines = messages(&logs["environmentLogs"]);
    assert!(lines.iter().any(|l| l.contains("nginx:1.27")), "{lines:?}");
    sandbox.shutdown().await;
}
