//! Typed Railway operations: one `GraphQLQuery` per file in `graphql/` (file = operation = type),
//! each with its retry class. Declares the custom scalars the way Railway's values decode. No logic.

#![allow(clippy::upper_case_acronyms)]

use std::collections::BTreeMap;

use graphql_client::GraphQLQuery;

use super::client::{OpKind, Operation};

// Custom scalars of Railway's schema, named as upstream so the generated code finds them.
pub type DateTime = String;
pub type JSON = serde_json::Value;
pub type EnvironmentConfig = serde_json::Value;
pub type DeploymentMeta = serde_json::Value;
pub type SerializedTemplateConfig = serde_json::Value;
pub type EnvironmentVariables = BTreeMap<String, Option<String>>;

macro_rules! retry_class {
    ($($name:ident => $kind:ident),* $(,)?) => {
        $(impl Operation for $name {
            const NAME: &'static str = stringify!($name);
            const KIND: OpKind = OpKind::$kind;
        })*
    };
}

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/Projects.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct Projects;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/SharedVariables.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct SharedVariables;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/TokenProjects.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TokenProjects;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/ProjectSnapshot.graphql",
    // Serialize: the live reader reads each instance's settings by name (`manifest::setting`).
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectSnapshot;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentSnapshot.graphql",
    // Serialize: the answer is decoded into ProjectSnapshot's environment node, the same fields.
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentSnapshot;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/ProjectOutline.graphql",
    // Serialize: its services page is decoded into ProjectSnapshot's, the same fields.
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectOutline;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/ProjectTokenScope.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectTokenScope;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/ProjectServicesPage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectServicesPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentInstancesPage.graphql",
    // Serialize: the live reader reads each instance's settings by name (`manifest::setting`).
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentInstancesPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ProjectCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ProjectUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ProjectUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/EnvironmentCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/EnvironmentDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceInstanceDeployV2.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceInstanceDeployV2;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/DeploymentRollback.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct DeploymentRollback;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentDeployments.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentDeployments;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/DeploymentTriggerUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct DeploymentTriggerUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VariableCollectionUpsert.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VariableCollectionUpsert;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/TcpProxies.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TcpProxies;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/ServiceDomainAvailable.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceDomainAvailable;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceDomainCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceDomainCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceDomainUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceDomainUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/ServiceDomainDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ServiceDomainDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/CustomDomainCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct CustomDomainCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/CustomDomainUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct CustomDomainUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/CustomDomainDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct CustomDomainDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/TcpProxyCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TcpProxyCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/TcpProxyDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TcpProxyDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentVolumeInstances.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentVolumeInstances;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/VolumeInstanceBackups.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeInstanceBackups;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/DeploymentLogs.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct DeploymentLogs;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/BuildLogs.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct BuildLogs;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/WorkflowStatus.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct WorkflowStatus;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeInstanceUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeInstanceUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeInstanceBackupScheduleUpdate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeInstanceBackupScheduleUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeInstanceBackupCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeInstanceBackupCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/VolumeInstanceBackupDelete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct VolumeInstanceBackupDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/EnvironmentPatchCommit.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentPatchCommit;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/EnvironmentStageChanges.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentStageChanges;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/EnvironmentPatchCommitStaged.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentPatchCommitStaged;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentEtags.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentEtags;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/BucketCreate.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct BucketCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/Template.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct Template;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/queries/EnvironmentStagedChanges.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct EnvironmentStagedChanges;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/railway.graphql",
    query_path = "graphql/mutations/TemplateDeployV2.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TemplateDeployV2;

retry_class! {
    Projects => Read,
    TokenProjects => Read,
    SharedVariables => Read,
    ProjectSnapshot => Read,
    EnvironmentSnapshot => Read,
    ProjectOutline => Read,
    ProjectTokenScope => Read,
    ProjectServicesPage => Read,
    EnvironmentInstancesPage => Read,
    ProjectCreate => Create,
    // Values, never increments: resending sets the same settings.
    ProjectUpdate => Idempotent,
    EnvironmentCreate => Create,
    ServiceCreate => Create,
    ServiceDelete => Idempotent,
    EnvironmentDelete => Idempotent,
    // A patch carries values, never increments (generated values are chosen before it is
    // sent): resending it merges to the same config. At worst it deploys once more.
    EnvironmentPatchCommit => Idempotent,
    EnvironmentStageChanges => Idempotent,
    EnvironmentPatchCommitStaged => Idempotent,
    EnvironmentEtags => Read,
    // A second deploy is harmless, while a lost one would leave changed settings undeployed
    // with nothing left in the next plan to trigger it: retry it like an idempotent write.
    ServiceInstanceDeployV2 => Idempotent,
    EnvironmentDeployments => Read,
    // A rollback whose answer was lost is never resent: run sees the new deployment in the
    // next pass's snapshot, and a second rollback would only deploy the same image again.
    DeploymentRollback => Create,
    DeploymentTriggerUpdate => Idempotent,
    VariableCollectionUpsert => Idempotent,
    TcpProxies => Read,
    ServiceDomainAvailable => Read,
    ServiceDomainCreate => Create,
    ServiceDomainUpdate => Idempotent,
    ServiceDomainDelete => Idempotent,
    CustomDomainCreate => Create,
    CustomDomainUpdate => Idempotent,
    CustomDomainDelete => Idempotent,
    TcpProxyCreate => Create,
    TcpProxyDelete => Idempotent,
    EnvironmentVolumeInstances => Read,
    VolumeInstanceBackups => Read,
    WorkflowStatus => Read,
    DeploymentLogs => Read,
    BuildLogs => Read,
    VolumeCreate => Create,
    VolumeUpdate => Idempotent,
    VolumeDelete => Idempotent,
    VolumeInstanceUpdate => Idempotent,
    VolumeInstanceBackupScheduleUpdate => Idempotent,
    VolumeInstanceBackupDelete => Idempotent,
    // A backup create that may have reached Railway is never resent: the scheduler checks the
    // list for the name it chose before it tries again.
    VolumeInstanceBackupCreate => Create,
    // R49: a lost answer is settled by looking the bucket up by name, never by resending.
    BucketCreate => Create,
    Template => Read,
    EnvironmentStagedChanges => Read,
    // A template deploy makes services: never resent once Railway may have seen it; the
    // executor looks for the service by name before any second attempt.
    TemplateDeployV2 => Create,
}
