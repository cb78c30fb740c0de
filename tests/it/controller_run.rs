//! The `run` controller end to end against the sandbox: convergence, following edits, drift in
//! both policies, backoff and recovery, Git revisions, HTTP endpoints, and idle cost.

use crate::support;
use crate::support::browser;
use crate::support::controller;

use std::fs;
use std::time::{Duration, Instant};

use controller::*;
use railway_operator::controller::source::SourceSpec;
use support::*;

#[tokio::test]
async fn run_converges_a_fresh_sandbox_and_follows_edits_of_the_manifest() {
    let sandbox = sandbox().await;
    let (_dir, file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_secs(60),
        false,
    )
    .await;
    let took = running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    println!("fresh sandbox converged in {} ms", took.as_millis());
    assert_eq!(plan_exit(&sandbox, &file).await, 0);
    let first = running
        .project("ctl")
        .and_then(|p| p.last_applied_revision)
        .expect("revision");
    fs::write(&file, manifest(2, "self-heal", "a")).expect("edit");
    let took = running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status && p.last_applied_revision.as_deref() != Some(first.as_str())
        })
        .await;
    println!(
        "manifest edit converged in {} ms (interval 60 s)",
        took.as_millis()
    );
    assert_eq!(plan_exit(&sandbox, &file).await, 0);
    assert_eq!(running.stop().await, 0);
}

#[tokio::test]
async fn drift_is_restored_within_one_interval_in_self_heal() {
    let sandbox = sandbox().await;
    let (_dir, _file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "wanted"),
        Duration::from_secs(2),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    set_mode(&sandbox, "drifted").await;
    let started = Instant::now();
    while mode(&sandbox).await != "wanted" {
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "not restored within one interval (+ jitter)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "drift restored after {} ms (interval 2 s)",
        started.elapsed().as_millis()
    );
    running.stop().await;
}

#[tokio::test]
async fn drift_is_only_reported_in_report_mode() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    fs::write(&file, manifest(1, "report", "wanted")).expect("write");
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file.to_string_lossy()]).await;
    assert_eq!(code, 0, "{out}{err}");
    set_mode(&sandbox, "drifted").await;
    reset_stats(&sandbox).await;
    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(1),
        true,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.reason == "DriftDetected" && !p.drift.is_empty()
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert!(
        project
            .drift
            .iter()
            .any(|d| d.details.iter().any(|l| l.contains("MODE"))),
        "{:?}",
        project.drift
    );
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_drift{project=\"ctl\"} 1"),
        "{metrics}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mode(&sandbox).await, "drifted", "report mode never writes");
    let stats = stats(&sandbox).await;
    let writes: u64 = stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter() // The operator's reads, and this test's own raw queries (root field names, lowercase).
                .filter(|(k, _)| {
                    ![
                        "TokenProjects",
                        "Projects",
                        "ProjectSnapshot",
                        "ProjectProbe",
                    ]
                    .contains(&k.as_str())
                        && !k.starts_with(|c: char| c.is_lowercase())
                })
                .filter_map(|(_, v)| v.as_u64())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(writes, 0, "{stats}");
    running.stop().await;
}

#[tokio::test]
async fn the_operator_backs_off_while_railway_refuses_and_recovers_by_itself() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    fs::write(&file, manifest(1, "self-heal", "a")).expect("write");
    let http = reqwest::Client::new();
    let faults = format!("{}/_sandbox/faults", sandbox.base_url());
    http.post(&faults)
        .body("*=error500")
        .send()
        .await
        .expect("faults on");
    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(8),
        false,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let first_half = total(&stats(&sandbox).await);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let second_half = total(&stats(&sandbox).await) - first_half;
    println!(
        "requests while refused: {first_half} in the first 4 s, {second_half} in the next 4 s"
    );
    assert!(
        second_half <= first_half,
        "backoff: {first_half} then {second_half}"
    );
    assert!(
        running
            .project("ctl")
            .is_some_and(|p| !p.conditions.ready.status)
    );
    http.post(&faults)
        .body("")
        .send()
        .await
        .expect("faults off");
    let took = running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    println!(
        "recovered {} ms after the sandbox answered again",
        took.as_millis()
    );
    assert_eq!(plan_exit(&sandbox, &file).await, 0);
    running.stop().await;
}

