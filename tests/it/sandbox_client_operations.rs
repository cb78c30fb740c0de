//! Operations of Railway's real clients (the CLI and the two Terraform providers) that the
//! sandbox serves beyond the operator's needs: a service's instances, deleting deployment
//! triggers, renaming environments, listing and deleting project tokens, issuing certificates,
//! scheduled project deletion, cron runs, and the clients' operations left "not emulated".

use crate::support::sandbox_common as common;

use common::*;
use std::time::Duration;

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const SERVICE_INSTANCES: &str = "query getServiceInstances($serviceId: String!) {
    service(id: $serviceId) { serviceInstances { edges { node { id environmentId serviceId } } } } }";
const PROJECT_TOKENS: &str = "query getProjectTokens($projectId: String!) {
    projectTokens(projectId: $projectId, first: 1000) { edges { node {
        id name projectId environmentId displayToken createdAt } } } }";

/// A project with one `web` service; returns (project, environment, service).
async fn project_with_service(sandbox: &Sandbox) -> (String, String, String) {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let created = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id, service_id)
}

/// Forks `source_id` into a new environment named `name`; returns its id.
async fn fork(sandbox: &Sandbox, project_id: &str, source_id: &str, name: &str) -> String {
    let created = data(
        sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "name": name, "sourceEnvironmentId": source_id } }),
    )
    .await;
    created["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn mint_token(sandbox: &Sandbox, project_id: &str, environment_id: &str) -> String {
    let minted = data(
        sandbox,
        "mutation($input: ProjectTokenCreateInput!) { projectTokenCreate(input: $input) }",
        json!({ "input": { "projectId": project_id, "environmentId": environment_id, "name": "ci" } }),
    )
    .await;
    minted["projectTokenCreate"].as_str().unwrap().to_string()
}

