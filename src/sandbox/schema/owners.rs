//! Resolves the parent record a view points at (project, environment, service), for the
//! non-null parent fields of R52. A parent that is gone is an error, as a dangling id would be.

use async_graphql::Context;

use super::types::{Environment, Project, Service};
use super::with_store;

/// The project `project_id` names.
pub(crate) fn project(ctx: &Context<'_>, project_id: &str) -> async_graphql::Result<Project> {
    with_store(ctx, |store| Ok(Project(store.project(project_id)?.clone())))
}

/// The environment `environment_id` names.
pub(crate) fn environment(
    ctx: &Context<'_>,
    environment_id: &str,
) -> async_graphql::Result<Environment> {
    with_store(ctx, |store| {
        Ok(Environment(store.environment(environment_id)?.clone()))
    })
}

/// The service `service_id` names; `None` (a shared variable, a detached volume) has none, and
/// since upstream declares the field non-null, Railway can only answer an error (a guess).
pub(crate) fn service(
    ctx: &Context<'_>,
    service_id: Option<&str>,
) -> async_graphql::Result<Service> {
    let Some(service_id) = service_id else {
        return Err(async_graphql::Error::new("Service not found"));
    };
    with_store(ctx, |store| Ok(Service(store.service(service_id)?.clone())))
}
