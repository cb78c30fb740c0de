//! The `run` loop: watch the source, take part in the lease turns, reconcile the projects this
//! replica works on, each on its own schedule (interval with jitter, backoff after failures,
//! stalled until the source changes after terminal ones; settled ones at the shared probe rounds)
//! and up to `concurrency` at once under the client's one shared pace, keep the shared status,
//! serve HTTP, and stop cleanly.

use crate::notify::Notifier;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use super::trigger::ReconcileTrigger;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::backups::{fill_status, places as volume_places, targets as backup_targets};
use super::budget::RequestBudget;
pub use super::config::RunConfig;
use super::failure_logs;

mod branches;
mod probing;
mod resolving;
mod setup;
use super::http::{HttpConfig, HttpServer};
use super::leases::{LeaseCandidate, Leasing};
use super::reconcile::{Pass, PassContext, PassKind, RollbackState, reconcile};
use super::slots::{
    Recording, Slot, load_snapshot, record_finished, set_reconciling, update_readiness,
};
use super::source::{Branches, Source};
use super::status::SharedStatus;
use super::steady;
use crate::backup::railway_store::RailwayStore;
use crate::backup::{BackupScheduler, BackupTarget, InventoryJournal};
use crate::manifest::Desired;
use crate::railway::Client;
use crate::railway::probe::Prober;
use setup::{initial_status, notifier_for, refresh_backups, start_backups, watch_shutdown};

