//! Tokens and workspaces the way Railway scopes them: a new project goes to a workspace the
//! token really has (R33), a project token plans only its own environment (R34), and a
//! restricted environment is skipped or refused by name, never a failed snapshot (R35).

use crate::support;

use std::path::Path;

use railway_operator::sandbox::{SANDBOX_WORKSPACE_ID, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

const AGENCY: &str = "7c2e4b1a-3d5f-4a6b-8c9d-0e1f2a3b4c5d";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("file written");
    path.to_string_lossy().into_owned()
}

fn manifest(project: &str, environments: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: {project}\nspec:\n  environments: {environments}\n  services:\n    api:\n      source: {{ image: \"api:1\" }}\n      variables:\n        MODE: fast\n"
    )
}

async fn seeded(dir: &Path, seed: &str) -> Sandbox {
    sandbox_with(SandboxConfig {
        seed_file: Some(write(dir, "seed.yml", seed).into()),
        ..SandboxConfig::default()
    })
    .await
}

async fn run_as(
    sandbox: &Sandbox,
    dir: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (i32, String) {
    let (code, out, err) = cli_env(sandbox, args, dir, vars).await;
    (code, format!("{out}\n{err}"))
}

async fn workspace_of(sandbox: &Sandbox, name: &str) -> Option<String> {
    for workspace in [SANDBOX_WORKSPACE_ID, AGENCY] {
        let data = graphql(
            sandbox,
            "query($w: String!) { projects(workspaceId: $w) { edges { node { name workspaceId } } } }",
            json!({ "w": workspace }),
        )
        .await;
        let found = data["data"]["projects"]["edges"]
            .as_array()
            .and_then(|edges| edges.iter().find(|e| e["node"]["name"] == name))
            .and_then(|e| e["node"]["workspaceId"].as_str().map(str::to_string));
        if found.is_some() {
            return found;
        }
    }
    None
}

#[tokio::test]
async fn r33_a_new_project_goes_to_the_tokens_only_workspace_and_the_plan_says_so() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("solo", "{ production: {} }"),
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["plan", "-f", &file], &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "+ project solo (with environment production, in workspace Sandbox ({SANDBOX_WORKSPACE_ID}): the token's only workspace)"
        )),
        "{out}"
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["apply", "-f", &file], &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("pin it with metadata.id: "), "{out}");
    assert_eq!(
        workspace_of(&sandbox, "solo").await.as_deref(),
        Some(SANDBOX_WORKSPACE_ID)
    );
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["plan", "-f", &file, "--detailed-exitcode"],
        &[],
    )
    .await;
    assert_eq!(
        code, 0,
        "found again in its workspace, nothing to do: {out}"
    );
}

const TWO_WORKSPACES: &str =
    "workspaces:\n  - { id: 7c2e4b1a-3d5f-4a6b-8c9d-0e1f2a3b4c5d, name: Agency }\n";

#[tokio::test]
async fn r33_with_several_workspaces_and_none_named_the_plan_fails_and_lists_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(dir.path(), TWO_WORKSPACES).await;
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("solo", "{ production: {} }"),
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["apply", "-f", &file], &[]).await;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("the token reaches 2 workspaces"), "{out}");
    assert!(
        out.contains(&format!("Sandbox ({SANDBOX_WORKSPACE_ID})"))
            && out.contains(&format!("Agency ({AGENCY})")),
        "{out}"
    );
    assert_eq!(count(&stats(&sandbox).await, "ProjectCreate"), 0);

    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["apply", "-f", &file],
        &[("RAILWAY_WORKSPACE_ID", AGENCY)],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("in workspace {AGENCY}")), "{out}");
    assert_eq!(
        workspace_of(&sandbox, "solo").await.as_deref(),
        Some(AGENCY)
    );
}