async fn post_with_project_token(sandbox: &Sandbox, token: &str, query: &str) -> Value {
    reqwest::Client::new()
        .post(sandbox.url())
        .header("Project-Access-Token", token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_service_lists_its_instances_in_every_live_environment() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production, service_id) = project_with_service(&sandbox).await;
    let staging = fork(&sandbox, &project_id, &production, "staging").await;
    let found = data(
        &sandbox,
        SERVICE_INSTANCES,
        json!({ "serviceId": service_id }),
    )
    .await;
    let mut environments: Vec<String> = nodes(&found["service"]["serviceInstances"])
        .iter()
        .map(|n| n["environmentId"].as_str().unwrap().to_string())
        .collect();
    environments.sort();
    let mut expected = vec![production.clone(), staging.clone()];
    expected.sort();
    assert_eq!(environments, expected);

    data(
        &sandbox,
        "mutation($id: String!) { environmentDelete(id: $id) }",
        json!({ "id": staging }),
    )
    .await;
    let found = data(
        &sandbox,
        SERVICE_INSTANCES,
        json!({ "serviceId": service_id }),
    )
    .await;
    let left = nodes(&found["service"]["serviceInstances"]);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["environmentId"], production.as_str());
    assert_eq!(left[0]["serviceId"], service_id.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_sees_only_its_own_environments_instance_of_a_service() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production, service_id) = project_with_service(&sandbox).await;
    fork(&sandbox, &project_id, &production, "staging").await;
    let token = mint_token(&sandbox, &project_id, &production).await;
    let query = format!(
        "{{ service(id: \"{service_id}\") {{ serviceInstances {{ edges {{ node {{ environmentId }} }} }} }} }}"
    );
    let answer = post_with_project_token(&sandbox, &token, &query).await;
    let seen = nodes(&answer["data"]["service"]["serviceInstances"]);
    assert_eq!(seen.len(), 1, "{answer}");
    assert_eq!(seen[0]["environmentId"], production.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_deleted_deployment_trigger_leaves_the_environment() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let created = data(
        &sandbox,
        "mutation($input: DeploymentTriggerCreateInput!) { deploymentTriggerCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "provider": "github", "repository": "acme/web", "branch": "main" } }),
    )
    .await;
    let trigger_id = created["deploymentTriggerCreate"]["id"].as_str().unwrap();
    let deleted = data(
        &sandbox,
        "mutation deleteDeploymentTrigger($id: String!) { deploymentTriggerDelete(id: $id) }",
        json!({ "id": trigger_id }),
    )
    .await;
    assert_eq!(deleted["deploymentTriggerDelete"], true);
    let left = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { deploymentTriggers { edges { node { id } } } } }",
        json!({ "id": environment_id }),
    )
    .await;
    assert!(nodes(&left["environment"]["deploymentTriggers"]).is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r37_deleting_an_unknown_deployment_trigger_is_not_authorized() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        "mutation($id: String!) { deploymentTriggerDelete(id: $id) }",
        json!({ "id": "no-such-trigger" }),
    )
    .await;
    assert_eq!(message(&answer), "Not Authorized");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_renamed_environment_answers_and_lists_under_its_new_name() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let renamed = data(
        &sandbox,
        "mutation renameEnvironment($id: String!, $input: EnvironmentRenameInput!) {
            environmentRename(id: $id, input: $input) { id name projectId } }",
        json!({ "id": environment_id, "input": { "name": "live" } }),
    )
    .await;
    assert_eq!(renamed["environmentRename"]["name"], "live");
    assert_eq!(
        renamed["environmentRename"]["projectId"],
        project_id.as_str()
    );
    let read = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { name } }",
        json!({ "id": environment_id }),
    )
    .await;
    assert_eq!(read["environment"]["name"], "live");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn renaming_an_environment_to_a_name_taken_in_its_project_is_refused_like_create() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    create_environment(&sandbox, &project_id, "staging").await;
    let rename = "mutation($id: String!, $input: EnvironmentRenameInput!) {
        environmentRename(id: $id, input: $input) { name } }";
    let answer = gql(
        &sandbox,
        rename,
        json!({ "id": production, "input": { "name": "staging" } }),
    )
    .await;
    assert_eq!(
        message(&answer),
        "Environment with name \"staging\" already exists"
    );
    // Keeping its own name is no clash; another project's names do not count.
    let same = data(
        &sandbox,
        rename,
        json!({ "id": production, "input": { "name": "production" } }),
    )
    .await;
    assert_eq!(same["environmentRename"]["name"], "production");
    let (_, other) = create_project(&sandbox, "blog").await;
    let elsewhere = data(
        &sandbox,
        rename,
        json!({ "id": other, "input": { "name": "staging" } }),
    )
    .await;
    assert_eq!(elsewhere["environmentRename"]["name"], "staging");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn project_tokens_lists_the_projects_tokens_with_masked_secrets() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let (other_project, other_environment) = create_project(&sandbox, "blog").await;
    let secret = mint_token(&sandbox, &project_id, &environment_id).await;
    mint_token(&sandbox, &other_project, &other_environment).await;
    let listed = data(&sandbox, PROJECT_TOKENS, json!({ "projectId": project_id })).await;
    let tokens = nodes(&listed["projectTokens"]);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "ci");
    assert_eq!(tokens[0]["environmentId"], environment_id.as_str());
    let shown = tokens[0]["displayToken"].as_str().unwrap();
    assert!(shown.starts_with("****") && !shown.contains(&secret));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_deleted_project_token_stops_working() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let secret = mint_token(&sandbox, &project_id, &environment_id).await;
    let scope = "{ projectToken { projectId environmentId } }";
    let before = post_with_project_token(&sandbox, &secret, scope).await;
    assert_eq!(
        before["data"]["projectToken"]["projectId"],
        project_id.as_str()
    );

    let listed = data(&sandbox, PROJECT_TOKENS, json!({ "projectId": project_id })).await;
    let id = nodes(&listed["projectTokens"])[0]["id"].clone();
    let deleted = data(
        &sandbox,
        "mutation deleteProjectToken($id: String!) { projectTokenDelete(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(deleted["projectTokenDelete"], true);

    let after = post_with_project_token(&sandbox, &secret, scope).await;
    assert!(after["data"]["projectToken"].is_null(), "{after}");
    assert!(after.get("errors").is_some(), "{after}");
    let listed = data(&sandbox, PROJECT_TOKENS, json!({ "projectId": project_id })).await;
    assert!(nodes(&listed["projectTokens"]).is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r37_deleting_an_unknown_project_token_is_not_authorized() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        "mutation($id: String!) { projectTokenDelete(id: $id) }",
        json!({ "id": "no-such-token" }),
    )
    .await;
    assert_eq!(message(&answer), "Not Authorized");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_can_neither_list_nor_delete_project_tokens() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let secret = mint_token(&sandbox, &project_id, &environment_id).await;
    let list =
        format!("{{ projectTokens(projectId: \"{project_id}\") {{ edges {{ node {{ id }} }} }} }}");
    let answer = post_with_project_token(&sandbox, &secret, &list).await;
    assert!(answer.get("errors").is_some(), "{answer}");
    let listed = data(&sandbox, PROJECT_TOKENS, json!({ "projectId": project_id })).await;
    let id = nodes(&listed["projectTokens"])[0]["id"].clone();
    let delete = format!("mutation {{ projectTokenDelete(id: {id}) }}");
    let answer = post_with_project_token(&sandbox, &secret, &delete).await;
    assert!(answer.get("errors").is_some(), "{answer}");
    let still = data(&sandbox, PROJECT_TOKENS, json!({ "projectId": project_id })).await;
    assert_eq!(nodes(&still["projectTokens"]).len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn issuing_a_certificate_answers_true_for_a_live_custom_domain_only() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id, service_id) = project_with_service(&sandbox).await;
    let created = data(
        &sandbox,
        "mutation($i: CustomDomainCreateInput!) { customDomainCreate(input: $i) { id } }",
        json!({ "i": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "domain": "shop.example.com" } }),
    )
    .await;
    let id = created["customDomainCreate"]["id"].as_str().unwrap();
    let issue = "mutation CustomDomainIssueCertificate($id: String!) {
        customDomainIssueCertificate(id: $id) }";
    let issued = data(&sandbox, issue, json!({ "id": id })).await;
    assert_eq!(issued["customDomainIssueCertificate"], true);
    let unknown = gql(&sandbox, issue, json!({ "id": "no-such-domain" })).await;
    assert_eq!(message(&unknown), "Custom domain not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_scheduled_project_deletion_removes_the_project_and_r37_refuses_it_twice() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let schedule =
        "mutation ProjectScheduleDelete($id: String!) { projectScheduleDelete(id: $id) }";
    let deleted = data(&sandbox, schedule, json!({ "id": project_id })).await;
    assert_eq!(deleted["projectScheduleDelete"], true);
    let read = gql(
        &sandbox,
        "query($id: String!) { project(id: $id) { id } }",
        json!({ "id": project_id }),
    )
    .await;
    assert!(read.get("errors").is_some(), "{read}");
    let again = gql(&sandbox, schedule, json!({ "id": project_id })).await;
    assert_eq!(message(&again), "Not Authorized");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn members_trusted_domains_and_favorites_answer_not_emulated() {
    let sandbox = start(SandboxConfig::default()).await;
    let cases = [
        (
            "projectMembers",
            "query($id: String!) { projectMembers(projectId: $id) { id } }",
        ),
        (
            "trustedDomains",
            "query($id: String!) { trustedDomains(workspaceId: $id) { edges { node { id } } } }",
        ),
        (
            "projectFavorites",
            "query($id: String!) { projectFavorites { edges { node { id } } } }",
        ),
    ];
    for (root, query) in cases {
        let answer = gql(&sandbox, query, json!({ "id": "x" })).await;
        assert_eq!(
            message(&answer),
            format!("sandbox: {root} is not emulated"),
            "{answer}"
        );
    }
    sandbox.shutdown().await;
}

const RUN_NOW: &str =
    "mutation DeploymentInstanceExecutionCreate($input: DeploymentInstanceExecutionCreateInput!) {
    deploymentInstanceExecutionCreate(input: $input) }";
