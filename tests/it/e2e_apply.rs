//! End to end: the CLI against an in-process sandbox, checking exit codes, output and the
//! requests Railway would have seen.

use crate::support;

use std::fs;

use railway_operator::sandbox::SandboxConfig;
use support::*;

const BLACKROAD: &str = "manifests/blackroad.yml";

#[tokio::test]
async fn blackroad_plans_applies_and_then_has_no_changes() {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["plan", "-f", BLACKROAD, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "changes pending on a fresh sandbox\n{out}\n{err}");
    for expected in [
        "+ project blackroad-os",
        "+ environment staging",
        "+ service blackroad-backend",
        "+ service postgres",
        "+ service redis",
        "to add",
    ] {
        assert!(out.contains(expected), "plan lacks {expected:?}:\n{out}");
    }
    assert!(
        !out.contains("docs-site"),
        "external services are not planned:\n{out}"
    );
    assert!(
        !out.contains("+ service blackroad-api"),
        "planned services are not created:\n{out}"
    );

    let (code, out, err) = cli(&sandbox, &["apply", "-f", BLACKROAD]).await;
    assert_eq!(code, 0, "apply succeeds\n{out}\n{err}");
    assert!(out.contains("Apply complete"), "{out}");

    let (code, out, err) = cli(&sandbox, &["plan", "-f", BLACKROAD, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "no changes after apply\n{out}\n{err}");
    assert!(
        out.contains("No changes. Live state matches the manifest."),
        "{out}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r16_changing_replicas_sends_one_patch_and_no_deploy_since_replicas_only_scale() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.yml");
    fs::write(&path, generated_manifest(3, 1)).expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");

    let changed = generated_manifest(3, 1).replacen("replicas: 1", "replicas: 2", 1);
    fs::write(&path, changed).expect("write");
    let (code, out, _) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    let tilde_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("~ deploy."))
        .collect();
    assert_eq!(
        tilde_lines,
        vec!["      ~ deploy.replicas: 1 -> 2"],
        "{out}"
    );

    reset_stats(&sandbox).await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 1, "{stats}");
    assert_eq!(count(&stats, "ServiceInstanceUpdate"), 0, "{stats}");
    assert_eq!(count(&stats, "ServiceInstanceDeployV2"), 0, "{stats}");
    sandbox.shutdown().await;
}

async fn noop_plan_requests(services: usize) -> u64 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.yml");
    fs::write(&path, generated_manifest(services, 1)).expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{}\n{err}", &out[..out.len().min(2000)]);
    reset_stats(&sandbox).await;
    let (code, out, _) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{}", &out[..out.len().min(2000)]);
    let requests = total(&stats(&sandbox).await);
    sandbox.shutdown().await;
    requests
}

#[tokio::test]
async fn a_no_op_plan_costs_at_most_two_requests_for_three_services() {
    let requests = noop_plan_requests(3).await;
    println!("no-op plan, 3 services: {requests} request(s)");
    assert!(requests <= 2, "{requests} requests");
}

#[tokio::test]
async fn a_no_op_plan_costs_at_most_two_requests_for_three_hundred_services() {
    let requests = noop_plan_requests(300).await;
    println!("no-op plan, 300 services: {requests} request(s)");
    assert!(requests <= 2, "{requests} requests");
}

