//! Previews the operator makes and deletes: `spec.previews.fromBranches` under `run --git` (a
//! branch pushed to a local bare repository gets its preview environment, deleting the branch
//! removes it, an ephemeral environment the operator did not make is never deleted), and
//! `spec.previews.expireAfter` (an old PR environment is deleted, a young one kept).

use crate::support;

use std::time::{Duration, Instant};

use railway_operator::controller::source::SourceSpec;
use railway_operator::notify::EventKind;
use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::controller::{commit, git, git_remote, start};
use support::*;

/// A repository service running two replicas with `APP_ENV=production`; previews of
/// `feature/*` branches run one with `APP_ENV=preview`.
const BRANCHES: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: branches }
spec:
  environments: { production: {} }
  services:
    api:
      source: { repo: acme/shop, branch: main }
      deploy: { replicas: 2 }
      variables: { APP_ENV: production }
  previews:
    overrides:
      services:
        api: { deploy: { replicas: 1 }, variables: { APP_ENV: preview } }
    fromBranches: { pattern: \"feature/*\", source: git }
";

/// The project's live ephemeral environments: name -> id.
async fn ephemeral(sandbox: &Sandbox) -> Vec<(String, String)> {
    let project = ids(sandbox).await.project;
    let data = graphql(
        sandbox,
        "query($id: String!) { project(id: $id) { environments(isEphemeral: true) { edges { node { id name deletedAt } } } } }",
        json!({ "id": project }),
    )
    .await;
    data["data"]["project"]["environments"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .filter(|n| n["deletedAt"].is_null())
        .map(|n| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (text(&n["name"]), text(&n["id"]))
        })
        .collect()
}

/// `api` in environment `id`: (replicas, APP_ENV, the branch its deployment trigger follows).
async fn api_in(sandbox: &Sandbox, id: &str) -> (Value, Value, Value) {
    let ids = ids(sandbox).await;
    let api = ids.service("api");
    let data = graphql(
        sandbox,
        "query($id: String!) { environment(id: $id) {
           serviceInstances { edges { node { serviceId numReplicas } } }
           deploymentTriggers { edges { node { serviceId branch } } } } }",
        json!({ "id": id }),
    )
    .await;
    let env = &data["data"]["environment"];
    let find = |list: &str| {
        env[list]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["node"].clone())
            .find(|n| n["serviceId"] == api)
            .unwrap_or_default()
    };
    let variables = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": ids.project, "e": id, "s": api }),
    )
    .await;
    (
        find("serviceInstances")["numReplicas"].clone(),
        variables["data"]["variables"]["APP_ENV"].clone(),
        find("deploymentTriggers")["branch"].clone(),
    )
}

