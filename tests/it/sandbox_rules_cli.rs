//! Rules R33–R35 and R37 as Railway's CLI meets them: workspaces, project tokens, restricted
//! environments, Railway's validation wording, "not emulated" roots, and the CLI's extra roots
//! and maintenance mutations.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{SANDBOX_WORKSPACE_ID, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn post_with_project_token(
    sandbox: &Sandbox,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    reqwest::Client::new()
        .post(sandbox.url())
        .header("Project-Access-Token", token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post_as(sandbox: &Sandbox, token: &str, query: &str, variables: Value) -> Value {
    post_raw(
        sandbox,
        json!({ "query": query, "variables": variables }),
        Some(token),
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn create_project_in_workspace(sandbox: &Sandbox, name: &str) -> (String, String) {
    let created = data(
        sandbox,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { id
            environments { edges { node { id } } } } }",
        json!({ "input": { "name": name, "workspaceId": SANDBOX_WORKSPACE_ID } }),
    )
    .await;
    let project = &created["projectCreate"];
    (
        project["id"].as_str().unwrap().to_string(),
        project["environments"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    )
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

#[tokio::test]
async fn r33_projects_without_a_workspace_id_lists_only_personal_projects() {
    let sandbox = start(SandboxConfig::default()).await;
    let (in_workspace, _) = create_project_in_workspace(&sandbox, "team-app").await;
    let (personal, _) = create_project(&sandbox, "personal-app").await;
    let listed = data(
        &sandbox,
        "{ projects { edges { node { id workspaceId workspace { id } } } } }",
        json!({}),
    )
    .await;
    let ids: Vec<&str> = listed["projects"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [personal.as_str()]);
    assert!(listed["projects"]["edges"][0]["node"]["workspace"].is_null());
    let scoped = data(
        &sandbox,
        "query($w: String) { projects(workspaceId: $w) { edges { node { id workspace { id name } } } } }",
        json!({ "w": SANDBOX_WORKSPACE_ID }),
    )
    .await;
    let ids: Vec<&str> = scoped["projects"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [in_workspace.as_str()]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r33_me_lists_the_workspace_with_its_projects_and_no_external_workspaces() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project_in_workspace(&sandbox, "team-app").await;
    let me = data(
        &sandbox,
        "{ externalWorkspaces { id name teamId projects { id } }
           me { id name email workspaces { id name team { id } projects(first: 500) { edges { node {
             id name createdAt updatedAt deletedAt
             environments { edges { node { id name canAccess } } } services { edges { node { id } } } } } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(me["externalWorkspaces"], json!([]));
    let workspace = &me["me"]["workspaces"][0];
    assert_eq!(workspace["id"], SANDBOX_WORKSPACE_ID);
    assert_eq!(
        workspace["projects"]["edges"][0]["node"]["id"],
        project_id.as_str()
    );
    assert_eq!(
        workspace["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]["canAccess"],
        true
    );
    assert!(me["me"]["email"].as_str().unwrap().contains('@'));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_names_its_scope_and_reaches_only_its_environment() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project_in_workspace(&sandbox, "app").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    let token = mint_token(&sandbox, &project_id, &production).await;

    let scope = post_with_project_token(
        &sandbox,
        &token,
        "{ projectToken { id projectId environmentId project { id name } environment { id name } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        scope["data"]["projectToken"]["projectId"],
        project_id.as_str()
    );
    assert_eq!(
        scope["data"]["projectToken"]["environment"]["id"],
        production.as_str()
    );
    assert_eq!(scope["data"]["projectToken"]["project"]["name"], "app");

    let own = post_with_project_token(
        &sandbox,
        &token,
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }",
        json!({ "p": project_id, "e": production }),
    )
    .await;
    assert!(own.get("errors").is_none(), "{own}");
    let other = post_with_project_token(
        &sandbox,
        &token,
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }",
        json!({ "p": project_id, "e": staging }),
    )
    .await;
    assert_eq!(message(&other), "Not Authorized", "{other}");
    let project = post_with_project_token(
        &sandbox,
        &token,
        "query($id: String!) { project(id: $id) { name environments { edges { node { id } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    assert_eq!(
        project["data"]["project"]["environments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        project["data"]["project"]["environments"]["edges"][0]["node"]["id"],
        production.as_str()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_cannot_list_projects_read_me_or_create() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project_in_workspace(&sandbox, "app").await;
    let token = mint_token(&sandbox, &project_id, &production).await;
    for (query, variables) in [
        ("{ projects { edges { node { id } } } }", json!({})),
        ("{ me { id } }", json!({})),
        (
            "mutation { projectCreate(input: { name: \"x\" }) { id } }",
            json!({}),
        ),
        (
            "mutation($p: String!) { environmentCreate(input: { projectId: $p, name: \"qa\" }) { id } }",
            json!({ "p": project_id }),
        ),
    ] {
        let answer = post_with_project_token(&sandbox, &token, query, variables).await;
        assert_eq!(message(&answer), "Not Authorized", "{query}: {answer}");
    }
    let unknown = post_with_project_token(
        &sandbox,
        "not-a-token",
        "{ projectToken { id } }",
        json!({}),
    )
    .await;
    assert_eq!(message(&unknown), "Not Authorized");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_project_tokens_survive_a_restart_through_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        state_file: Some(dir.path().join("state.json")),
        ..SandboxConfig::default()
    };
    let sandbox = start(config.clone()).await;
    let (project_id, production) = create_project_in_workspace(&sandbox, "app").await;
    let token = mint_token(&sandbox, &project_id, &production).await;
    sandbox.shutdown().await;
    let restarted = start(config).await;
    let scope = post_with_project_token(
        &restarted,
        &token,
        "{ projectToken { projectId } }",
        json!({}),
    )
    .await;
    assert_eq!(
        scope["data"]["projectToken"]["projectId"],
        project_id.as_str()
    );
    restarted.shutdown().await;
}

const RESTRICTED_SEED: &str = "
memberTokens: [member-token]
projects:
  - name: bank
    workspaceId: 5a9d1c3e-7b2f-4e61-9c8a-0d4b6f2e1a77
    environments:
      - name: production
        restricted: true
        sharedVariables: { SECRET: s3cret }
      - name: staging
    services:
      - name: api
        image: nginx:1.27
";

#[tokio::test]
async fn r35_a_member_sees_a_restricted_environment_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yml");
    std::fs::write(&seed, RESTRICTED_SEED).unwrap();
    let sandbox = start(SandboxConfig {
        seed_file: Some(seed),
        token: Some(TOKEN.into()),
        ..SandboxConfig::default()
    })
    .await;
    let listed = data(
        &sandbox,
        "query($w: String) { projects(workspaceId: $w) { edges { node { id
        environments { edges { node { id name } } } } } } }",
        json!({ "w": SANDBOX_WORKSPACE_ID }),
    )
    .await;
    let project = &listed["projects"]["edges"][0]["node"];
    let project_id = project["id"].as_str().unwrap();
    let production = project["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap();
    let staging = project["environments"]["edges"][1]["node"]["id"]
        .as_str()
        .unwrap();
    const ENVIRONMENT: &str = "query($id: String!) { environment(id: $id) { name canAccess } }";
    const CONTENTS: &str = "query($id: String!) { environment(id: $id) { serviceInstances { edges { node { id } } } } }";
    const VARIABLES: &str =
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }";

    let member = post_as(
        &sandbox,
        "member-token",
        ENVIRONMENT,
        json!({ "id": production }),
    )
    .await;
    assert_eq!(
        member["data"]["environment"]["canAccess"], false,
        "{member}"
    );
    let contents = post_as(
        &sandbox,
        "member-token",
        CONTENTS,
        json!({ "id": production }),
    )
    .await;
    assert_eq!(message(&contents), "Not Authorized", "{contents}");
    let variables = post_as(
        &sandbox,
        "member-token",
        VARIABLES,
        json!({ "p": project_id, "e": production }),
    )
    .await;
    assert_eq!(message(&variables), "Not Authorized", "{variables}");
    let open = post_as(&sandbox, "member-token", CONTENTS, json!({ "id": staging })).await;
    assert!(open.get("errors").is_none(), "{open}");

    let admin = post_as(&sandbox, TOKEN, ENVIRONMENT, json!({ "id": production })).await;
    assert_eq!(admin["data"]["environment"]["canAccess"], true);
    let admin_variables = post_as(
        &sandbox,
        TOKEN,
        VARIABLES,
        json!({ "p": project_id, "e": production }),
    )
    .await;
    assert_eq!(admin_variables["data"]["variables"]["SECRET"], "s3cret");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r37_deleting_an_environment_or_project_already_gone_answers_not_authorized() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project(&sandbox, "app").await;
    let qa = create_environment(&sandbox, &project_id, "qa").await;
    const DELETE_ENVIRONMENT: &str = "mutation($id: String!) { environmentDelete(id: $id) }";
    const DELETE_PROJECT: &str = "mutation($id: String!) { projectDelete(id: $id) }";
    assert_eq!(
        data(&sandbox, DELETE_ENVIRONMENT, json!({ "id": qa })).await["environmentDelete"],
        true
    );
    let again = gql(&sandbox, DELETE_ENVIRONMENT, json!({ "id": qa })).await;
    assert_eq!(message(&again), "Not Authorized");
    assert_eq!(
        data(&sandbox, DELETE_PROJECT, json!({ "id": project_id })).await["projectDelete"],
        true
    );
    let again = gql(&sandbox, DELETE_PROJECT, json!({ "id": project_id })).await;
    assert_eq!(message(&again), "Not Authorized");
    let gone = gql(
        &sandbox,
        "query($id: String!) { project(id: $id) { id } }",
        json!({ "id": project_id }),
    )
    .await;
    assert_eq!(message(&gone), "Project not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_worded_as_railway_words_them() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        "{ projects { edges { node { nope } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        message(&answer),
        "Cannot query field \"nope\" on type \"Project\". Did you mean \"name\"?"
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_railway_root_field_outside_the_sandbox_answers_not_emulated() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        "query($id: String!) { httpLogs(deploymentId: $id) { message } }",
        json!({ "id": "x" }),
    )
    .await;
    assert_eq!(message(&answer), "sandbox: httpLogs is not emulated");
    let unknown = gql(&sandbox, "{ notARailwayField }", json!({})).await;
    assert_eq!(
        message(&unknown),
        "Cannot query field \"notARailwayField\" on type \"Query\"."
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_cli_roots_answer_a_service_its_instance_domains_environments_and_variables() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "app").await;
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
        "mutation($input: VariableUpsertInput!) { variableUpsert(input: $input) }",
        json!({ "input": { "projectId": project_id, "environmentId": environment_id, "serviceId": service_id, "name": "PORT", "value": "8080" } }),
    )
    .await;
    let ids = json!({ "p": project_id, "e": environment_id, "s": service_id });
    let read = data(
        &sandbox,
        "query($p: String!, $e: String!, $s: String!) {
            service(id: $s) { id name }
            serviceInstance(environmentId: $e, serviceId: $s) { id serviceName }
            domains(projectId: $p, environmentId: $e, serviceId: $s) { serviceDomains { id updatedAt } customDomains { id updatedAt } }
            environments(projectId: $p) { edges { node { id name canAccess unmergedChangesCount updatedAt meta { prNumber } sourceEnvironment { id } } } }
            deploymentTriggers(projectId: $p, environmentId: $e, serviceId: $s) { edges { node { id } } }
            variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s)
            project(id: $p) { updatedAt workspace { id } buckets { edges { node { id name } } } } }",
        ids,
    )
    .await;
    assert_eq!(read["service"]["name"], "api");
    assert_eq!(read["serviceInstance"]["serviceName"], "api");
    assert_eq!(
        read["environments"]["edges"][0]["node"]["unmergedChangesCount"],
        0
    );
    assert_eq!(read["environments"]["edges"][0]["node"]["canAccess"], true);
    assert_eq!(read["variablesForServiceDeployment"]["PORT"], "8080");
    assert_eq!(read["project"]["buckets"]["edges"], json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_cli_maintenance_mutations_rename_connect_and_disconnect() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "app").await;
    let service = create_service(&sandbox, json!({ "projectId": project_id, "name": "api" })).await;
    let service_id = service["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = data(
        &sandbox,
        "mutation($id: String!) { projectUpdate(id: $id, input: { name: \"renamed\" }) { name } }",
        json!({ "id": project_id }),
    )
    .await;
    assert_eq!(renamed["projectUpdate"]["name"], "renamed");
    let service = data(
        &sandbox,
        "mutation($id: String!) { serviceUpdate(id: $id, input: { name: \"web\" }) { name }
            serviceConnect(id: $id, input: { image: \"nginx:1.27\" }) { id } }",
        json!({ "id": service_id }),
    )
    .await;
    assert_eq!(service["serviceUpdate"]["name"], "web");
    let source = "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { source { image } } }";
    let ids = json!({ "e": environment_id, "s": service_id });
    assert_eq!(
        data(&sandbox, source, ids.clone()).await["serviceInstance"]["source"]["image"],
        "nginx:1.27"
    );
    data(
        &sandbox,
        "mutation($id: String!) { serviceDisconnect(id: $id) { id } }",
        json!({ "id": service_id }),
    )
    .await;
    assert!(data(&sandbox, source, ids).await["serviceInstance"]["source"].is_null());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r34_a_project_token_reaches_objects_of_its_environment_only() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project_in_workspace(&sandbox, "app").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    let service = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = service["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    const CREATE: &str = "mutation($s: String!, $e: String!) {
        serviceDomainCreate(input: { serviceId: $s, environmentId: $e }) { id } }";
    const DELETE: &str = "mutation($id: String!) { serviceDomainDelete(id: $id) }";
    let staged = data(&sandbox, CREATE, json!({ "s": service_id, "e": staging })).await;
    let staging_domain = staged["serviceDomainCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = mint_token(&sandbox, &project_id, &production).await;

    let own = post_with_project_token(
        &sandbox,
        &token,
        CREATE,
        json!({ "s": service_id, "e": production }),
    )
    .await;
    let own_domain = own["data"]["serviceDomainCreate"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{own}"));
    let refused =
        post_with_project_token(&sandbox, &token, DELETE, json!({ "id": staging_domain })).await;
    assert_eq!(message(&refused), "Not Authorized", "{refused}");
    let deleted =
        post_with_project_token(&sandbox, &token, DELETE, json!({ "id": own_domain })).await;
    assert_eq!(deleted["data"]["serviceDomainDelete"], true, "{deleted}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rendered_variables_resolve_nested_references_and_railway_provided_ones() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let mut ids = Vec::new();
    for name in ["Redis Cache", "api"] {
        let created =
            create_service(&sandbox, json!({ "projectId": project_id, "name": name })).await;
        ids.push(
            created["data"]["serviceCreate"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let upsert = "mutation($input: VariableCollectionUpsertInput!) {
        variableCollectionUpsert(input: $input) }";
    let set = |service_id: &str, variables: Value| {
        json!({ "input": { "projectId": project_id, "environmentId": environment_id,
            "serviceId": service_id, "variables": variables, "skipDeploys": true } })
    };
    data(
        &sandbox,
        upsert,
        set(
            &ids[0],
            json!({ "PORT": "6379", "URL": "redis://${{RAILWAY_PRIVATE_DOMAIN}}:${{PORT}}" }),
        ),
    )
    .await;
    data(
        &sandbox,
        upsert,
        set(
            &ids[1],
            json!({ "CACHE": "${{Redis Cache.URL}}", "WHERE": "${{RAILWAY_ENVIRONMENT_NAME}}" }),
        ),
    )
    .await;
    let read = data(
        &sandbox,
        "query($p: String!, $e: String!, $s: String!) {
            variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": project_id, "e": environment_id, "s": ids[1] }),
    )
    .await;
    let rendered = &read["variablesForServiceDeployment"];
    assert_eq!(
        rendered["CACHE"],
        "redis://redis-cache.railway.internal:6379"
    );
    assert_eq!(rendered["WHERE"], "production");
    sandbox.shutdown().await;
}
