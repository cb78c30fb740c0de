//! Previews (R50): the project's PR environment settings (one `projectUpdate` carrying only the
//! settings `spec.previews` names, the base resolved from its name at apply time), and the
//! branch previews the operator makes and deletes. It deletes no ephemeral environment it may
//! not: the check is repeated on a fresh read right before the delete.

use std::collections::BTreeMap;

use serde_json::{Map, json};

use super::create::{env_id, observe_then_create};
use super::variables::Scope;
use super::{Executor, Outcome, missing, settle_delete};
use crate::inventory::{BranchPreviewMark, INVENTORY_VARIABLE, Inventory};
use crate::manifest::desired::PreviewPolicy;
use crate::plan::action::PreviewEnd;
use crate::railway::Error as RailwayError;
use crate::railway::live::{LiveEnvironment, LiveInstance, LivePreview, LiveSource};
use crate::railway::ops::{
    EnvironmentCreate, EnvironmentDelete, EnvironmentPatchCommit, ProjectUpdate,
    environment_create, environment_delete, environment_patch_commit, project_update,
};
use crate::railway::snapshot;

impl Executor<'_> {
    pub(super) async fn configure_previews(
        &mut self,
        desired: &PreviewPolicy,
    ) -> Result<Outcome, RailwayError> {
        let base_environment_id = match &desired.base {
            Some(name) => Some(self.environment_id(name).await?),
            None => None,
        };
        let project_id = self.project_id()?;
        // R51: an unset field is left out of the input, so the setting keeps its value.
        self.client
            .post::<ProjectUpdate>(project_update::Variables {
                id: project_id,
                input: project_update::ProjectUpdateInput {
                    base_environment_id,
                    bot_pr_environments: desired.bots,
                    description: None,
                    focused_pr_environments: desired.focused,
                    is_public: None,
                    name: None,
                    pr_deploys: desired.enabled,
                    tracing_enabled: None,
                    tracing_sample_rate: None,
                },
            })
            .await?;
        Ok(Outcome::Applied("updated".into()))
    }

    /// The id of environment `name`, read again once if this apply may have just created it.
    async fn environment_id(&mut self, name: &str) -> Result<String, RailwayError> {
        for _ in 0..2 {
            let project = self.fresh_project().await?;
            if let Some(environment) = project.environments.iter().find(|e| e.name == name) {
                return Ok(environment.id.clone());
            }
            self.stale = true;
        }
        Err(missing("environment", name))
    }
}

