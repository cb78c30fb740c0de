//! Executes a [`Plan`] against Railway: the project's structure first (project, environments,
//! services), by observe-then-create so a lost response never yields a duplicate; then each
//! environment as one unit (its patch, direct mutations, deploys, in `environment`). Before
//! the first write it checks that no environment it writes moved since the snapshot (R15).
//! Computes no diffs of its own beyond re-checking live values.

mod buckets;
mod create;
mod database;
mod domains;
mod environment;
mod instance;
mod patch;
mod previews;
mod variables;
mod volumes;

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::desired::ProjectRef;
use crate::plan::{Action, Plan};
use crate::railway::live::{Live, LiveProject};
use crate::railway::ops::{ServiceDelete, service_delete};
use crate::railway::{Client, Error as RailwayError, snapshot};

pub use patch::instance_entry;

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Destructive actions run only with this set (`--confirm-destructive`).
    pub confirm_destructive: bool,
    /// When set (shutdown), the action in flight finishes and no new one starts.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// What happened to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the detail names the mutations sent.
    Applied(String),
    /// Found already done (an earlier lost response, or a concurrent change): adopted.
    Adopted(String),
    /// Nothing to send once live state was re-checked.
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub address: String,
    pub outcome: Outcome,
}

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub events: Vec<Event>,
    pub requests: u64,
}

impl Report {
    /// Addresses of the actions that changed something (applied or adopted).
    pub fn applied_addresses(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| !matches!(e.outcome, Outcome::Skipped(_)))
            .map(|e| e.address.clone())
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan has destructive actions and --confirm-destructive was not given: {}", .0.join(", "))]
    DestructiveNotConfirmed(Vec<String>),
    /// Shutdown asked to stop: the action in flight finished, none after it started, and the
    /// inventory was not written.
    #[error("interrupted before {}", not_applied.first().map(String::as_str).unwrap_or("the end"))]
    Interrupted {
        applied: Vec<String>,
        not_applied: Vec<String>,
    },
    /// R15, R17: an environment the plan writes changed on Railway since the snapshot (its
    /// `configEtag` moved, or someone staged changes there). Nothing was written; plan again.
    #[error(
        "environment {environment} changed on Railway since the plan was made ({reason}); nothing was written: plan again"
    )]
    Stale {
        environment: String,
        reason: &'static str,
    },
    #[error("failed at {address}: {source}")]
    Failed {
        address: String,
        #[source]
        source: RailwayError,
        applied: Vec<String>,
        not_applied: Vec<String>,
    },
}

/// Applies `plan`, computed from `live`, reporting each finished action through `on_event`.
///
/// # Errors
/// Stops at the first action that fails after retries, saying what was and was not applied.
pub async fn apply(
    client: &Client,
    project: &ProjectRef,
    plan: &Plan,
    live: &Live,
    options: ApplyOptions,
    on_event: &mut (dyn FnMut(&Event) + Send),
) -> Result<Report, ApplyError> {
    if let Some(destructive) = unconfirmed_destruction(plan, options.confirm_destructive) {
        return Err(ApplyError::DestructiveNotConfirmed(destructive));
    }
    let start_requests = client.requests_sent();
    let mut executor = Executor::new(client, project, live);
    executor.check_unchanged(plan, live).await?;
    let mut report = Report::default();
    let units = units(plan);
    for (index, unit) in units.iter().enumerate() {
        let not_applied = |report: &Report| {
            units[index..]
                .iter()
                .flat_map(|u| u.actions.iter().map(|a| a.address()))
                .filter(|address| !report.events.iter().any(|e| &e.address == address))
                .collect::<Vec<_>>()
        };
        if options
            .stop
            .as_ref()
            .is_some_and(|stop| stop.load(std::sync::atomic::Ordering::SeqCst))
        {
            return Err(ApplyError::Interrupted {
                applied: report.applied_addresses(),
                not_applied: not_applied(&report),
            });
        }
        let mut emit = |action: &Action, outcome: Outcome| {
            let event = Event {
                address: action.address(),
                outcome,
            };
            on_event(&event);
            report.events.push(event);
        };
        let result = match &unit.environment {
            Some(environment) => {
                executor
                    .apply_environment(environment, &unit.actions, plan.skip_deploys, &mut emit)
                    .await
            }
            None => {
                let action = unit.actions[0];
                executor
                    .run(action)
                    .await
                    .map(|outcome| emit(action, outcome))
                    .map_err(|error| (action.address(), error))
            }
        };
        if let Err((address, source)) = result {
            return Err(ApplyError::Failed {
                address,
                source,
                applied: report.applied_addresses(),
                not_applied: not_applied(&report),
            });
        }
    }
    // Ownership is recorded last, only once everything it describes has been applied.
    executor
        .record_inventories(plan, report.applied_addresses())
        .await?;
    report.requests = client.requests_sent() - start_requests;
    Ok(report)
}

