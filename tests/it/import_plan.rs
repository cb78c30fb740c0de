//! `import` without a network: hand-built live projects go through `build_manifest`, the manifest
//! loader and the planner, which must find nothing to change; secrets never reach the text.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::TimeZone;
use railway_operator::import::{self, ImportOptions, Imported, Provenance};
use railway_operator::inventory::InventoryState;
use railway_operator::manifest::desired::{BackupScheduleKind, Builder, RestartPolicyType};
use railway_operator::manifest::setting::SettingValues;
use railway_operator::plan::{self, PlanOptions};
use railway_operator::railway::Live;
use railway_operator::railway::live::*;
use railway_operator::secret::{Secret, SecretOrigin};

fn value(text: &str) -> LiveVariable {
    LiveVariable::Value(Secret::new(SecretOrigin::Live, text))
}

fn variables(entries: &[(&str, LiveVariable)]) -> BTreeMap<String, LiveVariable> {
    entries
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect()
}

fn instance(service_id: &str, name: &str, source: LiveSource) -> LiveInstance {
    LiveInstance {
        id: format!("{service_id}-instance"),
        service_id: service_id.into(),
        service_name: name.into(),
        source: Some(source),
        values: SettingValues {
            builder: Some(Builder::Railpack),
            watch_patterns: Some(Vec::new()),
            num_replicas: Some(1),
            region: Some("us-west2".into()),
            restart_policy_type: Some(RestartPolicyType::OnFailure),
            restart_policy_max_retries: Some(10),
            sleep_application: Some(false),
            ..SettingValues::default()
        },
        root_directory: None,
        railway_config_file: None,
        variables: BTreeMap::new(),
        service_domains: Vec::new(),
        custom_domains: Vec::new(),
        tcp_proxies: Vec::new(),
        latest_deployment: None,
    }
}

fn environment(id: &str, name: &str, instances: Vec<LiveInstance>) -> LiveEnvironment {
    LiveEnvironment {
        id: id.into(),
        name: name.into(),
        config_etag: String::new(),
        unmerged_changes: 0,
        is_fork: false,
        instances: instances
            .into_iter()
            .map(|i| (i.service_id.clone(), i))
            .collect(),
        shared_variables: BTreeMap::new(),
        inventory: InventoryState::Absent,
        volumes: Vec::new(),
        buckets: Default::default(),
    }
}

fn api(env: &str, replicas: i64, api_key: &str) -> LiveInstance {
    let mut api = instance(
        "svc-api",
        "api",
        LiveSource::Image("ghcr.io/acme/api:1".into()),
    );
    api.values.num_replicas = Some(replicas);
    api.values.start_command = Some("serve --port ${PORT}".into());
    api.values.healthcheck_path = Some("/health".into());
    api.values.healthcheck_timeout = Some(60);
    api.values.vcpus = Some(2.0);
    api.values.memory_gb = Some(4.0);
    api.variables = variables(&[
        ("PORT", value("8000")),
        ("DATABASE_URL", value("${{postgres.DATABASE_URL}}")),
        ("API_KEY", value(api_key)),
        ("SECRET_REF", value("${{shared.SHARED_TOKEN}}")),
        ("SESSION_SECRET", LiveVariable::Sealed),
    ]);
    api.service_domains = vec![LiveServiceDomain {
        id: format!("sd-{env}"),
        domain: format!("api-{env}.up.railway.app"),
        suffix: Some("up.railway.app".into()),
        target_port: Some(8000),
        new_domain_name: None,
    }];
    api
}

fn worker(branch: &str, root: Option<&str>) -> LiveInstance {
    let mut worker = instance(
        "svc-worker",
        "worker",
        LiveSource::Repo {
            repo: "acme/worker".into(),
            branch: Some(branch.into()),
            trigger_id: Some("t".into()),
        },
    );
    worker.root_directory = root.map(str::to_string);
    worker.values.builder = Some(Builder::Nixpacks);
    worker.values.watch_patterns = Some(vec!["worker/**".into()]);
    worker.values.restart_policy_type = Some(RestartPolicyType::Always);
    worker.values.cron_schedule = Some("*/5 * * * *".into());
    worker
}

fn postgres() -> LiveInstance {
    let mut postgres = instance(
        "svc-postgres",
        "postgres",
        LiveSource::Image("postgres:16".into()),
    );
    postgres.variables = variables(&[("POSTGRES_PASSWORD", value("pg-secret-1"))]);
    postgres.tcp_proxies = vec![5432];
    postgres.values.restart_policy_max_retries = Some(3);
    postgres
}

