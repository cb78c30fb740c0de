//! Storage Buckets (R49) end to end against the sandbox: a bucket in two environments applies
//! (one `bucketCreate`, instances through each environment's one patch) and plans clean twice;
//! a service reads its credentials through `${{assets.*}}` references, which the sandbox renders;
//! dropping an environment plans `isDeleted` there; dropping the bucket with prune is a
//! destructive delete that `apply` refuses without `--confirm-destructive`; the bucket's fake
//! secret key appears in no output, plan file or inventory; `import` writes it back, and that
//! manifest plans clean.

use crate::support;

use std::fs;
use std::path::Path;

use railway_operator::inventory::InventoryState;
use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

fn manifest(bucket: &str, prune: bool) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: shop }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}}, staging: {{}} }}\n  services:\n    api:\n      source: {{ image: \"api:1\" }}\n      variables:\n        S3_ENDPOINT: ${{{{assets.ENDPOINT}}}}\n        S3_BUCKET: ${{{{assets.BUCKET}}}}\n        S3_SECRET: ${{{{assets.SECRET_ACCESS_KEY}}}}\n{bucket}"
    )
}

const BOTH: &str = "  buckets:\n    assets: {}\n";
const PRODUCTION_ONLY: &str = "  buckets:\n    assets: { environments: [production] }\n";

/// Runs the CLI with the manifest `text` at `dir/shop.yml` (trace logs on), keeping every output.
async fn run(
    sandbox: &Sandbox,
    dir: &Path,
    text: &str,
    args: &[&str],
    outputs: &mut Vec<String>,
) -> (i32, String) {
    let file = dir.join("shop.yml");
    fs::write(&file, text).expect("write");
    let file = file.to_string_lossy().to_string();
    let mut full = args.to_vec();
    full.extend(["-f", file.as_str()]);
    let (code, out, err) = cli_env(sandbox, &full, dir, &[("RUST_LOG", "trace")]).await;
    let both = format!("{out}\n{err}");
    outputs.push(both.clone());
    (code, both)
}

