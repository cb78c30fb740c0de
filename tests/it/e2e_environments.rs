//! Environments the way Railway's own clients handle them, against the sandbox on Railway's
//! default scoping (R7: a non-fork id on `serviceInstanceUpdate` reaches every non-fork):
//! one config patch per environment, empty new environments, source-less new services,
//! placement as `multiRegionConfig`, and staged changes that hold writes.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

const HEAD: &str =
    "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: envs\nspec:\n";

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

async fn plan_code(sandbox: &Sandbox, file: &str) -> (i32, String) {
    let (code, out, err) = cli(sandbox, &["plan", "-f", file, "--detailed-exitcode"]).await;
    (code, format!("{out}\n{err}"))
}

/// Every environment of the first project: name -> (id, config blob, fork?, staged count).
async fn environments(sandbox: &Sandbox) -> Vec<(String, String, Value, bool, i64)> {
    let data = all_projects(sandbox, "environments { edges { node { id name unmergedChangesCount sourceEnvironment { id } config(decryptVariables: true) } } }")
    .await;
    nodes_of(&data["data"]["projects"]["edges"][0]["node"]["environments"])
        .into_iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e["id"].as_str().unwrap_or_default().to_string(),
                e["config"].clone(),
                !e["sourceEnvironment"].is_null(),
                e["unmergedChangesCount"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

fn nodes_of(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

async fn environment(sandbox: &Sandbox, name: &str) -> (String, Value, bool, i64) {
    environments(sandbox)
        .await
        .into_iter()
        .find(|(n, ..)| n == name)
        .map(|(_, id, config, fork, staged)| (id, config, fork, staged))
        .unwrap_or_else(|| panic!("environment {name} exists"))
}

/// The config blob's entry of a service, by name.
async fn service_entry(sandbox: &Sandbox, env: &str, service: &str) -> Value {
    let (_, config, ..) = environment(sandbox, env).await;
    let id = ids(sandbox).await.service(service);
    config["services"][id.as_str().unwrap_or_default()].clone()
}

async fn deployments(sandbox: &Sandbox, env: &str, service: &str) -> usize {
    let (environment_id, ..) = environment(sandbox, env).await;
    let service_id = ids(sandbox).await.service(service);
    let data = graphql(
        sandbox,
        "query($i: DeploymentListInput!) { deployments(input: $i) { edges { node { id } } } }",
        json!({ "i": { "environmentId": environment_id, "serviceId": service_id } }),
    )
    .await;
    nodes_of(&data["data"]["deployments"]).len()
}

/// A manifest with production only and the given `services:` entries.
fn production_only(services: &str) -> String {
    format!("{HEAD}  environments:\n    production: {{}}\n  services:\n{services}")
}

/// An environment made by someone else (no source: R1, not a fork).
async fn create_environment_outside_the_manifest(sandbox: &Sandbox, name: &str) {
    let project = ids(sandbox).await.project;
    let created = graphql(
        sandbox,
        "mutation($i: EnvironmentCreateInput!) { environmentCreate(input: $i) { id } }",
        json!({ "i": { "projectId": project, "name": name } }),
    )
    .await;
    assert!(created["errors"].is_null(), "{created}");
}

#[tokio::test]
async fn a_staging_override_of_the_start_command_leaves_production_alone_and_the_next_two_plans_are_clean()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        &format!(
            "{HEAD}  environments:\n    production: {{}}\n    staging: {{}}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n      deploy:\n        startCommand: ./serve\n      environments:\n        staging:\n          deploy:\n            startCommand: ./serve --debug\n"
        ),
    );
    apply(&sandbox, &file).await;
    for _ in 0..2 {
        let (code, text) = plan_code(&sandbox, &file).await;
        assert_eq!(code, 0, "the plan after apply is clean:\n{text}");
    }
    let production = service_entry(&sandbox, "production", "api").await;
    let staging = service_entry(&sandbox, "staging", "api").await;
    assert_eq!(production["deploy"]["startCommand"], "./serve");
    assert_eq!(staging["deploy"]["startCommand"], "./serve --debug");
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "ServiceInstanceUpdate"), 0, "{stats}");
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 2, "{stats}");
}

