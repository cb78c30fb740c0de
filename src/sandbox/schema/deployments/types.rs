//! Output and input types of the deployments part of the sandbox schema (`Deployment`,
//! `DeploymentDeploymentInstance`, `QueryDeploymentsConnection`, `DeploymentListInput`,
//! `DeploymentStatusInput`), each a thin view over a store reading. No rule is decided here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime as ChronoDateTime, SecondsFormat, Utc};

use super::super::connection::connection;
use super::super::scalars::DeploymentDiagnosis;
use super::super::scalars::{DateTime, DeploymentMeta};
use super::super::types::{Environment, Service};
use super::super::unmodelled::{DeploymentCreator, DeploymentSocket};
use super::super::with_store;
use super::super::workspaces::{SANDBOX_USER_EMAIL, SANDBOX_USER_NAME};
use crate::sandbox::model::{DeploymentInstanceStatus, DeploymentStatus};
use crate::sandbox::store::SANDBOX_CREATOR_ID;
use crate::sandbox::store::{
    DeploymentFilter, DeploymentView, DomainError, can_redeploy, replica_status,
};

pub(crate) fn date_time(at: ChronoDateTime<Utc>) -> DateTime {
    DateTime(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

connection!(
    QueryDeploymentsConnection,
    QueryDeploymentsConnectionEdge,
    Deployment
);

#[derive(InputObject)]
pub(crate) struct DeploymentStatusInput {
    #[graphql(name = "in")]
    pub in_: Option<Vec<DeploymentStatus>>,
    pub not_in: Option<Vec<DeploymentStatus>>,
}

#[derive(InputObject)]
pub(crate) struct DeploymentListInput {
    pub environment_id: Option<String>,
    pub include_deleted: Option<bool>,
    pub project_id: Option<String>,
    pub service_id: Option<String>,
    pub status: Option<DeploymentStatusInput>,
}

impl From<DeploymentListInput> for DeploymentFilter {
    fn from(input: DeploymentListInput) -> Self {
        let (status_in, status_not_in) = input
            .status
            .map_or((None, None), |status| (status.in_, status.not_in));
        DeploymentFilter {
            project_id: input.project_id,
            environment_id: input.environment_id,
            service_id: input.service_id,
            status_in,
            status_not_in,
            include_deleted: input.include_deleted.unwrap_or(false),
        }
    }
}

#[derive(SimpleObject)]
pub(crate) struct DeploymentDeploymentInstance {
    pub id: String,
    pub status: DeploymentInstanceStatus,
}

pub(crate) struct Deployment(pub DeploymentView);

#[Object]
impl Deployment {
    async fn id(&self) -> ID {
        ID(self.0.record.id.clone())
    }
    async fn status(&self) -> DeploymentStatus {
        self.0.status
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.record.created_at.clone())
    }
    async fn updated_at(&self) -> DateTime {
        date_time(self.0.status_since)
    }
    async fn status_updated_at(&self) -> Option<DateTime> {
        Some(date_time(self.0.status_since))
    }
    async fn service_id(&self) -> Option<&str> {
        Some(&self.0.record.service_id)
    }
    async fn environment_id(&self) -> &str {
        &self.0.record.environment_id
    }
    async fn project_id(&self) -> &str {
        &self.0.record.project_id
    }
    async fn static_url(&self) -> Option<&str> {
        self.0.static_url.as_deref()
    }
    async fn url(&self) -> Option<String> {
        self.0
            .static_url
            .as_ref()
            .map(|domain| format!("https://{domain}"))
    }
    async fn can_redeploy(&self) -> bool {
        can_redeploy(self.0.status)
    }
    /// A guess: only a deployment a newer live one replaced can be rolled back to.
    async fn can_rollback(&self) -> bool {
        self.0.superseded
    }
    async fn deployment_stopped(&self) -> bool {
        self.0.deployment_stopped()
    }
    async fn instances(&self) -> Vec<DeploymentDeploymentInstance> {
        let Some(status) = replica_status(self.0.status, self.0.deployment_stopped()) else {
            return Vec::new();
        };
        self.0
            .record
            .instance_ids
            .iter()
            .map(|id| DeploymentDeploymentInstance {
                id: id.clone(),
                status,
            })
            .collect()
    }
    async fn meta(&self) -> Option<DeploymentMeta> {
        Some(DeploymentMeta(self.0.record.meta.clone()))
    }
    /// Guess: one snapshot per deployment, named by the deployment's id (Railway's CLI finds a
    /// deployment's build logs by it).
    async fn snapshot_id(&self) -> Option<&str> {
        Some(self.0.record.id.as_str())
    }
    /// A guess: Railway suggests a domain for a service without one.
    async fn suggest_add_service_domain(&self) -> bool {
        self.0.static_url.is_none()
    }
    /// Guess: every deployment is made by the sandbox's one user (the owner of every token).
    async fn creator(&self) -> Option<DeploymentCreator> {
        Some(DeploymentCreator {
            id: SANDBOX_CREATOR_ID.to_string(),
            email: SANDBOX_USER_EMAIL.to_string(),
            name: Some(SANDBOX_USER_NAME.to_string()),
            avatar: None,
        })
    }
    /// Railway's automatic failure diagnosis is not emulated.
    async fn diagnosis(&self) -> Option<DeploymentDiagnosis> {
        None
    }
    /// No sockets are reported: the sandbox runs no processes.
    async fn sockets(&self) -> Vec<DeploymentSocket> {
        Vec::new()
    }
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        let id = &self.0.record.service_id;
        with_store(ctx, |store| {
            let record = store.state.services.iter().find(|s| s.id == *id);
            record
                .cloned()
                .map(Service)
                .ok_or(DomainError::ServiceNotFound)
        })
    }
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        let id = &self.0.record.environment_id;
        with_store(ctx, |store| {
            let record = store.state.environments.iter().find(|e| e.id == *id);
            record
                .cloned()
                .map(Environment)
                .ok_or(DomainError::EnvironmentNotFound)
        })
    }
}
