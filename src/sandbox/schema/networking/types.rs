//! Output and input types of domains and TCP proxies (`AllDomains`, `ServiceDomain`,
//! `CustomDomain`, `CustomDomainStatus`, `DNSRecords`, `TCPProxy`, `DomainAvailable` and the
//! create/update inputs), each a view over a stored record. Railway's rules are in the store.

use async_graphql::{ID, InputObject, Object, SimpleObject};

use super::certificates::{
    self, CdnProvider, CertificateErrorType, CertificatePublicData, CertificateStatusDetailed,
};
use crate::sandbox::model::{
    CertificateStatus, CustomDomainRecord, DnsRecordPurpose, DnsRecordStatus, DnsRecordType,
    ServiceDomainRecord, SyncStatus, TcpProxyRecord,
};
use crate::sandbox::schema::scalars::DateTime;
use crate::sandbox::schema::unmodelled::{CnameCheck, CnameCheckStatus};
use crate::sandbox::store::DomainAvailability;
use crate::sandbox::store::hostnames::{RAILWAY_DOMAIN_SUFFIX, split_zone};

/// How long the sandbox's certificate stays ISSUING after the DNS records are verified.
const CERTIFICATE_ISSUING_MILLIS: i64 = 1000;

/// Declares one upstream sync-status enum (they share values but not names) over [`SyncStatus`].
macro_rules! sync_status_enum {
    ($name:ident, $graphql:literal) => {
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[graphql(name = $graphql)]
        pub(crate) enum $name {
            Active,
            Creating,
            Deleted,
            Deleting,
            Unspecified,
            Updating,
        }

        impl From<SyncStatus> for $name {
            fn from(status: SyncStatus) -> Self {
                match status {
                    SyncStatus::Active => Self::Active,
                    SyncStatus::Creating => Self::Creating,
                    SyncStatus::Deleted => Self::Deleted,
                    SyncStatus::Deleting => Self::Deleting,
                    SyncStatus::Unspecified => Self::Unspecified,
                    SyncStatus::Updating => Self::Updating,
                }
            }
        }
    };
}

sync_status_enum!(ServiceDomainSyncStatus, "ServiceDomainSyncStatus");
sync_status_enum!(CustomDomainSyncStatus, "CustomDomainSyncStatus");
sync_status_enum!(TcpProxySyncStatus, "TCPProxySyncStatus");

#[derive(SimpleObject)]
pub(crate) struct AllDomains {
    pub custom_domains: Vec<CustomDomain>,
    pub service_domains: Vec<ServiceDomain>,
}

pub(crate) struct ServiceDomain(pub ServiceDomainRecord);

#[Object]
impl ServiceDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    async fn suffix(&self) -> Option<&str> {
        Some(RAILWAY_DOMAIN_SUFFIX)
    }
    async fn target_port(&self) -> Option<i32> {
        self.0.target_port
    }
    async fn sync_status(&self) -> ServiceDomainSyncStatus {
        self.0.sync_status.into()
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn project_id(&self) -> Option<&str> {
        Some(&self.0.project_id)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at.clone()))
    }
    /// Guess: the sandbox does not track updates; a domain reads as updated when created.
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at.clone()))
    }
    /// The edge network (CDN) is not emulated: no CDN mode, no edge id.
    #[graphql(deprecation = "Use the instance's edge config")]
    async fn cdn_mode(&self) -> Option<&str> {
        None
    }
    async fn edge_id(&self) -> Option<&str> {
        None
    }
    /// R30: a rename accepted but not applied (set only when renames are `pending`).
    async fn new_domain_name(&self) -> Option<&str> {
        self.0.new_domain_name.as_deref()
    }
    /// The first label of `newDomainName`.
    async fn new_host_label(&self) -> Option<&str> {
        self.0
            .new_domain_name
            .as_deref()
            .and_then(|name| name.split('.').next())
    }
}

pub(crate) struct CustomDomain(pub CustomDomainRecord);

#[Object]
impl CustomDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    async fn target_port(&self) -> Option<i32> {
        self.0.target_port
    }
    async fn sync_status(&self) -> CustomDomainSyncStatus {
        self.0.sync_status.into()
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn project_id(&self) -> Option<&str> {
        Some(&self.0.project_id)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at.clone()))
    }
    /// Guess: the sandbox does not track updates; a domain reads as updated when created.
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at.clone()))
    }
    async fn status(&self) -> CustomDomainStatus {
        custom_domain_status(&self.0, chrono::Utc::now())
    }
    /// The edge network (CDN) is not emulated: no CDN mode, no edge id.
    #[graphql(deprecation = "Use the instance's edge config")]
    async fn cdn_mode(&self) -> Option<&str> {
        None
    }
    async fn edge_id(&self) -> Option<&str> {
        None
    }
    /// A custom domain is the user's own, never one of Railway's.
    async fn is_railway_domain(&self) -> bool {
        false
    }
    /// Deprecated upstream: the CNAME check follows verification (the texts are guesses).
    #[graphql(deprecation = "Use status")]
    async fn cname_check(&self) -> CnameCheck {
        let verified = self.0.verified_at.is_some();
        CnameCheck {
            link: None,
            message: if verified {
                format!("{} points to {}", self.0.domain, self.0.routing_target)
            } else {
                format!(
                    "Waiting for {} to point to {}",
                    self.0.domain, self.0.routing_target
                )
            },
            status: if verified {
                CnameCheckStatus::Valid
            } else {
                CnameCheckStatus::Waiting
            },
        }
    }
}

