//! Output and input types of the volumes part of the sandbox schema (`Volume`, `VolumeInstance`,
//! backups, schedules, workflows and their connections), thin views over stored records.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::super::connection::{PageArgs, connection};
use super::super::owners;
use super::super::scalars::DateTime;
use super::super::types::{Environment, Project, Service};
use super::super::with_store;
use crate::sandbox::model::{
    BackupRecord, BackupScheduleRecord, VolumeInstanceBackupScheduleKind, VolumeInstanceRecord,
    VolumeRecord, VolumeState, WorkflowStatus,
};

connection!(
    ProjectVolumesConnection,
    ProjectVolumesConnectionEdge,
    Volume
);
connection!(
    VolumeVolumeInstancesConnection,
    VolumeVolumeInstancesConnectionEdge,
    VolumeInstance
);
connection!(
    EnvironmentVolumeInstancesConnection,
    EnvironmentVolumeInstancesConnectionEdge,
    VolumeInstance
);

pub(crate) struct Volume(pub VolumeRecord);

#[Object]
impl Volume {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        owners::project(ctx, &self.0.project_id)
    }
    /// R22: one instance per environment the volume lives in.
    async fn volume_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<VolumeVolumeInstancesConnection> {
        let instances = with_store(
            ctx,
            |store| Ok(store.volume_instances_of_volume(&self.0.id)),
        )?;
        VolumeVolumeInstancesConnection::page(
            instances.into_iter().map(VolumeInstance).collect(),
            PageArgs::new(&after, &before, first, last),
        )
    }
}

pub(crate) struct VolumeInstance(pub VolumeInstanceRecord);

#[Object]
impl VolumeInstance {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn volume_id(&self) -> &str {
        &self.0.volume_id
    }
    async fn service_id(&self) -> Option<&str> {
        self.0.service_id.as_deref()
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn mount_path(&self) -> &str {
        &self.0.mount_path
    }
    #[graphql(name = "sizeMB")]
    async fn size_mb(&self) -> i32 {
        self.0.size_mb
    }
    #[graphql(name = "currentSizeMB")]
    async fn current_size_mb(&self) -> f64 {
        self.0.current_size_mb
    }
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    async fn state(&self) -> Option<VolumeState> {
        Some(self.0.state)
    }
    async fn is_pending_deletion(&self) -> bool {
        false
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        owners::environment(ctx, &self.0.environment_id)
    }
    /// A detached volume has no service: an error, as the field is non-null upstream (guess).
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        owners::service(ctx, self.0.service_id.as_deref())
    }
    /// The id of the disk behind the instance on Railway's hosts; the sandbox has none.
    async fn external_id(&self) -> Option<&str> {
        None
    }
    async fn volume(&self, ctx: &Context<'_>) -> async_graphql::Result<Volume> {
        with_store(ctx, |store| {
            Ok(Volume(store.any_volume(&self.0.volume_id)?.clone()))
        })
    }
}

pub(crate) struct VolumeInstanceBackup(pub BackupRecord);

#[Object]
impl VolumeInstanceBackup {
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    async fn creator_id(&self) -> Option<&str> {
        self.0.creator_id.as_deref()
    }
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.clone().map(DateTime)
    }
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    #[graphql(name = "referencedMB")]
    async fn referenced_mb(&self) -> Option<i32> {
        Some(self.0.referenced_mb)
    }
    async fn schedule_id(&self) -> Option<&str> {
        self.0.schedule_id.as_deref()
    }
    #[graphql(name = "usedMB")]
    async fn used_mb(&self) -> Option<i32> {
        Some(self.0.used_mb)
    }
    #[graphql(name = "volumeInstanceSizeMB")]
    async fn volume_instance_size_mb(&self) -> Option<i32> {
        Some(self.0.volume_instance_size_mb)
    }
}

pub(crate) struct VolumeInstanceBackupSchedule(pub BackupScheduleRecord);

#[Object]
impl VolumeInstanceBackupSchedule {
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.clone())
    }
    async fn cron(&self) -> &str {
        self.0.kind.cron()
    }
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn kind(&self) -> VolumeInstanceBackupScheduleKind {
        self.0.kind
    }
    async fn name(&self) -> &str {
        self.0.kind.display_name()
    }
    async fn retention_seconds(&self) -> Option<i32> {
        i32::try_from(self.0.kind.retention_seconds()).ok()
    }
}

#[derive(SimpleObject)]
pub(crate) struct WorkflowId {
    pub workflow_id: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct WorkflowResult {
    pub error: Option<String>,
    pub status: WorkflowStatus,
}

#[derive(InputObject)]
pub(crate) struct VolumeCreateInput {
    pub environment_id: Option<String>,
    pub mount_path: String,
    pub project_id: String,
    pub region: Option<String>,
    pub service_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct VolumeUpdateInput {
    pub name: Option<String>,
}

/// `serviceId` keeps absent and explicit null apart, though both detach (R23).
#[derive(InputObject)]
pub(crate) struct VolumeInstanceUpdateInput {
    pub mount_path: Option<String>,
    pub service_id: MaybeUndefined<String>,
    pub state: Option<VolumeState>,
}
