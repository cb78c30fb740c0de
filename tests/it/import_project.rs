//! `import` end to end against the sandbox: a project built by a seed (for what only a seed can
//! make, a sealed variable) and raw GraphQL mutations, imported, then planned with no changes.

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

const PROJECT_ID: &str = "5b1f3c3e-0000-4000-8000-000000000001";
const SEED: &str = r#"
projects:
  - name: shop
    id: 5b1f3c3e-0000-4000-8000-000000000001
    environments:
      - name: production
        id: env-production
        sharedVariables: { LOG_LEVEL: info, REGION_NAME: eu, SHARED_TOKEN: shared-secret-value-1 }
      - name: staging
        id: env-staging
        sharedVariables: { LOG_LEVEL: debug, REGION_NAME: eu, SHARED_TOKEN: shared-secret-value-1 }
    services:
      - name: api
        id: svc-api
        image: ghcr.io/acme/api:1
        variables:
          PORT: "8000"
          DATABASE_URL: "${{postgres.DATABASE_URL}}"
          API_KEY: api-key-value-1
          SESSION_SECRET: sealed-session-value
        sealedVariables: [SESSION_SECRET]
      - name: worker
        id: svc-worker
        repo: acme/worker
        branch: main
      - name: postgres
        id: svc-postgres
        image: "postgres:16"
        volume: { name: pg-data, mountPath: /var/lib/postgresql/data, schedules: [DAILY, WEEKLY] }
        variables:
          POSTGRES_PASSWORD: pg-password-value-1
          DATABASE_URL: "postgresql://postgres:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/db"
"#;
const SECRET_VALUES: &[&str] = &[
    "shared-secret-value-1",
    "api-key-value-1",
    "api-key-staging-2",
    "sealed-session-value",
    "pg-password-value-1",
];

async fn seeded(dir: &Path) -> Sandbox {
    let seed = dir.join("seed.yml");
    std::fs::write(&seed, SEED).unwrap();
    sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await
}

async fn mutate(sandbox: &Sandbox, query: &str, variables: Value) {
    let answer = graphql(sandbox, query, variables).await;
    assert!(answer["errors"].is_null(), "{answer}");
}

/// What the seed cannot say, done as another client would.
async fn build_by_hand(sandbox: &Sandbox) {
    let update = "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) { serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }";
    mutate(sandbox, update, json!({ "s": "svc-api", "e": "env-production",
        "i": { "numReplicas": 3, "startCommand": "serve --port ${PORT}", "healthcheckPath": "/health" } })).await;
    mutate(sandbox, update, json!({ "s": "svc-api", "e": "env-staging",
        "i": { "numReplicas": 1, "startCommand": "serve --port ${PORT}", "healthcheckPath": "/health" } })).await;
    for env in ["env-production", "env-staging"] {
        mutate(sandbox, update, json!({ "s": "svc-worker", "e": env,
            "i": { "rootDirectory": "worker", "builder": "NIXPACKS", "watchPatterns": ["worker/**"] } })).await;
    }
    mutate(
        sandbox,
        "mutation($i: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $i) }",
        json!({ "i": { "serviceId": "svc-api", "environmentId": "env-production", "vCPUs": 2.0, "memoryGB": 4.0 } }),
    )
    .await;
    mutate(
        sandbox,
        "mutation($i: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $i) }",
        json!({ "i": { "projectId": PROJECT_ID, "environmentId": "env-staging", "serviceId": "svc-api",
                        "variables": { "API_KEY": "api-key-staging-2", "FEATURE_FLAG": "on" }, "skipDeploys": true } }),
    )
    .await;
    for env in ["env-production", "env-staging"] {
        mutate(
            sandbox,
            "mutation($i: ServiceDomainCreateInput!) { serviceDomainCreate(input: $i) { id } }",
            json!({ "i": { "serviceId": "svc-api", "environmentId": env, "targetPort": 8000 } }),
        )
        .await;
    }
    mutate(
        sandbox,
        "mutation($i: CustomDomainCreateInput!) { customDomainCreate(input: $i) { id } }",
        json!({ "i": { "projectId": PROJECT_ID, "environmentId": "env-production", "serviceId": "svc-api",
                        "domain": "shop.example.com", "targetPort": 8000 } }),
    )
    .await;
    mutate(
        sandbox,
        "mutation($i: TCPProxyCreateInput!) { tcpProxyCreate(input: $i) { id } }",
        json!({ "i": { "serviceId": "svc-postgres", "environmentId": "env-production", "applicationPort": 5432 } }),
    )
    .await;
}