impl Executor<'_> {
    /// A branch preview (`spec.previews.fromBranches`): an ephemeral copy of `base` (R2, R50),
    /// committed at once and, when a service follows a repository, without the copy's deploys
    /// (R3); its inventory then marks it as the operator's, by its own id, before anything
    /// else; then one `environmentPatchCommit` points every repository service at `branch`,
    /// which deploys each once. R4's 30-s window is waited out by the create's retries.
    pub(super) async fn create_branch_preview(
        &mut self,
        name: &str,
        branch: &str,
        base: &str,
    ) -> Result<Outcome, RailwayError> {
        let base_id = self.environment_id(base).await?;
        let project = self.fresh_project().await?;
        let project_id = project.id.clone();
        let follows_branch = project
            .environments
            .iter()
            .find(|e| e.id == base_id)
            .is_some_and(|e| e.instances.values().any(is_repo));
        let created_id = std::sync::Mutex::new(None::<String>);
        let client = self.client;
        let outcome = observe_then_create(
            client.retry_policy(),
            || async {
                let answer = client
                    .post::<EnvironmentCreate>(environment_create::Variables {
                        input: environment_create::EnvironmentCreateInput {
                            project_id: project_id.clone(),
                            name: name.to_string(),
                            source_environment_id: Some(base_id.clone()),
                            ephemeral: Some(true),
                            skip_initial_deploys: Some(follows_branch),
                            stage_initial_changes: Some(false),
                            apply_changes_in_background: None,
                        },
                    })
                    .await?;
                if let Ok(mut id) = created_id.lock() {
                    *id = Some(answer.environment_create.id);
                }
                Ok(())
            },
            || async {
                let project = snapshot::read_project(client, &project_id).await?;
                Ok(env_id(&project, name).is_some())
            },
        )
        .await?;
        self.stale = true;
        let known = created_id.lock().ok().and_then(|mut id| id.take());
        let project = self.fresh_project().await?;
        let Some(environment) = known
            .as_deref()
            .and_then(|id| project.previews.iter().find(|p| p.environment.id == id))
            .or_else(|| {
                let found = project.previews.iter().find(|p| p.environment.name == name);
                found.filter(|p| just_made(p))
            })
            .map(|p| p.environment.clone())
        else {
            return Err(missing("preview environment", name));
        };
        self.mark_branch_preview(&project_id, &environment.id, branch)
            .await?;
        let repos = self
            .follow_branch(&environment.id, &environment, branch)
            .await?;
        let created = match outcome {
            Outcome::Adopted(_) => "found after a lost answer",
            _ => "environmentCreate (ephemeral)",
        };
        Ok(Outcome::Applied(format!(
            "{created}, copy of {base}; inventory mark; {repos} service(s) on branch {branch}"
        )))
    }

    /// The preview's inventory: only the mark naming this environment and its branch (the
    /// copy's inventory, R2, described `base`).
    async fn mark_branch_preview(
        &self,
        project_id: &str,
        environment_id: &str,
        branch: &str,
    ) -> Result<(), RailwayError> {
        let inventory = Inventory {
            branch_preview: Some(Box::new(BranchPreviewMark {
                environment_id: environment_id.to_string(),
                branch: branch.to_string(),
            })),
            ..Inventory::default()
        };
        let scope = Scope {
            project_id,
            environment_id,
            service_id: None,
        };
        let text = inventory.encode();
        self.upsert(
            &scope,
            BTreeMap::from([(INVENTORY_VARIABLE.to_string(), Some(text))]),
        )
        .await
    }

    /// One patch setting `source.branch` on every instance that deploys from a repository;
    /// returns how many.
    async fn follow_branch(
        &self,
        environment_id: &str,
        environment: &LiveEnvironment,
        branch: &str,
    ) -> Result<usize, RailwayError> {
        let mut services = Map::new();
        for (service_id, instance) in &environment.instances {
            if let Some(LiveSource::Repo { repo, .. }) = &instance.source {
                services.insert(
                    service_id.clone(),
                    json!({ "source": { "repo": repo, "branch": branch } }),
                );
            }
        }
        if services.is_empty() {
            return Ok(0);
        }
        let count = services.len();
        self.client
            .post::<EnvironmentPatchCommit>(environment_patch_commit::Variables {
                environment_id: environment_id.to_string(),
                patch: Some(json!({ "services": services })),
                commit_message: Some(format!("railway-operator: preview of branch {branch}")),
            })
            .await?;
        Ok(count)
    }

    /// Deletes a preview, after checking on a fresh read that it is still ephemeral and still
    /// one the operator may delete: its own branch preview (the mark names this id) or, when
    /// `expired`, one of Railway's PR environments. Anything else is refused (R50).
    pub(super) async fn delete_preview(
        &mut self,
        name: &str,
        id: &str,
        why: PreviewEnd,
    ) -> Result<Outcome, RailwayError> {
        self.stale = true;
        let project = self.fresh_project().await?;
        let Some(preview) = project.previews.iter().find(|p| p.environment.id == id) else {
            return Ok(Outcome::Skipped(format!("{name} was already gone")));
        };
        let ours = preview
            .environment
            .inventory
            .branch_preview_of(id)
            .is_some();
        let allowed = ours || (why == PreviewEnd::Expired && preview.pr_number.is_some());
        if !allowed {
            return Err(RailwayError::Terminal {
                operation: "environmentDelete",
                message: format!(
                    "refused: {name} is not a preview railway-operator may delete (R50)"
                ),
            });
        }
        let result = self
            .client
            .post::<EnvironmentDelete>(environment_delete::Variables { id: id.to_string() })
            .await;
        self.stale = true;
        let deleted = settle_delete(result, async || {
            Ok(self
                .fresh_project()
                .await?
                .previews
                .iter()
                .any(|p| p.environment.id == id))
        })
        .await?;
        tracing::info!(preview = name, reason = ?why, "preview environment deleted");
        Ok(deleted.outcome("environmentDelete", name))
    }
}

/// An ephemeral environment found by name after a create whose answer was lost is taken for
/// the one this create made only if no pull request made it and it is minutes old: one
/// someone made by hand earlier must never get the operator's mark.
fn just_made(preview: &LivePreview) -> bool {
    let recent = chrono::DateTime::parse_from_rfc3339(&preview.created_at).is_ok_and(|at| {
        let age = chrono::Utc::now().signed_duration_since(at.with_timezone(&chrono::Utc));
        age < chrono::Duration::minutes(10)
    });
    preview.pr_number.is_none() && recent
}

fn is_repo(instance: &LiveInstance) -> bool {
    matches!(instance.source, Some(LiveSource::Repo { .. }))
}
