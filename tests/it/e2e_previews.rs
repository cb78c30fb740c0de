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

/// A repository service with a volume, PR environments on, `prune` as given.
fn repo_manifest(volume: bool, prune: bool) -> String {
    let volume = match volume {
        true => "\n      volume: { name: api-data, mountPath: /data }",
        false => "",
    };
    format!(
        "apiVersion: railway-operator/v1
kind: Project
metadata: {{ name: previews }}
spec:
  policy: {{ prune: {prune} }}
  environments: {{ production: {{}} }}
  services:
    api:
      source: {{ repo: acme/shop, branch: main }}{volume}
  previews: {{ enabled: true }}
"
    )
}

/// Pull request 42 from `feat/x` on `acme/shop`, `opened` or `closed`.
async fn open_pull_request(sandbox: &Sandbox, action: &str) -> Value {
    pull_request_event(sandbox, action, 42, "feat/x", "acme/shop").await
}

#[tokio::test]
async fn a_pr_environment_is_observed_in_status_never_planned_and_keeps_its_volume_from_a_prune() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), &repo_manifest(true, true));
    apply(&sandbox, &file).await;
    let opened = open_pull_request(&sandbox, "opened").await;
    assert_eq!(opened["environments"][0]["effect"], "created", "{opened}");

    // R50: observed, not desired: neither missing, unmanaged nor pruned, even with prune.
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains("pr-42"), "{shown}");
    let (code, out, err) = cli(&sandbox, &["status", "-f", &file, "--output", "json"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let status: Value = serde_json::from_str(&out).expect("status JSON");
    let preview = &status["previews"][0];
    assert_eq!(preview["name"], "pr-42", "{status}");
    assert_eq!(preview["prNumber"], 42);
    assert_eq!(preview["branch"], "feat/x");
    assert_eq!(preview["repository"], "acme/shop");
    assert!(
        preview["age"].as_str().is_some_and(|a| a.ends_with('s')),
        "{preview}"
    );
    let (_, text, _) = cli(&sandbox, &["status", "-f", &file]).await;
    assert!(text.contains("PR environments"), "{text}");
    assert!(text.contains("#42"), "{text}");

    // The PR environment still mounts the volume: pruning it would take its data too.
    let without_volume = write(dir.path(), &repo_manifest(false, true));
    let (code, shown) = plan(&sandbox, &without_volume).await;
    assert_eq!(code, 0, "nothing to delete while pr-42 mounts it\n{shown}");
    assert!(
        shown.contains("PR environment(s) pr-42 still mount it"),
        "{shown}"
    );

    open_pull_request(&sandbox, "closed").await;
    let (_, out, _) = cli(&sandbox, &["status", "-f", &file, "--output", "json"]).await;
    let status: Value = serde_json::from_str(&out).expect("status JSON");
    assert!(
        status.get("previews").is_none(),
        "gone once closed: {status}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn run_puts_pr_settings_changed_in_the_dashboard_back() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), &format!("{MANIFEST}{PREVIEWS}"));
    apply(&sandbox, &file).await;
    update_project(
        &sandbox,
        json!({ "prDeploys": false, "focusedPrEnvironments": false }),
    )
    .await;
    reset_stats(&sandbox).await;
    let (code, out, err) = cli(
        &sandbox,
        &["run", "--once", "--log-format", "text", "-f", &file],
    )
    .await;
    assert_eq!(code, 0, "self-heal applies\n{out}\n{err}");
    let pass = stats(&sandbox).await;
    println!(
        "run --once healing two PR settings: {} request(s), {} projectUpdate",
        total(&pass),
        count(&pass, "ProjectUpdate")
    );
    assert_eq!(count(&pass, "ProjectUpdate"), 1, "{pass}");
    assert_eq!(
        settings(&sandbox).await,
        json!({ "enabled": true, "bots": false, "focused": true, "base": "staging" })
    );
    sandbox.shutdown().await;
}

/// A repository service running two replicas with `APP_ENV=production`, and PR environments
/// that run one with `APP_ENV=preview`.
const OVERRIDES: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: previews }
spec:
  environments: { production: {} }
  services:
    api:
      source: { repo: acme/shop, branch: main }
      deploy: { replicas: 2 }
      variables: { APP_ENV: production, KEEP: base }
  previews:
    enabled: true
    overrides:
      services:
        api: { deploy: { replicas: 1 }, variables: { APP_ENV: preview } }
";

/// The PR environment `pr-42`'s instance of `api`: (replicas, APP_ENV, KEEP), or `None` while
/// there is no such environment.
async fn preview_instance(sandbox: &Sandbox) -> Option<(Value, Value, Value)> {
    let ids = ids(sandbox).await;
    let data = graphql(
        sandbox,
        "query($id: String!) { project(id: $id) { environments(isEphemeral: true) { edges { node { id name deletedAt
           serviceInstances { edges { node { serviceId numReplicas } } } } } } } }",
        json!({ "id": ids.project }),
    )
    .await;
    let edges = data["data"]["project"]["environments"]["edges"].as_array()?;
    let env = edges
        .iter()
        .find(|e| e["node"]["name"] == "pr-42" && e["node"]["deletedAt"].is_null())?;
    let instance = env["node"]["serviceInstances"]["edges"]
        .as_array()?
        .iter()
        .find(|i| i["node"]["serviceId"] == ids.service("api"))?;
    let variables = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": ids.project, "e": env["node"]["id"], "s": ids.service("api") }),
    )
    .await;
    let variables = &variables["data"]["variables"];
    Some((
        instance["node"]["numReplicas"].clone(),
        variables["APP_ENV"].clone(),
        variables["KEEP"].clone(),
    ))
}