/// The destructive actions a run would take without confirmation, all named, volumes with the
/// data loss they mean; `None` when there are none or they are confirmed.
fn unconfirmed_destruction(plan: &Plan, confirm_destructive: bool) -> Option<Vec<String>> {
    let destructive: Vec<String> = plan
        .destructive_actions()
        .map(|action| match action {
            Action::DeleteVolume { name, .. } => format!(
                "{} (deletes volume {name}: its data and backups would be lost)",
                action.address()
            ),
            Action::DeleteBucket { environments, .. } => format!(
                "{} (deletes the bucket in {}: the objects stored there would be lost)",
                action.address(),
                environments.join(", ")
            ),
            Action::RemoveBucketInstance { environment, .. } => format!(
                "{} (deletes the bucket's instance in {environment}: the objects stored there would be lost)",
                action.address()
            ),
            other => other.address(),
        })
        .collect();
    (!destructive.is_empty() && !confirm_destructive).then_some(destructive)
}

impl<'a> Executor<'a> {
    /// An executor starting from the live state the plan was computed from.
    fn new(client: &'a Client, project: &'a ProjectRef, live: &Live) -> Self {
        Executor {
            client,
            project_ref: project,
            project: live.project.clone(),
            stale: false,
            changed_instances: Vec::new(),
            staged_changes: BTreeMap::new(),
            mounts_by_patch: BTreeSet::new(),
            created_domains: Vec::new(),
            pins: Vec::new(),
            created_volumes: Vec::new(),
        }
    }
}

struct Executor<'a> {
    client: &'a Client,
    project_ref: &'a ProjectRef,
    /// Live state as last read, updated as the executor goes.
    project: Option<LiveProject>,
    /// Set after a structural create: re-read before touching instances.
    stale: bool,
    /// (service, environment) pairs a direct mutation changed in a way that needs a deploy.
    changed_instances: Vec<(String, String)>,
    /// `unmergedChangesCount` by environment id, as read right before the first write.
    staged_changes: BTreeMap<String, i64>,
    /// (service, environment) whose volume mount an environment patch moved.
    mounts_by_patch: BTreeSet<(String, String)>,
    /// (environment, service, name) of domains created here, for the inventory: a generated
    /// domain's name is known only once Railway has made it.
    created_domains: Vec<(String, String, String)>,
    /// (environment, service, pinned name, generated name) of renames sent here (R30).
    pins: Vec<(String, String, String, String)>,
    /// (environment, service, volume id) of volumes created here, for the inventory.
    created_volumes: Vec<(String, String, String)>,
}