#[tokio::test]
async fn adding_an_environment_converges_in_one_apply_and_it_holds_no_variable_only_another_declares()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let service = "  services:\n    api:\n      source: { image: \"nginx:1\" }\n      variables:\n        MODE: live\n      environments:\n        production:\n          variables:\n            PROD_ONLY_KEY: { fromEnv: HOME }\n";
    let production = "    production:\n      sharedVariables:\n        PROD_SHARED: only-here\n";
    let file = write(
        dir.path(),
        &format!("{HEAD}  environments:\n{production}{service}"),
    );
    apply(&sandbox, &file).await;
    let file = write(
        dir.path(),
        &format!("{HEAD}  environments:\n{production}    staging: {{}}\n{service}"),
    );
    let (_, text) = plan_code(&sandbox, &file).await;
    assert!(text.contains("+ environment staging"), "{text}");
    assert!(
        text.contains("+ service api (new instance in this environment)"),
        "{text}"
    );
    let out = apply(&sandbox, &file).await;
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "one apply converges:\n{out}\n{text}");
    let (_, config, fork, _) = environment(&sandbox, "staging").await;
    assert!(!fork, "a new environment is not a fork (R1, R2)");
    let entry = service_entry(&sandbox, "staging", "api").await;
    assert_eq!(entry["variables"]["MODE"]["value"], "live", "{entry}");
    assert!(entry["variables"].get("PROD_ONLY_KEY").is_none(), "{entry}");
    let shared = config["sharedVariables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        !shared.contains_key("PROD_SHARED"),
        "shared variables of production stay there: {shared:?}"
    );
    assert!(deployments(&sandbox, "staging", "api").await >= 1);
}

#[tokio::test]
async fn a_new_service_never_deploys_before_its_variables_and_has_no_instance_where_undeclared() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let base = format!(
        "{HEAD}  environments:\n    production: {{}}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n"
    );
    let file = write(dir.path(), &base);
    apply(&sandbox, &file).await;
    // Someone's environment the manifest does not declare (not a fork: R6 reaches it).
    create_environment_outside_the_manifest(&sandbox, "qa").await;
    let file = write(
        dir.path(),
        &format!(
            "{base}    worker:\n      source: {{ image: \"worker:1\" }}\n      variables:\n        QUEUE: jobs\n"
        ),
    );
    // The patch fails: the service exists, without a source, and nothing has deployed.
    set_faults(&sandbox, "environmentPatchCommit=error500").await;
    let (code, _, err) = cli(&sandbox, &["apply", "-f", &file, "--retry-for-secs", "1"]).await;
    assert_ne!(code, 0, "{err}");
    clear_faults(&sandbox).await;
    assert_eq!(
        deployments(&sandbox, "production", "worker").await,
        0,
        "no deployment before its variables exist"
    );
    let out = apply(&sandbox, &file).await;
    assert_eq!(
        deployments(&sandbox, "production", "worker").await,
        1,
        "{out}"
    );
    let entry = service_entry(&sandbox, "production", "worker").await;
    assert_eq!(entry["variables"]["QUEUE"]["value"], "jobs", "{entry}");
    let qa = service_entry(&sandbox, "qa", "worker").await;
    // R12: a removed entry reads as a tombstone, which counts as absent.
    assert!(
        qa.is_null() || qa["isDeleted"] == true,
        "no instance in qa: {qa}\n{out}"
    );
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("not in the manifest and are left alone: qa"),
        "{text}"
    );
}