fn project() -> LiveProject {
    let mut production = environment(
        "env-p",
        "production",
        vec![
            api("production", 3, "key-prod"),
            worker("main", Some("worker")),
            postgres(),
        ],
    );
    production
        .instances
        .get_mut("svc-api")
        .unwrap()
        .custom_domains = vec![LiveCustomDomain {
        id: "cd".into(),
        domain: "shop.example.com".into(),
        target_port: Some(8000),
        verified: true,
        certificate_status: "CERTIFICATE_STATUS_TYPE_VALID".into(),
        verification_dns_host: None,
        verification_token: None,
        dns_records: Vec::new(),
    }];
    production.shared_variables = variables(&[
        ("LOG_LEVEL", value("info")),
        ("SHARED_TOKEN", value("shared-secret-1")),
    ]);
    let mut staging_postgres = postgres();
    staging_postgres.tcp_proxies = Vec::new();
    let mut staging = environment(
        "env-s",
        "staging",
        vec![
            api("staging", 1, "key-staging"),
            worker("develop", None),
            staging_postgres,
        ],
    );
    staging.shared_variables = variables(&[
        ("LOG_LEVEL", value("debug")),
        ("SHARED_TOKEN", value("shared-secret-1")),
    ]);
    LiveProject {
        id: "5b1f3c3e-0000-4000-8000-000000000001".into(),
        name: "shop".into(),
        workspace_id: None,
        restricted_environments: Vec::new(),
        buckets: Vec::new(),
        pr_settings: Default::default(),
        previews: Vec::new(),
        token_environment: None,
        environments: vec![production, staging],
        services: ["api", "worker", "postgres"]
            .iter()
            .map(|n| LiveService {
                id: format!("svc-{n}"),
                name: n.to_string(),
                template_service_id: None,
            })
            .collect(),
    }
}

fn provenance() -> Provenance {
    Provenance {
        api_url: "https://backboard.railway.com/graphql/v2".into(),
        imported_at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    }
}

/// Loads the imported text with each placeholder set to the secret it stands for, and plans it.
fn plan_with(imported: &Imported, live: &LiveProject, secrets: &[(&str, &str)]) -> plan::Plan {
    let env = |name: &str| {
        secrets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let desired = railway_operator::manifest::load_str(&imported.text, Path::new("m.yml"), &env)
        .unwrap_or_else(|e| panic!("{e}\n{}", imported.text));
    plan::plan(
        &desired,
        &Live {
            project: Some(live.clone()),
            new_project_home: None,
        },
        &PlanOptions::default(),
    )
}

/// Values for the placeholders import writes for the live project's secrets (every fixture but
/// the database's own password).
const PLACEHOLDER_VALUES: &[(&str, &str)] = &[
    ("SHARED_LOG_LEVEL_PRODUCTION", "info"),
    ("SHARED_LOG_LEVEL_STAGING", "debug"),
    ("SHARED_TOKEN", "shared-secret-1"),
    ("PORT", "8000"),
    ("API_API_KEY_PRODUCTION", "key-prod"),
    ("API_API_KEY_STAGING", "key-staging"),
    ("SESSION_SECRET", "anything"),
];

#[test]
fn an_imported_project_plans_with_no_changes() {
    let live = project();
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    import::validate(&imported).unwrap();
    let names: Vec<&str> = imported
        .placeholders
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "SHARED_LOG_LEVEL_PRODUCTION",
            "SHARED_LOG_LEVEL_STAGING",
            "SHARED_TOKEN",
            "API_API_KEY_PRODUCTION",
            "API_API_KEY_STAGING",
            "PORT",
            "SESSION_SECRET",
            "POSTGRES_PASSWORD"
        ],
        "{}",
        imported.text
    );
    let mut environment = PLACEHOLDER_VALUES.to_vec();
    environment.push(("POSTGRES_PASSWORD", "pg-secret-1"));
    let plan = plan_with(&imported, &live, &environment);
    assert!(
        !plan.has_changes(),
        "{}\n{}",
        plan::render::render_text(&plan),
        imported.text
    );
}

#[test]
fn secret_values_never_appear_in_the_manifest() {
    let imported =
        import::build_manifest(&project(), &ImportOptions::default(), &provenance()).unwrap();
    for secret in ["key-prod", "key-staging", "shared-secret-1", "pg-secret-1"] {
        assert!(
            !imported.text.contains(secret),
            "{secret}:\n{}",
            imported.text
        );
    }
    assert!(
        imported
            .text
            .contains("SECRET_REF: ${{shared.SHARED_TOKEN}}"),
        "{}",
        imported.text
    );
}

