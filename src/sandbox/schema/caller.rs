//! Who sent a request, as the HTTP layer hands it to resolvers: the token owner that per-user
//! throttles (R4, R24) key on. It must not check tokens; the HTTP layer has done that.

use async_graphql::Context;

/// The presented token, standing for its owner (the sandbox has one user per token).
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenOwner(pub String);

/// The caller's key for per-user limits; requests built without one share the empty key.
pub(crate) fn owner(ctx: &Context<'_>) -> String {
    ctx.data_opt::<TokenOwner>()
        .map(|caller| caller.0.clone())
        .unwrap_or_default()
}
