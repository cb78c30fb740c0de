//! `logs SERVICE` against the sandbox (R44): a failed build's reason printed last, a crash's in
//! the container's logs, `--build` and `--lines`, secrets masked, JSON output, and clear errors
//! for an unknown service or environment and a service with no deployment.

use crate::support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use railway_operator::sandbox::{DeploymentOutcome, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

/// `api`'s image tag holds the value of a secret, so its build logs print it unless masked.
const SHOP: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: shop }
spec:
  environments: { production: {}, staging: {} }
  services:
    api:
      source: { image: \"registry.example.com/api:tok-3f9a77\" }
      variables: { REGISTRY_TOKEN: { fromEnv: SHOP_REGISTRY_TOKEN } }
    worker:
      source: { image: \"busybox:1.36\" }
    docs:
      external: { url: \"https://docs.example.com\" }
";

const TOKEN_VALUE: &str = "tok-3f9a77";

async fn shop(outcomes: Vec<(String, DeploymentOutcome)>) -> (Sandbox, tempfile::TempDir, String) {
    let sandbox = sandbox_with(SandboxConfig {
        deploy_duration: Duration::from_millis(600),
        deploy_outcomes: outcomes,
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("shop.yml");
    fs::write(&file, SHOP).expect("write the manifest");
    let file = file.to_string_lossy().to_string();
    (sandbox, dir, file)
}

async fn run(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_env(sandbox, args, dir, &[("SHOP_REGISTRY_TOKEN", TOKEN_VALUE)]).await
}

#[tokio::test]
async fn logs_of_a_failed_build_show_the_build_lines_with_its_reason_last_and_the_secret_masked() {
    let failed = vec![("api".to_string(), DeploymentOutcome::Failed)];
    let (sandbox, dir, file) = shop(failed).await;
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file, "--wait"]).await;
    assert_eq!(code, 1, "api's build fails: {out}{err}");
    reset_stats(&sandbox).await;
    let (code, out, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "api"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let requests = total(&stats(&sandbox).await);
    println!("logs of a failed build: {requests} request(s)");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("api[production]: deployment ")
            && lines[0].contains("is FAILED; its container wrote nothing; build logs"),
        "{out}"
    );
    assert!(
        lines.last().is_some_and(|l| l.contains("Build failed")),
        "the reason is printed last:\n{out}"
    );
    assert!(out.contains("registry.example.com/api:***"), "{out}");
    assert!(!out.contains(TOKEN_VALUE), "the secret is masked:\n{out}");
    assert!(!err.contains(TOKEN_VALUE), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn logs_of_a_crash_end_with_its_reason_and_lines_and_build_choose_what_is_shown() {
    let crashed = vec![("worker".to_string(), DeploymentOutcome::Crashed)];
    let (sandbox, dir, file) = shop(crashed).await;
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file, "--wait"]).await;
    assert_eq!(code, 1, "worker crashes: {out}{err}");
    let (code, out, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "worker"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines()
            .next()
            .unwrap_or_default()
            .contains("is CRASHED; deploy logs"),
        "{out}"
    );
    assert!(out.contains("Starting Container"), "{out}");
    assert!(
        out.lines()
            .last()
            .is_some_and(|l| l.contains("exited with code 1")),
        "{out}"
    );

    let args = [
        "logs", "-f", &file, "worker", "--lines", "1", "--env", "prod",
    ];
    let (code, out, err) = run(&sandbox, dir.path(), &args).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "a header and one line:\n{out}");
    assert!(out.contains("exited with code 1"), "{out}");

    let args = ["logs", "-f", &file, "worker", "--build", "--env", "staging"];
    let (code, out, err) = run(&sandbox, dir.path(), &args).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("worker[staging]: deployment "), "{out}");
    assert!(out.contains("; build logs,"), "{out}");
    assert!(out.contains("building image"), "{out}");
    assert!(!out.contains("Starting Container"), "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn logs_output_json_is_one_document_with_the_masked_lines() {
    let (sandbox, dir, file) = shop(Vec::new()).await;
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file, "--wait"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let args = ["logs", "-f", &file, "api", "--build", "--output", "json"];
    let (code, out, err) = run(&sandbox, dir.path(), &args).await;
    assert_eq!(code, 0, "{out}{err}");
    let document: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(document["formatVersion"], 1);
    assert_eq!(document["command"], "logs");
    assert_eq!(document["service"], "api");
    assert_eq!(document["environment"], "production");
    assert_eq!(document["deploymentStatus"], "SUCCESS");
    assert_eq!(document["kind"], "build");
    assert_eq!(document["buildInstead"], false);
    let lines = document["lines"].as_array().cloned().unwrap_or_default();
    assert!(lines.len() >= 3, "{document}");
    assert!(
        lines.iter().all(|l| l["timestamp"].is_string()),
        "{document}"
    );
    assert!(!out.contains(TOKEN_VALUE), "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn logs_refuses_an_unknown_service_or_environment_and_one_without_a_deployment() {
    let (sandbox, dir, file) = shop(Vec::new()).await;
    let (code, out, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "api"]).await;
    assert_eq!(code, 1, "nothing applied yet: {out}{err}");
    assert!(
        err.contains("`api` is not on Railway in production yet"),
        "{err}"
    );

    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "nope"]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("no service `nope` in the manifest (it has: api, worker, docs)"),
        "{err}"
    );
    let (code, _, err) = run(
        &sandbox,
        dir.path(),
        &["logs", "-f", &file, "api", "--env", "qa"],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("no environment `qa` in the manifest (it has: production, staging)"),
        "{err}"
    );
    let (code, _, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "docs"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("`docs` is external in the manifest"), "{err}");
    let (code, _, err) = run(
        &sandbox,
        dir.path(),
        &["logs", "-f", &file, "api", "--lines", "0"],
    )
    .await;
    assert_eq!(code, 2, "clap refuses it: {err}");
    assert!(err.contains("from 1 to 5000"), "{err}");

    // A service added on Railway without a source has no deployment.
    let project_id =
        all_projects(&sandbox, "id").await["data"]["projects"]["edges"][0]["node"]["id"].clone();
    let created = graphql(
        &sandbox,
        "mutation($i: ServiceCreateInput!) { serviceCreate(input: $i) { id } }",
        json!({ "i": { "projectId": project_id, "name": "idle" } }),
    )
    .await;
    assert!(
        created["data"]["serviceCreate"]["id"].is_string(),
        "{created}"
    );
    let with_idle = SHOP.replace(
        "    docs:\n",
        "    idle:\n      source: { image: \"busybox:1.36\" }\n    docs:\n",
    );
    fs::write(&file, with_idle).expect("write");
    let (code, out, err) = run(&sandbox, dir.path(), &["logs", "-f", &file, "idle"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("`idle` has no deployment in production yet"),
        "{err}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_live_values_of_generated_variables_are_masked_and_literals_are_not() {
    let (sandbox, dir, file) = shop(Vec::new()).await;
    let generated = SHOP.replace(
        "variables: { REGISTRY_TOKEN: { fromEnv: SHOP_REGISTRY_TOKEN } }",
        "variables: { REGISTRY_TOKEN: { fromEnv: SHOP_REGISTRY_TOKEN }, SESSION_KEY: { generate: 32 }, MODE: plain-mode }",
    );
    fs::write(&file, &generated).expect("write");
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}{err}");
    let env = |name: &str| (name == "SHOP_REGISTRY_TOKEN").then(|| TOKEN_VALUE.to_string());
    let desired = railway_operator::manifest::load_file(Path::new(&file), &env).expect("loads");
    let client = support::controller::client_for(&sandbox);
    let live = railway_operator::railway::snapshot::snapshot(&client, &desired.project)
        .await
        .expect("snapshot");
    let project = live.project.as_ref().expect("the project exists");
    let values = railway_operator::rollout::generated_values(&desired, project);
    assert_eq!(
        values.len(),
        2,
        "SESSION_KEY in production and staging: {}",
        values.len()
    );
    assert!(values.iter().all(|v| v.len() == 32));
    let mut secrets = railway_operator::rollout::secret_values(&desired);
    secrets.extend(values.clone());
    let line = format!("key={} mode=plain-mode token={TOKEN_VALUE}", values[0]);
    assert_eq!(
        railway_operator::rollout::mask(&line, &secrets),
        "key=*** mode=plain-mode token=***"
    );
    sandbox.shutdown().await;
}
