//! The backup engine (runner, scheduler, Railway store) against the sandbox's volume rules:
//! the 50 % limit on manual backups (R25), backups that take time (R26: followed through their
//! workflow, never created twice) and retention that deletes only the operator's own backups,
//! whatever their expiry says (R26).

use crate::support;
use crate::support::controller;

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use controller::client_for;
use railway_operator::backup::naming::{self, BackupOrigin, ScheduleId};
use railway_operator::backup::railway_store::RailwayStore;
use railway_operator::backup::{
    BackupScheduler, BackupStore, BackupTarget, RunnerConfig, take_backup,
};
use railway_operator::manifest::desired::{CronBackup, Retention};
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use support::*;

const EVERY_SECOND: &str = "*/1 * * * * *";

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days)
}

fn own_name(schedule: &str, at: DateTime<Utc>) -> String {
    naming::format(&BackupOrigin::Schedule(ScheduleId::new(schedule, None)), at)
}

/// A sandbox with project `bk`, service `db` and its 10 000 MB volume holding `used_mb`, with
/// the native `schedules` and seeded `backups` (YAML lists); backups take `backup_duration`.
async fn seeded(
    used_mb: u32,
    schedules: &str,
    backups: &str,
    backup_duration: Duration,
) -> (tempfile::TempDir, Sandbox) {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        format!(
            "projects:\n  - name: bk\n    services:\n      - name: db\n        image: postgres:16\n        volume:\n          name: db-data\n          mountPath: /data\n          sizeMB: 10000\n          currentSizeMB: {used_mb}\n          schedules: {schedules}\n          backups: {backups}\n"
        ),
    )
    .expect("seed");
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        backup_duration,
        ..SandboxConfig::default()
    })
    .await;
    (dir, sandbox)
}

async fn volume_instance_id(sandbox: &Sandbox) -> String {
    let data = graphql(
        sandbox,
        "query { projects { edges { node { environments { edges { node { volumeInstances { edges { node { id } } } } } } } } } }",
        json!({}),
    )
    .await;
    data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]
        ["volumeInstances"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a volume instance")
        .to_string()
}

fn target(volume_instance_id: &str, schedule: &str, retention: Retention) -> BackupTarget {
    BackupTarget::new(
        "bk",
        "db",
        "production",
        volume_instance_id,
        "db-data",
        CronBackup {
            schedule: schedule.into(),
            timezone: None,
            retention,
        },
    )
}

async fn creates(sandbox: &Sandbox) -> u64 {
    count(&stats(sandbox).await, "VolumeInstanceBackupCreate")
}

async fn listed_names(store: &RailwayStore, volume_instance_id: &str) -> Vec<String> {
    store
        .list(volume_instance_id)
        .await
        .expect("list")
        .into_iter()
        .map(|b| b.name)
        .collect()
}

