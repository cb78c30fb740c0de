//! The environment-patch part of the sandbox schema: `environmentPatchCommit`,
//! `environmentStageChanges`, `environmentPatchCommitStaged`, `environmentRename`, the
//! `environmentStagedChanges` query and the `EnvironmentPatch` type. Each maps onto one store
//! call; no rule is decided here.

use async_graphql::{Context, ID, InputObject, Object};
use serde_json::Value;

use super::scalars::{DateTime, EnvironmentConfig};
use super::types::Environment;
use super::unmodelled::AppliedByMember;
use super::with_store;
use super::workspaces::{SANDBOX_USER_EMAIL, SANDBOX_USER_NAME};
use crate::sandbox::model::{EnvironmentPatchStatus, StagedPatchRecord};
use crate::sandbox::store::SANDBOX_CREATOR_ID;

#[derive(InputObject)]
pub(crate) struct EnvironmentRenameInput {
    pub name: String,
}

pub(crate) struct EnvironmentPatch {
    pub record: StagedPatchRecord,
    pub status: EnvironmentPatchStatus,
}

/// Variable values of a patch hidden unless decrypting, like the config (R12). Guess: Railway's
/// handling of values in staged patches is not documented.
fn hide_values(patch: &mut Value) {
    let hide = |variables: Option<&mut Value>| {
        for entry in variables
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            if let Some(value) = entry.get_mut("value") {
                *value = Value::Null;
            }
        }
    };
    hide(patch.get_mut("sharedVariables"));
    for service in patch
        .get_mut("services")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        hide(service.get_mut("variables"));
    }
}

#[Object]
impl EnvironmentPatch {
    async fn id(&self) -> ID {
        ID(self.record.id.clone())
    }
    async fn environment_id(&self) -> &str {
        &self.record.environment_id
    }
    async fn status(&self) -> EnvironmentPatchStatus {
        self.status
    }
    async fn patch(&self, decrypt_variables: Option<bool>) -> EnvironmentConfig {
        let mut patch = self.record.patch.clone();
        if !decrypt_variables.unwrap_or(false) {
            hide_values(&mut patch);
        }
        EnvironmentConfig(patch)
    }
    async fn message(&self) -> Option<&str> {
        self.record.message.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.record.created_at.clone())
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.record.updated_at.clone())
    }
    async fn applied_at(&self) -> Option<DateTime> {
        None
    }
    async fn last_applied_error(&self) -> Option<&str> {
        None
    }
    /// Guess: a committed patch was applied by the sandbox's one user; a staged one by nobody.
    async fn applied_by(&self) -> Option<AppliedByMember> {
        (self.status != EnvironmentPatchStatus::Staged).then(|| AppliedByMember {
            id: SANDBOX_CREATOR_ID.to_string(),
            email: SANDBOX_USER_EMAIL.to_string(),
            name: Some(SANDBOX_USER_NAME.to_string()),
            avatar: None,
            username: None,
        })
    }
    async fn environment(&self, ctx: &Context<'_>) -> async_graphql::Result<Environment> {
        with_store(ctx, |store| {
            Ok(Environment(
                store.environment(&self.record.environment_id)?.clone(),
            ))
        })
    }
}

#[derive(Default)]
pub(crate) struct EnvironmentsQuery;

#[Object]
impl EnvironmentsQuery {
    async fn environment_staged_changes(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
    ) -> async_graphql::Result<EnvironmentPatch> {
        with_store(ctx, |store| {
            let (record, status) = store.staged_changes(&environment_id)?;
            Ok(EnvironmentPatch { record, status })
        })
    }
}

#[derive(Default)]
pub(crate) struct EnvironmentsMutation;

#[Object]
impl EnvironmentsMutation {
    async fn environment_patch_commit(
        &self,
        ctx: &Context<'_>,
        commit_message: Option<String>,
        environment_id: String,
        patch: Option<EnvironmentConfig>,
    ) -> async_graphql::Result<String> {
        let _ = commit_message;
        let patch = patch.map_or(Value::Null, |p| p.0);
        // R17: a direct commit bypasses (and leaves alone) the staged patch.
        with_store(ctx, |store| {
            store.commit_patch(&environment_id, &patch, true)
        })
    }

    async fn environment_stage_changes(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: EnvironmentConfig,
        merge: Option<bool>,
    ) -> async_graphql::Result<EnvironmentPatch> {
        with_store(ctx, |store| {
            let record = store.stage_changes(&environment_id, input.0, merge.unwrap_or(false))?;
            Ok(EnvironmentPatch {
                status: record.status,
                record,
            })
        })
    }

    async fn environment_patch_commit_staged(
        &self,
        ctx: &Context<'_>,
        commit_message: Option<String>,
        environment_id: String,
        skip_deploys: Option<bool>,
    ) -> async_graphql::Result<String> {
        with_store(ctx, |store| {
            store.commit_staged(
                &environment_id,
                commit_message,
                skip_deploys.unwrap_or(false),
            )
        })
    }

    /// Names stay unique among the project's live environments, as on `environmentCreate`.
    async fn environment_rename(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: EnvironmentRenameInput,
    ) -> async_graphql::Result<Environment> {
        with_store(ctx, |store| {
            store.rename_environment(&id, &input.name).map(Environment)
        })
    }
}
