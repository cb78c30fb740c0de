//! Storage Buckets at project level (R49): `bucketCreate` by observe-then-create, so a lost
//! answer or a re-run never makes a second bucket of the name; and the delete of a pruned
//! bucket, `isDeleted` in each environment's patch. Instances in one environment go with that
//! environment's patch (`environment`). Never reads or prints credentials.

use super::patch::EnvironmentPatch;
use super::{Executor, Outcome, missing};
use crate::railway::error::Error;
use crate::railway::live::LiveProject;
use crate::railway::ops::{BucketCreate, bucket_create};

/// The id of the live bucket named `name`.
pub(super) fn bucket_id(project: &LiveProject, name: &str) -> Result<String, Error> {
    project
        .buckets
        .iter()
        .find(|b| b.name == name)
        .map(|b| b.id.clone())
        .ok_or_else(|| missing("bucket", name))
}

impl Executor<'_> {
    /// A project-level bucket without an instance (as Railway's CLI creates one); adopted when
    /// one of the name is already there.
    pub(super) async fn create_bucket(&mut self, name: &str) -> Result<Outcome, Error> {
        let project = self.fresh_project().await?;
        if project.buckets.iter().any(|b| b.name == name) {
            return Ok(Outcome::Adopted(format!("bucket {name} already exists")));
        }
        let project_id = project.id.clone();
        let sent = self
            .client
            .post::<BucketCreate>(bucket_create::Variables {
                input: bucket_create::BucketCreateInput {
                    project_id,
                    name: Some(name.to_string()),
                    environment_id: None,
                },
            })
            .await;
        self.stale = true;
        sent?;
        Ok(Outcome::Applied("bucketCreate".into()))
    }

    /// R49: the bucket's instance removed from every environment that has one, each with its
    /// own patch (there is no project-level bucket delete).
    pub(super) async fn delete_bucket(
        &mut self,
        name: &str,
        id: &str,
        environments: &[String],
    ) -> Result<Outcome, Error> {
        let mut sent = Vec::new();
        for environment in environments {
            let project = self.fresh_project().await?;
            let here = project
                .environments
                .iter()
                .find(|e| &e.name == environment)
                .is_some_and(|e| e.buckets.contains_key(id));
            if !here {
                continue;
            }
            let mut patch = EnvironmentPatch::default();
            patch.set_bucket(id, false, None);
            let commit = self.commit(environment, &patch, false).await?;
            sent.push(format!("{commit} ({environment})"));
        }
        match sent.is_empty() {
            true => Ok(Outcome::Skipped(format!("{name} was already gone"))),
            false => Ok(Outcome::Applied(sent.join(", "))),
        }
    }
}
