//! Structural creates (project, environment, service) by observe-then-create: Railway creates
//! are not idempotent, so after a failure that may have been applied, or a name conflict, the
//! executor re-reads and adopts what exists instead of sending the create again.

use std::future::Future;

use super::{Executor, Outcome, missing};
use crate::railway::error::Error;
use crate::railway::live::LiveProject;
use crate::railway::ops::{
    EnvironmentCreate, ProjectCreate, ServiceCreate, environment_create, project_create,
    service_create,
};
use crate::railway::retry::RetryPolicy;
use crate::railway::snapshot;

/// Sends `create`; when it fails in a way that may have been applied, asks `observe` whether the
/// thing now exists and adopts it. Only when it provably does not exist is the create sent again,
/// on the client's backoff schedule.
pub(super) async fn observe_then_create<C, CF, O, OF>(
    policy: &RetryPolicy,
    create: C,
    observe: O,
) -> Result<Outcome, Error>
where
    C: Fn() -> CF,
    CF: Future<Output = Result<(), Error>>,
    O: Fn() -> OF,
    OF: Future<Output = Result<bool, Error>>,
{
    policy
        .run("create", Error::is_retryable, || async {
            match create().await {
                Ok(()) => Ok(Outcome::Applied("created".into())),
                Err(error) if error.maybe_applied() || matches!(error, Error::AlreadyExists { .. }) => {
                    tracing::warn!(error = %error, "create may have been applied; re-reading before any retry");
                    if observe().await? {
                        return Ok(Outcome::Adopted(format!("found after: {error}")));
                    }
                    match error {
                        Error::AlreadyExists { .. } => Err(error),
                        // Proven not applied: sending it again cannot duplicate anything.
                        Error::Transient { operation, message, .. } => Err(Error::Transient {
                            operation,
                            message,
                            maybe_applied: false,
                        }),
                        other => Err(other),
                    }
                }
                Err(error) => Err(error),
            }
        })
        .await
}

impl Executor<'_> {
    pub(super) async fn create_project(
        &mut self,
        name: &str,
        workspace_id: Option<&str>,
        default_environment: &str,
    ) -> Result<Outcome, Error> {
        let client = self.client;
        let created_id = std::sync::Mutex::new(None::<String>);
        let outcome = observe_then_create(
            client.retry_policy(),
            || async {
                let data = client
                    .post::<ProjectCreate>(project_create::Variables {
                        input: project_create::ProjectCreateInput {
                            name: Some(name.to_string()),
                            workspace_id: workspace_id.map(str::to_string),
                            default_environment_name: Some(default_environment.to_string()),
                            description: Some("Managed by railway-operator".into()),
                            is_monorepo: None,
                            is_public: None,
                            pr_deploys: None,
                            repo: None,
                            runtime: None,
                        },
                    })
                    .await?;
                if let Ok(mut slot) = created_id.lock() {
                    *slot = Some(data.project_create.id);
                }
                Ok(())
            },
            || async {
                let found = snapshot::find_project_id(client, name, workspace_id).await?;
                let exists = found.is_some();
                if let Ok(mut slot) = created_id.lock() {
                    *slot = found;
                }
                Ok(exists)
            },
        )
        .await?;
        let id = created_id
            .into_inner()
            .ok()
            .flatten()
            .ok_or_else(|| missing("project", name))?;
        self.project = Some(snapshot::read_project(client, &id).await?);
        // R33: a name is found again only by searching every workspace; the id is exact.
        let pin = format!("pin it with metadata.id: {id}");
        Ok(match outcome {
            Outcome::Applied(detail) => Outcome::Applied(format!("{detail}; {pin}")),
            Outcome::Adopted(detail) => Outcome::Adopted(format!("{detail}; {pin}")),
            Outcome::Skipped(detail) => Outcome::Skipped(detail),
        })
    }

    /// R2, R3, R5: an empty environment, never a copy: no source, nothing staged, nothing
    /// deployed. Railway allows one environment create per user every 30 s (R4): the client
    /// waits that out, and the outcome says so.
    pub(super) async fn create_environment(&mut self, name: &str) -> Result<Outcome, Error> {
        let project = self.fresh_project().await?;
        let project_id = project.id.clone();
        let client = self.client;
        let started = std::time::Instant::now();
        let outcome = observe_then_create(
            client.retry_policy(),
            || async {
                client
                    .post::<EnvironmentCreate>(environment_create::Variables {
                        input: environment_create::EnvironmentCreateInput {
                            project_id: project_id.clone(),
                            name: name.to_string(),
                            source_environment_id: None,
                            ephemeral: None,
                            skip_initial_deploys: Some(true),
                            stage_initial_changes: Some(false),
                            apply_changes_in_background: None,
                        },
                    })
                    .await
                    .map(|_| ())
            },
            || async {
                let project = snapshot::read_project(client, &project_id).await?;
                Ok(env_id(&project, name).is_some())
            },
        )
        .await?;
        self.stale = true;
        let waited = started.elapsed();
        Ok(match outcome {
            Outcome::Applied(_) if waited >= COOLDOWN_WORTH_SAYING => Outcome::Applied(format!(
                "environmentCreate (empty), after waiting {} s for Railway's limit of one environment per 30 s (R4)",
                waited.as_secs()
            )),
            Outcome::Applied(_) => Outcome::Applied("environmentCreate (empty)".into()),
            other => other,
        })
    }

    /// R6: without a source, so nothing deploys before the environment patches have set it.
    pub(super) async fn create_service(&mut self, name: &str) -> Result<Outcome, Error> {
        // Only the id is needed: consecutive creates share one re-read, before the first
        // action that needs the new services' instances.
        let project_id = self.project_id()?;
        let client = self.client;
        let outcome = observe_then_create(
            client.retry_policy(),
            || async {
                client
                    .post::<ServiceCreate>(service_create::Variables {
                        input: service_create::ServiceCreateInput {
                            project_id: project_id.clone(),
                            name: Some(name.to_string()),
                            source: None,
                            branch: None,
                            environment_id: None,
                            icon: None,
                            registry_credentials: None,
                            template_id: None,
                            template_service_id: None,
                            variables: None,
                        },
                    })
                    .await
                    .map(|_| ())
            },
            || async {
                let project = snapshot::read_project(client, &project_id).await?;
                Ok(project.services.iter().any(|s| s.name == name))
            },
        )
        .await?;
        self.stale = true;
        Ok(outcome)
    }
}

/// A create that took this long waited out a Railway cooldown; the outcome says so.
const COOLDOWN_WORTH_SAYING: std::time::Duration = std::time::Duration::from_secs(5);

pub(super) fn env_id(project: &LiveProject, name: &str) -> Option<String> {
    project.environment_named(name).map(|e| e.id.clone())
}
