//! The backup scheduler over the in-memory store, with per-second schedules: timing, retention,
//! target changes, catch-up and failures.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Duration as Age, Utc};
use railway_operator::backup::fake::FakeStore;
use railway_operator::backup::naming::{self, BackupOrigin, ScheduleId};
use railway_operator::backup::{BackupRecord, BackupScheduler, BackupTarget, RunnerConfig};
use railway_operator::manifest::desired::{CronBackup, Retention};

const EVERY_SECOND: &str = "*/1 * * * * *";
const DAILY: &str = "0 3 * * *";

fn target(
    service: &str,
    volume_instance_id: &str,
    schedule: &str,
    retention: Retention,
) -> BackupTarget {
    BackupTarget::new(
        "shop",
        service,
        "production",
        volume_instance_id,
        &format!("{service}-data"),
        CronBackup {
            schedule: schedule.into(),
            timezone: None,
            retention,
        },
    )
}

fn keep_all() -> Retention {
    Retention::Keep { count: 1000 }
}

fn record(id: &str, name: &str, age: Age, locked: bool) -> BackupRecord {
    let created_at = Utc::now() - age;
    BackupRecord::manual(
        id,
        name,
        created_at,
        (!locked).then(|| created_at + Age::days(90)),
    )
}

fn own_name(schedule: &str, age: Age) -> String {
    naming::format(
        &BackupOrigin::Schedule(ScheduleId::new(schedule, None)),
        Utc::now() - age,
    )
}

async fn start(store: &Arc<FakeStore>) -> BackupScheduler<FakeStore> {
    BackupScheduler::start(store.clone(), RunnerConfig::for_tests())
        .await
        .expect("scheduler starts")
}

