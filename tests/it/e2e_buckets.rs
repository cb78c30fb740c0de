//! Storage Buckets (R49) end to end against the sandbox: a bucket in two environments applies
//! (one `bucketCreate`, instances through each environment's one patch) and plans clean twice;
//! a service reads its credentials through `${{assets.*}}` references, which the sandbox renders;
//! dropping an environment plans `isDeleted` there; dropping the bucket with prune is a
//! destructive delete that `apply` refuses without `--confirm-destructive`; the bucket's fake
//! secret key appears in no output, plan file or inventory; `import` writes it back, and that
//! manifest plans clean.

use crate::support;

use std::fs;

use railway_operator::inventory::InventoryState;
use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

fn manifest(bucket: &str, prune: bool) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: shop }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}}, staging: {{}} }}\n  services:\n    api:\n      source: {{ image: \"api:1\" }}\n      variables:\n        S3_ENDPOINT: ${{{{assets.ENDPOINT}}}}\n        S3_BUCKET: ${{{{assets.BUCKET}}}}\n        S3_SECRET: ${{{{assets.SECRET_ACCESS_KEY}}}}\n{bucket}"
    )
}

const BOTH: &str = "  buckets:\n    assets: { region: ams }\n";
const PRODUCTION_ONLY: &str = "  buckets:\n    assets: { environments: [production] }\n";
/// Staging's override of the S3 variables, once the bucket has no instance there.
const STAGING_WITHOUT_S3: &str = "      environments: { staging: { variables: { S3_ENDPOINT: none, S3_BUCKET: none, S3_SECRET: none } } }\n      variables:\n";

/// One sandbox, the manifest's directory, and every output and file the canary is looked for in.
struct World {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    outputs: Vec<String>,
}

impl World {
    async fn new() -> Self {
        World {
            sandbox: sandbox().await,
            dir: tempfile::tempdir().expect("tempdir"),
            outputs: Vec::new(),
        }
    }

    /// Runs the CLI with the manifest `text` at `dir/shop.yml` (trace logs on), keeping the output.
    async fn run(&mut self, text: &str, args: &[&str]) -> (i32, String) {
        let file = self.dir.path().join("shop.yml");
        fs::write(&file, text).expect("write");
        let file = file.to_string_lossy().to_string();
        let mut full = args.to_vec();
        full.extend(["-f", file.as_str()]);
        let vars = [("RUST_LOG", "trace")];
        let (code, out, err) = cli_env(&self.sandbox, &full, self.dir.path(), &vars).await;
        let both = format!("{out}\n{err}");
        self.outputs.push(both.clone());
        (code, both)
    }

    /// The project's ids: (project, [(environment name, id)], [(bucket name, id)]).
    async fn ids(&self) -> (Value, Vec<(String, String)>, Vec<(String, String)>) {
        let data = all_projects(
            &self.sandbox,
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
        let environments = pairs(&project["environments"]);
        (
            project["id"].clone(),
            environments,
            pairs(&project["buckets"]),
        )
    }

    async fn env_id(&self, name: &str) -> String {
        let (_, environments, _) = self.ids().await;
        environments
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id)
            .unwrap()
    }

    /// The config's `buckets` of environment `name`.
    async fn config_buckets(&self, name: &str) -> Value {
        let data = graphql(
            &self.sandbox,
            "query($id: String!) { environment(id: $id) { config } }",
            json!({ "id": self.env_id(name).await }),
        )
        .await;
        data["data"]["environment"]["config"]["buckets"].clone()
    }

    /// The decoded inventory of environment `name`, as JSON text.
    async fn inventory_text(&self, name: &str) -> String {
        let (project, _, _) = self.ids().await;
        let data = graphql(
            &self.sandbox,
            "query($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e, unrendered: true) }",
            json!({ "p": project, "e": self.env_id(name).await }),
        )
        .await;
        let raw = data["data"]["variables"]["RAILWAY_OPERATOR_INVENTORY"]
            .as_str()
            .map(str::to_string);
        match InventoryState::decode(Some(raw.as_deref())) {
            InventoryState::Present { inventory } => serde_json::to_string(&inventory).unwrap(),
            other => panic!("no inventory in {name}: {other:?}"),
        }
    }
}

