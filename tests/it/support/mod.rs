//! Shared test support: an in-process sandbox, the CLI binary run against it, raw GraphQL
//! queries and the sandbox's request counters.

#![allow(dead_code)]

pub mod browser;
pub mod chaos;
pub mod controller;
pub mod local_graphql;
pub mod operation_validation;
pub mod postgres;
pub mod railway_iac;
pub mod receivers;
pub mod replicas;
pub mod sandbox_common;
pub mod sandbox_deployments;
pub mod schema_agreement;
pub mod services_manifest;
pub mod upstream_schema;

use std::path::Path;
use std::process::Output;

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";

pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default()).await
}

/// Without Railway's creation throttles and unidentified-client cap, which the operator's runs
/// in tests (several creates in a row, many requests a second) would trip.
pub async fn sandbox_with(mut config: SandboxConfig) -> Sandbox {
    config.token = Some(TOKEN.into());
    config.create_cooldown = Some(std::time::Duration::ZERO);
    config.unidentified_rate_limit = None;
    Sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("sandbox starts")
}

/// Runs the CLI binary against the sandbox; returns (exit code, stdout, stderr).
pub async fn cli(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    cli_in(sandbox, args, Path::new(env!("CARGO_MANIFEST_DIR"))).await
}

pub async fn cli_in(sandbox: &Sandbox, args: &[&str], dir: &Path) -> (i32, String, String) {
    cli_env(sandbox, args, dir, &[]).await
}

/// Runs the CLI with extra environment variables.
pub async fn cli_env(
    sandbox: &Sandbox,
    args: &[&str],
    dir: &Path,
    vars: &[(&str, &str)],
) -> (i32, String, String) {
    let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(args)
        .current_dir(dir)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_WORKSPACE_ID")
        // Tests count requests, not seconds; the one test of pacing sets its own pace.
        .env("RAILWAY_OPERATOR_MAX_RPS", "0")
        .envs(vars.iter().copied())
        .output()
        .await
        .expect("the CLI runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub async fn stats(sandbox: &Sandbox) -> Value {
    reqwest::get(format!("{}/_sandbox/stats", sandbox.base_url()))
        .await
        .expect("stats answer")
        .json()
        .await
        .expect("stats are JSON")
}

pub async fn reset_stats(sandbox: &Sandbox) {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/stats/reset", sandbox.base_url()))
        .send()
        .await
        .expect("reset answers");
}

/// R50: sends the pull-request event `action` (`opened`, `synchronize`, `closed`) for pull
/// request `number` from `branch` on `repo` (not a bot); on `opened` the sandbox copies the base
/// into an ephemeral environment of every project building from `repo` with `prDeploys` on.
/// Returns the sandbox's answer.
pub async fn pull_request_event(
    sandbox: &Sandbox,
    action: &str,
    number: u32,
    branch: &str,
    repo: &str,
) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/github/pull-requests",
            sandbox.base_url()
        ))
        .json(
            &json!({ "action": action, "number": number, "branch": branch,
                       "repo": repo, "bot": false }),
        )
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON answer")
}

/// R50: opens pull request `number` from `branch` on `acme/shop`.
pub async fn pull_request_opened(sandbox: &Sandbox, number: u32, branch: &str) -> Value {
    pull_request_event(sandbox, "opened", number, branch, "acme/shop").await
}

pub fn count(stats: &Value, operation: &str) -> u64 {
    stats["byOperation"][operation].as_u64().unwrap_or(0)
}

pub fn total(stats: &Value) -> u64 {
    stats["total"].as_u64().unwrap_or(0)
}

/// Turns every injected fault off, so that a test's own inspection is answered.
/// Replaces the sandbox's fault plan (`OP=KIND[@RATE],...`).
pub async fn set_faults(sandbox: &Sandbox, spec: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .body(spec.to_string())
        .send()
        .await
        .expect("faults set");
    assert!(response.status().is_success(), "fault spec {spec} refused");
}

pub async fn clear_faults(sandbox: &Sandbox) {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .body("")
        .send()
        .await
        .expect("faults cleared");
}

