//! Operator-run backups under `run`, against the sandbox: taken on schedule, own expired ones
//! pruned (with or without an expiry, R26) while foreign and locked ones stay, a removed
//! schedule stops at once, a restart after a long pause takes exactly one catch-up backup,
//! failures and volume usage show in status and metrics, and a volume above half full is warned
//! about in status, metrics and plan, its refused backups saying what to do (R25).

use crate::support;
use crate::support::controller;

use std::fs;
use std::time::Duration;

use chrono::{DateTime, Utc};
use controller::*;
use railway_operator::backup::naming::{self, BackupOrigin, ScheduleId};
use railway_operator::controller::source::SourceSpec;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

const EVERY_SECOND: &str = "*/1 * * * * *";

fn own_name(schedule: &str, at: DateTime<Utc>) -> String {
    naming::format(&BackupOrigin::Schedule(ScheduleId::new(schedule, None)), at)
}

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days)
}

/// A sandbox holding project `bk` with service `db` and its volume, plus `backups` (YAML list).
async fn seeded(backups: &str, current_size_mb: u32) -> (tempfile::TempDir, Sandbox) {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        format!(
            "projects:\n  - name: bk\n    services:\n      - name: db\n        image: postgres:16\n        volume:\n          name: db-data\n          mountPath: /data\n          sizeMB: 10000\n          currentSizeMB: {current_size_mb}\n          backups: {backups}\n"
        ),
    )
    .expect("seed");
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        backup_duration: Duration::from_millis(50),
        ..SandboxConfig::default()
    })
    .await;
    (dir, sandbox)
}

fn manifest(cron: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: bk }}\nspec:\n  environments: {{ production: {{}} }}\n  services:\n    db:\n      source: {{ image: \"postgres:16\" }}\n      volume:\n        name: db-data\n        mountPath: /data\n        backups:\n          cron:\n{cron}"
    )
}

fn cron_entry(schedule: &str, rule: &str) -> String {
    format!("            - {{ schedule: \"{schedule}\", {rule} }}\n")
}

async fn backups(sandbox: &Sandbox) -> Vec<Value> {
    let data = all_projects(
        sandbox,
        "environments { edges { node { volumeInstances { edges { node { id } } } } } }",
    )
    .await;
    let id = data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]
        ["volumeInstances"]["edges"][0]["node"]["id"]
        .clone();
    let list = graphql(
        sandbox,
        "query($id: String!) { volumeInstanceBackupList(volumeInstanceId: $id) { id name createdAt expiresAt } }",
        json!({ "id": id }),
    )
    .await;
    list["data"]["volumeInstanceBackupList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|b| b["name"].as_str().map(str::to_string))
        .collect()
}

fn own_count(list: &[Value], schedule: &str) -> usize {
    let prefix = format!("railway-operator [{}]", ScheduleId::new(schedule, None));
    names(list)
        .iter()
        .filter(|n| n.starts_with(&prefix))
        .count()
}

async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn run_takes_backups_on_time_and_prunes_only_its_own_expired_ones() {
    let expired = own_name(EVERY_SECOND, days_ago(2));
    // R26: no expiry on the operator's own backup is no lock; on someone else's it is.
    let no_expiry = own_name(EVERY_SECOND, days_ago(3));
    let seed = format!(
        "[ {{ name: \"{expired}\", createdAt: \"{}\" }}, {{ name: \"{no_expiry}\", createdAt: \"{}\", locked: true }}, {{ name: nightly-dump, createdAt: \"{}\" }}, {{ name: kept-by-hand, createdAt: \"{}\", locked: true }} ]",
        days_ago(2).to_rfc3339(),
        days_ago(3).to_rfc3339(),
        days_ago(2).to_rfc3339(),
        days_ago(3).to_rfc3339()
    );
    let (_seed_dir, sandbox) = seeded(&seed, 100).await;
    let text = manifest(&cron_entry(EVERY_SECOND, "retention: 1h"));
    let (_dir, _file, running) = run_manifest(&sandbox, &text, Duration::from_secs(60), true).await;

    wait_until(Duration::from_secs(20), async || {
        let list = backups(&sandbox).await;
        let names = names(&list);
        !names.contains(&expired)
            && !names.contains(&no_expiry)
            && own_count(&list, EVERY_SECOND) >= 3
    })
    .await;
    let list = names(&backups(&sandbox).await);
    assert!(
        list.iter().any(|n| n == "kept-by-hand"),
        "a locked foreign backup stays: {list:?}"
    );
    assert!(
        list.iter().any(|n| n == "nightly-dump"),
        "a foreign backup stays: {list:?}"
    );

    running
        .wait_for("bk", Duration::from_secs(5), |p| {
            p.environments.iter().flat_map(|e| &e.services).any(|s| {
                s.volume
                    .as_ref()
                    .is_some_and(|v| v.backups.iter().any(|b| b.succeeded >= 2 && b.pruned >= 1))
            })
        })
        .await;
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_backups_total{result=\"success\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("railway_operator_backup_last_success_timestamp_seconds{project=\"bk\",environment=\"production\",service=\"db\",volume=\"db-data\""), "{metrics}");
    running.stop().await;
}

