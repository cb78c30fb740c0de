//! Volumes in the sandbox: creation with and without an environment, renames, mount updates,
//! detaching, soft deletes, backup schedules in the config blob, backup workflows, deleting and
//! locking backups, seeded volumes and backups, the usage endpoint and faults on backups.

use crate::support::sandbox_common as common;

use std::time::Duration;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const VOLUME_CREATE: &str = "mutation VolumeCreate($input: VolumeCreateInput!) {
    volumeCreate(input: $input) { id name projectId createdAt } }";
const VOLUME_INSTANCES: &str = "query($id: String!) { environment(id: $id) {
    volumeInstances(first: 50) { edges { node { id volumeId serviceId environmentId mountPath
        sizeMB currentSizeMB region state isPendingDeletion deletedAt createdAt volume { id name } } } } } }";
const BACKUPS: &str = "query($id: String!) { volumeInstanceBackupList(volumeInstanceId: $id) {
    id name createdAt expiresAt scheduleId usedMB referencedMB creatorId externalId volumeInstanceSizeMB } }";
const SCHEDULES: &str =
    "query($id: String!) { volumeInstanceBackupScheduleList(volumeInstanceId: $id) {
    id kind cron name retentionSeconds createdAt } }";
const SET_SCHEDULES: &str = "mutation($id: String!, $kinds: [VolumeInstanceBackupScheduleKind!]!) {
    volumeInstanceBackupScheduleUpdate(volumeInstanceId: $id, kinds: $kinds) }";
const BACKUP_CREATE: &str = "mutation VolumeInstanceBackupCreate($id: String!, $name: String) {
    volumeInstanceBackupCreate(volumeInstanceId: $id, name: $name) { workflowId } }";
const WORKFLOW: &str = "query($id: String!) { workflowStatus(workflowId: $id) { status error } }";
const CONFIG: &str =
    "query($id: String!) { environment(id: $id) { config(decryptVariables: true) } }";

/// A project with one `db` service; returns (project, environment, service).
async fn project_with_service(sandbox: &Sandbox) -> (String, String, String) {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let service = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": "db", "source": { "image": "postgres:16" } }),
    )
    .await;
    let service_id = service["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id, service_id)
}

async fn volume_instances(sandbox: &Sandbox, environment_id: &str) -> Vec<Value> {
    let found = data(sandbox, VOLUME_INSTANCES, json!({ "id": environment_id })).await;
    found["environment"]["volumeInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// Creates a volume on the service; returns (volume id, volume instance id).
async fn mounted_volume(
    sandbox: &Sandbox,
    project_id: &str,
    environment_id: &str,
    service_id: &str,
) -> (String, String) {
    let created = data(
        sandbox,
        VOLUME_CREATE,
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "mountPath": "/data" } }),
    )
    .await;
    let volume_id = created["volumeCreate"]["id"].as_str().unwrap().to_string();
    let instance = volume_instances(sandbox, environment_id)
        .await
        .into_iter()
        .find(|i| i["volumeId"] == volume_id.as_str())
        .unwrap();
    (volume_id, instance["id"].as_str().unwrap().to_string())
}

async fn backups(sandbox: &Sandbox, instance_id: &str) -> Vec<Value> {
    data(sandbox, BACKUPS, json!({ "id": instance_id })).await["volumeInstanceBackupList"]
        .as_array()
        .unwrap()
        .clone()
}

async fn workflow_status(sandbox: &Sandbox, workflow_id: &str) -> Value {
    data(sandbox, WORKFLOW, json!({ "id": workflow_id })).await["workflowStatus"].clone()
}

async fn config(sandbox: &Sandbox, environment_id: &str) -> Value {
    data(sandbox, CONFIG, json!({ "id": environment_id })).await["environment"]["config"].clone()
}