#[tokio::test]
async fn an_idle_controller_costs_at_most_two_requests_per_project_per_interval() {
    let sandbox = sandbox().await;
    let (_dir, _file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_secs(1),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let passes_before = running.project("ctl").map_or(0, |p| p.history.len());
    reset_stats(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let requests = total(&stats(&sandbox).await);
    let passes = running
        .project("ctl")
        .map_or(0, |p| p.history.len())
        .saturating_sub(passes_before)
        .max(1);
    println!("idle: {requests} requests over {passes} passes (interval 1 s)");
    assert!(
        requests as usize <= 2 * (passes + 1),
        "{requests} requests for {passes} passes"
    );
    running.reconcile_now.request(false);
    running.stop().await;
}

#[tokio::test]
async fn an_invalid_manifest_keeps_the_last_good_one_in_force_and_stalls() {
    let sandbox = sandbox().await;
    let (_dir, file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_secs(60),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    let good = running
        .project("ctl")
        .and_then(|p| p.last_applied_revision)
        .expect("revision");
    reset_stats(&sandbox).await;
    fs::write(
        &file,
        manifest(1, "self-heal", "a").replace("replicas: 1", "replicas: lots"),
    )
    .expect("break it");
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.stalled.reason == "InvalidManifest"
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert_eq!(
        project.last_applied_revision.as_deref(),
        Some(good.as_str())
    );
    assert_ne!(
        project.last_attempted_revision.as_deref(),
        Some(good.as_str())
    );
    assert!(
        project
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("ctl.yml:")),
        "{:?}",
        project.last_error
    );
    assert_eq!(
        total(&stats(&sandbox).await),
        0,
        "an invalid manifest sends nothing"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_git_source_applies_each_new_commit_and_stalls_on_an_invalid_one() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (bare, work) = git_remote(dir.path());
    let first = commit(&work, &manifest(1, "self-heal", "a"), "first");
    let running = start(
        &sandbox,
        SourceSpec::Git {
            url: format!("file://{}", bare.display()),
            branch: "main".into(),
            path: "ctl.yml".into(),
            interval: Duration::from_secs(1),
            checkout_dir: dir.path().join("checkout"),
        },
        Duration::from_secs(60),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.last_applied_revision.as_deref() == Some(first.as_str())
        })
        .await;
    let second = commit(&work, &manifest(2, "self-heal", "a"), "two replicas");
    let took = running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.last_applied_revision.as_deref() == Some(second.as_str()) && p.conditions.ready.status
        })
        .await;
    println!(
        "commit to converged sandbox: {} ms (git interval 1 s)",
        took.as_millis()
    );
    reset_stats(&sandbox).await;
    let bad = commit(
        &work,
        &manifest(3, "self-heal", "a").replace("drift: self-heal", "drift: sometimes"),
        "broken",
    );
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.last_attempted_revision.as_deref() == Some(bad.as_str())
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert!(
        project.conditions.stalled.status,
        "{:?}",
        project.conditions
    );
    assert_eq!(project.conditions.stalled.reason, "InvalidManifest");
    assert_eq!(
        project.last_applied_revision.as_deref(),
        Some(second.as_str())
    );
    let stats = stats(&sandbox).await;
    assert_eq!(
        count(&stats, "EnvironmentPatchCommit"),
        0,
        "live state untouched: {stats}"
    );
    running.stop().await;
}