#[tokio::test]
async fn a_schedule_removed_from_the_manifest_stops_while_run_keeps_going() {
    let (_seed_dir, sandbox) = seeded("[]", 100).await;
    let every_two = "*/2 * * * * *";
    let both = manifest(&format!(
        "{}{}",
        cron_entry(EVERY_SECOND, "keep: 100"),
        cron_entry(every_two, "keep: 100")
    ));
    let (_dir, file, running) = run_manifest(&sandbox, &both, Duration::from_secs(60), false).await;
    wait_until(Duration::from_secs(20), async || {
        let list = backups(&sandbox).await;
        own_count(&list, EVERY_SECOND) >= 1 && own_count(&list, every_two) >= 1
    })
    .await;

    fs::write(&file, manifest(&cron_entry(EVERY_SECOND, "keep: 100"))).expect("rewrite");
    // The file change is picked up within a second (300 ms debounce, then one pass).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let before = backups(&sandbox).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after = backups(&sandbox).await;
    assert_eq!(
        own_count(&after, every_two),
        own_count(&before, every_two),
        "the removed schedule took another backup"
    );
    assert!(
        own_count(&after, EVERY_SECOND) > own_count(&before, EVERY_SECOND),
        "the remaining schedule must keep going"
    );
    running.stop().await;
}

