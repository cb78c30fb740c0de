//! `template(code | id)` and `templateDeployV2` (R45–R47): the catalog read without a token, and
//! a template deployed into an environment. The deployment's rules live in the store.

mod types;

use async_graphql::{Context, Object};

use super::with_store;
use crate::sandbox::store::{DomainError, TemplateDeploy};
use crate::sandbox::templates;
pub(crate) use types::{Template, TemplateDeployPayload, TemplateDeployV2Input};

#[derive(Default)]
pub(crate) struct TemplatesQuery;

#[Object]
impl TemplatesQuery {
    /// R45: the four database templates by code or id; `owner`/`repo` (GitHub templates) find
    /// nothing in the sandbox.
    async fn template(
        &self,
        code: Option<String>,
        id: Option<String>,
        owner: Option<String>,
        repo: Option<String>,
    ) -> async_graphql::Result<Template> {
        let _ = (owner, repo);
        templates::find(code.as_deref(), id.as_deref())
            .map(Template)
            .ok_or_else(|| DomainError::TemplateNotFound.to_string().into())
    }
}

#[derive(Default)]
pub(crate) struct TemplatesMutation;

#[Object]
impl TemplatesMutation {
    /// R45: creates the template's services in the environment; `stageOnly` stages them.
    async fn template_deploy_v2(
        &self,
        ctx: &Context<'_>,
        input: TemplateDeployV2Input,
    ) -> async_graphql::Result<TemplateDeployPayload> {
        // Guess: a deploy into a new project (no projectId) is not emulated.
        let (Some(project_id), Some(environment_id)) = (input.project_id, input.environment_id)
        else {
            return Err("sandbox: templateDeployV2 needs projectId and environmentId".into());
        };
        let deploy = TemplateDeploy {
            project_id: project_id.clone(),
            environment_id,
            template_id: input.template_id,
            serialized_config: input.serialized_config.0,
            stage_only: input.stage_only.unwrap_or(false),
        };
        let workflow_id = with_store(ctx, |store| store.deploy_template(deploy))?;
        Ok(TemplateDeployPayload {
            project_id,
            workflow_id: Some(workflow_id),
        })
    }
}
