//! Volume instances of one environment, as the snapshot reads them: rows from the snapshot or
//! its follow-up pages, soft-deleted ones dropped, native backup schedules taken from the config
//! blob (so reading them costs no request). Conversion only; no decisions.

use serde_json::Value;

use super::config_blob::backup_schedules;
use super::next_cursor;
use crate::railway::client::Client;
use crate::railway::error::Result;
use crate::railway::live::LiveVolumeInstance;
use crate::railway::ops::{
    EnvironmentVolumeInstances, environment_volume_instances, project_snapshot,
};

/// One volume instance as any query returned it, before the config blob is consulted.
pub(super) struct VolumeRow {
    id: String,
    volume_id: String,
    volume_name: String,
    service_id: Option<String>,
    mount_path: String,
    size_mb: i64,
    current_size_mb: f64,
    state: Option<String>,
    going: bool,
}

/// Converts a generated volume-instance node (one type per query) into a [`VolumeRow`].
macro_rules! volume_row {
    ($node:expr) => {{
        let node = $node;
        let state = node.state.map(|s| super::enum_name(&format!("{s:?}")));
        let going = node.deleted_at.is_some()
            || node.is_pending_deletion
            || matches!(state.as_deref(), Some("DELETING" | "DELETED"));
        VolumeRow {
            id: node.id,
            volume_id: node.volume_id,
            volume_name: node.volume.name,
            service_id: node.service_id,
            mount_path: node.mount_path,
            size_mb: node.size_mb,
            current_size_mb: node.current_size_mb,
            state,
            going,
        }
    }};
}

impl VolumeRow {
    pub(super) fn from_snapshot(
        node: project_snapshot::ProjectSnapshotProjectEnvironmentsEdgesNodeVolumeInstancesEdgesNode,
    ) -> Self {
        volume_row!(node)
    }
}

/// Reads every volume instance of an environment, following pages.
///
/// # Errors
/// Railway errors from the environment query.
pub async fn read_environment_volumes(
    client: &Client,
    environment_id: &str,
) -> Result<Vec<LiveVolumeInstance>> {
    let rows = follow_pages(client, environment_id, Vec::new(), None).await?;
    Ok(into_live(rows, &Value::Null))
}

/// Completes `rows` with the pages after `cursor`.
pub(super) async fn follow_pages(
    client: &Client,
    environment_id: &str,
    mut rows: Vec<VolumeRow>,
    mut cursor: Option<String>,
) -> Result<Vec<VolumeRow>> {
    let mut first = cursor.is_none();
    while first || cursor.is_some() {
        first = false;
        let page = client
            .post::<EnvironmentVolumeInstances>(environment_volume_instances::Variables {
                environment_id: environment_id.to_string(),
                after: cursor.clone(),
            })
            .await?
            .environment
            .volume_instances;
        rows.extend(page.edges.into_iter().map(|e| volume_row!(e.node)));
        cursor = next_cursor(
            page.page_info.has_next_page,
            page.page_info.end_cursor,
            cursor.as_deref(),
        );
    }
    Ok(rows)
}

/// Live volume instances from rows, with schedules read from the environment's config blob.
pub(super) fn into_live(rows: Vec<VolumeRow>, config: &Value) -> Vec<LiveVolumeInstance> {
    rows.into_iter()
        .filter(|row| !row.going)
        .map(|row| {
            let backup_schedules = row
                .service_id
                .as_deref()
                .map(|service_id| backup_schedules(config, service_id, &row.volume_id))
                .unwrap_or_default();
            LiveVolumeInstance {
                id: row.id,
                volume_id: row.volume_id,
                volume_name: row.volume_name,
                service_id: row.service_id,
                mount_path: row.mount_path,
                size_mb: row.size_mb,
                current_size_mb: row.current_size_mb,
                state: row.state,
                backup_schedules,
                shared_with: Vec::new(),
            }
        })
        .collect()
}
