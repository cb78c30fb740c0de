//! TCP proxies on the sandbox store: one per (instance, application port), a random public port
//! on a `*.proxy.rlwy.net` host, soft deletes. Nothing here knows about GraphQL.

use rand::Rng;

use super::{DomainError, Store};
use crate::sandbox::model::{SyncStatus, TcpProxyRecord, new_id, now_rfc3339};

/// Railway names its proxy hosts after railway things; the sandbox picks from a few such words.
const PROXY_HOST_WORDS: &[&str] = &[
    "ballast",
    "caboose",
    "crossover",
    "gondola",
    "interchange",
    "junction",
    "maglev",
    "monorail",
    "roundhouse",
    "shinkansen",
    "switchyard",
    "trolley",
    "turntable",
    "viaduct",
];
const PROXY_PORTS: std::ops::RangeInclusive<i32> = 10000..=60000;

impl Store {
    pub(crate) fn create_tcp_proxy(
        &mut self,
        service_id: &str,
        environment_id: &str,
        application_port: i32,
    ) -> Result<TcpProxyRecord, DomainError> {
        self.service(service_id)?;
        self.environment(environment_id)?;
        self.live_instance_mut(service_id, environment_id)?;
        let taken = self.state.tcp_proxies.iter().any(|p| {
            p.deleted_at.is_none()
                && p.service_id == service_id
                && p.environment_id == environment_id
                && p.application_port == application_port
        });
        if taken {
            return Err(DomainError::TcpProxyPortTaken(application_port));
        }
        let mut rng = rand::rng();
        let (domain, proxy_port) = loop {
            let word = PROXY_HOST_WORDS[rng.random_range(0..PROXY_HOST_WORDS.len())];
            let domain = format!("{word}.proxy.rlwy.net");
            let proxy_port = rng.random_range(PROXY_PORTS);
            let in_use = self
                .state
                .tcp_proxies
                .iter()
                .any(|p| p.domain == domain && p.proxy_port == proxy_port);
            if !in_use {
                break (domain, proxy_port);
            }
        };
        let now = now_rfc3339();
        let record = TcpProxyRecord {
            id: new_id(),
            service_id: service_id.to_string(),
            environment_id: environment_id.to_string(),
            application_port,
            proxy_port,
            domain,
            sync_status: SyncStatus::Active,
            deleted_at: None,
            created_at: now.clone(),
            updated_at: now,
        };
        self.state.tcp_proxies.push(record.clone());
        Ok(record)
    }

    pub(crate) fn delete_tcp_proxy(&mut self, id: &str) -> Result<(), DomainError> {
        let record = self
            .state
            .tcp_proxies
            .iter_mut()
            .find(|p| p.id == id && p.deleted_at.is_none())
            .ok_or(DomainError::TcpProxyNotFound)?;
        let now = now_rfc3339();
        record.deleted_at = Some(now.clone());
        record.updated_at = now;
        record.sync_status = SyncStatus::Deleted;
        Ok(())
    }

    /// The instance's proxies, soft-deleted ones included.
    pub(crate) fn tcp_proxies_of_instance(
        &self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<Vec<TcpProxyRecord>, DomainError> {
        self.environment(environment_id)?;
        if !self.state.services.iter().any(|s| s.id == service_id) {
            return Err(DomainError::ServiceNotFound);
        }
        Ok(self
            .state
            .tcp_proxies
            .iter()
            .filter(|p| p.service_id == service_id && p.environment_id == environment_id)
            .cloned()
            .collect())
    }
}
