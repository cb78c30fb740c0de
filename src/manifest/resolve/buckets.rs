//! `spec.buckets` in resolution (R49): each bucket's environments checked against
//! `spec.environments` (default: all of them), and bucket names kept apart from service names,
//! since both are reference namespaces (`${{assets.ENDPOINT}}`, `${{api.PORT}}`).

use super::super::decode::environment_hint;
use super::super::desired::DesiredBucket;
use super::super::diagnostics::Sink;
use super::super::spec::{BucketSpec, ManifestSpec};

/// The environments `bucket` has an instance in, as written (unchecked), default all.
pub fn bucket_environments(bucket: &BucketSpec, spec: &ManifestSpec) -> Vec<String> {
    match &bucket.environments {
        Some(listed) => listed.iter().map(|e| e.value.clone()).collect(),
        None => spec.environments.iter().map(|e| e.value.clone()).collect(),
    }
}

/// Checks every bucket and returns the desired ones.
pub fn resolve_buckets(spec: &ManifestSpec, sink: &mut Sink) -> Vec<DesiredBucket> {
    let mut resolved = Vec::new();
    for bucket in &spec.buckets {
        let name = &bucket.name.value;
        if spec.services.iter().any(|s| s.name.value == *name) {
            sink.error_with_hint(
                bucket.name.at,
                format!("bucket `{name}` has the name of a service in spec.services"),
                format!("`${{{{{name}.VAR}}}}` would be ambiguous: give the bucket another name"),
            );
        }
        let mut environments: Vec<String> = Vec::new();
        for env in bucket.environments.iter().flatten() {
            if !spec.environments.iter().any(|e| e.value == env.value) {
                sink.error_with_hint(
                    env.at,
                    format!(
                        "spec.buckets.{name} names environment `{}`, which spec.environments does not declare",
                        env.value
                    ),
                    environment_hint(&env.value, &spec.environments),
                );
            } else if environments.contains(&env.value) {
                sink.error(
                    env.at,
                    format!(
                        "spec.buckets.{name} lists environment `{}` twice",
                        env.value
                    ),
                );
            } else {
                environments.push(env.value.clone());
            }
        }
        if bucket.environments.is_none() {
            environments = bucket_environments(bucket, spec);
        }
        // Manifest order, whatever order the list was written in.
        let order = |env: &String| spec.environments.iter().position(|e| &e.value == env);
        environments.sort_by_key(order);
        resolved.push(DesiredBucket {
            name: name.clone(),
            environments,
            region: bucket.region.clone(),
        });
    }
    resolved
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::manifest::desired::DesiredBucket;
    use crate::manifest::load_str;

    /// A manifest with `production` and `staging`, an `api` service, `spec.buckets` as given
    /// and `api`'s variables as given.
    fn load(buckets: &str, variables: &str) -> Result<Vec<DesiredBucket>, String> {
        let text = format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: shop }}\nspec:\n  environments: {{ production: {{}}, staging: {{}} }}\n  services:\n    api: {{ source: {{ image: \"nginx:1\" }}, variables: {variables} }}\n  buckets: {buckets}\n"
        );
        load_str(&text, Path::new("shop.yml"), &|_| None)
            .map(|d| d.buckets)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_bucket_without_environments_is_in_every_one_and_a_list_is_kept_in_manifest_order() {
        let buckets = load(
            "{ assets: {}, logs: { environments: [staging, production] } }",
            "{}",
        )
        .unwrap();
        assert_eq!(buckets[0].environments, ["production", "staging"]);
        assert_eq!(buckets[1].name, "logs");
        assert_eq!(buckets[1].environments, ["production", "staging"]);
    }

    #[test]
    fn an_undeclared_environment_is_an_error_at_its_position_with_did_you_mean() {
        let error = load("{ assets: { environments: [production, stagin] } }", "{}").unwrap_err();
        assert!(error.contains("shop.yml:8:"), "{error}");
        assert!(
            error.contains("spec.buckets.assets names environment `stagin`"),
            "{error}"
        );
        assert!(error.contains("did you mean `staging`?"), "{error}");
    }

    #[test]
    fn bad_names_unknown_fields_and_a_service_name_are_errors() {
        let error = load("{ \"my.bucket\": {} }", "{}").unwrap_err();
        assert!(error.contains("invalid bucket name `my.bucket`"), "{error}");
        let error = load("{ assets: { enviroments: [production] } }", "{}").unwrap_err();
        assert!(error.contains("did you mean `environments`?"), "{error}");
        let error = load("{ assets: { region: fra } }", "{}").unwrap_err();
        assert!(error.contains("sjc, iad, ams, sin"), "{error}");
        let regional = load("{ assets: { region: ams } }", "{}").unwrap();
        assert_eq!(regional[0].region.as_deref(), Some("ams"));
        let error = load("{ api: {} }", "{}").unwrap_err();
        assert!(
            error.contains("bucket `api` has the name of a service"),
            "{error}"
        );
        let error = load("{ assets: { environments: production } }", "{}").unwrap_err();
        assert!(
            error.contains("expected a list of environment names"),
            "{error}"
        );
    }

    #[test]
    fn references_to_a_bucket_name_its_variables_in_environments_where_it_has_an_instance() {
        let fine =
            "{ S3_URL: \"${{assets.ENDPOINT}}\", S3_KEY: \"${{ assets.SECRET_ACCESS_KEY }}\" }";
        assert!(load("{ assets: {} }", fine).is_ok());
        let error = load("{ assets: {} }", "{ K: \"${{assets.ACCESS_KEY}}\" }").unwrap_err();
        assert!(
            error.contains("bucket `assets` has no variable `ACCESS_KEY`"),
            "{error}"
        );
        assert!(error.contains("did you mean `ACCESS_KEY_ID`?"), "{error}");
        let error = load(
            "{ assets: { environments: [production] } }",
            "{ K: \"${{assets.BUCKET}}\" }",
        )
        .unwrap_err();
        assert!(
            error.contains("bucket `assets` has no instance in environment `staging`"),
            "{error}"
        );
    }
}