#[tokio::test]
async fn invalid_manifests_exit_1_with_a_location_and_send_no_request() {
    let sandbox = sandbox().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests/invalid");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("invalid manifests exist")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "a batch of invalid manifests: {files:?}");
    for file in &files {
        let name = file.to_string_lossy().to_string();
        for command in ["validate", "plan", "apply"] {
            let (code, out, err) = cli(&sandbox, &[command, "-f", &name]).await;
            assert_eq!(code, 1, "{command} {name}\n{out}\n{err}");
            let stem = file
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            let located = err.lines().any(|l| {
                l.contains(&stem)
                    && l.split(':')
                        .nth(1)
                        .is_some_and(|n| n.trim().parse::<u32>().is_ok())
                    && l.split(':')
                        .nth(2)
                        .is_some_and(|n| n.trim().parse::<u32>().is_ok())
            });
            assert!(located, "{command} {name}: no file:line:col in\n{err}");
        }
    }
    let stats = stats(&sandbox).await;
    assert_eq!(
        total(&stats),
        0,
        "invalid manifests must send nothing: {stats}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_service_create_whose_response_is_lost_is_adopted_not_duplicated() {
    let sandbox = sandbox_with(SandboxConfig {
        faults: "serviceCreate=drop-after-commit"
            .parse()
            .expect("fault spec"),
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.yml");
    fs::write(&path, generated_manifest(2, 1)).expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("adopted"),
        "the lost creates are adopted:\n{out}"
    );
    let projects = project_services(&sandbox).await;
    assert_eq!(projects.len(), 1, "{projects:?}");
    let mut services = projects[0].1.clone();
    services.sort();
    assert_eq!(
        services,
        vec!["svc-0000".to_string(), "svc-0001".to_string()],
        "no duplicates"
    );
    let stats = stats(&sandbox).await;
    assert_eq!(
        count(&stats, "ServiceCreate"),
        2,
        "each create sent once: {stats}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn apply_dry_run_is_plan_and_writes_nothing() {
    let sandbox = sandbox().await;
    let (code, out, _) = cli(
        &sandbox,
        &["apply", "--dry-run", "-f", BLACKROAD, "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 2, "{out}");
    let stats = stats(&sandbox).await;
    let mutations: u64 = stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(name, _)| {
                    !["TokenProjects", "Projects", "ProjectSnapshot"].contains(&name.as_str())
                })
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(mutations, 0, "{stats}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn json_plans_are_machine_readable() {
    let sandbox = sandbox().await;
    let (code, out, err) = cli(&sandbox, &["plan", "-f", BLACKROAD, "--json"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).expect("plan --json prints JSON");
    assert_eq!(plan["formatVersion"], 2);
    assert_eq!(plan["changesPending"], true);
    assert!(plan["summary"]["add"].as_u64().unwrap_or(0) >= 4, "{plan}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_is_a_clear_error_not_a_retry_loop() {
    let sandbox = sandbox().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["plan", "-f", BLACKROAD])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", "wrong-token")
        .output()
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("not authorized"), "{err}");
    assert!(
        !err.contains("wrong-token"),
        "the token never appears in messages: {err}"
    );
    assert_eq!(
        total(&stats(&sandbox).await),
        1,
        "unauthorized is not retried"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn apply_converges_through_transient_server_errors() {
    let sandbox = sandbox_with(SandboxConfig {
        faults: "*=error500@0.3".parse().expect("fault spec"),
        fault_seed: 7,
        ..SandboxConfig::default()
    })
    .await;
    let (code, out, err) = cli(&sandbox, &["apply", "-f", BLACKROAD]).await;
    assert_eq!(code, 0, "retries absorb 30% HTTP 500s\n{out}\n{err}");
    clear_faults(&sandbox).await;
    let projects = project_services(&sandbox).await;
    assert_eq!(projects.len(), 1, "one project, no duplicate: {projects:?}");
    let mut services = projects[0].1.clone();
    services.sort();
    assert_eq!(
        services,
        vec!["blackroad-backend", "postgres", "redis"],
        "no duplicate services"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failed_apply_says_what_was_and_was_not_applied() {
    let sandbox = sandbox_with(SandboxConfig {
        faults: "environmentPatchCommit=error500"
            .parse()
            .expect("fault spec"),
        ..SandboxConfig::default()
    })
    .await;
    let (code, out, err) = cli(
        &sandbox,
        &["apply", "-f", BLACKROAD, "--retry-for-secs", "1"],
    )
    .await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("apply failed at ") && err.contains("EnvironmentPatchCommit"),
        "{err}"
    );
    assert!(
        err.contains("applied before the failure: project.blackroad-os"),
        "{err}"
    );
    assert!(
        err.contains("not applied: shared-variables[production]") && err.contains("deploy."),
        "{err}"
    );
    assert!(err.contains("Run apply again"), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_embedded_sandbox_keeps_state_between_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BLACKROAD);
    let manifest = manifest.to_string_lossy().to_string();
    let run = |args: Vec<String>| {
        let dir = dir.path().to_path_buf();
        async move {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
                .args(&args)
                .current_dir(dir)
                .env_remove("RAILWAY_API_TOKEN")
                .env_remove("RAILWAY_TOKEN")
                .output()
                .await
                .expect("runs");
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
            )
        }
    };
    let (code, out) = run(vec![
        "apply".into(),
        "--sandbox".into(),
        "-f".into(),
        manifest.clone(),
    ])
    .await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        dir.path()
            .join(".railway-operator/sandbox-state.json")
            .exists()
    );
    let (code, out) = run(vec![
        "plan".into(),
        "--sandbox".into(),
        "-f".into(),
        manifest,
        "--detailed-exitcode".into(),
    ])
    .await;
    assert_eq!(
        code,
        Some(0),
        "the second command sees the first one's project:\n{out}"
    );
}

/// `svc-0000`'s live `railwayConfigFile` in the first environment.
async fn live_config_file(sandbox: &railway_operator::sandbox::Sandbox) -> serde_json::Value {
    let ids = ids(sandbox).await;
    let data = graphql(
        sandbox,
        "query($s: String!, $e: String!) { serviceInstance(serviceId: $s, environmentId: $e) { railwayConfigFile } }",
        serde_json::json!({ "s": ids.service("svc-0000"), "e": ids.environment }),
    )
    .await;
    data["data"]["serviceInstance"]["railwayConfigFile"].clone()
}

#[tokio::test]
async fn a_config_as_code_file_on_railway_is_noted_once_and_never_sent_or_compared() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.yml");
    fs::write(&path, generated_manifest(2, 1)).expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let ids = ids(&sandbox).await;
    let answer = graphql(
        &sandbox,
        "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) { serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }",
        serde_json::json!({ "s": ids.service("svc-0000"), "e": ids.environment, "i": { "railwayConfigFile": "railway.json" } }),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");

    let (code, out, err) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "the path is not compared (R18)\n{out}\n{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains("Config-as-Code")).count(),
        1,
        "one note:\n{out}"
    );
    assert!(
        out.contains(
            "a Config-as-Code file is set on Railway for svc-0000[production] (railway.json)"
        ),
        "{out}"
    );
    assert!(
        out.contains("the date it stops reading Config-as-Code files (R18)"),
        "{out}"
    );
    assert!(
        out.contains("The operator neither sends nor compares it"),
        "{out}"
    );

    let changed = generated_manifest(2, 1).replacen("replicas: 1", "replicas: 2", 1);
    fs::write(&path, changed).expect("write");
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        live_config_file(&sandbox).await,
        "railway.json",
        "an update of the same instance neither clears nor rewrites it"
    );
}
