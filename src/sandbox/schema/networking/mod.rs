//! The domains and TCP proxies part of the sandbox schema: query and mutation fields merged into
//! the `Query` and `Mutation` roots, and `ServiceInstance.domains`. Each maps onto one store call.

mod certificates;
mod types;

use async_graphql::{Context, Object};

pub(crate) use types::AllDomains;
use types::{
    CustomDomain, CustomDomainCreateInput, DomainAvailable, ServiceDomain,
    ServiceDomainCreateInput, ServiceDomainUpdateInput, TcpProxy, TcpProxyCreateInput,
};

use super::with_store;
use crate::sandbox::store::{NewCustomDomain, Store, deleting};

/// `ServiceInstance.domains`: the instance's domains, soft-deleted ones included.
pub(crate) fn instance_domains(
    store: &Store,
    service_id: &str,
    environment_id: &str,
) -> AllDomains {
    let (service_domains, custom_domains) = store.domains_of_instance(service_id, environment_id);
    AllDomains {
        service_domains: service_domains.into_iter().map(ServiceDomain).collect(),
        custom_domains: custom_domains.into_iter().map(CustomDomain).collect(),
    }
}

/// The root `domains(projectId, environmentId, serviceId)`: the instance's live domains.
/// Guess: Railway leaves deleted domains out of this list.
pub(crate) fn live_instance_domains(
    store: &Store,
    service_id: &str,
    environment_id: &str,
) -> AllDomains {
    let mut domains = instance_domains(store, service_id, environment_id);
    domains.service_domains.retain(|d| d.0.deleted_at.is_none());
    domains.custom_domains.retain(|d| d.0.deleted_at.is_none());
    domains
}

#[derive(Default)]
pub(crate) struct NetworkingQuery;

#[Object]
impl NetworkingQuery {
    async fn tcp_proxies(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> async_graphql::Result<Vec<TcpProxy>> {
        with_store(ctx, |store| {
            let proxies = store.tcp_proxies_of_instance(&service_id, &environment_id)?;
            Ok(proxies.into_iter().map(TcpProxy).collect())
        })
    }

    async fn service_domain_available(
        &self,
        ctx: &Context<'_>,
        domain: String,
    ) -> async_graphql::Result<DomainAvailable> {
        with_store(ctx, |store| {
            Ok(store.service_domain_availability(&domain).into())
        })
    }

    async fn custom_domain_available(
        &self,
        ctx: &Context<'_>,
        domain: String,
    ) -> async_graphql::Result<DomainAvailable> {
        with_store(ctx, |store| {
            Ok(store.custom_domain_availability(&domain).into())
        })
    }
}

#[derive(Default)]
pub(crate) struct NetworkingMutation;

#[Object]
impl NetworkingMutation {
    async fn service_domain_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceDomainCreateInput,
    ) -> async_graphql::Result<ServiceDomain> {
        with_store(ctx, |store| {
            store
                .create_service_domain(&input.service_id, &input.environment_id, input.target_port)
                .map(ServiceDomain)
        })
    }

    async fn service_domain_update(
        &self,
        ctx: &Context<'_>,
        input: ServiceDomainUpdateInput,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .update_service_domain(
                    &input.service_domain_id,
                    &input.domain,
                    &input.service_id,
                    &input.environment_id,
                    input.target_port,
                )
                .map(|()| true)
        })
    }

    async fn service_domain_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_service_domain(&id)
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }

    async fn custom_domain_create(
        &self,
        ctx: &Context<'_>,
        input: CustomDomainCreateInput,
    ) -> async_graphql::Result<CustomDomain> {
        let new = NewCustomDomain {
            project_id: input.project_id,
            environment_id: input.environment_id,
            service_id: input.service_id,
            domain: input.domain,
            target_port: input.target_port,
        };
        with_store(ctx, |store| {
            store.create_custom_domain(new).map(CustomDomain)
        })
    }

    async fn custom_domain_update(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
        target_port: Option<i32>,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .update_custom_domain(&id, &environment_id, target_port)
                .map(|()| true)
        })
    }

    async fn custom_domain_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_custom_domain(&id)
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }

    /// Always true for a live custom domain: see the store's `issue_custom_domain_certificate`.
    async fn custom_domain_issue_certificate(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store.issue_custom_domain_certificate(&id).map(|()| true)
        })
    }

    async fn tcp_proxy_create(
        &self,
        ctx: &Context<'_>,
        input: TcpProxyCreateInput,
    ) -> async_graphql::Result<TcpProxy> {
        with_store(ctx, |store| {
            store
                .create_tcp_proxy(
                    &input.service_id,
                    &input.environment_id,
                    input.application_port,
                )
                .map(TcpProxy)
        })
    }

    async fn tcp_proxy_delete(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<bool> {
        with_store(ctx, |store| {
            store
                .delete_tcp_proxy(&id)
                .map_err(deleting) // R37
                .map(|()| true)
        })
    }
}
