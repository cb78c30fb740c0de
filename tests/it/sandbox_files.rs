//! The sandbox's files: the JSON state file round-trips, the YAML seed file preloads projects,
//! and bad files are reported naming the file.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig, SandboxError};
use serde_json::json;

const SNAPSHOT: &str =
    "query($id: String!) { project(id: $id) { name services { edges { node { id name } } }
    environments(isEphemeral: false) { edges { node { id name serviceInstances { edges { node {
        serviceName numReplicas startCommand source { image repo } } } } } } } } }";

#[tokio::test]
async fn the_state_file_round_trips_across_restarts() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.json");
    let config = SandboxConfig {
        state_file: Some(state_file.clone()),
        ..SandboxConfig::default()
    };
    let sandbox = start(config.clone()).await;
    let (project_id, environment) = create_project(&sandbox, "kept").await;
    create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx" } }),
    )
    .await;
    let before = data(&sandbox, SNAPSHOT, json!({ "id": project_id })).await;
    sandbox.shutdown().await;
    assert!(state_file.exists());
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    assert_eq!(stored["version"], 1);

    let restarted = start(config).await;
    let after = data(&restarted, SNAPSHOT, json!({ "id": project_id })).await;
    assert_eq!(before, after);
    assert_eq!(instances(&restarted, &environment).await.len(), 1);
    restarted.shutdown().await;
}

#[tokio::test]
async fn a_seed_file_preloads_projects_environments_services_and_settings() {
    let directory = tempfile::tempdir().unwrap();
    let seed_file = directory.path().join("seed.yaml");
    std::fs::write(
        &seed_file,
        r#"
projects:
  - name: shop
    id: 11111111-2222-4333-8444-555555555555
    environments:
      - name: production
        sharedVariables: { REGION: eu }
      - name: staging
    services:
      - name: api
        image: nginx:1.27
        variables: { PORT: "8080" }
        settings: { numReplicas: 2, startCommand: ./run }
        environments:
          staging: { numReplicas: 1 }
      - name: web
        repo: acme/web
        branch: main
"#,
    )
    .unwrap();
    let sandbox = start(SandboxConfig {
        seed_file: Some(seed_file),
        ..SandboxConfig::default()
    })
    .await;
    let snapshot = data(
        &sandbox,
        SNAPSHOT,
        json!({ "id": "11111111-2222-4333-8444-555555555555" }),
    )
    .await;
    let project = &snapshot["project"];
    assert_eq!(project["name"], "shop");
    assert_eq!(project["services"]["edges"].as_array().unwrap().len(), 2);
    let environments = project["environments"]["edges"].as_array().unwrap();
    assert_eq!(environments.len(), 2);
    for environment in environments {
        let node = &environment["node"];
        let api = node["serviceInstances"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["serviceName"] == "api")
            .unwrap();
        let replicas = if node["name"] == "staging" { 1 } else { 2 };
        assert_eq!(api["numReplicas"], replicas, "in {}", node["name"]);
        assert_eq!(api["startCommand"], "./run");
        assert_eq!(api["source"]["image"], "nginx:1.27");
    }
    let production = environments
        .iter()
        .find(|e| e["node"]["name"] == "production")
        .unwrap();
    let shared = data(
        &sandbox,
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }",
        json!({ "p": "11111111-2222-4333-8444-555555555555", "e": production["node"]["id"] }),
    )
    .await;
    assert_eq!(shared["variables"], json!({ "REGION": "eu" }));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_bad_seed_file_is_an_error_naming_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let seed_file = directory.path().join("broken-seed.yaml");
    std::fs::write(&seed_file, "projects: [ { nom: x } ]").unwrap();
    let config = SandboxConfig {
        seed_file: Some(seed_file),
        ..SandboxConfig::default()
    };
    let error = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("start fails");
    assert!(matches!(error, SandboxError::SeedFile { .. }));
    assert!(error.to_string().contains("broken-seed.yaml"), "{error}");
}

#[tokio::test]
async fn a_bad_state_file_is_an_error_naming_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("broken-state.json");
    std::fs::write(&state_file, "{ not json").unwrap();
    let config = SandboxConfig {
        state_file: Some(state_file),
        ..SandboxConfig::default()
    };
    let error = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("start fails");
    assert!(matches!(error, SandboxError::StateFile { .. }));
    assert!(error.to_string().contains("broken-state.json"), "{error}");
}

#[tokio::test]
async fn binding_a_busy_address_is_a_bind_error() {
    let first = start(SandboxConfig::default()).await;
    let error = Sandbox::start(SandboxConfig::default(), first.addr())
        .await
        .err()
        .expect("address in use");
    assert!(matches!(error, SandboxError::Bind { .. }), "{error}");
    first.shutdown().await;
}
