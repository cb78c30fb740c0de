//! Railway's rules on volumes and backups, creation throttles, error behaviours, field quirks and
//! limits, as the sandbox enforces them: one test per rule of
//! `railway-semantics.md` (R4, R18, R22–R26, R32, R36–R41), named after it.

#[path = "support/sandbox_common.rs"]
mod common;

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

fn message(envelope: &Value) -> &str {
    envelope["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
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

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
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

#[tokio::test]
async fn r22_volume_ids_span_environments_and_volume_delete_removes_every_instance() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, project_id, volume_id) = volume_in_two_environments(&directory).await;
    let volume = &project_volumes(&sandbox, &project_id).await[0];
    let instances = nodes(&volume["volumeInstances"]);
    assert_eq!(instances.len(), 2, "{volume}");
    assert_ne!(instances[0]["environmentId"], instances[1]["environmentId"]);
    let deleted = gql(
        &sandbox,
        "mutation($id: String!) { volumeDelete(volumeId: $id) }",
        json!({ "id": volume_id }),
    )
    .await;
    assert_eq!(deleted["data"]["volumeDelete"], true, "{deleted}");
    for instance in &instances {
        let environment_id = instance["environmentId"].as_str().unwrap();
        let left = data(
            &sandbox,
            "query($id: String!) { environment(id: $id) { volumeInstances { edges { node { deletedAt } } } } }",
            json!({ "id": environment_id }),
        )
        .await;
        let left = nodes(&left["environment"]["volumeInstances"]);
        assert!(left.iter().all(|i| i["deletedAt"].is_string()), "{left:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r22_volume_create_without_environment_id_creates_no_instance() {
    let sandbox = start_as(relaxed()).await;
    let (project_id, environment_id, _) = project_with_service(&sandbox).await;
    for input in [
        json!({ "projectId": project_id, "mountPath": "/data" }),
        json!({ "projectId": project_id, "mountPath": "/data", "environmentId": null }),
    ] {
        let created = create_volume(&sandbox, input).await;
        assert!(
            created["data"]["volumeCreate"]["id"].is_string(),
            "{created}"
        );
    }
    let volumes = project_volumes(&sandbox, &project_id).await;
    assert_eq!(volumes.len(), 2);
    assert!(
        volumes
            .iter()
            .all(|v| nodes(&v["volumeInstances"]).is_empty())
    );
    assert!(
        environment_volume_instances(&sandbox, &environment_id)
            .await
            .is_empty()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r23_volume_instance_update_without_service_id_detaches() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (volume_id, _) = mounted_volume(&sandbox, &ids).await;
    let update = |input: Value| {
        gql(
            &sandbox,
            VOLUME_INSTANCE_UPDATE,
            json!({ "v": volume_id, "e": ids.1, "input": input }),
        )
    };
    let instance = || environment_volume_instances(&sandbox, &ids.1);

    let moved = update(json!({ "mountPath": "/srv" })).await;
    assert_eq!(moved["data"]["volumeInstanceUpdate"], true, "{moved}");
    let detached = &instance().await[0];
    assert_eq!(detached["mountPath"], "/srv");
    assert_eq!(
        detached["serviceId"],
        Value::Null,
        "absent serviceId detaches"
    );

    update(json!({ "serviceId": ids.2 })).await;
    let attached = &instance().await[0];
    assert_eq!(attached["serviceId"], ids.2.as_str());
    assert_eq!(attached["mountPath"], "/srv", "absent mountPath keeps it");

    update(json!({ "serviceId": null, "mountPath": "/var" })).await;
    assert_eq!(
        instance().await[0]["serviceId"],
        Value::Null,
        "null detaches"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r23_volume_instance_update_without_environment_id_updates_every_instance() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, project_id, volume_id) = volume_in_two_environments(&directory).await;
    let service_id = nodes(&project_volumes(&sandbox, &project_id).await[0]["volumeInstances"])[0]
        ["serviceId"]
        .clone();
    let updated = gql(
        &sandbox,
        VOLUME_INSTANCE_UPDATE,
        json!({ "v": volume_id, "input": { "mountPath": "/pg", "serviceId": service_id } }),
    )
    .await;
    assert_eq!(updated["data"]["volumeInstanceUpdate"], true, "{updated}");
    let instances = nodes(&project_volumes(&sandbox, &project_id).await[0]["volumeInstances"]);
    assert_eq!(instances.len(), 2);
    for instance in instances {
        assert_eq!(instance["mountPath"], "/pg");
        assert_eq!(instance["serviceId"], service_id);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r24_volume_names_are_unique_per_project() {
    let sandbox = start_as(relaxed()).await;
    let (project_id, _, _) = project_with_service(&sandbox).await;
    let (other_project, _) = create_project(&sandbox, "other").await;
    let mut names = Vec::new();
    for project in [&project_id, &project_id, &other_project] {
        let created =
            create_volume(&sandbox, json!({ "projectId": project, "mountPath": "/d" })).await;
        names.push(created["data"]["volumeCreate"].clone());
    }
    assert_ne!(names[0]["name"], names[1]["name"], "generated names differ");
    let rename = |id: &Value, name: &str| {
        gql(
            &sandbox,
            VOLUME_RENAME,
            json!({ "id": id, "input": { "name": name } }),
        )
    };
    assert!(
        rename(&names[0]["id"], "pgdata")
            .await
            .get("errors")
            .is_none()
    );
    let taken = rename(&names[1]["id"], "pgdata").await;
    assert_eq!(
        message(&taken),
        "A volume named \"pgdata\" already exists in this project"
    );
    assert_eq!(code(&taken), "INTERNAL_SERVER_ERROR");
    let same = rename(&names[0]["id"], "pgdata").await;
    assert!(same.get("errors").is_none(), "keeping its own name: {same}");
    let elsewhere = rename(&names[2]["id"], "pgdata").await;
    assert!(
        elsewhere.get("errors").is_none(),
        "another project: {elsewhere}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r24_volumes_created_too_quickly_are_refused() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let input = json!({ "projectId": project_id, "mountPath": "/data" });
    let first = create_volume(&sandbox, input.clone()).await;
    assert!(first.get("errors").is_none(), "{first}");
    let second = create_volume(&sandbox, input).await;
    assert_eq!(
        message(&second),
        "Whoa there pal! You are creating volumes too quickly. Try again in a sec"
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    assert_eq!(project_volumes(&sandbox, &project_id).await.len(), 1);
    sandbox.shutdown().await;
}

const ENVIRONMENT_CREATE: &str = "mutation($input: EnvironmentCreateInput!) {
    environmentCreate(input: $input) { id } }";

async fn create_environment_as(
    sandbox: &Sandbox,
    token: &str,
    project_id: &str,
    name: &str,
) -> Value {
    let body = json!({ "query": ENVIRONMENT_CREATE,
        "variables": { "input": { "projectId": project_id, "name": name } } });
    let response = post_raw(sandbox, body, Some(token)).await;
    assert_eq!(response.status(), 200, "throttles answer HTTP 200");
    response.json().await.unwrap()
}

#[tokio::test]
async fn r4_one_environment_per_token_owner_every_30_seconds() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let first = create_environment_as(&sandbox, TOKEN, &project_id, "staging").await;
    assert!(
        first.get("errors").is_none(),
        "the project's own environment does not count: {first}"
    );
    let second = create_environment_as(&sandbox, TOKEN, &project_id, "qa").await;
    assert_eq!(
        message(&second),
        "Whoa there pal! Only one environment can be created per user every 30s. Try again in a sec"
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    let someone_else = create_environment_as(&sandbox, "other-token", &project_id, "qa").await;
    assert!(someone_else.get("errors").is_none(), "{someone_else}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r36_one_project_per_workspace_every_30_seconds() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    create_project(&sandbox, "shop").await;
    let second = gql(
        &sandbox,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
        json!({ "input": { "name": "shop-2" } }),
    )
    .await;
    assert_eq!(
        message(&second),
        "You are creating projects too quickly. This workspace allows 1 project per 30 seconds. Try again shortly."
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r36_a_create_cooldown_shortens_every_window_and_zero_turns_them_off() {
    let sandbox = start_as(SandboxConfig {
        create_cooldown: Some(Duration::from_millis(300)),
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "a").await["errors"].is_null());
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "b").await["errors"].is_array());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "b").await["errors"].is_null());
    sandbox.shutdown().await;

    let sandbox = start_as(relaxed()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    create_project(&sandbox, "shop-2").await;
    for name in ["a", "b", "c"] {
        let created = create_environment_as(&sandbox, TOKEN, &project_id, name).await;
        assert!(created.get("errors").is_none(), "{created}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r25_manual_backups_are_refused_above_half_the_volume_size() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    let backup = || {
        gql(
            &sandbox,
            "mutation($id: String!) { volumeInstanceBackupCreate(volumeInstanceId: $id) { workflowId } }",
            json!({ "id": instance_id }),
        )
    };
    // The default size is 50000 MB: half of it is still allowed.
    admin(&sandbox, "volumes/usage", format!("{instance_id}=25000")).await;
    let allowed = backup().await;
    assert!(allowed["data"]["volumeInstanceBackupCreate"]["workflowId"].is_string());
    admin(&sandbox, "volumes/usage", format!("{instance_id}=25000.5")).await;
    let refused = backup().await;
    assert!(
        message(&refused).contains("more than 50% full"),
        "{refused}"
    );
    assert_eq!(code(&refused), "INTERNAL_SERVER_ERROR");
    sandbox.shutdown().await;
}

fn seconds_between(from: &Value, to: &Value) -> i64 {
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (parse(to) - parse(from)).num_seconds()
}

#[tokio::test]
async fn r26_backups_take_time_and_scheduled_ones_expire_after_their_retention() {
    let sandbox = start_as(SandboxConfig {
        backup_duration: Duration::from_millis(300),
        ..relaxed()
    })
    .await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    data(
        &sandbox,
        "mutation($id: String!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: $id, kinds: [DAILY, WEEKLY, MONTHLY]) }",
        json!({ "id": instance_id }),
    )
    .await;
    for kind in ["DAILY", "WEEKLY", "MONTHLY"] {
        let fired = admin(
            &sandbox,
            "volumes/scheduled-backup",
            format!("{instance_id}={kind}"),
        )
        .await;
        assert_eq!(fired.status(), 200);
    }
    let list = || async { data(&sandbox, BACKUPS, json!({ "id": instance_id })).await };
    assert_eq!(
        list().await["volumeInstanceBackupList"],
        json!([]),
        "still running"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let listed = list().await["volumeInstanceBackupList"].clone();
    let days = |name: &str| {
        let backup = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap();
        assert!(backup["scheduleId"].is_string());
        seconds_between(&backup["createdAt"], &backup["expiresAt"]) / 86_400
    };
    assert_eq!(
        (days("Daily"), days("Weekly"), days("Monthly")),
        (6, 30, 90)
    );

    let id = listed[0]["id"].clone();
    data(
        &sandbox,
        "mutation($b: String!, $i: String!) { volumeInstanceBackupLock(volumeInstanceBackupId: $b, volumeInstanceId: $i) }",
        json!({ "b": id, "i": instance_id }),
    )
    .await;
    let locked = list().await["volumeInstanceBackupList"].clone();
    let locked = locked
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(locked["expiresAt"], Value::Null, "null means never expires");
    let unknown = admin(&sandbox, "volumes/scheduled-backup", "nope=DAILY".into()).await;
    assert_eq!(unknown.status(), 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r18_a_pre_deploy_command_list_of_more_than_one_element_fails() {
    let sandbox = start_as(relaxed()).await;
    let (_, environment_id, service_id) = project_with_service(&sandbox).await;
    let update = |commands: Value| {
        gql(
            &sandbox,
            "mutation($s: String!, $e: String, $input: ServiceInstanceUpdateInput!) {
                serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $input) }",
            json!({ "s": service_id, "e": environment_id,
                "input": { "preDeployCommand": commands } }),
        )
    };
    let two = update(json!(["npm run migrate", "npm run seed"])).await;
    assert_eq!(message(&two), "Error in preDeployCommand - Invalid input");
    let one = update(json!(["npm run migrate && npm run seed"])).await;
    assert_eq!(one["data"]["serviceInstanceUpdate"], true, "{one}");
    sandbox.shutdown().await;
}

async fn create_custom_domain(
    sandbox: &Sandbox,
    ids: &(String, String, String),
    domain: &str,
) -> Value {
    gql(
        sandbox,
        "mutation($input: CustomDomainCreateInput!) { customDomainCreate(input: $input) { id } }",
        json!({ "input": { "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2,
            "domain": domain } }),
    )
    .await
}

#[tokio::test]
async fn r32_custom_domains_per_service_follow_the_plan() {
    for (plan, allowed) in [
        (SandboxPlan::Trial, 1),
        (SandboxPlan::Hobby, 2),
        (SandboxPlan::Pro, 20),
    ] {
        let sandbox = start_as(SandboxConfig { plan, ..relaxed() }).await;
        let ids = project_with_service(&sandbox).await;
        for n in 0..allowed {
            let created = create_custom_domain(&sandbox, &ids, &format!("d{n}.example.com")).await;
            assert!(created.get("errors").is_none(), "{plan:?} #{n}: {created}");
        }
        let over = create_custom_domain(&sandbox, &ids, "over.example.com").await;
        assert!(
            message(&over).contains(&format!("allows {allowed} custom domains")),
            "{plan:?}: {over}"
        );
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn r32_the_service_domain_race_text_is_produced_on_demand() {
    let sandbox = start_as(SandboxConfig {
        faults: "serviceDomainCreate=try-again".parse().unwrap(),
        ..relaxed()
    })
    .await;
    let (_, environment_id, service_id) = project_with_service(&sandbox).await;
    let raced = gql(
        &sandbox,
        "mutation($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { id } }",
        json!({ "input": { "serviceId": service_id, "environmentId": environment_id } }),
    )
    .await;
    assert_eq!(
        message(&raced),
        "Failed to create service domain, please try again"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r37_deletes_of_unknown_ids_answer_not_authorized() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    let deletes = [
        "mutation { serviceDelete(id: \"nope\") }".to_string(),
        "mutation { serviceDomainDelete(id: \"nope\") }".to_string(),
        "mutation { customDomainDelete(id: \"nope\") }".to_string(),
        "mutation { tcpProxyDelete(id: \"nope\") }".to_string(),
        "mutation { volumeDelete(volumeId: \"nope\") }".to_string(),
        format!(
            "mutation {{ volumeInstanceBackupDelete(volumeInstanceBackupId: \"nope\", volumeInstanceId: \"{instance_id}\") {{ workflowId }} }}"
        ),
    ];
    for query in deletes {
        let answer = gql(&sandbox, &query, json!({})).await;
        assert_eq!(message(&answer), "Not Authorized", "{query}: {answer}");
    }
    // Deleting twice: the second finds nothing and answers the same way.
    let service_delete = "mutation($id: String!) { serviceDelete(id: $id) }";
    data(&sandbox, service_delete, json!({ "id": ids.2 })).await;
    let again = gql(&sandbox, service_delete, json!({ "id": ids.2 })).await;
    assert_eq!(message(&again), "Not Authorized");
    sandbox.shutdown().await;
}

async fn set_faults(sandbox: &Sandbox, spec: &str) {
    assert_eq!(
        admin(sandbox, "faults", spec.to_string()).await.status(),
        200
    );
}

#[tokio::test]
async fn r38_each_transient_business_error_can_be_injected() {
    let sandbox = start_as(relaxed()).await;
    for (kind, expected) in [
        ("problem", "Problem processing request"),
        (
            "try-again",
            "Failed to create service domain, please try again",
        ),
        (
            "redeploy-not-ready",
            "Cannot redeploy yet, please wait for the original deployment to finish building",
        ),
        ("in-progress", "an operation is already in progress"),
    ] {
        set_faults(&sandbox, &format!("projects={kind}")).await;
        let answer = gql(
            &sandbox,
            "query { projects { edges { node { id } } } }",
            json!({}),
        )
        .await;
        assert!(message(&answer).ends_with(expected), "{kind}: {answer}");
        assert_eq!(answer["data"], Value::Null);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r39_5xx_answers_come_as_html_text_and_json_and_429_carries_retry_after() {
    let sandbox = start_as(relaxed()).await;
    let body = json!({ "query": "query { projects { edges { node { id } } } }" });
    for (kind, status, content_type, needle) in [
        ("error500", 500, "text/html", "<html"),
        ("error502", 502, "text/html", "<html"),
        ("error503-text", 503, "text/plain", "upstream connect error"),
        ("error503-json", 503, "application/json", "\"errors\""),
        ("error504", 504, "text/html", "<html"),
        ("ratelimit", 429, "application/json", "\"errors\""),
    ] {
        set_faults(&sandbox, &format!("*={kind}")).await;
        let response = post_raw(&sandbox, body.clone(), Some(TOKEN)).await;
        assert_eq!(response.status(), status, "{kind}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert!(
            header("content-type").unwrap().starts_with(content_type),
            "{kind}"
        );
        if status == 429 {
            assert_eq!(header("retry-after").as_deref(), Some("1"));
        }
        assert!(response.text().await.unwrap().contains(needle), "{kind}");
    }
    sandbox.shutdown().await;
}

/// Sends `count` requests at once; returns how many were turned away with the HTML 403.
async fn denied_of(count: usize, url: &str, x_source: bool) -> usize {
    let client = reqwest::Client::new();
    let mut denied = 0;
    for _ in 0..count {
        let mut request = client
            .post(url)
            .bearer_auth(TOKEN)
            .json(&json!({ "query": "query { projects { edges { node { id } } } }" }));
        if x_source {
            request = request.header("x-source", "sandbox-rules-test");
        }
        let response = request.send().await.unwrap();
        if response.status() == 403 {
            let text = response.text().await.unwrap();
            assert!(
                text.contains("Access denied") && text.contains("<html"),
                "{text}"
            );
            denied += 1;
        } else {
            assert_eq!(response.status(), 200);
        }
    }
    denied
}

#[tokio::test]
async fn r40_unidentified_clients_above_ten_requests_a_second_get_an_html_403() {
    let sandbox = start_as(SandboxConfig {
        create_cooldown: Some(Duration::ZERO),
        ..SandboxConfig::default()
    })
    .await;
    let url = sandbox.url();
    assert!(denied_of(15, &url, false).await >= 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(denied_of(15, &url, true).await, 0, "x-source");
    let with_source = format!("{url}?source=railway-operator");
    assert_eq!(denied_of(15, &with_source, false).await, 0, "?source=");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r41_new_volumes_and_instances_stay_out_of_lists_for_the_visibility_delay() {
    let sandbox = start_as(SandboxConfig {
        visibility_delay: Duration::from_millis(500),
        ..relaxed()
    })
    .await;
    let ids = project_with_service(&sandbox).await;
    let created = create_volume(
        &sandbox,
        json!({ "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2, "mountPath": "/data" }),
    )
    .await;
    assert!(
        created["data"]["volumeCreate"]["id"].is_string(),
        "{created}"
    );
    assert!(project_volumes(&sandbox, &ids.0).await.is_empty());
    assert!(
        environment_volume_instances(&sandbox, &ids.1)
            .await
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(project_volumes(&sandbox, &ids.0).await.len(), 1);
    assert_eq!(
        environment_volume_instances(&sandbox, &ids.1).await.len(),
        1
    );
    sandbox.shutdown().await;
}
