//! R52: upstream types that fields of served types return although the sandbox keeps no state
//! behind them (plans, feature flags, billing, members, plugins, edge configs), and the deployment
//! connections of projects and services. Values are plausible constants or empty lists; no rule
//! of Railway is decided here.

mod billing;
mod enums;
mod people;
mod resources;

use async_graphql::Enum;

pub(crate) use billing::*;
pub(crate) use enums::*;
pub(crate) use people::*;
pub(crate) use resources::*;

use super::connection::connection;
use super::deployments::Deployment;

/// Upstream `SubscriptionPlanType`. Guess: a sandbox workspace reads as `pro` (its default plan).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum SubscriptionPlanType {
    #[graphql(name = "free")]
    Free,
    #[graphql(name = "hobby")]
    Hobby,
    #[graphql(name = "pro")]
    Pro,
    #[graphql(name = "trial")]
    Trial,
}

/// Upstream `ActiveProjectFeatureFlag`; no project has one on the sandbox.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ActiveProjectFeatureFlag {
    Placeholder,
}

/// Upstream `ActiveServiceFeatureFlag`; no service has one on the sandbox.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ActiveServiceFeatureFlag {
    CopyVolumeToEnvironment,
    EnableDockerExtension,
    Placeholder,
    SkippedBuilds,
    UseExpressDeploy,
    UseExpressPackstore,
    UseVmRuntime,
}

/// Upstream `ActiveFeatureFlag` (a user's); the sandbox user has none.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ActiveFeatureFlag {
    AccessGroups,
    AgentByok,
    AgentContextSources,
    ChatSandbox,
    CloudAgents,
    DebugSmartDiagnosis,
    FixedDomainRadarRules,
    HaForAllTemplates,
    InDashboardSupport,
    MagicConfig,
    NewPeoplePage,
    PostgresMajorUpgrade,
    PostgresVulnAutoUpdate,
    PriorityBoarding,
    ProjectSandboxes,
    TemplateChangeSets,
}

connection!(
    ProjectDeploymentsConnection,
    ProjectDeploymentsConnectionEdge,
    Deployment
);
connection!(
    ServiceDeploymentsConnection,
    ServiceDeploymentsConnectionEdge,
    Deployment
);
