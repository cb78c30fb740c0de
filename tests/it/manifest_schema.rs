//! The committed JSON Schema matches the generated one, and every shipped manifest validates.

use std::path::{Path, PathBuf};

use railway_operator::manifest::{json_schema, load_file};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The environment the examples are written against.
fn example_env(name: &str) -> Option<String> {
    match name {
        "RAILWAY_WORKSPACE_ID" => Some("ws-example".to_string()),
        "APP_IMAGE_TAG" => Some("1.0.0".to_string()),
        "EXAMPLE_API_KEY" => Some("example-key".to_string()),
        _ => None,
    }
}

#[test]
fn committed_schema_matches_the_generated_schema() {
    let path = repo_path("manifests/manifest.schema.json");
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "manifests/manifest.schema.json is stale: run `UPDATE_GOLDEN=1 cargo test --test manifest_schema`"
    );
}

#[test]
fn schema_is_draft_2020_12_and_names_every_top_level_field() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    for field in ["apiVersion", "kind", "metadata", "spec"] {
        assert!(schema["properties"].get(field).is_some(), "missing {field}");
    }
}

#[test]
fn every_example_manifest_validates() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_path("manifests/examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            if let Err(error) = load_file(&path, &example_env) {
                panic!("{} does not validate:\n{error}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "expected the examples, found {checked}");
}

#[test]
fn the_blackroad_manifest_loads_with_an_empty_environment() {
    let desired = load_file(&repo_path("manifests/blackroad.yml"), &|_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(desired.project.name, "blackroad-os");
    assert_eq!(desired.environments, ["production", "staging"]);
    let names: Vec<&str> = desired.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "blackroad-backend",
            "postgres",
            "redis",
            "docs-site",
            "blackroad-api",
            "blackroad-prism-console",
            "blackroad-agents",
            "blackroad-web"
        ]
    );
}