#[tokio::test]
async fn r20_a_region_with_replicas_converges_and_then_plans_clean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        &production_only(
            "    api:\n      source: { image: \"nginx:1\" }\n      deploy:\n        region: europe-west4-drams3a\n        replicas: 2\n",
        ),
    );
    apply(&sandbox, &file).await;
    let entry = service_entry(&sandbox, "production", "api").await;
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "europe-west4-drams3a": { "numReplicas": 2 } }),
        "{entry}"
    );
    for _ in 0..2 {
        let (code, text) = plan_code(&sandbox, &file).await;
        assert_eq!(code, 0, "{text}");
    }
}

#[tokio::test]
async fn r17_staged_changes_hold_writes_by_default_and_are_committed_with_staged_changes_commit() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = |extra: &str, policy: &str| {
        format!(
            "{HEAD}{policy}  environments:\n    production: {{}}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n      variables:\n        A: \"1\"\n{extra}"
        )
    };
    let file = write(dir.path(), &manifest("", ""));
    apply(&sandbox, &file).await;
    // A dashboard edit, staged and not committed.
    stage_dashboard_edit(
        &sandbox,
        "api",
        json!({ "variables": { "DASHBOARD": { "value": "x" } } }),
    )
    .await;

    let file = write(dir.path(), &manifest("        B: \"2\"\n", ""));
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 2, "held changes are pending: {text}");
    assert!(
        text.contains("staged change(s) nobody has committed"),
        "{text}"
    );
    reset_stats(&sandbox).await;
    let out = apply(&sandbox, &file).await;
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 0, "{out}\n{stats}");
    assert_eq!(count(&stats, "EnvironmentPatchCommitStaged"), 0, "{stats}");
    let entry = service_entry(&sandbox, "production", "api").await;
    assert!(entry["variables"].get("B").is_none(), "held: {entry}");

    let file = write(
        dir.path(),
        &manifest(
            "        B: \"2\"\n",
            "  policy:\n    stagedChanges: commit\n",
        ),
    );
    let out = apply(&sandbox, &file).await;
    assert!(out.contains("environmentPatchCommitStaged"), "{out}");
    let entry = service_entry(&sandbox, "production", "api").await;
    assert_eq!(entry["variables"]["B"]["value"], "2", "{entry}");
    assert_eq!(
        entry["variables"]["DASHBOARD"]["value"], "x",
        "committed with it"
    );
    let (.., staged_now) = environment(&sandbox, "production").await;
    assert_eq!(staged_now, 0);
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "{text}");
}

#[tokio::test]
async fn changing_settings_and_variables_of_two_services_in_one_environment_is_one_write() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = |version: &str| {
        let mut text = format!("{HEAD}  environments:\n    production: {{}}\n  services:\n");
        for name in ["api", "web"] {
            text.push_str(&format!(
                "    {name}:\n      source: {{ image: \"{name}:{version}\" }}\n      deploy:\n        startCommand: ./{name} --v{version}\n        healthcheck: {{ path: /health{version} }}\n      variables:\n        A: \"{version}\"\n        B: \"b{version}\"\n"
            ));
        }
        text
    };
    let file = write(dir.path(), &manifest("1"));
    apply(&sandbox, &file).await;
    let file = write(dir.path(), &manifest("2"));
    reset_stats(&sandbox).await;
    apply(&sandbox, &file).await;
    let stats = stats(&sandbox).await;
    let writes: u64 = stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(op, _)| {
                    !matches!(
                        op.as_str(),
                        "TokenProjects" | "ProjectSnapshot" | "EnvironmentEtags"
                    )
                })
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(writes, 1, "one patch, deploys included: {stats}");
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 1, "{stats}");
    assert_eq!(deployments(&sandbox, "production", "api").await, 2);
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "{text}");
}

