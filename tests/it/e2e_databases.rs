//! Databases end to end against the sandbox (R45–R49): a Postgres 16, a Redis and a bucket in
//! two environments, the databases made from Railway's templates, the Postgres pinned to 16
//! although the template's current major is newer, the second environment's instances given
//! the template's variables (a password Railway generated there), references to them resolving
//! in both, two clean plans after; the generated passwords in no
//! output, file or inventory; dropping the database only behind the destructive gate, its
//! volume surviving; a major change on a database that has run refused; a lost deploy answer
//! and a crash before the commit never making a second database; a live plain service adopted,
//! never recreated; a crash before the commit finished in one re-run, held while someone
//! else's edits are staged beside it; the requests one database costs.

use crate::support;

use std::fs;
use std::path::Path;

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::sandbox_common::nodes;
use support::*;

const HEAD: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: dbs }\nspec:\n  policy: { prune: true }\n  environments: { production: {} }\n  services:\n";

const POSTGRES: &str = "    postgres:\n      database: { engine: postgres, version: 16 }\n      public: false\n      volume: { backups: { schedules: [DAILY] } }\n";
const REDIS: &str =
    "    redis:\n      database: { engine: redis, version: 8 }\n      public: true\n";
const API: &str = "    api:\n      source: { image: \"nginx:1\" }\n      variables: { DATABASE_URL: \"${{postgres.DATABASE_URL}}\", CACHE: \"${{redis.REDIS_URL}}\" }\n";
const BUCKET: &str = "  buckets:\n    assets: {}\n";

async fn run(
    sandbox: &Sandbox,
    dir: &Path,
    services: &str,
    args: &[&str],
) -> (i32, String, String) {
    run_in(HEAD, sandbox, dir, services, args).await
}

/// `run` with the manifest's `environments` as `head` declares them.
async fn run_in(
    head: &str,
    sandbox: &Sandbox,
    dir: &Path,
    services: &str,
    args: &[&str],
) -> (i32, String, String) {
    let file = dir.join("dbs.yml");
    fs::write(&file, format!("{head}{services}")).expect("write");
    let file = file.to_string_lossy().to_string();
    let mut full = args.to_vec();
    full.extend(["-f", file.as_str()]);
    cli_env(sandbox, &full, dir, &[("RUST_LOG", "trace")]).await
}

/// Each live service of the first project: (name, templateServiceId, image in production).
async fn services(sandbox: &Sandbox) -> Vec<(String, Value, Value)> {
    let data = all_projects(
        sandbox,
        "services { edges { node { id name deletedAt templateServiceId } } } environments { edges { node { name serviceInstances { edges { node { serviceId source { image } } } } } } }",
    )
    .await;
    assert!(data.get("errors").is_none(), "{data}");
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let instances = nodes(&project["environments"]["edges"][0]["node"]["serviceInstances"]);
    nodes(&project["services"])
        .into_iter()
        .filter(|s| s["deletedAt"].is_null())
        .map(|s| {
            let image = instances
                .iter()
                .find(|i| i["serviceId"] == s["id"])
                .map_or(Value::Null, |i| i["source"]["image"].clone());
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["templateServiceId"].clone(),
                image,
            )
        })
        .collect()
}

/// Rendered variables of one service in the first environment, as the running container sees them.
async fn rendered(sandbox: &Sandbox, service: &str) -> Value {
    let ids = ids(sandbox).await;
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s) }",
        json!({ "p": ids.project, "e": ids.environment, "s": ids.service(service) }),
    )
    .await;
    data["data"]["variables"].clone()
}

/// The application ports of a service's live TCP proxies in the first environment.
async fn tcp_ports(sandbox: &Sandbox, service: &str) -> Vec<i64> {
    let ids = ids(sandbox).await;
    let data = graphql(
        sandbox,
        "query($e: String!, $s: String!) { tcpProxies(environmentId: $e, serviceId: $s) { applicationPort deletedAt } }",
        json!({ "e": ids.environment, "s": ids.service(service) }),
    )
    .await;
    data["data"]["tcpProxies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["deletedAt"].is_null())
        .filter_map(|p| p["applicationPort"].as_i64())
        .collect()
}

/// Variables of `service` in environment `env`, rendered or as stored.
async fn variables_in(sandbox: &Sandbox, env: &str, service: &str, unrendered: bool) -> Value {
    let data = all_projects(sandbox, "id environments { edges { node { id name } } }").await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let env_id = nodes(&project["environments"])
        .into_iter()
        .find(|e| e["name"] == env)
        .map_or(Value::Null, |e| e["id"].clone());
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }",
        json!({ "p": project["id"], "e": env_id, "s": ids(sandbox).await.service(service), "u": unrendered }),
    )
    .await;
    data["data"]["variables"].clone()
}

