//! The certificate half of `CustomDomainStatus` (R29): the detailed status, the issued
//! certificate and the enums Railway reports them with. Derived from a custom domain's stored
//! verification time only; the sandbox never issues anything real.

use async_graphql::{Enum, SimpleObject};
use sha2::{Digest, Sha256};

use crate::sandbox::model::{CertificateStatus, CustomDomainRecord};
use crate::sandbox::schema::scalars::DateTime;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "CDNProvider")]
pub(crate) enum CdnProvider {
    #[graphql(name = "DETECTED_CDN_PROVIDER_CLOUDFLARE")]
    Cloudflare,
    #[graphql(name = "DETECTED_CDN_PROVIDER_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CertificateErrorType {
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_AUTHORIZATION_FAILED")]
    AuthorizationFailed,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_DNS_VALIDATION")]
    DnsValidation,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_INTERNAL")]
    Internal,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_KEY_GENERATION")]
    KeyGeneration,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_ORDER_CREATION")]
    OrderCreation,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_RATE_LIMIT")]
    RateLimit,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CertificateStatusDetailed {
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_CLEANING_UP")]
    CleaningUp,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_COMPLETE")]
    Complete,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_CREATING_ORDER")]
    CreatingOrder,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_DOWNLOADING_CERTIFICATE")]
    DownloadingCertificate,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FAILED")]
    Failed,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FETCHING_AUTHORIZATIONS")]
    FetchingAuthorizations,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FINALIZING_ORDER")]
    FinalizingOrder,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_GENERATING_KEYS")]
    GeneratingKeys,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_INITIATING_CHALLENGES")]
    InitiatingChallenges,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_POLLING_AUTHORIZATIONS")]
    PollingAuthorizations,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_PRESENTING_CHALLENGES")]
    PresentingChallenges,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    #[graphql(name = "KEY_TYPE_ECDSA")]
    Ecdsa,
    #[graphql(name = "KEY_TYPE_RSA_2048")]
    Rsa2048,
    #[graphql(name = "KEY_TYPE_RSA_4096")]
    Rsa4096,
    #[graphql(name = "KEY_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

#[derive(SimpleObject)]
pub(crate) struct CertificatePublicData {
    pub domain_names: Vec<String>,
    pub expires_at: Option<DateTime>,
    pub fingerprint_sha256: String,
    pub issued_at: Option<DateTime>,
    pub key_type: KeyType,
}

/// Guess: how the coarse status reads in Railway's detailed steps.
pub(crate) fn detailed(status: CertificateStatus) -> Option<CertificateStatusDetailed> {
    Some(match status {
        CertificateStatus::ValidatingOwnership => CertificateStatusDetailed::PresentingChallenges,
        CertificateStatus::Issuing => CertificateStatusDetailed::FinalizingOrder,
        CertificateStatus::Valid => CertificateStatusDetailed::Complete,
        CertificateStatus::IssueFailed => CertificateStatusDetailed::Failed,
        CertificateStatus::Unspecified | CertificateStatus::Unrecognized => {
            CertificateStatusDetailed::Unspecified
        }
    })
}

/// The issued certificate once valid (an ECDSA one for 90 days, like Let's Encrypt's), else none.
pub(crate) fn certificates(
    record: &CustomDomainRecord,
    status: CertificateStatus,
) -> Vec<CertificatePublicData> {
    if status != CertificateStatus::Valid {
        return Vec::new();
    }
    let issued = record
        .verified_at
        .as_deref()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.to_utc());
    let format = |at: chrono::DateTime<chrono::Utc>| {
        DateTime(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    };
    vec![CertificatePublicData {
        domain_names: vec![record.domain.clone()],
        expires_at: issued.map(|at| format(at + chrono::Duration::days(90))),
        fingerprint_sha256: hex::encode(Sha256::digest(record.domain.as_bytes())),
        issued_at: issued.map(format),
        key_type: KeyType::Ecdsa,
    }]
}
