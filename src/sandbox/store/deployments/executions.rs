//! Off-schedule runs of a cron service (`railway cron run`, `railway cron list`): recording a
//! run against the instance's running deployment and listing an instance's runs. It must not
//! start, stop or change deployments; the runs are bookkeeping on top of the history.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::sandbox::model::{DeploymentInstanceStatus, ExecutionRecord, new_id, now_rfc3339};
use crate::sandbox::store::{DomainError, Store};

/// One run as read: its record, the meta of the deployment it ran, and its status.
#[derive(Clone, Debug)]
pub(crate) struct ExecutionView {
    pub record: ExecutionRecord,
    pub deployment_meta: Value,
    pub status: DeploymentInstanceStatus,
    pub completed_at: Option<String>,
}

impl Store {
    /// `deploymentInstanceExecutionCreate`: runs the instance's current deployment once, now.
    /// Guesses: Railway's errors are not documented; an unknown instance answers "ServiceInstance
    /// not found" and one with nothing running "Deployment not found".
    pub(crate) fn run_instance_now(
        &mut self,
        service_instance_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let instance = self
            .state
            .instances
            .iter()
            .find(|i| i.id == service_instance_id && i.deleted_at.is_none())
            .cloned()
            .ok_or(DomainError::InstanceNotFound)?;
        self.environment(&instance.environment_id)?;
        let deployment = self
            .active_deployments_of(&instance, now)
            .into_iter()
            .next()
            .ok_or(DomainError::DeploymentNotFound)?;
        self.state.executions.push(ExecutionRecord {
            id: new_id(),
            deployment_id: deployment.record.id,
            service_id: instance.service_id,
            environment_id: instance.environment_id,
            created_at: now_rfc3339(),
        });
        Ok(())
    }

    /// `deploymentInstanceExecutions`: the instance's runs, newest first. Guess: a sandbox run
    /// does no work, so it has EXITED (cleanly) the moment it is recorded.
    pub(crate) fn executions_of(
        &self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<Vec<ExecutionView>, DomainError> {
        self.service(service_id)?;
        self.environment(environment_id)?;
        let meta_of = |deployment_id: &str| {
            self.state
                .deployments
                .iter()
                .find(|d| d.id == deployment_id)
                .map_or(Value::Null, |d| d.meta.clone())
        };
        Ok(self
            .state
            .executions
            .iter()
            .rev()
            .filter(|e| e.service_id == service_id && e.environment_id == environment_id)
            .map(|record| ExecutionView {
                deployment_meta: meta_of(&record.deployment_id),
                status: DeploymentInstanceStatus::Exited,
                completed_at: Some(record.created_at.clone()),
                record: record.clone(),
            })
            .collect())
    }
}
