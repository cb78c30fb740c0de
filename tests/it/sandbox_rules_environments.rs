//! The sandbox follows Railway's environment rules (R1-R3, R5-R17, R19-R21, R31's patch route):
//! forks, scoping of service mutations, the EnvironmentConfig blob, patches, staged changes and
//! placement. One test per rule, named after it.

use crate::support::sandbox_common as common;

use std::time::Duration;

use common::*;
use railway_operator::sandbox::{InstanceUpdateScope, Sandbox, SandboxConfig};
use serde_json::{Value, json};

const ENVIRONMENT: &str = "query($id: String!) { environment(id: $id) {
    id name sourceEnvironment { id } unmergedChangesCount configEtag } }";
const LIVE_INSTANCES: &str =
    "query($id: String!) { environment(id: $id) { serviceInstances(first: 500) {
    edges { node { id serviceId deletedAt numReplicas region startCommand healthcheckPath
        cronSchedule latestDeployment { id } } } } } }";
const CONFIG: &str = "query($id: String!, $decrypt: Boolean) { environment(id: $id) {
    config(decryptVariables: $decrypt) } }";
const PATCH_COMMIT: &str = "mutation EnvironmentPatchCommit($environmentId: String!, $patch: EnvironmentConfig, $commitMessage: String) {
    environmentPatchCommit(environmentId: $environmentId, patch: $patch, commitMessage: $commitMessage) }";
const STAGE: &str = "mutation EnvironmentStageChanges($environmentId: String!, $input: EnvironmentConfig!, $merge: Boolean) {
    environmentStageChanges(environmentId: $environmentId, input: $input, merge: $merge) { id status } }";
const STAGED: &str = "query EnvironmentStagedChanges($environmentId: String!) {
    environmentStagedChanges(environmentId: $environmentId) { id status patch(decryptVariables: true) } }";
const COMMIT_STAGED: &str =
    "mutation EnvironmentPatchCommitStaged($environmentId: String!, $skipDeploys: Boolean) {
    environmentPatchCommitStaged(environmentId: $environmentId, skipDeploys: $skipDeploys) }";
const INSTANCE_UPDATE: &str =
    "mutation($serviceId: String!, $environmentId: String, $input: ServiceInstanceUpdateInput!) {
    serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input) }";
const SERVICE_DELETE: &str = "mutation($id: String!, $environmentId: String) {
    serviceDelete(id: $id, environmentId: $environmentId) }";
const UPSERT: &str =
    "mutation($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";

async fn sandbox() -> Sandbox {
    start(SandboxConfig::default()).await
}

async fn environment(sandbox: &Sandbox, id: &str) -> Value {
    data(sandbox, ENVIRONMENT, json!({ "id": id })).await["environment"].clone()
}

/// Creates an environment with `input` extra fields; returns its id.
async fn environment_create(
    sandbox: &Sandbox,
    project_id: &str,
    name: &str,
    extra: Value,
) -> String {
    let mut input = json!({ "projectId": project_id, "name": name });
    for (key, value) in extra.as_object().unwrap() {
        input[key] = value.clone();
    }
    let created = data(
        sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    created["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn service(sandbox: &Sandbox, input: Value) -> String {
    let created = create_service(sandbox, input).await;
    assert!(created.get("errors").is_none(), "{created}");
    created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The live instances of an environment, by service id.
async fn live(
    sandbox: &Sandbox,
    environment_id: &str,
) -> std::collections::BTreeMap<String, Value> {
    let found = data(sandbox, LIVE_INSTANCES, json!({ "id": environment_id })).await;
    found["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .filter(|node| node["deletedAt"].is_null())
        .map(|node| (node["serviceId"].as_str().unwrap().to_string(), node))
        .collect()
}

async fn config(sandbox: &Sandbox, environment_id: &str, decrypt: bool) -> Value {
    data(
        sandbox,
        CONFIG,
        json!({ "id": environment_id, "decrypt": decrypt }),
    )
    .await["environment"]["config"]
        .clone()
}

async fn commit(sandbox: &Sandbox, environment_id: &str, patch: Value) -> Value {
    gql(
        sandbox,
        PATCH_COMMIT,
        json!({ "environmentId": environment_id, "patch": patch }),
    )
    .await
}

async fn commit_ok(sandbox: &Sandbox, environment_id: &str, patch: Value) {
    let answer = commit(sandbox, environment_id, patch).await;
    assert!(answer.get("errors").is_none(), "{answer}");
}

async fn instance_update(
    sandbox: &Sandbox,
    service_id: &str,
    environment_id: Option<&str>,
    input: Value,
) -> Value {
    gql(
        sandbox,
        INSTANCE_UPDATE,
        json!({ "serviceId": service_id, "environmentId": environment_id, "input": input }),
    )
    .await
}

async fn etag(sandbox: &Sandbox, environment_id: &str) -> Value {
    environment(sandbox, environment_id).await["configEtag"].clone()
}

async fn placement(sandbox: &Sandbox, environment_id: &str, service_id: &str) -> Value {
    config(sandbox, environment_id, false).await["services"][service_id]["deploy"]
        ["multiRegionConfig"]
        .clone()
}

fn error_message(answer: &Value) -> String {
    answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {answer}"))
        .to_string()
}

fn deployment_id(instance: &Value) -> Value {
    instance["latestDeployment"]["id"].clone()
}

/// A project ("production") with a second non-fork ("staging") and an image service `api`.
async fn two_non_forks(sandbox: &Sandbox) -> (String, String, String, String) {
    let (project_id, production) = create_project(sandbox, "shop").await;
    let staging = environment_create(sandbox, &project_id, "staging", json!({})).await;
    let api = service(
        sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx:1" } }),
    )
    .await;
    (project_id, production, staging, api)
}

#[path = "sandbox_rules_environments/config.rs"]
mod config;
#[path = "sandbox_rules_environments/forks.rs"]
mod forks;
#[path = "sandbox_rules_environments/placement.rs"]
mod placement;

/// Guess from the schema's `ServiceInstance.deletedAt`: both lists hold an instance removed with
/// `isDeleted` (R9), with its `deletedAt` set.
#[tokio::test]
async fn environment_and_service_list_a_removed_instance_alike_with_its_deleted_at() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    let by_environment = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { serviceInstances { edges { node { serviceId environmentId deletedAt } } } } }",
        json!({ "id": production }),
    )
    .await;
    let by_service = data(
        &sandbox,
        "query($id: String!) { service(id: $id) { serviceInstances { edges { node { serviceId environmentId deletedAt } } } } }",
        json!({ "id": api }),
    )
    .await;
    let removed = |list: &Value| -> Vec<Value> {
        nodes(list)
            .into_iter()
            .filter(|n| n["serviceId"] == api.as_str() && n["environmentId"] == production.as_str())
            .collect()
    };
    let from_environment = removed(&by_environment["environment"]["serviceInstances"]);
    let from_service = removed(&by_service["service"]["serviceInstances"]);
    assert_eq!(from_environment.len(), 1);
    assert!(!from_environment[0]["deletedAt"].is_null());
    assert_eq!(from_environment, from_service);
    sandbox.shutdown().await;
}