async fn volume_names(sandbox: &Sandbox) -> Vec<String> {
    let data = all_projects(sandbox, "volumes { edges { node { name } } }").await;
    assert!(data.get("errors").is_none(), "{data}");
    nodes(&data["data"]["projects"]["edges"][0]["node"]["volumes"])
        .into_iter()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn databases_come_from_templates_pinned_to_their_major_and_their_credentials_never_show() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let head = HEAD.replace("production: {}", "production: {}, staging: {}");
    let run = |services: &str, args: &[&str]| {
        let services = services.to_string();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (sandbox, dir, head) = (&sandbox, dir.path(), head.as_str());
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_in(head, sandbox, dir, &services, &args).await
        }
    };
    let all = format!("{POSTGRES}{REDIS}{API}{BUCKET}");
    let (code, planned, err) = run(&all, &["plan"]).await;
    assert_eq!(code, 0, "{planned}{err}");
    assert!(
        planned.contains("+ create database postgres (postgres 16, from Railway's template")
            && planned.contains("+ the postgres template's variables (DATABASE_URL"),
        "{planned}"
    );
    let (code, applied, apply_log) = run(&all, &["apply"]).await;
    assert_eq!(code, 0, "{applied}{apply_log}");

    let live = services(&sandbox).await;
    let find = |name: &str| live.iter().find(|s| s.0 == name).cloned().expect(name);
    let (_, pg_template, pg_image) = find("postgres");
    let (_, redis_template, _) = find("redis");
    assert_eq!(
        pg_image, "ghcr.io/railwayapp-templates/postgres-ssl:16",
        "R47: {live:?}"
    );
    assert!(
        pg_template.is_string() && redis_template.is_string(),
        "{live:?}"
    );
    // R46: `public: false` removed the proxy the template made; `public: true` kept Redis's.
    assert_eq!(tcp_ports(&sandbox, "postgres").await, Vec::<i64>::new());
    assert_eq!(tcp_ports(&sandbox, "redis").await, vec![6379]);
    let api = rendered(&sandbox, "api").await;
    let url = api["DATABASE_URL"].as_str().unwrap_or_default();
    assert!(
        url.starts_with("postgresql://postgres:") && !url.contains("${{"),
        "{api}"
    );
    assert!(
        api["CACHE"]
            .as_str()
            .unwrap_or_default()
            .starts_with("redis://"),
        "{api}"
    );

    // R45, R46: staging's instance has the template's variables too: its DATABASE_URL resolves
    // with a password Railway generated there.
    let staging_api = variables_in(&sandbox, "staging", "api", false).await;
    let staging_url = staging_api["DATABASE_URL"].as_str().unwrap_or_default();
    assert!(
        staging_url.starts_with("postgresql://postgres:") && !staging_url.contains("${{"),
        "{staging_api}"
    );
    let staging_password =
        variables_in(&sandbox, "staging", "postgres", true).await["POSTGRES_PASSWORD"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    assert_eq!(staging_password.len(), 32, "R46: generated in staging too");

    let mut outputs = vec![applied, apply_log];
    for _ in 0..2 {
        let (code, out, err) = run(&all, &["plan", "--detailed-exitcode"]).await;
        assert_eq!(code, 0, "the plan after apply is clean:\n{out}{err}");
        outputs.extend([out, err]);
    }
    // R47: a database that has run never moves to another major; the plan says what to do.
    let newer = all.replace("version: 16", "version: 17");
    let (code, out, err) = run(&newer, &["plan"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("database postgres in production runs postgres 16")
            && err.contains("dump the data"),
        "{err}"
    );
    let saved = dir.path().join("saved.plan");
    let saved_arg = saved.to_string_lossy().to_string();
    for args in [
        &["plan", "--json", "--out", saved_arg.as_str()][..],
        &["status"][..],
        &["env", "postgres"][..],
        &["logs", "postgres"][..],
    ] {
        let (_, out, err) = run(&all, args).await;
        outputs.extend([out, err]);
    }
    outputs.push(fs::read_to_string(&saved).unwrap_or_default());
    outputs.push(read_variables(&sandbox, None).await.to_string());
    // Canary: the password Railway generated, read from the sandbox directly.
    let password = read_variables(&sandbox, Some("postgres")).await["POSTGRES_PASSWORD"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(password.len(), 32, "R46: a generated password");
    for output in &outputs {
        assert!(
            !output.contains(&password) && !output.contains(&staging_password),
            "the generated password leaked:\n{output}"
        );
    }

    // Dropping the database: a destructive delete behind the gate; the volume survives it.
    let without = format!("{REDIS}    api:\n      source: {{ image: \"nginx:1\" }}\n{BUCKET}");
    let (_, planned, _) = run(&without, &["plan"]).await;
    assert!(planned.contains("- service postgres"), "{planned}");
    assert!(
        planned.contains(
            "does not delete its volume postgres-volume, postgres-volume-staging: the data survives"
        ),
        "{planned}"
    );
    assert!(
        !planned.contains("REDIS_PASSWORD"),
        "template variables are not noted: {planned}"
    );
    let (code, out, err) = run(&without, &["apply"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("--confirm-destructive"), "{err}");
    let volumes_before = volume_names(&sandbox).await;
    let (code, out, err) = run(&without, &["apply", "--confirm-destructive"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(services(&sandbox).await.iter().all(|s| s.0 != "postgres"));
    assert_eq!(
        volume_names(&sandbox).await,
        volumes_before,
        "the volume survives"
    );
}

#[tokio::test]
async fn a_live_plain_postgres_is_adopted_a_lost_deploy_answer_never_makes_two_and_one_database_is_counted()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    reset_stats(&sandbox).await;
    let plain = POSTGRES.replace("      public: false\n", "");
    let (code, out, err) = run(&sandbox, dir.path(), &plain, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let counted = stats(&sandbox).await;
    println!(
        "apply creating a project with one database: {} requests ({})",
        total(&counted),
        counted["byOperation"]
    );

    // A lost answer to templateDeployV2: the service is found by name, finished, never made twice.
    let lossy = sandbox_with(SandboxConfig {
        faults: "templateDeployV2=drop-after-commit"
            .parse()
            .expect("fault spec"),
        ..SandboxConfig::default()
    })
    .await;
    let (code, out, err) = run(&lossy, dir.path(), &plain, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("answer lost, service found"), "{out}");
    let names: Vec<String> = services(&lossy).await.into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["postgres"], "one database, never two");
    let (code, out, err) = run(&lossy, dir.path(), &plain, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}{err}");

    // A crash between the template deploy and the commit: the next apply finishes the staged
    // database it finds, and deploys no second one.
    let crashed = sandbox_with(SandboxConfig {
        faults: "environmentStageChanges=error500"
            .parse()
            .expect("fault spec"),
        ..SandboxConfig::default()
    })
    .await;
    let (code, out, err) = run(
        &crashed,
        dir.path(),
        &plain,
        &["apply", "--retry-for-secs", "0"],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    clear_faults(&crashed).await;
    // R17: someone else's staged edit beside the database's own staged deploy holds it all.
    let staged = |input: Value, merge: bool| {
        let crashed = &crashed;
        async move {
            let env = ids(crashed).await.environment;
            let query = "mutation($e: String!, $i: EnvironmentConfig!, $m: Boolean) { environmentStageChanges(environmentId: $e, input: $i, merge: $m) { id } }";
            let data = graphql(crashed, query, json!({ "e": env, "i": input, "m": merge })).await;
            assert!(data.get("errors").is_none(), "{data}");
        }
    };
    let theirs = json!({ "sharedVariables": { "THEIRS": { "value": "1" } } });
    staged(theirs, true).await;
    let (code, out, err) = run(&crashed, dir.path(), &plain, &["apply"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("staged changes nobody has committed beside database postgres")
            && err.contains("sharedVariables.THEIRS"),
        "{err}"
    );
    // Once they discard their edit, one re-run finishes the staged database and the
    // environment's other changes together.
    let env = ids(&crashed).await.environment;
    let query = "query($e: String!) { environmentStagedChanges(environmentId: $e) { patch(decryptVariables: true) } }";
    let mut ours = graphql(&crashed, query, json!({ "e": env })).await["data"]
        ["environmentStagedChanges"]["patch"]
        .clone();
    ours.as_object_mut().map(|p| p.remove("sharedVariables"));
    staged(ours, false).await;
    let (code, out, err) = run(&crashed, dir.path(), &plain, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("only this database's"), "{out}");
    let live = services(&crashed).await;
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(
        live[0].2, "ghcr.io/railwayapp-templates/postgres-ssl:16",
        "{live:?}"
    );
    let (code, out, err) = run(
        &crashed,
        dir.path(),
        &plain,
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");

    let other = sandbox_with_plain_postgres().await;
    let (code, out, err) = run(&other, dir.path(), POSTGRES, &["plan"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("it is adopted as the postgres database"),
        "{out}"
    );
    // R48: `postgres:16` and the template's `postgres-ssl:16` are the same engine and major.
    assert!(!out.contains("source"), "{out}");
    assert!(
        !out.contains("create database") && !out.contains("- service"),
        "{out}"
    );
}

/// A sandbox whose project `dbs` has a plain `postgres:16` image service named `postgres`.
async fn sandbox_with_plain_postgres() -> Sandbox {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = "    postgres:\n      source: { image: \"postgres:16\" }\n      volume: { mountPath: /var/lib/postgresql/data }\n";
    let (code, out, err) = run(&sandbox, dir.path(), plain, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    sandbox
}
