//! Storage buckets (R49): `bucketCreate`, `bucketUpdate`, `bucketS3Credentials`,
//! `bucketCredentialsReset` and `bucketInstanceDetails`. Resolvers only; the rules live in the
//! store's `buckets` module.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::cli::Bucket;
use super::scalars::{BigInt, DateTime};
use super::with_store;
use crate::sandbox::model::BucketRecord;
use crate::sandbox::store::{BucketCredentials, FAKE_S3_ENDPOINT};

impl From<BucketRecord> for Bucket {
    fn from(record: BucketRecord) -> Self {
        Bucket {
            id: ID(record.id),
            name: record.name,
            group_id: None,
            project_id: record.project_id,
            created_at: DateTime(record.created_at),
            updated_at: DateTime(record.updated_at),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct BucketCreateInput {
    pub environment_id: Option<String>,
    pub name: Option<String>,
    pub project_id: String,
}

#[derive(InputObject)]
pub(crate) struct BucketUpdateInput {
    pub name: String,
}

/// Fake S3 credentials (R49): never a real provider's.
#[derive(SimpleObject)]
pub(crate) struct BucketS3CompatibleCredentials {
    pub access_key_id: String,
    pub bucket_name: String,
    pub created_at: DateTime,
    pub endpoint: String,
    pub region: String,
    pub secret_access_key: String,
    pub url_style: String,
}

impl From<BucketCredentials> for BucketS3CompatibleCredentials {
    fn from(credentials: BucketCredentials) -> Self {
        Self {
            access_key_id: credentials.access_key_id,
            bucket_name: credentials.bucket_name,
            created_at: DateTime(credentials.created_at),
            endpoint: FAKE_S3_ENDPOINT.to_string(),
            region: credentials.region,
            secret_access_key: credentials.secret_access_key,
            // Guess: Railway's buckets are addressed virtual-hosted style.
            url_style: "virtual-hosted".to_string(),
        }
    }
}

/// An empty bucket: the sandbox stores no objects.
#[derive(SimpleObject)]
pub(crate) struct BucketInstanceDetails {
    pub object_count: BigInt,
    pub size_bytes: BigInt,
}

#[derive(Default)]
pub(crate) struct BucketsQuery;

#[Object]
impl BucketsQuery {
    async fn bucket_s3_credentials(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
        project_id: String,
    ) -> async_graphql::Result<Vec<BucketS3CompatibleCredentials>> {
        with_store(ctx, |store| {
            let credentials = store.bucket_credentials(&project_id, &environment_id, &bucket_id)?;
            Ok(vec![credentials.into()])
        })
    }

    async fn bucket_instance_details(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
    ) -> async_graphql::Result<Option<BucketInstanceDetails>> {
        with_store(ctx, |store| {
            let project_id = store.bucket(&bucket_id)?.project_id.clone();
            store.bucket_credentials(&project_id, &environment_id, &bucket_id)?;
            Ok(Some(BucketInstanceDetails {
                object_count: BigInt(0),
                size_bytes: BigInt(0),
            }))
        })
    }
}

#[derive(Default)]
pub(crate) struct BucketsMutation;

#[Object]
impl BucketsMutation {
    async fn bucket_create(
        &self,
        ctx: &Context<'_>,
        input: BucketCreateInput,
    ) -> async_graphql::Result<Bucket> {
        with_store(ctx, |store| {
            store
                .create_bucket(
                    &input.project_id,
                    input.environment_id.as_deref(),
                    input.name,
                )
                .map(Bucket::from)
        })
    }

    async fn bucket_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: BucketUpdateInput,
    ) -> async_graphql::Result<Bucket> {
        with_store(ctx, |store| {
            store.rename_bucket(&id, input.name).map(Bucket::from)
        })
    }

    /// `redeployDependents` is accepted; the sandbox's services do not read bucket keys (guess).
    async fn bucket_credentials_reset(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
        project_id: String,
        redeploy_dependents: Option<bool>,
    ) -> async_graphql::Result<BucketS3CompatibleCredentials> {
        let _ = redeploy_dependents;
        with_store(ctx, |store| {
            store
                .reset_bucket_credentials(&project_id, &environment_id, &bucket_id)
                .map(BucketS3CompatibleCredentials::from)
        })
    }
}
