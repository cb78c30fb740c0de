//! `ignore:` end to end against the sandbox: ignored drift never reaches a plan, an apply or
//! `run`'s self-heal, while the same drift without the rule does; what was left alone is counted;
//! an override's rules add to the service's; an unknown path is refused where it is written.

use crate::support;
use crate::support::controller;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use railway_operator::inventory::InventoryState;
use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

/// `api` with three replicas wanted as one, and the variables a deploy script writes.
fn manifest(ignore: &str, sha: Option<&str>) -> String {
    let sha = sha.map_or(String::new(), |v| format!(", DEPLOYED_SHA: \"{v}\""));
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: ign }}\nspec:\n  policy: {{ prune: true }}\n  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: \"api:1\" }}\n      deploy: {{ replicas: 1 }}\n      variables: {{ MODE: a, FEATURE_X: \"on\"{sha} }}\n{ignore}"
    )
}

const RULES: &str =
    "      ignore: [deploy.replicas, variables.DEPLOYED_SHA, variables.FEATURE_*]\n";

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("ign.yml");
    fs::write(&path, text).expect("write manifest");
    path
}

async fn run_cli(sandbox: &Sandbox, args: &[&str], file: &Path) -> (i32, String, String) {
    let file = file.to_string_lossy().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-f", file.as_str()]);
    cli(sandbox, &all).await
}

/// Commits `entry` for `service` in the first environment directly, as the dashboard does.
async fn patch_directly(sandbox: &Sandbox, service: &str, entry: Value) {
    let ids = ids(sandbox).await;
    let service_id = ids.service(service);
    let answer = graphql(
        sandbox,
        "mutation($e: String!, $p: EnvironmentConfig!) { environmentPatchCommit(environmentId: $e, patch: $p) }",
        json!({ "e": ids.environment, "p": { "services": { service_id.as_str().unwrap_or_default(): entry } } }),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
}

async fn owned_variables(sandbox: &Sandbox) -> Vec<String> {
    let shared = read_variables(sandbox, None).await;
    let stored = shared["RAILWAY_OPERATOR_INVENTORY"]
        .as_str()
        .map(str::to_string);
    let state = InventoryState::decode(stored.as_deref().map(Some));
    let owned = state.owned().cloned().unwrap_or_default();
    owned
        .variables
        .get("api")
        .map(|names| names.iter().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn ignored_replicas_and_variables_drifting_live_never_appear_in_a_plan_while_the_same_drift_without_the_rule_shows()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), &manifest(RULES, Some("v1")));
    let (code, out, err) = run_cli(&sandbox, &["apply"], &file).await;
    assert_eq!(code, 0, "{out}{err}");
    let applied = read_variables(&sandbox, Some("api")).await;
    assert_eq!(
        applied["DEPLOYED_SHA"], "v1",
        "a new instance gets every value"
    );

    patch_directly(&sandbox, "api", json!({ "deploy": { "numReplicas": 3 } })).await;
    set_variable(&sandbox, Some("api"), "DEPLOYED_SHA", "v2").await;
    set_variable(&sandbox, Some("api"), "FEATURE_X", "off").await;

    let (code, out, err) = run_cli(&sandbox, &["plan", "--detailed-exitcode"], &file).await;
    assert_eq!(code, 0, "ignored drift is no change\n{out}{err}");
    assert!(
        out.contains("3 differences ignored by ignore rules: service.api[production] deploy.replicas, variables.DEPLOYED_SHA, variables.FEATURE_X"),
        "{out}"
    );
    assert!(
        !out.contains("v2") && !out.contains("off"),
        "never a value:\n{out}"
    );
    let (_, json_out, _) = run_cli(&sandbox, &["plan", "--json"], &file).await;
    let plan: Value = serde_json::from_str(&json_out).expect("plan JSON");
    assert_eq!(plan["changesPending"], false, "{plan}");
    assert_eq!(plan["ignored"].as_array().map(Vec::len), Some(3), "{plan}");
    assert_eq!(
        plan["ignored"][0],
        json!({ "address": "service.api[production]", "field": "deploy.replicas" })
    );

    // Dropped from the manifest with prune on, an ignored owned variable is neither deleted nor
    // forgotten.
    let file = write(dir.path(), &manifest(RULES, None));
    let (code, out, err) = run_cli(&sandbox, &["apply"], &file).await;
    assert_eq!(code, 0, "{out}{err}");
    let live = read_variables(&sandbox, Some("api")).await;
    assert_eq!(
        (&live["DEPLOYED_SHA"], &live["FEATURE_X"]),
        (&json!("v2"), &json!("off"))
    );
    assert!(
        owned_variables(&sandbox)
            .await
            .contains(&"DEPLOYED_SHA".to_string())
    );

    let file = write(dir.path(), &manifest("", Some("v1")));
    let (code, out, _) = run_cli(&sandbox, &["plan", "--detailed-exitcode"], &file).await;
    assert_eq!(code, 2, "without the rule the drift shows\n{out}");
    for shown in ["deploy.replicas: 3 -> 1", "DEPLOYED_SHA", "FEATURE_X"] {
        assert!(out.contains(shown), "{shown}:\n{out}");
    }
    assert!(!out.contains("ignored by ignore rules"), "{out}");
}

