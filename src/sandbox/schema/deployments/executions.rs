//! The cron-run part of the deployments schema: `DeploymentInstanceExecution`, its connection and
//! inputs, as thin views over the store's execution readings. No rule is decided here.

use async_graphql::{ID, InputObject, Object};

use super::super::connection::connection;
use super::super::scalars::{DateTime, DeploymentMeta};
use crate::sandbox::model::DeploymentInstanceStatus;
use crate::sandbox::store::ExecutionView;

connection!(
    QueryDeploymentInstanceExecutionsConnection,
    QueryDeploymentInstanceExecutionsConnectionEdge,
    DeploymentInstanceExecution
);

#[derive(InputObject)]
pub(crate) struct DeploymentInstanceExecutionListInput {
    pub environment_id: String,
    pub service_id: String,
}

#[derive(InputObject)]
pub(crate) struct DeploymentInstanceExecutionCreateInput {
    pub service_instance_id: String,
}

/// One run of a cron service's deployment.
pub(crate) struct DeploymentInstanceExecution(pub ExecutionView);

#[Object]
impl DeploymentInstanceExecution {
    async fn id(&self) -> ID {
        ID(self.0.record.id.clone())
    }
    async fn deployment_id(&self) -> &str {
        &self.0.record.deployment_id
    }
    async fn deployment_meta(&self) -> DeploymentMeta {
        DeploymentMeta(self.0.deployment_meta.clone())
    }
    async fn status(&self) -> DeploymentInstanceStatus {
        self.0.status
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.record.created_at.clone())
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(
            self.0
                .completed_at
                .clone()
                .unwrap_or_else(|| self.0.record.created_at.clone()),
        )
    }
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.clone().map(DateTime)
    }
}