/// The project's ids: (project, [(environment name, id)], bucket ids by name).
async fn project_ids(sandbox: &Sandbox) -> (Value, Vec<(String, String)>, Vec<(String, String)>) {
    let data = all_projects(
        sandbox,
        "id environments { edges { node { id name } } } buckets { edges { node { id name } } }",
    )
    .await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let pairs = |connection: &Value| -> Vec<(String, String)> {
        connection["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let name = e["node"]["name"].as_str().unwrap_or_default().to_string();
                (
                    name,
                    e["node"]["id"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    (
        project["id"].clone(),
        pairs(&project["environments"]),
        pairs(&project["buckets"]),
    )
}

/// The config's `buckets` of environment `id`.
async fn config_buckets(sandbox: &Sandbox, id: &str) -> Value {
    let data = graphql(
        sandbox,
        "query($id: String!) { environment(id: $id) { config } }",
        json!({ "id": id }),
    )
    .await;
    data["data"]["environment"]["config"]["buckets"].clone()
}

/// The decoded inventory of environment `id`, as JSON text.
async fn inventory_text(sandbox: &Sandbox, project: &Value, id: &str) -> String {
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e, unrendered: true) }",
        json!({ "p": project, "e": id }),
    )
    .await;
    let raw = data["data"]["variables"]["RAILWAY_OPERATOR_INVENTORY"]
        .as_str()
        .map(str::to_string);
    match InventoryState::decode(Some(raw.as_deref())) {
        InventoryState::Present { inventory } => serde_json::to_string(&inventory).unwrap(),
        other => panic!("no inventory in {id}: {other:?}"),
    }
}

#[tokio::test]
async fn a_bucket_in_two_environments_applies_plans_clean_shrinks_is_pruned_behind_the_gate_and_never_leaks_its_keys()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outputs = Vec::new();
    let text = manifest(BOTH, false);

    let (code, plan) = run(&sandbox, dir.path(), &text, &["plan"], &mut outputs).await;
    assert_eq!(code, 0, "{plan}");
    assert!(plan.contains("+ bucket assets (Storage Bucket"), "{plan}");
    reset_stats(&sandbox).await;
    let (code, applied) = run(&sandbox, dir.path(), &text, &["apply"], &mut outputs).await;
    assert_eq!(code, 0, "{applied}");
    let counted = stats(&sandbox).await;
    println!(
        "apply of a new project with one service and a bucket in two environments: {} requests ({} bucketCreate, {} environmentPatchCommit)",
        total(&counted),
        count(&counted, "BucketCreate"),
        count(&counted, "EnvironmentPatchCommit")
    );
    assert_eq!(count(&counted, "BucketCreate"), 1, "{counted}");

    let (project, environments, buckets) = project_ids(&sandbox).await;
    assert_eq!(buckets.len(), 1, "one bucket: {buckets:?}");
    let bucket_id = buckets[0].1.clone();
    let env_id = |name: &str| {
        environments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    for env in ["production", "staging"] {
        let config = config_buckets(&sandbox, &env_id(env)).await;
        assert!(config.get(&bucket_id).is_some(), "{env}: {config}");
    }
    // The canary: the sandbox's fake secret key of production's instance.
    let credentials = graphql(
        &sandbox,
        "query($p: String!, $e: String!, $b: String!) { bucketS3Credentials(projectId: $p, environmentId: $e, bucketId: $b) { secretAccessKey } }",
        json!({ "p": project, "e": env_id("production"), "b": bucket_id }),
    )
    .await;
    let secret = credentials["data"]["bucketS3Credentials"][0]["secretAccessKey"]
        .as_str()
        .expect("credentials")
        .to_string();
    // Railway renders the reference inside the deployment; the operator stored only the text.
    let rendered = graphql(
        &sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": project, "e": env_id("production"), "s": ids(&sandbox).await.service("api") }),
    )
    .await;
    assert_eq!(rendered["data"]["variables"]["S3_SECRET"], secret.as_str());
    assert_eq!(
        read_variables(&sandbox, Some("api")).await["S3_SECRET"],
        "${{assets.SECRET_ACCESS_KEY}}"
    );

    for _ in 0..2 {
        let (code, plan) = run(
            &sandbox,
            dir.path(),
            &text,
            &["plan", "--detailed-exitcode"],
            &mut outputs,
        )
        .await;
        assert_eq!(code, 0, "clean:\n{plan}");
    }
    let plan_file = dir.path().join("saved.plan");
    let plan_path = plan_file.to_string_lossy().to_string();
    run(
        &sandbox,
        dir.path(),
        &text,
        &["plan", "--output", "json", "--out", &plan_path],
        &mut outputs,
    )
    .await;
    outputs.push(fs::read_to_string(&plan_file).unwrap_or_default());
    let (_, status) = run(&sandbox, dir.path(), &text, &["status"], &mut outputs).await;
    assert!(!status.is_empty());

    // Staging leaves the list: a destructive isDeleted there, behind the gate.
    let shrunk = manifest(PRODUCTION_ONLY, false);
    let shrunk = shrunk.replace("  services:\n", "  services:\n");
    let (code, plan) = run(&sandbox, dir.path(), &shrunk, &["plan"], &mut outputs).await;
    assert_eq!(
        code, 1,
        "staging's S3 references now point at nothing:\n{plan}"
    );
    assert!(
        plan.contains("has no instance in environment `staging`"),
        "{plan}"
    );
    let shrunk = shrunk.replace(
        "      variables:\n",
        "      environments: { staging: { variables: { S3_ENDPOINT: none, S3_BUCKET: none, S3_SECRET: none } } }\n      variables:\n",
    );
    let (code, plan) = run(
        &sandbox,
        dir.path(),
        &shrunk,
        &["plan", "--output", "json"],
        &mut outputs,
    )
    .await;
    assert_eq!(code, 0, "{plan}");
    assert!(
        plan.contains("\"type\": \"removeBucketInstance\"")
            || plan.contains("\"type\":\"removeBucketInstance\""),
        "{plan}"
    );
    let (code, refused) = run(&sandbox, dir.path(), &shrunk, &["apply"], &mut outputs).await;
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("bucket.assets[staging]"), "{refused}");
    let (code, applied) = run(
        &sandbox,
        dir.path(),
        &shrunk,
        &["apply", "--confirm-destructive"],
        &mut outputs,
    )
    .await;
    assert_eq!(code, 0, "{applied}");
    assert_eq!(
        config_buckets(&sandbox, &env_id("staging")).await,
        Value::Null
    );
    assert!(
        config_buckets(&sandbox, &env_id("production"))
            .await
            .get(&bucket_id)
            .is_some()
    );

    // The bucket leaves the manifest: with prune, a destructive delete the gate holds back.
    let without = manifest("", true).replace(
        "      variables:\n        S3_ENDPOINT: ${{assets.ENDPOINT}}\n        S3_BUCKET: ${{assets.BUCKET}}\n        S3_SECRET: ${{assets.SECRET_ACCESS_KEY}}\n",
        "",
    );
    let (code, plan) = run(&sandbox, dir.path(), &without, &["plan"], &mut outputs).await;
    assert_eq!(code, 0, "{plan}");
    assert!(
        plan.contains("- bucket assets (destroy, DATA LOSS"),
        "{plan}"
    );
    let (code, refused) = run(&sandbox, dir.path(), &without, &["apply"], &mut outputs).await;
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("--confirm-destructive"), "{refused}");
    assert!(
        config_buckets(&sandbox, &env_id("production"))
            .await
            .get(&bucket_id)
            .is_some()
    );
    let inventories = [
        inventory_text(&sandbox, &project, &env_id("production")).await,
        inventory_text(&sandbox, &project, &env_id("staging")).await,
    ];
    assert!(
        inventories[0].contains("assets"),
        "owned: {}",
        inventories[0]
    );
    outputs.extend(inventories);
    let (code, applied) = run(
        &sandbox,
        dir.path(),
        &without,
        &["apply", "--confirm-destructive"],
        &mut outputs,
    )
    .await;
    assert_eq!(code, 0, "{applied}");
    assert_eq!(
        config_buckets(&sandbox, &env_id("production")).await,
        Value::Null
    );
    let (code, plan) = run(
        &sandbox,
        dir.path(),
        &without,
        &["plan", "--detailed-exitcode"],
        &mut outputs,
    )
    .await;
    assert_eq!(code, 0, "clean after the delete:\n{plan}");

    for output in &outputs {
        assert!(
            !output.contains(&secret),
            "the bucket's secret key leaked:\n{output}"
        );
    }
}

