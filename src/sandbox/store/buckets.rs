//! Storage buckets on the store (R49): `bucketCreate`, `bucketUpdate`, the config's
//! `buckets.<id>` with `isCreated` / `isDeleted` per environment, and fake S3 credentials
//! (`bucketS3Credentials`, `bucketCredentialsReset`) that can never reach a real store.

use serde_json::{Map, Value, json};

use super::{DomainError, Store};
use crate::sandbox::model::{BucketInstanceRecord, BucketRecord, new_id, now_rfc3339};

/// Guess: the region of an instance whose patch names none (Railway's CLI always sends one).
pub(crate) const DEFAULT_BUCKET_REGION: &str = "sjc";
/// Under the reserved `.invalid` top-level domain, so no client can ever reach it.
pub(crate) const FAKE_S3_ENDPOINT: &str = "https://storage.sandbox.railway.invalid";

/// S3 credentials of one bucket instance, as `BucketS3CompatibleCredentials` answers them.
pub(crate) struct BucketCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub bucket_name: String,
    pub region: String,
    pub created_at: String,
}

/// Guess: Railway's S3 bucket name is the bucket's name plus a suffix of its id (its docs: the
/// display name plus a short hash, fixed at creation).
fn s3_bucket_name(bucket: &BucketRecord) -> String {
    format!("{}-{}", bucket.name, &bucket.id[..8])
}

/// Fresh fake keys: recognisably the sandbox's, never a real provider's format.
fn fake_keys() -> (String, String) {
    let id = new_id().replace('-', "");
    let secret = format!("{}{}", new_id(), new_id()).replace('-', "");
    (
        format!("SANDBOXFAKE{}", id[..12].to_uppercase()),
        format!("sandbox-fake-{secret}"),
    )
}

impl Store {
    /// `bucketCreate`: a project-level bucket, with an instance in `environment_id` if given.
    pub(crate) fn create_bucket(
        &mut self,
        project_id: &str,
        environment_id: Option<&str>,
        name: Option<String>,
    ) -> Result<BucketRecord, DomainError> {
        self.project(project_id)?;
        if let Some(environment_id) = environment_id {
            self.environment_in_project(project_id, environment_id)?;
        }
        let now = now_rfc3339();
        let id = new_id();
        let bucket = BucketRecord {
            // Guess: Railway picks a name when none is given.
            name: name.unwrap_or_else(|| format!("bucket-{}", &id[..8])),
            id,
            project_id: project_id.to_string(),
            created_at: now.clone(),
            updated_at: now,
            deleted_at: None,
        };
        self.state.buckets.push(bucket.clone());
        if let Some(environment_id) = environment_id {
            self.add_bucket_instance(&bucket.id, environment_id, DEFAULT_BUCKET_REGION);
        }
        Ok(bucket)
    }

    pub(crate) fn bucket(&self, id: &str) -> Result<&BucketRecord, DomainError> {
        self.state
            .buckets
            .iter()
            .find(|b| b.id == id && b.deleted_at.is_none())
            .ok_or(DomainError::BucketNotFound)
    }

    pub(crate) fn buckets_of_project(&self, project_id: &str) -> Vec<BucketRecord> {
        self.state
            .buckets
            .iter()
            .filter(|b| b.project_id == project_id && b.deleted_at.is_none())
            .cloned()
            .collect()
    }

    /// `bucketUpdate`: renames.
    pub(crate) fn rename_bucket(
        &mut self,
        id: &str,
        name: String,
    ) -> Result<BucketRecord, DomainError> {
        self.bucket(id)?;
        let bucket = self
            .state
            .buckets
            .iter_mut()
            .find(|b| b.id == id)
            .ok_or(DomainError::BucketNotFound)?;
        bucket.name = name;
        bucket.updated_at = now_rfc3339();
        Ok(bucket.clone())
    }

    fn add_bucket_instance(&mut self, bucket_id: &str, environment_id: &str, region: &str) {
        let (access_key_id, secret_access_key) = fake_keys();
        self.state.bucket_instances.push(BucketInstanceRecord {
            bucket_id: bucket_id.to_string(),
            environment_id: environment_id.to_string(),
            region: region.to_string(),
            access_key_id,
            secret_access_key,
            credentials_created_at: now_rfc3339(),
            deleted_at: None,
        });
    }

    fn live_bucket_instance(
        &mut self,
        bucket_id: &str,
        environment_id: &str,
    ) -> Option<&mut BucketInstanceRecord> {
        self.state.bucket_instances.iter_mut().find(|i| {
            i.bucket_id == bucket_id && i.environment_id == environment_id && i.deleted_at.is_none()
        })
    }

