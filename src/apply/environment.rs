//! One environment's share of a plan. Everything per-environment goes into one config patch
//! (R9, R13, R16), committed once, so the environment's changed services deploy once and no
//! other environment is touched (R7). What no patch does follows as direct mutations: domains,
//! volume creation, TCP proxy deletes (R31). Then the deploys the commit did not start.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::patch::{EnvironmentPatch, instance_entry, variables_entry};
use super::variables::{Scope, values_to_upsert};
use super::{Executor, Outcome, missing};
use crate::manifest::desired::{InstanceSettings, VariableValue};
use crate::plan::domains::{DomainChange, DomainKind, DomainOp};
use crate::plan::{Action, VariableChange, VariableOp};
use crate::railway::error::Error;
use crate::railway::live::{LiveEnvironment, LiveProject, LiveVariable};
use crate::railway::ops::{
    EnvironmentPatchCommit, EnvironmentPatchCommitStaged, EnvironmentStageChanges,
    environment_patch_commit, environment_patch_commit_staged, environment_stage_changes,
};

/// Told about each action of the environment as it finishes.
pub(super) type Emit<'e> = dyn FnMut(&Action, Outcome) + Send + 'e;

/// What the patch holds, for the events and deploys after it.
#[derive(Default)]
struct Patched {
    patch: EnvironmentPatch,
    /// Services whose entry is in the patch.
    services: BTreeSet<String>,
    /// Those of them the commit deploys (R16): any change but new TCP proxies alone, which no
    /// source says a commit deploys for, while a proxy is active only after one (R31).
    deploying: BTreeSet<String>,
    /// Shared variables the patch changes: the services referencing them deploy too.
    shared: BTreeSet<String>,
    /// Services whose instance here the patch removes (R9).
    removed: BTreeSet<String>,
    /// R49: buckets whose instance here the patch adds or removes.
    buckets: BTreeSet<String>,
}

