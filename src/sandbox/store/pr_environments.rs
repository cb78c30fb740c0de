//! Railway's PR environments (R50): what a pull request opened, updated or closed on a linked
//! repository does to every project watching it, and `environmentUnskipService`. It creates,
//! deploys and deletes through the store's own writes; nothing here knows about HTTP or GraphQL.

use std::collections::BTreeSet;

use super::{DomainError, EnvironmentCopy, Store, references};
use crate::sandbox::model::{PrMetaRecord, TriggerRecord, new_id};

/// What happened to a pull request on the repository side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrAction {
    Opened,
    Synchronize,
    Closed,
}

/// A pull-request event, as the sandbox's repository side sends it.
#[derive(Debug, Clone)]
pub(crate) struct PullRequest {
    pub action: PrAction,
    pub number: i32,
    pub branch: String,
    pub repo: String,
    pub bot: bool,
    pub title: Option<String>,
    /// Changed paths, for focused mode; `None` means unknown (every service of the repo changed).
    pub paths: Option<Vec<String>>,
}

/// One effect of an event on one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrEffect {
    pub project_id: String,
    pub environment_id: String,
    pub environment_name: String,
    /// `created`, `deployed`, `deleted`, or `skipped-bot`.
    pub effect: &'static str,
}

impl Store {
    /// R50: applies the event to every live project with `prDeploys` on whose base environment
    /// has a service built from the repository.
    pub(crate) fn pull_request(
        &mut self,
        event: &PullRequest,
    ) -> Result<Vec<PrEffect>, DomainError> {
        let projects: Vec<_> = self
            .state
            .projects
            .iter()
            .filter(|p| p.deleted_at.is_none() && p.pr_deploys)
            .cloned()
            .collect();
        let mut effects = Vec::new();
        for project in projects {
            let Some(base_id) = self.pr_base_environment(&project.id) else {
                continue;
            };
            if self.repo_services(&base_id, &event.repo).is_empty() {
                continue;
            }
            let existing = self.pr_environment(&project.id, &event.repo, event.number);
            let effect = match (event.action, existing) {
                (PrAction::Closed, Some(id)) => self.close_pr(&project.id, &id)?,
                (PrAction::Closed, None) => continue,
                // R50: bot pull requests only with `botPrEnvironments`.
                _ if event.bot && !project.bot_pr_environments => PrEffect {
                    project_id: project.id.clone(),
                    environment_id: String::new(),
                    environment_name: String::new(),
                    effect: "skipped-bot",
                },
                (_, Some(id)) => self.synchronize_pr(&project.id, &id, event)?,
                // Guess: an update of a PR without an environment (prDeploys switched on since it
                // opened) creates one, as an opening would.
                (_, None) => {
                    let focused = project.focused_pr_environments;
                    self.open_pr(&project.id, &base_id, focused, event)?
                }
            };
            effects.push(effect);
        }
        Ok(effects)
    }

    /// R50: `baseEnvironmentId` when it is live, else production, else the oldest persistent
    /// environment (the last is a guess).
    fn pr_base_environment(&self, project_id: &str) -> Option<String> {
        let project = self.project(project_id).ok()?;
        let persistent: Vec<_> = self
            .environments_of_project(project_id, Some(false))
            .into_iter()
            .filter(|e| e.deleted_at.is_none())
            .collect();
        project
            .base_environment_id
            .as_ref()
            .and_then(|id| persistent.iter().find(|e| &e.id == id))
            .or_else(|| persistent.iter().find(|e| e.name == "production"))
            .or_else(|| persistent.first())
            .map(|e| e.id.clone())
    }

    /// Service ids of the environment's live instances built from `repo` (by source or trigger).
    fn repo_services(&self, environment_id: &str, repo: &str) -> BTreeSet<String> {
        let triggers = self.triggers_of_environment(environment_id);
        self.instances_of_environment(environment_id)
            .into_iter()
            .filter(|i| i.deleted_at.is_none())
            .filter(|i| {
                i.settings.repo.as_deref() == Some(repo)
                    || triggers
                        .iter()
                        .any(|t| t.service_id == i.service_id && t.repository == repo)
            })
            .map(|i| i.service_id)
            .collect()
    }

    fn pr_environment(&self, project_id: &str, repo: &str, number: i32) -> Option<String> {
        self.environments_of_project(project_id, Some(true))
            .into_iter()
            .filter(|e| e.deleted_at.is_none())
            .find(|e| {
                e.meta
                    .as_ref()
                    .is_some_and(|m| m.pr_repo == repo && m.pr_number == number)
            })
            .map(|e| e.id)
    }

