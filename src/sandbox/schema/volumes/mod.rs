//! The volumes part of the sandbox schema: backup and workflow queries, volume and backup
//! mutations merged into the `Query` and `Mutation` roots, and the `Project.volumes` and
//! `Environment.volumeInstances` connections. Each maps onto one store call.

mod types;

use async_graphql::{Context, MaybeUndefined, Object};

pub(crate) use types::{EnvironmentVolumeInstancesConnection, ProjectVolumesConnection};
use types::{
    Volume, VolumeCreateInput, VolumeInstance, VolumeInstanceBackup, VolumeInstanceBackupSchedule,
    VolumeInstanceUpdateInput, VolumeUpdateInput, WorkflowId, WorkflowResult,
};

use super::caller::owner;
use super::connection::PageArgs;
use super::with_store;
use crate::sandbox::model::VolumeInstanceBackupScheduleKind;
use crate::sandbox::store::{Creation, NewVolume, VolumeInstanceChanges, deleting};

/// `Project.volumes`: the project's live volumes.
pub(crate) fn project_volumes(
    ctx: &Context<'_>,
    project_id: &str,
    args: PageArgs<'_>,
) -> async_graphql::Result<ProjectVolumesConnection> {
    let volumes = with_store(ctx, |store| Ok(store.volumes_of_project(project_id)))?;
    ProjectVolumesConnection::page(volumes.into_iter().map(Volume).collect(), args)
}

/// `Environment.volumeInstances`: every instance, soft-deleted ones included.
pub(crate) fn environment_volume_instances(
    ctx: &Context<'_>,
    environment_id: &str,
    args: PageArgs<'_>,
) -> async_graphql::Result<EnvironmentVolumeInstancesConnection> {
    let instances = with_store(ctx, |store| {
        Ok(store.volume_instances_of_environment(environment_id))
    })?;
    EnvironmentVolumeInstancesConnection::page(
        instances.into_iter().map(VolumeInstance).collect(),
        args,
    )
}

#[derive(Default)]
pub(crate) struct VolumesQuery;

#[Object]
impl VolumesQuery {
    async fn volume_instance_backup_list(
        &self,
        ctx: &Context<'_>,
        volume_instance_id: String,
    ) -> async_graphql::Result<Vec<VolumeInstanceBackup>> {
        with_store(ctx, |store| {
            let backups = store.visible_backups(&volume_instance_id)?;
            Ok(backups.into_iter().map(VolumeInstanceBackup).collect())
        })
    }

    async fn volume_instance_backup_schedule_list(
        &self,
        ctx: &Context<'_>,
        volume_instance_id: String,
    ) -> async_graphql::Result<Vec<VolumeInstanceBackupSchedule>> {
        with_store(ctx, |store| {
            let schedules = store.backup_schedules(&volume_instance_id)?;
            Ok(schedules
                .into_iter()
                .map(VolumeInstanceBackupSchedule)
                .collect())
        })
    }

    /// An unknown workflow is `NotFound`, not an error.
    async fn workflow_status(
        &self,
        ctx: &Context<'_>,
        workflow_id: String,
    ) -> async_graphql::Result<WorkflowResult> {
        with_store(ctx, |store| {
            Ok(WorkflowResult {
                error: None,
                status: store.workflow_status(&workflow_id),
            })
        })
    }
}

#[derive(Default)]
pub(crate) struct VolumesMutation;

#[Object]
impl VolumesMutation {
    async fn volume_create(
        &self,
        ctx: &Context<'_>,
        input: VolumeCreateInput,
    ) -> async_graphql::Result<Volume> {
        let new = NewVolume {
            project_id: input.project_id,
            mount_path: input.mount_path,
            environment_id: input.environment_id,
            service_id: input.service_id,
            region: input.region,
        };
        let owner = owner(ctx);
        with_store(ctx, |store| {
            store
                .throttled(Creation::Volume, &owner, |store| store.create_volume(new))
                .map(Volume)
        })
    }

    async fn volume_update(
        &self,
        ctx: &Context<'_>,
        input: VolumeUpdateInput,
        volume_id: String,
    ) -> async_graphql::Result<Volume> {
        with_store(ctx, |store| {
            store.rename_volume(&volume_id, input.name).map(Volume)
        })
    }

    async fn volume_delete(
        &self,
        ctx: &Context<'_>,
        volume_id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_volume(&volume_id)
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }

    async fn volume_instance_update(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        input: VolumeInstanceUpdateInput,
        volume_id: String,
    ) -> async_graphql::Result<bool> {
        let changes = VolumeInstanceChanges {
            mount_path: input.mount_path,
            // R23: an absent serviceId detaches like an explicit null.
            service_id: match input.service_id {
                MaybeUndefined::Undefined | MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(service_id) => Some(Some(service_id)),
            },
            state: input.state,
        };
        with_store(ctx, |store| {
            store
                .update_volume_instances(&volume_id, environment_id.as_deref(), changes)
                .map(|()| true)
        })
    }

    async fn volume_instance_backup_schedule_update(
        &self,
        ctx: &Context<'_>,
        kinds: Vec<VolumeInstanceBackupScheduleKind>,
        volume_instance_id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .set_backup_schedules(&volume_instance_id, &kinds)
                .map(|()| true)
        })
    }

    async fn volume_instance_backup_create(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        volume_instance_id: String,
    ) -> async_graphql::Result<WorkflowId> {
        with_store(ctx, |store| {
            let workflow_id = store.start_backup(&volume_instance_id, name)?;
            Ok(WorkflowId {
                workflow_id: Some(workflow_id),
            })
        })
    }

    async fn volume_instance_backup_delete(
        &self,
        ctx: &Context<'_>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
    ) -> async_graphql::Result<WorkflowId> {
        with_store(ctx, |store| {
            let workflow_id = store
                .delete_backup(&volume_instance_backup_id, &volume_instance_id)
                .map_err(deleting)?; // R37
            Ok(WorkflowId {
                workflow_id: Some(workflow_id),
            })
        })
    }

    /// R26: stages the restore; `replicaServiceIds` and `wipeServiceIds` concern data the
    /// sandbox does not keep and are accepted and ignored (a guess at what they change).
    async fn volume_instance_backup_restore(
        &self,
        ctx: &Context<'_>,
        replica_service_ids: Option<Vec<String>>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
        wipe_service_ids: Option<Vec<String>>,
    ) -> async_graphql::Result<WorkflowId> {
        let _ = (replica_service_ids, wipe_service_ids);
        with_store(ctx, |store| {
            let workflow_id =
                store.restore_backup(&volume_instance_backup_id, &volume_instance_id)?;
            Ok(WorkflowId {
                workflow_id: Some(workflow_id),
            })
        })
    }

    async fn volume_instance_backup_lock(
        &self,
        ctx: &Context<'_>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .lock_backup(&volume_instance_backup_id, &volume_instance_id)
                .map(|()| true)
        })
    }
}
