//! Railway's own infrastructure as code (`railway config plan/apply/pull` of Railway's CLI 5.71.0,
//! evaluating `.railway/railway.ts` written with Railway's TypeScript SDK 3.11.0) against the
//! sandbox, and the operator beside it: each tool plans clean on what the other applied, so both
//! read the same live state the same way.
//!
//! Without the CLI, Node 22 or the SDK (`.ci/run` installs all three) the tests say SKIPPED
//! loudly and pass.

use crate::support;

use std::io::Write;

use railway_operator::sandbox::Sandbox;
use serde_json::Value;
use support::railway_iac::{IacProject, Toolchain};
use support::*;

fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!!!!\n{message}\n!!!!!!!!!!\n");
}

fn toolchain() -> Option<Toolchain> {
    match Toolchain::find() {
        Ok(toolchain) => Some(toolchain),
        Err(missing) => {
            loud(&format!("SKIPPED: {missing}"));
            None
        }
    }
}

/// The project Railway's IaC is pointed at: it manages services inside an existing project, and
/// its shared variable is set outside code, as Railway's IaC expects (`ctx.shared.NAME`).
const EMPTY_PROJECT: &str = r#"apiVersion: railway-operator/v1
kind: Project
metadata:
  name: iac-demo
spec:
  sharedVariables:
    API_KEY: "k-123"
  environments:
    production: {}
  services: {}
"#;

/// An image service with replicas and a shared reference, a GitHub service with a build, a
/// healthcheck, a reference to the first and a volume.
const PROGRAM: &str = r#"import { defineRailway, github, image, project, service, volume } from "railway/iac";

export default defineRailway((ctx) => {
  const api = service("api", {
    source: image("nginx:1.27"),
    start: "nginx -g 'daemon off;'",
    replicas: 2,
    env: { PORT: "8080", LOG_LEVEL: "info", API_KEY: ctx.shared.API_KEY },
  });
  const web = service("web", {
    source: github("acme/web", { branch: "main" }),
    build: "npm run build",
    healthcheck: "/health",
    env: { API_URL: api.env.RAILWAY_PRIVATE_DOMAIN },
    volumeMounts: { "/data": volume("web-data") },
  });
  return project("iac-demo", { resources: [api, web] });
});
"#;

/// What the operator applies for the reverse check: both kinds of source, variables, a shared
/// variable and a reference to it, replicas, a generated and a custom domain, a volume, and a
/// database made from Railway's template at a pinned major (R45, R47).
const OPERATOR_PROJECT: &str = r#"apiVersion: railway-operator/v1
kind: Project
metadata:
  name: iac-demo
spec:
  sharedVariables:
    API_KEY: "k-123"
  environments:
    production: {}
  services:
    api:
      source: { image: "nginx:1.27" }
      deploy:
        replicas: 2
        startCommand: "nginx -g 'daemon off;'"
      variables:
        PORT: "8080"
        API_KEY: "${{shared.API_KEY}}"
      domains:
        - railway: { port: 8080 }
        - custom: api.iac-demo.example.com
    web:
      source: { repo: acme/web, branch: main }
      build: { buildCommand: "npm run build" }
      deploy:
        healthcheck: { path: /health }
      variables:
        API_URL: "${{api.RAILWAY_PRIVATE_DOMAIN}}"
      volume: { name: web-data, mountPath: /data }
    postgres:
      database: { engine: postgres, version: 16 }
"#;

async fn operator_apply(sandbox: &Sandbox, dir: &std::path::Path, manifest: &str) {
    std::fs::write(dir.join("project.yml"), manifest).unwrap();
    let (code, out, err) = cli_in(sandbox, &["apply", "-f", "project.yml"], dir).await;
    assert_eq!(code, 0, "the operator applies:\n{out}\n{err}");
}

async fn linked(toolchain: &Toolchain, sandbox: &Sandbox) -> IacProject {
    let iac = IacProject::new(toolchain, &sandbox.url(), TOKEN);
    let linked = iac.link("iac-demo", "production").await;
    assert!(linked.ok(), "railway link:\n{}", linked.describe());
    iac
}

/// A sandbox with the empty project, linked for Railway's IaC, with [`PROGRAM`] written.
async fn program_on_the_empty_project(
    toolchain: &Toolchain,
) -> (Sandbox, tempfile::TempDir, IacProject) {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    operator_apply(&sandbox, dir.path(), EMPTY_PROJECT).await;
    let iac = linked(toolchain, &sandbox).await;
    iac.write_program(PROGRAM);
    (sandbox, dir, iac)
}