    /// R50: an ephemeral copy of the base whose repository services follow the PR branch; in
    /// focused mode only the changed services and their reference dependencies deploy.
    fn open_pr(
        &mut self,
        project_id: &str,
        base_id: &str,
        focused: bool,
        event: &PullRequest,
    ) -> Result<PrEffect, DomainError> {
        let name = self.free_pr_name(project_id, event);
        let copy = EnvironmentCopy {
            skip_initial_deploys: true,
            ..EnvironmentCopy::default()
        };
        let environment = self.create_environment(project_id, &name, Some(base_id), true, copy)?;
        let repo_services = self.repo_services(&environment.id, &event.repo);
        let base_branch = self.follow_branch(&environment.id, &repo_services, event);
        let all: BTreeSet<String> = self
            .instances_of_environment(&environment.id)
            .into_iter()
            .filter(|i| i.deleted_at.is_none())
            .map(|i| i.service_id)
            .collect();
        let deployed = if focused {
            let changed = self.changed_services(&environment.id, &repo_services, event);
            self.with_dependencies(project_id, &environment.id, changed)
        } else {
            all.clone()
        };
        for service_id in &deployed {
            self.deploy_if_sourced(service_id, &environment.id)?;
        }
        let meta = PrMetaRecord {
            pr_number: event.number,
            pr_repo: event.repo.clone(),
            // Guess: without a title in the event, the PR is called by its number.
            pr_title: event
                .title
                .clone()
                .unwrap_or_else(|| format!("Pull request #{}", event.number)),
            branch: event.branch.clone(),
            base_branch,
            skipped_resource_ids: all.difference(&deployed).cloned().collect(),
        };
        self.set_pr_meta(&environment.id, meta);
        Ok(PrEffect {
            project_id: project_id.to_string(),
            environment_id: environment.id,
            environment_name: name,
            effect: "created",
        })
    }

    /// Guess: Railway's naming of PR environments is not documented; the sandbox uses
    /// `pr-<number>`, with the repository's name added when that is taken.
    fn free_pr_name(&self, project_id: &str, event: &PullRequest) -> String {
        let taken = |name: &str| {
            self.environments_of_project(project_id, None)
                .iter()
                .any(|e| e.deleted_at.is_none() && e.name == name)
        };
        let plain = format!("pr-{}", event.number);
        if !taken(&plain) {
            return plain;
        }
        let short = event.repo.rsplit('/').next().unwrap_or_default();
        format!("{short}-pr-{}", event.number)
    }

    /// Points the repository services' triggers in the environment at the PR branch; returns
    /// the branch they followed before (the PR's base branch; `main` when none did, a guess).
    fn follow_branch(
        &mut self,
        environment_id: &str,
        services: &BTreeSet<String>,
        event: &PullRequest,
    ) -> String {
        let project_id = self
            .environment(environment_id)
            .map(|e| e.project_id.clone())
            .unwrap_or_default();
        let mut base_branch = None;
        for service_id in services {
            let trigger = self.state.triggers.iter_mut().find(|t| {
                t.environment_id == environment_id
                    && &t.service_id == service_id
                    && t.repository == event.repo
            });
            match trigger {
                Some(trigger) => {
                    base_branch.get_or_insert_with(|| trigger.branch.clone());
                    trigger.branch = event.branch.clone();
                }
                None => self.state.triggers.push(TriggerRecord {
                    id: new_id(),
                    service_id: service_id.clone(),
                    environment_id: environment_id.to_string(),
                    project_id: project_id.clone(),
                    provider: "github".to_string(),
                    repository: event.repo.clone(),
                    branch: event.branch.clone(),
                    check_suites: false,
                    root_directory: None,
                }),
            }
        }
        base_branch.unwrap_or_else(|| "main".to_string())
    }

    /// R50 focused mode: repository services whose root directory or watch patterns match a
    /// changed path; every repository service when the event names no paths (a guess).
    fn changed_services(
        &self,
        environment_id: &str,
        repo_services: &BTreeSet<String>,
        event: &PullRequest,
    ) -> BTreeSet<String> {
        let Some(paths) = &event.paths else {
            return repo_services.clone();
        };
        self.instances_of_environment(environment_id)
            .into_iter()
            .filter(|i| i.deleted_at.is_none() && repo_services.contains(&i.service_id))
            .filter(|i| {
                let root = i
                    .settings
                    .root_directory
                    .as_deref()
                    .unwrap_or("")
                    .trim_matches('/');
                paths.iter().any(|path| {
                    let path = path.trim_start_matches('/');
                    let in_root = root.is_empty() || path.starts_with(&format!("{root}/"));
                    let watched = i.settings.watch_patterns.is_empty()
                        || i.settings.watch_patterns.iter().any(|p| wildcard(p, path));
                    in_root && watched
                })
            })
            .map(|i| i.service_id)
            .collect()
    }

