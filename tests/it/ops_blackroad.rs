//! The operations commands on manifests/blackroad.yml against an applied sandbox, in text and
//! JSON; the generated secrets never appear in any output.

use crate::support;

use railway_operator::sandbox::Sandbox;
use serde_json::Value;
use support::*;

const BLACKROAD: &str = "manifests/blackroad.yml";

async fn applied() -> Sandbox {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", BLACKROAD]).await;
    assert_eq!(code, 0, "apply succeeds\n{out}\n{err}");
    sandbox
}

/// Runs a command, expects `code`, and returns stdout (also kept in `seen` for the secret check).
async fn run(sandbox: &Sandbox, args: &[&str], code: i32, seen: &mut String) -> String {
    let (actual, out, err) = cli(sandbox, args).await;
    assert_eq!(actual, code, "{args:?}\n{out}\n{err}");
    seen.push_str(&out);
    seen.push_str(&err);
    out
}

fn json(out: &str, command: &str) -> Value {
    let value: Value = serde_json::from_str(out).expect("one JSON object");
    assert_eq!(value["formatVersion"], 1, "{value}");
    assert_eq!(value["command"], command, "{value}");
    value
}

fn find<'a>(items: &'a Value, key: &str, name: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|items| items.iter().find(|i| i[key] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn every_ops_command_reads_the_applied_blackroad_project_without_showing_secrets() {
    let sandbox = applied().await;
    let mut seen = String::new();

    // list
    let out = run(&sandbox, &["list", "-f", BLACKROAD], 0, &mut seen).await;
    assert!(out.contains("blackroad-backend"), "{out}");
    assert!(out.contains("in-sync"), "{out}");
    assert!(out.contains("planned"), "{out}");
    let list = json(
        &run(
            &sandbox,
            &["list", "-f", BLACKROAD, "--output", "json"],
            0,
            &mut seen,
        )
        .await,
        "list",
    );
    assert_eq!(list["project"], "blackroad-os");
    assert_eq!(list["services"][0]["name"], "blackroad-backend");
    let backend = &list["services"][0];
    assert_eq!(backend["kind"], "managed");
    assert_eq!(
        backend["source"],
        "blackroad/BlackRoad-Operating-System@main/backend"
    );
    assert_eq!(backend["states"][0]["environment"], "production");
    assert_eq!(backend["states"][0]["state"], "in-sync");
    assert_eq!(backend["states"][1]["state"], "in-sync");
    assert_eq!(
        find(&list["services"], "name", "redis")["source"],
        "railwayapp/redis:8"
    );
    let docs = find(&list["services"], "name", "docs-site");
    assert_eq!(docs["kind"], "external");
    assert_eq!(docs["states"][0]["state"], "external");
    let api = find(&list["services"], "name", "blackroad-api");
    assert_eq!(api["states"][0]["state"], "planned");

    // env
    let out = run(
        &sandbox,
        &["env", "-f", BLACKROAD, "blackroad-backend"],
        0,
        &mut seen,
    )
    .await;
    assert!(
        out.contains("Variables of blackroad-backend in production"),
        "{out}"
    );
    assert!(out.contains("SECRET_KEY"), "{out}");
    assert!(out.contains("(sensitive)"), "{out}");
    let env = json(
        &run(
            &sandbox,
            &[
                "env",
                "-f",
                BLACKROAD,
                "blackroad-backend",
                "--env",
                "prod",
                "--output",
                "json",
            ],
            0,
            &mut seen,
        )
        .await,
        "env",
    );
    assert_eq!(env["environment"], "production");
    let vars = &env["variables"];
    let secret = find(vars, "name", "SECRET_KEY");
    assert_eq!(secret["origin"], "generated");
    assert_eq!(secret["value"], "(sensitive)");
    assert_eq!(secret["sensitive"], true);
    assert_eq!(secret["state"], "in-sync");
    let literal = find(vars, "name", "ENVIRONMENT");
    assert_eq!(literal["origin"], "literal");
    assert_eq!(literal["value"], "production");
    assert_eq!(literal["state"], "in-sync");
    assert_eq!(find(vars, "name", "DATABASE_URL")["origin"], "reference");
    let shared = find(vars, "name", "shared.LOG_LEVEL");
    assert_eq!(shared["origin"], "shared");
    assert_eq!(shared["value"], "info");
    assert_eq!(shared["state"], "in-sync");
    let staging = json(
        &run(
            &sandbox,
            &[
                "env",
                "-f",
                BLACKROAD,
                "blackroad-backend",
                "--env",
                "staging",
                "--output",
                "json",
            ],
            0,
            &mut seen,
        )
        .await,
        "env",
    );
    assert_eq!(
        find(&staging["variables"], "name", "shared.LOG_LEVEL")["value"],
        "debug"
    );
    run(
        &sandbox,
        &["env", "-f", BLACKROAD, "postgres"],
        0,
        &mut seen,
    )
    .await;

    // repo
    let out = run(
        &sandbox,
        &["repo", "-f", BLACKROAD, "blackroad-backend"],
        0,
        &mut seen,
    )
    .await;
    assert!(
        out.contains("blackroad/BlackRoad-Operating-System"),
        "{out}"
    );
    assert!(out.contains("matches"), "{out}");
    let repo = json(
        &run(
            &sandbox,
            &[
                "repo",
                "-f",
                BLACKROAD,
                "blackroad-backend",
                "--output",
                "json",
            ],
            0,
            &mut seen,
        )
        .await,
        "repo",
    );
    assert_eq!(
        repo["desired"]["repository"],
        "blackroad/BlackRoad-Operating-System"
    );
    assert_eq!(repo["desired"]["branch"], "main");
    assert_eq!(repo["desired"]["rootDirectory"], "backend");
    assert_eq!(repo["desired"]["dockerfilePath"], "backend/Dockerfile");
    assert_eq!(repo["environments"][0]["state"], "matches");
    assert_eq!(repo["environments"][0]["live"]["branch"], "main");
    let image = json(
        &run(
            &sandbox,
            &["repo", "-f", BLACKROAD, "redis", "--output", "json"],
            0,
            &mut seen,
        )
        .await,
        "repo",
    );
    assert_eq!(image["desired"]["image"], "railwayapp/redis:8");
    assert_eq!(image["environments"][1]["state"], "matches");

    // open
    let out = run(
        &sandbox,
        &["open", "-f", BLACKROAD, "blackroad-backend", "prod"],
        0,
        &mut seen,
    )
    .await;
    assert!(out.contains("https://"), "{out}");
    assert!(out.contains("blackroad.systems"), "{out}");
    let open = json(
        &run(
            &sandbox,
            &[
                "open",
                "-f",
                BLACKROAD,
                "blackroad-backend",
                "--output",
                "json",
            ],
            0,
            &mut seen,
        )
        .await,
        "open",
    );
    let urls = open["urls"].as_array().expect("urls");
    assert!(
        urls.iter()
            .any(|u| u["kind"] == "generated" && u["environment"] == "staging"),
        "{open}"
    );
    let custom = find(&open["urls"], "kind", "custom");
    assert_eq!(custom["url"], "https://blackroad.systems");
    assert_eq!(custom["environment"], "production");
    let docs = json(
        &run(
            &sandbox,
            &["open", "-f", BLACKROAD, "docs-site", "--output", "json"],
            0,
            &mut seen,
        )
        .await,
        "open",
    );
    assert_eq!(docs["urls"][0]["url"], "https://docs.blackroad.systems");

    // status
    let out = run(&sandbox, &["status", "-f", BLACKROAD], 0, &mut seen).await;
    assert!(out.contains("in sync"), "{out}");
    assert!(out.contains("staging"), "{out}");
    let status = json(
        &run(
            &sandbox,
            &["status", "-f", BLACKROAD, "--output", "json"],
            0,
            &mut seen,
        )
        .await,
        "status",
    );
    assert_eq!(status["inSync"], true);
    assert_eq!(status["projectFound"], true);
    let production = &status["environments"][0];
    assert_eq!(production["name"], "production");
    let backend = find(&production["services"], "name", "blackroad-backend");
    assert_eq!(backend["state"], "in-sync");
    assert!(
        find(&backend["domains"], "name", "blackroad.systems")["state"].is_string(),
        "{backend}"
    );

    // health: only targets that stay on this machine (skipped ones)
    let out = run(
        &sandbox,
        &["health", "-f", BLACKROAD, "blackroad-api"],
        0,
        &mut seen,
    )
    .await;
    assert!(out.contains("skipped"), "{out}");
    let health = json(
        &run(
            &sandbox,
            &[
                "health", "-f", BLACKROAD, "redis", "--env", "prod", "--output", "json",
            ],
            0,
            &mut seen,
        )
        .await,
        "health",
    );
    assert_eq!(health["results"][0]["state"], "skipped");
    assert_eq!(health["results"][0]["environment"], "production");
    assert_eq!(health["results"][0]["detail"], "no public URL");

    for (service, name) in [
        ("blackroad-backend", "SECRET_KEY"),
        ("postgres", "POSTGRES_PASSWORD"),
    ] {
        let value = read_variables(&sandbox, Some(service)).await[name]
            .as_str()
            .map(str::to_string)
            .expect("the generated secret exists");
        assert!(value.len() >= 32);
        assert!(
            !seen.contains(&value),
            "{service}.{name} leaked into the output"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn status_of_a_project_not_yet_applied_exits_two_with_services_missing() {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["status", "-f", BLACKROAD, "--output", "json"]).await;
    assert_eq!(code, 2, "{out}\n{err}");
    let status: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(status["projectFound"], false);
    assert_eq!(status["inSync"], false);
    assert_eq!(
        find(&status["environments"][0]["services"], "name", "postgres")["state"],
        "missing"
    );
    let (code, out, _) = cli(&sandbox, &["list", "-f", BLACKROAD]).await;
    assert_eq!(code, 0);
    assert!(out.contains("missing"), "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_services_and_environments_are_clear_errors_listing_the_valid_names() {
    let sandbox = sandbox().await;
    let (code, _, err) = cli(&sandbox, &["env", "-f", BLACKROAD, "nope"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no service `nope`"), "{err}");
    assert!(
        err.contains("blackroad-backend, postgres, redis, docs-site"),
        "{err}"
    );

    let (code, _, err) = cli(&sandbox, &["open", "-f", BLACKROAD, "postgres", "qa"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no environment `qa`"), "{err}");
    assert!(err.contains("production, staging"), "{err}");

    let (code, _, err) = cli(
        &sandbox,
        &["health", "-f", BLACKROAD, "--env", "qa", "redis"],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("production, staging"), "{err}");

    let (code, _, err) = cli(&sandbox, &["list", "-f", BLACKROAD, "--output", "markdown"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("text or json"), "{err}");
    sandbox.shutdown().await;
}