/// The first project's id and its environments' ids by name.
async fn project_and_environments(sandbox: &Sandbox) -> (String, Vec<(String, String)>) {
    let data = all_projects(sandbox, "id environments { edges { node { id name } } }").await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let environments = project["environments"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["node"]["name"].as_str().unwrap_or_default().to_string(),
                e["node"]["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (
        project["id"].as_str().unwrap_or_default().to_string(),
        environments,
    )
}

async fn staging_variables(sandbox: &Sandbox, environment_id: &str) -> Value {
    let (project, _) = project_and_environments(sandbox).await;
    let api = ids(sandbox).await.service("api");
    graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": project, "e": environment_id, "s": api }),
    )
    .await["data"]["variables"]
        .clone()
}

#[tokio::test]
async fn r34_a_project_token_plans_and_applies_only_its_own_environment() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let both = manifest("tok", "{ production: {}, staging: {} }");
    let file = write(dir.path(), "railway.yml", &both);
    let (code, out) = run_as(&sandbox, dir.path(), &["apply", "-f", &file], &[]).await;
    assert_eq!(code, 0, "{out}");
    let (project, environments) = project_and_environments(&sandbox).await;
    let staging = environments
        .iter()
        .find(|(name, _)| name == "staging")
        .map(|(_, id)| id.clone())
        .expect("staging exists");
    let token = graphql(
        &sandbox,
        "mutation($input: ProjectTokenCreateInput!) { projectTokenCreate(input: $input) }",
        json!({ "input": { "projectId": project, "environmentId": staging, "name": "ci" } }),
    )
    .await["data"]["projectTokenCreate"]
        .as_str()
        .expect("a project token")
        .to_string();
    let changed = both.replace("MODE: fast", "MODE: slow");
    let file = write(dir.path(), "railway.yml", &changed);
    let as_project_token = [("RAILWAY_API_TOKEN", ""), ("RAILWAY_TOKEN", token.as_str())];
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["apply", "-f", &file],
        &as_project_token,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("the project token reaches environment staging only: production not planned"),
        "{out}"
    );
    assert_eq!(staging_variables(&sandbox, &staging).await["MODE"], "slow");
    reset_stats(&sandbox).await;
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["plan", "-f", &file, "--detailed-exitcode"],
        &as_project_token,
    )
    .await;
    assert_eq!(code, 0, "converged in its environment: {out}");
    println!(
        "figure: a no-op plan with a project token costs {} requests",
        total(&stats(&sandbox).await)
    );
    let production = environments
        .iter()
        .find(|(name, _)| name == "production")
        .map(|(_, id)| id.clone())
        .expect("production exists");
    assert_eq!(
        staging_variables(&sandbox, &production).await["MODE"],
        "fast",
        "production is out of the token's reach and untouched"
    );
    let only_production = write(
        dir.path(),
        "production.yml",
        &manifest("tok", "{ production: {} }"),
    );
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["plan", "-f", &only_production],
        &as_project_token,
    )
    .await;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("the project token reaches environment staging only, which the manifest does not declare"),
        "{out}"
    );
    let new_service = write(
        dir.path(),
        "new-service.yml",
        &format!("{changed}    worker:\n      source: {{ image: \"worker:1\" }}\n"),
    );
    reset_stats(&sandbox).await;
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["apply", "-f", &new_service],
        &as_project_token,
    )
    .await;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains(
            "service worker is not on Railway, and a project token cannot create services"
        ),
        "{out}"
    );
    assert_eq!(count(&stats(&sandbox).await, "ServiceCreate"), 0);
}

/// A non-admin member's account token (R35), as the seeds below declare it.
const MEMBER: [(&str, &str); 1] = [("RAILWAY_API_TOKEN", "member-token")];

const RESTRICTED: &str = "memberTokens: [member-token]
projects:
  - name: bank
    workspaceId: 5a9d1c3e-7b2f-4e61-9c8a-0d4b6f2e1a77
    environments:
      - name: production
      - name: audit
        restricted: true
        sharedVariables: { SECRET: s3cret }
    services:
      - name: api
        image: api:1
";

