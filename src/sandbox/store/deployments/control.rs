//! Acting on one existing deployment: `deploymentRemove` and `deploymentRestart`. Neither starts
//! a deployment (R43 does not list them); nothing here knows about GraphQL or HTTP.

use chrono::{SecondsFormat, Utc};

use super::super::{DomainError, Store};
use super::lifecycle;

impl Store {
    /// `deploymentRemove`: the deployment goes REMOVING, then REMOVED (R42), like an aborted
    /// one. Removing a removed deployment again changes nothing (a guess: Railway's answer to a
    /// second remove is not documented).
    pub(crate) fn remove_deployment(&mut self, id: &str) -> Result<(), DomainError> {
        let now = Utc::now();
        let view = self.deployment_by_id(id, now)?;
        if view.record.removed_at.is_some() {
            return Ok(());
        }
        let at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        if let Some(record) = self.state.deployments.iter_mut().find(|d| d.id == id) {
            record.removed_at = Some(at);
        }
        Ok(())
    }

    /// `deploymentRestart`: restarts the deployment's containers without a rebuild, so no new
    /// deployment and no status change. Guess: Railway refuses to restart a deployment that is
    /// not running (its text is not documented).
    pub(crate) fn restart_deployment(&self, id: &str) -> Result<(), DomainError> {
        let view = self.deployment_by_id(id, Utc::now())?;
        if !lifecycle::ran(view.status) {
            return Err(DomainError::RestartNotRunning);
        }
        Ok(())
    }

    /// `deploymentCancel`: R42, an aborted deployment goes REMOVING, then REMOVED. Guess: one
    /// that has already ended is left as it is.
    pub(crate) fn cancel_deployment(&mut self, id: &str) -> Result<(), DomainError> {
        let view = self.deployment_by_id(id, Utc::now())?;
        if !lifecycle::in_progress(view.status) {
            return Ok(());
        }
        self.remove_deployment(id)
    }
}