/// Applies the bucket in both environments, checks it and its rendered references; returns
/// the bucket's id and the fake secret key of production's instance (the canary).
async fn apply_in_both(world: &mut World) -> (String, String) {
    let text = manifest(BOTH, false);
    let (code, plan) = world.run(&text, &["plan"]).await;
    assert_eq!(code, 0, "{plan}");
    assert!(plan.contains("+ bucket assets (Storage Bucket"), "{plan}");
    reset_stats(&world.sandbox).await;
    let (code, applied) = world.run(&text, &["apply"]).await;
    assert_eq!(code, 0, "{applied}");
    let counted = stats(&world.sandbox).await;
    println!(
        "apply of a new project with one service and a bucket in two environments: {} requests ({} bucketCreate, {} environmentPatchCommit)",
        total(&counted),
        count(&counted, "BucketCreate"),
        count(&counted, "EnvironmentPatchCommit")
    );
    assert_eq!(count(&counted, "BucketCreate"), 1, "{counted}");
    let (project, _, buckets) = world.ids().await;
    assert_eq!(buckets.len(), 1, "one bucket: {buckets:?}");
    let bucket_id = buckets[0].1.clone();
    for env in ["production", "staging"] {
        let config = world.config_buckets(env).await;
        assert_eq!(config[&bucket_id]["region"], "ams", "{env}: {config}");
    }
    let production = world.env_id("production").await;
    let credentials = graphql(
        &world.sandbox,
        "query($p: String!, $e: String!, $b: String!) { bucketS3Credentials(projectId: $p, environmentId: $e, bucketId: $b) { secretAccessKey } }",
        json!({ "p": project, "e": production, "b": bucket_id }),
    )
    .await;
    let secret = credentials["data"]["bucketS3Credentials"][0]["secretAccessKey"]
        .as_str()
        .expect("credentials")
        .to_string();
    // Railway renders the reference inside the deployment; the operator stored only the text.
    let api = ids(&world.sandbox).await.service("api");
    let rendered = graphql(
        &world.sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": project, "e": production, "s": api }),
    )
    .await;
    assert_eq!(rendered["data"]["variables"]["S3_SECRET"], secret.as_str());
    let stored = read_variables(&world.sandbox, Some("api")).await;
    assert_eq!(stored["S3_SECRET"], "${{assets.SECRET_ACCESS_KEY}}");
    (bucket_id, secret)
}

/// Two clean plans, a saved plan file and a status, all kept for the canary.
async fn plans_clean(world: &mut World) {
    let text = manifest(BOTH, false);
    for _ in 0..2 {
        let (code, plan) = world.run(&text, &["plan", "--detailed-exitcode"]).await;
        assert_eq!(code, 0, "clean:\n{plan}");
    }
    let plan_file = world.dir.path().join("saved.plan");
    let plan_path = plan_file.to_string_lossy().to_string();
    let args = ["plan", "--output", "json", "--out", &plan_path];
    world.run(&text, &args).await;
    world
        .outputs
        .push(fs::read_to_string(&plan_file).unwrap_or_default());
    for args in [
        &["status"][..],
        &["env", "api"],
        &["list"],
        &["report", "api"],
    ] {
        let (code, output) = world.run(&text, args).await;
        assert!([0, 2].contains(&code), "{args:?}: {output}");
    }
}

