//! Railway's rules on volumes and backups, creation throttles, error behaviours, field quirks and
//! limits, as the sandbox enforces them: one test per rule of
//! `railway-semantics.md` (R4, R18, R22–R26, R32, R36–R41), named after it.

use crate::support::sandbox_common as common;

use std::time::Duration;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig, SandboxPlan};
use serde_json::{Value, json};

const VOLUME_CREATE: &str = "mutation VolumeCreate($input: VolumeCreateInput!) {
    volumeCreate(input: $input) { id name } }";
const VOLUME_RENAME: &str = "mutation($id: String!, $input: VolumeUpdateInput!) {
    volumeUpdate(volumeId: $id, input: $input) { id name } }";
const VOLUME_INSTANCE_UPDATE: &str =
    "mutation($v: String!, $e: String, $input: VolumeInstanceUpdateInput!) {
    volumeInstanceUpdate(volumeId: $v, environmentId: $e, input: $input) }";
const PROJECT_VOLUMES: &str = "query($id: String!) { project(id: $id) { volumes { edges { node {
    id name volumeInstances { edges { node { id environmentId serviceId mountPath deletedAt } } } } } } } }";
const ENVIRONMENT_VOLUME_INSTANCES: &str = "query($id: String!) { environment(id: $id) {
    volumeInstances { edges { node { id volumeId serviceId mountPath } } } } }";
const BACKUPS: &str = "query($id: String!) { volumeInstanceBackupList(volumeInstanceId: $id) {
    id name createdAt expiresAt scheduleId } }";

/// Railway's limits, minus those a test does not look at: no creation throttles and no cap on
/// unidentified clients (the test helpers do not identify themselves).
fn relaxed() -> SandboxConfig {
    SandboxConfig {
        create_cooldown: Some(Duration::ZERO),
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    }
}

/// Starts the sandbox exactly as configured (the shared `start` relaxes the limits).
async fn start_as(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

fn code(envelope: &Value) -> &str {
    envelope["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// A project with one service `db`: (project, environment, service).
async fn project_with_service(sandbox: &Sandbox) -> (String, String, String) {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let created = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": "db", "source": { "image": "postgres:16" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"].as_str().unwrap();
    (project_id, environment_id, service_id.to_string())
}

async fn create_volume(sandbox: &Sandbox, input: Value) -> Value {
    gql(sandbox, VOLUME_CREATE, json!({ "input": input })).await
}

/// A volume mounted at `/data` on the service: (volume id, volume instance id).
async fn mounted_volume(sandbox: &Sandbox, ids: &(String, String, String)) -> (String, String) {
    let created = create_volume(
        sandbox,
        json!({ "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2, "mountPath": "/data" }),
    )
    .await;
    let volume_id = created["data"]["volumeCreate"]["id"].as_str().unwrap();
    let instance = environment_volume_instances(sandbox, &ids.1).await[0]["id"].clone();
    (
        volume_id.to_string(),
        instance.as_str().unwrap().to_string(),
    )
}

async fn project_volumes(sandbox: &Sandbox, project_id: &str) -> Vec<Value> {
    let found = data(sandbox, PROJECT_VOLUMES, json!({ "id": project_id })).await;
    nodes(&found["project"]["volumes"])
}

async fn environment_volume_instances(sandbox: &Sandbox, environment_id: &str) -> Vec<Value> {
    let found = data(
        sandbox,
        ENVIRONMENT_VOLUME_INSTANCES,
        json!({ "id": environment_id }),
    )
    .await;
    nodes(&found["environment"]["volumeInstances"])
}

async fn admin(sandbox: &Sandbox, path: &str, body: String) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/{path}", sandbox.base_url()))
        .body(body)
        .send()
        .await
        .unwrap()
}

const TWO_ENVIRONMENTS_SEED: &str = r#"
projects:
  - name: shop
    environments:
      - name: production
      - name: staging
    services:
      - name: db
        image: postgres:16
        volume:
          name: pgdata
          mountPath: /var/lib/postgresql/data
"#;

/// A sandbox holding one volume with an instance in each of two environments: (sandbox,
/// project id, volume id).
async fn volume_in_two_environments(directory: &tempfile::TempDir) -> (Sandbox, String, String) {
    let seed_file = directory.path().join("seed.yaml");
    std::fs::write(&seed_file, TWO_ENVIRONMENTS_SEED).unwrap();
    let sandbox = start_as(SandboxConfig {
        seed_file: Some(seed_file),
        ..relaxed()
    })
    .await;
    let projects = data(
        &sandbox,
        "query { projects { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let project_id = projects["projects"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let volume_id = project_volumes(&sandbox, &project_id).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (sandbox, project_id, volume_id)
}

#[path = "sandbox_rules_volumes_errors/errors.rs"]
mod errors;
#[path = "sandbox_rules_volumes_errors/throttles.rs"]
mod throttles;
#[path = "sandbox_rules_volumes_errors/volumes.rs"]
mod volumes;
