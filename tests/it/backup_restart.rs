//! Running backups survive a restart (R26): a backup the operator starts is recorded in the
//! environment's inventory (no `--lock-url`, on the sandbox) or in the lock database (a real
//! PostgreSQL), and a restarted operator, with nothing in memory, follows it instead of taking a
//! second one while it runs; once it is done, the record is gone and the next backup is taken.

use crate::support;

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use railway_operator::backup::railway_store::RailwayStore;
use railway_operator::backup::runner::{RunnerConfig, take_backup_following};
use railway_operator::backup::{BackupTarget, InFlight, InventoryJournal, LeaseJournal};
use railway_operator::lease::LeaseStore;
use railway_operator::manifest::desired::{CronBackup, Retention};
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use support::controller::client_for;
use support::postgres::Postgres;
use support::*;

const DAILY: &str = "0 3 * * *";

/// A sandbox holding project `bk`, service `db` and its volume; backups take `takes`.
async fn seeded(takes: Duration) -> (tempfile::TempDir, Sandbox) {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        "projects:\n  - name: bk\n    services:\n      - name: db\n        image: postgres:16\n        volume:\n          name: db-data\n          mountPath: /data\n          sizeMB: 10000\n          currentSizeMB: 100\n",
    )
    .expect("seed");
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        backup_duration: takes,
        ..SandboxConfig::default()
    })
    .await;
    (dir, sandbox)
}

/// (volume instance id, project id, environment id) of the seeded volume.
async fn place(sandbox: &Sandbox) -> (String, String, String) {
    let data = all_projects(
        sandbox,
        "id environments { edges { node { id volumeInstances { edges { node { id } } } } } }",
    )
    .await;
    let project = &data["data"]["projects"]["edges"][0]["node"];
    let environment = &project["environments"]["edges"][0]["node"];
    let text = |v: &serde_json::Value| v.as_str().expect("an id").to_string();
    (
        text(&environment["volumeInstances"]["edges"][0]["node"]["id"]),
        text(&project["id"]),
        text(&environment["id"]),
    )
}

fn target(volume_instance_id: &str) -> BackupTarget {
    BackupTarget::new(
        "bk",
        "db",
        "production",
        volume_instance_id,
        "db-data",
        CronBackup {
            schedule: DAILY.into(),
            timezone: None,
            retention: Retention::Keep { count: 10 },
        },
    )
}

/// Polls for about 0.2 s: a backup that takes longer is left running to the next run.
fn impatient() -> RunnerConfig {
    RunnerConfig {
        poll_tries: 5,
        poll_interval: Duration::from_millis(40),
        ..RunnerConfig::for_tests()
    }
}

