//! The roots Railway's IaC engine (`railway config plan/apply`) calls: preview and apply of a
//! change set, and the status of an apply. Translation only; the rules are in the store's
//! `change_sets`.

use async_graphql::{Context, Object, SimpleObject};
use serde_json::{Value, json};

use super::scalars::Json;
use super::with_store;
use crate::sandbox::model::ChangeSetApplyRecord;

/// `ChangeSetPreview`.
#[derive(SimpleObject)]
pub(crate) struct ChangeSetPreview {
    change_set: Json,
    diagnostics: Json,
    effects: Json,
}

/// `ChangeOperationResult`.
#[derive(SimpleObject)]
pub(crate) struct ChangeOperationResult {
    kind: String,
    outputs: Option<Json>,
    path: Option<String>,
    status: String,
    summary: Option<String>,
}

/// `ChangeSetApplyResult`.
#[derive(SimpleObject)]
pub(crate) struct ChangeSetApplyResult {
    changes: Vec<ChangeOperationResult>,
    deployment_id: Option<String>,
    diagnostics: Json,
    id: String,
    staged_patch_id: Option<String>,
    status: String,
}

impl ChangeSetApplyResult {
    fn from_record(record: ChangeSetApplyRecord, status: String) -> Self {
        Self {
            changes: record
                .changes
                .into_iter()
                .map(|c| ChangeOperationResult {
                    kind: c.kind,
                    outputs: None,
                    path: c.path,
                    status: c.status,
                    summary: c.summary,
                })
                .collect(),
            deployment_id: record.deployment_id,
            diagnostics: Json(json!([])),
            id: record.id,
            staged_patch_id: None,
            status,
        }
    }
}

#[derive(Default)]
pub(crate) struct IacQuery;

#[Object]
impl IacQuery {
    /// An earlier apply; the CLI polls it while it reads `applying`.
    async fn environment_change_set_apply(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
    ) -> async_graphql::Result<ChangeSetApplyResult> {
        let record = with_store(ctx, |store| store.change_set_apply(&environment_id, &id))?;
        let status = record.status.clone();
        Ok(ChangeSetApplyResult::from_record(record, status))
    }
}

#[derive(Default)]
pub(crate) struct IacMutation;

#[Object]
impl IacMutation {
    async fn environment_preview_change_set(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: Json,
    ) -> async_graphql::Result<ChangeSetPreview> {
        let preview = with_store(ctx, |store| {
            store.preview_change_set(&environment_id, &input.0)
        })?;
        let part = |key: &str| Json(preview.get(key).cloned().unwrap_or(Value::Null));
        Ok(ChangeSetPreview {
            change_set: part("changeSet"),
            diagnostics: part("diagnostics"),
            effects: part("effects"),
        })
    }

    /// R15, R16: one patch for the whole set, refused whole when `baseConfigEtag` is stale.
    async fn environment_apply_change_set(
        &self,
        ctx: &Context<'_>,
        base_config_etag: Option<String>,
        commit_message: Option<String>,
        environment_id: String,
        input: Json,
        wait_for_completion: Option<bool>,
    ) -> async_graphql::Result<ChangeSetApplyResult> {
        let _ = commit_message;
        let record = with_store(ctx, |store| {
            store.apply_change_set(&environment_id, &input.0, base_config_etag.as_deref())
        })?;
        // Guess: without waitForCompletion Railway answers while it still applies.
        let status = if wait_for_completion.unwrap_or(false) {
            record.status.clone()
        } else {
            "applying".to_string()
        };
        Ok(ChangeSetApplyResult::from_record(record, status))
    }
}
