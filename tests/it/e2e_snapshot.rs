//! Reading live state: pagination, seeded drift, soft-deleted rows, and what a plan costs.

use crate::support;

use std::fmt::Write as _;
use std::fs;

use railway_operator::sandbox::SandboxConfig;
use serde_json::json;
use support::*;

/// A sandbox seed with `n` services matching `generated_manifest(n, replicas)`.
fn generated_seed(n: usize, replicas: u32) -> String {
    let mut seed = String::from("projects:\n  - name: generated\n    services:\n");
    for i in 0..n {
        let _ = write!(
            seed,
            "      - name: svc-{i:04}\n        image: \"nginx:1.{i}\"\n        settings: {{ numReplicas: {replicas}, startCommand: \"serve --port 80{i}\" }}\n"
        );
    }
    seed
}

async fn seeded(dir: &tempfile::TempDir, seed: &str) -> railway_operator::sandbox::Sandbox {
    let path = dir.path().join("seed.yml");
    fs::write(&path, seed).expect("write seed");
    sandbox_with(SandboxConfig {
        seed_file: Some(path),
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test]
async fn a_project_larger_than_one_page_is_read_completely() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(&dir, &generated_seed(1030, 1)).await;
    let manifest = dir.path().join("m.yml");
    fs::write(&manifest, generated_manifest(1030, 1)).expect("write");
    let file = manifest.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(
        code,
        0,
        "all 1030 services are found: {}\n{err}",
        &out[..out.len().min(3000)]
    );
    let stats = stats(&sandbox).await;
    println!(
        "no-op plan, 1030 services (two pages): {} request(s): {stats}",
        total(&stats)
    );
    assert_eq!(count(&stats, "ProjectServicesPage"), 1, "{stats}");
    assert_eq!(count(&stats, "EnvironmentInstancesPage"), 1, "{stats}");
    assert_eq!(total(&stats), 4, "{stats}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn drift_seeded_in_live_state_shows_in_the_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = seeded(&dir, &generated_seed(2, 3)).await;
    let manifest = dir.path().join("m.yml");
    fs::write(&manifest, generated_manifest(2, 1)).expect("write");
    let file = manifest.to_string_lossy().to_string();
    let (code, out, _) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    assert_eq!(out.matches("~ deploy.replicas: 3 -> 1").count(), 2, "{out}");
    assert!(
        out.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{out}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn soft_deleted_services_are_not_mistaken_for_live_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = sandbox().await;
    let manifest = dir.path().join("m.yml");
    fs::write(&manifest, generated_manifest(2, 1)).expect("write");
    let file = manifest.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let services = all_projects(&sandbox, "services { edges { node { id name } } }").await;
    let id = services["data"]["projects"]["edges"][0]["node"]["services"]["edges"]
        .as_array()
        .and_then(|edges| edges.iter().find(|e| e["node"]["name"] == "svc-0001"))
        .and_then(|e| e["node"]["id"].as_str())
        .expect("svc-0001 exists")
        .to_string();
    let deleted = graphql(
        &sandbox,
        "mutation($id: String!) { serviceDelete(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(deleted["data"]["serviceDelete"], true, "{deleted}");
    let (code, out, _) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("+ service svc-0001"),
        "a deleted service is planned anew:\n{out}"
    );
    assert!(
        out.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_schema_command_prints_the_committed_schema() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .arg("schema")
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let committed = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/manifests/manifest.schema.json"
    ))
    .expect("schema file");
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

/// R15, R17: the configEtag check before writing reads every environment, past the first 100
/// (PR environments can take a project there), and one page costs one request.
#[tokio::test]
async fn the_etag_check_before_writing_reads_every_page_of_environments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seed = String::from("projects:\n  - name: many\n    environments:\n");
    for i in 0..105 {
        let _ = writeln!(seed, "      - name: env-{i:03}");
    }
    seed.push_str("    services:\n      - name: api\n        image: \"nginx:1\"\n");
    let sandbox = seeded(&dir, &seed).await;
    let manifest = dir.path().join("m.yml");
    fs::write(
        &manifest,
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: many }\nspec:\n  environments: { env-104: {} }\n  services:\n    api: { source: { image: \"nginx:1\" }, variables: { A: \"1\" } }\n",
    )
    .expect("write");
    let file = manifest.to_string_lossy().to_string();
    reset_stats(&sandbox).await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let stats = stats(&sandbox).await;
    println!(
        "apply into the 105th of 105 environments: {} request(s), {} EnvironmentEtags",
        total(&stats),
        count(&stats, "EnvironmentEtags")
    );
    assert_eq!(count(&stats, "EnvironmentEtags"), 2, "{stats}");
    sandbox.shutdown().await;
}
