//! Railway's errors the way they really come (R37–R39), against the sandbox's fault injection:
//! a delete whose first answer was lost, a 5xx with a JSON body, a redeploy refused while the
//! previous build runs. Each must end in a converged project, not a failed apply.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::json;
use support::*;

const HEAD: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: errs\nspec:\n  policy: { prune: true }\n  environments: { production: {} }\n  services:\n";
const API: &str = "    api:\n      source: { image: \"api:1\" }\n";
const WORKER: &str = "    worker:\n      source: { image: \"worker:1\" }\n";

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

async fn converged(sandbox: &Sandbox, file: &str) {
    let (code, out, err) = cli(sandbox, &["plan", "-f", file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "nothing left to do\n{out}\n{err}");
}

async fn service_names(sandbox: &Sandbox) -> Vec<String> {
    project_services(sandbox)
        .await
        .into_iter()
        .flat_map(|(_, services)| services)
        .collect()
}

#[tokio::test]
async fn r37_a_delete_whose_answer_was_lost_is_done_when_the_retry_hears_not_authorized() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    apply(
        &sandbox,
        &write(dir.path(), &format!("{HEAD}{API}{WORKER}")),
    )
    .await;
    let file = write(dir.path(), &format!("{HEAD}{API}"));
    // The first serviceDelete deletes, then its answer is lost; the client's retry meets
    // Railway's answer for an id that is gone: `Not Authorized`.
    set_faults(&sandbox, "serviceDelete=drop-after-commit@x1").await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file, "--confirm-destructive"]).await;
    assert_eq!(code, 0, "apply\n{out}\n{err}");
    clear_faults(&sandbox).await;
    assert!(out.contains("worker was already gone"), "{out}");
    assert_eq!(service_names(&sandbox).await, vec!["api"]);
    converged(&sandbox, &file).await;
}

#[tokio::test]
async fn r37_a_domain_delete_whose_answer_was_lost_is_done_after_a_re_read() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let with_domain = format!("{HEAD}{API}      domains:\n        - custom: shop.example.com\n");
    apply(&sandbox, &write(dir.path(), &with_domain)).await;
    let file = write(dir.path(), &format!("{HEAD}{API}"));
    set_faults(&sandbox, "customDomainDelete=drop-after-commit@x1").await;
    let out = apply(&sandbox, &file).await;
    clear_faults(&sandbox).await;
    assert!(out.contains("customDomainDelete"), "{out}");
    converged(&sandbox, &file).await;
}

#[tokio::test]
async fn r39_a_503_with_a_json_error_body_is_retried_like_any_5xx() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    apply(&sandbox, &write(dir.path(), &format!("{HEAD}{API}"))).await;
    let file = write(
        dir.path(),
        &format!("{HEAD}{API}      variables:\n        MODE: fast\n"),
    );
    set_faults(&sandbox, "environmentPatchCommit=error503-json@x1").await;
    apply(&sandbox, &file).await;
    clear_faults(&sandbox).await;
    let variables = read_variables(&sandbox, Some("api")).await;
    assert_eq!(variables["MODE"], json!("fast"), "{variables}");
    converged(&sandbox, &file).await;
}

#[tokio::test]
async fn r38_cannot_redeploy_yet_is_waited_out_and_the_deploy_sent_again() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    apply(&sandbox, &write(dir.path(), &format!("{HEAD}{API}"))).await;
    // A new TCP proxy is followed by an explicit deploy (R31); Railway refuses it while the
    // previous deployment still builds.
    let file = write(
        dir.path(),
        &format!("{HEAD}{API}      tcpProxies: [5432]\n"),
    );
    set_faults(&sandbox, "serviceInstanceDeployV2=redeploy-not-ready@x1").await;
    let out = apply(&sandbox, &file).await;
    clear_faults(&sandbox).await;
    assert!(out.contains("serviceInstanceDeployV2"), "{out}");
    let faults = stats(&sandbox).await;
    assert!(
        count(&faults, "ServiceInstanceDeployV2") >= 2,
        "refused once, sent again: {faults}"
    );
    converged(&sandbox, &file).await;
}

#[tokio::test]
async fn r40_every_request_names_its_client_so_railways_edge_never_turns_one_away() {
    // Railway's edge caps unidentified clients near 10 requests/s with an HTML 403; the
    // sandbox keeps that cap on here, and the apply runs unpaced.
    let sandbox = railway_operator::sandbox::Sandbox::start(
        railway_operator::sandbox::SandboxConfig {
            token: Some(TOKEN.into()),
            create_cooldown: Some(std::time::Duration::ZERO),
            ..railway_operator::sandbox::SandboxConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), &generated_manifest(30, 1));
    apply(&sandbox, &file).await;
    let counters = stats(&sandbox).await;
    assert!(total(&counters) >= 30, "{counters}");
    assert!(
        counters.get("accessDenied").is_none(),
        "no request was turned away at the edge: {counters}"
    );
}
