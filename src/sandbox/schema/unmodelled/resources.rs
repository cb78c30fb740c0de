//! R52: project resources the sandbox keeps no state for (legacy plugins and their containers,
//! canvas groups, edge configs, sockets, CNAME checks, log tags) and the connections that list
//! them, always empty unless a served record stands behind them. No rule of Railway is decided here.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};

use super::enums::*;
use crate::sandbox::schema::connection::connection;
use crate::sandbox::schema::deployments::Deployment;
use crate::sandbox::schema::owners;
use crate::sandbox::schema::scalars::{DateTime, Json};
use crate::sandbox::schema::types::{DeploymentTrigger, Environment, Project, Variable};

/// Upstream `CnameCheck`.
#[derive(SimpleObject, Default)]
pub(crate) struct CnameCheck {
    pub link: Option<String>,
    pub message: String,
    pub status: CnameCheckStatus,
}

/// Upstream `Container`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct Container {
    pub created_at: DateTime,
    pub deleted_at: Option<DateTime>,
    pub environment_id: String,
    pub id: ID,
    pub migrated_at: Option<DateTime>,
    pub plugin: Plugin,
    pub plugin_id: String,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl Container {
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        owners::environment(ctx, &self.owner_id)
    }
}

/// Upstream `DeploymentSocket`.
#[derive(SimpleObject, Default)]
pub(crate) struct DeploymentSocket {
    pub ipv6: bool,
    pub port: i32,
    pub process_name: String,
    pub updated_at: i32,
}

/// Upstream `EdgeCachingConfig`.
#[derive(SimpleObject, Default)]
pub(crate) struct EdgeCachingConfig {
    pub default_ttl_seconds: i32,
    pub html_caching: String,
    pub mode: String,
    pub purge_on_deploy: PurgeOnDeploy,
    pub stale_while_revalidate: StaleWhileRevalidateConfig,
}

/// Upstream `EdgeConfig`.
#[derive(SimpleObject, Default)]
pub(crate) struct EdgeConfig {
    pub caching: Option<EdgeCachingConfig>,
    pub edge_rules: Option<Json>,
    pub enabled: bool,
    pub id: String,
    pub overrides: Json,
    pub purge_epoch: i32,
    pub purge_epoch_by_kind: Json,
    pub under_attack_mode_until: Option<i32>,
}

connection!(
    EnvironmentDeploymentsConnection,
    EnvironmentDeploymentsConnectionEdge,
    Deployment
);
/// Upstream `Group`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct Group {
    pub color: Option<String>,
    pub group_id: Option<String>,
    pub icon: Option<String>,
    pub id: ID,
    pub is_collapsed: Option<bool>,
    pub name: Option<String>,
    pub project_id: String,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl Group {
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        owners::project(ctx, &self.owner_id)
    }
}

/// Upstream `LogTags`.
#[derive(SimpleObject, Default, Clone)]
pub(crate) struct LogTags {
    pub deployment_id: Option<String>,
    pub deployment_instance_id: Option<String>,
    pub environment_id: Option<String>,
    #[graphql(deprecation)]
    pub plugin_id: Option<String>,
    pub project_id: Option<String>,
    pub service_id: Option<String>,
    pub snapshot_id: Option<String>,
}

/// Upstream `Plugin`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct Plugin {
    pub created_at: DateTime,
    pub deleted_at: Option<DateTime>,
    pub deprecated_at: Option<DateTime>,
    pub friendly_name: String,
    pub id: ID,
    pub logs_enabled: bool,
    pub migration_database_service_id: Option<String>,
    pub name: PluginType,
    pub status: PluginStatus,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl Plugin {
    async fn containers(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> PluginContainersConnection {
        let _ = (after, before, first, last);
        Default::default()
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        owners::project(ctx, &self.owner_id)
    }
    async fn variables(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> PluginVariablesConnection {
        let _ = (after, before, first, last);
        Default::default()
    }
}

connection!(
    PluginContainersConnection,
    PluginContainersConnectionEdge,
    Container
);
connection!(
    PluginVariablesConnection,
    PluginVariablesConnectionEdge,
    Variable
);
connection!(
    ProjectDeploymentTriggersConnection,
    ProjectDeploymentTriggersConnectionEdge,
    DeploymentTrigger
);
connection!(ProjectGroupsConnection, ProjectGroupsConnectionEdge, Group);
connection!(
    ProjectPluginsConnection,
    ProjectPluginsConnectionEdge,
    Plugin
);
connection!(
    ServiceRepoTriggersConnection,
    ServiceRepoTriggersConnectionEdge,
    DeploymentTrigger
);
/// Upstream `StaleWhileRevalidateConfig`.
#[derive(SimpleObject, Default)]
pub(crate) struct StaleWhileRevalidateConfig {
    pub enabled: bool,
}
