//! Helpers for the sandbox deployment tests: deploy, read and watch deployments, force outcomes.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

use super::sandbox_common::*;

pub const DEPLOYMENT_FIELDS: &str =
    "id status createdAt updatedAt serviceId environmentId projectId
    staticUrl url canRedeploy canRollback deploymentStopped meta instances { id status }";

pub const LIST: &str = "query Deployments($input: DeploymentListInput!, $first: Int) {
    deployments(input: $input, first: $first) { edges { node {
        id status createdAt updatedAt serviceId environmentId projectId
        staticUrl url canRedeploy canRollback deploymentStopped meta instances { id status } } } } }";

pub const DEPLOY_V2: &str = "mutation ServiceInstanceDeployV2($e: String!, $s: String!) {
    serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }";

pub fn config(deploy_ms: u64) -> SandboxConfig {
    SandboxConfig {
        deploy_duration: Duration::from_millis(deploy_ms),
        ..SandboxConfig::default()
    }
}

/// A project with one `api` service built from an image; returns (project, environment, service).
pub async fn api_service(sandbox: &Sandbox) -> (String, String, String) {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let created = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx:1.27" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id, service_id)
}

pub async fn deployment(sandbox: &Sandbox, id: &str) -> Value {
    let query = format!("query($id: String!) {{ deployment(id: $id) {{ {DEPLOYMENT_FIELDS} }} }}");
    data(sandbox, &query, json!({ "id": id })).await["deployment"].clone()
}

pub async fn status(sandbox: &Sandbox, id: &str) -> String {
    deployment(sandbox, id).await["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Polls the deployment every 20 ms until `done` holds of its status; returns every distinct
/// status seen, in order.
pub async fn watch(sandbox: &Sandbox, id: &str, done: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen: Vec<String> = Vec::new();
    loop {
        let current = status(sandbox, id).await;
        if seen.last() != Some(&current) {
            seen.push(current.clone());
        }
        if done(&current) {
            return seen;
        }
        assert!(Instant::now() < deadline, "{id} never finished: {seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn until(sandbox: &Sandbox, id: &str, wanted: &str) -> Vec<String> {
    watch(sandbox, id, |s| s == wanted).await
}

pub async fn list(sandbox: &Sandbox, input: Value) -> Vec<Value> {
    let found = data(sandbox, LIST, json!({ "input": input, "first": 100 })).await;
    found["deployments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

pub async fn count(sandbox: &Sandbox, service_id: &str) -> usize {
    list(sandbox, json!({ "serviceId": service_id }))
        .await
        .len()
}

pub async fn latest_id(sandbox: &Sandbox, environment_id: &str, service_id: &str) -> String {
    let instance = instances(sandbox, environment_id)
        .await
        .into_iter()
        .find(|i| i["serviceId"] == service_id)
        .expect("instance");
    instance["latestDeployment"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn deploy(sandbox: &Sandbox, environment_id: &str, service_id: &str) -> String {
    let deployed = data(
        sandbox,
        DEPLOY_V2,
        json!({ "e": environment_id, "s": service_id }),
    )
    .await;
    deployed["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn set_outcome(sandbox: &Sandbox, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/deployments/outcome",
            sandbox.base_url()
        ))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

pub async fn update_instance(
    sandbox: &Sandbox,
    environment_id: &str,
    service_id: &str,
    input: Value,
) {
    data(
        sandbox,
        "mutation($e: String, $s: String!, $input: ServiceInstanceUpdateInput!) {
            serviceInstanceUpdate(environmentId: $e, serviceId: $s, input: $input) }",
        json!({ "e": environment_id, "s": service_id, "input": input }),
    )
    .await;
}