#[tokio::test]
async fn an_imported_project_with_a_bucket_writes_it_and_plans_clean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outputs = Vec::new();
    let text = manifest(PRODUCTION_ONLY, false).replace(
        "      variables:\n",
        "      environments: { staging: { variables: { S3_ENDPOINT: none, S3_BUCKET: none, S3_SECRET: none } } }\n      variables:\n",
    );
    let (code, applied) = run(&sandbox, dir.path(), &text, &["apply"], &mut outputs).await;
    assert_eq!(code, 0, "{applied}");
    let imported = dir.path().join("imported.yml");
    let imported_path = imported.to_string_lossy().to_string();
    let (code, out, err) = cli(
        &sandbox,
        &[
            "import",
            "--project",
            "shop",
            "--plain",
            "S3_ENDPOINT",
            "--plain",
            "S3_BUCKET",
            "--plain",
            "S3_SECRET",
            "-o",
            &imported_path,
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let written = fs::read_to_string(&imported).expect("imported manifest");
    assert!(
        written.contains("buckets:\n    assets:\n      environments:\n      - production"),
        "{written}"
    );
    let (code, out, err) = cli(
        &sandbox,
        &["plan", "--detailed-exitcode", "-f", &imported_path],
    )
    .await;
    assert_eq!(code, 0, "the import plans clean:\n{out}{err}\n{written}");
}
