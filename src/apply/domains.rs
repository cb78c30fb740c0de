//! Applying domains and TCP proxies of one instance: generated domains (renamed when pinned, after
//! checking the name is free), custom domains (never deleted to change a port: Let's Encrypt
//! limits duplicate certificates), TCP proxies, and deletes the plan prunes. Creates go through
//! observe-then-create; one domain mutation at a time, as the executor is sequential.

use std::sync::Mutex;

use super::create::observe_then_create;
use super::variables::Scope;
use super::{Executor, missing};
use crate::plan::domains::{DomainChange, DomainKind, DomainOp, new_domain_dns};
use crate::railway::error::Error;
use crate::railway::live::{LiveCustomDomain, LiveInstance};
use crate::railway::ops::{
    CustomDomainCreate, CustomDomainDelete, CustomDomainUpdate, ServiceDomainAvailable,
    ServiceDomainCreate, ServiceDomainDelete, ServiceDomainUpdate, TcpProxies, TcpProxyDelete,
    custom_domain_create, custom_domain_delete, custom_domain_update, service_domain_available,
    service_domain_create, service_domain_delete, service_domain_update, tcp_proxies,
    tcp_proxy_delete,
};

/// What syncing an instance's domains did.
#[derive(Debug, Default)]
pub(super) struct DomainResult {
    pub sent: Vec<String>,
    /// A TCP proxy was created or deleted: the instance needs a redeploy.
    pub tcp_changed: bool,
    /// DNS records to create for new custom domains, one line each.
    pub dns: Vec<String>,
}

