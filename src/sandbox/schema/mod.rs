//! The sandbox's async-graphql schema: exactly the names and types of `graphql/railway.graphql`.
//! Resolvers translate GraphQL to store calls; Railway's rules live in the store, not here.

pub(crate) mod access;
mod buckets;
mod caller;
mod cli;
mod connection;
mod deployments;
mod environments;
mod iac;
mod inputs;
mod instance;
mod mutation;
mod networking;
mod owners;
mod previews;
mod project;
mod query;
mod regions;
pub(crate) mod scalars;
mod templates;
mod types;
pub(crate) mod unmodelled;
mod volumes;
mod workspaces;

use async_graphql::{EmptySubscription, ErrorExtensions, MergedObject, Schema};

pub(crate) use caller::TokenOwner;

use super::store::{DomainError, SharedStore, Store};

/// The `Query` root: the core read model plus domains, TCP proxies, backups and workflows.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub(crate) struct Query(
    query::CoreQuery,
    environments::EnvironmentsQuery,
    cli::CliQuery,
    iac::IacQuery,
    networking::NetworkingQuery,
    volumes::VolumesQuery,
    deployments::DeploymentsQuery,
    deployments::LogsQuery,
    regions::RegionsQuery,
    templates::TemplatesQuery,
    buckets::BucketsQuery,
);

/// The `Mutation` root: the core mutations plus domains, TCP proxies, volumes and backups.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub(crate) struct Mutation(
    mutation::CoreMutation,
    environments::EnvironmentsMutation,
    cli::CliMutation,
    iac::IacMutation,
    networking::NetworkingMutation,
    volumes::VolumesMutation,
    deployments::DeploymentsMutation,
    deployments::LogsMutation,
    previews::PreviewsMutation,
    templates::TemplatesMutation,
    buckets::BucketsMutation,
);

pub(crate) type SandboxSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema over `store`; `max_complexity` refuses larger queries (a guess, see
/// `SandboxConfig::max_query_complexity`).
pub(crate) fn build(store: SharedStore, max_complexity: Option<usize>) -> SandboxSchema {
    let builder =
        Schema::build(Query::default(), Mutation::default(), EmptySubscription).data(store);
    match max_complexity {
        Some(limit) => builder.limit_complexity(limit).finish(),
        None => builder.finish(),
    }
}

/// The schema's SDL, for conformance tests.
pub(crate) fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}

/// Railway reports domain errors with code INTERNAL_SERVER_ERROR and a telling message.
/// R15: a stale `baseConfigEtag` carries the code Railway's SDK matches instead.
fn domain_error(error: DomainError) -> async_graphql::Error {
    let code = match error {
        DomainError::StaleEnvironmentBase => "STALE_ENVIRONMENT_BASE",
        _ => "INTERNAL_SERVER_ERROR",
    };
    async_graphql::Error::new(error.to_string())
        .extend_with(|_, extensions| extensions.set("code", code))
}

/// Runs `read` on the locked store from the resolver context.
pub(crate) fn with_store<T>(
    ctx: &async_graphql::Context<'_>,
    read: impl FnOnce(&mut Store) -> Result<T, DomainError>,
) -> async_graphql::Result<T> {
    let store = ctx.data::<SharedStore>()?;
    let mut guard = store.lock().map_err(domain_error)?;
    read(&mut guard).map_err(domain_error)
}
