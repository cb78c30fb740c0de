//! Railway's PR environments in the sandbox schema (R50): `Environment.meta` built from the
//! stored pull request, and `environmentUnskipService`. Each maps onto one store call.

use async_graphql::{Context, Object};

use super::cli::EnvironmentMeta;
use super::scalars::SkippedResourceIds;
use super::with_store;
use crate::sandbox::model::PrMetaRecord;

impl EnvironmentMeta {
    pub(crate) fn from_record(meta: &PrMetaRecord) -> Self {
        Self {
            base_branch: Some(meta.base_branch.clone()),
            branch: Some(meta.branch.clone()),
            latest_successful_git_hub_deployment_id: None,
            pr_comment_id: None,
            pr_number: Some(meta.pr_number),
            pr_repo: Some(meta.pr_repo.clone()),
            pr_title: Some(meta.pr_title.clone()),
            // Guess: the scalar's shape is undocumented; the sandbox answers a list of service ids.
            skipped_resource_ids: Some(SkippedResourceIds(serde_json::json!(
                meta.skipped_resource_ids
            ))),
        }
    }
}

#[derive(Default)]
pub(crate) struct PreviewsMutation;

#[Object]
impl PreviewsMutation {
    /// R50: deploys a service focused mode skipped, with its skipped dependencies.
    async fn environment_unskip_service(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store.unskip_service(&environment_id, &service_id)
        })
    }
}
