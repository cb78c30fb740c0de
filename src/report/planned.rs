//! Sources of planned (`enabled: false`) services, read from the manifest text: the validated
//! model keeps no settings for them. Reads YAML only; validation stays in `crate::manifest`.

use std::collections::BTreeMap;

use serde_yaml::Value;

/// `service -> repo@branch[/root]` or the image, for every service whose `source` is readable.
/// Anything unreadable is left out: the manifest loader already reported it.
pub fn planned_sources(manifest_text: &str) -> BTreeMap<String, String> {
    let mut sources = BTreeMap::new();
    let Ok(root) = serde_yaml::from_str::<Value>(manifest_text) else {
        return sources;
    };
    let Some(services) = root
        .get("spec")
        .and_then(|s| s.get("services"))
        .and_then(Value::as_mapping)
    else {
        return sources;
    };
    for (name, service) in services {
        let (Some(name), Some(source)) = (name.as_str(), service.get("source")) else {
            continue;
        };
        if let Some(text) = source_text(source) {
            sources.insert(name.to_string(), text);
        }
    }
    sources
}

fn source_text(source: &Value) -> Option<String> {
    let field = |key: &str| source.get(key).and_then(Value::as_str);
    if let Some(image) = field("image") {
        return Some(image.to_string());
    }
    let repo = field("repo")?;
    let mut text = match field("branch") {
        Some(branch) => format!("{repo}@{branch}"),
        None => repo.to_string(),
    };
    if let Some(root) = field("rootDirectory") {
        text.push('/');
        text.push_str(root.trim_start_matches('/'));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_and_image_sources_are_read_from_the_manifest_text() {
        let text = "spec:\n  services:\n    api:\n      enabled: false\n      source: { repo: o/api, branch: main, rootDirectory: /srv }\n    cache:\n      source: { image: redis:7 }\n    docs:\n      external: { url: https://x }\n";
        let sources = planned_sources(text);
        assert_eq!(
            sources.get("api").map(String::as_str),
            Some("o/api@main/srv")
        );
        assert_eq!(sources.get("cache").map(String::as_str), Some("redis:7"));
        assert!(!sources.contains_key("docs"));
    }

    #[test]
    fn unreadable_text_gives_no_sources() {
        assert!(planned_sources(": : [").is_empty());
    }
}
