//! Time from a manifest commit pushed to a local bare repository to a converged sandbox, with
//! `run --git` following the branch at `--git-interval 1s`. Prints the median and range.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const SERVICES: usize = 10;
const COMMITS: usize = 5;
const WAIT_LIMIT: Duration = Duration::from_secs(30);

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

struct Remote {
    work: PathBuf,
    bare: PathBuf,
}

impl Remote {
    fn new(root: &Path) -> Remote {
        let bare = root.join("remote.git");
        let work = root.join("work");
        git(root, &["init", "--quiet", "--bare", "remote.git"]);
        git(root, &["init", "--quiet", "work"]);
        for setting in [
            ["user.name", "Bench"],
            ["user.email", "bench@example.com"],
            ["commit.gpgsign", "false"],
        ] {
            git(&work, &["config", setting[0], setting[1]]);
        }
        git(&work, &["checkout", "--quiet", "-b", "main"]);
        git(&work, &["remote", "add", "origin", &bare.to_string_lossy()]);
        Remote { work, bare }
    }

    fn commit(&self, content: &str) {
        std::fs::write(self.work.join("bench.yml"), content).expect("manifest written");
        git(&self.work, &["add", "--all"]);
        git(&self.work, &["commit", "--quiet", "-m", "bench"]);
        git(&self.work, &["push", "--quiet", "origin", "main"]);
    }
}

async fn graphql(bench: &Bench, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(bench.sandbox.url())
        .bearer_auth(TOKEN)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("graphql answers")
        .json()
        .await
        .expect("graphql answers JSON")
}

/// Service `index`'s `VAR_00` as the sandbox stores it, if the project and service exist yet.
async fn stored_value(bench: &Bench, index: usize) -> Option<String> {
    let data = graphql(
        bench,
        "query { projects { edges { node { id environments { edges { node { id } } } services { edges { node { id name } } } } } } }",
        json!({}),
    )
    .await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let wanted = format!("svc-{index:04}");
    let service = project["services"]["edges"]
        .as_array()?
        .iter()
        .find(|e| e["node"]["name"] == wanted.as_str())?["node"]["id"]
        .clone();
    let data = graphql(
        bench,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        json!({ "p": project["id"], "e": project["environments"]["edges"][0]["node"]["id"], "s": service }),
    )
    .await;
    data["data"]["variables"]["VAR_00"]
        .as_str()
        .map(str::to_string)
}

async fn converged_within(bench: &Bench, index: usize, expected: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < WAIT_LIMIT {
        if stored_value(bench, index).await.as_deref() == Some(expected) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

fn main() {
    block_on(async {
        let bench = Bench::empty("unused: true\n").await;
        let remote = Remote::new(bench.dir.path());
        remote.commit(&manifest(SERVICES, 2, ""));
        let checkout = bench.dir.path().join("checkout");
        let mut child = tokio::process::Command::new(BINARY)
            .args([
                "run",
                "--git",
                &format!("file://{}", remote.bare.display()),
                "--branch",
                "main",
            ])
            .args([
                "--path",
                "bench.yml",
                "--git-interval",
                "1s",
                "--interval",
                "60s",
            ])
            .args([
                "--listen",
                "127.0.0.1:0",
                "--checkout-dir",
                &checkout.to_string_lossy(),
            ])
            .current_dir(bench.dir.path())
            .env("RAILWAY_API_URL", bench.sandbox.url())
            .env("RAILWAY_API_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("run --git starts");
        let last = SERVICES - 1;
        let first = converged_within(&bench, last, &format!("value-{last}-0")).await;
        println!(
            "run --git: first convergence of {SERVICES} services {}",
            first.map(millis).unwrap_or_else(|| "did not happen".into())
        );
        let mut one_service = Vec::new();
        let mut every_service = Vec::new();
        for commit in 1..=COMMITS {
            let suffix = format!("-c{commit}");
            let only_first = manifest(SERVICES, 2, "")
                .replace("\"value-0-0\"", &format!("\"value-0-0{suffix}\""));
            remote.commit(&only_first);
            match converged_within(&bench, 0, &format!("value-0-0{suffix}")).await {
                Some(took) => one_service.push(took),
                None => {
                    println!("commit {commit} (one service) did not converge within {WAIT_LIMIT:?}")
                }
            }
            remote.commit(&manifest(SERVICES, 2, &suffix));
            match converged_within(&bench, last, &format!("value-{last}-0{suffix}")).await {
                Some(took) => every_service.push(took),
                None => println!(
                    "commit {commit} (every service) did not converge within {WAIT_LIMIT:?}"
                ),
            }
        }
        child.kill().await.ok();
        for (label, samples) in [
            ("one variable of one service changed", one_service),
            ("every service's variables changed", every_service),
        ] {
            if samples.is_empty() {
                println!("{label}: no commit converged");
                continue;
            }
            let fastest = samples.iter().min().copied().unwrap_or_default();
            let slowest = samples.iter().max().copied().unwrap_or_default();
            println!(
                "commit pushed -> sandbox converged, {label} ({SERVICES} services, --git-interval 1s, --max-rps 5): median {} over {} commits (min {}, max {})",
                millis(median(samples.clone())),
                samples.len(),
                millis(fastest),
                millis(slowest),
            );
        }
    });
}
