//! The sandbox follows Railway's environment rules (R1-R3, R5-R17, R19-R21, R31's patch route):
//! forks, scoping of service mutations, the EnvironmentConfig blob, patches, staged changes and
//! placement. One test per rule, named after it.

#[path = "support/sandbox_common.rs"]
mod common;

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

#[tokio::test]
async fn r1_an_environment_created_from_a_source_is_a_fork_and_no_other_is() {
    let sandbox = sandbox().await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let plain =
        environment_create(&sandbox, &project_id, "plain", json!({ "ephemeral": true })).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    assert!(environment(&sandbox, &production).await["sourceEnvironment"].is_null());
    assert!(environment(&sandbox, &plain).await["sourceEnvironment"].is_null());
    assert_eq!(
        environment(&sandbox, &fork).await["sourceEnvironment"]["id"],
        json!(production)
    );
}

#[tokio::test]
async fn r2_a_copy_takes_instances_unsealed_variables_and_volumes_and_deploys_them() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let upsert = |service_id: Option<&str>, variables: Value| {
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": service_id, "variables": variables, "skipDeploys": true } })
    };
    data(
        &sandbox,
        UPSERT,
        upsert(Some(&api), json!({ "PORT": "8080" })),
    )
    .await;
    data(&sandbox, UPSERT, upsert(None, json!({ "REGION": "eu" }))).await;
    let volume = data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "mountPath": "/data" } }),
    )
    .await["volumeCreate"]["id"]
        .clone();

    let fork = environment_create(
        &sandbox,
        &project_id,
        "copy",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let copied = live(&sandbox, &fork).await;
    assert!(copied.contains_key(&api));
    assert!(!deployment_id(&copied[&api]).is_null(), "the copy deploys");
    let blob = config(&sandbox, &fork, true).await;
    assert_eq!(blob["services"][&api]["variables"]["PORT"]["value"], "8080");
    assert_eq!(blob["sharedVariables"]["REGION"]["value"], "eu");
    let volume_id = volume.as_str().unwrap();
    assert_eq!(blob["volumes"][volume_id]["sizeMB"], 50000);
    assert_eq!(
        blob["services"][&api]["volumeMounts"][volume_id]["mountPath"],
        "/data"
    );

    let quiet = environment_create(
        &sandbox,
        &project_id,
        "quiet",
        json!({ "sourceEnvironmentId": production, "skipInitialDeploys": true }),
    )
    .await;
    assert!(deployment_id(&live(&sandbox, &quiet).await[&api]).is_null());
}

#[tokio::test]
async fn r2_sealed_variables_are_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(
        &seed,
        "projects:\n  - name: shop\n    environments:\n      - name: production\n        sharedVariables: { OPEN: a, SECRET: b }\n        sealedSharedVariables: [SECRET]\n",
    )
    .unwrap();
    let sandbox = start(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let found = data(
        &sandbox,
        "{ projects { edges { node { id environments { edges { node { id } } } } } } }",
        json!({}),
    )
    .await;
    let project = &found["projects"]["edges"][0]["node"];
    let project_id = project["id"].as_str().unwrap();
    let production = project["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap();
    let fork = environment_create(
        &sandbox,
        project_id,
        "copy",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let shared = &config(&sandbox, &fork, true).await["sharedVariables"];
    assert_eq!(shared["OPEN"]["value"], "a");
    assert!(shared.get("SECRET").is_none(), "{shared}");
}

#[tokio::test]
async fn r3_stage_initial_changes_leaves_the_copy_staged_and_counted() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "dup",
        json!({ "sourceEnvironmentId": production, "stageInitialChanges": true }),
    )
    .await;
    assert!(
        live(&sandbox, &fork).await.is_empty(),
        "nothing committed yet"
    );
    assert!(
        environment(&sandbox, &fork).await["unmergedChangesCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "STAGED");
    assert_eq!(
        staged["environmentStagedChanges"]["patch"]["services"][&api]["isCreated"],
        true
    );
    data(&sandbox, COMMIT_STAGED, json!({ "environmentId": fork })).await;
    assert!(live(&sandbox, &fork).await.contains_key(&api));
    assert_eq!(
        environment(&sandbox, &fork).await["unmergedChangesCount"],
        0
    );
}

#[tokio::test]
async fn r3_a_background_copy_reads_applying_for_a_moment() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "bg",
        json!({ "sourceEnvironmentId": production, "applyChangesInBackground": true }),
    )
    .await;
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "APPLYING");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "STAGED");
    assert_eq!(staged["environmentStagedChanges"]["patch"], json!({}));
    assert!(live(&sandbox, &fork).await.contains_key(&api));
}

