//! The settings added to the table for issue 26, end to end on the sandbox: replicas per
//! region (R20), private registry credentials (the password a secret that no output or plan
//! file shows), IPv6 egress and tracing. Each lands in the environment config, and the plans
//! after the apply are clean.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

const PASSWORD: &str = "canary-registry-91f0c2";

fn manifest(regions: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1
kind: Project
metadata: {{ name: settings }}
spec:
  environments: {{ production: {{}} }}
  services:
    api:
      source:
        image: \"ghcr.io/acme/api:1\"
        registryCredentials: {{ username: bot, password: {{ fromEnv: REGISTRY_PASSWORD }} }}
      deploy:
        regions: {regions}
        ipv6Egress: true
        tracing: {{ enabled: true, autoInstrumentation: true }}
"
    )
}

async fn run(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_env(sandbox, args, dir, &[("REGISTRY_PASSWORD", PASSWORD)]).await
}

/// The api service's entry in the production config.
async fn api_entry(sandbox: &Sandbox) -> Value {
    let data = all_projects(
        sandbox,
        "environments { edges { node { name config(decryptVariables: true) } } }",
    )
    .await;
    let config =
        &data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]["config"];
    let id = ids(sandbox).await.service("api");
    config["services"][id.as_str().unwrap_or_default()].clone()
}

#[tokio::test]
async fn regions_registry_credentials_ipv6_and_tracing_apply_and_the_next_two_plans_are_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("sandbox-state.json");
    let sandbox = sandbox_with(SandboxConfig {
        state_file: Some(state.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let file = dir.path().join("settings.yml");
    std::fs::write(&file, manifest("{ us-west2: 2, europe-west4-drams3a: 1 }")).expect("written");
    let file = file.to_string_lossy().into_owned();
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");

    let entry = api_entry(&sandbox).await;
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 2 }, "europe-west4-drams3a": { "numReplicas": 1 } }),
        "{entry}"
    );
    assert_eq!(entry["deploy"]["ipv6EgressEnabled"], json!(true), "{entry}");
    assert_eq!(
        entry["tracing"],
        json!({ "enabled": true, "autoInstrumentation": true })
    );
    // Railway never returns the password (a guess the sandbox follows): the username only.
    assert_eq!(
        entry["deploy"]["registryCredentials"],
        json!({ "username": "bot" })
    );
    let stored = std::fs::read_to_string(&state).unwrap_or_default();
    assert!(
        stored.contains(PASSWORD),
        "the sandbox received the password"
    );

    for _ in 0..2 {
        let (code, out, err) = run(&sandbox, dir.path(), &["plan", "-f", &file]).await;
        assert_eq!(code, 0, "the plan after the apply is clean:\n{out}\n{err}");
    }

    // R20: a region the manifest no longer names is nulled, and the plan is clean again.
    std::fs::write(&file, manifest("{ europe-west4-drams3a: 3 }")).expect("written");
    let (code, out, err) = run(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        api_entry(&sandbox).await["deploy"]["multiRegionConfig"],
        json!({ "europe-west4-drams3a": { "numReplicas": 3 } })
    );
    let (code, out, err) = run(&sandbox, dir.path(), &["plan", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
}

#[tokio::test]
async fn the_registry_password_appears_in_no_output_and_no_plan_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = sandbox().await;
    let file = dir.path().join("settings.yml");
    std::fs::write(&file, manifest("{ us-west2: 1, europe-west4-drams3a: 1 }")).expect("written");
    let file = file.to_string_lossy().into_owned();
    let saved = dir.path().join("plan.json").to_string_lossy().into_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", "-f", &file],
        vec!["plan", "-f", &file],
        vec!["plan", "-f", &file, "--output", "json"],
        vec!["plan", "-f", &file, "--output", "markdown"],
        vec!["plan", "-f", &file, "--out", &saved],
        vec!["apply", "-f", &file],
        vec!["plan", "-f", &file, "--output", "json"],
        vec!["status", "-f", &file],
        vec!["status", "-f", &file, "--output", "json"],
    ];
    let mut checked = 0;
    for args in &commands {
        for level in ["info", "trace"] {
            let (code, out, err) = cli_env(
                &sandbox,
                args,
                dir.path(),
                &[("REGISTRY_PASSWORD", PASSWORD), ("RUST_LOG", level)],
            )
            .await;
            assert_ne!(code, 101, "{args:?} panicked:\n{err}");
            for text in [&out, &err] {
                assert!(
                    !text.contains("canary-"),
                    "the password leaked from {args:?} at {level}:\n{text}"
                );
            }
            checked += 1;
        }
    }
    let plan_file = std::fs::read_to_string(&saved).expect("the plan was saved");
    assert!(!plan_file.contains("canary-"), "{plan_file}");
    println!("{checked} runs and the saved plan checked");
}