/// Polls `condition` every 50 ms for at most `within`.
async fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_are_taken_every_second_on_a_per_second_schedule() {
    let store = Arc::new(FakeStore::new());
    let scheduler = start(&store).await;
    let t = target("db", "vi-1", EVERY_SECOND, keep_all());
    let key = t.key.clone();
    scheduler.set_targets(vec![t]).await.unwrap();
    assert!(
        eventually(Duration::from_secs(4), || store.backups("vi-1").len() >= 3).await,
        "backups: {:?}",
        store.backups("vi-1")
    );
    let stats = scheduler.stats();
    assert!(stats.targets[&key].runs_ok >= 2);
    assert!(stats.backups_total("success") >= 2);
    assert_eq!(stats.backups_total("failure"), 0);
    for backup in store.backups("vi-1") {
        let parsed = naming::parse(&backup.name).expect("own name");
        assert_eq!(
            parsed.origin,
            BackupOrigin::Schedule(ScheduleId::new(EVERY_SECOND, None))
        );
    }
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_only_the_schedules_own_expired_backups_expiry_or_not() {
    let store = Arc::new(FakeStore::new());
    let old = Age::days(40);
    store.insert(
        "vi-1",
        record("foreign", "before the migration", old, false),
    );
    store.insert("vi-1", record("railway-native", "", old, false));
    // R26: no expiry on an own backup is no lock.
    store.insert(
        "vi-1",
        record("no-expiry", &own_name(EVERY_SECOND, old), old, true),
    );
    store.insert("vi-1", record("locked-foreign", "kept by hand", old, true));
    let mut native = record("native", &own_name(EVERY_SECOND, old), old, false);
    native.schedule_id = Some("daily-schedule".into());
    store.insert("vi-1", native);
    store.insert(
        "vi-1",
        record("other-schedule", &own_name(DAILY, old), old, false),
    );
    store.insert(
        "vi-1",
        record(
            "manual",
            &naming::format(&BackupOrigin::Manual, Utc::now() - old),
            old,
            false,
        ),
    );
    store.insert(
        "vi-1",
        record("expired", &own_name(EVERY_SECOND, old), old, false),
    );
    let scheduler = start(&store).await;
    let t = target(
        "db",
        "vi-1",
        EVERY_SECOND,
        Retention::MaxAge {
            seconds: 30 * 86_400,
        },
    );
    let key = t.key.clone();
    scheduler.set_targets(vec![t]).await.unwrap();
    assert!(
        eventually(Duration::from_secs(3), || scheduler
            .stats()
            .targets
            .get(&key)
            .is_some_and(|s| s.runs_ok >= 1))
        .await
    );
    let mut deleted = store.deleted();
    deleted.sort();
    assert_eq!(deleted, vec!["expired", "no-expiry"]);
    let left: Vec<String> = store.backups("vi-1").into_iter().map(|b| b.id).collect();
    for survivor in [
        "foreign",
        "railway-native",
        "locked-foreign",
        "native",
        "other-schedule",
        "manual",
    ] {
        assert!(
            left.contains(&survivor.to_string()),
            "{survivor} was deleted: {left:?}"
        );
    }
    assert_eq!(scheduler.stats().targets[&key].pruned, 2);
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_target_stops_its_job_while_the_others_keep_running() {
    let store = Arc::new(FakeStore::new());
    let scheduler = start(&store).await;
    let kept = target("api", "vi-b", EVERY_SECOND, keep_all());
    let dropped = target("db", "vi-a", EVERY_SECOND, keep_all());
    let dropped_key = dropped.key.clone();
    scheduler
        .set_targets(vec![dropped, kept.clone()])
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(3), || store.backups("vi-a").len() >= 2).await);
    let changes = scheduler.set_targets(vec![kept]).await.unwrap();
    assert_eq!(changes.removed, vec![dropped_key]);
    // A run that had already started may still finish.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dropped_count = store.backups("vi-a").len();
    let kept_count = store.backups("vi-b").len();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        store.backups("vi-a").len(),
        dropped_count,
        "the removed job still runs"
    );
    assert!(
        store.backups("vi-b").len() > kept_count,
        "the kept job stopped"
    );
    assert_eq!(scheduler.keys().await.len(), 1);
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_registration_with_an_old_last_backup_takes_exactly_one_catch_up() {
    let store = Arc::new(FakeStore::new());
    let three_days = Age::days(3);
    store.insert(
        "vi-1",
        record("old", &own_name(DAILY, three_days), three_days, false),
    );
    let scheduler = start(&store).await;
    let t = target("db", "vi-1", DAILY, keep_all());
    scheduler.set_targets(vec![t.clone()]).await.unwrap();
    assert!(eventually(Duration::from_secs(2), || store.backups("vi-1").len() == 2).await);
    // Registering the same key again is not a first registration: no second catch-up.
    scheduler.set_targets(vec![t]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        store.backups("vi-1").len(),
        2,
        "{:?}",
        store.backups("vi-1")
    );
    assert_eq!(store.create_calls(), 1);
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_catch_up_is_taken_when_the_latest_run_was_backed_up() {
    let store = Arc::new(FakeStore::new());
    store.insert(
        "vi-1",
        record("fresh", &own_name(DAILY, Age::zero()), Age::zero(), false),
    );
    let scheduler = start(&store).await;
    scheduler
        .set_targets(vec![target("db", "vi-1", DAILY, keep_all())])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(store.create_calls(), 0);
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_volume_instance_is_followed_without_re_creating_the_job() {
    let store = Arc::new(FakeStore::new());
    let scheduler = start(&store).await;
    let before = target("db", "vi-old", EVERY_SECOND, keep_all());
    let key = before.key.clone();
    scheduler.set_targets(vec![before]).await.unwrap();
    let changes = scheduler
        .set_targets(vec![target("db", "vi-new", EVERY_SECOND, keep_all())])
        .await
        .unwrap();
    assert_eq!(changes.updated, vec![key]);
    assert!(changes.added.is_empty() && changes.removed.is_empty());
    assert!(
        eventually(Duration::from_secs(3), || !store
            .backups("vi-new")
            .is_empty())
        .await
    );
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_is_retried_recorded_as_a_failure_and_the_schedule_goes_on() {
    let store = Arc::new(FakeStore::new());
    store.set_unavailable(true);
    let scheduler = start(&store).await;
    let t = target("db", "vi-1", EVERY_SECOND, keep_all());
    let key = t.key.clone();
    scheduler.set_targets(vec![t]).await.unwrap();
    assert!(
        eventually(Duration::from_secs(3), || scheduler
            .stats()
            .backups_total("failure")
            >= 1)
        .await
    );
    // Three attempts per failed run.
    assert!(
        store.create_calls() >= 3,
        "create calls: {}",
        store.create_calls()
    );
    let failure = scheduler.stats().targets[&key]
        .last_failure
        .clone()
        .expect("failure recorded");
    assert!(failure.1.contains("3 attempt"), "{}", failure.1);
    store.set_unavailable(false);
    assert!(
        eventually(Duration::from_secs(3), || scheduler.stats().targets[&key]
            .runs_ok
            >= 1)
        .await
    );
    scheduler.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_with_an_invalid_schedule_is_rejected_and_the_others_are_scheduled() {
    let store = Arc::new(FakeStore::new());
    let scheduler = start(&store).await;
    let bad = target("db", "vi-1", "every night", keep_all());
    let good = target("api", "vi-2", DAILY, keep_all());
    let changes = scheduler
        .set_targets(vec![bad.clone(), good.clone()])
        .await
        .unwrap();
    assert_eq!(changes.added, vec![good.key]);
    assert_eq!(changes.rejected.len(), 1);
    assert_eq!(changes.rejected[0].0, bad.key);
    scheduler.shutdown().await.unwrap();
}