fn error_message(envelope: &Value) -> String {
    envelope["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_volume_created_in_an_environment_gets_one_ready_instance_with_a_generated_name() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let created = data(
        &sandbox,
        VOLUME_CREATE,
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "mountPath": "/var/lib/postgresql/data" } }),
    )
    .await["volumeCreate"]
        .clone();
    assert!(uuid::Uuid::parse_str(created["id"].as_str().unwrap()).is_ok());
    let name = created["name"].as_str().unwrap();
    assert_ne!(name, "db", "the name is generated, not the service's");
    assert_eq!(name.split('-').count(), 2, "two words: {name}");
    assert_eq!(created["projectId"], project_id.as_str());
    let instances = volume_instances(&sandbox, &environment_id).await;
    assert_eq!(instances.len(), 1);
    let instance = &instances[0];
    assert_eq!(instance["volumeId"], created["id"]);
    assert_eq!(instance["serviceId"], service_id.as_str());
    assert_eq!(instance["mountPath"], "/var/lib/postgresql/data");
    assert_eq!(instance["sizeMB"], 50000);
    assert_eq!(instance["currentSizeMB"], 0.0);
    assert_eq!(instance["state"], "READY");
    assert_eq!(instance["region"], "us-west2");
    assert_eq!(instance["isPendingDeletion"], false);
    assert_eq!(instance["deletedAt"], Value::Null);
    assert_eq!(instance["volume"]["name"], name);
    let volumes = data(
        &sandbox,
        "query($id: String!) { project(id: $id) { volumes(first: 10) { edges { node { id name } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    assert_eq!(
        volumes["project"]["volumes"]["edges"][0]["node"]["id"],
        created["id"]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_volume_created_without_an_environment_has_no_instance() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    data(
        &sandbox,
        VOLUME_CREATE,
        json!({ "input": { "projectId": project_id, "serviceId": service_id, "mountPath": "/data" } }),
    )
    .await;
    assert!(volume_instances(&sandbox, &environment_id).await.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_second_volume_on_a_service_and_a_relative_mount_path_are_refused() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let second = gql(
        &sandbox,
        VOLUME_CREATE,
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "mountPath": "/other" } }),
    )
    .await;
    assert_eq!(
        error_message(&second),
        "Service already has a volume mounted"
    );
    let relative = gql(
        &sandbox,
        VOLUME_CREATE,
        json!({ "input": { "projectId": project_id, "environmentId": environment_id, "mountPath": "data" } }),
    )
    .await;
    assert!(relative["errors"][0]["message"].is_string(), "{relative}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_volume_can_be_renamed_and_an_unknown_one_is_not_found() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (volume_id, _) = mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let renamed = data(
        &sandbox,
        "mutation($id: String!, $input: VolumeUpdateInput!) { volumeUpdate(volumeId: $id, input: $input) { id name } }",
        json!({ "id": volume_id, "input": { "name": "pgdata" } }),
    )
    .await;
    assert_eq!(renamed["volumeUpdate"]["name"], "pgdata");
    assert_eq!(
        volume_instances(&sandbox, &environment_id).await[0]["volume"]["name"],
        "pgdata"
    );
    let unknown = gql(
        &sandbox,
        "mutation { volumeUpdate(volumeId: \"nope\", input: { name: \"x\" }) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(error_message(&unknown), "Volume not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_mount_path_changes_while_the_service_is_sent_and_a_null_service_detaches() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (volume_id, _) = mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let update = "mutation($v: String!, $e: String, $input: VolumeInstanceUpdateInput!) {
        volumeInstanceUpdate(volumeId: $v, environmentId: $e, input: $input) }";
    let moved = data(
        &sandbox,
        update,
        json!({ "v": volume_id, "e": environment_id,
            "input": { "mountPath": "/srv", "serviceId": service_id } }),
    )
    .await;
    assert_eq!(moved["volumeInstanceUpdate"], true);
    let instance = &volume_instances(&sandbox, &environment_id).await[0];
    assert_eq!(instance["mountPath"], "/srv");
    assert_eq!(
        instance["serviceId"],
        service_id.as_str(),
        "the service sent again stays attached (an absent one detaches, R23)"
    );
    data(
        &sandbox,
        update,
        json!({ "v": volume_id, "e": environment_id, "input": { "serviceId": null } }),
    )
    .await;
    let instance = &volume_instances(&sandbox, &environment_id).await[0];
    assert_eq!(instance["serviceId"], Value::Null);
    assert_eq!(instance["mountPath"], "/srv");
    let unknown = gql(
        &sandbox,
        update,
        json!({ "v": "nope", "input": { "mountPath": "/x" } }),
    )
    .await;
    assert_eq!(error_message(&unknown), "VolumeInstance not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn deleting_a_volume_soft_deletes_its_instances_and_drops_its_backups() {
    let sandbox = start(SandboxConfig {
        backup_duration: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (volume_id, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    data(&sandbox, BACKUP_CREATE, json!({ "id": instance_id })).await;
    assert_eq!(backups(&sandbox, &instance_id).await.len(), 1);
    let deleted = data(
        &sandbox,
        "mutation VolumeDelete($id: String!) { volumeDelete(volumeId: $id) }",
        json!({ "id": volume_id }),
    )
    .await;
    assert_eq!(deleted["volumeDelete"], true);
    let instance = &volume_instances(&sandbox, &environment_id).await[0];
    assert!(instance["deletedAt"].is_string());
    assert_eq!(instance["state"], "DELETED");
    assert_eq!(instance["volume"]["id"], volume_id.as_str());
    assert!(
        config(&sandbox, &environment_id)
            .await
            .get("volumes")
            .is_none()
    );
    assert!(
        sandbox_backup_rows(&sandbox, &instance_id).await.is_empty(),
        "the backups went with the volume"
    );
    let again = gql(
        &sandbox,
        "mutation($id: String!) { volumeDelete(volumeId: $id) }",
        json!({ "id": volume_id }),
    )
    .await;
    // R37: deleting what is gone answers like a denied resource.
    assert_eq!(error_message(&again), "Not Authorized");
    // The service is free to mount a new volume.
    mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    sandbox.shutdown().await;
}

/// The backup list of a deleted instance is an error; count it as empty.
async fn sandbox_backup_rows(sandbox: &Sandbox, instance_id: &str) -> Vec<Value> {
    let envelope = gql(sandbox, BACKUPS, json!({ "id": instance_id })).await;
    envelope["data"]["volumeInstanceBackupList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn schedules_are_replaced_cleared_and_shown_in_the_config_blob() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (volume_id, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let blob = config(&sandbox, &environment_id).await;
    assert_eq!(
        blob["services"][&service_id]["volumeMounts"][&volume_id],
        json!({ "mountPath": "/data" }),
        "no backupSchedules key while there are none"
    );
    assert_eq!(
        blob["volumes"][&volume_id],
        json!({}),
        "Railway's default size and region are not shown"
    );
    assert!(
        blob["services"][&service_id]["variables"].is_object(),
        "existing keys stay"
    );

    data(
        &sandbox,
        SET_SCHEDULES,
        json!({ "id": instance_id, "kinds": ["WEEKLY", "DAILY"] }),
    )
    .await;
    let schedules = data(&sandbox, SCHEDULES, json!({ "id": instance_id })).await;
    let schedules = schedules["volumeInstanceBackupScheduleList"]
        .as_array()
        .unwrap();
    let daily = schedules.iter().find(|s| s["kind"] == "DAILY").unwrap();
    assert_eq!(daily["cron"], "0 0 * * *");
    assert_eq!(daily["name"], "Daily");
    assert_eq!(daily["retentionSeconds"], 6 * 24 * 3600);
    let weekly = schedules.iter().find(|s| s["kind"] == "WEEKLY").unwrap();
    assert_eq!(weekly["cron"], "0 0 * * 0");
    assert_eq!(weekly["retentionSeconds"], 30 * 24 * 3600);
    assert_eq!(schedules.len(), 2);
    let mount = &config(&sandbox, &environment_id).await["services"][&service_id]["volumeMounts"]
        [&volume_id];
    assert_eq!(mount["backupSchedules"], json!(["DAILY", "WEEKLY"]));

    data(
        &sandbox,
        SET_SCHEDULES,
        json!({ "id": instance_id, "kinds": ["MONTHLY"] }),
    )
    .await;
    let schedules = data(&sandbox, SCHEDULES, json!({ "id": instance_id })).await;
    let only = &schedules["volumeInstanceBackupScheduleList"];
    assert_eq!(
        only.as_array().unwrap().len(),
        1,
        "the set is replaced: {only}"
    );
    assert_eq!(only[0]["cron"], "0 0 1 * *");
    assert_eq!(only[0]["name"], "Monthly");
    assert_eq!(only[0]["retentionSeconds"], 90 * 24 * 3600);

    data(
        &sandbox,
        SET_SCHEDULES,
        json!({ "id": instance_id, "kinds": [] }),
    )
    .await;
    let schedules = data(&sandbox, SCHEDULES, json!({ "id": instance_id })).await;
    assert_eq!(schedules["volumeInstanceBackupScheduleList"], json!([]));
    let mount = &config(&sandbox, &environment_id).await["services"][&service_id]["volumeMounts"]
        [&volume_id];
    assert!(mount.get("backupSchedules").is_none(), "{mount}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_backup_runs_then_completes_and_only_then_is_listed() {
    let sandbox = start(SandboxConfig {
        backup_duration: Duration::from_millis(400),
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (_, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let before = chrono::Utc::now();
    let started = data(
        &sandbox,
        BACKUP_CREATE,
        json!({ "id": instance_id, "name": "pre-migration" }),
    )
    .await;
    let workflow_id = started["volumeInstanceBackupCreate"]["workflowId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        workflow_status(&sandbox, &workflow_id).await["status"],
        "Running"
    );
    assert!(
        backups(&sandbox, &instance_id).await.is_empty(),
        "not listed while running"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        workflow_status(&sandbox, &workflow_id).await,
        json!({ "status": "Complete", "error": null })
    );
    let listed = backups(&sandbox, &instance_id).await;
    assert_eq!(listed.len(), 1);
    let backup = &listed[0];
    assert_eq!(backup["name"], "pre-migration");
    assert_eq!(backup["scheduleId"], Value::Null);
    assert_eq!(backup["creatorId"], "sandbox-user");
    assert!(backup["usedMB"].as_i64().unwrap() > 0);
    assert!(backup["referencedMB"].as_i64().unwrap() > 0);
    let created =
        chrono::DateTime::parse_from_rfc3339(backup["createdAt"].as_str().unwrap()).unwrap();
    assert!(created.timestamp_millis() >= before.timestamp_millis() - 1);
    let expires =
        chrono::DateTime::parse_from_rfc3339(backup["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::TimeDelta::days(30));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_workflow_is_not_found_and_an_unknown_instance_cannot_be_backed_up() {
    let sandbox = start(SandboxConfig::default()).await;
    assert_eq!(
        workflow_status(&sandbox, "nope").await["status"],
        "NotFound"
    );
    let refused = gql(&sandbox, BACKUP_CREATE, json!({ "id": "nope" })).await;
    assert_eq!(error_message(&refused), "VolumeInstance not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_backup_can_be_locked_to_never_expire_and_deleted() {
    let sandbox = start(SandboxConfig {
        backup_duration: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (_, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    data(&sandbox, BACKUP_CREATE, json!({ "id": instance_id })).await;
    let backup = backups(&sandbox, &instance_id).await[0].clone();
    assert!(
        backup["name"].as_str().is_some_and(|n| !n.is_empty()),
        "a generated name"
    );
    let backup_id = backup["id"].as_str().unwrap().to_string();
    let locked = data(
        &sandbox,
        "mutation($b: String!, $v: String!) { volumeInstanceBackupLock(volumeInstanceBackupId: $b, volumeInstanceId: $v) }",
        json!({ "b": backup_id, "v": instance_id }),
    )
    .await;
    assert_eq!(locked["volumeInstanceBackupLock"], true);
    assert_eq!(
        backups(&sandbox, &instance_id).await[0]["expiresAt"],
        Value::Null
    );
    let delete = "mutation($b: String!, $v: String!) { volumeInstanceBackupDelete(volumeInstanceBackupId: $b, volumeInstanceId: $v) { workflowId } }";
    let deleted = data(
        &sandbox,
        delete,
        json!({ "b": backup_id, "v": instance_id }),
    )
    .await;
    let workflow_id = deleted["volumeInstanceBackupDelete"]["workflowId"]
        .as_str()
        .unwrap();
    assert_eq!(
        workflow_status(&sandbox, workflow_id).await["status"],
        "Complete"
    );
    assert!(backups(&sandbox, &instance_id).await.is_empty());
    let again = gql(
        &sandbox,
        delete,
        json!({ "b": backup_id, "v": instance_id }),
    )
    .await;
    // R37: deleting what is gone answers like a denied resource.
    assert_eq!(error_message(&again), "Not Authorized");
    sandbox.shutdown().await;
}

const SEED: &str = r#"
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
          sizeMB: 10000
          currentSizeMB: 8500
          schedules: [DAILY]
          environments: [production]
          backups:
            - name: ancient
              createdAt: "2020-01-01T00:00:00Z"
            - name: keep-forever
              createdAt: "2021-06-01T00:00:00Z"
              locked: true
            - name: someone-elses
              createdAt: "2026-01-01T00:00:00Z"
              creatorId: other-user
            - createdAt: "2026-02-01T00:00:00Z"
              schedule: DAILY
"#;

/// Starts a sandbox from [`SEED`]; returns it with (production id, staging id).
async fn seeded(directory: &tempfile::TempDir) -> (Sandbox, String, String) {
    let seed_file = directory.path().join("seed.yaml");
    std::fs::write(&seed_file, SEED).unwrap();
    let sandbox = start(SandboxConfig {
        seed_file: Some(seed_file),
        ..SandboxConfig::default()
    })
    .await;
    let projects = data(
        &sandbox,
        "query { projects { edges { node { environments { edges { node { id name } } } } } } }",
        json!({}),
    )
    .await;
    let environments = projects["projects"]["edges"][0]["node"]["environments"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let id_of = |name: &str| {
        environments
            .iter()
            .find(|e| e["node"]["name"] == name)
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (production, staging) = (id_of("production"), id_of("staging"));
    (sandbox, production, staging)
}

#[tokio::test]
async fn a_seeded_volume_holds_usage_schedules_and_old_locked_and_foreign_backups() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, production, staging) = seeded(&directory).await;
    assert!(volume_instances(&sandbox, &staging).await.is_empty());
    let instances = volume_instances(&sandbox, &production).await;
    assert_eq!(instances.len(), 1);
    let instance = &instances[0];
    assert_eq!(instance["volume"]["name"], "pgdata");
    assert_eq!(instance["sizeMB"], 10000);
    assert_eq!(instance["currentSizeMB"], 8500.0, "85% full");
    assert!(instance["serviceId"].is_string());
    let instance_id = instance["id"].as_str().unwrap().to_string();
    let listed = backups(&sandbox, &instance_id).await;
    assert_eq!(listed.len(), 4);
    let by_name = |name: &str| listed.iter().find(|b| b["name"] == name).unwrap().clone();
    assert_eq!(by_name("ancient")["expiresAt"], "2020-01-31T00:00:00.000Z");
    assert_eq!(by_name("ancient")["creatorId"], "sandbox-user");
    assert_eq!(by_name("keep-forever")["expiresAt"], Value::Null);
    assert_eq!(by_name("someone-elses")["creatorId"], "other-user");
    let scheduled = listed.iter().find(|b| b["scheduleId"].is_string()).unwrap();
    assert_eq!(scheduled["expiresAt"], "2026-02-07T00:00:00.000Z");
    assert_eq!(scheduled["creatorId"], Value::Null);
    let schedules = data(&sandbox, SCHEDULES, json!({ "id": instance_id })).await;
    assert_eq!(
        schedules["volumeInstanceBackupScheduleList"][0]["id"],
        scheduled["scheduleId"]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_usage_endpoint_sets_how_full_an_instance_is() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, production, _) = seeded(&directory).await;
    let instance_id = volume_instances(&sandbox, &production).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = reqwest::Client::new();
    let url = format!("{}/_sandbox/volumes/usage", sandbox.base_url());
    let set = client
        .post(&url)
        .body(format!("{instance_id}=9800.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(
        volume_instances(&sandbox, &production).await[0]["currentSizeMB"],
        9800.5
    );
    let unknown = client.post(&url).body("nope=1").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let malformed = client.post(&url).body("nonsense").send().await.unwrap();
    assert_eq!(malformed.status(), 400);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn volumes_and_backups_survive_a_restart_through_the_state_file() {
    let directory = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        state_file: Some(directory.path().join("state.json")),
        backup_duration: Duration::ZERO,
        ..SandboxConfig::default()
    };
    let sandbox = start(config.clone()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (_, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    data(
        &sandbox,
        SET_SCHEDULES,
        json!({ "id": instance_id, "kinds": ["DAILY"] }),
    )
    .await;
    data(&sandbox, BACKUP_CREATE, json!({ "id": instance_id })).await;
    let before = (
        volume_instances(&sandbox, &environment_id).await,
        backups(&sandbox, &instance_id).await,
    );
    sandbox.shutdown().await;
    let restarted = start(config).await;
    let after = (
        volume_instances(&restarted, &environment_id).await,
        backups(&restarted, &instance_id).await,
    );
    assert_eq!(before, after);
    restarted.shutdown().await;
}

#[tokio::test]
async fn faults_on_backup_creation_fail_the_request_without_a_backup() {
    let sandbox = start(SandboxConfig {
        faults: "volumeInstanceBackupCreate=error500".parse().unwrap(),
        backup_duration: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let (_, instance_id) =
        mounted_volume(&sandbox, &project_id, &environment_id, &service_id).await;
    let failed = post_raw(
        &sandbox,
        json!({ "query": BACKUP_CREATE, "variables": { "id": instance_id } }),
        Some(TOKEN),
    )
    .await;
    assert_eq!(failed.status(), 500);
    assert!(backups(&sandbox, &instance_id).await.is_empty());

    let client = reqwest::Client::new();
    let faults_url = format!("{}/_sandbox/faults", sandbox.base_url());
    client
        .post(&faults_url)
        .body("volumeInstanceBackupCreate=drop-after-commit")
        .send()
        .await
        .unwrap();
    let dropped = reqwest::Client::new()
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&json!({ "query": BACKUP_CREATE, "variables": { "id": instance_id } }))
        .send()
        .await;
    assert!(dropped.is_err(), "the connection closes without an answer");
    assert_eq!(
        backups(&sandbox, &instance_id).await.len(),
        1,
        "but the backup was made"
    );
    sandbox.shutdown().await;
}
