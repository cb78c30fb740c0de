//! The lock connection and what it holds: connecting (with a membership lock), taking and
//! releasing project leases, counting replicas, naming holders, and noticing at once when the
//! session ends. A lease is valid only within the session that took it: PostgreSQL releases
//! session-level advisory locks when the session goes, so a new session starts with none.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_postgres::config::Host;

use super::keys::{MEMBER_NAMESPACE, PROJECT_NAMESPACE, lock_number};
use super::tls::{self, TlsMode};
use super::{LeaseError, LeaseLost};

/// How long connecting or one lock query may take before the store counts as unreachable.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection to the lock database and the generation that tells its leases apart from an
/// earlier session's.
pub struct Session {
    pub(super) client: tokio_postgres::Client,
    alive: Arc<AtomicBool>,
    generation: u64,
    /// Why the connection ended, once it has.
    closed: Arc<Mutex<Option<String>>>,
}

struct Holding {
    since: DateTime<Utc>,
    generation: u64,
}

pub struct LeaseStore {
    config: tokio_postgres::Config,
    /// The URL's `sslmode` and the rustls connector built for it.
    tls_mode: TlsMode,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// `host:port/database`, for messages: never the password.
    target: String,
    instance_id: String,
    /// The replicas sharing one source count each other: the lock number of that source.
    group: i32,
    session: Mutex<Option<Arc<Session>>>,
    held: Mutex<BTreeMap<String, Holding>>,
    generations: AtomicU64,
    lost: Arc<Notify>,
    /// The running-backups table exists (made once per process).
    pub(super) backups_table: AtomicBool,
}

impl std::fmt::Debug for LeaseStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseStore")
            .field("target", &self.target)
            .field("instance_id", &self.instance_id)
            .finish_non_exhaustive()
    }
}