#[derive(SimpleObject)]
pub(crate) struct CustomDomainStatus {
    pub cdn_provider: Option<CdnProvider>,
    pub certificate_error_message: Option<String>,
    pub certificate_error_type: Option<CertificateErrorType>,
    pub certificate_retryable: Option<bool>,
    pub certificate_status_detailed: Option<CertificateStatusDetailed>,
    pub certificates: Option<Vec<CertificatePublicData>>,
    pub verified: bool,
    pub verification_dns_host: Option<String>,
    pub verification_token: Option<String>,
    pub certificate_status: CertificateStatus,
    pub dns_records: Vec<DnsRecords>,
}

#[derive(SimpleObject)]
#[graphql(name = "DNSRecords")]
pub(crate) struct DnsRecords {
    pub current_value: String,
    pub fqdn: String,
    pub hostlabel: String,
    pub purpose: DnsRecordPurpose,
    pub record_type: DnsRecordType,
    pub required_value: String,
    pub status: DnsRecordStatus,
    pub zone: String,
}

/// Unverified: validating ownership. Verified: issuing for a second, then valid.
fn custom_domain_status(
    record: &CustomDomainRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> CustomDomainStatus {
    let verified_at = record
        .verified_at
        .as_deref()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok());
    let verified = record.verified_at.is_some();
    let certificate_status = match verified_at {
        None if verified => CertificateStatus::Valid,
        None => CertificateStatus::ValidatingOwnership,
        Some(at) if (now - at.to_utc()).num_milliseconds() >= CERTIFICATE_ISSUING_MILLIS => {
            CertificateStatus::Valid
        }
        Some(_) => CertificateStatus::Issuing,
    };
    let (hostlabel, zone) = split_zone(&record.domain);
    let routing = DnsRecords {
        current_value: if verified {
            record.routing_target.clone()
        } else {
            String::new()
        },
        fqdn: record.domain.clone(),
        hostlabel,
        purpose: DnsRecordPurpose::TrafficRoute,
        record_type: DnsRecordType::Cname,
        required_value: record.routing_target.clone(),
        status: if verified {
            DnsRecordStatus::Propagated
        } else {
            DnsRecordStatus::RequiresUpdate
        },
        zone,
    };
    CustomDomainStatus {
        cdn_provider: None,
        certificate_error_message: None,
        certificate_error_type: None,
        certificate_retryable: None,
        certificate_status_detailed: certificates::detailed(certificate_status),
        certificates: Some(certificates::certificates(record, certificate_status)),
        verified,
        verification_dns_host: Some(format!("_railway-verify.{}", record.domain)),
        verification_token: Some(record.verification_token.clone()),
        certificate_status,
        dns_records: vec![routing],
    }
}

pub(crate) struct TcpProxy(pub TcpProxyRecord);

#[Object(name = "TCPProxy")]
impl TcpProxy {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn application_port(&self) -> i32 {
        self.0.application_port
    }
    async fn proxy_port(&self) -> i32 {
        self.0.proxy_port
    }
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    async fn sync_status(&self) -> TcpProxySyncStatus {
        self.0.sync_status.into()
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.clone().map(DateTime)
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at.clone()))
    }
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.updated_at.clone()))
    }
}

#[derive(SimpleObject)]
pub(crate) struct DomainAvailable {
    pub available: bool,
    pub message: String,
}

impl From<DomainAvailability> for DomainAvailable {
    fn from(answer: DomainAvailability) -> Self {
        Self {
            available: answer.available,
            message: answer.message,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct ServiceDomainCreateInput {
    pub environment_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

#[derive(InputObject)]
pub(crate) struct ServiceDomainUpdateInput {
    pub domain: String,
    pub environment_id: String,
    pub service_domain_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

#[derive(InputObject)]
pub(crate) struct CustomDomainCreateInput {
    pub domain: String,
    pub environment_id: String,
    pub project_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

#[derive(InputObject)]
#[graphql(name = "TCPProxyCreateInput")]
pub(crate) struct TcpProxyCreateInput {
    pub application_port: i32,
    pub environment_id: String,
    pub service_id: String,
}