#[tokio::test]
async fn r5_is_created_patches_fill_an_empty_environment() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let empty = environment_create(&sandbox, &project_id, "fresh", json!({})).await;
    // A non-fork created after the service: serviceCreate's fan-out happened before it existed.
    assert!(live(&sandbox, &empty).await.is_empty());
    commit_ok(
        &sandbox,
        &empty,
        json!({ "services": { &api: { "isCreated": true,
            "source": { "image": "nginx:2" }, "deploy": { "startCommand": "./run" },
            "variables": { "PORT": { "value": "80" } } } } }),
    )
    .await;
    let instance = &live(&sandbox, &empty).await[&api];
    assert_eq!(instance["startCommand"], "./run");
    assert!(
        !deployment_id(instance).is_null(),
        "one deploy per created service"
    );
    assert!(environment(&sandbox, &empty).await["sourceEnvironment"].is_null());
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
}

#[tokio::test]
async fn r6_service_create_with_a_non_fork_environment_id_reaches_every_non_fork() {
    let sandbox = sandbox().await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let staging = environment_create(&sandbox, &project_id, "staging", json!({})).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let api = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "environmentId": staging,
            "source": { "image": "nginx:1" } }),
    )
    .await;
    assert!(live(&sandbox, &production).await.contains_key(&api));
    assert!(!deployment_id(&live(&sandbox, &staging).await[&api]).is_null());
    assert!(
        !live(&sandbox, &fork).await.contains_key(&api),
        "forks get nothing"
    );

    let worker = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "worker", "environmentId": fork }),
    )
    .await;
    assert!(live(&sandbox, &fork).await.contains_key(&worker));
    assert!(!live(&sandbox, &production).await.contains_key(&worker));
    assert!(!live(&sandbox, &staging).await.contains_key(&worker));
}

#[tokio::test]
async fn r7_service_instance_update_with_a_non_fork_id_updates_every_non_fork() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let answer = instance_update(
        &sandbox,
        &api,
        Some(&staging),
        json!({ "startCommand": "./a" }),
    )
    .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(
        live(&sandbox, &production).await[&api]["startCommand"],
        "./a"
    );
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./a");
    assert!(live(&sandbox, &fork).await[&api]["startCommand"].is_null());

    instance_update(
        &sandbox,
        &api,
        Some(&fork),
        json!({ "startCommand": "./f" }),
    )
    .await;
    assert_eq!(live(&sandbox, &fork).await[&api]["startCommand"], "./f");
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./a");

    instance_update(&sandbox, &api, None, json!({ "startCommand": "./all" })).await;
    for environment_id in [&production, &staging, &fork] {
        assert_eq!(
            live(&sandbox, environment_id).await[&api]["startCommand"],
            "./all"
        );
    }
}

#[tokio::test]
async fn r7_the_per_environment_switch_updates_only_the_named_environment() {
    let sandbox = start(SandboxConfig {
        instance_update_scope: InstanceUpdateScope::RequestedEnvironment,
        ..SandboxConfig::default()
    })
    .await;
    let (_, production, staging, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        Some(&staging),
        json!({ "startCommand": "./s" }),
    )
    .await;
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./s");
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
}

#[tokio::test]
async fn r8_service_delete_is_scoped_to_a_fork_all_non_forks_or_the_whole_service() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    data(
        &sandbox,
        SERVICE_DELETE,
        json!({ "id": api, "environmentId": fork }),
    )
    .await;
    assert!(!live(&sandbox, &fork).await.contains_key(&api));
    assert!(live(&sandbox, &production).await.contains_key(&api));

    let web = service(&sandbox, json!({ "projectId": project_id, "name": "web" })).await;
    let fork2 = environment_create(
        &sandbox,
        &project_id,
        "fork2",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    data(
        &sandbox,
        SERVICE_DELETE,
        json!({ "id": web, "environmentId": staging }),
    )
    .await;
    assert!(!live(&sandbox, &production).await.contains_key(&web));
    assert!(!live(&sandbox, &staging).await.contains_key(&web));
    assert!(
        live(&sandbox, &fork2).await.contains_key(&web),
        "forks keep theirs"
    );

    data(&sandbox, SERVICE_DELETE, json!({ "id": web })).await;
    assert!(!live(&sandbox, &fork2).await.contains_key(&web));
}