#[tokio::test]
async fn a_project_with_an_empty_environment_imports_and_its_plan_only_adds_the_missing_instance() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        &production_only("    api:\n      source: { image: \"nginx:1\" }\n"),
    );
    apply(&sandbox, &file).await;
    create_environment_outside_the_manifest(&sandbox, "empty").await;
    let imported = dir.path().join("imported.yml");
    let imported = imported.to_string_lossy().into_owned();
    let (code, out, err) = cli_in(
        &sandbox,
        &["import", "--project", "envs", "-o", &imported],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let text = std::fs::read_to_string(&imported).expect("import wrote the manifest");
    assert!(
        text.contains("service `api` has no instance in empty"),
        "the import says what the manifest cannot express:\n{text}"
    );
    // A manifest declares each service in every environment: the plan adds the instance there.
    let (code, plan) = plan_code(&sandbox, &imported).await;
    assert_eq!(code, 2, "{text}\n{plan}");
    assert!(
        plan.contains("+ service api (new instance in this environment)"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
}

#[tokio::test]
async fn r4_two_new_environments_wait_out_railways_cooldown_and_the_apply_says_so() {
    let mut config = railway_operator::sandbox::SandboxConfig {
        token: Some(TOKEN.into()),
        unidentified_rate_limit: None,
        ..Default::default()
    };
    // Railway's own window: one environment per user every 30 s.
    config.create_cooldown = None;
    let sandbox = Sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let services = "  services:\n    api:\n      source: { image: \"nginx:1\" }\n";
    let file = write(
        dir.path(),
        &format!("{HEAD}  environments:\n    production: {{}}\n{services}"),
    );
    apply(&sandbox, &file).await;
    let file = write(
        dir.path(),
        &format!(
            "{HEAD}  environments:\n    production: {{}}\n    staging: {{}}\n    qa: {{}}\n{services}"
        ),
    );
    let out = apply(&sandbox, &file).await;
    assert!(
        out.contains("one environment per 30 s (R4)"),
        "the second create waited and said so:\n{out}"
    );
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "{text}");
}

#[tokio::test]
async fn environments_past_the_first_hundred_are_read_at_one_request_per_page() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let services = "  services:\n    api:\n      source: { image: \"nginx:1\" }\n";
    let file = write(
        dir.path(),
        &format!("{HEAD}  environments:\n    production: {{}}\n{services}"),
    );
    apply(&sandbox, &file).await;
    for i in 0..105 {
        create_environment_outside_the_manifest(&sandbox, &format!("pr-{i:03}")).await;
    }
    // The 106th environment, on the second page, is the one the manifest adds a service to.
    let file = write(
        dir.path(),
        &format!("{HEAD}  environments:\n    production: {{}}\n    pr-104: {{}}\n{services}"),
    );
    reset_stats(&sandbox).await;
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 2, "{text}");
    assert!(
        !text.contains("+ environment pr-104"),
        "pr-104 is found: {text}"
    );
    assert!(
        text.contains("104 environment(s) on Railway are not in the manifest"),
        "{text}"
    );
    let stats = stats(&sandbox).await;
    assert_eq!(
        count(&stats, "ProjectSnapshot"),
        2,
        "one more page: {stats}"
    );
}

#[tokio::test]
async fn r31_a_tcp_proxy_comes_from_the_patch_and_is_followed_by_one_deploy() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = |proxies: &str| {
        format!(
            "{HEAD}  environments:\n    production: {{}}\n  services:\n    db:\n      source: {{ image: \"postgres:16\" }}\n{proxies}"
        )
    };
    let file = write(dir.path(), &manifest(""));
    apply(&sandbox, &file).await;
    let before = deployments(&sandbox, "production", "db").await;
    let file = write(dir.path(), &manifest("      tcpProxies: [5432]\n"));
    reset_stats(&sandbox).await;
    let out = apply(&sandbox, &file).await;
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 1, "{stats}");
    assert_eq!(
        count(&stats, "TcpProxyCreate"),
        0,
        "deprecated (R31): {stats}"
    );
    assert_eq!(
        deployments(&sandbox, "production", "db").await,
        before + 1,
        "a proxy is active only after a redeploy (R31):\n{out}"
    );
    let (code, text) = plan_code(&sandbox, &file).await;
    assert_eq!(code, 0, "{text}");
}