#[test]
fn r27_every_value_but_one_whole_reference_becomes_a_placeholder_whatever_its_name() {
    let mut live = project();
    for env in &mut live.environments {
        let api = env.instances.get_mut("svc-api").unwrap();
        api.variables.extend(variables(&[
            ("DIRECT_URL", value("postgres://u:p@db.internal/db")),
            ("LOG_FORMAT", value("json")),
            ("TWO_REFS", value("${{a.X}}${{b.Y}}")),
        ]));
    }
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    let text = &imported.text;
    for value in ["u:p@db.internal", "json", "${{a.X}}"] {
        assert!(!text.contains(value), "{value} is in clear:\n{text}");
    }
    for name in ["DIRECT_URL", "LOG_FORMAT", "TWO_REFS", "PORT"] {
        assert!(
            text.contains(&format!("{name}:\n          fromEnv: {name}\n")),
            "{name} is a placeholder:\n{text}"
        );
        assert!(
            imported.placeholders.iter().any(|p| p.name == name),
            "{name} is listed"
        );
    }
    assert!(
        text.contains("DATABASE_URL: ${{postgres.DATABASE_URL}}"),
        "a whole reference stays in clear:\n{text}"
    );
}

#[test]
fn the_manifest_pins_the_project_and_adopts_without_owning() {
    let imported =
        import::build_manifest(&project(), &ImportOptions::default(), &provenance()).unwrap();
    let text = &imported.text;
    assert!(
        text.starts_with("# Imported by `railway-operator import` from project shop"),
        "{text}"
    );
    assert!(text.contains("2026-01-02T03:04:05Z"), "{text}");
    assert!(
        text.contains("id: 5b1f3c3e-0000-4000-8000-000000000001"),
        "{text}"
    );
    assert!(
        text.contains("prune: false") && text.contains("drift: report"),
        "{text}"
    );
    assert!(
        text.contains("self-heal"),
        "the comment says how to switch: {text}"
    );
    assert!(text.contains("serve --port $${PORT}"), "{text}");
}

#[test]
fn staging_only_imports_one_environment_and_still_plans_clean() {
    let live = project();
    let options = ImportOptions {
        environments: vec!["staging".into()],
        ..ImportOptions::default()
    };
    let imported = import::build_manifest(&live, &options, &provenance()).unwrap();
    assert!(!imported.text.contains("production"), "{}", imported.text);
    let plan = plan_with(
        &imported,
        &live,
        &[
            ("LOG_LEVEL", "debug"),
            ("PORT", "8000"),
            ("SHARED_TOKEN", "shared-secret-1"),
            ("API_KEY", "key-staging"),
            ("SESSION_SECRET", "x"),
            ("POSTGRES_PASSWORD", "pg-secret-1"),
        ],
    );
    assert!(
        !plan.has_changes(),
        "{}\n{}",
        plan::render::render_text(&plan),
        imported.text
    );
}

#[test]
fn an_unknown_environment_is_an_error_naming_the_ones_there_are() {
    let options = ImportOptions {
        environments: vec!["qa".into()],
        ..ImportOptions::default()
    };
    let error = import::build_manifest(&project(), &options, &provenance()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--env qa: the project has no such environment (it has: production, staging)"
    );
}

/// The fixture's Postgres volume instance `id`, named `name`, mounted at Postgres's data path,
/// ready, without backup schedules and not shared.
fn postgres_volume(id: &str, name: &str) -> LiveVolumeInstance {
    LiveVolumeInstance {
        id: id.into(),
        volume_id: "v".into(),
        volume_name: name.into(),
        service_id: Some("svc-postgres".into()),
        mount_path: "/var/lib/postgresql/data".into(),
        size_mb: 5000,
        current_size_mb: 1.0,
        state: Some("READY".into()),
        backup_schedules: Vec::new(),
        shared_with: Vec::new(),
    }
}

#[test]
fn a_volume_is_written_with_its_backup_schedules() {
    let mut live = project();
    live.environments[0].volumes = vec![LiveVolumeInstance {
        backup_schedules: vec![BackupScheduleKind::Daily],
        ..postgres_volume("vi", "postgres-data")
    }];
    live.environments.truncate(1);
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    assert!(
        imported.text.contains(
            "volume:\n        name: postgres-data\n        mountPath: /var/lib/postgresql/data\n        backups:\n          schedules:\n          - DAILY\n"
        ),
        "{}",
        imported.text
    );
}

