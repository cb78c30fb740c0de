//! Resolution of valid manifests into `Desired`: overrides, `${VAR}` expansion, service kinds.

use std::path::Path;

use railway_operator::manifest::desired::{Builder, RestartPolicyType, ServiceKind, Source};
use railway_operator::manifest::{Desired, LoadError, load_str};

const HEADER: &str =
    "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: demo }\nspec:\n";

fn load(body: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Desired, LoadError> {
    load_str(&format!("{HEADER}{body}"), Path::new("test.yml"), env)
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn managed(desired: &Desired, service: &str) -> ServiceKind {
    desired
        .services
        .iter()
        .find(|s| s.name == service)
        .unwrap()
        .kind
        .clone()
}

#[test]
fn overrides_deep_merge_maps_and_replace_scalars_and_lists() {
    let desired = load(
        r#"
  environments: { production: {}, staging: {} }
  services:
    api:
      source: { repo: acme/api, branch: main, rootDirectory: api }
      build: { builder: NIXPACKS, watchPatterns: [a, b] }
      deploy:
        replicas: 3
        limits: { vcpus: 4, memoryGB: 8 }
        restartPolicy: { type: ON_FAILURE, maxRetries: 5 }
      environments:
        staging:
          source: { branch: develop }
          build: { watchPatterns: [c] }
          deploy: { replicas: 1, limits: { memoryGB: 2 } }
"#,
        &no_env,
    )
    .unwrap();
    let ServiceKind::Managed { environments } = managed(&desired, "api") else {
        panic!("api is managed");
    };
    let production = &environments["production"];
    let staging = &environments["staging"];
    assert_eq!(production.values.num_replicas, Some(3));
    assert_eq!(staging.values.num_replicas, Some(1));
    assert_eq!(
        staging.source,
        Some(Source::Repo {
            repo: "acme/api".into(),
            branch: "develop".into(),
            root_directory: Some("api".into())
        })
    );
    assert_eq!(staging.values.vcpus, Some(4.0));
    assert_eq!(staging.values.memory_gb, Some(2.0));
    assert_eq!(staging.values.watch_patterns, Some(vec!["c".to_string()]));
    assert_eq!(
        production.values.watch_patterns,
        Some(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(staging.values.builder, Some(Builder::Nixpacks));
    assert_eq!(
        staging.values.restart_policy_type,
        Some(RestartPolicyType::OnFailure)
    );
    assert_eq!(staging.values.restart_policy_max_retries, Some(5));
}

#[test]
fn an_override_switching_to_an_image_drops_the_base_repository() {
    let desired = load(
        r#"
  environments: { production: {}, staging: {} }
  services:
    api:
      source: { repo: acme/api, branch: main }
      environments:
        staging: { source: { image: "acme/api:staging" } }
"#,
        &no_env,
    )
    .unwrap();
    let ServiceKind::Managed { environments } = managed(&desired, "api") else {
        panic!("api is managed");
    };
    assert_eq!(
        environments["staging"].source,
        Some(Source::Image("acme/api:staging".into()))
    );
}

#[test]
fn unset_settings_stay_none_and_every_environment_is_present() {
    let desired = load(
        "  environments: { production: {}, staging: {} }\n  services:\n    cache: { source: { image: \"redis:7\" } }\n",
        &no_env,
    )
    .unwrap();
    let ServiceKind::Managed { environments } = managed(&desired, "cache") else {
        panic!("cache is managed");
    };
    assert_eq!(environments.len(), 2);
    let settings = &environments["staging"];
    assert_eq!(settings.source, Some(Source::Image("redis:7".into())));
    assert_eq!(settings.values.start_command, None);
    assert_eq!(settings.values.num_replicas, None);
    assert_eq!(settings.values.vcpus, None);
    assert_eq!(settings.values.memory_gb, None);
}

#[test]
fn variables_expand_while_escapes_references_and_bare_dollars_stay_literal() {
    let env = |name: &str| match name {
        "TAG" => Some("1.2.3".to_string()),
        "WS" => Some("workspace-1".to_string()),
        _ => None,
    };
    let desired = load(
        r#"
  workspace: ${WS}
  environments: { production: {} }
  services:
    app:
      source: { image: "acme/app:${TAG}" }
      deploy:
        startCommand: "run --port $PORT --db ${{postgres.DATABASE_URL}} --x $${TAG}"
        preDeployCommand: echo ${TAG}
"#,
        &env,
    )
    .unwrap();
    assert_eq!(desired.project.workspace_id.as_deref(), Some("workspace-1"));
    let ServiceKind::Managed { environments } = managed(&desired, "app") else {
        panic!("app is managed");
    };
    let settings = &environments["production"];
    assert_eq!(
        settings.source,
        Some(Source::Image("acme/app:1.2.3".into()))
    );
    assert_eq!(
        settings.values.start_command.as_deref(),
        Some("run --port $PORT --db ${{postgres.DATABASE_URL}} --x ${TAG}")
    );
    assert_eq!(
        settings.values.pre_deploy_command,
        Some(vec!["echo 1.2.3".to_string()])
    );
}

#[test]
fn an_unset_variable_is_named_and_an_expanded_secret_never_appears_in_diagnostics() {
    let env = |name: &str| (name == "SECRET").then(|| "hunter2-very-secret".to_string());
    let error = load(
        r#"
  environments: { production: {} }
  services:
    app:
      source: { image: "${MISSING}" }
      build: { builder: "${SECRET}" }
      deploy: { cronSchedule: "${SECRET}" }
"#,
        &env,
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`MISSING` is not set"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("3 error(s) in test.yml"), "{text}");
}

#[test]
fn disabled_services_are_planned_and_external_services_are_external() {
    let desired = load(
        r#"
  environments: { production: {} }
  services:
    later: { enabled: false, phase: 2 }
    docs: { external: { url: "https://docs.example.com", healthPath: / } }
"#,
        &no_env,
    )
    .unwrap();
    assert!(matches!(
        managed(&desired, "later"),
        ServiceKind::Planned { .. }
    ));
    assert_eq!(desired.services[0].phase, Some(2));
    assert_eq!(
        managed(&desired, "docs"),
        ServiceKind::External {
            url: "https://docs.example.com".into(),
            health_path: Some("/".into())
        }
    );
}

#[test]
fn policy_defaults_apply_and_order_follows_the_manifest() {
    let desired = load(
        "  environments: { zeta: {}, alpha: {} }\n  services:\n    b: { source: { image: x } }\n    a: { source: { image: y } }\n",
        &no_env,
    )
    .unwrap();
    assert!(!desired.policy.prune);
    assert_eq!(desired.policy, Default::default());
    assert_eq!(desired.environments, ["zeta", "alpha"]);
    assert_eq!(desired.services[0].name, "b");
}

#[test]
fn a_diagnostic_displays_as_file_line_column_message_and_hint() {
    let error = load(
        "  environments: { production: {} }\n  services:\n    api:\n      source: { image: x }\n      deploy: { startComand: run }\n",
        &no_env,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "test.yml:9:17: error: unknown field `startComand` in services.api.deploy\n  hint: did you mean `startCommand`?\n1 error(s) in test.yml"
    );
}