    /// One `buckets.<id>` entry of a patch (R9, R49): `isDeleted` removes this environment's
    /// instance, `isCreated` adds one, `region` moves it (guess: Railway may refuse a move).
    pub(super) fn apply_bucket_entry(
        &mut self,
        project_id: &str,
        environment_id: &str,
        bucket_id: &str,
        entry: &Value,
    ) -> Result<(), DomainError> {
        if self.bucket(bucket_id)?.project_id != project_id {
            return Err(DomainError::BucketNotFound);
        }
        let flag = |key: &str| entry.get(key).and_then(Value::as_bool) == Some(true);
        let region = entry.get("region").and_then(Value::as_str);
        if flag("isDeleted") {
            let now = now_rfc3339();
            if let Some(instance) = self.live_bucket_instance(bucket_id, environment_id) {
                instance.deleted_at = Some(now);
            }
            return Ok(());
        }
        match self.live_bucket_instance(bucket_id, environment_id) {
            Some(instance) => {
                if let Some(region) = region {
                    instance.region = region.to_string();
                }
            }
            None if flag("isCreated") => self.add_bucket_instance(
                bucket_id,
                environment_id,
                region.unwrap_or(DEFAULT_BUCKET_REGION),
            ),
            None => return Err(DomainError::BucketNotFound),
        }
        Ok(())
    }

    /// The config's `buckets`: `{<id>: {region}}` per live instance of the environment.
    pub(crate) fn buckets_config(&self, environment_id: &str) -> Map<String, Value> {
        self.state
            .bucket_instances
            .iter()
            .filter(|i| i.environment_id == environment_id && i.deleted_at.is_none())
            .filter(|i| self.bucket(&i.bucket_id).is_ok())
            .map(|i| (i.bucket_id.clone(), json!({ "region": i.region })))
            .collect()
    }

    /// R49: `${{<bucket>.<NAME>}}` as a deployment sees it: the variables Railway's dashboard
    /// lists as "Bucket Variables" (names as services reference them; values are this
    /// sandbox's fake credentials). `None` without an instance in the environment.
    pub(crate) fn bucket_variable(
        &self,
        project_id: &str,
        environment_id: &str,
        bucket_name: &str,
        key: &str,
    ) -> Option<String> {
        let bucket = self
            .buckets_of_project(project_id)
            .into_iter()
            .find(|b| b.name == bucket_name)?;
        let instance = self.state.bucket_instances.iter().find(|i| {
            i.bucket_id == bucket.id && i.environment_id == environment_id && i.deleted_at.is_none()
        })?;
        match key {
            "BUCKET" => Some(s3_bucket_name(&bucket)),
            "ENDPOINT" => Some(FAKE_S3_ENDPOINT.to_string()),
            "REGION" => Some(instance.region.clone()),
            "ACCESS_KEY_ID" => Some(instance.access_key_id.clone()),
            "SECRET_ACCESS_KEY" => Some(instance.secret_access_key.clone()),
            _ => None,
        }
    }

    /// `bucketS3Credentials` (R49): the instance's fake credentials.
    pub(crate) fn bucket_credentials(
        &mut self,
        project_id: &str,
        environment_id: &str,
        bucket_id: &str,
    ) -> Result<BucketCredentials, DomainError> {
        self.environment_in_project(project_id, environment_id)?;
        let bucket = self.bucket(bucket_id)?;
        if bucket.project_id != project_id {
            return Err(DomainError::BucketNotFound);
        }
        let bucket_name = s3_bucket_name(bucket);
        let instance = self
            .live_bucket_instance(bucket_id, environment_id)
            .ok_or(DomainError::BucketNotFound)?;
        Ok(BucketCredentials {
            access_key_id: instance.access_key_id.clone(),
            secret_access_key: instance.secret_access_key.clone(),
            bucket_name,
            region: instance.region.clone(),
            created_at: instance.credentials_created_at.clone(),
        })
    }

    /// `bucketCredentialsReset` (R49): new fake keys; the old ones stop being answered.
    pub(crate) fn reset_bucket_credentials(
        &mut self,
        project_id: &str,
        environment_id: &str,
        bucket_id: &str,
    ) -> Result<BucketCredentials, DomainError> {
        self.bucket_credentials(project_id, environment_id, bucket_id)?;
        if let Some(instance) = self.live_bucket_instance(bucket_id, environment_id) {
            let (access_key_id, secret_access_key) = fake_keys();
            instance.access_key_id = access_key_id;
            instance.secret_access_key = secret_access_key;
            instance.credentials_created_at = now_rfc3339();
        }
        self.bucket_credentials(project_id, environment_id, bucket_id)
    }
}
