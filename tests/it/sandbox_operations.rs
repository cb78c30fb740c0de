//! The operator's own operation files (`graphql/queries`, `graphql/mutations`) run unchanged
//! against the sandbox, and request-level errors carry Railway's codes.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::json;

fn operation(path: &str) -> String {
    std::fs::read_to_string(format!("{}/graphql/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("operation file")
}

#[tokio::test]
async fn the_operators_own_operation_files_run_against_the_sandbox() {
    let sandbox = start(SandboxConfig::default()).await;
    let created = data(
        &sandbox,
        &operation("mutations/ProjectCreate.graphql"),
        json!({ "input": { "name": "shop" } }),
    )
    .await;
    let project_id = created["projectCreate"]["id"].as_str().unwrap().to_string();
    let environment = created["projectCreate"]["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let service = data(
        &sandbox,
        &operation("mutations/ServiceCreate.graphql"),
        json!({ "input": { "projectId": project_id, "name": "api", "source": { "repo": "acme/api" }, "branch": "main" } }),
    )
    .await;
    let service_id = service["serviceCreate"]["id"].as_str().unwrap().to_string();
    let calls = [
        (
            "mutations/EnvironmentPatchCommit.graphql",
            json!({ "environmentId": environment, "patch": { "services": { service_id.clone(): { "source": { "repo": "acme/api", "branch": "dev" }, "deploy": { "numReplicas": 1 }, "variables": { "B": { "value": "2" } } } } } }),
        ),
        (
            "mutations/EnvironmentStageChanges.graphql",
            json!({ "environmentId": environment, "input": { "services": { service_id.clone(): { "deploy": { "startCommand": "./run" } } } }, "merge": true }),
        ),
        (
            "mutations/EnvironmentPatchCommitStaged.graphql",
            json!({ "environmentId": environment, "skipDeploys": true }),
        ),
        (
            "queries/EnvironmentEtags.graphql",
            json!({ "projectId": project_id }),
        ),
        (
            "mutations/VariableCollectionUpsert.graphql",
            json!({ "input": { "projectId": project_id, "environmentId": environment, "serviceId": service_id, "variables": { "A": "1" }, "skipDeploys": true } }),
        ),
        (
            "mutations/ServiceInstanceDeployV2.graphql",
            json!({ "serviceId": service_id, "environmentId": environment }),
        ),
        (
            "mutations/EnvironmentCreate.graphql",
            json!({ "input": { "projectId": project_id, "name": "staging", "sourceEnvironmentId": environment } }),
        ),
        (
            "queries/Projects.graphql",
            json!({ "workspaceId": railway_operator::sandbox::SANDBOX_WORKSPACE_ID }),
        ),
        (
            "queries/ProjectServicesPage.graphql",
            json!({ "projectId": project_id }),
        ),
        (
            "queries/EnvironmentInstancesPage.graphql",
            json!({ "environmentId": environment }),
        ),
    ];
    for (path, variables) in calls {
        data(&sandbox, &operation(path), variables).await;
    }
    let snapshot = data(
        &sandbox,
        &operation("queries/ProjectSnapshot.graphql"),
        json!({ "projectId": project_id, "decryptVariables": true }),
    )
    .await;
    let environments = snapshot["project"]["environments"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(environments.len(), 2);
    let production = environments
        .iter()
        .find(|e| e["node"]["id"] == environment.as_str())
        .unwrap();
    let trigger = &production["node"]["deploymentTriggers"]["edges"][0]["node"];
    assert_eq!(
        trigger["branch"], "dev",
        "one trigger per (service, environment), rewritten"
    );
    assert_eq!(
        production["node"]["deploymentTriggers"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let trigger_id = trigger["id"].as_str().unwrap().to_string();
    let updated = data(
        &sandbox,
        &operation("mutations/DeploymentTriggerUpdate.graphql"),
        json!({ "id": trigger_id, "input": { "branch": "main" } }),
    )
    .await;
    assert_eq!(updated["deploymentTriggerUpdate"]["branch"], "main");
    volume_operations(&sandbox, &project_id, &environment, &service_id).await;
    data(
        &sandbox,
        &operation("mutations/ServiceDelete.graphql"),
        json!({ "id": service_id, "environmentId": environment }),
    )
    .await;
    sandbox.shutdown().await;
}

/// Every volume, backup and workflow operation file, in the order the operator uses them.
async fn volume_operations(
    sandbox: &railway_operator::sandbox::Sandbox,
    project_id: &str,
    environment: &str,
    service_id: &str,
) {
    let created = data(
        sandbox,
        &operation("mutations/VolumeCreate.graphql"),
        json!({ "input": { "projectId": project_id, "environmentId": environment, "serviceId": service_id, "mountPath": "/data" } }),
    )
    .await;
    let volume_id = created["volumeCreate"]["id"].as_str().unwrap().to_string();
    let renamed = data(
        sandbox,
        &operation("mutations/VolumeUpdate.graphql"),
        json!({ "volumeId": volume_id, "input": { "name": "api-data" } }),
    )
    .await;
    assert_eq!(renamed["volumeUpdate"]["name"], "api-data");
    data(
        sandbox,
        &operation("mutations/VolumeInstanceUpdate.graphql"),
        json!({ "volumeId": volume_id, "environmentId": environment, "input": { "mountPath": "/srv/data" } }),
    )
    .await;
    let listed = data(
        sandbox,
        &operation("queries/EnvironmentVolumeInstances.graphql"),
        json!({ "environmentId": environment }),
    )
    .await;
    let instance = &listed["environment"]["volumeInstances"]["edges"][0]["node"];
    assert_eq!(instance["mountPath"], "/srv/data");
    assert_eq!(instance["volume"]["name"], "api-data");
    let instance_id = instance["id"].as_str().unwrap().to_string();
    let snapshot = data(
        sandbox,
        &operation("queries/ProjectSnapshot.graphql"),
        json!({ "projectId": project_id }),
    )
    .await;
    let in_snapshot = snapshot["project"]["environments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["node"]["volumeInstances"]["edges"]
                .as_array()
                .unwrap()
                .clone()
        })
        .any(|edge| edge["node"]["id"] == instance_id.as_str());
    assert!(in_snapshot, "ProjectSnapshot selects volumeInstances");
    data(
        sandbox,
        &operation("mutations/VolumeInstanceBackupScheduleUpdate.graphql"),
        json!({ "volumeInstanceId": instance_id, "kinds": ["DAILY", "WEEKLY"] }),
    )
    .await;
    let started = data(
        sandbox,
        &operation("mutations/VolumeInstanceBackupCreate.graphql"),
        json!({ "volumeInstanceId": instance_id, "name": "before-upgrade" }),
    )
    .await;
    let workflow_id = started["volumeInstanceBackupCreate"]["workflowId"]
        .as_str()
        .unwrap()
        .to_string();
    let status = loop {
        let polled = data(
            sandbox,
            &operation("queries/WorkflowStatus.graphql"),
            json!({ "workflowId": workflow_id }),
        )
        .await;
        let status = polled["workflowStatus"]["status"].clone();
        if status != "Running" {
            break status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(status, "Complete");
    let backups = data(
        sandbox,
        &operation("queries/VolumeInstanceBackups.graphql"),
        json!({ "volumeInstanceId": instance_id }),
    )
    .await;
    let backup = &backups["volumeInstanceBackupList"][0];
    assert_eq!(backup["name"], "before-upgrade");
    data(
        sandbox,
        &operation("mutations/VolumeInstanceBackupDelete.graphql"),
        json!({ "volumeInstanceBackupId": backup["id"], "volumeInstanceId": instance_id }),
    )
    .await;
    data(
        sandbox,
        &operation("mutations/VolumeDelete.graphql"),
        json!({ "volumeId": volume_id }),
    )
    .await;
}

#[tokio::test]
async fn an_update_without_environment_applies_to_every_environment_and_switches_the_source() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    let service = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = service["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    data(
        &sandbox,
        "mutation($s: String!, $input: ServiceInstanceUpdateInput!) { serviceInstanceUpdate(serviceId: $s, input: $input) }",
        json!({ "s": service_id, "input": { "source": { "repo": "acme/api" }, "numReplicas": 2, "builder": "NIXPACKS" } }),
    )
    .await;
    for environment in [&production, &staging] {
        let instance = &instances(&sandbox, environment).await[0];
        assert_eq!(
            instance["source"],
            json!({ "image": null, "repo": "acme/api" })
        );
        assert_eq!(instance["numReplicas"], 2);
        assert_eq!(instance["builder"], "NIXPACKS");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_and_bad_syntax_get_graphql_error_codes() {
    let sandbox = start(SandboxConfig::default()).await;
    let unknown = gql(&sandbox, "query { project(id: \"x\") { nope } }", json!({})).await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let broken = gql(&sandbox, "query { project(", json!({})).await;
    assert_eq!(
        broken["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    sandbox.shutdown().await;
}
