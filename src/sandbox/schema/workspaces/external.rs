//! `ExternalWorkspace`: a workspace the user reaches through another organisation. The sandbox
//! has none (`externalWorkspaces` is always empty), so every field is a plain default.

use async_graphql::SimpleObject;

use crate::sandbox::schema::scalars::{DateTime, SubscriptionPlanLimit};
use crate::sandbox::schema::types::Project;
use crate::sandbox::schema::unmodelled::{Plan, SubscriptionState};

/// Upstream `ExternalWorkspace`.
#[derive(SimpleObject, Default)]
pub(crate) struct ExternalWorkspace {
    #[graphql(deprecation)]
    pub allow_deprecated_regions: Option<bool>,
    pub avatar: Option<String>,
    pub ban_reason: Option<String>,
    pub created_at: DateTime,
    pub current_session_has_access: Option<bool>,
    pub customer_id: Option<String>,
    pub customer_state: SubscriptionState,
    pub discord_role: Option<String>,
    #[graphql(name = "has2FAEnforcement")]
    pub has_2fa_enforcement: bool,
    pub has_automatic_diagnosis: bool,
    #[graphql(name = "hasBAA", deprecation)]
    pub has_baa: bool,
    pub has_guardrails_access: bool,
    #[graphql(name = "hasRBAC", deprecation)]
    pub has_rbac: bool,
    #[graphql(name = "hasSAML")]
    pub has_saml: bool,
    pub id: String,
    pub is_trialing: Option<bool>,
    pub name: String,
    pub plan: Plan,
    pub preferred_region: Option<String>,
    pub projects: Vec<Project>,
    #[graphql(name = "redactedDueTo2FAPending")]
    pub redacted_due_to_2fa_pending: bool,
    pub subscription_plan_limit: Option<SubscriptionPlanLimit>,
    pub support_tier_override: Option<String>,
    pub team_id: Option<String>,
}
