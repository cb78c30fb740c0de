//! `deploy/operator.yml`, the operator's own project, against the sandbox: it validates, one
//! apply bootstraps both services, the leases' volume and every variable, and the next plan is
//! clean. And a running operator (`RAILWAY_SERVICE_ID` set, as Railway sets it) never deletes
//! its own service, even when a pruning manifest stops declaring it.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

const MANIFEST: &str = "deploy/operator.yml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first project's production environment: its id and decrypted config.
async fn production(sandbox: &Sandbox) -> (Value, Value) {
    let data = all_projects(
        sandbox,
        "environments { edges { node { id name config(decryptVariables: true) } } }",
    )
    .await;
    let environments = &data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"];
    let node = environments
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .find(|n| n["name"] == "production")
        .unwrap_or_else(|| panic!("a production environment: {data}"));
    (node["id"].clone(), node["config"].clone())
}

/// A service's variables in production as its deployment sees them: references resolved.
async fn rendered_variables(sandbox: &Sandbox, service: &str) -> Value {
    let ids = ids(sandbox).await;
    let (environment, _) = production(sandbox).await;
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": ids.project, "e": environment, "s": ids.service(service) }),
    )
    .await;
    data["data"]["variables"].clone()
}

/// Replicas across regions: with no region in the manifest, Railway's default one holds them.
fn replicas(deploy: &Value) -> u64 {
    deploy["multiRegionConfig"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, region)| region["numReplicas"].as_u64())
        .sum()
}

#[tokio::test]
async fn the_operator_manifest_validates() {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["validate", "-f", MANIFEST]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("project railway-operator, 1 environment(s), 2 service(s) (2 managed)"),
        "{out}"
    );
    assert_eq!(total(&stats(&sandbox).await), 0, "validate sends nothing");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn one_apply_bootstraps_the_operator_and_its_leases_database_and_then_plans_clean() {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", MANIFEST]).await;
    assert_eq!(code, 0, "apply\n{out}\n{err}");
    let requests = total(&stats(&sandbox).await);
    println!("bootstrap apply of {MANIFEST}: {requests} request(s)");
    // docs/running.md ("Running it on Railway") quotes this figure.
    assert!(requests <= 11, "the bootstrap took {requests} requests");

    let projects = project_services(&sandbox).await;
    let (name, mut services) = projects.into_iter().next().expect("a project");
    services.sort();
    assert_eq!(
        (name.as_str(), services),
        (
            "railway-operator",
            vec!["postgres".into(), "railway-operator".into()]
        )
    );

    let ids = ids(&sandbox).await;
    let (_, config) = production(&sandbox).await;
    let operator = &config["services"][ids.service("railway-operator").as_str().unwrap_or("")];
    assert_eq!(replicas(&operator["deploy"]), 2, "{operator}");
    assert_eq!(operator["deploy"]["healthcheckPath"], "/healthz");
    assert_eq!(operator["deploy"]["drainingSeconds"], 30);
    assert_eq!(operator["build"]["dockerfilePath"], "deploy/Dockerfile");
    let postgres_id = ids.service("postgres");
    let volume = config["services"][postgres_id.as_str().unwrap_or("")]["volumeMounts"]
        .as_object()
        .and_then(|mounts| mounts.values().next().cloned())
        .unwrap_or_else(|| panic!("a volume mounted into postgres: {config}"));
    assert_eq!(volume["mountPath"], "/var/lib/postgresql/data");

    let operator_vars = rendered_variables(&sandbox, "railway-operator").await;
    let postgres_vars = rendered_variables(&sandbox, "postgres").await;
    let lock_url = operator_vars["RAILWAY_OPERATOR_LOCK_URL"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(lock_url, postgres_vars["DATABASE_URL"], "{operator_vars}");
    let password = postgres_vars["POSTGRES_PASSWORD"].as_str().unwrap_or("");
    assert_eq!(password.len(), 32);
    assert_eq!(
        lock_url,
        format!("postgresql://postgres:{password}@postgres.railway.internal:5432/railway")
    );
    assert_eq!(
        operator_vars["RAILWAY_API_TOKEN"], TOKEN,
        "taken from the applier"
    );
    let admin = operator_vars["RAILWAY_OPERATOR_ADMIN_TOKEN"].as_str();
    assert_eq!(admin.map(str::len), Some(48));
    assert_eq!(
        operator_vars["RAILWAY_OPERATOR_FILE"],
        "/etc/railway-operator/manifests"
    );
    assert_eq!(postgres_vars["PGDATA"], "/var/lib/postgresql/data/pgdata");

    reset_stats(&sandbox).await;
    let (code, out, err) = cli(&sandbox, &["plan", "-f", MANIFEST, "--detailed-exitcode"]).await;
    assert_eq!(
        code, 0,
        "the plan after the bootstrap is clean\n{out}\n{err}"
    );
    println!(
        "plan after the bootstrap: {} request(s)",
        total(&stats(&sandbox).await)
    );
    sandbox.shutdown().await;
}

/// A project whose manifest prunes; `services` is its `services:` block.
fn pruning_manifest(services: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: self-hosted }}\nspec:\n  policy: {{ prune: true }}\n  environments: {{ production: {{}} }}\n  services:\n{services}"
    )
}

const OPERATOR: &str = "    operator: { source: { image: \"ghcr.io/acme/railway-operator:1\" } }\n";
const WORKER: &str = "    worker: { source: { image: \"nginx:1\" } }\n";

#[tokio::test]
async fn a_running_operator_never_deletes_its_own_service_when_a_pruning_manifest_drops_it() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("self-hosted.yml");
    std::fs::write(&file, pruning_manifest(&format!("{OPERATOR}{WORKER}"))).expect("write");
    let file = file.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let own_id = ids(&sandbox).await.service("operator");
    let own_id = own_id.as_str().expect("the operator's service exists");
    std::fs::write(&file, pruning_manifest(WORKER)).expect("write");

    // From a laptop nothing says which service is the operator's: the delete is planned.
    let (_, out, _) = cli(&sandbox, &["plan", "-f", &file]).await;
    assert!(out.contains("- service operator (destroy"), "{out}");

    let running = [("RAILWAY_SERVICE_ID", own_id)];
    let (code, out, err) = cli_env(
        &sandbox,
        &["plan", "-f", &file, "--detailed-exitcode"],
        root(),
        &running,
    )
    .await;
    assert_eq!(code, 0, "nothing else to do\n{out}\n{err}");
    assert!(!out.contains("- service operator"), "{out}");
    assert!(
        out.contains("Note: service operator left the manifest but is not deleted: it is the service this operator runs as (RAILWAY_SERVICE_ID is its id)"),
        "{out}"
    );
    // `run` confirms destructive actions itself when the manifest prunes.
    let (code, out, err) = cli_env(
        &sandbox,
        &["run", "--once", "--listen", "127.0.0.1:0", "-f", &file],
        root(),
        &running,
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let services = project_services(&sandbox).await;
    assert!(
        services[0].1.contains(&"operator".to_string()),
        "{services:?}"
    );
    // That pass recorded the service as no longer the operator's: from now on nobody prunes
    // it, not even an apply from a laptop.
    let (code, out, err) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("not in the manifest and are left alone: operator"),
        "{out}"
    );
    sandbox.shutdown().await;
}