impl Executor<'_> {
    /// Applies `actions`, all of `environment`, in the order patch, direct mutations, deploys.
    ///
    /// # Errors
    /// The first failure, with the address of the action it belongs to.
    pub(super) async fn apply_environment(
        &mut self,
        environment: &str,
        actions: &[&Action],
        skip_deploys: bool,
        emit: &mut Emit<'_>,
    ) -> Result<(), (String, Error)> {
        let first = actions.first().map(|a| a.address()).unwrap_or_default();
        // Volumes of instances that exist are created first, so the commit's deploy has them;
        // a new instance gets its volume after the patch has created it. A moved mount goes
        // into the patch (R11 `volumeMounts`), the volume's other changes after it.
        let mounts = self.mounts_to_move(environment, actions).await;
        let (before, after) = self.split_volumes(environment, actions, &mounts).await;
        self.run_volume_actions(&before, emit).await?;
        let mut patched = self
            .build_patch(environment, actions)
            .await
            .map_err(|e| (first.clone(), e))?;
        for (service, (service_id, volume_id, mount_path)) in &mounts {
            let entry = Map::from_iter([(
                "volumeMounts".to_string(),
                json!({ volume_id.as_str(): { "mountPath": mount_path } }),
            )]);
            patched.patch.add_service(service_id, entry);
            patched.services.insert(service.clone());
            patched.deploying.insert(service.clone());
        }
        // A new instance that gets a volume must not deploy before the volume is there.
        let deploy_later = actions
            .iter()
            .any(|a| matches!(a, Action::DeployInstance { .. }))
            && after
                .iter()
                .any(|a| matches!(a, Action::ConfigureVolume { create: true, .. }));
        let commit = match patched.patch.is_empty() {
            true => None,
            false => Some(
                self.commit(environment, &patched.patch, skip_deploys || deploy_later)
                    .await
                    .map_err(|e| (first.clone(), e))?,
            ),
        };
        for action in actions.iter().filter(|a| is_patch_action(a)) {
            let outcome = self
                .finish_patch_action(environment, action, &patched, commit)
                .await
                .map_err(at(action))?;
            emit(action, outcome);
        }
        self.run_volume_actions(&after, emit).await?;
        let deletes: Vec<&Action> = actions
            .iter()
            .filter(|a| matches!(a, Action::DeleteVolume { .. }))
            .copied()
            .collect();
        self.run_volume_actions(&deletes, emit).await?;
        let commit = commit.filter(|_| !deploy_later);
        self.deploys(environment, actions, &patched, commit, emit)
            .await
    }

    async fn run_volume_actions(
        &mut self,
        actions: &[&Action],
        emit: &mut Emit<'_>,
    ) -> Result<(), (String, Error)> {
        for action in actions {
            let outcome = self.run_volume_action(action).await.map_err(at(action))?;
            emit(action, outcome);
        }
        Ok(())
    }

    /// Each planned deploy: done by a commit that deployed (R16), else one
    /// `serviceInstanceDeployV2` for an instance that changed.
    async fn deploys(
        &mut self,
        environment: &str,
        actions: &[&Action],
        patched: &Patched,
        deploying_commit: Option<&'static str>,
        emit: &mut Emit<'_>,
    ) -> Result<(), (String, Error)> {
        for action in actions {
            let Action::DeployInstance {
                service,
                after_shared,
                ..
            } = action
            else {
                continue;
            };
            let patched_here = patched.deploying.contains(service)
                || after_shared.iter().any(|n| patched.shared.contains(n));
            let outcome = match deploying_commit.filter(|_| patched_here) {
                Some(commit) => Outcome::Applied(format!("deployed by {commit}")),
                None => self
                    .deploy_if_changed(service, environment, patched_here)
                    .await
                    .map_err(at(action))?,
            };
            emit(action, outcome);
        }
        Ok(())
    }

    /// Existing volumes whose mount path changes: service -> (service id, volume id, path).
    /// The patch moves them, naming the service (a move must never detach, R23).
    async fn mounts_to_move(
        &mut self,
        environment: &str,
        actions: &[&Action],
    ) -> BTreeMap<String, (String, String, String)> {
        let mut mounts = BTreeMap::new();
        let Ok(project) = self.fresh_project().await else {
            return mounts;
        };
        for action in actions {
            let Action::ConfigureVolume {
                service, desired, ..
            } = action
            else {
                continue;
            };
            let Some(service_id) = project.services.iter().find(|s| &s.name == service) else {
                continue;
            };
            let live = project
                .environment_named(environment)
                .and_then(|e| e.volume_of(&service_id.id));
            if let Some(live) = live.filter(|v| v.mount_path != desired.mount_path) {
                mounts.insert(
                    service.clone(),
                    (
                        service_id.id.clone(),
                        live.volume_id.clone(),
                        desired.mount_path.clone(),
                    ),
                );
            }
        }
        for service in mounts.keys() {
            self.mounts_by_patch
                .insert((service.clone(), environment.to_string()));
        }
        mounts
    }

    /// (volume actions to run before the patch, after it); deletes run after both.
    async fn split_volumes<'b>(
        &mut self,
        environment: &str,
        actions: &[&'b Action],
        mounts: &BTreeMap<String, (String, String, String)>,
    ) -> (Vec<&'b Action>, Vec<&'b Action>) {
        let mut before = Vec::new();
        let mut after = Vec::new();
        for action in actions {
            let Action::ConfigureVolume { service, .. } = action else {
                continue;
            };
            let exists = match self.fresh_project().await {
                Ok(project) => instance_exists(project, environment, service),
                Err(_) => false,
            };
            match exists && !mounts.contains_key(service) {
                true => before.push(*action),
                false => after.push(*action),
            }
        }
        (before, after)
    }

    async fn run_volume_action(&mut self, action: &Action) -> Result<Outcome, Error> {
        match action {
            Action::ConfigureVolume {
                service,
                environment,
                desired,
                ..
            } => self.configure_volume(service, environment, desired).await,
            Action::DeleteVolume {
                environment,
                name,
                id,
                ..
            } => self.delete_volume(environment, name, id).await,
            _ => Ok(Outcome::Skipped("not a volume action".into())),
        }
    }

    /// The environment's patch, from the live state as now known (re-read after creates).
    async fn build_patch(
        &mut self,
        environment: &str,
        actions: &[&Action],
    ) -> Result<Patched, Error> {
        let templates = self.template_variables(actions).await?;
        let project = self.fresh_project().await?;
        let live_env = live_environment(project, environment)?;
        let mut patched = Patched::default();
        let mut proxies_only = Vec::new();
        for action in actions {
            match action {
                Action::ConfigureSharedVariables {
                    desired, variables, ..
                } => {
                    let entry = variables_patch(desired, &live_env.shared_variables, variables);
                    patched.shared.extend(entry.keys().cloned());
                    patched.patch.set_shared_variables(entry);
                }
                Action::ConfigureInstance {
                    service,
                    desired,
                    variables,
                    domains,
                    template_variables,
                    ..
                } => {
                    let service_id = service_id(project, service)?;
                    let mut entry =
                        instance_patch(live_env, &service_id, desired, variables, domains);
                    if let Some(template) = template_variables.and_then(|e| templates.get(&e)) {
                        let live = live_env.instances.get(&service_id);
                        super::database::add_template_variables(&mut entry, template, live);
                    }
                    if !entry.is_empty() {
                        patched.services.insert(service.clone());
                    }
                    if entry.keys().any(|key| key != "networking") {
                        patched.deploying.insert(service.clone());
                    } else if !entry.is_empty() {
                        proxies_only.push(service.clone());
                    }
                    patched.patch.add_service(&service_id, entry);
                }
                Action::RemoveInstance { service, .. } => {
                    let service_id = service_id(project, service)?;
                    if live_env.instances.contains_key(&service_id) {
                        patched.patch.remove_service(&service_id);
                        patched.removed.insert(service.clone());
                    }
                }
                Action::CreateBucketInstance { bucket, .. }
                | Action::RemoveBucketInstance { bucket, .. } => {
                    let region = match action {
                        Action::CreateBucketInstance { region, .. } => Some(region.as_deref()),
                        _ => None,
                    };
                    let bucket_id = super::buckets::bucket_id(project, bucket)?;
                    // Re-checked against live: already as wanted sends nothing.
                    if live_env.buckets.contains_key(&bucket_id) != region.is_some() {
                        patched
                            .patch
                            .set_bucket(&bucket_id, region.is_some(), region.flatten());
                        patched.buckets.insert(bucket.clone());
                    }
                }
                _ => {}
            }
        }
        // Deployed explicitly after the commit (`deploy_if_changed`).
        for service in proxies_only {
            self.changed_instances
                .push((service, environment.to_string()));
        }
        Ok(patched)
    }

    /// Commits the patch; returns the mutations' names. With staged changes someone left (the
    /// plan only goes ahead with `stagedChanges: commit`), or when nothing should deploy, the
    /// patch is staged on top and everything staged is committed (R16, R17).
    pub(super) async fn commit(
        &mut self,
        environment: &str,
        patch: &EnvironmentPatch,
        skip_deploys: bool,
    ) -> Result<&'static str, Error> {
        let project = self.fresh_project().await?;
        let live_env = live_environment(project, environment)?;
        let (environment_id, staged_at_snapshot) = (live_env.id.clone(), live_env.unmerged_changes);
        // The count read right before the first write, else the snapshot's.
        let staged = self
            .staged_changes
            .get(&environment_id)
            .copied()
            .unwrap_or(staged_at_snapshot);
        let message = Some("railway-operator apply".to_string());
        let sent = if staged == 0 && !skip_deploys {
            self.client
                .post::<EnvironmentPatchCommit>(environment_patch_commit::Variables {
                    environment_id,
                    patch: Some(patch.to_value()),
                    commit_message: message,
                })
                .await?;
            "environmentPatchCommit"
        } else {
            self.client
                .post::<EnvironmentStageChanges>(environment_stage_changes::Variables {
                    environment_id: environment_id.clone(),
                    input: patch.to_value(),
                    merge: Some(true),
                })
                .await?;
            self.client
                .post::<EnvironmentPatchCommitStaged>(environment_patch_commit_staged::Variables {
                    environment_id,
                    skip_deploys: Some(skip_deploys),
                    commit_message: message,
                })
                .await?;
            match skip_deploys {
                true => "environmentStageChanges + environmentPatchCommitStaged (skipDeploys)",
                false => "environmentStageChanges + environmentPatchCommitStaged",
            }
        };
        // Instances the patch created, and the new config, are known only after a re-read.
        self.stale = true;
        Ok(sent)
    }

    /// The event of an action the patch carried; an instance's domains are sent here, after
    /// the patch has made sure the instance exists.
    async fn finish_patch_action(
        &mut self,
        environment: &str,
        action: &Action,
        patched: &Patched,
        commit: Option<&'static str>,
    ) -> Result<Outcome, Error> {
        let in_patch = match action {
            Action::ConfigureInstance { service, .. } => patched.services.contains(service),
            Action::ConfigureSharedVariables { variables, .. } => {
                variables.iter().any(|v| patched.shared.contains(&v.name))
            }
            Action::RemoveInstance { service, .. } => patched.removed.contains(service),
            Action::CreateBucketInstance { bucket, .. }
            | Action::RemoveBucketInstance { bucket, .. } => patched.buckets.contains(bucket),
            _ => false,
        };
        let mut sent: Vec<String> = match (in_patch, commit) {
            (true, Some(commit)) => vec![commit.to_string()],
            _ => Vec::new(),
        };
        let mut dns = Vec::new();
        if let Action::ConfigureInstance {
            service, domains, ..
        } = action
        {
            let direct: Vec<DomainChange> = domains
                .iter()
                .filter(|c| !(c.kind == DomainKind::TcpProxy && c.op == DomainOp::Add))
                .cloned()
                .collect();
            if !direct.is_empty() {
                let (project_id, environment_id, live) =
                    self.instance(service, environment).await?;
                let scope = Scope {
                    project_id: &project_id,
                    environment_id: &environment_id,
                    service_id: Some(&live.service_id),
                };
                let result = self
                    .sync_domains(&scope, environment, service, &live, &direct)
                    .await?;
                if result.tcp_changed {
                    self.changed_instances
                        .push((service.clone(), environment.to_string()));
                }
                sent.extend(result.sent);
                dns = result.dns;
            }
        }
        if sent.is_empty() {
            return Ok(Outcome::Skipped("already matches the manifest".into()));
        }
        let mut text = sent.join(", ");
        for line in dns {
            text.push_str(&format!("\n      DNS to create: {line}"));
        }
        Ok(Outcome::Applied(text))
    }
}