/// The running backups the environment's inventory records, as its stored text shows them.
async fn inventory_running(sandbox: &Sandbox) -> Vec<String> {
    let variables = read_variables(sandbox, None).await;
    let text = variables["RAILWAY_OPERATOR_INVENTORY"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let state = railway_operator::inventory::InventoryState::decode(Some(Some(&text)));
    state
        .owned()
        .map(|inventory| {
            inventory
                .running_backups
                .values()
                .flat_map(|names| names.keys().cloned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn without_a_lock_url_a_restarted_operator_follows_the_backup_recorded_in_the_inventory() {
    let (_seed, sandbox) = seeded(Duration::from_secs(3)).await;
    let (volume_instance, project, environment) = place(&sandbox).await;
    let target = target(&volume_instance);
    let first_run = Utc::now();

    let before_restart = {
        let client = client_for(&sandbox);
        let journal = Arc::new(InventoryJournal::new(client.clone()));
        journal.place(&volume_instance, &project, &environment);
        let in_flight = InFlight::journaled(journal);
        let store = RailwayStore::new(client);
        take_backup_following(&store, &target, first_run, &impatient(), &in_flight)
            .await
            .expect("the backup starts")
    };
    assert!(before_restart.running, "{before_restart:?}");
    assert_eq!(
        inventory_running(&sandbox).await,
        vec![before_restart.name.clone()]
    );

    // A new process: nothing in memory; the next scheduled run comes while the backup runs.
    let client = client_for(&sandbox);
    let journal = Arc::new(InventoryJournal::new(client.clone()));
    journal.place(&volume_instance, &project, &environment);
    let in_flight = InFlight::journaled(journal);
    let store = RailwayStore::new(client);
    let next_run = first_run + TimeDelta::hours(1);
    let after_restart = take_backup_following(&store, &target, next_run, &impatient(), &in_flight)
        .await
        .expect("the run follows");
    assert!(after_restart.running, "{after_restart:?}");
    assert_eq!(
        after_restart.name, before_restart.name,
        "the same backup, followed"
    );
    let creates = count(&stats(&sandbox).await, "VolumeInstanceBackupCreate");
    assert_eq!(creates, 1, "no second backup while the first runs");

    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = next_run + TimeDelta::hours(1);
    let done = take_backup_following(&store, &target, later, &impatient(), &in_flight)
        .await
        .expect("the next run");
    assert_eq!(done.followed.as_deref(), Some(before_restart.name.as_str()));
    assert_eq!(
        count(&stats(&sandbox).await, "VolumeInstanceBackupCreate"),
        2
    );
    assert_eq!(
        inventory_running(&sandbox).await,
        vec![done.name.clone()],
        "the finished one is forgotten, the new one recorded"
    );
}

#[tokio::test]
async fn with_a_lock_url_a_restarted_replica_follows_the_backup_recorded_in_the_lock_database() {
    let Some(postgres) = Postgres::start("backup_restart_with_a_lock_url") else {
        return;
    };
    let (_seed, sandbox) = seeded(Duration::from_secs(3)).await;
    let (volume_instance, _, _) = place(&sandbox).await;
    let target = target(&volume_instance);
    let first_run = Utc::now();

    let before_restart = {
        let lock = Arc::new(LeaseStore::new(&postgres.url(), "a", "g").expect("url"));
        lock.connect().await.expect("connect");
        let in_flight = InFlight::journaled(Arc::new(LeaseJournal(lock.clone())));
        let store = RailwayStore::new(client_for(&sandbox));
        let outcome = take_backup_following(&store, &target, first_run, &impatient(), &in_flight)
            .await
            .expect("the backup starts");
        lock.close();
        outcome
    };
    assert!(before_restart.running, "{before_restart:?}");
    let rows = postgres
        .query("SELECT name FROM railway_operator_running_backups")
        .await;
    assert_eq!(rows, vec![before_restart.name.clone()]);

    let lock = Arc::new(LeaseStore::new(&postgres.url(), "a", "g").expect("url"));
    lock.connect().await.expect("connect again");
    let in_flight = InFlight::journaled(Arc::new(LeaseJournal(lock.clone())));
    let store = RailwayStore::new(client_for(&sandbox));
    let next_run = first_run + TimeDelta::hours(1);
    let after_restart = take_backup_following(&store, &target, next_run, &impatient(), &in_flight)
        .await
        .expect("the run follows");
    assert!(after_restart.running, "{after_restart:?}");
    assert_eq!(
        after_restart.name, before_restart.name,
        "the same backup, followed"
    );
    assert_eq!(
        count(&stats(&sandbox).await, "VolumeInstanceBackupCreate"),
        1
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = next_run + TimeDelta::hours(1);
    let done = take_backup_following(&store, &target, later, &impatient(), &in_flight)
        .await
        .expect("the next run");
    assert_eq!(done.followed.as_deref(), Some(before_restart.name.as_str()));
    assert_eq!(
        count(&stats(&sandbox).await, "VolumeInstanceBackupCreate"),
        2
    );
    let rows = postgres
        .query("SELECT name FROM railway_operator_running_backups")
        .await;
    assert_eq!(rows, vec![done.name.clone()]);
}
