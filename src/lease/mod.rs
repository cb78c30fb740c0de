//! Per-project leases on PostgreSQL: one session-level advisory lock per project, held on one
//! dedicated connection per replica, a membership lock per replica so replicas can count each
//! other, and the write fence that refuses a mutation once the lease is gone. Knows nothing of
//! Railway's API or of manifests; the controller decides which projects to hold.

mod backups;
mod fence;
mod keys;
mod store;
mod tls;

pub use backups::RUNNING_BACKUPS_TABLE;
pub use fence::{ProjectFence, SessionFence};
pub use keys::{PROJECT_NAMESPACE, fair_share, lease_key, lock_number, preference};
pub use store::LeaseStore;

/// Why the lock store could not answer. Messages never hold the URL's password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "the lock URL is not a PostgreSQL URL (postgres://user:password@host:port/database): {0}"
    )]
    InvalidUrl(String),
    #[error("the lock database {target} is unreachable: {message}")]
    Unreachable { target: String, message: String },
    #[error("the lock connection to {target} is closed: {message}")]
    ConnectionLost { target: String, message: String },
    #[error("the lock database {target} refused a lock query: {message}")]
    Query { target: String, message: String },
}

/// Why the write fence refuses: this replica's lease no longer counts. Messages never hold the
/// URL's password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LeaseLost {
    #[error("lease lost: {0}")]
    NoSession(LeaseError),
    #[error("this replica does not hold the project's lease")]
    NotHeld,
    #[error("lease lost: the lock connection to {target} closed")]
    Closed { target: String },
    #[error("lease lost: the lock connection to {target} failed: {message}")]
    Failed { target: String, message: String },
    #[error("lease unconfirmed: the lock database {target} did not answer within 5 s")]
    Unconfirmed { target: String },
}