impl Executor<'_> {
    /// Each environment's inventory, with the names and ids Railway chose during this apply.
    async fn record_inventories(
        &mut self,
        plan: &Plan,
        applied: Vec<String>,
    ) -> Result<(), ApplyError> {
        for write in &plan.inventory_writes {
            let mut inventory = write.inventory.clone();
            for (environment, service, name) in &self.created_domains {
                if environment == &write.environment {
                    inventory
                        .domains
                        .entry(service.clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
            for (environment, service, pinned, generated) in &self.pins {
                if environment == &write.environment {
                    inventory
                        .pins
                        .entry(service.clone())
                        .or_default()
                        .insert(pinned.clone(), generated.clone());
                }
            }
            for (environment, service, volume_id) in &self.created_volumes {
                if environment == &write.environment {
                    inventory.volumes.insert(service.clone(), volume_id.clone());
                }
            }
            if let Err(source) = self.write_inventory(&write.environment, &inventory).await {
                return Err(ApplyError::Failed {
                    address: format!("inventory[{}]", write.environment),
                    source,
                    applied: applied.clone(),
                    not_applied: vec![format!("inventory[{}]", write.environment)],
                });
            }
        }
        Ok(())
    }

    /// A project-level action; environment-scoped ones go through `apply_environment`.
    async fn run(&mut self, action: &Action) -> Result<Outcome, RailwayError> {
        match action {
            Action::CreateProject {
                name,
                home,
                default_environment,
            } => {
                let workspace_id = home.as_ref().map(|h| h.workspace_id.as_str());
                self.create_project(name, workspace_id, default_environment)
                    .await
            }
            Action::CreateEnvironment { name } => self.create_environment(name).await,
            Action::CreateService {
                name,
                database: None,
            } => self.create_service(name).await,
            Action::CreateService {
                name,
                database: Some(database),
            } => self.create_database(name, database).await,
            Action::DeleteService { name, id } => self.delete_service(name, id).await,
            Action::ConfigurePreviews { desired, .. } => self.configure_previews(desired).await,
            Action::CreateBucket { name } => self.create_bucket(name).await,
            Action::DeleteBucket {
                name,
                id,
                environments,
            } => self.delete_bucket(name, id, environments).await,
            Action::CreateBranchPreview { name, branch, base } => {
                self.create_branch_preview(name, branch, base).await
            }
            Action::DeletePreview { name, id, why, .. } => {
                self.delete_preview(name, id, *why).await
            }
            other => Ok(Outcome::Skipped(format!(
                "{} is applied with its environment",
                other.address()
            ))),
        }
    }

    /// R15, R17: right before the first write, one read of every environment's `configEtag`
    /// and `unmergedChangesCount`. An environment the plan writes that moved since the snapshot
    /// refuses the whole apply, before anything is sent.
    async fn check_unchanged(&mut self, plan: &Plan, live: &Live) -> Result<(), ApplyError> {
        let Some(project) = &live.project else {
            return Ok(());
        };
        let written: BTreeSet<&str> = plan
            .actions
            .iter()
            .filter(|a| !matches!(a, Action::CreateEnvironment { .. }))
            .filter_map(Action::environment)
            .collect();
        // R50: an ephemeral environment written for `spec.previews.overrides` is checked too.
        let known: Vec<_> = project
            .all_environments()
            .filter(|e| written.contains(e.name.as_str()))
            .collect();
        if known.is_empty() {
            return Ok(());
        }
        let now = snapshot::read_environment_etags(self.client, &project.id)
            .await
            .map_err(|source| ApplyError::Failed {
                address: "configEtag check".into(),
                source,
                applied: Vec::new(),
                not_applied: plan.actions.iter().map(Action::address).collect(),
            })?;
        for node in now {
            let Some(before) = known.iter().find(|e| e.id == node.id) else {
                continue;
            };
            let staged = node.unmerged_changes;
            let reason = if node.config_etag != before.config_etag {
                Some("its configEtag moved")
            } else if staged > 0 && before.unmerged_changes == 0 {
                Some("someone staged changes there")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(ApplyError::Stale {
                    environment: before.name.clone(),
                    reason,
                });
            }
            self.staged_changes.insert(node.id, staged);
        }
        Ok(())
    }

    /// Deletes a service the plan prunes; one already gone counts as done.
    async fn delete_service(&mut self, name: &str, id: &str) -> Result<Outcome, RailwayError> {
        let result = self
            .client
            .post::<ServiceDelete>(service_delete::Variables {
                id: id.to_string(),
                environment_id: None,
            })
            .await;
        self.stale = true;
        let deleted = settle_delete(result, async || {
            Ok(self
                .fresh_project()
                .await?
                .services
                .iter()
                .any(|s| s.id == id))
        })
        .await?;
        Ok(deleted.outcome("serviceDelete", name))
    }

    /// The project as it is now, re-read when a create made the copy stale.
    async fn fresh_project(&mut self) -> Result<&LiveProject, RailwayError> {
        let project_id = self.project_id()?;
        if self.stale || self.project.is_none() {
            self.project = Some(snapshot::read_project(self.client, &project_id).await?);
            self.stale = false;
        }
        self.project
            .as_ref()
            .ok_or_else(|| missing("project", &self.project_ref.name))
    }

    fn project_id(&self) -> Result<String, RailwayError> {
        self.project
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(|| missing("project", &self.project_ref.name))
    }
}

/// What the executor runs as one: a project-level action, or all of one environment's.
struct Unit<'p> {
    environment: Option<String>,
    actions: Vec<&'p Action>,
}

/// The plan's actions as units, in plan order: an environment's unit stands where its first
/// action was.
fn units(plan: &Plan) -> Vec<Unit<'_>> {
    let mut units: Vec<Unit<'_>> = Vec::new();
    for action in &plan.actions {
        let environment = match action {
            Action::CreateEnvironment { .. } => None,
            other => other.environment(),
        };
        match environment {
            None => units.push(Unit {
                environment: None,
                actions: vec![action],
            }),
            Some(env) => match units
                .iter_mut()
                .find(|u| u.environment.as_deref() == Some(env))
            {
                Some(unit) => unit.actions.push(action),
                None => units.push(Unit {
                    environment: Some(env.to_string()),
                    actions: vec![action],
                }),
            },
        }
    }
    units
}