#[tokio::test]
async fn r9_is_created_and_is_deleted_touch_one_environment_only() {
    let sandbox = sandbox().await;
    let (_, production, staging, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    assert!(!live(&sandbox, &staging).await.contains_key(&api));
    assert!(live(&sandbox, &production).await.contains_key(&api));
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isCreated": true } } }),
    )
    .await;
    assert!(live(&sandbox, &staging).await.contains_key(&api));
}

#[tokio::test]
async fn r10_null_clears_and_absent_keeps_in_service_instance_update() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        None,
        json!({ "startCommand": "./run", "healthcheckPath": "/health" }),
    )
    .await;
    instance_update(&sandbox, &api, None, json!({ "startCommand": null })).await;
    let instance = &live(&sandbox, &production).await[&api];
    assert!(instance["startCommand"].is_null());
    assert_eq!(instance["healthcheckPath"], "/health");
}

#[tokio::test]
async fn r11_the_config_renders_the_shape_the_cli_models() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    data(
        &sandbox,
        "mutation($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }",
        json!({ "input": { "serviceId": api, "environmentId": production, "vCPUs": 2.0, "memoryGB": 2.0 } }),
    )
    .await;
    data(
        &sandbox,
        UPSERT,
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "variables": { "PORT": "8080" } } }),
    )
    .await;
    let blob = config(&sandbox, &production, true).await;
    let entry = &blob["services"][&api];
    assert_eq!(entry["source"]["image"], "nginx:1");
    assert_eq!(entry["build"]["builder"], "RAILPACK");
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 1 } })
    );
    assert_eq!(
        entry["deploy"]["limitOverride"],
        json!({ "containers": { "cpu": 2.0, "memoryBytes": 2000000000_i64 } })
    );
    assert_eq!(entry["variables"]["PORT"], json!({ "value": "8080" }));
    assert!(entry["deploy"].get("region").is_none());
    assert!(blob["sharedVariables"].is_object());
}

#[tokio::test]
async fn r12_values_are_null_unless_decrypting_and_removed_instances_are_tombstones() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    data(
        &sandbox,
        UPSERT,
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "variables": { "PORT": "8080" } } }),
    )
    .await;
    let hidden = config(&sandbox, &production, false).await;
    assert_eq!(
        hidden["services"][&api]["variables"]["PORT"],
        json!({ "value": null })
    );
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    assert_eq!(
        config(&sandbox, &staging, true).await["services"][&api],
        json!({ "isDeleted": true })
    );
}

#[tokio::test]
async fn r13_a_patch_is_deep_merged() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: {
            "build": { "watchPatterns": ["a/**", "b/**"] },
            "deploy": { "startCommand": "./run", "healthcheckPath": "/h",
                "multiRegionConfig": { "europe-west4-drams3a": { "numReplicas": 2 } } },
            "variables": { "A": { "value": "1" }, "B": { "value": "2" } } } },
            "sharedVariables": { "S": { "value": "x" } },
            "unknownKey": { "tolerated": true } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: {
            "build": { "watchPatterns": ["c/**"] },
            "deploy": { "healthcheckPath": null, "multiRegionConfig": { "us-west2": null } },
            "variables": { "A": null } } },
            "sharedVariables": { "S": null } }),
    )
    .await;
    let blob = config(&sandbox, &production, true).await;
    let entry = &blob["services"][&api];
    assert_eq!(entry["build"]["watchPatterns"], json!(["c/**"]));
    assert_eq!(entry["deploy"]["startCommand"], "./run");
    assert!(entry["deploy"].get("healthcheckPath").is_none());
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "europe-west4-drams3a": { "numReplicas": 2 } })
    );
    assert_eq!(entry["variables"], json!({ "B": { "value": "2" } }));
    assert_eq!(blob["sharedVariables"], json!({}));
    let instance = &live(&sandbox, &production).await[&api];
    assert_eq!(instance["numReplicas"], 2);
    assert!(instance["healthcheckPath"].is_null());
}

