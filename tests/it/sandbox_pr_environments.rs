//! Railway's PR environments in the sandbox (R50): the repository side's pull-request endpoint,
//! the project settings behind it, ephemeral copies with their `meta`, focused mode with
//! `environmentUnskipService`, bots, and deletion on close.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const REPO: &str = "acme/shop";

const SETTINGS: &str = "query($id: String!) { project(id: $id) { prDeploys botPrEnvironments
    focusedPrEnvironments baseEnvironmentId baseEnvironment { name } } }";

const UPDATE: &str = "mutation($id: String!, $input: ProjectUpdateInput!) {
    projectUpdate(id: $id, input: $input) { id } }";

const EPHEMERAL: &str = "query($projectId: String!, $isEphemeral: Boolean) {
    environments(projectId: $projectId, isEphemeral: $isEphemeral) { edges { node {
        id name isEphemeral sourceEnvironment { name }
        meta { prNumber prRepo prTitle branch baseBranch skippedResourceIds } } } } }";

/// A project with `api` and `web` built from [`REPO`] (web referencing api) and `cache` from an
/// image, in production: (project, production, ids by name).
async fn shop(sandbox: &Sandbox) -> (String, String, Vec<(String, String)>) {
    let (project_id, production) = create_project(sandbox, "shop").await;
    let mut ids = Vec::new();
    for (name, source, root) in [
        ("api", json!({ "repo": REPO }), "api"),
        ("web", json!({ "repo": REPO }), "web"),
        ("cache", json!({ "image": "redis:7" }), ""),
    ] {
        let mut input = json!({ "projectId": project_id, "name": name, "source": source });
        if source.get("repo").is_some() {
            input["branch"] = json!("main");
        }
        if name == "web" {
            input["variables"] = json!({ "API_URL": "http://${{api.RAILWAY_PRIVATE_DOMAIN}}" });
        }
        let created = create_service(sandbox, input).await;
        let id = created["data"]["serviceCreate"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("service created: {created}"))
            .to_string();
        if !root.is_empty() {
            data(
                sandbox,
                "mutation($s: String!, $e: String!, $input: ServiceInstanceUpdateInput!) {
                    serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $input) }",
                json!({ "s": id, "e": production, "input": { "rootDirectory": root } }),
            )
            .await;
        }
        ids.push((name.to_string(), id));
    }
    (project_id, production, ids)
}

async fn update_project(sandbox: &Sandbox, project_id: &str, input: Value) -> Value {
    gql(sandbox, UPDATE, json!({ "id": project_id, "input": input })).await
}

async fn pull_request(sandbox: &Sandbox, event: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/github/pull-requests",
            sandbox.base_url()
        ))
        .json(&event)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

fn opened(number: i32) -> Value {
    json!({ "action": "opened", "number": number, "branch": "feat/x", "repo": REPO, "bot": false })
}

async fn ephemeral(sandbox: &Sandbox, project_id: &str) -> Vec<Value> {
    let found = data(
        sandbox,
        EPHEMERAL,
        json!({ "projectId": project_id, "isEphemeral": true }),
    )
    .await;
    nodes(&found["environments"])
}

async fn branches(sandbox: &Sandbox, environment_id: &str) -> Vec<String> {
    let found = data(
        sandbox,
        "query($id: String!) { environment(id: $id) { deploymentTriggers { edges { node {
            repository branch } } } } }",
        json!({ "id": environment_id }),
    )
    .await;
    nodes(&found["environment"]["deploymentTriggers"])
        .iter()
        .map(|t| {
            format!(
                "{}@{}",
                t["repository"].as_str().unwrap(),
                t["branch"].as_str().unwrap()
            )
        })
        .collect()
}

fn deployed(instances: &[Value], name: &str) -> bool {
    instances
        .iter()
        .any(|i| i["serviceName"] == name && !i["latestDeployment"].is_null())
}