/// Every project of the sandbox's user as `{"data": {"projects": {"edges": [...]}}}`: the
/// personal ones and those in the sandbox's workspace, where the operator creates projects
/// (R33: an unscoped `projects` lists personal projects only). `selection` is read per project.
pub async fn all_projects(sandbox: &Sandbox, selection: &str) -> Value {
    let query = format!(
        "query($w: String) {{ personal: projects(first: 100) {{ edges {{ node {{ {selection} }} }} }} workspace: projects(first: 100, workspaceId: $w) {{ edges {{ node {{ {selection} }} }} }} }}"
    );
    let answer = graphql(
        sandbox,
        &query,
        json!({ "w": railway_operator::sandbox::SANDBOX_WORKSPACE_ID }),
    )
    .await;
    if answer.get("errors").is_some() {
        return answer;
    }
    let edges: Vec<Value> = ["personal", "workspace"]
        .iter()
        .flat_map(|key| {
            answer["data"][key]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    json!({ "data": { "projects": { "edges": edges } } })
}

/// A raw GraphQL request, as another client would send it.
pub async fn graphql(sandbox: &Sandbox, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("graphql answers")
        .json()
        .await
        .expect("graphql answers JSON")
}

/// Ids of the sandbox's first project, looked up as another client would.
pub struct Ids {
    pub project: Value,
    /// The project's first environment.
    pub environment: Value,
    services: Vec<(String, Value)>,
}

impl Ids {
    /// A non-deleted service's id, or null.
    pub fn service(&self, name: &str) -> Value {
        self.services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap_or(Value::Null)
    }
}

pub async fn ids(sandbox: &Sandbox) -> Ids {
    let data = all_projects(sandbox, "id environments { edges { node { id } } } services { edges { node { id name deletedAt } } }")
    .await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let services = project["services"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter(|e| e["node"]["deletedAt"].is_null())
                .filter_map(|e| {
                    Some((
                        e["node"]["name"].as_str()?.to_string(),
                        e["node"]["id"].clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Ids {
        project: project["id"].clone(),
        environment: project["environments"]["edges"][0]["node"]["id"].clone(),
        services,
    }
}

/// Sets a variable directly, as a dashboard edit would (`service: None` for a shared one).
pub async fn set_variable(sandbox: &Sandbox, service: Option<&str>, name: &str, value: &str) {
    let ids = ids(sandbox).await;
    let result = graphql(
        sandbox,
        "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
        json!({ "i": { "projectId": ids.project, "environmentId": ids.environment,
                       "serviceId": service.map(|s| ids.service(s)), "name": name, "value": value, "skipDeploys": true } }),
    )
    .await;
    assert_eq!(result["data"]["variableUpsert"], true, "{result}");
}

/// Stages a change to a service in the first project's first environment and leaves it
/// uncommitted, as a dashboard edit does (R17).
pub async fn stage_dashboard_edit(sandbox: &Sandbox, service: &str, entry: Value) {
    let ids = ids(sandbox).await;
    let service_id = ids.service(service);
    let staged = graphql(
        sandbox,
        "mutation($e: String!, $p: EnvironmentConfig!) { environmentStageChanges(environmentId: $e, input: $p, merge: true) { id } }",
        json!({ "e": ids.environment, "p": { "services": { service_id.as_str().unwrap_or_default(): entry } } }),
    )
    .await;
    assert!(staged["errors"].is_null(), "{staged}");
}

/// `{NAME: value}` of a service (or the shared variables), unrendered, as Railway stores them.
pub async fn read_variables(sandbox: &Sandbox, service: Option<&str>) -> Value {
    let ids = ids(sandbox).await;
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        json!({ "p": ids.project, "e": ids.environment, "s": service.map(|s| ids.service(s)) }),
    )
    .await;
    data["data"]["variables"].clone()
}

/// Every project in the sandbox with its non-deleted service names.
pub async fn project_services(sandbox: &Sandbox) -> Vec<(String, Vec<String>)> {
    let data = all_projects(
        sandbox,
        "name services(first: 1000) { edges { node { name deletedAt } } }",
    )
    .await;
    data["data"]["projects"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let services = e["node"]["services"]["edges"]
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter(|s| s["node"]["deletedAt"].is_null())
                                .filter_map(|s| s["node"]["name"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (
                        e["node"]["name"].as_str().unwrap_or_default().to_string(),
                        services,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A manifest with `n` image services, one environment.
pub fn generated_manifest(n: usize, replicas: u32) -> String {
    let mut text = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: generated\nspec:\n  environments:\n    production: {}\n  services:\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "    svc-{i:04}:\n      source: {{ image: \"nginx:1.{i}\" }}\n      deploy:\n        replicas: {replicas}\n        startCommand: \"serve --port 80{i}\"\n"
        ));
    }
    text
}
