//! Steady passes of `run` against the sandbox: a pass over unchanged projects costs the change
//! probe's requests only, and each kind of drift the snapshot sees moves the probe, so the
//! project is read whole and healed.

use crate::support;
use crate::support::controller;

use std::time::{Duration, Instant};

use controller::*;
use railway_operator::controller::source::SourceSpec;
use railway_operator::railway::probe::{ProbeMark, Prober};
use serde_json::{Value, json};
use support::*;

/// Passes recorded so far, over every project.
fn passes(running: &Running) -> u64 {
    running
        .status
        .read()
        .map(|s| s.metrics.reconciles.values().sum())
        .unwrap_or(0)
}

fn passes_of(running: &Running, project: &str) -> u64 {
    running
        .status
        .read()
        .map(|s| {
            s.metrics
                .reconciles
                .iter()
                .filter(|((p, _), _)| p == project)
                .map(|(_, n)| n)
                .sum()
        })
        .unwrap_or(0)
}

fn op_count(stats: &Value, operation: &str) -> u64 {
    stats["byOperation"][operation].as_u64().unwrap_or(0)
}

fn fleet(dir: &std::path::Path, projects: usize) -> String {
    let mut seed = String::from("projects:\n");
    for p in 0..projects {
        let name = format!("fleet-{p:02}");
        seed.push_str(&format!(
            "  - name: {name}\n    services:\n      - name: web\n        image: \"nginx:1\"\n        variables: {{ MODE: \"steady\" }}\n"
        ));
        std::fs::write(
            dir.join(format!("{name}.yml")),
            format!(
                "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: {name} }}\nspec:\n  environments: {{ production: {{}} }}\n  services:\n    web:\n      source: {{ image: \"nginx:1\" }}\n      variables: {{ MODE: \"steady\" }}\n"
            ),
        )
        .expect("manifest written");
    }
    seed
}

/// Runs `run` over 40 unchanged projects until a pass over all of them costs at most `goal`
/// requests; answers the costs seen and the last pass's counters.
async fn forty_projects_until(goal: u64, max_query_complexity: Option<usize>) -> (Vec<u64>, Value) {
    fleet_until(40, goal, 1, max_query_complexity).await
}

/// Runs `run` (3 s interval) over `projects` unchanged projects until `times` passes in a row over
/// all of them cost at most `goal` requests each; answers the costs seen and the last pass's
/// counters.
async fn fleet_until(
    projects: usize,
    goal: u64,
    times: usize,
    max_query_complexity: Option<usize>,
) -> (Vec<u64>, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifests = dir.path().join("fleet");
    std::fs::create_dir_all(&manifests).expect("dir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(&seed, fleet(&manifests, projects)).expect("seed");
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        seed_file: Some(seed),
        max_query_complexity,
        ..Default::default()
    })
    .await;
    let running = start(
        &sandbox,
        SourceSpec::Path(manifests),
        Duration::from_secs(3),
        false,
    )
    .await;
    let started = Instant::now();
    let mut costs = Vec::new();
    let mut in_a_row = 0;
    let each = projects as u64;
    // The first passes record the inventory and take the probe's first marks; then passes are steady.
    while started.elapsed() < Duration::from_secs(150) {
        reset_stats(&sandbox).await;
        let before = passes(&running);
        while passes(&running) < before + each {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let stats = stats(&sandbox).await;
        costs.push(total(&stats));
        in_a_row = if total(&stats) <= goal {
            in_a_row + 1
        } else {
            0
        };
        if costs.len() >= 4 && in_a_row >= times {
            running.stop().await;
            return (costs, stats);
        }
    }
    panic!(
        "passes over {projects} unchanged projects never got down to {goal} requests {times} times in a row: {costs:?}"
    );
}

#[tokio::test]
async fn passes_over_a_hundred_unchanged_projects_cost_at_most_five_requests_each() {
    // ceil(100 / 25) + 1: the projects drift apart no more, and a round fills its requests.
    let (costs, stats) = fleet_until(100, 5, 5, None).await;
    println!("requests per pass over 100 projects: {costs:?}; last: {stats}");
    assert_eq!(op_count(&stats, "ProjectSnapshot"), 0, "{stats}");
    assert!(op_count(&stats, "ProjectProbe") <= 4, "{stats}");
}

