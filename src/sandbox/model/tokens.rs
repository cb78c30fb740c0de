//! Stored records of who may see what: project tokens, member (non-admin) tokens and restricted
//! environments. Plain data only: no rules, no I/O.

use serde::{Deserialize, Serialize};

/// A project token minted by `projectTokenCreate`: it reaches one environment of one project.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectTokenRecord {
    pub id: String,
    /// The secret the client sends as `Project-Access-Token`.
    pub token: String,
    pub name: String,
    pub project_id: String,
    pub environment_id: String,
    pub created_at: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct AccessRecords {
    pub project_tokens: Vec<ProjectTokenRecord>,
    /// Account tokens of workspace members who are not admins (R35): restricted environments
    /// are closed to them. Every other accepted account token is an admin's.
    pub member_tokens: Vec<String>,
    /// Ids of environments restricted to admins (Enterprise environment RBAC, R35).
    pub restricted_environments: Vec<String>,
    /// Workspaces the user belongs to besides the sandbox's own (R33), from the seed.
    pub other_workspaces: Vec<WorkspaceRecord>,
}

/// A workspace of the sandbox's user other than [`crate::sandbox::SANDBOX_WORKSPACE_ID`].
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkspaceRecord {
    pub id: String,
    pub name: String,
}
