//! Which projects this replica works on. With `--lock-url`: the leases it holds in PostgreSQL,
//! taken up to its fair share at every lease turn (once per interval), given back above it, and
//! gone with the session, after which the replica stays out for two intervals so that a healthy
//! one takes over. Without: every project, unguarded. Writes the lease part of the status; never
//! reconciles and never talks to Railway.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::status::{ControllerStatus, SharedStatus};
use crate::lease::{
    LeaseError, LeaseStore, ProjectFence, SessionFence, fair_share, lock_number, preference,
};
use crate::railway::Client;

/// One project as the lease turn sees it.
pub struct LeaseCandidate {
    pub key: String,
    /// Its status entry (the project name).
    pub status_key: String,
    /// A pass is running: its lease is never given back in the middle of one.
    pub busy: bool,
}

pub struct Leasing {
    store: Option<Arc<LeaseStore>>,
    interval: Duration,
    /// Set when the session ended: no reconnect before then.
    out_until: Option<Instant>,
    next_turn: Instant,
    /// At least one turn reached the lock database (readiness waits for it).
    reached: bool,
}

impl Leasing {
    pub fn unguarded() -> Self {
        Leasing {
            store: None,
            interval: Duration::MAX,
            out_until: None,
            next_turn: far_future(),
            reached: true,
        }
    }

    pub fn guarded(store: Arc<LeaseStore>, interval: Duration) -> Self {
        Leasing {
            store: Some(store),
            interval,
            out_until: None,
            next_turn: Instant::now(),
            reached: false,
        }
    }

    pub fn is_guarded(&self) -> bool {
        self.store.is_some()
    }

    /// Notified the moment the lock session ends; `None` when unguarded.
    pub fn lost_signal(&self) -> Option<Arc<Notify>> {
        self.store.as_ref().map(|s| s.lost_signal())
    }

    pub fn next_turn(&self) -> Instant {
        self.next_turn
    }

    pub fn turn_due(&self) -> bool {
        self.store.is_some() && self.next_turn <= Instant::now()
    }

    /// Makes the next turn happen at once (the session just ended).
    pub fn hurry(&mut self) {
        if self.store.is_some() {
            self.next_turn = Instant::now();
        }
    }

    pub fn reached(&self) -> bool {
        self.reached
    }

    /// Whether this replica reconciles the project with lease `key` now.
    pub fn holds(&self, key: &str) -> bool {
        self.store
            .as_ref()
            .is_none_or(|store| store.holding(key).is_some())
    }

    /// The client a pass of project `key` writes through: fenced by its lease when guarded.
    pub fn client_for(&self, client: &Client, key: &str) -> Client {
        match &self.store {
            Some(store) => client
                .clone()
                .with_fence(Arc::new(ProjectFence::new(store.clone(), key))),
            None => client.clone(),
        }
    }

    /// The client operator-run backups write through: fenced by the lock session when guarded.
    pub fn backup_client(&self, client: &Client) -> Client {
        match &self.store {
            Some(store) => client
                .clone()
                .with_fence(Arc::new(SessionFence::new(store.clone()))),
            None => client.clone(),
        }
    }

    /// Ends the session: PostgreSQL hands every lease to the other replicas at once.
    pub fn close(&self) {
        if let Some(store) = &self.store {
            store.close();
        }
    }

    /// One lease turn: counts losses, reconnects when allowed, counts the replicas, gives back
    /// leases above the fair share and takes free ones up to it, then writes the lease status.
    pub async fn turn(&mut self, candidates: &[LeaseCandidate], status: &SharedStatus) {
        let Some(store) = self.store.clone() else {
            mark_unguarded(candidates, status);
            return;
        };
        let now = Instant::now();
        self.next_turn = now + jitter(self.interval);
        if let Ok(mut s) = status.write() {
            s.lock.turns += 1;
        }
        let lost = store.take_lost();
        if !lost.is_empty() {
            self.out_until = Some(now + self.interval * 2);
            tracing::warn!(
                projects = lost.len(),
                reason = store.closed_reason().unwrap_or_default(),
                "lock session ended: stopped writing to the projects it held (LockLost)"
            );
            record_losses(&lost, status);
        }
        if let Err(error) = self.reach(&store, now).await {
            write_lock_state(status, &store, &error, candidates);
            return;
        }
        self.reached = true;
        match self.balance(&store, candidates, status).await {
            Ok(()) => {}
            Err(error) => {
                tracing::warn!(error = %error, "lease turn failed");
                write_lock_state(status, &store, &Unreached::Store(error), candidates);
            }
        }
    }