/// `web` with two custom domains, prune on; `ignore` lines for the service and its override.
fn domains_manifest(domains: &str, service_ignore: &str, override_ignore: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: ign }}\nspec:\n  policy: {{ prune: true }}\n  environments: {{ production: {{}} }}\n  services:\n    web:\n      source: {{ image: \"web:1\" }}\n      deploy: {{ replicas: 1 }}\n      domains: [{domains}]\n{service_ignore}      environments:\n        production:\n          variables: {{ X: \"1\" }}\n{override_ignore}"
    )
}

async fn custom_domain(sandbox: &Sandbox, name: &str) -> Value {
    let data = all_projects(sandbox, "environments { edges { node { serviceInstances { edges { node { serviceName domains { customDomains { id domain targetPort deletedAt } } } } } } } }").await;
    let instances = &data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]
        ["serviceInstances"]["edges"];
    instances
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|i| {
            i["node"]["domains"]["customDomains"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|d| d["domain"] == name && d["deletedAt"].is_null())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn an_overrides_ignore_adds_to_the_services_and_ignored_domains_are_left_alone() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let both = "{ custom: { domain: api.example.com, port: 8000 } }, { custom: www.example.com }";
    let file = write(dir.path(), &domains_manifest(both, "", ""));
    let (code, out, err) = run_cli(&sandbox, &["apply"], &file).await;
    assert_eq!(code, 0, "{out}{err}");

    patch_directly(&sandbox, "web", json!({ "deploy": { "numReplicas": 2 } })).await;
    let api = custom_domain(&sandbox, "api.example.com").await;
    let ids = ids(&sandbox).await;
    let moved = graphql(
        &sandbox,
        "mutation($e: String!, $i: String!) { customDomainUpdate(environmentId: $e, id: $i, targetPort: 9000) }",
        json!({ "e": ids.environment, "i": api["id"] }),
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");

    // www left the manifest: owned and prune on, so it would be deleted without the rule.
    let only_api = "{ custom: { domain: api.example.com, port: 8000 } }";
    let service_rule = "      ignore: [deploy.replicas]\n";
    let override_rule = "          ignore: [domains]\n";
    let without = write(dir.path(), &domains_manifest(only_api, service_rule, ""));
    let (code, out, _) = run_cli(&sandbox, &["plan", "--detailed-exitcode"], &without).await;
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("www.example.com") && out.contains(":9000 -> :8000"),
        "{out}"
    );
    assert!(
        !out.contains("deploy.replicas: 2"),
        "the service's rule holds:\n{out}"
    );

    let file = write(
        dir.path(),
        &domains_manifest(only_api, service_rule, override_rule),
    );
    let (code, out, err) = run_cli(&sandbox, &["plan", "--detailed-exitcode"], &file).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("3 differences ignored by ignore rules: service.web[production] deploy.replicas, domains.api.example.com, domains.www.example.com"),
        "{out}"
    );
    let (code, out, err) = run_cli(&sandbox, &["apply"], &file).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        custom_domain(&sandbox, "api.example.com").await["targetPort"],
        9000
    );
    assert!(!custom_domain(&sandbox, "www.example.com").await.is_null());
}

#[tokio::test]
async fn an_unknown_ignore_path_is_rejected_with_its_position_and_a_did_you_mean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = "      ignore: [variables.FEATURE_*, deploy.replica]\n";
    let file = write(dir.path(), &manifest(rules, None));
    let (code, out, err) = run_cli(&sandbox, &["validate"], &file).await;
    assert_ne!(code, 0, "{out}{err}");
    let shown = format!("{out}{err}");
    assert!(
        shown.contains(
            "ign.yml:12:37: error: unknown ignore path `deploy.replica` in services.api.ignore"
        ),
        "{shown}"
    );
    assert!(shown.contains("did you mean `deploy.replicas`?"), "{shown}");
}

#[tokio::test]
async fn run_in_self_heal_restores_drift_but_never_reverts_an_ignored_variable() {
    let sandbox = sandbox().await;
    let text = controller::manifest(1, "self-heal", "wanted").replace(
        "variables: { MODE: \"wanted\" }",
        "variables: { MODE: \"wanted\", LEVEL: \"1\" }\n      ignore: [variables.MODE]",
    );
    let (_dir, file, running) =
        controller::run_manifest(&sandbox, &text, Duration::from_secs(1), false).await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    controller::set_mode(&sandbox, "drifted").await;
    set_variable(&sandbox, Some("api"), "LEVEL", "9").await;
    let started = Instant::now();
    while read_variables(&sandbox, Some("api")).await["LEVEL"] != "1" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "LEVEL not restored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another pass, to be sure no later one reverts it either.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(controller::mode(&sandbox).await, "drifted");
    let project = running.project("ctl").expect("status");
    assert!(project.drift.is_empty(), "{:?}", project.drift);
    assert_eq!(controller::plan_exit(&sandbox, &file).await, 0);
    running.stop().await;
}
