//! Helpers shared by the sandbox test files: start a sandbox, send raw GraphQL with reqwest.
#![allow(dead_code)]

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";

/// Starts a sandbox without Railway's creation throttles and unidentified-client cap, which
/// tests creating several projects, environments or volumes in a row would trip; rule tests
/// that need them start the sandbox themselves.
pub async fn start(mut config: SandboxConfig) -> Sandbox {
    config.create_cooldown = Some(std::time::Duration::ZERO);
    config.unidentified_rate_limit = None;
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

pub async fn post_raw(sandbox: &Sandbox, body: Value, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(sandbox.url()).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request is answered")
}

/// Sends `query` with `variables` and returns the decoded JSON envelope.
pub async fn gql(sandbox: &Sandbox, query: &str, variables: Value) -> Value {
    let response = post_raw(
        sandbox,
        json!({ "query": query, "variables": variables }),
        Some(TOKEN),
    )
    .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON envelope")
}

/// Like [`gql`] but asserts there are no errors and returns `data`.
pub async fn data(sandbox: &Sandbox, query: &str, variables: Value) -> Value {
    let envelope = gql(sandbox, query, variables).await;
    assert!(
        envelope.get("errors").is_none(),
        "unexpected errors: {envelope}"
    );
    envelope["data"].clone()
}

/// Creates a project and returns (project id, id of its one environment).
pub async fn create_project(sandbox: &Sandbox, name: &str) -> (String, String) {
    let created = data(
        sandbox,
        "mutation ProjectCreate($input: ProjectCreateInput!) { projectCreate(input: $input) { id name environments(first: 10) { edges { node { id name } } } } }",
        json!({ "input": { "name": name } }),
    )
    .await;
    let project = &created["projectCreate"];
    let project_id = project["id"].as_str().unwrap().to_string();
    let environment_id = project["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id)
}

pub async fn create_environment(sandbox: &Sandbox, project_id: &str, name: &str) -> String {
    let created = data(
        sandbox,
        "mutation EnvironmentCreate($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id name } }",
        json!({ "input": { "projectId": project_id, "name": name } }),
    )
    .await;
    created["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn create_service(sandbox: &Sandbox, input: Value) -> Value {
    gql(
        sandbox,
        "mutation ServiceCreate($input: ServiceCreateInput!) { serviceCreate(input: $input) { id name } }",
        json!({ "input": input }),
    )
    .await
}

/// The service instances of an environment, as JSON nodes.
pub async fn instances(sandbox: &Sandbox, environment_id: &str) -> Vec<Value> {
    let found = data(
        sandbox,
        "query($id: String!) { environment(id: $id) { serviceInstances(first: 500) { edges { node {
            id serviceId serviceName environmentId deletedAt source { image repo } builder numReplicas
            startCommand restartPolicyType restartPolicyMaxRetries watchPatterns preDeployCommand
            latestDeployment { id status createdAt } } } } } }",
        json!({ "id": environment_id }),
    )
    .await;
    found["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

pub async fn stats(sandbox: &Sandbox) -> Value {
    reqwest::get(format!("{}/_sandbox/stats", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The first error's message of an envelope, or "" when it has none.
pub fn message(envelope: &Value) -> &str {
    envelope["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
}

/// The nodes of a GraphQL connection (`edges[].node`).
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .expect("a connection with edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}
