//! Fixtures for the controller tests: a `run` loop started in-process against a sandbox, a small
//! manifest, direct edits of live state, and a local Git remote.

#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use railway_operator::backup::RunnerConfig;
use railway_operator::controller::run::{Controller, RunConfig, run};
use railway_operator::controller::source::SourceSpec;
use railway_operator::controller::status::SharedStatus;
use railway_operator::controller::trigger::ReconcileTrigger;
use railway_operator::railway::retry::RetryPolicy;
use railway_operator::railway::{Auth, Client, ClientConfig};
use railway_operator::sandbox::Sandbox;
use tokio::sync::oneshot;

use super::*;

pub struct Running {
    pub status: SharedStatus,
    pub reconcile_now: Arc<ReconcileTrigger>,
    pub http_url: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<u8>,
}

impl Running {
    pub async fn stop(mut self) -> u8 {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("run stops within 30 s")
            .expect("run task")
    }

    pub fn project(
        &self,
        name: &str,
    ) -> Option<railway_operator::controller::status::ProjectStatus> {
        self.status.read().ok()?.projects.get(name).cloned()
    }

    /// Waits until `check` holds for the project's status, up to `limit`.
    pub async fn wait_for(
        &self,
        name: &str,
        limit: Duration,
        check: impl Fn(&railway_operator::controller::status::ProjectStatus) -> bool,
    ) -> Duration {
        let started = Instant::now();
        loop {
            if self.project(name).is_some_and(|p| check(&p)) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "timed out after {limit:?}; status: {:#?}",
                self.project(name)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The body of a GET on the running controller's HTTP endpoint `path` (e.g. `/metrics`).
pub async fn http_text(running: &Running, path: &str) -> String {
    let url = running.http_url.clone().expect("run serves HTTP");
    reqwest::get(format!("{url}{path}"))
        .await
        .expect("GET answers")
        .text()
        .await
        .expect("a text body")
}

pub fn client_for(sandbox: &Sandbox) -> Client {
    let mut config = ClientConfig::new(sandbox.url(), Auth::Bearer(TOKEN.into()));
    config.retry = RetryPolicy {
        max_elapsed: Duration::from_millis(300),
        ..RetryPolicy::default()
    };
    Client::new(config).expect("client")
}

pub async fn start(
    sandbox: &Sandbox,
    source: SourceSpec,
    interval: Duration,
    http: bool,
) -> Running {
    start_with(sandbox, run_config(source, interval, http)).await
}

/// The configuration [`start`] runs with.
pub fn run_config(source: SourceSpec, interval: Duration, http: bool) -> RunConfig {
    RunConfig {
        source,
        interval,
        listen: http.then(|| ([127, 0, 0, 1], 0).into()),
        admin_token: None,
        once: false,
        workspace_fallback: None,
        requests_per_second_cap: 0.0,
        backup_runner: RunnerConfig {
            poll_interval: Duration::from_millis(50),
            poll_tries: 100,
            attempts: 3,
            retry_delay: Duration::from_millis(100),
        },
        concurrency: 4,
        instance_id: "test".to_string(),
        lock: None,
        age_key_file: None,
        request_budget: None,
    }
}

pub async fn start_with(sandbox: &Sandbox, config: RunConfig) -> Running {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (started_tx, started_rx) = oneshot::channel();
    let client = client_for(sandbox);
    let task = tokio::spawn(async move {
        let mut started_tx = Some(started_tx);
        run(
            client,
            config,
            async move {
                let _ = stop_rx.await;
            },
            move |c: &Controller| {
                if let Some(tx) = started_tx.take() {
                    let _ = tx.send((
                        c.status.clone(),
                        c.reconcile_now.clone(),
                        c.http_url.clone(),
                    ));
                }
            },
        )
        .await
        .expect("run returns")
    });
    let (status, reconcile_now, http_url) = started_rx.await.expect("run started");
    Running {
        status,
        reconcile_now,
        http_url,
        stop: Some(stop_tx),
        task,
    }
}

pub fn manifest(replicas: u32, drift: &str, extra_var: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: ctl }}\nspec:\n  policy: {{ drift: {drift} }}\n  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: \"api:1\" }}\n      deploy: {{ replicas: {replicas} }}\n      variables: {{ MODE: \"{extra_var}\" }}\n    worker:\n      source: {{ image: \"worker:1\" }}\n"
    )
}

pub async fn plan_exit(sandbox: &Sandbox, file: &Path) -> i32 {
    cli(
        sandbox,
        &["plan", "-f", &file.to_string_lossy(), "--detailed-exitcode"],
    )
    .await
    .0
}

/// Changes `api`'s MODE directly on Railway: drift.
pub async fn set_mode(sandbox: &Sandbox, value: &str) {
    set_variable(sandbox, Some("api"), "MODE", value).await;
}

/// `api`'s MODE as Railway holds it.
pub async fn mode(sandbox: &Sandbox) -> String {
    read_variables(sandbox, Some("api")).await["MODE"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A bare `infra.git` on branch `main` in `dir` and a clone of it in `work`, ready for
/// [`commit`]; returns (bare, work).
pub fn git_remote(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let bare = dir.join("infra.git");
    let work = dir.join("work");
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            &bare.to_string_lossy(),
        ],
    );
    git(
        dir,
        &[
            "clone",
            "-q",
            &bare.to_string_lossy(),
            &work.to_string_lossy(),
        ],
    );
    git(&work, &["checkout", "-q", "-b", "main"]);
    (bare, work)
}

pub fn commit(work: &Path, text: &str, message: &str) -> String {
    fs::write(work.join("ctl.yml"), text).expect("write");
    git(work, &["add", "ctl.yml"]);
    git(work, &["commit", "-q", "-m", message]);
    git(work, &["push", "-q", "origin", "HEAD:main"]);
    git(work, &["rev-parse", "HEAD"])
}

/// Writes `text` as `ctl.yml` in a fresh directory and starts `run` on it. Keep the directory
/// alive for as long as the loop runs.
pub async fn run_manifest(
    sandbox: &Sandbox,
    text: &str,
    interval: Duration,
    http: bool,
) -> (tempfile::TempDir, std::path::PathBuf, Running) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    fs::write(&file, text).expect("write");
    let running = start(sandbox, SourceSpec::Path(file.clone()), interval, http).await;
    (dir, file, running)
}
