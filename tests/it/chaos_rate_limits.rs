//! Rate limits: with Railway Hobby's 10 requests per second and 1000 per hour, the operator
//! applies 50 services to completion and a steady `run` stays well inside the hourly budget.

use crate::support;
use crate::support::chaos;

use chaos::*;
use railway_operator::sandbox::SandboxConfig;
use support::*;

const HOURLY_LIMIT: u64 = 1000;
/// Passes per hour at `run`'s default 60 s interval.
const PASSES_PER_HOUR: u64 = 60;

fn rate_limited(stats: &serde_json::Value) -> u64 {
    stats["rateLimited"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn fifty_services_apply_under_hobby_limits_and_a_steady_run_fits_the_hourly_budget() {
    let sandbox = sandbox_with(SandboxConfig {
        rate_limit_per_second: Some(10),
        rate_limit_per_hour: Some(HOURLY_LIMIT as u32),
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_manifest(dir.path(), "fifty.yml", &services_manifest("limits", 50));

    let started = std::time::Instant::now();
    // Paced just under Hobby's 10/s, as a user would set --max-rps for a big first apply.
    let (code, out, err) = cli_env(
        &sandbox,
        &["apply", "-f", &file],
        dir.path(),
        &[("RAILWAY_OPERATOR_MAX_RPS", "8")],
    )
    .await;
    let applied = stats(&sandbox).await;
    println!(
        "apply of 50 services: {} request(s), {} answered 429, {:.1} s",
        total(&applied),
        rate_limited(&applied),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(code, 0, "apply completes under the limits\n{out}\n{err}");
    assert_eq!(
        rate_limited(&applied),
        0,
        "a paced apply meets no 429: {applied}"
    );
    assert!(
        total(&applied) - rate_limited(&applied) < HOURLY_LIMIT,
        "the first apply fits the hourly budget: {applied}"
    );

    let mut per_pass = Vec::new();
    for _ in 0..2 {
        reset_stats(&sandbox).await;
        let (code, out, err) = cli(
            &sandbox,
            &["run", "--once", "--log-format", "text", "-f", &file],
        )
        .await;
        assert_eq!(code, 0, "a steady pass is in sync\n{out}\n{err}");
        let pass = stats(&sandbox).await;
        println!(
            "run --once: {} request(s), {} answered 429",
            total(&pass),
            rate_limited(&pass)
        );
        per_pass.push(total(&pass));
    }
    let worst = per_pass.iter().copied().max().unwrap_or(0);
    println!(
        "steady state: {worst} request(s) per pass x {PASSES_PER_HOUR} passes per hour = {} of {HOURLY_LIMIT}",
        worst * PASSES_PER_HOUR
    );
    assert!(
        worst * PASSES_PER_HOUR < HOURLY_LIMIT,
        "a steady run at the default interval stays under the hourly limit: {per_pass:?}"
    );
    sandbox.shutdown().await;
}
