//! Variables, shared variables and secrets: merging per name and per environment, plain values as
//! text, references kept verbatim, references to undeclared services left for the plan, secrets
//! read from the environment and from files, and never shown.

use std::collections::BTreeMap;
use std::path::Path;

use railway_operator::manifest::desired::{PendingReference, ServiceKind, VariableValue};
use railway_operator::manifest::{Desired, LoadError, load_file, load_str};
use railway_operator::secret::SecretOrigin;

const HEADER: &str =
    "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: demo }\nspec:\n";
/// Lines before the body in `load`: HEADER's four.
const HEADER_LINES: usize = 4;

fn load(body: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Desired, LoadError> {
    load_str(&format!("{HEADER}{body}"), Path::new("test.yml"), env)
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn plain(value: &str) -> VariableValue {
    VariableValue::Plain {
        value: value.to_string(),
    }
}

fn variables(desired: &Desired, service: &str, env: &str) -> BTreeMap<String, VariableValue> {
    let found = desired.services.iter().find(|s| s.name == service).unwrap();
    let ServiceKind::Managed { environments } = &found.kind else {
        panic!("{service} is not managed");
    };
    environments[env].variables.clone()
}

fn secret_value(value: &VariableValue) -> (String, SecretOrigin) {
    match value {
        VariableValue::Secret { secret } => (secret.expose().to_string(), secret.origin().clone()),
        other => panic!("not a secret: {other:?}"),
    }
}

#[test]
fn environment_overrides_merge_variables_name_by_name() {
    let desired = load(
        r#"
  environments: { production: {}, staging: {}, preview: {} }
  services:
    api:
      source: { image: "nginx:1" }
      variables: { A: base-a, B: base-b }
      environments:
        staging:
          variables: { B: staging-b, C: staging-c }
"#,
        &no_env,
    )
    .unwrap();
    let production = variables(&desired, "api", "production");
    let staging = variables(&desired, "api", "staging");
    assert_eq!(
        production,
        BTreeMap::from([("A".into(), plain("base-a")), ("B".into(), plain("base-b"))])
    );
    assert_eq!(
        staging,
        BTreeMap::from([
            ("A".into(), plain("base-a")),
            ("B".into(), plain("staging-b")),
            ("C".into(), plain("staging-c")),
        ])
    );
    assert_eq!(variables(&desired, "api", "preview"), production);
}

#[test]
fn shared_variables_are_merged_per_environment_and_every_environment_has_an_entry() {
    let desired = load(
        r#"
  sharedVariables: { LOG_LEVEL: info, REGION: eu }
  environments:
    production: {}
    staging:
      sharedVariables: { LOG_LEVEL: debug, EXTRA: "1" }
  services: {}
"#,
        &no_env,
    )
    .unwrap();
    assert_eq!(
        desired.shared_variables["production"],
        BTreeMap::from([
            ("LOG_LEVEL".into(), plain("info")),
            ("REGION".into(), plain("eu"))
        ])
    );
    assert_eq!(
        desired.shared_variables["staging"],
        BTreeMap::from([
            ("EXTRA".into(), plain("1")),
            ("LOG_LEVEL".into(), plain("debug")),
            ("REGION".into(), plain("eu")),
        ])
    );

    let without_shared = load(
        "  environments: { production: {}, staging: {} }\n  services: {}\n",
        &no_env,
    )
    .unwrap();
    assert_eq!(
        without_shared.shared_variables,
        BTreeMap::from([
            ("production".into(), BTreeMap::new()),
            ("staging".into(), BTreeMap::new())
        ])
    );
}

#[test]
fn scalars_become_strings_as_written() {
    let desired = load(
        r#"
  environments: { production: {} }
  services:
    api:
      source: { image: "nginx:1" }
      variables:
        PORT: 8000
        DEBUG: true
        RATIO: 1.50
        QUOTED_NUMBER: "007"
        EMPTY: ""
        SINGLE: 'it''s'
        TAG: v${TAG}
"#,
        &|name| (name == "TAG").then(|| "2".to_string()),
    )
    .unwrap();
    let api = variables(&desired, "api", "production");
    for (name, value) in [
        ("PORT", "8000"),
        ("DEBUG", "true"),
        ("RATIO", "1.50"),
        ("QUOTED_NUMBER", "007"),
        ("EMPTY", ""),
        ("SINGLE", "it's"),
        ("TAG", "v2"),
    ] {
        assert_eq!(api[name], plain(value), "{name}");
    }
}

#[test]
fn railway_references_are_kept_byte_for_byte() {
    let written = [
        "postgresql://${{POSTGRES_USER}}:${{ POSTGRES_PASSWORD }}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/db",
        "${{ shared.LOG_LEVEL }}",
        "redis://${{redis.RAILWAY_PRIVATE_DOMAIN}}:6379?x=$PORT&y=$$",
        "${{api.URL}}/path ${{  api.URL  }}",
    ];
    let mut body = String::from(
        "  sharedVariables: { LOG_LEVEL: info }\n  environments: { production: {} }\n  services:\n    redis: { source: { image: \"redis:7\" } }\n    api:\n      source: { image: \"nginx:1\" }\n      variables:\n",
    );
    for (index, text) in written.iter().enumerate() {
        body.push_str(&format!("        V{index}: '{text}'\n"));
    }
    let desired = load(&body, &no_env).unwrap();
    let api = variables(&desired, "api", "production");
    for (index, text) in written.iter().enumerate() {
        assert_eq!(api[&format!("V{index}")], plain(text));
    }
    assert!(desired.pending_references.is_empty());
}

#[test]
fn references_to_undeclared_services_are_recorded_once_with_their_positions() {
    let desired = load(
        r#"
  sharedVariables:
    BILLING: ${{billing.URL}}
  environments:
    production: {}
    staging:
      sharedVariables: { AUDIT: "${{audit.URL}}" }
  services:
    api:
      source: { image: "nginx:1" }
      variables:
        DATABASE_URL: ${{postgres.DATABASE_URL}}
        BOTH: ${{postgres.HOST}}:${{postgres.PORT}}
"#,
        &no_env,
    )
    .unwrap();
    let at = |service: &str, used_in: &str, line: usize, column: usize| PendingReference {
        service: service.to_string(),
        used_in: used_in.to_string(),
        file: "test.yml".into(),
        line: line + HEADER_LINES,
        column,
    };
    let mut found = desired.pending_references.clone();
    found.sort_by_key(|p| (p.line, p.column));
    assert_eq!(
        found,
        [
            at("billing", "spec.sharedVariables.BILLING", 3, 14),
            at(
                "audit",
                "spec.environments.staging.sharedVariables.AUDIT",
                7,
                33
            ),
            at("postgres", "services.api.variables.DATABASE_URL", 12, 23),
            at("postgres", "services.api.variables.BOTH", 13, 15),
        ]
    );
}

#[test]
fn generated_secrets_keep_their_length_and_planned_services_still_resolve() {
    let desired = load(
        r#"
  environments: { production: {} }
  services:
    api:
      source: { image: "nginx:1" }
      variables: { SESSION_KEY: { generate: 32 } }
    later:
      enabled: false
      variables: { TOKEN: { generate: 8 }, URL: "${{api.URL}}" }
"#,
        &no_env,
    )
    .unwrap();
    assert_eq!(
        variables(&desired, "api", "production")["SESSION_KEY"],
        VariableValue::Generate { length: 32 }
    );
    assert!(matches!(
        desired.services[1].kind,
        ServiceKind::Planned { .. }
    ));
}

#[test]
fn secrets_are_read_from_the_environment_and_from_files_beside_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/unix.pem"), "line1\nline2\n").unwrap();
    std::fs::write(dir.path().join("secrets/windows.txt"), "value\r\n").unwrap();
    std::fs::write(dir.path().join("secrets/two.txt"), "value\n\n").unwrap();
    std::fs::write(dir.path().join("secrets/bare.txt"), "bare").unwrap();
    let manifest = dir.path().join("manifest.yml");
    std::fs::write(
        &manifest,
        format!(
            "{HEADER}  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n      variables:\n        UNIX: {{ fromFile: secrets/unix.pem }}\n        WINDOWS: {{ fromFile: secrets/windows.txt }}\n        TWO: {{ fromFile: secrets/two.txt }}\n        BARE: {{ fromFile: secrets/bare.txt }}\n        KEY: {{ fromEnv: API_KEY }}\n        EMPTY: {{ fromEnv: EMPTY_KEY }}\n"
        ),
    )
    .unwrap();
    let env = |name: &str| match name {
        "API_KEY" => Some("from-env".to_string()),
        "EMPTY_KEY" => Some(String::new()),
        _ => None,
    };
    let desired = load_file(&manifest, &env).unwrap_or_else(|e| panic!("{e}"));
    let api = variables(&desired, "api", "production");
    assert_eq!(
        secret_value(&api["UNIX"]),
        (
            "line1\nline2".to_string(),
            SecretOrigin::File("secrets/unix.pem".into())
        )
    );
    assert_eq!(secret_value(&api["WINDOWS"]).0, "value");
    assert_eq!(secret_value(&api["TWO"]).0, "value\n");
    assert_eq!(secret_value(&api["BARE"]).0, "bare");
    assert_eq!(
        secret_value(&api["KEY"]),
        ("from-env".to_string(), SecretOrigin::Env("API_KEY".into()))
    );
    assert_eq!(secret_value(&api["EMPTY"]).0, "");
    assert!(api.values().all(VariableValue::is_sensitive));
}

#[test]
fn a_secret_value_never_appears_in_diagnostics_debug_output_or_json() {
    const CANARY: &str = "canary-7f3a";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canary.txt"), CANARY).unwrap();
    let env = |name: &str| (name == "CANARY").then(|| CANARY.to_string());

    let valid = dir.path().join("valid.yml");
    std::fs::write(
        &valid,
        format!(
            "{HEADER}  sharedVariables: {{ SHARED_SECRET: {{ fromEnv: CANARY }} }}\n  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n      variables:\n        FROM_ENV: {{ fromEnv: CANARY }}\n        FROM_FILE: {{ fromFile: canary.txt }}\n"
        ),
    )
    .unwrap();
    let desired = load_file(&valid, &env).unwrap_or_else(|e| panic!("{e}"));
    let api = variables(&desired, "api", "production");
    assert_eq!(secret_value(&api["FROM_ENV"]).0, CANARY);
    assert_eq!(secret_value(&api["FROM_FILE"]).0, CANARY);
    for shown in [
        format!("{desired:?}"),
        format!("{desired:#?}"),
        serde_json::to_string(&desired).unwrap(),
    ] {
        assert!(!shown.contains(CANARY), "{shown}");
    }

    let invalid = dir.path().join("invalid.yml");
    std::fs::write(
        &invalid,
        format!(
            "{HEADER}  sharedVariables: {{ S: {{ fromEnv: CANARY }}, R: \"${{{{shared.NOPE}}}}\" }}\n  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: \"nginx:1\" }}\n      variables:\n        TWO: {{ fromEnv: CANARY, generate: 8 }}\n        UNCLOSED: \"${{CANARY}} ${{{{pg.URL\"\n        EXPANDED_MISSING: \"${{CANARY}} ${{MISSING}}\"\n        MALFORMED: \"${{CANARY}} ${{bad name}}\"\n        NULL:\n        RESERVED_NAME: x\n        RAILWAY_OPERATOR_INVENTORY: {{ fromEnv: CANARY }}\n        FILE: {{ fromFile: canary.txt, fromEnv: CANARY }}\n"
        ),
    )
    .unwrap();
    let Err(LoadError::Invalid(diagnostics)) = load_file(&invalid, &env) else {
        panic!("the invalid manifest loaded");
    };
    assert!(diagnostics.0.len() >= 6, "{diagnostics}");
    for shown in [format!("{diagnostics}"), format!("{diagnostics:?}")] {
        assert!(!shown.contains(CANARY), "{shown}");
    }
}

#[test]
fn the_blackroad_manifest_declares_its_variables_per_environment() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/blackroad.yml");
    let desired = load_file(&path, &no_env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        desired.shared_variables["production"]["LOG_LEVEL"],
        plain("info")
    );
    assert_eq!(
        desired.shared_variables["staging"]["LOG_LEVEL"],
        plain("debug")
    );
    let production = variables(&desired, "blackroad-backend", "production");
    let staging = variables(&desired, "blackroad-backend", "staging");
    assert_eq!(production["ENVIRONMENT"], plain("production"));
    assert_eq!(staging["ENVIRONMENT"], plain("staging"));
    assert_eq!(production["PORT"], plain("8000"));
    assert_eq!(production["LOG_LEVEL"], plain("${{shared.LOG_LEVEL}}"));
    assert_eq!(
        production["SECRET_KEY"],
        VariableValue::Generate { length: 48 }
    );
    // R46: the database's credentials are its template's, not the manifest's.
    assert!(variables(&desired, "postgres", "staging").is_empty());
    assert!(desired.pending_references.is_empty());
}