/// How a delete ended: sent and answered, or found already done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deleted {
    Now,
    AlreadyGone,
}

impl Deleted {
    fn outcome(self, operation: &str, name: &str) -> Outcome {
        match self {
            Deleted::Now => Outcome::Applied(operation.to_string()),
            Deleted::AlreadyGone => Outcome::Skipped(format!("{name} was already gone")),
        }
    }
}

/// Settles a delete's answer. R37: Railway answers `Not Authorized` both for a token that may
/// not delete and for an object already gone (a retried delete whose first answer was lost
/// meets the second), so a denial is judged by a re-read: gone means done; still there means
/// the token is refused, and the denial stands.
async fn settle_delete<T>(
    result: Result<T, RailwayError>,
    still_there: impl AsyncFnOnce() -> Result<bool, RailwayError>,
) -> Result<Deleted, RailwayError> {
    match result {
        Ok(_) => Ok(Deleted::Now),
        Err(RailwayError::NotFound { .. }) => Ok(Deleted::AlreadyGone),
        Err(denied @ RailwayError::Unauthorized { .. }) => {
            if still_there().await? {
                Err(denied)
            } else {
                Ok(Deleted::AlreadyGone)
            }
        }
        Err(error) => Err(error),
    }
}

fn missing(kind: &str, name: &str) -> RailwayError {
    RailwayError::NotFound {
        operation: "apply",
        message: format!("{kind} {name} is not on Railway although the plan expected it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied() -> Result<(), RailwayError> {
        Err(RailwayError::Unauthorized {
            operation: "serviceDelete",
            message: "Not Authorized".into(),
        })
    }

    #[tokio::test]
    async fn r37_a_denied_delete_of_something_gone_is_done() {
        let settled = settle_delete(denied(), async || Ok(false)).await;
        assert_eq!(settled.ok(), Some(Deleted::AlreadyGone));
    }

    #[tokio::test]
    async fn r37_a_denied_delete_of_something_still_there_stays_a_denial() {
        let settled = settle_delete(denied(), async || Ok(true)).await;
        assert!(matches!(settled, Err(RailwayError::Unauthorized { .. })));
    }

    #[tokio::test]
    async fn r37_other_failures_are_not_settled_by_a_re_read() {
        let failed: Result<(), RailwayError> = Err(RailwayError::Terminal {
            operation: "serviceDelete",
            message: "boom".into(),
        });
        let settled = settle_delete(failed, async || Ok(false)).await;
        assert!(matches!(settled, Err(RailwayError::Terminal { .. })));
    }
}