#[test]
#[ignore = "prints a sample manifest for the documentation"]
fn a_sample_manifest_prints_for_the_documentation() {
    let imported =
        import::build_manifest(&project(), &ImportOptions::default(), &provenance()).unwrap();
    println!("{}", imported.text);
}

/// Template variables (credentials among them) and one of the team's own.
fn with_template_variables(postgres: &mut LiveInstance) {
    postgres.variables = variables(&[
        ("POSTGRES_PASSWORD", value("pg-secret-1")),
        (
            "DATABASE_URL",
            value("postgresql://postgres:pg-secret-1@db.railway.internal:5432/railway"),
        ),
        ("PGUSER", value("${{POSTGRES_USER}}")),
        ("APP_ROLE", value("${{shared.LOG_LEVEL}}")),
    ]);
}

/// The live project with its Postgres made from Railway's template (R48), in production only,
/// with a volume carrying backups and one variable of the team's own.
fn template_postgres_project() -> LiveProject {
    let mut live = project();
    live.environments.truncate(1);
    live.services[2].template_service_id = Some("template-service-postgres".into());
    let production = &mut live.environments[0];
    let postgres = production.instances.get_mut("svc-postgres").unwrap();
    postgres.source = Some(LiveSource::Image(
        "ghcr.io/railwayapp-templates/postgres-ssl:16".into(),
    ));
    with_template_variables(postgres);
    production.volumes = vec![LiveVolumeInstance {
        backup_schedules: vec![BackupScheduleKind::Daily],
        ..postgres_volume("vi", "postgres-volume")
    }];
    live
}

#[test]
fn a_template_postgres_is_imported_as_a_database_the_template_owns_and_plans_clean() {
    let live = template_postgres_project();
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    import::validate(&imported).unwrap();
    let text = &imported.text;
    assert!(
        text.contains(
            "  postgres:\n      database:\n        engine: postgres\n        version: 16\n      public: true\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("volume:\n        name: postgres-volume\n        backups:\n"),
        "{text}"
    );
    assert!(
        text.contains("APP_ROLE: ${{shared.LOG_LEVEL}}"),
        "a variable of the team's own is written as today:\n{text}"
    );
    let entry = &text[text.find("\n    postgres:\n").unwrap()..];
    for absent in [
        "postgres-ssl",
        "mountPath",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
        "PGUSER",
        "5432",
    ] {
        assert!(!entry.contains(absent), "{absent} in:\n{text}");
    }
    assert!(!text.contains("pg-secret-1"), "{text}");
    let plan = plan_with(
        &imported,
        &live,
        &[
            ("LOG_LEVEL", "info"),
            ("SHARED_TOKEN", "shared-secret-1"),
            ("PORT", "8000"),
            ("API_KEY", "key-prod"),
            ("SESSION_SECRET", "anything"),
        ],
    );
    assert!(
        !plan.has_changes(),
        "{}\n{text}",
        plan::render::render_text(&plan)
    );
}

#[test]
fn a_template_database_public_in_one_environment_only_keeps_its_proxies_per_environment() {
    let mut live = project();
    live.services[2].template_service_id = Some("template-service-postgres".into());
    for env in &mut live.environments {
        let postgres = env.instances.get_mut("svc-postgres").unwrap();
        postgres.source = Some(LiveSource::Image("postgres:16.4".into()));
        with_template_variables(postgres);
    }
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.contains("database `postgres` has no volume in production, staging")),
        "{:?}",
        imported.warnings
    );
    for (env, other) in live.environments.iter_mut().zip(["staging", "production"]) {
        env.volumes = vec![LiveVolumeInstance {
            // A copied environment shares the volume, and its name (R2, R22).
            shared_with: vec![other.to_string()],
            ..postgres_volume(&format!("vi-{}", env.name), "postgres-volume")
        }];
    }
    let imported = import::build_manifest(&live, &ImportOptions::default(), &provenance()).unwrap();
    let text = &imported.text;
    let entry = &text[text.find("\n    postgres:\n").unwrap()..];
    assert!(
        entry.contains("database:\n        engine: postgres\n        version: 16\n"),
        "{text}"
    );
    assert!(!entry.contains("public:"), "{text}");
    assert!(
        entry.contains("tcpProxies:\n      - 5432\n")
            && entry.contains("staging:\n          tcpProxies: []"),
        "{text}"
    );
    assert!(!text.contains("pg-secret-1"), "{text}");
    let plan = plan_with(&imported, &live, PLACEHOLDER_VALUES);
    assert!(
        !plan.has_changes(),
        "{}\n{text}",
        plan::render::render_text(&plan)
    );
}
