//! Steady passes over many projects: N projects of 5 services each, seeded into the sandbox and
//! watched by the real binary's `run`. Prints the requests of a pass over every project with
//! nothing changed, the requests of a pass with 1 % of the projects drifted, the time from drift
//! to healed, the binary's peak memory, and from these the projects one Pro token (10,000
//! requests/hour, R40) can watch at a 60 s interval. Prints figures only; asserts only that the
//! drift was healed.
//!
//! `STEADY_PROJECTS` (default `40,1000`) and `STEADY_INTERVAL_SECS` (default 10; requests per
//! pass do not depend on it) size the run; `STEADY_READY_SECS` bounds the first pass over all
//! (default 1800); `STEADY_BINARY` names another build to measure.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const SERVICES: usize = 5;
const PRO_BUDGET_PER_HOUR: f64 = 10_000.0;
/// The bench's own requests carry this operation name and are left out of the figures.
const OWN: &str = "BenchProbe";

fn project_name(i: usize) -> String {
    format!("fleet-{i:04}")
}

fn seed(projects: usize) -> String {
    let mut text = String::from("projects:\n");
    for p in 0..projects {
        text.push_str(&format!("  - name: {}\n    services:\n", project_name(p)));
        for s in 0..SERVICES {
            text.push_str(&format!(
                "      - name: svc-{s}\n        image: \"nginx:1.{s}\"\n        variables: {{ MODE: \"steady\" }}\n"
            ));
        }
    }
    text
}

fn manifest(p: usize) -> String {
    let mut text = format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: {}\nspec:\n  environments:\n    production: {{}}\n  services:\n",
        project_name(p)
    );
    for s in 0..SERVICES {
        text.push_str(&format!(
            "    svc-{s}:\n      source: {{ image: \"nginx:1.{s}\" }}\n      variables: {{ MODE: \"steady\" }}\n"
        ));
    }
    text
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn gql(bench: &Bench, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(bench.sandbox.url())
        .bearer_auth(TOKEN)
        .json(&json!({ "query": query, "variables": variables, "operationName": OWN }))
        .send()
        .await
        .expect("sandbox answers")
        .json()
        .await
        .expect("JSON")
}

