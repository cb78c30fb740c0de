//! R52: people and permissions that users, teams, workspaces and projects return (members,
//! permissions, profiles, identity providers). The sandbox has one user, an admin everywhere;
//! values not taken from it are plausible constants (guesses). No rule of Railway is decided here.

use async_graphql::{ComplexObject, ID, SimpleObject};

use super::ActiveFeatureFlag;
use super::enums::*;
use crate::sandbox::schema::connection::connection;
use crate::sandbox::schema::scalars::{DateTime, Json};
use crate::sandbox::schema::types::{Project, Workspace};

/// Upstream `AdoptionInfo`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct AdoptionInfo {
    pub adoption_level: Option<f64>,
    pub created_at: DateTime,
    pub delta_level: Option<f64>,
    pub id: ID,
    pub matched_icp_email: Option<String>,
    pub monthly_estimated_usage: Option<f64>,
    pub num_config_file: i32,
    pub num_cron_schedule: i32,
    pub num_deploys: i32,
    pub num_envs: i32,
    pub num_failed_deploys: i32,
    pub num_healthcheck: i32,
    pub num_icon_config: i32,
    pub num_region: i32,
    pub num_replicas: i32,
    pub num_root_directory: i32,
    pub num_seats: i32,
    pub num_services: i32,
    pub num_variables: i32,
    pub num_watch_patterns: i32,
    pub total_cores: Option<f64>,
    pub total_disk: Option<f64>,
    pub total_network: Option<f64>,
    pub updated_at: DateTime,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl AdoptionInfo {
    async fn workspace(&self) -> Workspace {
        Workspace {
            id: self.owner_id.clone(),
        }
    }
}

/// Upstream `ApiTokenRateLimit`.
#[derive(SimpleObject, Default)]
pub(crate) struct ApiTokenRateLimit {
    pub remaining_points: i32,
    pub resets_at: String,
}

/// Upstream `AppliedByMember`.
#[derive(SimpleObject, Default)]
pub(crate) struct AppliedByMember {
    pub avatar: Option<String>,
    pub email: String,
    pub id: String,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// Upstream `DeploymentCreator`.
#[derive(SimpleObject, Default)]
pub(crate) struct DeploymentCreator {
    pub avatar: Option<String>,
    pub email: String,
    pub id: String,
    pub name: Option<String>,
}

/// Upstream `PartnerProfile`.
#[derive(SimpleObject, Default)]
pub(crate) struct PartnerProfile {
    pub category: String,
    pub description: String,
    pub slug: String,
    #[graphql(name = "type")]
    pub type_: PartnerProfileType,
    pub website: String,
}

/// Upstream `ProjectMember`.
#[derive(SimpleObject, Default)]
pub(crate) struct ProjectMember {
    pub avatar: Option<String>,
    pub email: String,
    pub id: String,
    pub name: Option<String>,
    pub role: ProjectRole,
}

/// Upstream `ProjectPermission`.
#[derive(SimpleObject, Default)]
pub(crate) struct ProjectPermission {
    pub id: ID,
    pub project_id: String,
    pub role: ProjectRole,
    pub user_id: String,
}

connection!(
    ProjectProjectPermissionsConnection,
    ProjectProjectPermissionsConnectionEdge,
    ProjectPermission
);
/// Upstream `ProviderAuth`.
#[derive(SimpleObject, Default)]
pub(crate) struct ProviderAuth {
    pub email: String,
    pub id: ID,
    pub is_auth_enabled: bool,
    pub metadata: Json,
    pub provider: String,
    pub user_id: String,
}

/// Upstream `ReferralUser`.
#[derive(SimpleObject, Default)]
pub(crate) struct ReferralUser {
    pub code: String,
    pub id: String,
    pub status: ReferralStatus,
}

/// Upstream `TeamMember`.
#[derive(SimpleObject, Default)]
pub(crate) struct TeamMember {
    pub avatar: Option<String>,
    pub email: String,
    pub feature_flags: Option<Vec<ActiveFeatureFlag>>,
    pub id: String,
    pub name: Option<String>,
    pub role: TeamRole,
}

/// Upstream `TeamPermission`.
#[derive(SimpleObject, Default)]
pub(crate) struct TeamPermission {
    pub created_at: DateTime,
    pub id: ID,
    pub role: TeamRole,
    pub updated_at: DateTime,
    pub user_id: String,
    pub workspace_id: String,
}

/// Upstream `UserProfile`.
#[derive(SimpleObject, Default)]
pub(crate) struct UserProfile {
    pub bio: Option<String>,
    pub is_public: bool,
    pub website: Option<String>,
}

connection!(UserProjectsConnection, UserProjectsConnectionEdge, Project);
connection!(
    UserProviderAuthsConnection,
    UserProviderAuthsConnectionEdge,
    ProviderAuth
);
/// Upstream `WorkspaceIdPConnection`.
#[derive(SimpleObject, Default)]
pub(crate) struct WorkspaceIdPConnection {
    pub created_at: Option<DateTime>,
    pub provider: Option<String>,
    pub status: WorkspaceIdPConnectionStatus,
    pub updated_at: Option<DateTime>,
}

/// Upstream `WorkspaceIdentityProvider`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct WorkspaceIdentityProvider {
    pub connection: WorkspaceIdPConnection,
    pub created_at: DateTime,
    pub enforcement_enabled_at: Option<DateTime>,
    pub id: ID,
    pub updated_at: DateTime,
    pub workspace_id: String,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl WorkspaceIdentityProvider {
    async fn workspace(&self) -> Workspace {
        Workspace {
            id: self.owner_id.clone(),
        }
    }
}

connection!(
    WorkspaceIdentityProvidersConnection,
    WorkspaceIdentityProvidersConnectionEdge,
    WorkspaceIdentityProvider
);
/// Upstream `WorkspaceMember`.
#[derive(SimpleObject, Default)]
pub(crate) struct WorkspaceMember {
    pub avatar: Option<String>,
    pub email: String,
    pub feature_flags: Option<Vec<ActiveFeatureFlag>>,
    pub id: String,
    pub name: Option<String>,
    pub role: TeamRole,
    pub two_factor_auth_enabled: Option<bool>,
}