const RUNS: &str = "query DeploymentInstanceExecutions($input: DeploymentInstanceExecutionListInput!, $first: Int) {
    deploymentInstanceExecutions(input: $input, first: $first) { edges { node {
        id deploymentId deploymentMeta status createdAt completedAt updatedAt } } } }";

#[tokio::test]
async fn a_cron_run_requested_now_is_listed_against_the_running_deployment() {
    let sandbox = start(SandboxConfig {
        deploy_duration: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (_, environment_id, service_id) = project_with_service(&sandbox).await;
    let instance = instances(&sandbox, &environment_id).await.remove(0);
    let deployment_id = instance["latestDeployment"]["id"].as_str().unwrap();
    let ran = data(
        &sandbox,
        RUN_NOW,
        json!({ "input": { "serviceInstanceId": instance["id"] } }),
    )
    .await;
    assert_eq!(ran["deploymentInstanceExecutionCreate"], true);
    let listed = data(
        &sandbox,
        RUNS,
        json!({ "input": { "serviceId": service_id, "environmentId": environment_id }, "first": 20 }),
    )
    .await;
    let runs = nodes(&listed["deploymentInstanceExecutions"]);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["deploymentId"], deployment_id);
    assert_eq!(runs[0]["status"], "EXITED");
    assert!(runs[0]["completedAt"].is_string());
    assert!(runs[0]["deploymentMeta"].is_object());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_cron_run_of_an_unknown_instance_is_refused() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        RUN_NOW,
        json!({ "input": { "serviceInstanceId": "no-such-instance" } }),
    )
    .await;
    assert_eq!(message(&answer), "ServiceInstance not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_cannot_run_another_environments_cron() {
    let sandbox = start(SandboxConfig {
        deploy_duration: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, production, _) = project_with_service(&sandbox).await;
    let staging = fork(&sandbox, &project_id, &production, "staging").await;
    let token = mint_token(&sandbox, &project_id, &staging).await;
    let instance = instances(&sandbox, &production).await.remove(0);
    let query = format!(
        "mutation {{ deploymentInstanceExecutionCreate(input: {{ serviceInstanceId: {} }}) }}",
        instance["id"]
    );
    let answer = post_with_project_token(&sandbox, &token, &query).await;
    assert!(answer.get("errors").is_some(), "{answer}");
    sandbox.shutdown().await;
}