#[tokio::test]
async fn the_four_pr_settings_are_written_by_project_update_and_read_back() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _production, _) = shop(&sandbox).await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    let before = data(&sandbox, SETTINGS, json!({ "id": project_id })).await;
    assert_eq!(
        before["project"],
        json!({ "prDeploys": false, "botPrEnvironments": false, "focusedPrEnvironments": false,
                "baseEnvironmentId": null, "baseEnvironment": null })
    );
    let input = json!({ "prDeploys": true, "botPrEnvironments": true,
                        "focusedPrEnvironments": true, "baseEnvironmentId": staging });
    let updated = update_project(&sandbox, &project_id, input).await;
    assert!(updated.get("errors").is_none(), "{updated}");
    let after = data(&sandbox, SETTINGS, json!({ "id": project_id })).await;
    assert_eq!(
        after["project"],
        json!({ "prDeploys": true, "botPrEnvironments": true, "focusedPrEnvironments": true,
                "baseEnvironmentId": staging, "baseEnvironment": { "name": "staging" } })
    );
    // R51: an absent field keeps its value; an explicit null clears the base.
    update_project(&sandbox, &project_id, json!({ "botPrEnvironments": false })).await;
    let kept = data(&sandbox, SETTINGS, json!({ "id": project_id })).await;
    assert_eq!(kept["project"]["baseEnvironmentId"], json!(staging));
    update_project(&sandbox, &project_id, json!({ "baseEnvironmentId": null })).await;
    let cleared = data(&sandbox, SETTINGS, json!({ "id": project_id })).await;
    assert_eq!(cleared["project"]["baseEnvironmentId"], Value::Null);
    let refused = update_project(
        &sandbox,
        &project_id,
        json!({ "baseEnvironmentId": "no-such-environment" }),
    )
    .await;
    assert_eq!(message(&refused), "Environment not found");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_opened_pull_request_makes_an_ephemeral_copy_following_its_branch_and_closing_deletes_it()
 {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production, _) = shop(&sandbox).await;
    // Without prDeploys the repository's pull requests reach no project.
    let (status, answer) = pull_request(&sandbox, opened(42)).await;
    assert_eq!((status, answer), (200, json!({ "environments": [] })));
    update_project(&sandbox, &project_id, json!({ "prDeploys": true })).await;

    let (status, answer) = pull_request(&sandbox, opened(42)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["environments"][0]["effect"], "created");
    let previews = ephemeral(&sandbox, &project_id).await;
    assert_eq!(previews.len(), 1, "{previews:?}");
    let preview = &previews[0];
    assert_eq!(preview["name"], "pr-42");
    assert_eq!(preview["isEphemeral"], true);
    assert_eq!(preview["sourceEnvironment"]["name"], "production");
    let meta = &preview["meta"];
    assert_eq!(
        (
            &meta["prNumber"],
            &meta["prRepo"],
            &meta["branch"],
            &meta["baseBranch"]
        ),
        (&json!(42), &json!(REPO), &json!("feat/x"), &json!("main"))
    );
    assert_eq!(meta["skippedResourceIds"], json!([]));
    let preview_id = preview["id"].as_str().unwrap();
    let mut followed = branches(&sandbox, preview_id).await;
    followed.sort();
    assert_eq!(
        followed,
        vec![format!("{REPO}@feat/x"), format!("{REPO}@feat/x")]
    );
    assert_eq!(
        branches(&sandbox, &production).await,
        vec![format!("{REPO}@main"), format!("{REPO}@main")],
        "the base keeps its branch"
    );
    let copied = instances(&sandbox, preview_id).await;
    assert_eq!(copied.len(), 3);
    assert!(["api", "web", "cache"].iter().all(|n| deployed(&copied, n)));
    // Persistent environments are listed apart.
    let persistent = data(
        &sandbox,
        EPHEMERAL,
        json!({ "projectId": project_id, "isEphemeral": false }),
    )
    .await;
    assert_eq!(nodes(&persistent["environments"]).len(), 1);

    let synchronize = json!({ "action": "synchronize", "number": 42, "branch": "feat/x",
                              "repo": REPO, "bot": false });
    let (_, answer) = pull_request(&sandbox, synchronize).await;
    assert_eq!(answer["environments"][0]["effect"], "deployed");
    assert_eq!(
        ephemeral(&sandbox, &project_id).await.len(),
        1,
        "no second copy"
    );

    let closed = json!({ "action": "closed", "number": 42, "branch": "feat/x", "repo": REPO });
    let (_, answer) = pull_request(&sandbox, closed).await;
    assert_eq!(answer["environments"][0]["effect"], "deleted");
    assert!(ephemeral(&sandbox, &project_id).await.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bot_pull_requests_get_environments_only_with_bot_pr_environments() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _, _) = shop(&sandbox).await;
    update_project(&sandbox, &project_id, json!({ "prDeploys": true })).await;
    let mut bot = opened(7);
    bot["bot"] = json!(true);
    let (_, answer) = pull_request(&sandbox, bot.clone()).await;
    assert_eq!(answer["environments"][0]["effect"], "skipped-bot");
    assert!(ephemeral(&sandbox, &project_id).await.is_empty());
    update_project(&sandbox, &project_id, json!({ "botPrEnvironments": true })).await;
    let (_, answer) = pull_request(&sandbox, bot).await;
    assert_eq!(answer["environments"][0]["effect"], "created");
    assert_eq!(ephemeral(&sandbox, &project_id).await.len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pull_requests_copy_the_base_environment_when_one_is_set() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production, _) = shop(&sandbox).await;
    let staging = data(
        &sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "name": "staging",
                           "sourceEnvironmentId": production } }),
    )
    .await["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let input = json!({ "prDeploys": true, "baseEnvironmentId": staging });
    update_project(&sandbox, &project_id, input).await;
    pull_request(&sandbox, opened(3)).await;
    let previews = ephemeral(&sandbox, &project_id).await;
    assert_eq!(previews[0]["sourceEnvironment"]["name"], "staging");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn focused_mode_deploys_changed_services_with_their_dependencies_and_unskip_deploys_a_skipped_one()
 {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _, ids) = shop(&sandbox).await;
    let id = |name: &str| ids.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let input = json!({ "prDeploys": true, "focusedPrEnvironments": true });
    update_project(&sandbox, &project_id, input).await;
    let mut event = opened(9);
    event["paths"] = json!(["web/src/app.ts"]);
    let (status, answer) = pull_request(&sandbox, event).await;
    assert_eq!(status, 200, "{answer}");
    let preview = &ephemeral(&sandbox, &project_id).await[0];
    let preview_id = preview["id"].as_str().unwrap().to_string();
    // web changed and references api; cache is neither.
    assert_eq!(preview["meta"]["skippedResourceIds"], json!([id("cache")]));
    let copied = instances(&sandbox, &preview_id).await;
    assert!(deployed(&copied, "web") && deployed(&copied, "api"));
    assert!(!deployed(&copied, "cache"), "{copied:?}");

    let unskip = "mutation($e: String!, $s: String!) {
        environmentUnskipService(environmentId: $e, serviceId: $s) }";
    let done = data(
        &sandbox,
        unskip,
        json!({ "e": preview_id, "s": id("cache") }),
    )
    .await;
    assert_eq!(done["environmentUnskipService"], true);
    assert!(deployed(&instances(&sandbox, &preview_id).await, "cache"));
    let preview = &ephemeral(&sandbox, &project_id).await[0];
    assert_eq!(preview["meta"]["skippedResourceIds"], json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn environment_create_with_ephemeral_makes_an_environment_listed_as_ephemeral() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production, _) = shop(&sandbox).await;
    data(
        &sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "name": "review-1", "ephemeral": true,
                           "sourceEnvironmentId": production } }),
    )
    .await;
    let previews = ephemeral(&sandbox, &project_id).await;
    assert_eq!(previews.len(), 1);
    assert_eq!(previews[0]["name"], "review-1");
    assert_eq!(previews[0]["meta"], Value::Null, "no pull request made it");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_malformed_pull_request_event_is_refused_with_what_is_expected() {
    let sandbox = start(SandboxConfig::default()).await;
    let (status, answer) = pull_request(
        &sandbox,
        json!({ "action": "merged", "number": 1,
        "branch": "x", "repo": REPO }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("unknown action \"merged\"")
    );
    let (status, _) = pull_request(&sandbox, json!({ "number": 1 })).await;
    assert_eq!(status, 400);
    sandbox.shutdown().await;
}
