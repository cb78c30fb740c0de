//! The write fence of one project: before every mutation the client asks it whether this
//! replica still holds the project's lease in a session that answers. It never takes or gives
//! back a lease.

use std::sync::Arc;

use super::LeaseStore;
use crate::railway::client::{FenceCheck, WriteFence};

pub struct ProjectFence {
    store: Arc<LeaseStore>,
    key: String,
}

impl ProjectFence {
    pub fn new(store: Arc<LeaseStore>, key: impl Into<String>) -> Self {
        ProjectFence {
            store,
            key: key.into(),
        }
    }
}

impl WriteFence for ProjectFence {
    fn check(&self) -> FenceCheck<'_> {
        Box::pin(async move { self.store.verify(&self.key).await.map_err(Into::into) })
    }
}

/// The fence of writes that belong to no single pass (operator-run backups): the replica's lock
/// session must be alive. Backups of a project follow its lease at the next loop turn.
pub struct SessionFence {
    store: Arc<LeaseStore>,
}

impl SessionFence {
    pub fn new(store: Arc<LeaseStore>) -> Self {
        SessionFence { store }
    }
}

impl WriteFence for SessionFence {
    fn check(&self) -> FenceCheck<'_> {
        Box::pin(async move { self.store.verify_session().await.map_err(Into::into) })
    }
}