/// Tags an error with the address of the action it belongs to.
fn at(action: &Action) -> impl FnOnce(Error) -> (String, Error) + '_ {
    move |error| (action.address(), error)
}

fn is_patch_action(action: &Action) -> bool {
    matches!(
        action,
        Action::ConfigureInstance { .. }
            | Action::ConfigureSharedVariables { .. }
            | Action::RemoveInstance { .. }
            | Action::CreateBucketInstance { .. }
            | Action::RemoveBucketInstance { .. }
    )
}

fn live_environment<'p>(
    project: &'p LiveProject,
    environment: &str,
) -> Result<&'p LiveEnvironment, Error> {
    project
        .environment_named(environment)
        .ok_or_else(|| missing("environment", environment))
}

fn instance_exists(project: &LiveProject, environment: &str, service: &str) -> bool {
    project.instance(service, environment).is_some()
}

fn service_id(project: &LiveProject, service: &str) -> Result<String, Error> {
    project
        .services
        .iter()
        .find(|s| s.name == service)
        .map(|s| s.id.clone())
        .ok_or_else(|| missing("service", service))
}

/// `services.<id>`: settings that differ, variables, new TCP proxies, `isCreated`.
fn instance_patch(
    live_env: &LiveEnvironment,
    service_id: &str,
    desired: &InstanceSettings,
    variables: &[VariableChange],
    domains: &[DomainChange],
) -> Map<String, Value> {
    let live = live_env.instances.get(service_id);
    let new_ports: Vec<i64> = domains
        .iter()
        .filter(|c| c.kind == DomainKind::TcpProxy && c.op == DomainOp::Add)
        .filter_map(|c| c.port)
        .filter(|port| live.is_none_or(|l| !l.tcp_proxies.contains(port)))
        .collect();
    let mut entry = instance_entry(desired, live, &new_ports);
    let empty = BTreeMap::new();
    let live_variables = live.map_or(&empty, |l| &l.variables);
    let variables = variables_patch(&desired.variables, live_variables, variables);
    if !variables.is_empty() {
        entry.insert("variables".into(), Value::Object(variables));
    }
    entry
}

/// The variables to write: values that differ or are missing (generated ones created here,
/// once), and nulls for the owned names the plan deletes.
fn variables_patch(
    desired: &BTreeMap<String, VariableValue>,
    live: &BTreeMap<String, LiveVariable>,
    planned: &[VariableChange],
) -> Map<String, Value> {
    let upsert: BTreeMap<String, String> = values_to_upsert(desired, live)
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
    let delete: Vec<String> = planned
        .iter()
        .filter(|c| c.op == VariableOp::Delete && live.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    variables_entry(&upsert, &delete)
}
