//! Executes a [`Plan`] against Railway: in plan order (project, environments, services, then
//! each environment's instances and deploys, one at a time), creates by observe-then-create so a
//! lost response never yields a duplicate, updates with the full field set, and one deploy per
//! instance that actually changed. Computes no diffs of its own beyond re-checking live values.

mod create;
mod domains;
mod instance;
mod variables;
mod volumes;

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::desired::ProjectRef;
use crate::plan::{Action, Plan};
use crate::railway::live::{Live, LiveProject};
use crate::railway::ops::{ServiceDelete, service_delete};
use crate::railway::{Client, Error as RailwayError, snapshot};

pub use instance::instance_update_input;

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
    let destructive: Vec<String> = plan
        .destructive_actions()
        .map(|action| match action {
            Action::DeleteVolume { name, .. } => format!(
                "{} (deletes volume {name}: its data and backups would be lost)",
                action.address()
            ),
            other => other.address(),
        })
        .collect();
    if !destructive.is_empty() && !options.confirm_destructive {
        return Err(ApplyError::DestructiveNotConfirmed(destructive));
    }
    let start_requests = client.requests_sent();
    let mut executor = Executor {
        client,
        project_ref: project,
        project: live.project.clone(),
        stale: false,
        changed_instances: Vec::new(),
        changed_shared: BTreeMap::new(),
        created_domains: Vec::new(),
        created_volumes: Vec::new(),
    };
    let mut report = Report::default();
    for (index, action) in plan.actions.iter().enumerate() {
        if options
            .stop
            .as_ref()
            .is_some_and(|stop| stop.load(std::sync::atomic::Ordering::SeqCst))
        {
            return Err(ApplyError::Interrupted {
                applied: report.applied_addresses(),
                not_applied: plan.actions[index..].iter().map(Action::address).collect(),
            });
        }
        match executor.run(action).await {
            Ok(outcome) => {
                let event = Event {
                    address: action.address(),
                    outcome,
                };
                on_event(&event);
                report.events.push(event);
            }
            Err(source) => {
                return Err(ApplyError::Failed {
                    address: action.address(),
                    source,
                    applied: report.applied_addresses(),
                    not_applied: plan.actions[index..].iter().map(Action::address).collect(),
                });
            }
        }
    }
    // Ownership is recorded last, only once everything it describes has been applied.
    for write in &plan.inventory_writes {
        let mut inventory = write.inventory.clone();
        for (environment, service, name) in &executor.created_domains {
            if environment == &write.environment {
                inventory
                    .domains
                    .entry(service.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
        for (environment, service, volume_id) in &executor.created_volumes {
            if environment == &write.environment {
                inventory.volumes.insert(service.clone(), volume_id.clone());
            }
        }
        if let Err(source) = executor
            .write_inventory(&write.environment, &inventory)
            .await
        {
            return Err(ApplyError::Failed {
                address: format!("inventory[{}]", write.environment),
                source,
                applied: report.applied_addresses(),
                not_applied: vec![format!("inventory[{}]", write.environment)],
            });
        }
    }
    report.requests = client.requests_sent() - start_requests;
    Ok(report)
}

struct Executor<'a> {
    client: &'a Client,
    project_ref: &'a ProjectRef,
    /// Live state as last read, updated as the executor goes.
    project: Option<LiveProject>,
    /// Set after a structural create: re-read before touching instances.
    stale: bool,
    /// (service, environment) pairs that received at least one mutation.
    changed_instances: Vec<(String, String)>,
    /// Shared variable names changed, per environment name.
    changed_shared: BTreeMap<String, BTreeSet<String>>,
    /// (environment, service, name) of domains created here, for the inventory: a generated
    /// domain's name is known only once Railway has made it.
    created_domains: Vec<(String, String, String)>,
    /// (environment, service, volume id) of volumes created here, for the inventory.
    created_volumes: Vec<(String, String, String)>,
}

impl Executor<'_> {
    async fn run(&mut self, action: &Action) -> Result<Outcome, RailwayError> {
        match action {
            Action::CreateProject {
                name,
                workspace_id,
                default_environment,
            } => {
                self.create_project(name, workspace_id.as_deref(), default_environment)
                    .await
            }
            Action::CreateEnvironment { name, clone_from } => {
                self.create_environment(name, clone_from.as_deref()).await
            }
            Action::CreateService { name, source } => {
                self.create_service(name, source.as_ref()).await
            }
            Action::ConfigureInstance {
                service,
                environment,
                desired,
                variables,
                domains,
                ..
            } => {
                self.configure_instance(service, environment, desired, variables, domains)
                    .await
            }
            Action::ConfigureSharedVariables {
                environment,
                variables,
                desired,
            } => self.configure_shared(environment, desired, variables).await,
            Action::DeleteService { name, id } => self.delete_service(name, id).await,
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
            Action::DeployInstance {
                service,
                environment,
                after_shared,
            } => self.deploy(service, environment, after_shared).await,
        }
    }

    /// Deletes a service the plan prunes; one already gone counts as done.
    async fn delete_service(&mut self, name: &str, id: &str) -> Result<Outcome, RailwayError> {
        let outcome = match self
            .client
            .post::<ServiceDelete>(service_delete::Variables {
                id: id.to_string(),
                environment_id: None,
            })
            .await
        {
            Ok(_) => Outcome::Applied("serviceDelete".into()),
            Err(RailwayError::NotFound { .. }) => {
                Outcome::Skipped(format!("{name} was already gone"))
            }
            Err(error) => return Err(error),
        };
        self.stale = true;
        Ok(outcome)
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

fn missing(kind: &str, name: &str) -> RailwayError {
    RailwayError::NotFound {
        operation: "apply",
        message: format!("{kind} {name} is not on Railway although the plan expected it"),
    }
}