    async fn reach(&self, store: &LeaseStore, now: Instant) -> Result<(), Unreached> {
        if store.connected() {
            return Ok(());
        }
        if let Some(until) = self.out_until
            && until > now
        {
            return Err(Unreached::Rejoining(until - now));
        }
        let first = !self.reached;
        store.connect().await.map_err(Unreached::Store)?;
        tracing::info!(
            target = store.target(),
            first,
            "connected to the lock database"
        );
        Ok(())
    }

    async fn balance(
        &self,
        store: &LeaseStore,
        candidates: &[LeaseCandidate],
        status: &SharedStatus,
    ) -> Result<(), LeaseError> {
        // A project whose manifest left the source is no one's work here any more.
        for key in store.held_keys() {
            if !candidates.iter().any(|c| c.key == key) {
                store.release(&key).await?;
                tracing::info!(lease = %key, "gave the lease back: its manifest left the source");
                // The status says so at once: between the unlock and this turn's end, another
                // replica may already hold it, and the status must never claim it for two.
                if let Ok(mut s) = status.write() {
                    forget_departed(&mut s, candidates);
                }
            }
        }
        let replicas = store.members().await?;
        let share = fair_share(candidates.len(), replicas);
        let instance = store.instance_id();
        let mut ranked: Vec<&LeaseCandidate> = candidates.iter().collect();
        ranked.sort_by_key(|c| std::cmp::Reverse(preference(instance, &c.key)));
        let mut held: Vec<&LeaseCandidate> = ranked
            .iter()
            .copied()
            .filter(|c| store.holding(&c.key).is_some())
            .collect();
        // Above the share (a replica joined): give back the least preferred idle leases.
        while held.len() > share {
            let Some(position) = held.iter().rposition(|c| !c.busy) else {
                break;
            };
            let given = held.remove(position);
            store.release(&given.key).await?;
            tracing::info!(project = %given.status_key, replicas, share, "gave the lease back for another replica");
        }
        let mut acquired = Vec::new();
        for candidate in &ranked {
            if held.len() >= share {
                break;
            }
            if store.holding(&candidate.key).is_some() {
                continue;
            }
            if store.try_acquire(&candidate.key).await? {
                held.push(candidate);
                acquired.push(candidate.status_key.clone());
                tracing::info!(project = %candidate.status_key, "lease acquired: reconciling this project");
            }
        }
        let holders = store.holders().await.unwrap_or_default();
        let turn = TurnResult {
            replicas,
            share,
            held: held.len(),
            acquired,
            holders,
        };
        write_holdings(status, store, candidates, &turn);
        Ok(())
    }
}

/// What one turn found and did, for the status.
struct TurnResult {
    replicas: usize,
    share: usize,
    held: usize,
    /// Status keys of the projects this turn took.
    acquired: Vec<String>,
    /// Lock number -> the holding replica's instance id.
    holders: BTreeMap<i32, String>,
}

fn write_holdings(
    status: &SharedStatus,
    store: &LeaseStore,
    candidates: &[LeaseCandidate],
    turn: &TurnResult,
) {
    let Ok(mut s) = status.write() else {
        return;
    };
    s.lock.state = "connected".to_string();
    s.lock.message = None;
    s.lock.replicas = Some(turn.replicas);
    s.lock.fair_share = Some(turn.share);
    s.lock.held = turn.held;
    s.lock.last_turn_at = Some(stamp());
    forget_departed(&mut s, candidates);
    for candidate in candidates {
        let since = store.holding(&candidate.key);
        let holder = (since.is_none())
            .then(|| turn.holders.get(&lock_number(&candidate.key)).cloned())
            .flatten();
        let project = project_entry(&mut s, candidate);
        if since.is_none() {
            // This replica's view of a project it does not reconcile says whose it is.
            let message = match &holder {
                Some(holder) => format!("replica {holder} reconciles this project"),
                None => "no replica holds this project yet".to_string(),
            };
            let now = stamp();
            project
                .conditions
                .ready
                .set(false, "HeldByAnotherReplica", message, &now);
        }
        let lease = &mut project.lease;
        lease.held = since.is_some();
        lease.since = since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        lease.holder = holder;
        if turn.acquired.contains(&candidate.status_key) {
            lease.acquisitions += 1;
        }
    }
}