impl Executor<'_> {
    pub(super) async fn sync_domains(
        &mut self,
        scope: &Scope<'_>,
        environment: &str,
        service: &str,
        live: &LiveInstance,
        planned: &[DomainChange],
    ) -> Result<DomainResult, Error> {
        let mut result = DomainResult::default();
        let service_id = live.service_id.clone();
        // Domains that existed before each create: live ones plus those this pass made, so a
        // re-read after a lost response adopts only the domain that create made.
        let mut known: Vec<String> = live.service_domains.iter().map(|d| d.id.clone()).collect();
        for change in planned {
            match (change.kind, change.op) {
                (DomainKind::Railway, DomainOp::Add) => {
                    let (id, name) = self
                        .create_service_domain(scope, environment, service, live, change, &known)
                        .await?;
                    known.push(id);
                    result.sent.push(format!("serviceDomainCreate ({name})"));
                }
                (DomainKind::Railway, DomainOp::Update) => {
                    self.update_service_domain(scope, &service_id, change)
                        .await?;
                    result
                        .sent
                        .push(format!("serviceDomainUpdate ({})", change.name));
                }
                (DomainKind::Railway | DomainKind::Custom, DomainOp::Delete) => {
                    let sent = self.delete_domain(scope, &service_id, change).await?;
                    result.sent.push(format!("{sent} ({})", change.name));
                }
                (DomainKind::Custom, DomainOp::Add) => {
                    let dns = self
                        .create_custom_domain(scope, environment, service, change)
                        .await?;
                    result
                        .sent
                        .push(format!("customDomainCreate ({})", change.name));
                    result.dns.extend(dns);
                }
                (DomainKind::Custom, DomainOp::Update) => {
                    self.update_custom_domain(scope, change).await?;
                    result
                        .sent
                        .push(format!("customDomainUpdate ({})", change.name));
                }
                // R31: created by the environment's patch, never by the deprecated mutation.
                (DomainKind::TcpProxy, DomainOp::Add) => {}
                (DomainKind::TcpProxy, _) => {
                    let port = change.port.unwrap_or_default();
                    self.delete_tcp_proxies_on(scope, &service_id, port).await?;
                    result.tcp_changed = true;
                    result.sent.push(format!("tcpProxyDelete (:{port})"));
                }
            }
        }
        // The cached project stays usable: what changed here (this instance's domains) is read by
        // no later action, and the inventory records created names from `created_domains`.
        Ok(result)
    }

    /// Moves a generated domain to the port the manifest gives it.
    async fn update_service_domain(
        &mut self,
        scope: &Scope<'_>,
        service_id: &str,
        change: &DomainChange,
    ) -> Result<(), Error> {
        let id = change
            .id
            .clone()
            .ok_or_else(|| missing("service domain", &change.name))?;
        self.client
            .post::<ServiceDomainUpdate>(service_domain_update::Variables {
                input: service_domain_update::ServiceDomainUpdateInput {
                    service_domain_id: id,
                    domain: change.name.clone(),
                    service_id: service_id.to_string(),
                    environment_id: scope.environment_id.to_string(),
                    target_port: change.port,
                },
            })
            .await?;
        Ok(())
    }

    /// Moves a custom domain to its new port in place: deleting and re-creating it would cost
    /// a certificate.
    async fn update_custom_domain(
        &mut self,
        scope: &Scope<'_>,
        change: &DomainChange,
    ) -> Result<(), Error> {
        let id = change
            .id
            .clone()
            .ok_or_else(|| missing("custom domain", &change.name))?;
        self.client
            .post::<CustomDomainUpdate>(custom_domain_update::Variables {
                id,
                environment_id: scope.environment_id.to_string(),
                target_port: change.port,
            })
            .await?;
        Ok(())
    }

    /// Deletes every live TCP proxy of the instance on `port`; the plan names the port, not
    /// the proxy's id.
    pub(super) async fn delete_tcp_proxies_on(
        &mut self,
        scope: &Scope<'_>,
        service_id: &str,
        port: i64,
    ) -> Result<(), Error> {
        let proxies = self
            .client
            .post::<TcpProxies>(tcp_proxies::Variables {
                environment_id: scope.environment_id.to_string(),
                service_id: service_id.to_string(),
            })
            .await?
            .tcp_proxies;
        for proxy in proxies
            .into_iter()
            .filter(|p| p.application_port == port && p.deleted_at.is_none())
        {
            self.delete_tcp_proxy(scope, service_id, proxy.id).await?;
        }
        Ok(())
    }

    /// A pinned subdomain taken by someone else fails now, before a domain is created for it.
    async fn check_pin_available(&self, name: &str) -> Result<(), Error> {
        let available = self
            .client
            .post::<ServiceDomainAvailable>(service_domain_available::Variables {
                domain: name.to_string(),
            })
            .await?
            .service_domain_available;
        if !available.available {
            return Err(Error::Terminal {
                operation: "ServiceDomainAvailable",
                message: format!(
                    "{} is not available ({}); pin another subdomain",
                    name, available.message
                ),
            });
        }
        Ok(())
    }

    /// Creates a generated domain (then renames it when pinned); returns its name.
    async fn create_service_domain(
        &mut self,
        scope: &Scope<'_>,
        environment: &str,
        service: &str,
        live: &LiveInstance,
        change: &DomainChange,
        known: &[String],
    ) -> Result<(String, String), Error> {
        if change.subdomain.is_some() {
            self.check_pin_available(&change.name).await?;
        }
        let client = self.client;
        let created = Mutex::new(None::<(String, String)>);
        let project_id = scope.project_id.to_string();
        let environment_id = scope.environment_id.to_string();
        let service_id = live.service_id.clone();
        observe_then_create(
            client.retry_policy(),
            || async {
                let domain = client
                    .post::<ServiceDomainCreate>(service_domain_create::Variables {
                        input: service_domain_create::ServiceDomainCreateInput {
                            service_id: service_id.clone(),
                            environment_id: environment_id.clone(),
                            target_port: change.port,
                        },
                    })
                    .await?
                    .service_domain_create;
                if let Ok(mut slot) = created.lock() {
                    *slot = Some((domain.id, domain.domain));
                }
                Ok(())
            },
            || async {
                let project = crate::railway::snapshot::read_project(client, &project_id).await?;
                let fresh = instance_in(&project, &environment_id, &service_id).and_then(|i| {
                    i.service_domains
                        .iter()
                        .find(|d| !known.contains(&d.id))
                        .cloned()
                });
                let found = fresh.is_some();
                if let (Some(domain), Ok(mut slot)) = (fresh, created.lock()) {
                    *slot = Some((domain.id, domain.domain));
                }
                Ok(found)
            },
        )
        .await?;
        let (id, mut name) = created
            .into_inner()
            .ok()
            .flatten()
            .ok_or_else(|| missing("service domain", "just created"))?;
        if change.subdomain.is_some() {
            // R30: whether the rename takes shows only in a later read; the inventory keeps the
            // generated name so that plan reports a rename that did not take, never resends it.
            self.pins.push((
                environment.to_string(),
                service.to_string(),
                change.name.clone(),
                name.clone(),
            ));
            let rename = DomainChange {
                id: Some(id.clone()),
                ..change.clone()
            };
            self.update_service_domain(scope, &service_id, &rename)
                .await?;
            name.clone_from(&change.name);
        }
        self.created_domains
            .push((environment.to_string(), service.to_string(), name.clone()));
        Ok((id, name))
    }

    /// Creates a custom domain and returns the DNS records its owner must create, taken from
    /// Railway's answer (R29); a re-read happens only when the create may have been lost.
    async fn create_custom_domain(
        &mut self,
        scope: &Scope<'_>,
        environment: &str,
        service: &str,
        change: &DomainChange,
    ) -> Result<Vec<String>, Error> {
        let client = self.client;
        let created = Mutex::new(None::<LiveCustomDomain>);
        let project_id = scope.project_id.to_string();
        let environment_id = scope.environment_id.to_string();
        let service_id = scope.service_id.unwrap_or_default().to_string();
        observe_then_create(
            client.retry_policy(),
            || async {
                let answer = client
                    .post::<CustomDomainCreate>(custom_domain_create::Variables {
                        input: custom_domain_create::CustomDomainCreateInput {
                            project_id: project_id.clone(),
                            environment_id: environment_id.clone(),
                            service_id: service_id.clone(),
                            domain: change.name.clone(),
                            target_port: change.port,
                        },
                    })
                    .await?
                    .custom_domain_create;
                if let Ok(mut slot) = created.lock() {
                    *slot = Some(created_custom_domain(answer));
                }
                Ok(())
            },
            || async {
                let project = crate::railway::snapshot::read_project(client, &project_id).await?;
                let found = instance_in(&project, &environment_id, &service_id)
                    .and_then(|i| i.custom_domains.iter().find(|d| d.domain == change.name))
                    .cloned();
                let adopted = found.is_some();
                if let (Some(domain), Ok(mut slot)) = (found, created.lock()) {
                    *slot = Some(domain);
                }
                Ok(adopted)
            },
        )
        .await?;
        self.created_domains.push((
            environment.to_string(),
            service.to_string(),
            change.name.clone(),
        ));
        Ok(created
            .into_inner()
            .ok()
            .flatten()
            .map(|d| vec![new_domain_dns(&d)])
            .unwrap_or_default())
    }
}

