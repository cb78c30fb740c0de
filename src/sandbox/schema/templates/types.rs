//! The GraphQL types of templates (R45): `Template` with every upstream field (R52), its
//! services, and the input and payload of `templateDeployV2`. Views over the catalog in
//! `sandbox::templates`; no rule is decided here.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};

use super::super::connection::{PageArgs, connection};
use super::super::scalars::{
    CanvasConfig, DateTime, SerializedTemplateConfig, SupportHealthMetrics, TemplateConfig,
    TemplateMetadata, TemplateServiceConfig,
};
use super::super::unmodelled::PartnerProfile;
use crate::sandbox::templates;

/// Upstream `TemplateStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TemplateStatus {
    #[graphql(name = "HIDDEN")]
    Hidden,
    #[graphql(name = "PUBLISHED")]
    Published,
    #[graphql(name = "UNPUBLISHED")]
    Unpublished,
}

/// R52: upstream `TemplateCreator` (never answered: the catalog's templates are Railway's).
#[derive(SimpleObject)]
pub(crate) struct TemplateCreator {
    pub avatar: Option<String>,
    pub has_public_profile: bool,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// R52: upstream `TemplateGuide`.
#[derive(SimpleObject)]
pub(crate) struct TemplateGuide {
    pub post: Option<String>,
    pub video: Option<String>,
}

/// R52: upstream `MaintainerWorkspace`.
#[derive(SimpleObject)]
pub(crate) struct MaintainerWorkspace {
    pub avatar: Option<String>,
    pub id: String,
    pub name: String,
    pub partner_profile: Option<PartnerProfile>,
}

/// R52: upstream `SimilarTemplate` (the sandbox lists none).
#[derive(SimpleObject)]
pub(crate) struct SimilarTemplate {
    pub code: String,
    pub created_at: DateTime,
    pub creator: Option<TemplateCreator>,
    pub deploys: i32,
    pub description: Option<String>,
    pub health: Option<f64>,
    pub image: Option<String>,
    pub name: String,
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
}

/// One service of a template.
#[derive(SimpleObject)]
pub(crate) struct TemplateService {
    pub config: TemplateServiceConfig,
    pub created_at: DateTime,
    pub id: ID,
    pub template_id: String,
    pub updated_at: DateTime,
}

connection!(
    TemplateServicesConnection,
    TemplateServicesConnectionEdge,
    TemplateService
);

/// A template of the catalog.
pub(crate) struct Template(pub &'static templates::Template);

#[Object]
impl Template {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        self.0.code
    }
    async fn name(&self) -> &str {
        self.0.name
    }
    async fn description(&self) -> Option<String> {
        Some(format!("{} database (sandbox template)", self.0.name))
    }
    async fn serialized_config(&self) -> Option<SerializedTemplateConfig> {
        Some(SerializedTemplateConfig(self.0.serialized_config()))
    }
    /// Guess: the legacy `config` holds the same document.
    async fn config(&self) -> TemplateConfig {
        TemplateConfig(self.0.serialized_config())
    }
    async fn services(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<TemplateServicesConnection> {
        let config = self.0.serialized_config();
        let service = TemplateService {
            config: TemplateServiceConfig(config["services"][self.0.service_id].clone()),
            created_at: DateTime::default(),
            id: ID(self.0.service_id.to_string()),
            template_id: self.0.id.to_string(),
            updated_at: DateTime::default(),
        };
        let args = PageArgs::new(&after, &before, first, last);
        TemplateServicesConnection::page(vec![service], args)
    }
    async fn status(&self) -> TemplateStatus {
        TemplateStatus::Published
    }
    async fn category(&self) -> Option<&str> {
        Some("Storage")
    }
    async fn image(&self) -> Option<String> {
        Some(format!(
            "https://devicons.railway.app/i/{}.svg",
            self.0.code
        ))
    }
    async fn tags(&self) -> Option<Vec<String>> {
        Some(vec!["database".into(), self.0.code.into()])
    }
    async fn languages(&self) -> Option<Vec<String>> {
        None
    }
    async fn readme(&self) -> Option<String> {
        None
    }
    async fn demo_project_id(&self) -> Option<String> {
        None
    }
    async fn workspace_id(&self) -> Option<String> {
        None
    }
    async fn team_id(&self) -> Option<String> {
        None
    }
    async fn community_thread_slug(&self) -> Option<String> {
        None
    }
    async fn canvas_config(&self) -> Option<CanvasConfig> {
        None
    }
    async fn creator(&self) -> Option<TemplateCreator> {
        None
    }
    async fn guides(&self) -> Option<TemplateGuide> {
        None
    }
    async fn maintainer(&self) -> Option<MaintainerWorkspace> {
        None
    }
    async fn metadata(&self) -> TemplateMetadata {
        TemplateMetadata::default()
    }
    async fn similar_templates(&self) -> Vec<SimilarTemplate> {
        Vec::new()
    }
    async fn support_health_metrics(&self) -> Option<SupportHealthMetrics> {
        None
    }
    async fn health(&self) -> Option<f64> {
        None
    }
    async fn is_approved(&self) -> bool {
        true
    }
    async fn is_v2_template(&self) -> bool {
        true
    }
    async fn is_verified(&self) -> bool {
        true
    }
    async fn active_projects(&self) -> i32 {
        0
    }
    async fn projects(&self) -> i32 {
        0
    }
    async fn recent_projects(&self) -> i32 {
        0
    }
    async fn total_payout(&self) -> f64 {
        0.0
    }
    async fn created_at(&self) -> DateTime {
        DateTime::default()
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::default()
    }
}

#[derive(InputObject)]
pub(crate) struct TemplateDeployV2Input {
    pub environment_id: Option<String>,
    pub existing_root_service_id: Option<String>,
    pub project_id: Option<String>,
    pub serialized_config: SerializedTemplateConfig,
    pub stage_only: Option<bool>,
    pub template_id: String,
    pub workspace_id: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct TemplateDeployPayload {
    pub project_id: String,
    pub workflow_id: Option<String>,
}
