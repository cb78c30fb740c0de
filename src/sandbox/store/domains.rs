//! Railway service domains and custom domains on the sandbox store: generated names, renames,
//! availability, DNS verification and soft deletes. Hostname text rules live in `hostnames`.

use super::hostnames::{
    RAILWAY_DOMAIN_SUFFIX, generated_label, is_valid_hostname, is_valid_label, railway_label,
};
use super::{DomainError, Store};
use crate::sandbox::model::{
    CustomDomainRecord, DomainRenames, ServiceDomainRecord, SyncStatus, new_id, now_rfc3339,
};

/// The answer of `serviceDomainAvailable` / `customDomainAvailable`.
pub(crate) struct DomainAvailability {
    pub available: bool,
    pub message: String,
}

impl DomainAvailability {
    fn of(result: Result<(), DomainError>) -> Self {
        match result {
            Ok(()) => Self {
                available: true,
                message: String::new(),
            },
            Err(error) => Self {
                available: false,
                message: error.to_string(),
            },
        }
    }
}

pub(crate) struct NewCustomDomain {
    pub project_id: String,
    pub environment_id: String,
    pub service_id: String,
    pub domain: String,
    pub target_port: Option<i32>,
}

fn normalized(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_lowercase()
}

impl Store {
    /// The project id of a live (service, environment) instance, after checking each part exists.
    fn live_instance_project(
        &mut self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<String, DomainError> {
        let project_id = self.service(service_id)?.project_id.clone();
        self.environment(environment_id)?;
        self.live_instance_mut(service_id, environment_id)?;
        Ok(project_id)
    }

    fn service_domain_taken(&self, domain: &str, except_id: Option<&str>) -> bool {
        self.state.service_domains.iter().any(|d| {
            d.deleted_at.is_none() && d.domain == domain && except_id != Some(d.id.as_str())
        })
    }

    fn custom_domain_taken(&self, domain: &str) -> bool {
        self.state
            .custom_domains
            .iter()
            .any(|d| d.deleted_at.is_none() && d.domain == domain)
    }

    /// Names the domain `{service}-{environment}`, then `-1`, `-2`... until one is free.
    pub(crate) fn create_service_domain(
        &mut self,
        service_id: &str,
        environment_id: &str,
        target_port: Option<i32>,
    ) -> Result<ServiceDomainRecord, DomainError> {
        let project_id = self.live_instance_project(service_id, environment_id)?;
        let base = generated_label(
            &self.service_name(service_id),
            &self.environment(environment_id)?.name,
        );
        let mut attempt = 0usize;
        let label = loop {
            let candidate = match attempt {
                0 => base.clone(),
                n => format!("{base}-{n}"),
            };
            if !is_valid_label(&candidate) {
                return Err(DomainError::ServiceDomainTryAgain);
            }
            if !self.service_domain_taken(&format!("{candidate}.{RAILWAY_DOMAIN_SUFFIX}"), None) {
                break candidate;
            }
            attempt += 1;
        };
        let record = ServiceDomainRecord {
            id: new_id(),
            domain: format!("{label}.{RAILWAY_DOMAIN_SUFFIX}"),
            service_id: service_id.to_string(),
            environment_id: environment_id.to_string(),
            project_id,
            target_port,
            sync_status: SyncStatus::Active,
            deleted_at: None,
            created_at: now_rfc3339(),
            new_domain_name: None,
        };
        self.state.service_domains.push(record.clone());
        Ok(record)
    }

    fn check_service_domain_name(
        &self,
        domain: &str,
        except_id: Option<&str>,
    ) -> Result<(), DomainError> {
        if railway_label(domain).is_none() {
            return Err(DomainError::InvalidDomain(domain.to_string()));
        }
        if self.service_domain_taken(domain, except_id) {
            return Err(DomainError::DomainNotAvailable);
        }
        Ok(())
    }

    pub(crate) fn service_domain_availability(&self, domain: &str) -> DomainAvailability {
        DomainAvailability::of(self.check_service_domain_name(&normalized(domain), None))
    }

    /// Renames the domain (keeping its id) and sets its target port.
    pub(crate) fn update_service_domain(
        &mut self,
        id: &str,
        domain: &str,
        service_id: &str,
        environment_id: &str,
        target_port: Option<i32>,
    ) -> Result<(), DomainError> {
        let domain = normalized(domain);
        self.check_service_domain_name(&domain, Some(id))?;
        let record = self
            .state
            .service_domains
            .iter_mut()
            .find(|d| {
                d.id == id
                    && d.deleted_at.is_none()
                    && d.service_id == service_id
                    && d.environment_id == environment_id
            })
            .ok_or(DomainError::ServiceDomainNotFound)?;
        // R30: renamed at once unless the sandbox was told renames do not take.
        match self.domain_renames {
            DomainRenames::Apply => {
                record.domain = domain;
                record.new_domain_name = None;
            }
            DomainRenames::Ignore => {}
            DomainRenames::Pending if record.domain != domain => {
                record.new_domain_name = Some(domain);
            }
            DomainRenames::Pending => {}
        }
        record.target_port = target_port;
        Ok(())
    }

    pub(crate) fn delete_service_domain(&mut self, id: &str) -> Result<(), DomainError> {
        let record = self
            .state
            .service_domains
            .iter_mut()
            .find(|d| d.id == id && d.deleted_at.is_none())
            .ok_or(DomainError::ServiceDomainNotFound)?;
        record.deleted_at = Some(now_rfc3339());
        record.sync_status = SyncStatus::Deleted;
        Ok(())
    }

    fn check_custom_domain_name(&self, domain: &str) -> Result<(), DomainError> {
        if !is_valid_hostname(domain) {
            return Err(DomainError::InvalidDomain(domain.to_string()));
        }
        if self.custom_domain_taken(domain) {
            return Err(DomainError::CustomDomainInUse);
        }
        Ok(())
    }

    pub(crate) fn custom_domain_availability(&self, domain: &str) -> DomainAvailability {
        DomainAvailability::of(self.check_custom_domain_name(&normalized(domain)))
    }

    pub(crate) fn create_custom_domain(
        &mut self,
        new: NewCustomDomain,
    ) -> Result<CustomDomainRecord, DomainError> {
        self.environment_in_project(&new.project_id, &new.environment_id)?;
        self.live_instance_project(&new.service_id, &new.environment_id)?;
        let domain = normalized(&new.domain);
        if !is_valid_hostname(&domain) {
            return Err(DomainError::InvalidDomain(new.domain));
        }
        self.check_custom_domain_name(&domain)?;
        self.check_custom_domain_quota(&new.service_id)?; // R32
        let record = CustomDomainRecord {
            id: new_id(),
            domain,
            service_id: new.service_id,
            environment_id: new.environment_id,
            project_id: new.project_id,
            target_port: new.target_port,
            sync_status: SyncStatus::Active,
            verification_token: format!("railway-verify={:032x}", rand::random::<u128>()),
            routing_target: format!("{:08x}.{RAILWAY_DOMAIN_SUFFIX}", rand::random::<u32>()),
            verified_at: None,
            deleted_at: None,
            created_at: now_rfc3339(),
        };
        self.state.custom_domains.push(record.clone());
        Ok(record)
    }

    pub(crate) fn update_custom_domain(
        &mut self,
        id: &str,
        environment_id: &str,
        target_port: Option<i32>,
    ) -> Result<(), DomainError> {
        let record = self
            .state
            .custom_domains
            .iter_mut()
            .find(|d| d.id == id && d.deleted_at.is_none() && d.environment_id == environment_id)
            .ok_or(DomainError::CustomDomainNotFound)?;
        record.target_port = target_port;
        Ok(())
    }

    pub(crate) fn delete_custom_domain(&mut self, id: &str) -> Result<(), DomainError> {
        let record = self
            .state
            .custom_domains
            .iter_mut()
            .find(|d| d.id == id && d.deleted_at.is_none())
            .ok_or(DomainError::CustomDomainNotFound)?;
        record.deleted_at = Some(now_rfc3339());
        record.sync_status = SyncStatus::Deleted;
        Ok(())
    }

    /// `customDomainIssueCertificate`: the sandbox issues nothing real; a live custom domain's
    /// certificate keeps following its verification (R29). Guess: an unknown or deleted id
    /// answers "Custom domain not found" (Railway's text is not documented).
    pub(crate) fn issue_custom_domain_certificate(&self, id: &str) -> Result<(), DomainError> {
        self.state
            .custom_domains
            .iter()
            .any(|d| d.id == id && d.deleted_at.is_none())
            .then_some(())
            .ok_or(DomainError::CustomDomainNotFound)
    }

    /// Stands in for DNS propagation: the live custom domain named `hostname` becomes verified.
    pub(crate) fn verify_custom_domain(&mut self, hostname: &str) -> Result<(), DomainError> {
        let hostname = normalized(hostname);
        let record = self
            .state
            .custom_domains
            .iter_mut()
            .find(|d| d.domain == hostname && d.deleted_at.is_none())
            .ok_or(DomainError::CustomDomainNotFound)?;
        if record.verified_at.is_none() {
            record.verified_at = Some(now_rfc3339());
        }
        Ok(())
    }

    /// The instance's service and custom domains, soft-deleted ones included.
    pub(crate) fn domains_of_instance(
        &self,
        service_id: &str,
        environment_id: &str,
    ) -> (Vec<ServiceDomainRecord>, Vec<CustomDomainRecord>) {
        let service_domains = self
            .state
            .service_domains
            .iter()
            .filter(|d| d.service_id == service_id && d.environment_id == environment_id)
            .cloned()
            .collect();
        let custom_domains = self
            .state
            .custom_domains
            .iter()
            .filter(|d| d.service_id == service_id && d.environment_id == environment_id)
            .cloned()
            .collect();
        (service_domains, custom_domains)
    }
}