/// Staging leaves the list: its references must go first, then a destructive `isDeleted`
/// there, behind the gate.
async fn staging_leaves_the_list(world: &mut World, bucket_id: &str) {
    let shrunk = manifest(PRODUCTION_ONLY, false);
    let (code, plan) = world.run(&shrunk, &["plan"]).await;
    assert_eq!(code, 1, "staging's references point at nothing:\n{plan}");
    assert!(
        plan.contains("has no instance in environment `staging`"),
        "{plan}"
    );
    let shrunk = shrunk.replace("      variables:\n", STAGING_WITHOUT_S3);
    let (code, plan) = world.run(&shrunk, &["plan", "--output", "json"]).await;
    assert_eq!(code, 0, "{plan}");
    assert!(plan.contains("removeBucketInstance"), "{plan}");
    let (code, refused) = world.run(&shrunk, &["apply"]).await;
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("bucket.assets[staging]"), "{refused}");
    let (code, applied) = world
        .run(&shrunk, &["apply", "--confirm-destructive"])
        .await;
    assert_eq!(code, 0, "{applied}");
    assert_eq!(world.config_buckets("staging").await, Value::Null);
    let production = world.config_buckets("production").await;
    assert!(production.get(bucket_id).is_some(), "{production}");
}

/// The bucket leaves the manifest: with prune, a destructive delete the gate holds back, then
/// done with `--confirm-destructive`, and a clean plan after.
async fn the_bucket_is_pruned(world: &mut World, bucket_id: &str) {
    let references = "      variables:\n        S3_ENDPOINT: ${{assets.ENDPOINT}}\n        S3_BUCKET: ${{assets.BUCKET}}\n        S3_SECRET: ${{assets.SECRET_ACCESS_KEY}}\n";
    let without = manifest("", true).replace(references, "");
    let (code, plan) = world.run(&without, &["plan"]).await;
    assert_eq!(code, 0, "{plan}");
    assert!(
        plan.contains("- bucket assets (destroy, DATA LOSS"),
        "{plan}"
    );
    let (code, refused) = world.run(&without, &["apply"]).await;
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("--confirm-destructive"), "{refused}");
    let production = world.config_buckets("production").await;
    assert!(production.get(bucket_id).is_some(), "{production}");
    let owned = world.inventory_text("production").await;
    assert!(owned.contains("assets"), "owned: {owned}");
    world.outputs.push(owned);
    let staging = world.inventory_text("staging").await;
    world.outputs.push(staging);
    let (code, applied) = world
        .run(&without, &["apply", "--confirm-destructive"])
        .await;
    assert_eq!(code, 0, "{applied}");
    assert_eq!(world.config_buckets("production").await, Value::Null);
    let (code, plan) = world.run(&without, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "clean after the delete:\n{plan}");
}

#[tokio::test]
async fn a_bucket_in_two_environments_applies_plans_clean_shrinks_is_pruned_behind_the_gate_and_never_leaks_its_keys()
 {
    let mut world = World::new().await;
    let (bucket_id, secret) = apply_in_both(&mut world).await;
    plans_clean(&mut world).await;
    staging_leaves_the_list(&mut world, &bucket_id).await;
    the_bucket_is_pruned(&mut world, &bucket_id).await;
    assert!(world.outputs.len() > 10);
    for output in &world.outputs {
        assert!(
            !output.contains(&secret),
            "the bucket's secret key leaked:\n{output}"
        );
    }
}

#[tokio::test]
async fn an_imported_project_with_a_bucket_writes_it_and_plans_clean() {
    let mut world = World::new().await;
    let text = manifest(PRODUCTION_ONLY, false).replace("      variables:\n", STAGING_WITHOUT_S3);
    let (code, applied) = world.run(&text, &["apply"]).await;
    assert_eq!(code, 0, "{applied}");
    let (sandbox, dir) = (&world.sandbox, &world.dir);
    let imported = dir.path().join("imported.yml");
    let imported_path = imported.to_string_lossy().to_string();
    let (code, out, err) = cli(
        sandbox,
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
        sandbox,
        &["plan", "--detailed-exitcode", "-f", &imported_path],
    )
    .await;
    assert_eq!(code, 0, "the import plans clean:\n{out}{err}\n{written}");
}
