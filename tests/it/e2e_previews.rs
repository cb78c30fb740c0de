//! `spec.previews`: Railway's PR environment settings (R50) declared in the manifest, planned
//! and applied with `projectUpdate`, left alone without `previews:`, and healed when they drift.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

const MANIFEST: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: previews }
spec:
  environments: { production: {}, staging: {} }
  services:
    api: { source: { image: \"nginx:1\" } }
";

const PREVIEWS: &str = "  previews: { enabled: true, bots: false, focused: true, base: staging }\n";

fn write(dir: &Path, text: &str) -> String {
    let path = dir.join("railway.yml");
    std::fs::write(&path, text).expect("manifest written");
    path.to_string_lossy().into_owned()
}

async fn apply(sandbox: &Sandbox, file: &str) -> String {
    let (code, out, err) = cli(sandbox, &["apply", "-f", file]).await;
    assert_eq!(code, 0, "apply\n{out}\n{err}");
    out
}

async fn plan(sandbox: &Sandbox, file: &str) -> (i32, String) {
    let (code, out, err) = cli(sandbox, &["plan", "-f", file, "--detailed-exitcode"]).await;
    (code, format!("{out}\n{err}"))
}

/// The project's four PR settings, the base by name.
async fn settings(sandbox: &Sandbox) -> Value {
    let data = all_projects(
        sandbox,
        "prDeploys botPrEnvironments focusedPrEnvironments baseEnvironment { name }",
    )
    .await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    json!({
        "enabled": project["prDeploys"],
        "bots": project["botPrEnvironments"],
        "focused": project["focusedPrEnvironments"],
        "base": project["baseEnvironment"]["name"],
    })
}

async fn update_project(sandbox: &Sandbox, input: Value) {
    let id = ids(sandbox).await.project;
    let answer = graphql(
        sandbox,
        "mutation($id: String!, $input: ProjectUpdateInput!) { projectUpdate(id: $id, input: $input) { id } }",
        json!({ "id": id, "input": input }),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
}

#[tokio::test]
async fn after_apply_the_four_pr_settings_read_back_as_declared_and_the_next_plan_is_clean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), &format!("{MANIFEST}{PREVIEWS}"));
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 2, "{shown}");
    apply(&sandbox, &file).await;
    assert_eq!(
        settings(&sandbox).await,
        json!({ "enabled": true, "bots": false, "focused": true, "base": "staging" })
    );
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 0, "the next plan is clean\n{shown}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn drifted_pr_settings_are_planned_back_and_without_previews_they_are_left_alone() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let without = write(dir.path(), MANIFEST);
    apply(&sandbox, &without).await;
    // Clicked in the dashboard: a manifest without `previews:` leaves them alone.
    update_project(
        &sandbox,
        json!({ "prDeploys": true, "botPrEnvironments": true }),
    )
    .await;
    let (code, shown) = plan(&sandbox, &without).await;
    assert_eq!(code, 0, "{shown}");

    let with = write(dir.path(), &format!("{MANIFEST}{PREVIEWS}"));
    let (code, shown) = plan(&sandbox, &with).await;
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("~ PR environments"), "{shown}");
    assert!(shown.contains("previews.bots: true -> false"), "{shown}");
    assert!(
        shown.contains("previews.base: null -> \"staging\""),
        "{shown}"
    );
    assert!(!shown.contains("previews.enabled"), "unchanged: {shown}");
    apply(&sandbox, &with).await;
    assert_eq!(
        settings(&sandbox).await,
        json!({ "enabled": true, "bots": false, "focused": true, "base": "staging" })
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn previews_naming_only_some_settings_leave_the_others_alone() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), MANIFEST);
    apply(&sandbox, &file).await;
    update_project(&sandbox, json!({ "botPrEnvironments": true })).await;
    let only_enabled = write(
        dir.path(),
        &format!("{MANIFEST}  previews: {{ enabled: true }}\n"),
    );
    apply(&sandbox, &only_enabled).await;
    assert_eq!(
        settings(&sandbox).await,
        json!({ "enabled": true, "bots": true, "focused": false, "base": null })
    );
    sandbox.shutdown().await;
}
