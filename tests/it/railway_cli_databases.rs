//! Railway's own CLI adds databases to a sandbox project as it does on Railway (R45–R48):
//! `railway add --database postgres` and `--database redis` read the template without a token,
//! send `templateDeployV2` and follow `workflowStatus`; the services carry `templateServiceId`,
//! the engine's variables, a volume at its mount path and a TCP proxy. `railway bucket` creates,
//! lists and reads the credentials of a bucket the same way (R49). Without the CLI each test
//! prints a loud SKIPPED and passes (`railway_cli.rs` says where the binary is found).

use crate::railway_cli::{RailwayCli, find_cli, loud};
use crate::support::sandbox_common::{data, nodes, stats};

use railway_operator::sandbox::{SANDBOX_WORKSPACE_ID, Sandbox, SandboxConfig};
use serde_json::{Value, json};

const SERVICES: &str = "query($id: String!) { project(id: $id) {
    services { edges { node { id name templateId templateServiceId } } } } }";
const CONFIG: &str =
    "query($id: String!) { environment(id: $id) { config(decryptVariables: true) } }";

/// A project in the sandbox's workspace (Railway's CLI only links those); returns (project,
/// production).
async fn workspace_project(sandbox: &Sandbox) -> (String, String) {
    let created = data(
        sandbox,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) {
            id environments { edges { node { id } } } } }",
        json!({ "input": { "name": "shop", "workspaceId": SANDBOX_WORKSPACE_ID } }),
    )
    .await;
    let project_id = created["projectCreate"]["id"].as_str().unwrap().to_string();
    let environment_id = created["projectCreate"]["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id)
}

/// A sandbox with a workspace project, and Railway's CLI linked to its production
/// environment: (sandbox, CLI, project, production). `None` (after a loud SKIPPED) without the
/// CLI.
async fn linked_cli() -> Option<(Sandbox, RailwayCli, String, String)> {
    let Some(binary) = find_cli() else {
        loud("SKIPPED: Railway's CLI not found (set RAILWAY_CLI or run .ci/run)");
        return None;
    };
    let sandbox = crate::support::sandbox_common::start(SandboxConfig {
        token: Some(crate::support::sandbox_common::TOKEN.into()),
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id) = workspace_project(&sandbox).await;
    let cli = RailwayCli::new(binary, &sandbox);
    let link = [
        "link",
        "--project",
        &project_id,
        "--environment",
        "production",
    ];
    let linked = cli.run(&link, None).await;
    assert_eq!(linked.code, Some(0), "{}\n{}", linked.stdout, linked.stderr);
    Some((sandbox, cli, project_id, environment_id))
}

#[tokio::test]
async fn railway_add_database_makes_template_databases_on_the_sandbox() {
    let Some((sandbox, cli, project_id, environment_id)) = linked_cli().await else {
        return;
    };
    for (engine, url, mount, port) in [
        (
            "postgres",
            "DATABASE_URL",
            "/var/lib/postgresql/data",
            "5432",
        ),
        ("redis", "REDIS_URL", "/bitnami", "6379"),
    ] {
        let before = stats(&sandbox).await["total"].as_u64().unwrap_or_default();
        let added = cli
            .run(&["add", "--database", engine, "--json"], None)
            .await;
        assert_eq!(added.code, Some(0), "{}\n{}", added.stdout, added.stderr);
        let requests = stats(&sandbox).await["total"].as_u64().unwrap_or_default() - before;
        eprintln!("railway add --database {engine}: {requests} requests");
        let answer: Value = serde_json::from_str(added.stdout.trim()).expect("JSON answer");
        let service_id = answer["serviceId"].as_str().expect("the new service's id");
        let services = data(&sandbox, SERVICES, json!({ "id": project_id })).await;
        let service = nodes(&services["project"]["services"])
            .into_iter()
            .find(|s| s["id"] == json!(service_id))
            .expect("the service the CLI names");
        assert!(service["templateServiceId"].is_string(), "R48: {service}");
        assert_eq!(answer["templateId"], service["templateId"]);
        let config = data(&sandbox, CONFIG, json!({ "id": environment_id })).await;
        let entry = &config["environment"]["config"]["services"][service_id];
        assert!(
            entry["variables"][url]["value"].is_string(),
            "{engine}: {entry}"
        );
        let mounts: Vec<&Value> = entry["volumeMounts"]
            .as_object()
            .unwrap()
            .values()
            .collect();
        assert_eq!(mounts, vec![&json!({ "mountPath": mount })], "{engine}");
        assert!(
            entry["networking"]["tcpProxies"].get(port).is_some(),
            "{engine}: proxy"
        );
    }
    operator_import_plans_clean(&sandbox, &project_id).await;
}

/// The operator's `import` of what Railway's CLI made writes a `database:` entry for each
/// database (R48), and the imported manifest plans with no changes.
async fn operator_import_plans_clean(sandbox: &Sandbox, project_id: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (code, imported, err) =
        crate::support::cli_in(sandbox, &["import", "--project", project_id], dir.path()).await;
    assert_eq!(code, 0, "import:\n{err}");
    for engine in ["postgres", "redis"] {
        assert!(
            imported.contains(&format!("database:\n        engine: {engine}\n")),
            "{engine}:\n{imported}"
        );
    }
    std::fs::write(dir.path().join("imported.yml"), &imported).unwrap();
    let (code, out, err) = crate::support::cli_in(
        sandbox,
        &["plan", "-f", "imported.yml", "--detailed-exitcode"],
        dir.path(),
    )
    .await;
    assert_eq!(
        code, 0,
        "the operator plans clean on what Railway's CLI added:\n{imported}\n{out}\n{err}"
    );
}

#[tokio::test]
async fn railway_bucket_creates_lists_and_reads_fake_credentials_on_the_sandbox() {
    let Some((_sandbox, cli, _, _)) = linked_cli().await else {
        return;
    };
    let created = cli
        .run(
            &["bucket", "create", "uploads", "--region", "ams", "--json"],
            None,
        )
        .await;
    assert_eq!(
        created.code,
        Some(0),
        "{}\n{}",
        created.stdout,
        created.stderr
    );
    let listed = cli.run(&["bucket", "list", "--json"], None).await;
    assert!(
        listed.stdout.contains("uploads"),
        "{}\n{}",
        listed.stdout,
        listed.stderr
    );
    let credentials = cli
        .run(
            &["bucket", "credentials", "--bucket", "uploads", "--json"],
            None,
        )
        .await;
    let output = format!("{}\n{}", credentials.stdout, credentials.stderr);
    assert_eq!(credentials.code, Some(0), "{output}");
    assert!(
        output.contains("sandbox-fake-") && output.contains(".invalid"),
        "{output}"
    );
}
