//! Notifications end to end: `run` as a process on a Git source, against the sandbox's
//! deployment lifecycle and local receivers for a webhook, Slack and GitHub. A crash and its
//! fix each reach every target exactly once over many passes, webhooks are signed, GitHub
//! statuses land on the applied commits, and no credential shows in any payload or log.

use crate::support;
use crate::support::controller;
use crate::support::receivers;

use std::process::Stdio;
use std::time::Duration;

use controller::{commit, git_remote};
use railway_operator::notify::signature;
use railway_operator::sandbox::{DeploymentOutcome, SandboxConfig};
use receivers::{Receiver, Recorded};
use serde_json::{Value, json};
use support::*;

const CANARY: &str = "canary-5f2e9a71";
const SIGNING_KEY: &str = "signing-canary-5f2e9a71";
const WAIT: Duration = Duration::from_secs(30);

fn manifest(version: u32) -> String {
    format!(
        "apiVersion: railway-operator/v1
kind: Project
metadata: {{ name: ctl }}
spec:
  notifications:
    - webhook: {{ url: {{ fromEnv: OPS_WEBHOOK_URL }}, secret: {{ fromEnv: OPS_WEBHOOK_SECRET }} }}
      events: [deployment.failed, deployment.recovered]
    - slack: {{ url: {{ fromEnv: SLACK_WEBHOOK_URL }} }}
    - githubStatus: {{ token: {{ fromEnv: GITHUB_TOKEN }}, apiUrl: {{API}}, repository: acme/infra }}
  environments: {{ production: {{}} }}
  services:
    api:
      source: {{ image: \"api:1\" }}
    worker:
      source: {{ image: \"worker:1\" }}
      variables: {{ VERSION: \"{version}\" }}
"
    )
}

fn kinds(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.json()["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn slack_texts(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits until `check` holds of the receiver's requests.
async fn until(receiver: &Receiver, check: impl Fn(&[Recorded]) -> bool) -> Vec<Recorded> {
    let started = std::time::Instant::now();
    loop {
        let requests = receiver.requests();
        if check(&requests) {
            return requests;
        }
        assert!(
            started.elapsed() < WAIT,
            "timed out; received: {:?}",
            requests.iter().map(Recorded::text).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_crash_and_its_fix_reach_every_target_once_signed_and_without_a_credential() {
    let crash = vec![("worker".to_string(), DeploymentOutcome::Crashed)];
    let sandbox = sandbox_with(SandboxConfig {
        deploy_duration: Duration::from_millis(300),
        deploy_outcomes: crash,
        ..SandboxConfig::default()
    })
    .await;
    let (hook, slack, github) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let api = github.url("");
    let (bare, work) = git_remote(dir.path());
    let first = commit(&work, &manifest(1).replace("{API}", &api), "first");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["run", "--git", &format!("file://{}", bare.display())])
        .args([
            "--branch",
            "main",
            "--path",
            "ctl.yml",
            "--git-interval",
            "1s",
        ])
        .args(["--interval", "1s", "--log-format", "json"])
        .arg("--checkout-dir")
        .arg(dir.path().join("checkout"))
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env("RAILWAY_OPERATOR_MAX_RPS", "0")
        .env(
            "OPS_WEBHOOK_URL",
            hook.url(&format!("/hooks/{CANARY}?key={CANARY}")),
        )
        .env("OPS_WEBHOOK_SECRET", SIGNING_KEY)
        .env(
            "SLACK_WEBHOOK_URL",
            slack.url(&format!("/services/{CANARY}")),
        )
        .env("GITHUB_TOKEN", format!("ghp_{CANARY}"))
        .env("RUST_LOG", "railway_operator=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run starts");

    until(&hook, |r| {
        kinds(r).contains(&"deployment.failed".to_string())
    })
    .await;
    // R44: the failure carries the last lines of the crash's logs, its reason last.
    let failed = hook.requests()[0].json();
    let excerpt = failed["details"]["logExcerpt"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        (1..=5).contains(&excerpt.len())
            && excerpt
                .last()
                .and_then(Value::as_str)
                .is_some_and(|l| l.contains("exited with code 1")),
        "{failed}"
    );
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("the process exited with code 1")),
        "{failed}"
    );
    // Several more 1 s passes see the same crash: none is told again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        kinds(&hook.requests()),
        ["deployment.failed"],
        "filtered, once"
    );

    let fix = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/deployments/outcome",
            sandbox.base_url()
        ))
        .json(&json!({ "service": "worker", "outcome": "SUCCESS" }))
        .send()
        .await
        .expect("outcome set");
    assert!(fix.status().is_success());
    let second = commit(&work, &manifest(2).replace("{API}", &api), "fix");
    let requests = until(&hook, |r| r.len() >= 2).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        kinds(&hook.requests()),
        ["deployment.failed", "deployment.recovered"]
    );
    for request in &requests {
        let expected = signature(SIGNING_KEY.as_bytes(), &request.body);
        assert_eq!(
            request.header("x-railway-operator-signature"),
            expected.as_deref(),
            "a valid signature over the exact body"
        );
    }

    let texts = slack_texts(&slack.requests());
    let count = |kind: &str| texts.iter().filter(|t| t.contains(kind)).count();
    assert_eq!(count("*applied*"), 2, "one per applied commit: {texts:#?}");
    assert_eq!(count("*deployment.failed*"), 1, "{texts:#?}");
    let slack_failed: Vec<Value> = slack
        .requests()
        .iter()
        .map(Recorded::json)
        .filter(|body| {
            body["text"]
                .as_str()
                .is_some_and(|t| t.contains("*deployment.failed*"))
        })
        .collect();
    assert!(
        slack_failed[0]["attachments"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("```") && t.contains("exited with code 1")),
        "the excerpt as a code block: {slack_failed:#?}"
    );
    assert_eq!(count("*deployment.recovered*"), 1, "{texts:#?}");

    let statuses: Vec<(String, Value)> = github
        .requests()
        .iter()
        .map(|r| (r.path.clone(), r.json()))
        .collect();
    let on = |sha: &str, state: &str| {
        statuses
            .iter()
            .filter(|(path, body)| {
                path == &format!("/repos/acme/infra/statuses/{sha}") && body["state"] == state
            })
            .count()
    };
    assert_eq!(on(&first, "success"), 1, "applied: {statuses:#?}");
    assert_eq!(on(&first, "failure"), 1, "deployment.failed: {statuses:#?}");
    assert_eq!(
        on(&second, "success"),
        2,
        "applied and recovered: {statuses:#?}"
    );
    assert!(
        github
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer ghp_{CANARY}"))),
        "the token goes in the header, and only there"
    );

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap_or_default().to_string()])
        .status();
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("run stops on SIGTERM")
        .expect("run's output");
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        logs.contains("reconciled ctl@"),
        "logs were captured: {logs}"
    );
    let warned: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("\"WARN\"") && l.contains("log line(s)"))
        .collect();
    assert_eq!(warned.len(), 1, "one WARN per failed deployment: {logs}");
    assert!(warned[0].contains("exited with code 1"), "{logs}");
    let payloads: Vec<String> = [&hook, &slack, &github]
        .iter()
        .flat_map(|r| r.requests())
        .map(|r| r.text())
        .collect();
    for text in payloads.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(CANARY), "a credential leaked: {text}");
    }
    println!(
        "notifications over a crash and its fix: webhook {}, slack {}, github {}",
        hook.requests().len(),
        slack.requests().len(),
        github.requests().len()
    );
    sandbox.shutdown().await;
}