#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error(transparent)]
    Source(#[from] super::source::SourceError),
    #[error(transparent)]
    Http(#[from] super::http::HttpError),
    #[error(transparent)]
    Backups(#[from] crate::backup::scheduler::SchedulerError),
}

pub struct Controller {
    pub status: SharedStatus,
    /// `POST /reconcile` pulls it; tests may too.
    pub reconcile_now: Arc<ReconcileTrigger>,
    pub http_url: Option<String>,
}

/// Runs until `shutdown` resolves (or, with `once`, after one pass of every project this replica
/// works on). Returns the exit code: 0 in sync or applied; with `once`, 2 when drift was only
/// reported; 1 when a project failed.
pub async fn run(
    client: Client,
    config: RunConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_started: impl FnOnce(&Controller),
) -> Result<u8, ControllerError> {
    let status = initial_status(&config);
    let reconcile_now = Arc::new(ReconcileTrigger::default());
    let (stop, stopped) = watch_shutdown(shutdown);
    let http = match config.listen {
        Some(listen) => Some(
            HttpServer::start(
                HttpConfig {
                    listen,
                    admin_token: config.admin_token.clone(),
                },
                status.clone(),
                reconcile_now.clone(),
            )
            .await?,
        ),
        None => None,
    };
    on_started(&Controller {
        status: status.clone(),
        reconcile_now: reconcile_now.clone(),
        http_url: http.as_ref().map(HttpServer::url),
    });
    let leasing = match &config.lock {
        Some(store) => Leasing::guarded(store.clone(), config.interval),
        None => Leasing::unguarded(),
    };
    let (backups, inventory_journal) = start_backups(&config, &leasing, &client).await?;
    let refresher = backups
        .clone()
        .map(|scheduler| refresh_backups(scheduler, &status));
    let mut source = Source::open(config.source.clone()).await?;
    let first = source.current(true).await?;
    let mut runner = Runner {
        describe: source.describe(),
        client,
        config,
        notifier: notifier_for(&status),
        status,
        leasing,
        backups,
        inventory_journal,
        slots: BTreeMap::new(),
        revision: String::new(),
        passes: JoinSet::new(),
        scheduled: Vec::new(),
        stop,
        prober: Prober::default(),
        round: None,
        budget: None,
        looked_up: BTreeSet::new(),
        index_unavailable: false,
        branches: None,
        expired_branches: Branches::new(),
    };
    runner.budget = runner
        .config
        .request_budget
        .map(|spec| RequestBudget::new(spec, runner.client.requests_sent()));
    runner.load(&first);
    let exit_code = runner.drive(&mut source, &stopped, &reconcile_now).await;
    runner.finish().await;
    if let Some(refresher) = refresher {
        refresher.abort();
    }
    if let Some(http) = http {
        http.shutdown().await;
    }
    Ok(exit_code)
}

/// A finished pass, with what it was a pass of.
type Finished = (PathBuf, Desired, Pass);

/// The loop's state between turns.
struct Runner {
    describe: String,
    client: Client,
    config: RunConfig,
    status: SharedStatus,
    leasing: Leasing,
    backups: Option<Arc<BackupScheduler<RailwayStore>>>,
    /// Without `--lock-url`: the inventory that records running backups, told where volumes live.
    inventory_journal: Option<Arc<InventoryJournal>>,
    slots: BTreeMap<PathBuf, Slot>,
    revision: String,
    passes: JoinSet<Finished>,
    scheduled: Vec<BackupTarget>,
    stop: Arc<AtomicBool>,
    notifier: Notifier,
    prober: Prober,
    /// When the latest probe round started: rounds recur an interval apart, and settled
    /// projects are due at one of them (`steady::on_round`).
    round: Option<Instant>,
    budget: Option<RequestBudget>,
    /// Slots whose id was looked up in the token's project list since their last pass.
    looked_up: BTreeSet<PathBuf>,
    /// R34: the token cannot read its user's project list; ids are found pass by pass.
    index_unavailable: bool,
    /// `run --git`: the remote's branches as of the last fetch, for
    /// `spec.previews.fromBranches`; `None` for a files source.
    branches: Option<Branches>,
    /// Branches whose preview `expireAfter` deleted, at the commit they had then: no new
    /// preview is made for them until they move (or go and come back). Kept in memory only: a
    /// restarted operator makes each such preview once more.
    expired_branches: Branches,
}

impl Runner {
    fn load(&mut self, snapshot: &super::source::Snapshot) {
        self.take_branches(snapshot);
        if snapshot.revision == self.revision {
            return;
        }
        self.revision.clone_from(&snapshot.revision);
        load_snapshot(
            snapshot,
            &mut self.slots,
            &self.status,
            &self.describe,
            &self.config,
        );
    }

    async fn drive(
        &mut self,
        source: &mut Source,
        stopped: &Notify,
        reconcile_now: &ReconcileTrigger,
    ) -> u8 {
        let lost = self.leasing.lost_signal();
        loop {
            if self.leasing.turn_due() || !self.leasing.is_guarded() {
                self.lease_turn().await;
                if self.config.once && !self.leasing.reached() {
                    tracing::error!("the lock database is unreachable: --once reconciles nothing");
                    return 1;
                }
            }
            self.resolve_ids().await;
            self.probe_due().await;
            self.start_due_passes();
            self.sync_backups().await;
            self.note_requests();
            update_readiness(
                &self.status,
                &self.slots,
                |slot| self.works_on(slot),
                self.leasing.reached(),
            );
            if self.config.once && self.passes.is_empty() && self.once_done() {
                return self.exit_code();
            }
            if self.stop.load(Ordering::SeqCst) {
                return 0;
            }
            let wake = self.next_wake();
            tokio::select! {
                _ = stopped.notified() => return 0,
                _ = reconcile_now.requested() => self.reconcile_all_now(reconcile_now.take_override()),
                changed = source.changed(&self.revision) => match changed {
                    Ok(new) => self.load(&new),
                    Err(error) => {
                        tracing::warn!(error = %error, source = %self.describe, "cannot read the manifest source; keeping the last good manifests");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                Some(done) = self.passes.join_next(), if !self.passes.is_empty() => {
                    if let Ok(finished) = done {
                        self.record(finished);
                    }
                }
                _ = wait_for(lost.as_deref()) => self.leasing.hurry(),
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Every project is due now; with `override_windows`, the next pass of each project this
    /// replica works on ignores its change windows (a standby's projects get no override).
    fn reconcile_all_now(&mut self, override_windows: bool) {
        let held: Vec<PathBuf> = self
            .slots
            .iter()
            .filter(|(_, slot)| self.works_on(slot))
            .map(|(path, _)| path.clone())
            .collect();
        for (path, slot) in &mut self.slots {
            slot.next_due = Instant::now();
            slot.mark = None;
            slot.stalled = false;
            slot.override_windows = override_windows && held.contains(path);
        }
        if override_windows {
            tracing::info!(
                projects = held.len(),
                "the next pass of each project ignores its change windows"
            );
        }
    }

    fn works_on(&self, slot: &Slot) -> bool {
        slot.lease_key().is_some_and(|key| self.leasing.holds(&key))
    }

    async fn lease_turn(&mut self) {
        let candidates: Vec<LeaseCandidate> = self
            .slots
            .values()
            .filter_map(|slot| {
                Some(LeaseCandidate {
                    key: slot.lease_key()?,
                    status_key: slot.key.clone(),
                    busy: slot.busy,
                })
            })
            .collect();
        self.leasing.turn(&candidates, &self.status).await;
    }

    /// Starts a pass of every due project this replica holds, while fewer than `concurrency`
    /// run. Each pass writes through a client fenced by the project's lease.
    fn start_due_passes(&mut self) {
        let now_instant = Instant::now();
        let limit = self.config.concurrency.max(1);
        let due: Vec<PathBuf> = self
            .slots
            .iter()
            .filter(|(_, slot)| {
                slot.due(now_instant) && self.works_on(slot) && !self.needs_probe(slot)
            })
            .map(|(path, _)| path.clone())
            .collect();
        // The longest waiting first: a project's second pass never goes before another's first.
        let mut due = due;
        due.sort_by_key(|path| self.slots.get(path).map(|slot| slot.next_due));
        for path in due {
            if self.passes.len() >= limit || self.stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(slot) = self.slots.get_mut(&path) else {
                continue;
            };
            let (Some(desired), Some(key)) = (slot.desired.clone(), slot.lease_key()) else {
                continue;
            };
            slot.busy = true;
            set_reconciling(&self.status, &slot.key);
            let client = self.leasing.client_for(&self.client, &key);
            let stop = self.stop.clone();
            let rollbacks = RollbackState {
                revision: slot.good_revision.clone().unwrap_or_default(),
                handled: slot.rollbacks_handled.clone(),
            };
            let override_windows = std::mem::take(&mut slot.override_windows);
            let known = slot.project_id.clone();
            let known_logs = slot.failure_logs.clone();
            let branches = self.pass_branches();
            self.passes.spawn(async move {
                let context = PassContext {
                    rollbacks: &rollbacks,
                    override_windows,
                    known_project: known.as_deref(),
                    branches,
                };
                let mut pass = reconcile(&client, &desired, stop, context).await;
                pass.failure_logs =
                    failure_logs::read(&client, &desired, pass.latest_live(), &known_logs).await;
                (path, desired, pass)
            });
        }
    }

    fn record(&mut self, (path, desired, pass): Finished) {
        // A file removed from the source while its pass ran: nothing to record it in.
        let Some(slot) = self.slots.get_mut(&path) else {
            return;
        };
        self.looked_up.remove(&path);
        let probed = slot.probed.take();
        // A preview that may expire needs full passes: the probe sees no clock.
        slot.mark = steady::standing(&pass, probed, self.config.interval / 10)
            .filter(|_| !branches::expiry_watched(&desired, &pass));
        // Right after an inventory write, the probe that stands for the next pass.
        let written = matches!(slot.mark, Some(steady::Standing::Written { .. }));
        slot.moved = false;
        slot.failure_logs.clone_from(&pass.failure_logs);
        if let Some(project) = pass.latest_live().and_then(|live| live.project.as_ref()) {
            slot.project_id = Some(project.id.clone());
        }
        let created = self.note_previews(&pass);
        self.record_pass(path.clone(), desired, pass);
        if let Some(slot) = self.slots.get_mut(&path).filter(|_| written || created) {
            slot.next_due = Instant::now();
            if created {
                // Its overrides converge in the pass that sees it: the next one, now.
                slot.mark = None;
            }
        }
    }

    /// Records a pass (full, or one the probe stood in for) into its slot and the status.
    fn record_pass(&mut self, path: PathBuf, desired: Desired, pass: Pass) {
        let Some(slot) = self.slots.get_mut(&path) else {
            return;
        };
        let context = Recording {
            config: &self.config,
            client: &self.client,
            status: &self.status,
            notifier: &self.notifier,
            current_revision: &self.revision,
            describe: &self.describe,
        };
        record_finished(slot, &desired, pass, &context);
        self.join_round(&path);
        if let (Some(scheduler), Ok(mut s)) = (&self.backups, self.status.write()) {
            fill_status(&mut s, &scheduler.stats());
        }
    }

    /// Backup jobs of the projects this replica holds, following their manifests.
    async fn sync_backups(&mut self) {
        let Some(scheduler) = &self.backups else {
            return;
        };
        let wanted: Vec<BackupTarget> = self
            .slots
            .values()
            .filter(|slot| self.works_on(slot))
            .filter_map(|slot| {
                Some(backup_targets(
                    slot.desired.as_ref()?,
                    slot.last_live.as_ref()?,
                ))
            })
            .flatten()
            .collect();
        if wanted == self.scheduled {
            return;
        }
        if let Some(journal) = &self.inventory_journal {
            let held = self.slots.values().filter(|slot| self.works_on(slot));
            for live in held.filter_map(|slot| slot.last_live.as_ref()) {
                for (volume_instance, project, environment) in volume_places(live) {
                    journal.place(&volume_instance, &project, &environment);
                }
            }
        }
        match scheduler.set_targets(wanted.clone()).await {
            Ok(changes) => tracing::info!(
                added = changes.added.len(),
                updated = changes.updated.len(),
                removed = changes.removed.len(),
                rejected = changes.rejected.len(),
                "backup schedules follow the manifests"
            ),
            Err(error) => tracing::warn!(error = %error, "cannot update backup schedules"),
        }
        self.scheduled = wanted;
    }

    fn once_done(&self) -> bool {
        self.leasing.reached()
            && self
                .slots
                .values()
                .filter(|slot| slot.desired.is_some() && self.works_on(slot))
                .all(|slot| slot.last_kind.is_some())
    }

    fn exit_code(&self) -> u8 {
        self.slots
            .values()
            .filter(|slot| slot.desired.is_none() || self.works_on(slot))
            .map(|slot| match slot.last_kind {
                Some(PassKind::Failed | PassKind::Stalled) => 1,
                None if slot.desired.is_none() => 1,
                Some(PassKind::DriftReported) => 2,
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// The earliest of: a held project due, the next lease turn.
    fn next_wake(&self) -> Instant {
        let due = self
            .slots
            .values()
            .filter(|s| s.desired.is_some() && !s.stalled && !s.busy && self.works_on(s))
            .map(|s| s.next_due)
            .min()
            .unwrap_or_else(|| Instant::now() + self.config.interval);
        if self.leasing.is_guarded() {
            due.min(self.leasing.next_turn())
        } else {
            due
        }
    }

    /// Lets the passes in flight finish their action (they see the stop flag), records them,
    /// stops the backups and gives the leases back.
    async fn finish(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        while let Some(done) = self.passes.join_next().await {
            if let Ok(finished) = done {
                self.record(finished);
            }
        }
        if let Some(scheduler) = &self.backups
            && let Err(error) = scheduler.shutdown().await
        {
            tracing::warn!(error = %error, "backup scheduler did not stop cleanly");
        }
        self.leasing.close();
        // Queued notifications go out before the process does: `--once` in CI waits for one
        // full retry cycle, a shutdown less, inside its 28 s.
        let grace = if self.config.once {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(10)
        };
        if !self.notifier.flush(grace).await {
            tracing::warn!(
                seconds = grace.as_secs(),
                "notifications still queued at exit were dropped"
            );
        }
    }
}

/// Resolves when `signal` is notified; never without one.
async fn wait_for(signal: Option<&Notify>) {
    match signal {
        Some(signal) => signal.notified().await,
        None => std::future::pending().await,
    }
}