#[tokio::test]
async fn run_converges_preview_overrides_onto_a_new_pr_environment_and_stays_ready_when_it_closes()
{
    let sandbox = sandbox().await;
    let (_dir, file, running) = support::controller::run_manifest(
        &sandbox,
        OVERRIDES,
        std::time::Duration::from_secs(5),
        false,
    )
    .await;
    let limit = std::time::Duration::from_secs(30);
    running
        .wait_for("previews", limit, |p| p.conditions.ready.status)
        .await;
    let file = file.to_string_lossy().into_owned();

    let opened = open_pull_request(&sandbox, "opened").await;
    assert_eq!(opened["environments"][0]["effect"], "created", "{opened}");
    let started = std::time::Instant::now();
    // R50: Railway copied the base, so the PR environment starts as production.
    let copied = preview_instance(&sandbox).await;
    let converged = loop {
        let now = preview_instance(&sandbox).await;
        if now
            .as_ref()
            .is_some_and(|(r, a, _)| r == 1 && a == "preview")
        {
            break now;
        }
        assert!(
            started.elapsed() < limit,
            "not converged: {now:?} (copied {copied:?})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    println!(
        "PR opened -> overrides converged (replicas 1, APP_ENV=preview) in {} ms at --interval 5s (copied as {copied:?})",
        started.elapsed().as_millis()
    );
    let (_, _, keep) = converged.expect("converged");
    assert_eq!(
        keep, "base",
        "a variable the overrides do not name is left alone"
    );
    // The page and `/status` say so once the pass that converged them is recorded.
    running
        .wait_for("previews", limit, |p| {
            p.previews.first().and_then(|p| p.overrides_converged) == Some(true)
        })
        .await;

    // Observed, not desired: converged, so nothing is planned, and never a delete.
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains("pr-42"), "{shown}");

    let closed = open_pull_request(&sandbox, "closed").await;
    let started = std::time::Instant::now();
    while preview_instance(&sandbox).await.is_some() {
        assert!(
            started.elapsed() < limit,
            "closed, yet still there: {closed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before = running
        .project("previews")
        .and_then(|p| p.last_reconcile_at);
    running
        .wait_for("previews", limit, |p| {
            p.last_reconcile_at != before && p.conditions.ready.status && p.previews.is_empty()
        })
        .await;
    let stopped = running.stop().await;
    assert_eq!(stopped, 0, "run stops cleanly");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn plan_shows_preview_overrides_as_changes_to_the_pr_environment_and_apply_converges_them() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), OVERRIDES);
    apply(&sandbox, &file).await;
    open_pull_request(&sandbox, "opened").await;
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 2, "{shown}");
    println!("{shown}");
    assert!(shown.contains("pr-42"), "{shown}");
    assert!(shown.contains("APP_ENV"), "{shown}");
    assert!(
        !shown.contains("KEEP"),
        "not named by the overrides: {shown}"
    );
    assert!(!shown.contains("delete"), "{shown}");
    reset_stats(&sandbox).await;
    apply(&sandbox, &file).await;
    let pass = stats(&sandbox).await;
    println!(
        "apply of preview overrides onto one PR environment: {} request(s)",
        total(&pass)
    );
    let (replicas, app_env, keep) = preview_instance(&sandbox).await.expect("pr-42");
    assert_eq!(
        (replicas, app_env, keep),
        (json!(1), json!("preview"), json!("base"))
    );
    let (code, shown) = plan(&sandbox, &file).await;
    assert_eq!(code, 0, "the next plan is clean\n{shown}");
    sandbox.shutdown().await;
}
