//! Railway semantics reproduced by the sandbox: creation fan-out, uniqueness, soft deletes,
//! instance updates, variables, config blob and paging.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::json;

#[tokio::test]
async fn project_create_makes_exactly_one_environment_named_production_by_default() {
    let sandbox = start(SandboxConfig::default()).await;
    let created = data(
        &sandbox,
        "mutation ProjectCreate($input: ProjectCreateInput!) { projectCreate(input: $input) { id name environments(first: 10) { edges { node { id name } } } } }",
        json!({ "input": { "name": "shop" } }),
    )
    .await;
    let edges = created["projectCreate"]["environments"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["name"], "production");
    let id = created["projectCreate"]["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "ids are UUIDs: {id}");

    let named = data(
        &sandbox,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { environments { edges { node { name } } } } }",
        json!({ "input": { "name": "shop", "defaultEnvironmentName": "live" } }),
    )
    .await;
    assert_eq!(
        named["projectCreate"]["environments"]["edges"][0]["node"]["name"],
        "live"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_missing_project_is_reported_with_railways_message_and_code() {
    let sandbox = start(SandboxConfig::default()).await;
    let envelope = gql(
        &sandbox,
        "query { project(id: \"nope\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(envelope["data"], serde_json::Value::Null);
    assert_eq!(envelope["errors"][0]["message"], "Project not found");
    assert_eq!(
        envelope["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
    assert_eq!(envelope["errors"][0]["path"][0], "project");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicate_service_names_are_rejected_with_railways_error_text() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let first = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    assert!(first.get("errors").is_none(), "{first}");
    let second = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    assert_eq!(
        second["errors"][0]["message"],
        "A service named \"api\" already exists in this project"
    );
    assert_eq!(
        second["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn service_create_fans_out_to_every_environment_with_default_settings_and_a_deployment() {
    // Deployments are live at once here; tests/sandbox_rules_deployments.rs walks the lifecycle.
    let sandbox = start(SandboxConfig {
        deploy_duration: std::time::Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    assert!(
        instances(&sandbox, &staging).await.is_empty(),
        "a new environment without source is empty"
    );
    let created = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "repo": "acme/web" }, "branch": "main",
                "variables": { "PORT": "8080" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for environment in [&production, &staging] {
        let found = instances(&sandbox, environment).await;
        assert_eq!(found.len(), 1);
        let instance = &found[0];
        assert_eq!(instance["serviceId"], service_id.as_str());
        assert_eq!(instance["serviceName"], "web");
        assert_eq!(instance["source"]["repo"], "acme/web");
        assert_eq!(instance["builder"], "RAILPACK");
        assert_eq!(instance["restartPolicyType"], "ON_FAILURE");
        assert_eq!(instance["restartPolicyMaxRetries"], 10);
        assert_eq!(instance["numReplicas"], 1);
        assert_eq!(instance["watchPatterns"], json!([]));
        assert_eq!(instance["latestDeployment"]["status"], "SUCCESS");
        let triggers = data(
            &sandbox,
            "query($id: String!) { environment(id: $id) { deploymentTriggers(first: 10) { edges { node { serviceId provider repository branch } } } } }",
            json!({ "id": environment }),
        )
        .await;
        let trigger = &triggers["environment"]["deploymentTriggers"]["edges"][0]["node"];
        assert_eq!(trigger["provider"], "github");
        assert_eq!(trigger["branch"], "main");
        let variables = data(
            &sandbox,
            "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
            json!({ "p": project_id, "e": environment, "s": service_id }),
        )
        .await;
        assert_eq!(variables["variables"], json!({ "PORT": "8080" }));
    }
    sandbox.shutdown().await;
}

const UPDATE: &str = "mutation ServiceInstanceUpdate($serviceId: String!, $environmentId: String, $input: ServiceInstanceUpdateInput!) {
    serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input) }";

#[tokio::test]
async fn service_instance_update_without_num_replicas_resets_it_to_one() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment) = create_project(&sandbox, "shop").await;
    let created = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vars = json!({ "serviceId": service_id, "environmentId": environment,
                       "input": { "numReplicas": 3, "startCommand": "./run", "preDeployCommand": ["migrate"] } });
    data(&sandbox, UPDATE, vars).await;
    let instance = &instances(&sandbox, &environment).await[0];
    assert_eq!(instance["numReplicas"], 3);
    assert_eq!(instance["preDeployCommand"], json!(["migrate"]));
    let before_deploy = instance["latestDeployment"]["id"].clone();

    data(&sandbox, UPDATE, json!({ "serviceId": service_id, "environmentId": environment, "input": { "startCommand": null } })).await;
    let instance = &instances(&sandbox, &environment).await[0];
    assert_eq!(instance["numReplicas"], 1, "absent numReplicas resets to 1");
    assert_eq!(
        instance["startCommand"],
        serde_json::Value::Null,
        "explicit null clears"
    );
    assert_eq!(
        instance["preDeployCommand"],
        json!(["migrate"]),
        "absent fields stay"
    );
    assert_eq!(
        instance["latestDeployment"]["id"], before_deploy,
        "an update does not deploy"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn service_instance_update_on_a_missing_instance_reports_service_instance_not_found() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment) = create_project(&sandbox, "shop").await;
    let envelope = gql(
        &sandbox,
        UPDATE,
        json!({ "serviceId": "missing", "environmentId": environment, "input": {} }),
    )
    .await;
    assert_eq!(
        envelope["errors"][0]["message"],
        "ServiceInstance not found"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn soft_deleted_services_come_back_with_deleted_at_and_free_their_name() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment) = create_project(&sandbox, "shop").await;
    let created = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deleted = data(
        &sandbox,
        "mutation ServiceDelete($id: String!, $environmentId: String) { serviceDelete(id: $id, environmentId: $environmentId) }",
        json!({ "id": service_id, "environmentId": environment }),
    )
    .await;
    assert_eq!(deleted["serviceDelete"], true);
    let services = data(
        &sandbox,
        "query($id: String!) { project(id: $id) { services(first: 500) { edges { node { id name deletedAt } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    let node = &services["project"]["services"]["edges"][0]["node"];
    assert_eq!(node["id"], service_id.as_str());
    assert!(node["deletedAt"].is_string(), "deletedAt is set: {node}");
    let instance = &instances(&sandbox, &environment).await[0];
    assert!(instance["deletedAt"].is_string());
    let again = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    assert!(
        again.get("errors").is_none(),
        "a deleted service's name can be reused: {again}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn environment_create_from_a_source_clones_instances_triggers_and_variables() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let created = create_service(&sandbox, json!({ "projectId": project_id, "name": "api", "source": { "repo": "acme/api" }, "branch": "main" })).await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    data(&sandbox, UPDATE, json!({ "serviceId": service_id, "environmentId": production, "input": { "numReplicas": 4 } })).await;
    data(
        &sandbox,
        "mutation($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }",
        json!({ "input": { "projectId": project_id, "environmentId": production, "variables": { "REGION": "eu" } } }),
    )
    .await;
    let copy = data(
        &sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id isEphemeral } }",
        json!({ "input": { "projectId": project_id, "name": "pr-1", "sourceEnvironmentId": production, "ephemeral": true } }),
    )
    .await;
    assert_eq!(copy["environmentCreate"]["isEphemeral"], true);
    let copy_id = copy["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cloned = instances(&sandbox, &copy_id).await;
    assert_eq!(cloned.len(), 1);
    assert_eq!(cloned[0]["numReplicas"], 4);
    let shared = data(
        &sandbox,
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }",
        json!({ "p": project_id, "e": copy_id }),
    )
    .await;
    assert_eq!(shared["variables"], json!({ "REGION": "eu" }));
    let listed = data(
        &sandbox,
        "query($id: String!) { project(id: $id) { environments(first: 10, isEphemeral: false) { edges { node { name } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    assert_eq!(
        listed["project"]["environments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "isEphemeral filters"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn variables_render_references_unless_unrendered_and_config_hides_values_unless_decrypted() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment) = create_project(&sandbox, "shop").await;
    let db = create_service(&sandbox, json!({ "projectId": project_id, "name": "postgres", "variables": { "DATABASE_URL": "postgres://db" } })).await;
    let db_id = db["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let api = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    let api_id = api["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let upsert = "mutation($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";
    data(&sandbox, upsert, json!({ "input": { "projectId": project_id, "environmentId": environment, "variables": { "KEY": "k1" } } })).await;
    data(&sandbox, upsert, json!({ "input": { "projectId": project_id, "environmentId": environment, "serviceId": api_id, "skipDeploys": true,
        "variables": { "DB": "${{postgres.DATABASE_URL}}", "SECRET": "${{ shared.KEY }}", "HOST": "h", "URL": "https://${{HOST}}/x" } } })).await;
    let read = "query($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }";
    let raw = data(
        &sandbox,
        read,
        json!({ "p": project_id, "e": environment, "s": api_id, "u": true }),
    )
    .await;
    assert_eq!(raw["variables"]["DB"], "${{postgres.DATABASE_URL}}");
    let rendered = data(
        &sandbox,
        read,
        json!({ "p": project_id, "e": environment, "s": api_id, "u": false }),
    )
    .await;
    assert_eq!(rendered["variables"]["DB"], "postgres://db");
    assert_eq!(rendered["variables"]["SECRET"], "k1");
    assert_eq!(rendered["variables"]["URL"], "https://h/x");

    data(&sandbox, upsert, json!({ "input": { "projectId": project_id, "environmentId": environment, "serviceId": api_id, "replace": true,
        "variables": { "ONLY": "1" } } })).await;
    let replaced = data(
        &sandbox,
        read,
        json!({ "p": project_id, "e": environment, "s": api_id, "u": true }),
    )
    .await;
    assert_eq!(replaced["variables"], json!({ "ONLY": "1" }));

    data(&sandbox, "mutation($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }",
        json!({ "input": { "serviceId": db_id, "environmentId": environment, "vCPUs": 2.0, "memoryGB": 1.5 } })).await;
    let config_query = "query($id: String!, $d: Boolean) { environment(id: $id) { config(decryptVariables: $d) configEtag } }";
    let hidden = data(
        &sandbox,
        config_query,
        json!({ "id": environment, "d": false }),
    )
    .await;
    let config = &hidden["environment"]["config"];
    assert_eq!(
        config["sharedVariables"]["KEY"]["value"],
        serde_json::Value::Null
    );
    assert_eq!(
        config["services"][&db_id]["deploy"]["limitOverride"]["containers"],
        json!({ "cpu": 2, "memoryBytes": 1_500_000_000i64 })
    );
    // R19: placement is only in multiRegionConfig; no total beside it.
    assert_eq!(
        config["services"][&db_id]["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 1 } })
    );
    assert!(config["services"][&db_id]["deploy"]["numReplicas"].is_null());
    let shown = data(
        &sandbox,
        config_query,
        json!({ "id": environment, "d": true }),
    )
    .await;
    assert_eq!(
        shown["environment"]["config"]["services"][&api_id]["variables"]["ONLY"]["value"],
        "1"
    );
    assert_eq!(
        shown["environment"]["configEtag"],
        hidden["environment"]["configEtag"]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn connections_page_with_first_and_after() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    for name in ["a", "b", "c"] {
        create_service(&sandbox, json!({ "projectId": project_id, "name": name })).await;
    }
    let query = "query($id: String!, $after: String) { project(id: $id) { services(first: 2, after: $after) {
        pageInfo { hasNextPage endCursor } edges { node { name } } } } }";
    let first = data(&sandbox, query, json!({ "id": project_id })).await;
    let page = &first["project"]["services"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let second = data(
        &sandbox,
        query,
        json!({ "id": project_id, "after": page["pageInfo"]["endCursor"] }),
    )
    .await;
    let page = &second["project"]["services"];
    assert_eq!(page["edges"][0]["node"]["name"], "c");
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn deploy_v2_returns_a_new_deployment_id_seen_as_latest_deployment() {
    // Deployments are live at once here; tests/sandbox_rules_deployments.rs walks the lifecycle.
    let sandbox = start(SandboxConfig {
        deploy_duration: std::time::Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment) = create_project(&sandbox, "shop").await;
    let created = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deployed = data(
        &sandbox,
        "mutation($serviceId: String!, $environmentId: String!) { serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId) }",
        json!({ "serviceId": service_id, "environmentId": environment }),
    )
    .await;
    let instance = &instances(&sandbox, &environment).await[0];
    assert_eq!(
        instance["latestDeployment"]["id"],
        deployed["serviceInstanceDeployV2"]
    );
    assert_eq!(instance["latestDeployment"]["status"], "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn projects_and_workspace_list_the_created_projects() {
    let sandbox = start(SandboxConfig::default()).await;
    // R33: only projects created in the workspace are listed by it.
    for name in ["one", "two"] {
        data(
            &sandbox,
            "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
            json!({ "input": { "name": name, "workspaceId": railway_operator::sandbox::SANDBOX_WORKSPACE_ID } }),
        )
        .await;
    }
    let listed = data(
        &sandbox,
        "query Projects($workspaceId: String, $after: String) { projects(workspaceId: $workspaceId, first: 500, after: $after) {
            pageInfo { hasNextPage endCursor } edges { node { id name deletedAt workspaceId } } } }",
        json!({ "workspaceId": railway_operator::sandbox::SANDBOX_WORKSPACE_ID }),
    )
    .await;
    assert_eq!(listed["projects"]["edges"].as_array().unwrap().len(), 2);
    let workspace = data(
        &sandbox,
        "query($w: String!) { workspace(workspaceId: $w) { id projects { edges { node { name } } } } }",
        json!({ "w": railway_operator::sandbox::SANDBOX_WORKSPACE_ID }),
    )
    .await;
    assert_eq!(
        workspace["workspace"]["projects"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    sandbox.shutdown().await;
}