fn change_summaries(plan: &Value) -> Vec<String> {
    plan["changeSet"]["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter_map(|c| c["summary"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn railway_s_own_iac_applies_a_project_and_the_operator_s_import_of_it_plans_clean() {
    let Some(toolchain) = toolchain() else { return };
    let (sandbox, dir, iac) = program_on_the_empty_project(&toolchain).await;

    let plan = iac.run(&["config", "plan", "--json"]).await;
    assert!(plan.ok(), "config plan:\n{}", plan.describe());
    let plan = plan.json();
    assert_eq!(plan["ok"], true, "{plan}");
    let summaries = change_summaries(&plan);
    for wanted in [
        "Create service api",
        "Create service web",
        "Create volume web-data",
    ] {
        assert!(
            summaries.iter().any(|s| s == wanted),
            "{wanted} in {summaries:?}"
        );
    }

    let applied = iac.run(&["config", "apply", "--yes"]).await;
    assert!(applied.ok(), "config apply:\n{}", applied.describe());
    let again = iac.run(&["config", "plan", "--detailed-exit-code"]).await;
    assert_eq!(
        again.code,
        Some(0),
        "Railway's IaC plans clean after its apply:\n{}",
        again.describe()
    );

    let (code, imported, err) = cli_in(
        &sandbox,
        &[
            "import",
            "--project",
            "iac-demo",
            "--plain",
            "PORT",
            "--plain",
            "LOG_LEVEL",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "import:\n{err}");
    std::fs::write(dir.path().join("imported.yml"), &imported).unwrap();
    let (code, out, err) = cli_env(
        &sandbox,
        &["plan", "-f", "imported.yml", "--detailed-exitcode"],
        dir.path(),
        &[("API_KEY", "k-123")],
    )
    .await;
    assert_eq!(
        code, 0,
        "the operator plans clean on what Railway's IaC applied:\n{imported}\n{out}\n{err}"
    );
    assert!(out.contains("No changes"), "{out}");
}

#[tokio::test]
async fn a_project_the_operator_applied_plans_clean_in_railway_s_iac_after_config_pull() {
    let Some(toolchain) = toolchain() else { return };
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    operator_apply(&sandbox, dir.path(), OPERATOR_PROJECT).await;
    let iac = linked(&toolchain, &sandbox).await;

    let pulled = iac.run(&["config", "pull", "--variables", "managed"]).await;
    assert!(pulled.ok(), "config pull:\n{}", pulled.describe());
    let program = iac.program();
    for wanted in [
        "service(\"api\"",
        "service(\"web\"",
        "volume(\"web-data\"",
        "api.iac-demo.example.com",
        // R48: a template service with an engine image is a database node.
        "postgres(",
    ] {
        assert!(
            program.contains(wanted),
            "{wanted} in the pulled file:\n{program}"
        );
    }
    // R46: the operator's database volume keeps the template's name: no stray rename.
    assert!(
        !program.contains("postgres-data"),
        "the pulled file:\n{program}"
    );
    let plan = iac.run(&["config", "plan", "--json"]).await;
    assert!(plan.ok(), "config plan:\n{}", plan.describe());
    let plan = plan.json();
    // R47 (railway-ts-sdk #81, CLI PR #1189 open): Railway's CLI 5.71 pulls a database as
    // `postgres("postgres")` without its image, which its SDK compiles to the template's
    // current major; on a database pinned at 16 its plan proposes that major and nothing else.
    assert_eq!(
        change_summaries(&plan),
        vec!["Update postgres source.image, source.type".to_string()],
        "Railway's IaC plans clean on what the operator applied but the pinned major:\n{program}\n{}",
        plan["diff"]
    );
    // With the major written as Railway's SDK takes it, Railway's IaC plans clean.
    iac.write_program(&program.replace(
        "postgres(\"postgres\", { ",
        "postgres(\"postgres\", { image: \"ghcr.io/railwayapp-templates/postgres-ssl:16\", ",
    ));
    let exit = iac.run(&["config", "plan", "--detailed-exit-code"]).await;
    assert_eq!(exit.code, Some(0), "{}\n{}", iac.program(), exit.describe());
}

#[tokio::test]
async fn railway_s_iac_sees_a_variable_changed_behind_its_back_and_puts_it_back() {
    let Some(toolchain) = toolchain() else { return };
    let (sandbox, _dir, iac) = program_on_the_empty_project(&toolchain).await;
    let applied = iac.run(&["config", "apply", "--yes"]).await;
    assert!(applied.ok(), "config apply:\n{}", applied.describe());

    set_variable(&sandbox, Some("api"), "LOG_LEVEL", "debug").await;
    let plan = iac.run(&["config", "plan", "--json"]).await;
    let plan = plan.json();
    assert_eq!(
        change_summaries(&plan),
        vec!["Update variable api.LOG_LEVEL".to_string()],
        "{}",
        plan["diff"]
    );
    let healed = iac.run(&["config", "apply", "--yes"]).await;
    assert!(healed.ok(), "{}", healed.describe());
    assert_eq!(
        read_variables(&sandbox, Some("api")).await["LOG_LEVEL"],
        "info"
    );
}

/// One database node, as Railway's SDK writes it.
const POSTGRES_PROGRAM: &str = r#"import { defineRailway, postgres, project } from "railway/iac";

export default defineRailway(() => {
  return project("iac-demo", { resources: [postgres("db")] });
});
"#;

/// Two database nodes, as Railway's SDK writes them.
const DATABASES_PROGRAM: &str = r#"import { defineRailway, postgres, project, redis } from "railway/iac";

export default defineRailway(() => {
  return project("iac-demo", { resources: [postgres("db"), redis("cache")] });
});
"#;

/// The issue's comparison, in one run: the requests to give an empty project one Postgres as
/// Railway's IaC does (`config apply` of a `postgres()` node) and as the operator does (`apply`
/// of one `database:` service, to another project made empty the same way), each with its
/// operations.
async fn one_database_both_ways(sandbox: &Sandbox, dir: &std::path::Path, iac: &IacProject) {
    iac.write_program(POSTGRES_PROGRAM);
    reset_stats(sandbox).await;
    let applied = iac.run(&["config", "apply", "--yes"]).await;
    assert!(applied.ok(), "config apply:\n{}", applied.describe());
    let by_iac = stats(sandbox).await;

    let operator_dir = dir.join("operator");
    std::fs::create_dir_all(&operator_dir).unwrap();
    let empty = EMPTY_PROJECT.replace("name: iac-demo", "name: op-demo");
    operator_apply(sandbox, &operator_dir, &empty).await;
    let with_database = empty.replace(
        "services: {}",
        "services:\n    db:\n      database: { engine: postgres, version: 16 }",
    );
    reset_stats(sandbox).await;
    operator_apply(sandbox, &operator_dir, &with_database).await;
    let by_operator = stats(sandbox).await;
    eprintln!(
        "requests to add one Postgres to an empty project: Railway's IaC (config apply of postgres()) {} {}; the operator (apply of database:) {} {}",
        total(&by_iac),
        by_iac["byOperation"],
        total(&by_operator),
        by_operator["byOperation"]
    );
}

#[tokio::test]
async fn railway_s_iac_database_nodes_become_template_databases_that_plan_clean() {
    let Some(toolchain) = toolchain() else { return };
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    operator_apply(&sandbox, dir.path(), EMPTY_PROJECT).await;
    let iac = linked(&toolchain, &sandbox).await;
    one_database_both_ways(&sandbox, dir.path(), &iac).await;
    iac.write_program(DATABASES_PROGRAM);
    let applied = iac.run(&["config", "apply", "--yes"]).await;
    assert!(applied.ok(), "config apply:\n{}", applied.describe());
    let found = all_projects(
        &sandbox,
        "id name services { edges { node { name templateServiceId } } }
         environments { edges { node { config(decryptVariables: true) } } }",
    )
    .await;
    let project = found["data"]["projects"]["edges"]
        .as_array()
        .and_then(|edges| edges.iter().find(|e| e["node"]["name"] == "iac-demo"))
        .map(|e| &e["node"])
        .expect("the project Railway's IaC manages");
    let services = project["services"]["edges"].as_array().unwrap();
    for name in ["db", "cache"] {
        let service = services
            .iter()
            .find(|s| s["node"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {services:?}"));
        assert!(
            service["node"]["templateServiceId"].is_string(),
            "R48: {name}"
        );
    }
    let config = &project["environments"]["edges"][0]["node"]["config"];
    let variables: Vec<String> = config["services"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s["variables"].as_object().cloned().unwrap_or_default())
        .map(|(name, _)| name)
        .collect();
    for wanted in ["DATABASE_URL", "REDIS_URL"] {
        assert!(
            variables.iter().any(|v| v == wanted),
            "{wanted} in {variables:?}"
        );
    }
    assert_eq!(
        config["volumes"].as_object().map(|v| v.len()),
        Some(2),
        "{config}"
    );
    let again = iac.run(&["config", "plan", "--detailed-exit-code"]).await;
    assert_eq!(
        again.code,
        Some(0),
        "Railway's IaC plans clean after creating its databases:\n{}",
        again.describe()
    );
    operator_import_plans_clean(&sandbox, dir.path()).await;
}

/// The operator's `import` of the databases Railway's IaC made writes `database:` entries
/// (R48) and plans with no changes.
async fn operator_import_plans_clean(sandbox: &Sandbox, dir: &std::path::Path) {
    let (code, imported, err) = cli_in(sandbox, &["import", "--project", "iac-demo"], dir).await;
    assert_eq!(code, 0, "import:\n{err}");
    for engine in ["postgres", "redis"] {
        assert!(
            imported.contains(&format!("database:\n        engine: {engine}\n")),
            "{engine}:\n{imported}"
        );
    }
    std::fs::write(dir.join("imported.yml"), &imported).unwrap();
    let (code, out, err) = cli_env(
        sandbox,
        &["plan", "-f", "imported.yml", "--detailed-exitcode"],
        dir,
        &[("API_KEY", "k-123")],
    )
    .await;
    assert_eq!(
        code, 0,
        "the operator plans clean on the databases Railway's IaC made:\n{imported}\n{out}\n{err}"
    );
}
