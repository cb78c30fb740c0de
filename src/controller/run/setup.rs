//! What `run` sets up around its loop: the shared status, the notification hub, the stop flag,
//! and operator-run backups with their status refresh. It must not reconcile anything.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use super::ControllerError;
use crate::backup::railway_store::RailwayStore;
use crate::backup::{BackupScheduler, InFlight, InventoryJournal, LeaseJournal};
use crate::controller::backups::fill_status;
use crate::controller::config::RunConfig;
use crate::controller::leases::Leasing;
use crate::controller::slots::now;
use crate::controller::status::{ControllerStatus, SharedStatus};
use crate::notify::Notifier;
use crate::railway::Client;

/// Operator-run backups follow the manifests in force; `--once` takes none. Running ones are
/// recorded where a restarted replica finds them (R26): next to the leases, else in the
/// inventory (whose journal the runner also needs).
pub(super) async fn start_backups(
    config: &RunConfig,
    leasing: &Leasing,
    client: &Client,
) -> Result<
    (
        Option<Arc<BackupScheduler<RailwayStore>>>,
        Option<Arc<InventoryJournal>>,
    ),
    ControllerError,
> {
    if config.once {
        return Ok((None, None));
    }
    let backup_client = leasing.backup_client(client);
    let (in_flight, inventory_journal) = match &config.lock {
        Some(lock) => (
            InFlight::journaled(Arc::new(LeaseJournal(lock.clone()))),
            None,
        ),
        None => {
            let journal = Arc::new(InventoryJournal::new(backup_client.clone()));
            (InFlight::journaled(journal.clone()), Some(journal))
        }
    };
    let store = Arc::new(RailwayStore::new(backup_client));
    let scheduler = BackupScheduler::start_with(store, config.backup_runner, in_flight).await?;
    Ok((Some(Arc::new(scheduler)), inventory_journal))
}

pub(super) fn initial_status(config: &RunConfig) -> SharedStatus {
    let mut status = ControllerStatus {
        started_at: now(),
        instance_id: config.instance_id.clone(),
        concurrency: config.concurrency,
        ..ControllerStatus::default()
    };
    status.rate_limit.requests_per_second_cap = config.requests_per_second_cap;
    status.lock.guarded = config.lock.is_some();
    status.lock.state = if config.lock.is_some() {
        "connecting"
    } else {
        "unguarded"
    }
    .to_string();
    status.lock.target = config.lock.as_ref().map(|s| s.target().to_string());
    Arc::new(std::sync::RwLock::new(status))
}

/// The notification hub, copying its timeline and delivery states into the status.
pub(super) fn notifier_for(status: &SharedStatus) -> Notifier {
    let status = status.clone();
    Notifier::new(Some(Arc::new(move |timeline, targets| {
        if let Ok(mut s) = status.write() {
            s.timeline = timeline.to_vec();
            s.notifications = targets.to_vec();
        }
    })))
}

/// The stop flag passes look at between actions, and the notification the loop waits on.
pub(super) fn watch_shutdown(
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (Arc<AtomicBool>, Arc<Notify>) {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(Notify::new());
    let (flag, notify) = (stop.clone(), stopped.clone());
    tokio::spawn(async move {
        shutdown.await;
        flag.store(true, Ordering::SeqCst);
        notify.notify_waiters();
        notify.notify_one();
    });
    (stop, stopped)
}

/// Backups finish between passes: their results are copied into the status every second.
pub(super) fn refresh_backups(
    scheduler: Arc<BackupScheduler<RailwayStore>>,
    status: &SharedStatus,
) -> tokio::task::JoinHandle<()> {
    let status = status.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let stats = scheduler.stats();
            if let Ok(mut s) = status.write() {
                fill_status(&mut s, &stats);
            }
        }
    })
}