    /// The services plus every service their variables reference, transitively (R50).
    fn with_dependencies(
        &self,
        project_id: &str,
        environment_id: &str,
        mut services: BTreeSet<String>,
    ) -> BTreeSet<String> {
        let by_name: Vec<(String, String)> = self
            .services_of_project(project_id)
            .into_iter()
            .filter(|s| s.deleted_at.is_none())
            .map(|s| (s.name, s.id))
            .collect();
        let variables = self.variables_of_environment(environment_id);
        let mut queue: Vec<String> = services.iter().cloned().collect();
        while let Some(service_id) = queue.pop() {
            let referenced = variables
                .iter()
                .filter(|v| v.service_id.as_deref() == Some(service_id.as_str()))
                .flat_map(|v| references(&v.value))
                .filter_map(|r| r.split_once('.').map(|(ns, _)| ns.to_string()));
            for namespace in referenced {
                if let Some((_, id)) = by_name.iter().find(|(name, _)| *name == namespace)
                    && services.insert(id.clone())
                {
                    queue.push(id.clone());
                }
            }
        }
        services
    }

    fn set_pr_meta(&mut self, environment_id: &str, meta: PrMetaRecord) {
        if let Some(environment) = self
            .state
            .environments
            .iter_mut()
            .find(|e| e.id == environment_id)
        {
            environment.meta = Some(meta);
        }
    }

    /// R50: a push to the PR branch deploys the environment's services that follow it (skipped
    /// ones stay skipped).
    fn synchronize_pr(
        &mut self,
        project_id: &str,
        environment_id: &str,
        event: &PullRequest,
    ) -> Result<PrEffect, DomainError> {
        let environment = self.environment(environment_id)?.clone();
        let skipped = environment
            .meta
            .as_ref()
            .map(|m| m.skipped_resource_ids.clone())
            .unwrap_or_default();
        for service_id in self.repo_services(environment_id, &event.repo) {
            if !skipped.contains(&service_id) {
                self.deploy_if_sourced(&service_id, environment_id)?;
            }
        }
        Ok(PrEffect {
            project_id: project_id.to_string(),
            environment_id: environment.id,
            environment_name: environment.name,
            effect: "deployed",
        })
    }

    /// R50: a merged or closed PR's environment is deleted.
    fn close_pr(
        &mut self,
        project_id: &str,
        environment_id: &str,
    ) -> Result<PrEffect, DomainError> {
        let name = self.environment(environment_id)?.name.clone();
        self.delete_environment(environment_id)?;
        Ok(PrEffect {
            project_id: project_id.to_string(),
            environment_id: environment_id.to_string(),
            environment_name: name,
            effect: "deleted",
        })
    }

    /// R50 `environmentUnskipService`: deploys a skipped service with its skipped transitive
    /// dependencies. Guess: a service that is not skipped is left alone and the answer is true.
    pub(crate) fn unskip_service(
        &mut self,
        environment_id: &str,
        service_id: &str,
    ) -> Result<bool, DomainError> {
        let environment = self.environment(environment_id)?.clone();
        self.service(service_id)?;
        let skipped: BTreeSet<String> = environment
            .meta
            .map(|m| m.skipped_resource_ids.into_iter().collect())
            .unwrap_or_default();
        if !skipped.contains(service_id) {
            return Ok(true);
        }
        let wanted = self.with_dependencies(
            &environment.project_id,
            environment_id,
            BTreeSet::from([service_id.to_string()]),
        );
        let now: Vec<String> = wanted.intersection(&skipped).cloned().collect();
        for id in &now {
            self.deploy_if_sourced(id, environment_id)?;
        }
        if let Some(meta) = self
            .state
            .environments
            .iter_mut()
            .find(|e| e.id == environment_id)
            .and_then(|e| e.meta.as_mut())
        {
            meta.skipped_resource_ids.retain(|id| !now.contains(id));
        }
        Ok(true)
    }
}

/// A watch pattern against a path: `*` matches any run of characters, `/` included (a guess at
/// Railway's gitignore-style patterns, close enough for `dir/**` and `*.rs`).
fn wildcard(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches('/');
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let Some(mut remaining) = path.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn watch_patterns_match_paths_with_wildcards() {
        assert!(wildcard("api/**", "api/src/main.rs"));
        assert!(wildcard("*.rs", "api/src/main.rs"));
        assert!(wildcard("/web/**/*.ts", "web/src/app.ts"));
        assert!(!wildcard("web/**", "api/src/main.rs"));
        assert!(wildcard("README.md", "README.md"));
        assert!(!wildcard("README.md", "docs/README.md"));
    }
}