/// (project id, environment id, first service id) of each project, by name.
async fn ids(bench: &Bench) -> Vec<(String, Value, Value, Value)> {
    let data = gql(
        bench,
        "query BenchProbe { projects(first: 5000) { edges { node { id name environments { edges { node { id } } } services { edges { node { id } } } } } } }",
        json!({}),
    )
    .await;
    data["data"]["projects"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let n = &e["node"];
                    (
                        n["name"].as_str().unwrap_or_default().to_string(),
                        n["id"].clone(),
                        n["environments"]["edges"][0]["node"]["id"].clone(),
                        n["services"]["edges"][0]["node"]["id"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn mode_of(bench: &Bench, ids: &(String, Value, Value, Value)) -> String {
    let data = gql(
        bench,
        "query BenchProbe($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        json!({ "p": ids.1, "e": ids.2, "s": ids.3 }),
    )
    .await;
    data["data"]["variables"]["MODE"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn metrics_sum(url: &str, family: &str) -> f64 {
    let Ok(response) = reqwest::get(format!("{url}/metrics")).await else {
        return 0.0;
    };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(family))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Requests of the binary (the bench's own left out) since the last reset.
async fn operator_requests(bench: &Bench) -> (u64, String) {
    let stats = bench.stats().await;
    let own = stats["byOperation"][OWN].as_u64().unwrap_or(0);
    let mut ops = stats.clone();
    if let Some(map) = ops["byOperation"].as_object_mut() {
        map.remove(OWN);
    }
    (total(&stats) - own, by_operation(&ops))
}

fn peak_memory_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Requests per pass over all `projects` during `window`, counted from the sandbox and the
/// operator's own pass counter.
async fn measure(bench: &Bench, url: &str, projects: usize, window: Duration) -> (f64, String) {
    bench.reset_stats().await;
    let passes_before = metrics_sum(url, "railway_operator_reconciles_total").await;
    tokio::time::sleep(window).await;
    let (requests, ops) = operator_requests(bench).await;
    let passes = metrics_sum(url, "railway_operator_reconciles_total").await - passes_before;
    let rounds = (passes / projects as f64).max(f64::EPSILON);
    (requests as f64 / rounds, ops)
}

async fn one_size(projects: usize, interval: u64) {
    let bench = Bench::seeded("", &seed(projects)).await;
    let dir = bench.dir.path().join("fleet");
    std::fs::create_dir_all(&dir).expect("dir");
    for p in 0..projects {
        std::fs::write(dir.join(format!("{}.yml", project_name(p))), manifest(p)).expect("write");
    }
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    // `STEADY_BINARY` measures another build (e.g. the one before this change) on the same bench.
    let binary = std::env::var("STEADY_BINARY").unwrap_or_else(|_| BINARY.to_string());
    let mut child = tokio::process::Command::new(binary)
        .args(["run", "-f", &dir.to_string_lossy()])
        .args(["--interval", &format!("{interval}s"), "--concurrency", "8"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .current_dir(bench.dir.path())
        .env("RAILWAY_API_URL", bench.sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env("RUST_LOG", "error")
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_WORKSPACE_ID")
        .env_remove("RAILWAY_OPERATOR_REQUEST_BUDGET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let pid = child.id().unwrap_or(0);
    let started = Instant::now();
    loop {
        let ready = reqwest::get(format!("{url}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        assert!(started.elapsed() < ready_limit(), "never ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let first = started.elapsed();
    eprintln!("{projects} projects: first pass over all in {first:?}");
    // The first passes record the inventory, so each project gets a second full pass (after
    // every project's first); the passes after that are steady: wait for an interval without a
    // full read.
    loop {
        bench.reset_stats().await;
        tokio::time::sleep(Duration::from_secs(interval)).await;
        let stats = bench.stats().await;
        if stats["byOperation"]["ProjectSnapshot"]
            .as_u64()
            .unwrap_or(0)
            == 0
        {
            break;
        }
        assert!(started.elapsed() < ready_limit() * 2, "never steady");
    }
    eprintln!(
        "{projects} projects: steady {:?} after the start",
        started.elapsed()
    );
    let window = Duration::from_secs(interval * 3);
    let (unchanged, unchanged_ops) = measure(&bench, &url, projects, window).await;
    eprintln!("{projects} projects: {unchanged:.1} requests per unchanged pass");

    let all = ids(&bench).await;
    let drifted: Vec<_> = all.iter().take((projects / 100).max(1)).cloned().collect();
    for target in &drifted {
        gql(
            &bench,
            "mutation BenchProbe($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
            json!({ "i": { "projectId": target.1, "environmentId": target.2, "serviceId": target.3,
                           "name": "MODE", "value": "drifted", "skipDeploys": true } }),
        )
        .await;
    }
    let drift_at = Instant::now();
    eprintln!("{} projects drifted", drifted.len());
    let measuring = measure(&bench, &url, projects, window);
    let healing = async {
        let mut healed = Duration::ZERO;
        for target in &drifted {
            while mode_of(&bench, target).await != "steady" {
                assert!(
                    drift_at.elapsed() < Duration::from_secs(600),
                    "never healed"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            healed = drift_at.elapsed();
        }
        healed
    };
    let ((with_drift, drift_ops), healed) = tokio::join!(measuring, healing);
    let peak = peak_memory_kb(pid);
    let _ = child.kill().await;
    let per_project = unchanged / projects as f64;
    let watchable = PRO_BUDGET_PER_HOUR / (per_project * 60.0);
    println!(
        "| {projects} | {unchanged:.1} ({unchanged_ops}) | {with_drift:.1} ({drift_ops}) | {} | {:.1} MB | {:.0} s | {watchable:.0} |",
        millis(healed),
        peak as f64 / 1024.0,
        first.as_secs_f64(),
    );
}

/// How long the first pass over all projects may take (`STEADY_READY_SECS`, default 1800: 1,000
/// projects take about 15 minutes in the debug build on 2 shared cores).
fn ready_limit() -> Duration {
    let secs = std::env::var("STEADY_READY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1800);
    Duration::from_secs(secs)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("STEADY_PROJECTS")
        .unwrap_or_else(|_| "40,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let interval: u64 = std::env::var("STEADY_INTERVAL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    block_on(async {
        println!(
            "| projects × {SERVICES} services | requests per unchanged pass | requests per pass, 1 % drifted | drift → healed | peak memory | first pass over all | projects per Pro token at 60 s |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|");
        for projects in sizes {
            one_size(projects, interval).await;
        }
    });
}
