//! The manifest reference (docs/manifest.md, linked from the README) and the JSON Schema come
//! from different hands; this keeps them in agreement: every field the schema knows is shown in
//! the reference, every key its example uses is one the schema knows, and its settings table is
//! the one generated from the setting table.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every property name anywhere in the schema.
fn schema_fields(node: &Value, fields: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                fields.extend(properties.keys().cloned());
            }
            for value in map.values() {
                schema_fields(value, fields);
            }
        }
        Value::Array(items) => {
            for item in items {
                schema_fields(item, fields);
            }
        }
        _ => {}
    }
}

/// The manifest reference's file, relative to the repository.
const REFERENCE: &str = "docs/manifest.md";

/// The reference from `## The manifest` to the next `## ` heading.
fn manifest_section() -> String {
    let readme = std::fs::read_to_string(repo().join(REFERENCE)).expect(REFERENCE);
    let start = readme.find("## The manifest").expect("a manifest section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i);
    rest[..end].to_string()
}

/// Keys written in the section's YAML example (`key:` at the start of a line or after `{`/`,`).
fn example_keys(section: &str) -> BTreeSet<String> {
    let yaml = section
        .split("```yaml")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default();
    let mut keys = BTreeSet::new();
    for line in yaml.lines() {
        let code = line.split(" #").next().unwrap_or_default();
        for piece in code.split(['{', ',']) {
            let piece = piece.trim().trim_start_matches("- ");
            if let Some((key, _)) = piece.split_once(':')
                && !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                keys.insert(key.to_string());
            }
        }
    }
    keys
}

fn schema() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join("manifests/manifest.schema.json"))
        .expect("manifests/manifest.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let mut fields = BTreeSet::new();
    schema_fields(&schema, &mut fields);
    fields
}

#[test]
fn every_schema_field_appears_in_the_manifest_reference() {
    let section = manifest_section();
    let shown = example_keys(&section);
    let missing: Vec<String> = schema()
        .into_iter()
        .filter(|field| !shown.contains(field) && !section.contains(&format!("`{field}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "document these manifest fields in {REFERENCE}: {missing:?}"
    );
}

#[test]
fn every_key_of_the_reference_example_is_a_schema_field() {
    let fields = schema();
    // Map keys chosen by the user, not fields: names of services, environments, variables and
    // buckets.
    let user_names = [
        "production",
        "staging",
        "api",
        "worker",
        "us-west2",
        "europe-west4-drams3a",
        "later",
        "postgres",
        "docs",
        "PORT",
        "DATABASE_URL",
        "LOG_LEVEL",
        "API_KEY",
        "TLS_CERT",
        "SESSION_KEY",
        "ENVIRONMENT",
        "assets",
    ];
    let unknown: Vec<String> = example_keys(&manifest_section())
        .into_iter()
        .filter(|key| !fields.contains(key) && !user_names.contains(&key.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "the example of {REFERENCE} uses keys the schema does not know: {unknown:?}"
    );
}

#[test]
fn the_reference_settings_table_is_generated_from_the_setting_table() {
    const START: &str = "<!-- settings table: generated from src/manifest/setting/table.rs -->\n";
    const END: &str = "<!-- end of settings table -->";
    let path = repo().join(REFERENCE);
    let readme = std::fs::read_to_string(&path).expect(REFERENCE);
    let generated = railway_operator::manifest::setting::reference_markdown();
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("{REFERENCE} lacks the settings table markers");
    };
    let current = &readme[start + START.len()..end];
    if current != generated {
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            let updated = format!(
                "{}{generated}{}",
                &readme[..start + START.len()],
                &readme[end..]
            );
            std::fs::write(&path, updated).expect("write the manifest reference");
            return;
        }
        panic!(
            "{REFERENCE}'s settings table is stale: run `UPDATE_GOLDEN=1 cargo test --test it -- readme_manifest_reference`"
        );
    }
}
