//! Stored records of an instance's networking: Railway service domains, custom domains and TCP
//! proxies, plus the enums the schema shares with them. Plain data only: no rules, no I/O.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

/// Railway's lifecycle of a domain or proxy; the schema exposes it under three enum names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum SyncStatus {
    #[default]
    Active,
    Creating,
    Deleted,
    Deleting,
    Unspecified,
    Updating,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "CertificateStatus")]
pub(crate) enum CertificateStatus {
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_ISSUE_FAILED")]
    IssueFailed,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_ISSUING")]
    Issuing,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_VALID")]
    Valid,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP")]
    ValidatingOwnership,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "DNSRecordPurpose")]
pub(crate) enum DnsRecordPurpose {
    #[graphql(name = "DNS_RECORD_PURPOSE_ACME_DNS01_CHALLENGE")]
    AcmeDns01Challenge,
    #[graphql(name = "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE")]
    TrafficRoute,
    #[graphql(name = "DNS_RECORD_PURPOSE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "DNSRecordType")]
pub(crate) enum DnsRecordType {
    #[graphql(name = "DNS_RECORD_TYPE_A")]
    A,
    #[graphql(name = "DNS_RECORD_TYPE_CNAME")]
    Cname,
    #[graphql(name = "DNS_RECORD_TYPE_NS")]
    Ns,
    #[graphql(name = "DNS_RECORD_TYPE_TXT")]
    Txt,
    #[graphql(name = "DNS_RECORD_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "DNSRecordStatus")]
pub(crate) enum DnsRecordStatus {
    #[graphql(name = "DNS_RECORD_STATUS_PROPAGATED")]
    Propagated,
    #[graphql(name = "DNS_RECORD_STATUS_REQUIRES_UPDATE")]
    RequiresUpdate,
    #[graphql(name = "DNS_RECORD_STATUS_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// A `*.up.railway.app` domain; `domain` is the full hostname.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceDomainRecord {
    pub id: String,
    pub domain: String,
    pub service_id: String,
    pub environment_id: String,
    pub project_id: String,
    pub target_port: Option<i32>,
    pub sync_status: SyncStatus,
    pub deleted_at: Option<String>,
    pub created_at: String,
    /// R30: a rename Railway has accepted but not applied (only with [`DomainRenames::Pending`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_domain_name: Option<String>,
}

/// R30 (disputed): what `serviceDomainUpdate` does with a new `domain`. Railway's CLI renames
/// with it; a live-tested client saw only `targetPort` change. The sandbox applies renames by
/// default; the other two are guesses at how a rename that "does not take" looks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum DomainRenames {
    /// The host is renamed at once.
    #[default]
    Apply,
    /// The mutation answers `true`, the port changes, the host stays as it was.
    Ignore,
    /// The host stays and `newDomainName` shows the requested name, never applied.
    Pending,
}

impl std::str::FromStr for DomainRenames {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "apply" => Ok(DomainRenames::Apply),
            "ignore" => Ok(DomainRenames::Ignore),
            "pending" => Ok(DomainRenames::Pending),
            other => Err(format!("{other:?}: expected apply, ignore or pending")),
        }
    }
}

/// A customer-owned hostname routed to an instance. The DNS records and certificate state are
/// derived from `routing_target` and `verified_at` when read.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomDomainRecord {
    pub id: String,
    pub domain: String,
    pub service_id: String,
    pub environment_id: String,
    pub project_id: String,
    pub target_port: Option<i32>,
    pub sync_status: SyncStatus,
    /// `railway-verify=<hex>`, the TXT value expected at `_railway-verify.<domain>`.
    pub verification_token: String,
    /// The CNAME target, `<hex>.up.railway.app`.
    pub routing_target: String,
    /// Set by the sandbox's verify endpoint, standing in for DNS propagation.
    pub verified_at: Option<String>,
    pub deleted_at: Option<String>,
    pub created_at: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TcpProxyRecord {
    pub id: String,
    pub service_id: String,
    pub environment_id: String,
    pub application_port: i32,
    pub proxy_port: i32,
    pub domain: String,
    pub sync_status: SyncStatus,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}