#[tokio::test]
async fn r35_a_restricted_environment_outside_the_manifest_is_skipped_not_a_failed_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(dir.path(), RESTRICTED).await;
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("bank", "{ production: {} }"),
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["apply", "-f", &file], &MEMBER).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 restricted environment(s) not in the manifest were skipped unread: audit"),
        "{out}"
    );
    assert!(!out.contains("s3cret"), "{out}");
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["plan", "-f", &file, "--detailed-exitcode"],
        &MEMBER,
    )
    .await;
    assert_eq!(code, 0, "converged: {out}");
    reset_stats(&sandbox).await;
    let (code, _) = run_as(&sandbox, dir.path(), &["plan", "-f", &file], &MEMBER).await;
    assert_eq!(code, 0);
    println!(
        "figure: a no-op plan beside a restricted environment costs {} requests",
        total(&stats(&sandbox).await)
    );
}

#[tokio::test]
async fn r35_a_restricted_environment_the_manifest_declares_fails_the_plan_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(dir.path(), RESTRICTED).await;
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("bank", "{ production: {}, audit: {} }"),
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["apply", "-f", &file], &MEMBER).await;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("environment audit is restricted (canAccess: false)"),
        "{out}"
    );
    assert_eq!(count(&stats(&sandbox).await, "EnvironmentCreate"), 0);
}

#[tokio::test]
async fn r35_past_a_hundred_environments_the_outline_pages_on_and_still_finds_the_restricted_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seed = String::from(
        "memberTokens: [member-token]\nprojects:\n  - name: bank\n    workspaceId: 5a9d1c3e-7b2f-4e61-9c8a-0d4b6f2e1a77\n    environments:\n      - name: production\n",
    );
    for i in 0..100 {
        seed.push_str(&format!("      - name: qa-{i}\n"));
    }
    seed.push_str("      - name: audit\n        restricted: true\n    services:\n      - name: api\n        image: api:1\n");
    let sandbox = seeded(dir.path(), &seed).await;
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("bank", "{ production: {} }"),
    );
    let (code, out) = run_as(&sandbox, dir.path(), &["plan", "-f", &file], &MEMBER).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("skipped unread: audit"), "{out}");
    assert_eq!(count(&stats(&sandbox).await, "ProjectOutline"), 2);
}

#[tokio::test]
async fn r34_a_token_that_cannot_read_its_user_is_told_to_name_the_workspace() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "railway.yml",
        &manifest("solo", "{ production: {} }"),
    );
    // Railway answers a workspace token's `me` as it answers a wrong token: Not Authorized.
    let (code, out) = run_as(
        &sandbox,
        dir.path(),
        &["plan", "-f", &file],
        &[("RAILWAY_API_TOKEN", "a-workspace-token")],
    )
    .await;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("a workspace token cannot read: set spec.workspace or RAILWAY_WORKSPACE_ID"),
        "{out}"
    );
    assert!(
        !out.contains("a-workspace-token"),
        "no token in messages: {out}"
    );
}

#[tokio::test]
async fn r35_the_environment_by_environment_fallback_is_remembered_and_not_paid_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(dir.path(), RESTRICTED).await;
    let client =
        railway_operator::railway::Client::new(railway_operator::railway::ClientConfig::new(
            sandbox.url(),
            railway_operator::railway::Auth::Bearer("member-token".into()),
        ))
        .expect("client");
    let id = railway_operator::railway::snapshot::find_project_id(&client, "bank", None)
        .await
        .expect("search")
        .expect("found");
    reset_stats(&sandbox).await;
    let first = railway_operator::railway::snapshot::read_project(&client, &id)
        .await
        .expect("first read");
    assert_eq!(first.restricted_environments, ["audit"]);
    let refused = count(&stats(&sandbox).await, "ProjectSnapshot");
    assert_eq!(refused, 1, "the nested read is tried once");
    reset_stats(&sandbox).await;
    let again = railway_operator::railway::snapshot::read_project(&client, &id)
        .await
        .expect("second read");
    assert_eq!(again.restricted_environments, ["audit"]);
    let stats = stats(&sandbox).await;
    assert_eq!(
        count(&stats, "ProjectSnapshot"),
        0,
        "not paid again: {stats}"
    );
    println!(
        "figure: a restricted project's read after the first costs {}",
        total(&stats)
    );
}