#[tokio::test]
async fn r14_is_created_restores_earlier_settings_and_ignores_nulls() {
    let sandbox = sandbox().await;
    let (_, _, staging, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "deploy": { "startCommand": "./old", "healthcheckPath": "/h" } } } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isCreated": true,
            "deploy": { "startCommand": null, "healthcheckPath": "/new" } } } }),
    )
    .await;
    let instance = &live(&sandbox, &staging).await[&api];
    assert_eq!(instance["startCommand"], "./old");
    assert_eq!(instance["healthcheckPath"], "/new");
}

#[tokio::test]
async fn r15_config_etag_changes_on_every_config_change_and_only_then() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let first = etag(&sandbox, &production).await;
    assert_eq!(
        etag(&sandbox, &production).await,
        first,
        "reads change nothing"
    );
    data(
        &sandbox,
        "mutation($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
        json!({ "s": api, "e": production }),
    )
    .await;
    assert_eq!(
        etag(&sandbox, &production).await,
        first,
        "a deploy is no config change"
    );
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "startCommand": "./x" } } } }),
    )
    .await;
    let second = etag(&sandbox, &production).await;
    assert_ne!(second, first);
    commit_ok(
        &sandbox,
        &production,
        json!({ "sharedVariables": { "A": { "value": "1" } } }),
    )
    .await;
    assert_ne!(etag(&sandbox, &production).await, second);
}

#[tokio::test]
async fn r16_a_commit_deploys_affected_services_but_not_for_replica_changes() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let web = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "image": "nginx:1" } }),
    )
    .await;
    let before = live(&sandbox, &production).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "startCommand": "./x" } } } }),
    )
    .await;
    let after = live(&sandbox, &production).await;
    assert_ne!(deployment_id(&after[&api]), deployment_id(&before[&api]));
    assert_eq!(deployment_id(&after[&web]), deployment_id(&before[&web]));

    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "multiRegionConfig": { "us-west2": { "numReplicas": 3 } } } } } }),
    )
    .await;
    let scaled = live(&sandbox, &production).await;
    assert_eq!(scaled[&api]["numReplicas"], 3);
    assert_eq!(deployment_id(&scaled[&api]), deployment_id(&after[&api]));

    data(
        &sandbox,
        STAGE,
        json!({ "environmentId": production,
            "input": { "services": { &web: { "deploy": { "startCommand": "./w" } } } } }),
    )
    .await;
    data(
        &sandbox,
        COMMIT_STAGED,
        json!({ "environmentId": production, "skipDeploys": true }),
    )
    .await;
    let quiet = live(&sandbox, &production).await;
    assert_eq!(quiet[&web]["startCommand"], "./w");
    assert_eq!(deployment_id(&quiet[&web]), deployment_id(&before[&web]));

    // A shared variable change deploys the services that reference it.
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &web: { "variables": { "KEY": { "value": "${{shared.KEY}}" } } } } }),
    )
    .await;
    let referenced = live(&sandbox, &production).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "sharedVariables": { "KEY": { "value": "v" } } }),
    )
    .await;
    let shared = live(&sandbox, &production).await;
    assert_ne!(
        deployment_id(&shared[&web]),
        deployment_id(&referenced[&web])
    );
    assert_eq!(
        deployment_id(&shared[&api]),
        deployment_id(&referenced[&api])
    );
}

#[tokio::test]
async fn r17_staged_changes_merge_are_counted_bypassed_by_direct_writes_and_commit_whole() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let empty = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(empty["environmentStagedChanges"]["patch"], json!({}));
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        0
    );

    let stage = |input: Value, merge: bool| json!({ "environmentId": production, "input": input, "merge": merge });
    let staged = data(
        &sandbox,
        STAGE,
        stage(
            json!({ "services": { &api: { "deploy": { "startCommand": "./s" } } } }),
            false,
        ),
    )
    .await;
    assert_eq!(staged["environmentStageChanges"]["status"], "STAGED");
    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "A": { "value": "1" } } }),
            true,
        ),
    )
    .await;
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        2
    );
    let read = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(
        read["environmentStagedChanges"]["patch"]["services"][&api]["deploy"]["startCommand"],
        "./s"
    );

    // A direct write neither stages nor touches the staged patch.
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "healthcheckPath": "/h" }),
    )
    .await;
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        2
    );
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());

    data(
        &sandbox,
        COMMIT_STAGED,
        json!({ "environmentId": production }),
    )
    .await;
    assert_eq!(
        live(&sandbox, &production).await[&api]["startCommand"],
        "./s"
    );
    assert_eq!(
        config(&sandbox, &production, true).await["sharedVariables"]["A"]["value"],
        "1"
    );
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        0
    );

    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "B": { "value": "2" } } }),
            true,
        ),
    )
    .await;
    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "C": { "value": "3" } } }),
            false,
        ),
    )
    .await;
    let replaced = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(
        replaced["environmentStagedChanges"]["patch"],
        json!({ "sharedVariables": { "C": { "value": "3" } } })
    );
}

