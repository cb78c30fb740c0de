//! Chaos: `apply` under a seeded mix of 20% faults (HTTP 500 and 502 pages, connection resets,
//! responses lost after commit, Railway's "Problem processing request") converges within a few
//! runs, never duplicates anything, and every failed run says what was and was not applied.

use crate::support;
use crate::support::chaos;

use std::time::{Duration, Instant};

use chaos::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use support::*;

const BLACKROAD: &str = "manifests/blackroad.yml";
const MAX_RUNS: usize = 8;

async fn chaotic_sandbox(seed: u64) -> Sandbox {
    sandbox_with(SandboxConfig {
        faults: MIXED_FAULTS.parse().expect("fault spec"),
        fault_seed: seed,
        ..SandboxConfig::default()
    })
    .await
}

/// Applies until success under faults, then checks the failed runs' reports, the plan and the
/// absence of duplicates with faults off.
/// `min_faults`: how many faults the seed must inject for the run to prove anything.
async fn converges_without_duplicates(sandbox: &Sandbox, file: &str, label: &str, min_faults: u64) {
    let started = Instant::now();
    let attempts = apply_until_success(
        sandbox,
        file,
        &["--timeout-secs", "2", "--retry-for-secs", "20"],
        MAX_RUNS,
    )
    .await;
    let faulted = stats(sandbox).await;
    println!(
        "{label}: {} apply run(s) in {:.1} s, {} request(s) seen by the sandbox, faults injected: {}",
        attempts.len(),
        started.elapsed().as_secs_f64(),
        total(&faulted),
        faulted["faults"]
    );
    for (run, attempt) in attempts.iter().enumerate() {
        let first_error = attempt
            .stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("");
        println!("  run {}: exit {} {first_error}", run + 1, attempt.code);
    }
    let injected: u64 = faulted["faults"]
        .as_object()
        .map(|kinds| kinds.values().filter_map(|n| n.as_u64()).sum())
        .unwrap_or(0);
    assert!(
        injected >= min_faults,
        "{label}: the seed must inject faults for the test to mean anything: {}",
        faulted["faults"]
    );
    let last = attempts.last().expect("at least one run");
    assert_eq!(
        last.code, 0,
        "{label}: apply did not converge in {MAX_RUNS} runs; last stderr:\n{}",
        last.stderr
    );
    for attempt in attempts.iter().filter(|a| a.code != 0) {
        assert!(
            attempt.stderr.contains("applied before the failure:")
                && attempt.stderr.contains("not applied:"),
            "{label}: a failed run must say what was and was not applied:\n{}",
            attempt.stderr
        );
    }
    clear_faults(sandbox).await;
    let (code, out, err) = cli(sandbox, &["plan", "-f", file, "--detailed-exitcode"]).await;
    assert_eq!(
        code, 0,
        "{label}: no changes left after convergence\n{out}\n{err}"
    );
    let duplicates = duplicates(sandbox).await;
    println!("{label}: duplicates {duplicates:?}");
    assert!(duplicates.none(), "{label}: duplicates {duplicates:#?}");
}

#[tokio::test]
async fn blackroad_converges_under_twenty_percent_mixed_faults_without_duplicates() {
    let sandbox = chaotic_sandbox(7).await;
    converges_without_duplicates(&sandbox, BLACKROAD, "blackroad", 3).await;
    let mut services = service_names(&sandbox, "blackroad-os").await;
    services.sort();
    assert_eq!(services, vec!["blackroad-backend", "postgres", "redis"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fifty_services_converge_under_twenty_percent_mixed_faults_without_duplicates() {
    let sandbox = chaotic_sandbox(50).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_manifest(dir.path(), "fifty.yml", &services_manifest("fifty", 50));
    converges_without_duplicates(&sandbox, &file, "50 services", 10).await;
    assert_eq!(service_names(&sandbox, "fifty").await.len(), 50);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn responses_slower_than_the_client_timeout_still_converge_without_duplicates() {
    let sandbox = sandbox_with(SandboxConfig {
        faults: "*=slow@0.1".parse().expect("fault spec"),
        fault_seed: 3,
        slow_delay: Duration::from_secs(3),
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_manifest(dir.path(), "five.yml", &services_manifest("slow", 5));
    converges_without_duplicates(&sandbox, &file, "slow responses", 1).await;
    assert_eq!(service_names(&sandbox, "slow").await.len(), 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failed_runs_say_what_was_and_was_not_applied_and_a_rerun_finishes_the_job() {
    // Faults heavy enough, and a retry budget short enough, that some runs give up.
    let sandbox = sandbox_with(SandboxConfig {
        faults: "serviceCreate=error500@0.25".parse().expect("fault spec"),
        fault_seed: 11,
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_manifest(dir.path(), "twenty.yml", &services_manifest("gives-up", 20));
    let attempts = apply_until_success(
        &sandbox,
        &file,
        &["--timeout-secs", "2", "--retry-for-secs", "0"],
        15,
    )
    .await;
    let failed: Vec<&Attempt> = attempts.iter().filter(|a| a.code != 0).collect();
    println!(
        "{} run(s), {} failed before converging",
        attempts.len(),
        failed.len()
    );
    assert!(
        !failed.is_empty(),
        "the faults must make at least one run fail"
    );
    let last = attempts.last().expect("a run");
    assert_eq!(last.code, 0, "converges within 15 runs:\n{}", last.stderr);
    for attempt in failed {
        let read_failed = attempt.stderr.contains("cannot read the live project");
        assert!(
            read_failed
                || (attempt.stderr.contains("applied before the failure:")
                    && attempt.stderr.contains("not applied:")),
            "a failed run says what was and was not applied:\n{}",
            attempt.stderr
        );
    }
    clear_faults(&sandbox).await;
    let duplicates = duplicates(&sandbox).await;
    assert!(duplicates.none(), "duplicates {duplicates:#?}");
    sandbox.shutdown().await;
}