#[tokio::test]
async fn the_http_endpoints_and_the_status_page_show_projects_services_and_drift() {
    let sandbox = sandbox().await;
    // `worker` builds from a repository with PR environments on, and a pull request is open.
    let with_previews = |mode: &str| {
        manifest(1, "report", mode).replace(
            "source: { image: \"worker:1\" }\n",
            "source: { repo: acme/shop, branch: main }\n  previews: { enabled: true }\n",
        )
    };
    let applied = tempfile::tempdir().expect("tempdir");
    let first = applied.path().join("ctl.yml");
    fs::write(&first, with_previews("other")).expect("write");
    let (code, out, err) = cli(&sandbox, &["apply", "-f", &first.to_string_lossy()]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    pull_request_opened(&sandbox, 42, "feat/<b>x</b>").await;
    let (_dir, _file, running) = run_manifest(
        &sandbox,
        &with_previews("wanted"),
        Duration::from_secs(1),
        true,
    )
    .await;
    let url = running.http_url.clone().expect("http");
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            !p.drift.is_empty() && !p.previews.is_empty()
        })
        .await;
    let get = |path: &str| {
        let url = format!("{url}{path}");
        async move { reqwest::get(url).await.expect("answers") }
    };
    assert_eq!(get("/healthz").await.status(), 200);
    assert_eq!(get("/readyz").await.status(), 200);
    let status: serde_json::Value = get("/status").await.json().await.expect("json");
    assert_eq!(
        status["projects"]["ctl"]["conditions"]["ready"]["reason"], "DriftDetected",
        "{status}"
    );
    assert_eq!(
        status["projects"]["ctl"]["previews"][0]["prNumber"], 42,
        "{status}"
    );
    let metrics = get("/metrics").await.text().await.expect("text");
    assert!(
        metrics.contains("railway_operator_reconciles_total{project=\"ctl\""),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "railway_operator_api_requests_total{operation=\"TokenProjects\",outcome=\"ok\"}"
        ),
        "{metrics}"
    );
    let page = get("/").await.text().await.expect("html");
    for expected in [
        "ctl",
        "api",
        "worker",
        "service.api[production]",
        "#42",
        "feat/&lt;b&gt;x&lt;/b&gt;",
        "acme/shop",
    ] {
        assert!(page.contains(expected), "page lacks {expected}");
    }
    match browser::find_chromium() {
        Some(chromium) => {
            let dom = browser::dump_dom(&chromium, &format!("{url}/"))
                .await
                .expect("chromium renders the page");
            for expected in [
                "ctl",
                "api",
                "worker",
                "service.api[production]",
                "MODE",
                "PR environments",
                "#42",
            ] {
                assert!(dom.contains(expected), "the rendered page lacks {expected}");
            }
        }
        None => eprintln!(
            "*** SKIPPED: no Chromium; the live status page was not checked in a browser ***"
        ),
    }
    let before = running.project("ctl").map_or(0, |p| p.history.len());
    let posted = reqwest::Client::new()
        .post(format!("{url}/reconcile"))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 202);
    running
        .wait_for("ctl", Duration::from_secs(10), |p| p.history.len() > before)
        .await;
    running.stop().await;
}

#[tokio::test]
async fn a_suspended_project_is_observed_and_reported_but_never_written() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ctl.yml");
    let suspended = manifest(1, "self-heal", "a").replace(
        "policy: { drift: self-heal }",
        "policy: { drift: self-heal, suspend: true }",
    );
    fs::write(&file, suspended).expect("write");
    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(1),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.reason == "DriftDetected"
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert!(project.suspended);
    assert!(
        project.conditions.ready.message.contains("suspends writes"),
        "{:?}",
        project.conditions.ready
    );
    assert!(
        project_services(&sandbox).await.is_empty(),
        "nothing was created"
    );
    running.stop().await;
}

#[tokio::test]
async fn the_rate_limit_budget_railway_reports_is_visible_in_status_and_metrics() {
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        rate_limit_per_second: Some(50),
        ..Default::default()
    })
    .await;
    let (_dir, _file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_secs(60),
        true,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    let remaining = running
        .status
        .read()
        .ok()
        .and_then(|s| s.rate_limit.remaining);
    assert!(remaining.is_some_and(|r| r < 50), "{remaining:?}");
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_rate_limit_remaining "),
        "{metrics}"
    );
    running.stop().await;
}