impl LeaseStore {
    /// Reads the URL; connects only on [`LeaseStore::connect`]. Replicas with the same `group`
    /// (their manifest source) share its projects and count each other for the fair share.
    ///
    /// # Errors
    /// [`LeaseError::InvalidUrl`] when `url` is not a PostgreSQL URL.
    pub fn new(url: &str, instance_id: &str, group: &str) -> Result<Self, LeaseError> {
        let (driver_url, tls_params) = tls::split_url(url)?;
        let mut config: tokio_postgres::Config = driver_url.parse().map_err(|_| {
            LeaseError::InvalidUrl("it does not parse as a connection URL".to_string())
        })?;
        if config.get_hosts().is_empty() {
            return Err(LeaseError::InvalidUrl("it names no host".to_string()));
        }
        config.ssl_mode(tls_params.mode.driver_mode());
        let tls = tls::connector(&tls_params)?;
        let application: String = format!("railway-operator/{instance_id}")
            .chars()
            .take(63)
            .collect();
        config
            .application_name(&application)
            .connect_timeout(QUERY_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10));
        Ok(LeaseStore {
            target: describe_target(&config),
            config,
            tls_mode: tls_params.mode,
            tls,
            instance_id: instance_id.to_string(),
            group: lock_number(group),
            session: Mutex::new(None),
            held: Mutex::new(BTreeMap::new()),
            generations: AtomicU64::new(0),
            lost: Arc::new(Notify::new()),
            backups_table: AtomicBool::new(false),
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    /// The lock URL's `sslmode` (`prefer` when it names none).
    pub fn tls_mode(&self) -> &'static str {
        self.tls_mode.name()
    }

    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Notified the moment the lock connection ends.
    pub fn lost_signal(&self) -> Arc<Notify> {
        self.lost.clone()
    }

    fn live_session(&self) -> Option<Arc<Session>> {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        session
            .as_ref()
            .filter(|s| s.alive.load(Ordering::SeqCst))
            .cloned()
    }

    pub fn connected(&self) -> bool {
        self.live_session().is_some()
    }

    /// Why the last session ended, if it did.
    pub fn closed_reason(&self) -> Option<String> {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let session = session.as_ref()?;
        session
            .closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn session(&self) -> Result<Arc<Session>, LeaseError> {
        self.live_session()
            .ok_or_else(|| LeaseError::ConnectionLost {
                target: self.target.clone(),
                message: self
                    .closed_reason()
                    .unwrap_or_else(|| "not connected".to_string()),
            })
    }

    /// Opens a new session unless one is alive, and registers this replica in it.
    ///
    /// # Errors
    /// [`LeaseError::Unreachable`] when PostgreSQL cannot be reached or refuses the login.
    pub async fn connect(&self) -> Result<(), LeaseError> {
        if self.connected() {
            return Ok(());
        }
        let unreachable = |message: String| LeaseError::Unreachable {
            target: self.target.clone(),
            message,
        };
        let connecting = self.config.connect(self.tls.clone());
        let (client, connection) = tokio::time::timeout(QUERY_TIMEOUT, connecting)
            .await
            .map_err(|_| unreachable("no answer within 5 s".to_string()))?
            .map_err(|e| {
                unreachable(tls::explain(&e, self.tls_mode).unwrap_or_else(|| describe_error(&e)))
            })?;
        let generation = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
        let alive = Arc::new(AtomicBool::new(true));
        let closed = Arc::new(Mutex::new(None));
        {
            let (alive, closed, lost) = (alive.clone(), closed.clone(), self.lost.clone());
            tokio::spawn(async move {
                let reason = match connection.await {
                    Ok(()) => "the connection was closed".to_string(),
                    Err(error) => describe_error(&error),
                };
                *closed.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason);
                alive.store(false, Ordering::SeqCst);
                lost.notify_waiters();
                lost.notify_one();
            });
        }
        let session = Arc::new(Session {
            client,
            alive,
            generation,
            closed,
        });
        // A shared lock per source group: every replica of the group holds it, so counting its
        // holders counts the replicas, whatever their ids.
        let registered = self
            .query_bool(
                &session,
                "SELECT pg_try_advisory_lock_shared($1::int4, $2::int4)",
                &[&MEMBER_NAMESPACE, &self.group],
            )
            .await?;
        if !registered {
            return Err(unreachable(
                "the membership lock is held exclusively by another session".to_string(),
            ));
        }
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = Some(session);
        Ok(())
    }

    /// Ends the session; PostgreSQL releases every lease it held.
    pub fn close(&self) {
        self.session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    async fn query_bool(
        &self,
        session: &Session,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<bool, LeaseError> {
        let row = tokio::time::timeout(QUERY_TIMEOUT, session.client.query_one(sql, params))
            .await
            .map_err(|_| self.query_error("no answer within 5 s".to_string()))?
            .map_err(|e| self.query_error(describe_error(&e)))?;
        row.try_get::<_, bool>(0)
            .map_err(|e| self.query_error(describe_error(&e)))
    }

    pub(super) fn query_error(&self, message: String) -> LeaseError {
        if self.connected() {
            LeaseError::Query {
                target: self.target.clone(),
                message,
            }
        } else {
            LeaseError::ConnectionLost {
                target: self.target.clone(),
                message,
            }
        }
    }

    /// How many replicas of this source group are connected now, this one included.
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn members(&self) -> Result<usize, LeaseError> {
        let session = self.session()?;
        let sql = format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND mode = 'ShareLock' AND classid = {MEMBER_NAMESPACE} AND objid = {} \
             AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            self.group
        );
        let row = tokio::time::timeout(QUERY_TIMEOUT, session.client.query_one(&sql, &[]))
            .await
            .map_err(|_| self.query_error("no answer within 5 s".to_string()))?
            .map_err(|e| self.query_error(describe_error(&e)))?;
        let count: i64 = row
            .try_get(0)
            .map_err(|e| self.query_error(describe_error(&e)))?;
        Ok(usize::try_from(count).unwrap_or(1).max(1))
    }

    /// Takes the lease `key` if no other session holds it. Holding it already answers true
    /// without asking again (advisory locks count re-entries, which a release would not undo).
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn try_acquire(&self, key: &str) -> Result<bool, LeaseError> {
        let session = self.session()?;
        if self.holding_in(key, session.generation).is_some() {
            return Ok(true);
        }
        let acquired = self
            .query_bool(
                &session,
                "SELECT pg_try_advisory_lock($1::int4, $2::int4)",
                &[&PROJECT_NAMESPACE, &lock_number(key)],
            )
            .await?;
        if acquired {
            self.held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(
                    key.to_string(),
                    Holding {
                        since: Utc::now(),
                        generation: session.generation,
                    },
                );
        }
        Ok(acquired)
    }

    /// Gives the lease `key` back, so another replica can take it.
    ///
    /// # Errors
    /// When the session is gone or the query fails; the lease is forgotten either way.
    pub async fn release(&self, key: &str) -> Result<(), LeaseError> {
        let holding = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        let session = self.session()?;
        if holding.is_some_and(|h| h.generation == session.generation) {
            self.query_bool(
                &session,
                "SELECT pg_advisory_unlock($1::int4, $2::int4)",
                &[&PROJECT_NAMESPACE, &lock_number(key)],
            )
            .await?;
        }
        Ok(())
    }

    fn holding_in(&self, key: &str, generation: u64) -> Option<DateTime<Utc>> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(key)
            .filter(|h| h.generation == generation)
            .map(|h| h.since)
    }

    /// Since when this replica holds `key`, if it still does.
    pub fn holding(&self, key: &str) -> Option<DateTime<Utc>> {
        let session = self.live_session()?;
        self.holding_in(key, session.generation)
    }

    /// Every lease this replica holds in its live session.
    pub fn held_keys(&self) -> Vec<String> {
        let Some(session) = self.live_session() else {
            return Vec::new();
        };
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.iter()
            .filter(|(_, h)| h.generation == session.generation)
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Forgets, and returns, every lease taken in a session that has ended.
    pub fn take_lost(&self) -> Vec<String> {
        let current = self.live_session().map(|s| s.generation);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let lost: Vec<String> = held
            .iter()
            .filter(|(_, h)| Some(h.generation) != current)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &lost {
            held.remove(key);
        }
        lost
    }

    /// Which session holds each project lease now: lock number -> the holder's application name
    /// (`railway-operator/<instance>`).
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn holders(&self) -> Result<BTreeMap<i32, String>, LeaseError> {
        let session = self.session()?;
        let sql = format!(
            "SELECT l.objid::int8, coalesce(a.application_name, '') FROM pg_locks l \
             LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {PROJECT_NAMESPACE} \
             AND l.objsubid = 2 \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        );
        let rows = tokio::time::timeout(QUERY_TIMEOUT, session.client.query(&sql, &[]))
            .await
            .map_err(|_| self.query_error("no answer within 5 s".to_string()))?
            .map_err(|e| self.query_error(describe_error(&e)))?;
        let mut holders = BTreeMap::new();
        for row in rows {
            let number = row
                .try_get::<_, i64>(0)
                .ok()
                .and_then(|n| i32::try_from(n).ok());
            if let (Some(number), Ok(name)) = (number, row.try_get::<_, String>(1)) {
                let name = name.strip_prefix("railway-operator/").unwrap_or(&name);
                holders.insert(number, name.to_string());
            }
        }
        Ok(holders)
    }

    /// The fence's question: this replica holds `key` in a live session that answers now.
    ///
    /// # Errors
    /// [`LeaseLost`]: why the lease no longer counts.
    pub async fn verify(&self, key: &str) -> Result<(), LeaseLost> {
        let session = self.session().map_err(LeaseLost::NoSession)?;
        if self.holding_in(key, session.generation).is_none() {
            return Err(LeaseLost::NotHeld);
        }
        self.ping(&session).await
    }

    /// The replica-wide question, for writes not tied to one pass (backups): the session that
    /// holds this replica's leases is alive and answers now.
    ///
    /// # Errors
    /// [`LeaseLost`]: why the session no longer counts.
    pub async fn verify_session(&self) -> Result<(), LeaseLost> {
        let session = self.session().map_err(LeaseLost::NoSession)?;
        self.ping(&session).await
    }

    async fn ping(&self, session: &Session) -> Result<(), LeaseLost> {
        let target = self.target.clone();
        match tokio::time::timeout(QUERY_TIMEOUT, session.client.simple_query("SELECT 1")).await {
            Ok(Ok(_)) if session.alive.load(Ordering::SeqCst) => Ok(()),
            Ok(Ok(_)) => Err(LeaseLost::Closed { target }),
            Ok(Err(error)) => Err(LeaseLost::Failed {
                target,
                message: describe_error(&error),
            }),
            Err(_) => Err(LeaseLost::Unconfirmed { target }),
        }
    }
}

fn describe_target(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "?".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{database}")
}

/// A driver error as a sentence: PostgreSQL's own message when it sent one.
pub(super) fn describe_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = error.to_string();
            if let Some(source) = std::error::Error::source(error) {
                text = format!("{text}: {source}");
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_url_that_is_not_postgresql_is_refused_without_echoing_it() {
        let error = LeaseStore::new("https://user:hunter2@example.com", "a", "g")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("not a PostgreSQL URL"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn sslmode_verify_full_is_read_and_the_driver_is_told_to_require_tls() {
        let store = LeaseStore::new(
            "postgres://u:hunter2@db:5432/railway?sslmode=verify-full",
            "a",
            "g",
        )
        .expect("a valid URL");
        assert_eq!(store.tls_mode(), "verify-full");
        assert_eq!(
            store.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
    }

    #[test]
    fn the_target_names_host_port_and_database_but_never_the_password() {
        let store = LeaseStore::new(
            "postgres://u:hunter2@db.railway.internal:5433/leases",
            "a",
            "g",
        )
        .expect("a valid URL");
        assert_eq!(store.target(), "db.railway.internal:5433/leases");
        assert!(!format!("{store:?}").contains("hunter2"));
    }

    #[test]
    fn without_a_session_nothing_is_held_and_the_fence_says_why() {
        let store = LeaseStore::new("postgres://u@127.0.0.1:1/x", "a", "g").expect("valid");
        assert!(!store.connected());
        assert!(store.holding("name:shop").is_none());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let verdict = runtime.block_on(store.verify("name:shop"));
        assert!(
            verdict
                .as_ref()
                .is_err_and(|m| m.to_string().contains("lease lost")),
            "{verdict:?}"
        );
        let connect = runtime.block_on(store.connect());
        assert!(
            matches!(connect, Err(LeaseError::Unreachable { .. })),
            "{connect:?}"
        );
    }
}
