//! Deployments in the sandbox follow Railway's rules: the lifecycle and forced outcomes (R42),
//! what starts a deployment (R43, R28), redeploys refused while building (R38), health checks
//! (R44), and the deployment roots and fields Railway's CLI reads.

use crate::support::operation_validation;
use crate::support::sandbox_common as common;
use crate::support::sandbox_deployments as deployments;
use crate::support::schema_agreement;
use crate::support::upstream_schema;

use std::time::{Duration, Instant};

use deployments::*;

use common::*;
use railway_operator::sandbox::{DeploymentOutcome, SandboxConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn r42_a_deployment_walks_initializing_building_deploying_success() {
    // Phases of 400, 2000 and 1600 ms: wide enough for a 20 ms poll on a loaded machine.
    let sandbox = start(config(4000)).await;
    let (project_id, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    let seen = until(&sandbox, &id, "SUCCESS").await;
    assert_eq!(seen, ["INITIALIZING", "BUILDING", "DEPLOYING", "SUCCESS"]);
    let done = deployment(&sandbox, &id).await;
    assert_eq!(done["serviceId"], service_id.as_str());
    assert_eq!(done["environmentId"], environment_id.as_str());
    assert_eq!(done["projectId"], project_id.as_str());
    assert_eq!(done["canRedeploy"], true);
    assert_eq!(done["deploymentStopped"], false);
    assert_eq!(done["instances"][0]["status"], "RUNNING");
    assert_eq!(done["meta"]["image"], "nginx:1.27");
    assert!(done["updatedAt"].as_str().unwrap() > done["createdAt"].as_str().unwrap());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_service_forced_failed_by_flag_fails_its_build() {
    let sandbox = start(SandboxConfig {
        deploy_outcomes: vec![("api".into(), DeploymentOutcome::Failed)],
        ..config(300)
    })
    .await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    let seen = watch(&sandbox, &id, |s| s == "FAILED").await;
    assert!(!seen.contains(&"DEPLOYING".to_string()), "{seen:?}");
    let failed = deployment(&sandbox, &id).await;
    assert_eq!(failed["instances"], json!([]));
    assert_eq!(failed["canRedeploy"], true);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_running_deployment_forced_crashed_at_run_time_crashes() {
    let sandbox = start(config(1000)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    let answer = set_outcome(&sandbox, json!({ "service": "api", "outcome": "CRASHED" })).await;
    assert_eq!(answer.status(), 200);
    let crashed = deployment(&sandbox, &id).await;
    assert_eq!(crashed["status"], "CRASHED");
    assert_eq!(crashed["instances"][0]["status"], "CRASHED");
    // The next deployment crashes too, after it deployed.
    let next = deploy(&sandbox, &environment_id, &service_id).await;
    let seen = watch(&sandbox, &next, |s| s == "CRASHED").await;
    assert!(seen.contains(&"DEPLOYING".to_string()), "{seen:?}");
    // SUCCESS clears the forced outcome.
    set_outcome(&sandbox, json!({ "service": "api", "outcome": "SUCCESS" })).await;
    let healthy = deploy(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &healthy, "SUCCESS").await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_service_forced_skipped_is_skipped_at_once() {
    let sandbox = start(config(300)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let answer = set_outcome(&sandbox, json!({ "service": "api", "outcome": "SKIPPED" })).await;
    assert_eq!(answer.status(), 200);
    let id = deploy(&sandbox, &environment_id, &service_id).await;
    assert_eq!(status(&sandbox, &id).await, "SKIPPED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_the_outcome_endpoint_refuses_a_malformed_body() {
    let sandbox = start(config(300)).await;
    for body in [
        json!({ "service": "api" }),
        json!({ "service": "api", "outcome": "EXPLODED" }),
        json!("FAILED"),
    ] {
        let answer = set_outcome(&sandbox, body.clone()).await;
        assert_eq!(answer.status(), 400, "{body}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_superseded_deployment_goes_removing_then_removed() {
    // REMOVING lasts a quarter of the deploy time: 400 ms here.
    let sandbox = start(config(1600)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let first = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &first, "SUCCESS").await;
    let second = deploy(&sandbox, &environment_id, &service_id).await;
    // The old one keeps serving while the new one builds.
    assert_eq!(status(&sandbox, &first).await, "SUCCESS");
    let seen = until(&sandbox, &first, "REMOVED").await;
    assert_eq!(seen, ["SUCCESS", "REMOVING", "REMOVED"]);
    assert_eq!(status(&sandbox, &second).await, "SUCCESS");
    let removed = deployment(&sandbox, &first).await;
    assert_eq!(removed["canRedeploy"], false);
    assert_eq!(removed["canRollback"], true);
    assert_eq!(removed["instances"][0]["status"], "REMOVED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_deployment_still_building_is_aborted_by_a_newer_one() {
    let sandbox = start(config(2000)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let first = latest_id(&sandbox, &environment_id, &service_id).await;
    let second = deploy(&sandbox, &environment_id, &service_id).await;
    assert_eq!(status(&sandbox, &first).await, "REMOVING");
    until(&sandbox, &first, "REMOVED").await;
    until(&sandbox, &second, "SUCCESS").await;
    assert_eq!(deployment(&sandbox, &first).await["canRollback"], false);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_a_finished_cron_run_is_success_with_deployment_stopped() {
    let sandbox = start(config(200)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    update_instance(
        &sandbox,
        &environment_id,
        &service_id,
        json!({ "cronSchedule": "*/5 * * * *" }),
    )
    .await;
    let id = deploy(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    let run = deployment(&sandbox, &id).await;
    assert_eq!(run["deploymentStopped"], true);
    assert_eq!(run["instances"][0]["status"], "EXITED");
    let found = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { serviceInstances { edges { node {
            cronSchedule nextCronRunAt } } } } }",
        json!({ "id": environment_id }),
    )
    .await;
    let node = &found["environment"]["serviceInstances"]["edges"][0]["node"];
    let next = chrono::DateTime::parse_from_rfc3339(node["nextCronRunAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ahead = next - chrono::Utc::now();
    assert!(ahead > chrono::Duration::zero() && ahead <= chrono::Duration::minutes(5));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r43_service_create_deploys_only_with_a_source() {
    let sandbox = start(config(300)).await;
    let (project_id, environment_id, sourced) = api_service(&sandbox).await;
    let bare = create_service(&sandbox, json!({ "projectId": project_id, "name": "bare" })).await;
    let bare = bare["data"]["serviceCreate"]["id"].as_str().unwrap();
    assert_eq!(count(&sandbox, &sourced).await, 1);
    assert_eq!(count(&sandbox, bare).await, 0);
    let listed = list(&sandbox, json!({ "environmentId": environment_id })).await;
    assert_eq!(listed.len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r43_environment_create_from_a_source_deploys_unless_skip_initial_deploys() {
    let sandbox = start(config(300)).await;
    let (project_id, environment_id, service_id) = api_service(&sandbox).await;
    let create =
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }";
    let mut copies = Vec::new();
    for (name, skip) in [("staging", false), ("quiet", true)] {
        let created = data(
            &sandbox,
            create,
            json!({ "input": { "projectId": project_id, "name": name,
                "sourceEnvironmentId": environment_id, "skipInitialDeploys": skip } }),
        )
        .await;
        copies.push(
            created["environmentCreate"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let in_env = |env: &str| json!({ "serviceId": service_id, "environmentId": env });
    assert_eq!(list(&sandbox, in_env(&copies[0])).await.len(), 1);
    assert_eq!(list(&sandbox, in_env(&copies[1])).await.len(), 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r43_instance_updates_replicas_limits_and_tcp_proxies_do_not_deploy() {
    let sandbox = start(config(100)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    update_instance(
        &sandbox,
        &environment_id,
        &service_id,
        json!({ "startCommand": "./run", "numReplicas": 3 }),
    )
    .await;
    data(
        &sandbox,
        "mutation($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }",
        json!({ "input": { "environmentId": environment_id, "serviceId": service_id, "vCPUs": 2.0 } }),
    )
    .await;
    data(
        &sandbox,
        "mutation($input: TCPProxyCreateInput!) { tcpProxyCreate(input: $input) { id } }",
        json!({ "input": { "environmentId": environment_id, "serviceId": service_id,
            "applicationPort": 5432 } }),
    )
    .await;
    assert_eq!(count(&sandbox, &service_id).await, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r43_each_deploy_mutation_starts_one_deployment() {
    let sandbox = start(config(100)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let first = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &first, "SUCCESS").await;
    let ids = json!({ "e": environment_id, "s": service_id });

    let v2 = deploy(&sandbox, &environment_id, &service_id).await;
    assert_eq!(latest_id(&sandbox, &environment_id, &service_id).await, v2);
    assert_eq!(deployment(&sandbox, &v2).await["id"], v2.as_str());
    assert_eq!(count(&sandbox, &service_id).await, 2);
    until(&sandbox, &v2, "SUCCESS").await;

    let deployed = data(
        &sandbox,
        "mutation($e: String!, $s: String!) {
            serviceInstanceDeploy(environmentId: $e, serviceId: $s, latestCommit: true) }",
        ids.clone(),
    )
    .await;
    assert_eq!(deployed["serviceInstanceDeploy"], true);
    assert_eq!(count(&sandbox, &service_id).await, 3);
    let third = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &third, "SUCCESS").await;

    let redeployed = data(
        &sandbox,
        "mutation($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }",
        ids,
    )
    .await;
    assert_eq!(redeployed["serviceInstanceRedeploy"], true);
    assert_eq!(count(&sandbox, &service_id).await, 4);
    let fourth = latest_id(&sandbox, &environment_id, &service_id).await;
    assert_eq!(
        deployment(&sandbox, &fourth).await["meta"]["reason"],
        "redeploy"
    );
    until(&sandbox, &fourth, "SUCCESS").await;

    let again = data(
        &sandbox,
        "mutation($id: String!) { deploymentRedeploy(id: $id, usePreviousImageTag: true) { id status } }",
        json!({ "id": first }),
    )
    .await;
    let fifth = again["deploymentRedeploy"]["id"].as_str().unwrap();
    assert_eq!(
        latest_id(&sandbox, &environment_id, &service_id).await,
        fifth
    );
    assert_eq!(count(&sandbox, &service_id).await, 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r28_variable_writes_deploy_unless_skip_deploys_and_deletes_always_do() {
    let sandbox = start(config(100)).await;
    let (project_id, environment_id, service_id) = api_service(&sandbox).await;
    let scope = json!({ "projectId": project_id, "environmentId": environment_id, "serviceId": service_id });
    let with = |extra: Value| {
        let mut input = scope.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "input": input })
    };
    let upsert = "mutation($input: VariableUpsertInput!) { variableUpsert(input: $input) }";
    let collection = "mutation($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";
    let delete = "mutation($input: VariableDeleteInput!) { variableDelete(input: $input) }";

    data(
        &sandbox,
        upsert,
        with(json!({ "name": "A", "value": "1", "skipDeploys": true })),
    )
    .await;
    data(
        &sandbox,
        collection,
        with(json!({ "variables": { "B": "2" }, "skipDeploys": true })),
    )
    .await;
    assert_eq!(count(&sandbox, &service_id).await, 1);

    data(&sandbox, upsert, with(json!({ "name": "A", "value": "3" }))).await;
    assert_eq!(count(&sandbox, &service_id).await, 2);
    data(
        &sandbox,
        collection,
        with(json!({ "variables": { "B": "4" } })),
    )
    .await;
    assert_eq!(count(&sandbox, &service_id).await, 3);
    data(&sandbox, delete, with(json!({ "name": "A" }))).await;
    assert_eq!(count(&sandbox, &service_id).await, 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r28_a_shared_variable_write_deploys_the_services_referencing_it() {
    let sandbox = start(config(100)).await;
    let (project_id, environment_id, api) = api_service(&sandbox).await;
    let other = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "worker", "source": { "image": "busybox" } }),
    )
    .await;
    let worker = other["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let upsert = "mutation($input: VariableUpsertInput!) { variableUpsert(input: $input) }";
    let variable = |service: Option<&str>, name: &str, value: &str, skip: bool| {
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service, "name": name, "value": value, "skipDeploys": skip } })
    };
    data(
        &sandbox,
        upsert,
        variable(Some(&api), "KEY", "${{shared.KEY}}", true),
    )
    .await;
    data(&sandbox, upsert, variable(None, "KEY", "secret", false)).await;
    assert_eq!(count(&sandbox, &api).await, 2);
    assert_eq!(count(&sandbox, &worker).await, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r38_redeploying_a_deployment_still_building_is_refused() {
    let sandbox = start(config(3000)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    let refused = gql(
        &sandbox,
        "mutation($id: String!) { deploymentRedeploy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["message"],
        "Cannot redeploy yet, please wait for the original deployment to finish building"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
    let refused = gql(
        &sandbox,
        "mutation($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }",
        json!({ "e": environment_id, "s": service_id }),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["message"],
        "Cannot redeploy yet, please wait for the original deployment to finish building"
    );
    assert_eq!(count(&sandbox, &service_id).await, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r44_with_a_health_check_an_unhealthy_service_stays_deploying_then_fails() {
    let sandbox = start(config(200)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    // 100 s of Railway time is 1 s in the sandbox.
    update_instance(
        &sandbox,
        &environment_id,
        &service_id,
        json!({ "healthcheckPath": "/health", "healthcheckTimeout": 100 }),
    )
    .await;
    set_outcome(
        &sandbox,
        json!({ "service": "api", "outcome": "UNHEALTHY" }),
    )
    .await;
    let started = Instant::now();
    let id = deploy(&sandbox, &environment_id, &service_id).await;
    let seen = watch(&sandbox, &id, |s| s == "FAILED").await;
    assert!(
        seen.ends_with(&["DEPLOYING".into(), "FAILED".into()]),
        "{seen:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r44_without_a_health_check_nothing_is_waited_for() {
    let sandbox = start(SandboxConfig {
        deploy_outcomes: vec![("api".into(), DeploymentOutcome::Unhealthy)],
        ..config(200)
    })
    .await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r44_a_deployment_waiting_for_health_succeeds_once_healthy() {
    let sandbox = start(config(200)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    // Railway's default timeout (300 s) is 3 s in the sandbox.
    update_instance(
        &sandbox,
        &environment_id,
        &service_id,
        json!({ "healthcheckPath": "/" }),
    )
    .await;
    set_outcome(
        &sandbox,
        json!({ "service": "api", "outcome": "UNHEALTHY" }),
    )
    .await;
    let id = deploy(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "DEPLOYING").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(&sandbox, &id).await, "DEPLOYING");
    set_outcome(&sandbox, json!({ "service": "api", "outcome": "SUCCESS" })).await;
    assert_eq!(status(&sandbox, &id).await, "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn deployments_are_listed_newest_first_and_filtered_by_status() {
    let sandbox = start(config(100)).await;
    let (project_id, environment_id, service_id) = api_service(&sandbox).await;
    let first = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &first, "SUCCESS").await;
    let second = deploy(&sandbox, &environment_id, &service_id).await;
    let all = list(
        &sandbox,
        json!({ "projectId": project_id, "serviceId": service_id }),
    )
    .await;
    let ids: Vec<&str> = all.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    until(&sandbox, &first, "REMOVED").await;
    let live = list(
        &sandbox,
        json!({ "serviceId": service_id, "status": { "notIn": ["REMOVED", "REMOVING"] } }),
    )
    .await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], second.as_str());
    let removed = list(
        &sandbox,
        json!({ "serviceId": service_id, "status": { "in": ["REMOVED"] } }),
    )
    .await;
    assert_eq!(removed[0]["id"], first.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_deployment_is_not_found() {
    let sandbox = start(config(100)).await;
    let answer = gql(
        &sandbox,
        "query { deployment(id: \"nope\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(answer["errors"][0]["message"], "Deployment not found");
    let answer = gql(
        &sandbox,
        "mutation { deploymentRedeploy(id: \"nope\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(answer["errors"][0]["message"], "Deployment not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn instances_show_latest_and_active_deployments_like_railways_cli_reads_them() {
    let sandbox = start(config(100)).await;
    let (project_id, environment_id, service_id) = api_service(&sandbox).await;
    let first = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &first, "SUCCESS").await;
    data(
        &sandbox,
        "mutation($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { domain } }",
        json!({ "input": { "environmentId": environment_id, "serviceId": service_id } }),
    )
    .await;
    let found = data(
        &sandbox,
        "query($e: String!, $p: String!) { environment(id: $e, projectId: $p) {
            serviceInstances { edges { node { serviceId
                latestDeployment { canRedeploy id meta status createdAt deploymentStopped instances { id status } staticUrl }
                activeDeployments { id status createdAt meta deploymentStopped instances { id status } }
                cronSchedule nextCronRunAt } } } } }",
        json!({ "e": environment_id, "p": project_id }),
    )
    .await;
    let node = &found["environment"]["serviceInstances"]["edges"][0]["node"];
    assert_eq!(node["latestDeployment"]["id"], first.as_str());
    assert_eq!(node["latestDeployment"]["canRedeploy"], true);
    assert!(
        node["latestDeployment"]["staticUrl"]
            .as_str()
            .unwrap()
            .ends_with(".up.railway.app")
    );
    assert_eq!(node["activeDeployments"][0]["id"], first.as_str());
    assert_eq!(node["nextCronRunAt"], Value::Null);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn seeded_services_are_deployed_at_once_and_the_history_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let seed = dir.path().join("seed.yml");
    std::fs::write(
        &seed,
        "projects:\n  - name: shop\n    services:\n      - name: api\n        image: nginx\n",
    )
    .unwrap();
    let first = start(SandboxConfig {
        seed_file: Some(seed),
        state_file: Some(state_file.clone()),
        ..config(5000)
    })
    .await;
    let listed = list(&first, json!({})).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "SUCCESS");
    first.shutdown().await;
    let again = start(SandboxConfig {
        state_file: Some(state_file),
        ..config(5000)
    })
    .await;
    assert_eq!(list(&again, json!({})).await[0]["id"], listed[0]["id"]);
    again.shutdown().await;
}

#[test]
fn the_deployment_types_and_fields_agree_with_railways_schema() {
    let Some(upstream) = upstream_schema::upstream_schema() else {
        return;
    };
    let sandbox =
        apollo_compiler::Schema::parse(railway_operator::sandbox::schema_sdl(), "sandbox.graphql")
            .unwrap();
    let ours = |line: &String| {
        line.contains("eployment") && !line.contains("DeploymentTrigger")
            || line.contains("nextCronRunAt")
    };
    let problems: Vec<String> = schema_agreement::schema_mismatches(&sandbox, upstream)
        .into_iter()
        .filter(ours)
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let sandbox = sandbox.validate().unwrap();
    for (name, operation) in [
        ("list", LIST),
        ("deploy", DEPLOY_V2),
        (
            "redeploy",
            "mutation DeploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) { id } }",
        ),
        (
            "status",
            "query DeploymentStatus($id: String!) { deployment(id: $id) {
                status environmentId snapshotId createdAt deploymentStopped } }",
        ),
    ] {
        operation_validation::validate_operation(&sandbox, name, operation).unwrap();
        operation_validation::validate_operation(upstream, name, operation).unwrap();
    }
}

#[tokio::test]
async fn r19_a_deployment_records_its_placement_in_meta() {
    let sandbox = start(config(0)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    update_instance(
        &sandbox,
        &environment_id,
        &service_id,
        json!({ "multiRegionConfig": {
            "us-west2": null, "us-east4-eqdc4a": { "numReplicas": 2 } } }),
    )
    .await;
    let id = deploy(&sandbox, &environment_id, &service_id).await;
    let read = data(
        &sandbox,
        "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) {
            region latestDeployment { id meta } } }",
        json!({ "e": environment_id, "s": service_id }),
    )
    .await;
    let instance = &read["serviceInstance"];
    assert_eq!(instance["region"], Value::Null);
    assert_eq!(instance["latestDeployment"]["id"], id.as_str());
    let placement =
        &instance["latestDeployment"]["meta"]["serviceManifest"]["deploy"]["multiRegionConfig"];
    assert_eq!(
        placement,
        &json!({ "us-east4-eqdc4a": { "numReplicas": 2 } }),
        "{read}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r42_deployment_remove_takes_a_deployment_down_without_a_new_one() {
    let sandbox = start(config(0)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    let removed = data(
        &sandbox,
        "mutation($id: String!) { deploymentRemove(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(removed["deploymentRemove"], true);
    until(&sandbox, &id, "REMOVED").await;
    assert_eq!(count(&sandbox, &service_id).await, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn deployment_restart_restarts_a_running_deployment_only() {
    let sandbox = start(config(0)).await;
    let (_, environment_id, service_id) = api_service(&sandbox).await;
    let id = latest_id(&sandbox, &environment_id, &service_id).await;
    until(&sandbox, &id, "SUCCESS").await;
    let restart = "mutation($id: String!) { deploymentRestart(id: $id) }";
    let restarted = data(&sandbox, restart, json!({ "id": id })).await;
    assert_eq!(restarted["deploymentRestart"], true);
    assert_eq!(status(&sandbox, &id).await, "SUCCESS");
    assert_eq!(count(&sandbox, &service_id).await, 1, "no rebuild");
    data(
        &sandbox,
        "mutation($id: String!) { deploymentRemove(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    until(&sandbox, &id, "REMOVED").await;
    let refused = gql(&sandbox, restart, json!({ "id": id })).await;
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not running")),
        "{refused}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r20_regions_lists_the_ids_multi_region_config_is_keyed_by() {
    let sandbox = start(config(0)).await;
    let (project_id, _, _) = api_service(&sandbox).await;
    let listed = data(
        &sandbox,
        "query($p: String) { regions(projectId: $p) { name region country location
            deploymentConstraints { deprecationInfo { isDeprecated } } } }",
        json!({ "p": project_id }),
    )
    .await;
    let names: Vec<&str> = listed["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "us-west2",
            "us-east4-eqdc4a",
            "europe-west4-drams3a",
            "asia-southeast1-eqsg3a"
        ]
    );
    sandbox.shutdown().await;
}