#[tokio::test]
async fn one_failing_project_does_not_hold_up_the_others() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a-good.yml"), manifest(1, "self-heal", "a")).expect("write");
    let pinned_nowhere = manifest(1, "self-heal", "a").replace(
        "metadata: { name: ctl }",
        "metadata: { name: lost, id: 0b7c6a0e-5f4d-4c2b-9a1e-3d2f1e0c9b8a }",
    );
    fs::write(dir.path().join("b-lost.yml"), pinned_nowhere).expect("write");
    let running = start(
        &sandbox,
        SourceSpec::Path(dir.path().to_path_buf()),
        Duration::from_secs(60),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    running
        .wait_for("lost", Duration::from_secs(20), |p| p.last_error.is_some())
        .await;
    let lost = running.project("lost").expect("status");
    assert!(
        lost.last_error
            .as_deref()
            .is_some_and(|e| e.contains("metadata.id")),
        "{lost:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn r17_staged_changes_hold_run_and_the_project_says_why_it_is_not_ready() {
    let sandbox = sandbox().await;
    let (_dir, file, running) = run_manifest(
        &sandbox,
        &manifest(1, "self-heal", "a"),
        Duration::from_secs(60),
        false,
    )
    .await;
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.status
        })
        .await;
    // Someone stages a change in the dashboard and does not commit it.
    stage_dashboard_edit(
        &sandbox,
        "api",
        serde_json::json!({ "deploy": { "startCommand": "./staged" } }),
    )
    .await;
    reset_stats(&sandbox).await;
    fs::write(&file, manifest(1, "self-heal", "b")).expect("edit");
    running
        .wait_for("ctl", Duration::from_secs(20), |p| {
            p.conditions.ready.reason == "StagedChangesHeld"
        })
        .await;
    let project = running.project("ctl").expect("status");
    assert!(!project.conditions.ready.status);
    assert!(
        project.conditions.ready.message.contains("production"),
        "{:?}",
        project.conditions.ready
    );
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 0, "held: {stats}");
    assert_eq!(count(&stats, "EnvironmentPatchCommitStaged"), 0, "{stats}");
    assert_eq!(running.stop().await, 0);
}

#[tokio::test]
async fn a_slow_project_does_not_delay_the_others_past_its_own_pass() {
    let sandbox = sandbox_with(railway_operator::sandbox::SandboxConfig {
        slow_delay: Duration::from_secs(4),
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["c-one", "c-two", "c-three"] {
        let text = manifest(1, "self-heal", "a").replace("name: ctl", &format!("name: {name}"));
        fs::write(dir.path().join(format!("{name}.yml")), text).expect("write");
    }
    let running = start(
        &sandbox,
        SourceSpec::Path(dir.path().to_path_buf()),
        Duration::from_secs(60),
        false,
    )
    .await;
    for name in ["c-one", "c-two", "c-three"] {
        running
            .wait_for(name, Duration::from_secs(20), |p| p.conditions.ready.status)
            .await;
    }
    let passes = |name: &str| running.project(name).map_or(0, |p| p.history.len());
    let before: Vec<usize> = ["c-one", "c-two", "c-three"].map(passes).to_vec();
    // The next snapshot read, whichever project sends it first, is answered 4 s late.
    set_faults(&sandbox, "ProjectSnapshot=slow@x1").await;
    running.reconcile_now.request(false);
    for (name, before) in ["c-one", "c-two", "c-three"].iter().zip(&before) {
        running
            .wait_for(name, Duration::from_secs(30), |p| p.history.len() > *before)
            .await;
    }
    // Each project's newest pass: (finished at, took ms). The slow one took 4 s or more.
    let newest: Vec<(String, u64)> = ["c-one", "c-two", "c-three"]
        .iter()
        .filter_map(|name| {
            let entry = running.project(name)?.history.front()?.clone();
            Some((entry.at, entry.duration_ms))
        })
        .collect();
    let slow = newest
        .iter()
        .max_by_key(|(_, ms)| *ms)
        .cloned()
        .expect("three passes");
    assert!(
        slow.1 >= 4000,
        "one pass waited for the slow answer: {newest:?}"
    );
    let finished_before_it = newest.iter().filter(|(at, _)| *at < slow.0).count();
    assert_eq!(
        finished_before_it, 2,
        "the two other passes finished while the slow one waited: {newest:?}"
    );
    println!(
        "one project's snapshot answered 4 s late ({} ms pass): the other 2 passes finished before it (concurrency 4)",
        slow.1
    );
    running.stop().await;
}