#[tokio::test]
async fn r17_a_dashboard_edit_stages_and_raises_the_count() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let url = format!("{}/_sandbox/environments/stage", sandbox.base_url());
    let body = json!({ "environmentId": production,
        "patch": { "services": { &api: { "deploy": { "startCommand": "./d" } } } } });
    let client = reqwest::Client::new();
    let answer = client
        .post(&url)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        1
    );
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
    let bad = client.post(&url).body("nope").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = json!({ "environmentId": "missing", "patch": {} });
    let missing = client
        .post(&url)
        .body(unknown.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn r19_service_instance_region_reads_null_and_placement_is_in_multi_region_config() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let instance = &live(&sandbox, &production).await[&api];
    assert!(instance["region"].is_null());
    assert_eq!(
        config(&sandbox, &production, false).await["services"][&api]["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 1 } })
    );
}

#[tokio::test]
async fn r20_region_moves_nothing_and_multi_region_config_merges_with_null_removal() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "region": "europe-west4-drams3a" }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "us-west2": { "numReplicas": 1 } })
    );

    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "europe-west4-drams3a": { "numReplicas": 2 } } }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 2 }, "us-west2": { "numReplicas": 1 } })
    );
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "us-west2": null } }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 2 } })
    );
    assert_eq!(live(&sandbox, &production).await[&api]["numReplicas"], 2);

    // Leaving numReplicas out resets the count to one.
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "startCommand": "./x" }),
    )
    .await;
    assert_eq!(live(&sandbox, &production).await[&api]["numReplicas"], 1);
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 1 } })
    );
}

#[tokio::test]
async fn r21_replica_limits_are_rejected() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let too_many = instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "us-west2": { "numReplicas": 30 },
            "europe-west4-drams3a": { "numReplicas": 21 } } }),
    )
    .await;
    assert!(error_message(&too_many).contains("50"));
    assert_eq!(
        too_many["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );

    let cron = commit(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "cronSchedule": "0 * * * *",
            "multiRegionConfig": { "us-west2": { "numReplicas": 2 } } } } } }),
    )
    .await;
    assert!(error_message(&cron).contains("cron"));
    assert!(
        live(&sandbox, &production).await[&api]["cronSchedule"].is_null(),
        "nothing applied"
    );

    let db = service(&sandbox, json!({ "projectId": project_id, "name": "db" })).await;
    data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": db, "mountPath": "/data" } }),
    )
    .await;
    let with_volume = instance_update(
        &sandbox,
        &db,
        Some(&production),
        json!({ "numReplicas": 2 }),
    )
    .await;
    assert!(error_message(&with_volume).contains("volume"));

    let volume = data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production, "mountPath": "/v" } }),
    )
    .await["volumeCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "numReplicas": 2 }),
    )
    .await;
    let mount = commit(
        &sandbox,
        &production,
        json!({ "services": { &api: { "volumeMounts": { &volume: { "mountPath": "/v" } } } } }),
    )
    .await;
    assert!(error_message(&mount).contains("volume"));
}

#[tokio::test]
async fn r31_a_tcp_proxy_patch_creates_a_proxy() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "networking": { "tcpProxies": { "5432": {} } } } } }),
    )
    .await;
    let proxies = data(
        &sandbox,
        "query($e: String!, $s: String!) { tcpProxies(environmentId: $e, serviceId: $s) { applicationPort } }",
        json!({ "e": production, "s": api }),
    )
    .await;
    assert_eq!(proxies["tcpProxies"], json!([{ "applicationPort": 5432 }]));
    assert_eq!(
        config(&sandbox, &production, false).await["services"][&api]["networking"]["tcpProxies"],
        json!({ "5432": {} })
    );
}
