//! Storage buckets (R49): a project-level bucket and its per-environment instances, each with
//! fake S3 credentials. Plain data only.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BucketRecord {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// A bucket in one environment. The credentials are fake and can never reach a real store.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BucketInstanceRecord {
    pub bucket_id: String,
    pub environment_id: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub credentials_created_at: String,
    pub deleted_at: Option<String>,
}
