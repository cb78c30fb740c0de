//! The runner over the in-memory store: names, adoption, retries, running backups, retention.

use super::*;
use crate::backup::fake::FakeStore;
use crate::backup::retention::BackupRecord;
use crate::manifest::desired::{CronBackup, Retention};
use chrono::TimeZone;

fn target(retention: Retention) -> BackupTarget {
    BackupTarget::new(
        "shop",
        "db",
        "production",
        "vi-1",
        "db-data",
        CronBackup {
            schedule: "0 3 * * *".into(),
            timezone: None,
            retention,
        },
    )
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 3, 0, 0).unwrap()
}

#[tokio::test]
async fn a_backup_is_created_under_the_schedule_name_and_awaited() {
    let store = FakeStore::new();
    store.set_running_polls(2);
    let outcome = take_backup(
        &store,
        &target(Retention::Keep { count: 5 }),
        now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome.name,
        "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z"
    );
    assert!(!outcome.adopted);
    assert_eq!(store.backups("vi-1").len(), 1);
}

#[tokio::test]
async fn a_create_that_may_have_reached_railway_is_adopted_not_repeated() {
    let store = FakeStore::new();
    store.lose_next_creates(1);
    let outcome = take_backup(
        &store,
        &target(Retention::Keep { count: 5 }),
        now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .unwrap();
    assert!(outcome.adopted);
    assert_eq!(outcome.attempts, 2);
    assert_eq!(store.create_calls(), 1);
    assert_eq!(store.backups("vi-1").len(), 1);
}

#[tokio::test]
async fn a_refused_create_is_retried_up_to_three_attempts() {
    let store = FakeStore::new();
    store.fail_next_creates(2);
    let outcome = take_manual_backup(&store, "vi-1", now(), &RunnerConfig::for_tests())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 3);
    assert!(!outcome.adopted);
    store.fail_next_creates(3);
    let an_hour_later = now() + chrono::Duration::hours(1);
    let error = take_manual_backup(&store, "vi-1", an_hour_later, &RunnerConfig::for_tests())
        .await
        .unwrap_err();
    assert!(
        matches!(error, BackupError::Exhausted { attempts: 3, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_failed_delete_is_reported_and_does_not_fail_the_backup() {
    let store = FakeStore::new();
    for id in ["old-1", "old-2"] {
        let created_at = now() - chrono::Duration::days(40);
        store.insert(
            "vi-1",
            BackupRecord {
                id: id.into(),
                name: naming::format(
                    &BackupOrigin::Schedule(target(Retention::Keep { count: 1 }).schedule_id()),
                    created_at - chrono::Duration::seconds(if id == "old-1" { 1 } else { 0 }),
                ),
                created_at,
                expires_at: Some(now()),
                schedule_id: None,
                creator_id: None,
            },
        );
    }
    store.fail_delete_of("old-1");
    let outcome = take_backup(
        &store,
        &target(Retention::MaxAge {
            seconds: 30 * 86_400,
        }),
        now(),
        &RunnerConfig::for_tests(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.pruned, vec!["old-2"]);
    assert_eq!(outcome.prune_failures.len(), 1);
}

#[tokio::test]
async fn a_backup_still_running_when_polling_stops_is_followed_by_the_next_run() {
    let store = FakeStore::new();
    let config = RunnerConfig::for_tests();
    store.set_running_polls(config.poll_tries + 10);
    let in_flight = InFlight::new();
    let t = target(Retention::Keep { count: 5 });
    let first = take_backup_following(&store, &t, now(), &config, &in_flight)
        .await
        .unwrap();
    assert!(first.running, "{first:?}");
    assert_eq!(in_flight.all().len(), 1);
    let later = now() + chrono::Duration::hours(1);
    let second = take_backup_following(&store, &t, later, &config, &in_flight)
        .await
        .unwrap();
    assert_eq!(second.followed.as_deref(), Some(first.name.as_str()));
    assert!(second.running, "this run's own backup runs long too");
    assert_eq!(store.create_calls(), 2, "one create per run, none repeated");
    assert_eq!(in_flight.all().len(), 1);
}

#[tokio::test]
async fn a_running_earlier_backup_keeps_a_run_from_creating_another() {
    let store = FakeStore::new();
    let config = RunnerConfig::for_tests();
    store.set_running_polls(3 * config.poll_tries);
    let in_flight = InFlight::new();
    let t = target(Retention::Keep { count: 5 });
    take_backup_following(&store, &t, now(), &config, &in_flight)
        .await
        .unwrap();
    let next = now() + chrono::Duration::seconds(1);
    let outcome = take_backup_following(&store, &t, next, &config, &in_flight)
        .await
        .unwrap();
    assert!(outcome.running && outcome.followed.is_none(), "{outcome:?}");
    assert_eq!(outcome.attempts, 0);
    assert_eq!(store.create_calls(), 1);
}

#[tokio::test]
async fn a_backup_running_for_over_six_hours_is_given_up_and_a_new_one_taken() {
    let store = FakeStore::new();
    let config = RunnerConfig::for_tests();
    store.set_running_polls(u32::MAX);
    let in_flight = InFlight::new();
    let t = target(Retention::Keep { count: 5 });
    take_backup_following(&store, &t, now(), &config, &in_flight)
        .await
        .unwrap();
    let later = now() + chrono::Duration::hours(7);
    let outcome = take_backup_following(&store, &t, later, &config, &in_flight)
        .await
        .unwrap();
    assert_eq!(outcome.followed, None);
    assert_eq!(outcome.attempts, 1, "{outcome:?}");
    assert_eq!(store.create_calls(), 2);
    assert_eq!(in_flight.all().len(), 1, "only the new one is followed");
}
