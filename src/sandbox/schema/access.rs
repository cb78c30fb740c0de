//! What the request's caller may see inside a resolver (R34, R35): the [`Caller`] the HTTP layer
//! puts in the request data, and checks for an environment's contents. Root-field scope checks
//! happen before execution in the server's `scope` module; this module must not touch the store's
//! records beyond asking whether an environment is restricted.

use async_graphql::{Context, ErrorExtensions};

use super::with_store;
use crate::sandbox::model::EnvironmentRecord;

/// Who sent the request, as the HTTP layer authenticated it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Caller {
    /// An account token of a workspace admin: everything.
    #[default]
    Admin,
    /// R35: an account token of a workspace member who is not an admin.
    Member,
    /// R34: a project token: one environment of one project.
    Project {
        token_id: String,
        project_id: String,
        environment_id: String,
    },
}

/// The caller of the current request; a schema executed without one (unit tests) is an admin's.
pub(crate) fn caller(ctx: &Context<'_>) -> Caller {
    ctx.data_opt::<Caller>().cloned().unwrap_or_default()
}

/// Railway's answer for something the caller may not reach. The code is a guess (R34/R35 list
/// the text as unknown); it matches the sandbox's answer for a bad token.
pub(crate) fn not_authorized() -> async_graphql::Error {
    async_graphql::Error::new("Not Authorized")
        .extend_with(|_, extensions| extensions.set("code", "UNAUTHENTICATED"))
}

/// `Environment.canAccess`: false for a member on a restricted environment (R35) and for a
/// project token on any other environment (R34).
pub(crate) fn can_access(ctx: &Context<'_>, environment_id: &str) -> async_graphql::Result<bool> {
    match caller(ctx) {
        Caller::Admin => Ok(true),
        Caller::Project {
            environment_id: allowed,
            ..
        } => Ok(allowed == environment_id),
        // R35
        Caller::Member => with_store(ctx, |store| Ok(!store.is_restricted(environment_id))),
    }
}

/// Guards an environment's contents (variables, instances, config, ...): errors[] when closed.
pub(crate) fn open_environment(
    ctx: &Context<'_>,
    environment_id: &str,
) -> async_graphql::Result<()> {
    if can_access(ctx, environment_id)? {
        Ok(())
    } else {
        Err(not_authorized())
    }
}

/// R34: a project token sees only its own environment in lists of environments.
pub(crate) fn visible_environments(
    ctx: &Context<'_>,
    environments: Vec<EnvironmentRecord>,
) -> Vec<EnvironmentRecord> {
    match caller(ctx) {
        // Guess: Railway's answer for the other environments of the project is not documented;
        // leaving them out keeps a project token's `project { environments }` read usable.
        Caller::Project { environment_id, .. } => environments
            .into_iter()
            .filter(|e| e.id == environment_id)
            .collect(),
        Caller::Admin | Caller::Member => environments,
    }
}