/// The custom domain as `customDomainCreate` answered it, records included (R29).
fn created_custom_domain(
    answer: custom_domain_create::CustomDomainCreateCustomDomainCreate,
) -> LiveCustomDomain {
    crate::railway::snapshot::live_custom_domain!(answer)
}

fn instance_in<'a>(
    project: &'a crate::railway::live::LiveProject,
    environment_id: &str,
    service_id: &str,
) -> Option<&'a LiveInstance> {
    project
        .environments
        .iter()
        .find(|e| e.id == environment_id)?
        .instances
        .get(service_id)
}

impl Executor<'_> {
    /// Deletes a generated or custom domain the plan prunes; one already gone is done (R37).
    async fn delete_domain(
        &mut self,
        scope: &Scope<'_>,
        service_id: &str,
        change: &DomainChange,
    ) -> Result<&'static str, Error> {
        let custom = change.kind == DomainKind::Custom;
        let what = if custom {
            "custom domain"
        } else {
            "service domain"
        };
        let id = change
            .id
            .clone()
            .ok_or_else(|| missing(what, &change.name))?;
        let (operation, result) = if custom {
            let sent = custom_domain_delete::Variables { id: id.clone() };
            let result = self.client.post::<CustomDomainDelete>(sent).await.map(drop);
            ("customDomainDelete", result)
        } else {
            let sent = service_domain_delete::Variables { id: id.clone() };
            let result = self
                .client
                .post::<ServiceDomainDelete>(sent)
                .await
                .map(drop);
            ("serviceDomainDelete", result)
        };
        super::settle_delete(result, async || {
            self.stale = true;
            let project = self.fresh_project().await?;
            Ok(
                instance_in(project, scope.environment_id, service_id).is_some_and(|live| {
                    live.service_domains.iter().any(|d| d.id == id)
                        || live.custom_domains.iter().any(|d| d.id == id)
                }),
            )
        })
        .await?;
        Ok(operation)
    }

    /// Deletes one TCP proxy; one already gone is done (R37).
    async fn delete_tcp_proxy(
        &self,
        scope: &Scope<'_>,
        service_id: &str,
        proxy_id: String,
    ) -> Result<(), Error> {
        let result = self
            .client
            .post::<TcpProxyDelete>(tcp_proxy_delete::Variables {
                id: proxy_id.clone(),
            })
            .await;
        super::settle_delete(result, async || {
            let proxies = self
                .client
                .post::<TcpProxies>(tcp_proxies::Variables {
                    environment_id: scope.environment_id.to_string(),
                    service_id: service_id.to_string(),
                })
                .await?
                .tcp_proxies;
            Ok(proxies
                .iter()
                .any(|p| p.id == proxy_id && p.deleted_at.is_none()))
        })
        .await?;
        Ok(())
    }
}