#[tokio::test]
async fn r25_a_refused_backup_of_a_half_full_volume_says_what_to_do_and_is_not_retried() {
    let (_seed, sandbox) = seeded(6000, "[]", "[]", Duration::from_millis(50)).await;
    let id = volume_instance_id(&sandbox).await;
    let store = RailwayStore::new(client_for(&sandbox));
    let error = take_backup(
        &store,
        &target(&id, EVERY_SECOND, Retention::Keep { count: 5 }),
        Utc::now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .expect_err("Railway refuses a manual backup of a volume more than half full");
    let text = error.to_string();
    assert!(
        text.contains("grow the volume or use native schedules"),
        "{text}"
    );
    assert!(text.contains("50%"), "{text}");
    assert_eq!(creates(&sandbox).await, 1, "a refusal is not retried");
}

#[tokio::test]
async fn r26_a_backup_still_running_when_polling_ends_is_not_created_a_second_time() {
    // Polling for tests lasts about a second; the backup takes three.
    let (_seed, sandbox) = seeded(100, "[]", "[]", Duration::from_secs(3)).await;
    let id = volume_instance_id(&sandbox).await;
    let store = RailwayStore::new(client_for(&sandbox));
    let t = target(&id, EVERY_SECOND, Retention::Keep { count: 5 });
    let result = take_backup(&store, &t, Utc::now(), &RunnerConfig::for_tests()).await;
    assert_eq!(
        creates(&sandbox).await,
        1,
        "a running backup was created again: {result:?}"
    );
    let outcome = result.expect("a backup still running is no failure");
    assert!(outcome.running, "{outcome:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(listed_names(&store, &id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r26_later_runs_follow_a_running_backup_and_never_duplicate_it() {
    let (_seed, sandbox) = seeded(100, "[]", "[]", Duration::from_millis(2500)).await;
    let id = volume_instance_id(&sandbox).await;
    let store = Arc::new(RailwayStore::new(client_for(&sandbox)));
    let scheduler = BackupScheduler::start(store.clone(), RunnerConfig::for_tests())
        .await
        .expect("scheduler");
    let t = target(&id, EVERY_SECOND, Retention::Keep { count: 100 });
    let key = t.key.clone();
    scheduler.set_targets(vec![t]).await.expect("targets");
    let started = std::time::Instant::now();
    while scheduler
        .stats()
        .targets
        .get(&key)
        .is_none_or(|s| s.runs_ok == 0)
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no run ever saw its backup finish: {:?}",
            scheduler.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    scheduler.shutdown().await.expect("shutdown");
    // A run under way when the scheduler stops still finishes; so do the backups it started.
    let mut names = listed_names(&store, &id).await;
    while (names.len() as u64) < creates(&sandbox).await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "a create never became a backup: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        names = listed_names(&store, &id).await;
    }
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a backup was taken twice: {names:?}"
    );
    assert_eq!(scheduler.stats().backups_total("failure"), 0);
}

#[tokio::test]
async fn r26_retention_prunes_the_operators_own_expired_backups_even_without_an_expiry() {
    let no_expiry = own_name(EVERY_SECOND, days_ago(2));
    let backups = format!(
        "[ {{ name: \"{no_expiry}\", createdAt: \"{}\", locked: true }}, {{ name: nightly-dump, createdAt: \"{}\", locked: true }} ]",
        days_ago(2).to_rfc3339(),
        days_ago(2).to_rfc3339()
    );
    let (_seed, sandbox) = seeded(100, "[]", &backups, Duration::from_millis(50)).await;
    let id = volume_instance_id(&sandbox).await;
    let store = RailwayStore::new(client_for(&sandbox));
    let outcome = take_backup(
        &store,
        &target(&id, EVERY_SECOND, Retention::MaxAge { seconds: 3600 }),
        Utc::now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .expect("backup");
    assert_eq!(outcome.pruned.len(), 1, "{outcome:?}");
    let names = listed_names(&store, &id).await;
    assert!(!names.contains(&no_expiry), "{names:?}");
    assert!(
        names.iter().any(|n| n == "nightly-dump"),
        "a foreign backup stays: {names:?}"
    );
}

#[tokio::test]
async fn r26_retention_never_deletes_native_schedule_or_user_manual_backups() {
    // A native-schedule backup and a user's manual one that happen to carry an operator name.
    let native = own_name(EVERY_SECOND, days_ago(2));
    let by_hand = own_name(EVERY_SECOND, days_ago(3));
    let backups = format!(
        "[ {{ name: \"{native}\", createdAt: \"{}\", schedule: DAILY }}, {{ name: \"{by_hand}\", createdAt: \"{}\", creatorId: someone-else }}, {{ name: Manual, createdAt: \"{}\" }} ]",
        days_ago(2).to_rfc3339(),
        days_ago(3).to_rfc3339(),
        days_ago(4).to_rfc3339()
    );
    let (_seed, sandbox) = seeded(100, "[DAILY]", &backups, Duration::from_millis(50)).await;
    let id = volume_instance_id(&sandbox).await;
    let store = RailwayStore::new(client_for(&sandbox));
    let outcome = take_backup(
        &store,
        &target(&id, EVERY_SECOND, Retention::MaxAge { seconds: 3600 }),
        Utc::now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .expect("backup");
    let names = listed_names(&store, &id).await;
    assert!(outcome.pruned.is_empty(), "{outcome:?} {names:?}");
    for kept in [&native, &by_hand, &"Manual".to_string()] {
        assert!(names.contains(kept), "{kept} was deleted: {names:?}");
    }
}
