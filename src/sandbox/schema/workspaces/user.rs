//! The sandbox's one `User`: the owner of every token, an admin of every workspace.

use async_graphql::{Context, ID, Object};

use super::Workspace;
use crate::sandbox::SANDBOX_WORKSPACE_ID;
use crate::sandbox::schema::scalars::DateTime;
use crate::sandbox::schema::unmodelled::{
    ActiveFeatureFlag, ActivePlatformFlag, ApiTokenRateLimit, RegistrationStatus, UserFlag,
    UserProfile, UserProjectsConnection, UserProviderAuthsConnection,
};
use crate::sandbox::schema::with_store;
use crate::sandbox::store::SANDBOX_CREATOR_ID;

/// The sandbox user's name and email, wherever a member, creator or author is shown.
pub(crate) const SANDBOX_USER_NAME: &str = "Sandbox User";
pub(crate) const SANDBOX_USER_EMAIL: &str = "sandbox@example.com";

/// The sandbox's one user, a member of the sandbox's workspaces.
pub(crate) struct User;

#[Object]
impl User {
    /// R52: the sandbox user has no feature flag.
    async fn feature_flags(&self) -> Vec<ActiveFeatureFlag> {
        Vec::new()
    }
    async fn platform_feature_flags(&self) -> Vec<ActivePlatformFlag> {
        Vec::new()
    }
    async fn flags(&self) -> Vec<UserFlag> {
        Vec::new()
    }
    async fn id(&self) -> ID {
        ID(SANDBOX_CREATOR_ID.to_string())
    }
    async fn name(&self) -> Option<&str> {
        Some(SANDBOX_USER_NAME)
    }
    async fn email(&self) -> &str {
        SANDBOX_USER_EMAIL
    }
    /// Guess: a username derived from the name; no GitHub account is linked.
    async fn username(&self) -> Option<&str> {
        Some("sandbox-user")
    }
    async fn github_username(&self) -> Option<&str> {
        None
    }
    async fn github_provider_id(&self) -> Option<&str> {
        None
    }
    async fn avatar(&self) -> Option<&str> {
        None
    }
    /// R33: the CLI lists projects through here.
    async fn workspaces(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Workspace>> {
        let others = with_store(ctx, |store| Ok(store.state.access.other_workspaces.clone()))?;
        Ok(std::iter::once(Workspace {
            id: SANDBOX_WORKSPACE_ID.to_string(),
        })
        .chain(others.into_iter().map(|w| Workspace { id: w.id }))
        .collect())
    }
    /// Deprecated upstream: no user is tied to one workspace any more.
    #[graphql(deprecation = "Use workspaces")]
    async fn workspace(&self) -> Option<Workspace> {
        None
    }
    /// Deprecated upstream: it returns nothing any more; projects are listed per workspace.
    #[graphql(deprecation = "Use the workspaces' projects")]
    async fn projects(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> UserProjectsConnection {
        let _ = (after, before, first, last);
        UserProjectsConnection::default()
    }
    /// No login provider is linked (the sandbox signs in by token only).
    async fn provider_auths(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> UserProviderAuthsConnection {
        let _ = (after, before, first, last);
        UserProviderAuthsConnection::default()
    }
    async fn profile(&self) -> Option<UserProfile> {
        Some(UserProfile::default())
    }
    async fn registration_status(&self) -> RegistrationStatus {
        RegistrationStatus::Onboarded
    }
    async fn agreed_fair_use(&self) -> bool {
        true
    }
    /// Guess: the sandbox keeps no account history; these read as a fixed time.
    async fn created_at(&self) -> DateTime {
        DateTime::default()
    }
    async fn terms_agreed_on(&self) -> Option<DateTime> {
        Some(DateTime::default())
    }
    async fn last_login(&self) -> DateTime {
        DateTime::default()
    }
    async fn api_token_rate_limit(&self) -> Option<ApiTokenRateLimit> {
        None
    }
    #[graphql(deprecation = "Use the workspaces' restrictions")]
    async fn ban_reason(&self) -> Option<&str> {
        None
    }
    #[graphql(name = "has2FA")]
    async fn has_2fa(&self) -> bool {
        false
    }
    async fn has_passkeys(&self) -> bool {
        false
    }
    async fn is_admin(&self) -> bool {
        false
    }
    async fn is_conductor(&self) -> bool {
        false
    }
    async fn is_verified(&self) -> bool {
        true
    }
    async fn risk_level(&self) -> Option<f64> {
        None
    }
}