#[tokio::test]
async fn a_pass_over_forty_unchanged_projects_costs_at_most_three_requests() {
    let (costs, stats) = forty_projects_until(3, None).await;
    println!("requests per pass over 40 projects: {costs:?}; last: {stats}");
    assert_eq!(op_count(&stats, "ProjectSnapshot"), 0, "{stats}");
}

#[tokio::test]
async fn two_passes_over_forty_projects_read_the_list_once_and_each_project_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifests = dir.path().join("fleet");
    std::fs::create_dir_all(&manifests).expect("dir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(&seed, fleet(&manifests, 40)).expect("seed");
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        seed_file: Some(seed),
        ..Default::default()
    })
    .await;
    let running = start(
        &sandbox,
        SourceSpec::Path(manifests),
        Duration::from_secs(60),
        false,
    )
    .await;
    let started = Instant::now();
    // Each first pass writes the inventory; the probe right after it stands for the second
    // pass (60 s away otherwise), so no project is read whole twice.
    while passes(&running) < 80 {
        if started.elapsed() > Duration::from_secs(50) {
            let now = stats(&sandbox).await;
            panic!(
                "40 first and 40 second passes: {} passes; {now}",
                passes(&running)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = stats(&sandbox).await;
    running.stop().await;
    println!(
        "first and second pass over 40 projects: {} requests; {stats}",
        total(&stats)
    );
    assert_eq!(op_count(&stats, "TokenProjects"), 1, "{stats}");
    assert_eq!(op_count(&stats, "VariableCollectionUpsert"), 40, "{stats}");
    assert_eq!(op_count(&stats, "ProjectSnapshot"), 40, "{stats}");
}

#[tokio::test]
async fn a_probe_refused_as_too_complex_halves_its_batch_and_still_stands_for_the_passes() {
    // About 55 fields a project: 25 projects (~1,400) are refused, 12 (~660) pass, and so does
    // the full snapshot.
    let (costs, stats) = forty_projects_until(4, Some(800)).await;
    println!("requests per pass over 40 projects, 12 a probe: {costs:?}; last: {stats}");
    assert_eq!(op_count(&stats, "ProjectSnapshot"), 0, "{stats}");
    assert!(op_count(&stats, "ProjectProbe") >= 3, "{stats}");
}

/// Waits until a pass of `ctl` read the project whole again, then until the plan is empty.
async fn caught_and_healed(
    sandbox: &railway_operator::sandbox::Sandbox,
    running: &Running,
    file: &std::path::Path,
    what: &str,
    healed: bool,
) {
    let started = Instant::now();
    while op_count(&stats(sandbox).await, "ProjectSnapshot") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: the probe never moved"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = passes_of(running, "ctl");
    while passes_of(running, "ctl") < before + 1 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if healed {
        let started = Instant::now();
        while plan_exit(sandbox, file).await != 0 {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what}: never healed"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    println!("{what}: caught in {} ms", started.elapsed().as_millis());
}

/// Waits until passes of `ctl` cost no full read (the probe stands for them).
async fn steady(sandbox: &railway_operator::sandbox::Sandbox, running: &Running) {
    let started = Instant::now();
    loop {
        reset_stats(sandbox).await;
        let before = passes_of(running, "ctl");
        while passes_of(running, "ctl") < before + 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if op_count(&stats(sandbox).await, "ProjectSnapshot") == 0 {
            reset_stats(sandbox).await;
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never steady");
    }
}

#[tokio::test]
async fn each_kind_of_drift_moves_the_probe_and_is_healed() {
    let sandbox = sandbox().await;
    let (_dir, file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_millis(1000),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    steady(&sandbox, &running).await;

    set_mode(&sandbox, "drifted").await;
    caught_and_healed(&sandbox, &running, &file, "a variable", true).await;
    assert_eq!(mode(&sandbox).await, "a");
    steady(&sandbox, &running).await;

    let ids = ids(&sandbox).await;
    let changed = graphql(
        &sandbox,
        "mutation($s: String!, $e: String!) { serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: { startCommand: \"drifted\" }) }",
        json!({ "s": ids.service("api"), "e": ids.environment }),
    )
    .await;
    assert!(changed["errors"].is_null(), "{changed}");
    caught_and_healed(&sandbox, &running, &file, "a setting", true).await;
    steady(&sandbox, &running).await;

    set_variable(&sandbox, None, "SHARED_DRIFT", "x").await;
    caught_and_healed(&sandbox, &running, &file, "a shared variable", false).await;
    steady(&sandbox, &running).await;

    let domain = graphql(
        &sandbox,
        "mutation($s: String!, $e: String!) { serviceDomainCreate(input: { serviceId: $s, environmentId: $e }) { id } }",
        json!({ "s": ids.service("api"), "e": ids.environment }),
    )
    .await;
    assert!(domain["errors"].is_null(), "{domain}");
    caught_and_healed(&sandbox, &running, &file, "a domain", false).await;
    steady(&sandbox, &running).await;

    let proxy = graphql(
        &sandbox,
        "mutation($s: String!, $e: String!) { tcpProxyCreate(input: { serviceId: $s, environmentId: $e, applicationPort: 5432 }) { id } }",
        json!({ "s": ids.service("api"), "e": ids.environment }),
    )
    .await;
    assert!(proxy["errors"].is_null(), "{proxy}");
    caught_and_healed(&sandbox, &running, &file, "a TCP proxy", false).await;
    steady(&sandbox, &running).await;

    let deployed = graphql(
        &sandbox,
        "mutation($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
        json!({ "s": ids.service("worker"), "e": ids.environment }),
    )
    .await;
    assert!(deployed["errors"].is_null(), "{deployed}");
    caught_and_healed(&sandbox, &running, &file, "a deployment", false).await;
    steady(&sandbox, &running).await;

    let service = graphql(
        &sandbox,
        "mutation($p: String!) { serviceCreate(input: { projectId: $p, name: \"stray\" }) { id } }",
        json!({ "p": ids.project }),
    )
    .await;
    assert!(service["errors"].is_null(), "{service}");
    caught_and_healed(&sandbox, &running, &file, "a new service", false).await;
    steady(&sandbox, &running).await;

    let environment = graphql(
        &sandbox,
        "mutation($p: String!) { environmentCreate(input: { projectId: $p, name: \"stray\" }) { id } }",
        json!({ "p": ids.project }),
    )
    .await;
    assert!(environment["errors"].is_null(), "{environment}");
    caught_and_healed(&sandbox, &running, &file, "a new environment", false).await;
    running.stop().await;
}

#[tokio::test]
async fn under_a_request_budget_a_window_of_100_projects_stays_under_it_and_drift_is_healed() {
    // `--request-budget 1000/h` with the hour shortened to 30 s, and passes every 250 ms: the
    // budget, not the interval, sets the pace (unpaced, this interval would send over 2,000).
    let window = Duration::from_secs(30);
    let dir = tempfile::tempdir().expect("tempdir");
    let manifests = dir.path().join("fleet");
    std::fs::create_dir_all(&manifests).expect("dir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(&seed, fleet(&manifests, 100)).expect("seed");
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        seed_file: Some(seed),
        ..Default::default()
    })
    .await;
    let mut config = run_config(
        SourceSpec::Path(manifests),
        Duration::from_millis(250),
        true,
    );
    config.request_budget = Some(
        railway_operator::controller::budget::BudgetSpec::parse(&format!(
            "1000/{}s",
            window.as_secs()
        ))
        .expect("budget"),
    );
    let started = Instant::now();
    let running = start_with(&sandbox, config).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    set_variable(&sandbox, Some("web"), "MODE", "drifted").await;
    let drifted = Instant::now();
    while read_variables(&sandbox, Some("web")).await["MODE"] != "steady" {
        assert!(
            started.elapsed() < window,
            "the drift was not healed within the window"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let healed = drifted.elapsed();
    tokio::time::sleep(window.saturating_sub(started.elapsed())).await;
    let stats = stats(&sandbox).await;
    // The test's own reads and writes count too: at most a few dozen.
    let used = total(&stats);
    let page = http_text(&running, "/").await;
    let metrics = http_text(&running, "/metrics").await;
    println!(
        "budget window: {used} requests; drift healed in {} ms; {stats}",
        healed.as_millis()
    );
    assert!(used < 1000, "{used} requests in one budget window: {stats}");
    assert!(
        page.contains("Request budget: <strong>1,000 requests per 30s</strong>"),
        "{page}"
    );
    assert!(
        metrics.contains("railway_operator_request_budget_used_ratio"),
        "{metrics}"
    );
    running.stop().await;
}

#[tokio::test]
async fn the_first_blackroad_run_on_the_sandbox_logs_no_retry_or_rate_limit_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/blackroad.yml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args([
            "--sandbox",
            "run",
            "--once",
            "-f",
            &manifest.to_string_lossy(),
        ])
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("RAILWAY_API_TOKEN")
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_OPERATOR_REQUEST_BUDGET")
        .output()
        .expect("the binary runs");
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{logs}");
    for line in logs.lines() {
        let lower = line.to_ascii_lowercase();
        assert!(
            !(line.contains("WARN")
                && (lower.contains("retrying") || lower.contains("rate limit"))),
            "{line}"
        );
    }
    let spacing = logs
        .lines()
        .filter(|l| l.contains("spacing VolumeCreate"))
        .count();
    assert!(
        spacing <= 1,
        "one INFO line says why volume creates wait:\n{logs}"
    );
}

/// The probe's mark of the sandbox's one project.
async fn mark(sandbox: &railway_operator::sandbox::Sandbox, id: &str) -> ProbeMark {
    let prober = Prober::default();
    let (marks, requests) = prober.probe(&client_for(sandbox), &[id.to_string()]).await;
    assert_eq!(requests, 1);
    marks.expect("probe").remove(id).expect("a mark")
}

#[tokio::test]
async fn volume_mounts_usage_and_backup_schedules_move_the_probe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(
        &seed,
        "projects:\n  - name: vol\n    services:\n      - name: db\n        image: postgres:16\n        volume: { mountPath: /data, sizeMB: 5000, currentSizeMB: 100 }\n",
    )
    .expect("seed");
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        seed_file: Some(seed),
        ..Default::default()
    })
    .await;
    let ids = ids(&sandbox).await;
    let project = ids.project.as_str().expect("id").to_string();
    let volumes = graphql(
        &sandbox,
        "query($e: String!) { environment(id: $e) { volumeInstances { edges { node { id volumeId } } } } }",
        json!({ "e": ids.environment }),
    )
    .await;
    let node = &volumes["data"]["environment"]["volumeInstances"]["edges"][0]["node"];
    let (instance, volume) = (node["id"].clone(), node["volumeId"].clone());
    let mut last = mark(&sandbox, &project).await;
    assert!(matches!(last, ProbeMark::Seen(_)), "{last:?}");
    assert_eq!(mark(&sandbox, &project).await, last, "nothing moved");

    let moved = graphql(
        &sandbox,
        "mutation($v: String!, $e: String!, $s: String!) { volumeInstanceUpdate(volumeId: $v, environmentId: $e, input: { mountPath: \"/elsewhere\", serviceId: $s }) }",
        json!({ "v": volume, "e": ids.environment, "s": ids.service("db") }),
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let now = mark(&sandbox, &project).await;
    assert_ne!(now, last, "a volume's mount path");
    last = now;

    let usage = reqwest::Client::new()
        .post(format!("{}/_sandbox/volumes/usage", sandbox.base_url()))
        .body(format!("{}=4000", instance.as_str().unwrap_or_default()))
        .send()
        .await
        .expect("usage set");
    assert!(usage.status().is_success());
    let now = mark(&sandbox, &project).await;
    assert_ne!(now, last, "a volume's usage");
    last = now;

    let scheduled = graphql(
        &sandbox,
        "mutation($i: String!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: $i, kinds: [DAILY]) }",
        json!({ "i": instance }),
    )
    .await;
    assert!(scheduled["errors"].is_null(), "{scheduled}");
    assert_ne!(mark(&sandbox, &project).await, last, "a backup schedule");
}