#[tokio::test]
async fn restarting_after_a_long_pause_takes_exactly_one_catch_up_backup() {
    let daily = "0 3 * * *";
    let old = own_name(daily, days_ago(3));
    let seed = format!(
        "[ {{ name: \"{old}\", createdAt: \"{}\" }} ]",
        days_ago(3).to_rfc3339()
    );
    let (_seed_dir, sandbox) = seeded(&seed, 100).await;
    let text = manifest(&cron_entry(daily, "retention: 30d"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bk.yml");
    fs::write(&file, &text).expect("write");

    let running = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(60),
        false,
    )
    .await;
    wait_until(Duration::from_secs(20), async || {
        own_count(&backups(&sandbox).await, daily) == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        own_count(&backups(&sandbox).await, daily),
        2,
        "three missed days, one catch-up"
    );
    running.stop().await;

    let again = start(
        &sandbox,
        SourceSpec::Path(file.clone()),
        Duration::from_secs(60),
        false,
    )
    .await;
    again
        .wait_for("bk", Duration::from_secs(10), |p| {
            p.last_reconcile_at.is_some()
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        own_count(&backups(&sandbox).await, daily),
        2,
        "the catch-up backup is recent: no second one"
    );
    again.stop().await;
}

#[tokio::test]
async fn failing_backups_and_a_nearly_full_volume_show_in_status_and_metrics() {
    let (_seed_dir, sandbox) = seeded("[]", 8500).await;
    set_faults(&sandbox, "volumeInstanceBackupCreate=error500").await;
    let text = manifest(&cron_entry(EVERY_SECOND, "keep: 5"));
    let (_dir, _file, running) = run_manifest(&sandbox, &text, Duration::from_secs(60), true).await;
    running
        .wait_for("bk", Duration::from_secs(20), |p| {
            p.environments.iter().flat_map(|e| &e.services).any(|s| {
                s.volume.as_ref().is_some_and(|v| {
                    v.backups
                        .iter()
                        .any(|b| b.failed >= 1 && b.last_error.is_some())
                })
            })
        })
        .await;
    let project = running.project("bk").expect("status");
    assert!(
        project
            .warnings
            .iter()
            .any(|w| w.contains("db-data") && w.contains("85% full")),
        "{:?}",
        project.warnings
    );
    let metrics = http_text(&running, "/metrics").await;
    let failures = metrics
        .lines()
        .find_map(|l| l.strip_prefix("railway_operator_backups_total{result=\"failure\"} "))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(failures >= 1, "{metrics}");
    assert!(
        metrics.contains("railway_operator_volume_usage_ratio{project=\"bk\",environment=\"production\",service=\"db\",volume=\"db-data\"} 0.85"),
        "{metrics}"
    );
    let page = http_text(&running, "/").await;
    assert!(page.contains("85% full"), "the page shows the warning");
    clear_faults(&sandbox).await;
    running.stop().await;
}

#[tokio::test]
async fn lost_backup_create_answers_never_duplicate_a_backup() {
    let (_seed_dir, sandbox) = seeded("[]", 100).await;
    set_faults(&sandbox, "volumeInstanceBackupCreate=drop-after-commit@0.5").await;
    let text = manifest(&cron_entry(EVERY_SECOND, "keep: 100"));
    let (_dir, _file, running) =
        run_manifest(&sandbox, &text, Duration::from_secs(60), false).await;
    wait_until(Duration::from_secs(20), async || {
        own_count(&backups(&sandbox).await, EVERY_SECOND) >= 4
    })
    .await;
    running.stop().await;
    clear_faults(&sandbox).await;
    let all = names(&backups(&sandbox).await);
    let unique: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a backup name appears twice: {all:?}"
    );
    let dropped = stats(&sandbox).await["faults"].clone();
    println!("backups: {}, faults injected: {dropped}", all.len());
}

#[tokio::test]
async fn r25_a_volume_over_half_full_is_warned_about_and_its_refused_backups_say_what_to_do() {
    // 60 %: below the usage warning (80 %), above Railway's limit for manual backups.
    let (_seed_dir, sandbox) = seeded("[]", 6000).await;
    let text = manifest(&cron_entry(EVERY_SECOND, "keep: 5"));
    let (_dir, file, running) = run_manifest(&sandbox, &text, Duration::from_secs(60), true).await;
    let advice = "grow the volume or use native schedules (backups.schedules)";
    running
        .wait_for("bk", Duration::from_secs(20), |p| {
            p.environments.iter().flat_map(|e| &e.services).any(|s| {
                s.volume.as_ref().is_some_and(|v| {
                    v.backups.iter().any(|b| {
                        b.failed >= 2 && b.last_error.as_deref().is_some_and(|e| e.contains(advice))
                    })
                })
            })
        })
        .await;
    let project = running.project("bk").expect("status");
    let warning = "volume db-data of db in production is 60% full: Railway refuses manual backups of a volume more than 50% full";
    assert!(
        project
            .warnings
            .iter()
            .any(|w| w.starts_with(warning) && w.ends_with(advice)),
        "{:?}",
        project.warnings
    );
    let failed: u64 = project
        .environments
        .iter()
        .flat_map(|e| &e.services)
        .filter_map(|s| s.volume.as_ref())
        .flat_map(|v| &v.backups)
        .map(|b| b.failed)
        .sum();
    let creates = count(&stats(&sandbox).await, "VolumeInstanceBackupCreate");
    assert!(
        creates <= failed + 1,
        "a refused backup was retried: {creates} creates for {failed} runs"
    );
    let metrics = http_text(&running, "/metrics").await;
    assert!(
        metrics.contains("railway_operator_volume_backup_limit_exceeded{project=\"bk\",environment=\"production\",service=\"db\",volume=\"db-data\"} 1"),
        "{metrics}"
    );
    let page = http_text(&running, "/").await;
    assert!(page.contains(advice), "the page shows the warning");
    running.stop().await;

    let (code, out, err) = cli(&sandbox, &["plan", "-f", &file.to_string_lossy()]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(warning) && out.contains(advice), "{out}");
    let (_, out, err) = cli(&sandbox, &["status", "-f", &file.to_string_lossy()]).await;
    assert!(out.contains(warning), "{out}{err}");
    let docs = tempfile::tempdir().expect("tempdir");
    let docs_arg = docs.path().to_string_lossy().into_owned();
    let file_arg = file.to_string_lossy().into_owned();
    let (code, out, err) = cli(&sandbox, &["report", "-f", &file_arg, "--out", &docs_arg]).await;
    assert_eq!(code, 0, "{out}{err}");
    let document = fs::read_to_string(docs.path().join("db.md")).expect("db.md");
    assert!(
        document.contains(&format!("- `production`: {warning}")),
        "{document}"
    );
}