/// A variable's live value, read as another client would.
async fn live_value(
    sandbox: &Sandbox,
    environment: &str,
    service: Option<&str>,
    name: &str,
) -> String {
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        json!({ "p": PROJECT_ID, "e": environment, "s": service }),
    )
    .await;
    data["data"]["variables"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is readable: {data}"))
        .to_string()
}

/// The placeholder names import listed on stderr (indented lines).
fn listed_placeholders(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn an_imported_project_plans_with_no_changes_and_never_shows_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = seeded(dir.path()).await;
    build_by_hand(&sandbox).await;
    let file = dir.path().join("shop.yml");
    let file_arg = file.to_str().unwrap();

    let (code, stdout, stderr) = cli_in(
        &sandbox,
        &["import", "--project", "shop", "-o", file_arg],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let manifest = std::fs::read_to_string(&file).unwrap();
    for secret in SECRET_VALUES {
        for text in [&manifest, &stdout, &stderr] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
    }
    let expected: BTreeSet<String> = [
        "SHARED_LOG_LEVEL_PRODUCTION",
        "SHARED_LOG_LEVEL_STAGING",
        "REGION_NAME",
        "SHARED_TOKEN",
        "PORT",
        "API_API_KEY_PRODUCTION",
        "API_API_KEY_STAGING",
        "FEATURE_FLAG",
        "SESSION_SECRET",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(
        listed_placeholders(&stderr),
        expected,
        "{stderr}\n{manifest}"
    );
    assert!(manifest.contains(PROJECT_ID), "{manifest}");
    assert!(
        manifest.contains("drift: report") && manifest.contains("prune: false"),
        "{manifest}"
    );
    assert!(manifest.contains("shop.example.com"), "{manifest}");
    assert!(manifest.contains("tcpProxies"), "{manifest}");
    assert!(
        manifest.contains("pg-data") && manifest.contains("/var/lib/postgresql/data"),
        "the volume is imported: {manifest}"
    );
    assert!(
        manifest.contains("${{postgres.DATABASE_URL}}"),
        "{manifest}"
    );

    let values = [
        (
            "SHARED_LOG_LEVEL_PRODUCTION",
            live_value(&sandbox, "env-production", None, "LOG_LEVEL").await,
        ),
        (
            "SHARED_LOG_LEVEL_STAGING",
            live_value(&sandbox, "env-staging", None, "LOG_LEVEL").await,
        ),
        (
            "REGION_NAME",
            live_value(&sandbox, "env-production", None, "REGION_NAME").await,
        ),
        (
            "PORT",
            live_value(&sandbox, "env-production", Some("svc-api"), "PORT").await,
        ),
        (
            "FEATURE_FLAG",
            live_value(&sandbox, "env-staging", Some("svc-api"), "FEATURE_FLAG").await,
        ),
        (
            "DATABASE_URL",
            live_value(
                &sandbox,
                "env-production",
                Some("svc-postgres"),
                "DATABASE_URL",
            )
            .await,
        ),
        (
            "SHARED_TOKEN",
            live_value(&sandbox, "env-production", None, "SHARED_TOKEN").await,
        ),
        (
            "API_API_KEY_PRODUCTION",
            live_value(&sandbox, "env-production", Some("svc-api"), "API_KEY").await,
        ),
        (
            "API_API_KEY_STAGING",
            live_value(&sandbox, "env-staging", Some("svc-api"), "API_KEY").await,
        ),
        (
            "POSTGRES_PASSWORD",
            live_value(
                &sandbox,
                "env-production",
                Some("svc-postgres"),
                "POSTGRES_PASSWORD",
            )
            .await,
        ),
        // Sealed: compared by presence only, so any value plans clean.
        ("SESSION_SECRET", "unknown".to_string()),
    ];
    let vars: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (code, stdout, stderr) =
        cli_env(&sandbox, &["plan", "-f", file_arg], dir.path(), &vars).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}\n{manifest}");
    assert!(
        stdout.contains("No changes"),
        "{stdout}\n{stderr}\n{manifest}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r27_plain_names_are_written_in_clear_and_everything_else_but_a_reference_is_a_placeholder()
{
    let dir = tempfile::tempdir().unwrap();
    let sandbox = seeded(dir.path()).await;
    let (code, manifest, stderr) = cli_in(
        &sandbox,
        &[
            "import",
            "--project",
            "shop",
            "--plain",
            "PORT",
            "--plain",
            "LOG_LEVEL",
            "--plain",
            "NOPE",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(manifest.contains("PORT: '8000'"), "{manifest}");
    assert!(
        manifest.contains("LOG_LEVEL: info") && manifest.contains("LOG_LEVEL: debug"),
        "{manifest}"
    );
    assert!(
        manifest.contains("DATABASE_URL: ${{postgres.DATABASE_URL}}"),
        "{manifest}"
    );
    // A URL made of references and text is not one reference: it could carry a credential.
    assert!(!manifest.contains("postgresql://"), "{manifest}");
    let listed = listed_placeholders(&stderr);
    assert!(
        listed.contains("DATABASE_URL") && listed.contains("REGION_NAME"),
        "{stderr}"
    );
    assert!(
        !listed
            .iter()
            .any(|n| n.contains("PORT") || n.contains("LOG_LEVEL")),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: --plain NOPE: no imported variable has this name"),
        "{stderr}"
    );
    for secret in SECRET_VALUES {
        assert!(
            !stderr.contains(secret) && !manifest.contains(secret),
            "{secret}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_project_imports_by_id_and_an_unknown_one_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = seeded(dir.path()).await;
    let (code, stdout, stderr) =
        cli_in(&sandbox, &["import", "--project", PROJECT_ID], dir.path()).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("name: shop") && stdout.contains("Imported by"),
        "{stdout}"
    );

    let (code, _, stderr) = cli_in(
        &sandbox,
        &[
            "import",
            "--project",
            "00000000-0000-4000-8000-000000000000",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no project with id 00000000-0000-4000-8000-000000000000"),
        "{stderr}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn only_the_environments_given_with_env_are_imported() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = seeded(dir.path()).await;
    let (code, stdout, stderr) = cli_in(
        &sandbox,
        &["import", "--project", "shop", "--env", "staging"],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("staging: {}") || stdout.contains("staging:"),
        "{stdout}"
    );
    assert!(!stdout.contains("production"), "{stdout}");
    let (code, _, stderr) = cli_in(
        &sandbox,
        &["import", "--project", "shop", "--env", "qa"],
        dir.path(),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--env qa") && stderr.contains("production, staging"),
        "{stderr}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_or_ambiguous_project_name_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yml");
    std::fs::write(
        &seed,
        "projects:\n  - { name: twin, id: 5b1f3c3e-0000-4000-8000-00000000000a }\n  - { name: twin, id: 5b1f3c3e-0000-4000-8000-00000000000b }\n",
    )
    .unwrap();
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let (code, _, stderr) = cli_in(&sandbox, &["import", "--project", "nope"], dir.path()).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no project named \"nope\""), "{stderr}");
    let (code, _, stderr) = cli_in(&sandbox, &["import", "--project", "twin"], dir.path()).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("2 projects are named \"twin\"")
            && stderr.contains("5b1f3c3e-0000-4000-8000-00000000000a")
            && stderr.contains("5b1f3c3e-0000-4000-8000-00000000000b"),
        "{stderr}"
    );
    sandbox.shutdown().await;
}
