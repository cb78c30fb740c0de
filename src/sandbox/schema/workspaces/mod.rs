//! The account side of the schema: the sandbox's one `User`, its `Workspace`s (R33) with their
//! projects, the deprecated `Team` view of a workspace and `ExternalWorkspace`. Thin views over
//! stored records; what the sandbox does not keep (billing, SSO, adoption) reads as plausible
//! constants (R52, guesses). No rule of Railway is decided here.

mod external;
mod team;
mod user;

use async_graphql::{Context, ID, Object};
use chrono::Datelike;

pub(crate) use external::ExternalWorkspace;
pub(crate) use team::Team;
pub(crate) use user::{SANDBOX_USER_EMAIL, SANDBOX_USER_NAME, User};

use super::connection::{PageArgs, connection};
use super::scalars::{DateTime, SubscriptionPlanLimit};
use super::types::Project;
use super::unmodelled::{
    AdoptionInfo, ApiTokenRateLimit, BillingPeriod, Customer, PartnerProfile, Plan, ReferralUser,
    SubscriptionModel, SupportTierOverride, WorkspaceIdentityProvidersConnection, WorkspaceMember,
};
use super::with_store;
use crate::sandbox::store::SANDBOX_CREATOR_ID;

connection!(
    WorkspaceProjectsConnection,
    WorkspaceProjectsConnectionEdge,
    Project
);

/// The sandbox user as a workspace's member (an admin).
fn sandbox_member() -> WorkspaceMember {
    WorkspaceMember {
        id: SANDBOX_CREATOR_ID.to_string(),
        email: SANDBOX_USER_EMAIL.to_string(),
        name: Some(SANDBOX_USER_NAME.to_string()),
        feature_flags: Some(Vec::new()),
        two_factor_auth_enabled: Some(false),
        ..WorkspaceMember::default()
    }
}

/// Guess: a sandbox workspace is a pro customer in good standing, with nothing billed.
fn customer_of(workspace_id: &str) -> Customer {
    Customer {
        id: ID(format!("customer-{workspace_id}")),
        stripe_customer_id: format!("cus_sandbox_{}", workspace_id.replace('-', "")),
        owner_id: workspace_id.to_string(),
        billing_period: billing_period(chrono::Utc::now()),
        ..Customer::default()
    }
}

/// Guess: the calendar month around `now`, from its first day to the next month's.
fn billing_period(now: chrono::DateTime<chrono::Utc>) -> BillingPeriod {
    let today = now.date_naive();
    let start = today.with_day(1).unwrap_or(today);
    let end = start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(start);
    let midnight = |day: chrono::NaiveDate| DateTime(format!("{day}T00:00:00.000Z"));
    BillingPeriod {
        start: midnight(start),
        end: midnight(end),
    }
}

#[derive(Clone)]
pub(crate) struct Workspace {
    pub id: String,
}

#[Object]
impl Workspace {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        with_store(ctx, |store| {
            Ok(store
                .state
                .access
                .other_workspaces
                .iter()
                .find(|w| w.id == self.id)
                .map_or_else(|| "Sandbox".to_string(), |w| w.name.clone()))
        })
    }
    #[graphql(deprecation = "Use workspace")]
    async fn team(&self) -> Option<Team> {
        Some(Team(self.clone()))
    }
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<WorkspaceProjectsConnection> {
        let projects = with_store(ctx, |store| Ok(store.projects(Some(&self.id))))?;
        let args = PageArgs::new(&after, &before, first, last);
        WorkspaceProjectsConnection::page(projects.into_iter().map(Project).collect(), args)
    }
    /// The workspace's projects, deleted ones too when asked.
    async fn project_count(
        &self,
        ctx: &Context<'_>,
        include_deleted: Option<bool>,
    ) -> async_graphql::Result<i32> {
        let deleted_too = include_deleted.unwrap_or(false);
        with_store(ctx, |store| {
            let count = store
                .state
                .projects
                .iter()
                .filter(|p| p.workspace_id == self.id && (deleted_too || p.deleted_at.is_none()))
                .count();
            Ok(i32::try_from(count).unwrap_or(i32::MAX))
        })
    }
    /// The sandbox's one user, an admin of every workspace.
    async fn members(&self) -> Vec<WorkspaceMember> {
        vec![sandbox_member()]
    }
    async fn customer(&self) -> Customer {
        customer_of(&self.id)
    }
    async fn plan(&self) -> Plan {
        Plan::Pro
    }
    #[graphql(deprecation = "Use plan instead")]
    async fn subscription_model(&self) -> SubscriptionModel {
        SubscriptionModel::Team
    }
    /// No plan limit overrides on the sandbox.
    async fn subscription_plan_limit(&self) -> Option<SubscriptionPlanLimit> {
        None
    }
    /// Guess: the sandbox user has no second factor, so it is listed (by id).
    #[graphql(name = "usersWithout2FA")]
    async fn users_without_2fa(&self) -> Vec<String> {
        vec![SANDBOX_CREATOR_ID.to_string()]
    }
    async fn identity_providers(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> WorkspaceIdentityProvidersConnection {
        let _ = (after, before, first, last);
        WorkspaceIdentityProvidersConnection::default()
    }
    /// Guess: the sandbox keeps no creation or update times for workspaces.
    async fn created_at(&self) -> DateTime {
        DateTime::default()
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::default()
    }
    async fn adoption_history(&self) -> Vec<AdoptionInfo> {
        Vec::new()
    }
    async fn adoption_level(&self) -> f64 {
        0.0
    }
    #[graphql(deprecation = "Deprecated regions are no longer supported")]
    async fn allow_deprecated_regions(&self) -> Option<bool> {
        Some(false)
    }
    async fn api_token_rate_limit(&self) -> Option<ApiTokenRateLimit> {
        None
    }
    async fn avatar(&self) -> Option<String> {
        None
    }
    #[graphql(deprecation = "Use User.banReason instead")]
    async fn ban_reason(&self) -> Option<String> {
        None
    }
    async fn discord_role(&self) -> Option<String> {
        None
    }
    #[graphql(name = "has2FAEnforcement")]
    async fn has_2fa_enforcement(&self) -> bool {
        false
    }
    async fn has_automatic_diagnosis(&self) -> bool {
        false
    }
    async fn has_guardrails_access(&self) -> bool {
        false
    }
    #[graphql(name = "hasHipaaBAA")]
    async fn has_hipaa_baa(&self) -> bool {
        false
    }
    #[graphql(name = "hasSAML")]
    async fn has_saml(&self) -> bool {
        false
    }
    async fn partner_profile(&self) -> Option<PartnerProfile> {
        None
    }
    async fn preferred_region(&self) -> Option<String> {
        None
    }
    #[graphql(name = "redactedDueTo2FAPending")]
    async fn redacted_due_to_2fa_pending(&self) -> bool {
        false
    }
    async fn referred_users(&self) -> Vec<ReferralUser> {
        Vec::new()
    }
    async fn slack_channel_id(&self) -> Option<String> {
        None
    }
    async fn support_tier_override(&self) -> Option<SupportTierOverride> {
        None
    }
}