/// Polls `check` every 50 ms for up to 30 s; returns how long it took.
async fn until<F: std::future::Future<Output = bool>>(
    what: &str,
    check: impl Fn() -> F,
) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn a_pushed_branch_gets_a_preview_that_goes_with_the_branch_and_a_preview_made_by_hand_stays()
{
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (bare, work) = git_remote(dir.path());
    commit(&work, BRANCHES, "branches");
    let source = SourceSpec::Git {
        url: format!("file://{}", bare.display()),
        branch: "main".into(),
        path: "ctl.yml".into(),
        interval: Duration::from_secs(1),
        checkout_dir: dir.path().join("checkout"),
    };
    let running = start(&sandbox, source, Duration::from_secs(5), false).await;
    let limit = Duration::from_secs(30);
    running
        .wait_for("branches", limit, |p| p.conditions.ready.status)
        .await;

    // Made by hand, with the name branch feature/y would get: never the operator's.
    let project = ids(&sandbox).await.project;
    let by_hand = graphql(
        &sandbox,
        "mutation($input: EnvironmentCreateInput!) { environmentCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project, "name": "feature-y", "ephemeral": true } }),
    )
    .await;
    assert!(by_hand["errors"].is_null(), "{by_hand}");

    reset_stats(&sandbox).await;
    git(
        &work,
        &[
            "push",
            "-q",
            "origin",
            "HEAD:refs/heads/feature/x",
            "HEAD:refs/heads/feature/y",
            "HEAD:refs/heads/other",
        ],
    );
    let took = until("both previews made", || async {
        let names: Vec<String> = ephemeral(&sandbox)
            .await
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        names.contains(&"feature-x".to_string())
            && names.iter().any(|n| n.starts_with("feature-y-"))
    })
    .await;
    let pass = stats(&sandbox).await;
    println!(
        "branch pushed -> preview environment created: {} ms (git fetch interval 1 s); {} request(s), {} EnvironmentCreate, {} EnvironmentPatchCommit for two previews",
        took.as_millis(),
        total(&pass),
        count(&pass, "EnvironmentCreate"),
        count(&pass, "EnvironmentPatchCommit")
    );
    let previews = ephemeral(&sandbox).await;
    assert_eq!(
        previews.len(),
        3,
        "feature-x, feature-y-<hash>, feature-y by hand: {previews:?}"
    );
    let feature_x = previews
        .iter()
        .find(|(n, _)| n == "feature-x")
        .map(|(_, id)| id.clone())
        .expect("feature-x");
    let converged = until("overrides converged on feature-x", || async {
        api_in(&sandbox, &feature_x).await == (json!(1), json!("preview"), json!("feature/x"))
    })
    .await;
    println!(
        "preview created -> overrides converged: {} ms (run interval 5 s)",
        converged.as_millis()
    );
    let production = ids(&sandbox)
        .await
        .environment
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        api_in(&sandbox, &production).await,
        (json!(2), json!("production"), json!("main")),
        "the base is untouched"
    );
    let status = running.project("branches").expect("status");
    assert!(
        status
            .previews
            .iter()
            .any(|p| p.name == "feature-x" && p.branch.as_deref() == Some("feature/x")),
        "{:?}",
        status.previews
    );

    git(
        &work,
        &["push", "-q", "origin", "--delete", "feature/x", "feature/y"],
    );
    until("the branches' previews deleted", || async {
        ephemeral(&sandbox).await.len() == 1
    })
    .await;
    let left = ephemeral(&sandbox).await;
    assert_eq!(
        left[0].0, "feature-y",
        "the one made by hand stays: {left:?}"
    );
    let before = running
        .project("branches")
        .and_then(|p| p.last_reconcile_at);
    running
        .wait_for("branches", limit, |p| {
            p.last_reconcile_at != before && p.conditions.ready.status
        })
        .await;
    let deleted = running.status.read().ok().and_then(|s| {
        let key = ("branches".to_string(), "branch-gone".to_string());
        s.metrics.previews_deleted.get(&key).copied()
    });
    assert_eq!(deleted, Some(2), "counted");
    until("each deletion announced", || async {
        running.status.read().is_ok_and(|s| {
            let told = s
                .timeline
                .iter()
                .filter(|e| e.kind == EventKind::PreviewDeleted);
            told.count() == 2
        })
    })
    .await;
    assert_eq!(running.stop().await, 0, "run stops cleanly");
    sandbox.shutdown().await;
}

/// PR environments for a repository service, deleted after 7 days.
const EXPIRY: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: expiry }
spec:
  environments: { production: {} }
  services:
    api: { source: { repo: acme/shop, branch: main } }
  previews: { enabled: true, expireAfter: 7d }
";

async fn pull_request(sandbox: &Sandbox, number: u32) {
    let answer = pull_request_opened(sandbox, number, &format!("feat/{number}")).await;
    assert_eq!(answer["environments"][0]["effect"], "created", "{answer}");
}

#[tokio::test]
async fn expire_after_deletes_an_old_pr_environment_and_keeps_a_young_one() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("railway.yml");
    std::fs::write(&file, EXPIRY).expect("manifest written");
    let file = file.to_string_lossy().into_owned();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    pull_request(&sandbox, 41).await;
    pull_request(&sandbox, 42).await;
    let old = ephemeral(&sandbox)
        .await
        .into_iter()
        .find(|(n, _)| n == "pr-41")
        .map(|(_, id)| id)
        .expect("pr-41");
    let eight_days_ago = (chrono::Utc::now() - chrono::Duration::days(8)).to_rfc3339();
    let aged = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/environments/created-at",
            sandbox.base_url()
        ))
        .body(format!("{old}={eight_days_ago}"))
        .send()
        .await
        .expect("answered");
    assert!(aged.status().is_success());

    let (code, shown, err) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{shown}\n{err}");
    assert!(
        shown.contains("- preview environment pr-41 (8d old, spec.previews.expireAfter is 7d)"),
        "{shown}"
    );
    assert!(!shown.contains("pr-42 ("), "the young one is kept: {shown}");
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let left: Vec<String> = ephemeral(&sandbox)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(left, ["pr-42"]);
    let (code, shown, _) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "the next plan is clean\n{shown}");
    sandbox.shutdown().await;
}