/// Why a turn could not reach the lock database.
enum Unreached {
    Rejoining(Duration),
    Store(LeaseError),
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

fn jitter(interval: Duration) -> Duration {
    interval.mul_f64(rand::rng().random_range(0.9..1.1))
}

fn stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A project whose manifest left the source is held by no one here.
fn forget_departed(status: &mut ControllerStatus, candidates: &[LeaseCandidate]) {
    for (name, project) in &mut status.projects {
        if !candidates.iter().any(|c| &c.status_key == name) {
            project.lease.held = false;
            project.lease.since = None;
        }
    }
}

fn project_entry<'a>(
    status: &'a mut ControllerStatus,
    candidate: &LeaseCandidate,
) -> &'a mut super::status::ProjectStatus {
    let project = status
        .projects
        .entry(candidate.status_key.clone())
        .or_default();
    if project.name.is_empty() {
        project.name.clone_from(&candidate.status_key);
    }
    project.lease.key.clone_from(&candidate.key);
    project
}

fn mark_unguarded(candidates: &[LeaseCandidate], status: &SharedStatus) {
    if let Ok(mut s) = status.write() {
        s.lock.guarded = false;
        s.lock.state = "unguarded".to_string();
        s.lock.held = candidates.len();
        forget_departed(&mut s, candidates);
        for candidate in candidates {
            let lease = &mut project_entry(&mut s, candidate).lease;
            lease.held = true;
        }
    }
}

fn record_losses(lost: &[String], status: &SharedStatus) {
    if let Ok(mut s) = status.write() {
        let at = stamp();
        let by_key: BTreeMap<String, String> = s
            .projects
            .iter()
            .map(|(name, p)| (p.lease.key.clone(), name.clone()))
            .collect();
        for key in lost {
            let Some(name) = by_key.get(key) else {
                continue;
            };
            if let Some(project) = s.projects.get_mut(name) {
                project.lease.held = false;
                project.lease.since = None;
                project.lease.lost_at = Some(at.clone());
                project.lease.losses += 1;
                project.last_error = Some(
                    "LockLost: the lock session ended; writes to this project stopped".to_string(),
                );
            }
        }
    }
}

/// Fail closed: nothing is held, and the status says why.
fn write_lock_state(
    status: &SharedStatus,
    store: &LeaseStore,
    why: &Unreached,
    candidates: &[LeaseCandidate],
) {
    let (state, message) = match why {
        Unreached::Rejoining(left) => (
            "rejoining",
            format!(
                "the lock session ended ({}); rejoining in {} s so that another replica takes over",
                store
                    .closed_reason()
                    .unwrap_or_else(|| "closed".to_string()),
                left.as_secs()
            ),
        ),
        Unreached::Store(error) => (
            "unreachable",
            format!("{error}; no writes until it answers"),
        ),
    };
    let holding: BTreeSet<&str> = candidates
        .iter()
        .filter(|c| store.holding(&c.key).is_some())
        .map(|c| c.key.as_str())
        .collect();
    if let Ok(mut s) = status.write() {
        s.lock.state = state.to_string();
        s.lock.message = Some(message);
        s.lock.held = holding.len();
        s.lock.last_turn_at = Some(stamp());
        for candidate in candidates {
            let lease = &mut project_entry(&mut s, candidate).lease;
            lease.held = holding.contains(candidate.key.as_str());
            if !lease.held {
                lease.since = None;
            }
        }
    }
}
