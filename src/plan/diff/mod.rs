//! The pure planner: `plan(&Desired, &Live, &PlanOptions) -> Plan`. No I/O, no clock, no
//! randomness: the same inputs always give the same plan, in dependency order. One stage a
//! module: the project's structure (project, environments, services), each environment's
//! contents, and what the manifest leaves out.

mod branches;
mod buckets;
mod environment;
mod findings;
mod instance;
mod previews;
mod structure;
mod unmanaged;

use std::collections::{BTreeSet, HashMap, HashSet};

use super::access;
use super::action::{Action, HeldEnvironment, IgnoredDifference, InventoryWrite, Plan};
use crate::manifest::desired::{DeployPolicy, Desired, StagedChangesPolicy};
use crate::railway::live::{Live, LiveEnvironment, LiveProject, LiveService, ProjectHome};
use findings::Findings;

/// The variable Railway sets to the id of the service a deployment belongs to.
pub const OWN_SERVICE_ENV: &str = "RAILWAY_SERVICE_ID";

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Plan only this manifest environment (`--env`); project- and service-level creates still apply.
    pub only_environment: Option<String>,
    /// The Railway service this process runs as: never deleted, whatever the manifest says.
    pub own_service_id: Option<String>,
    /// `run --git`: the remote branches of the manifests' repository, for
    /// `spec.previews.fromBranches`; `None` where there is no such list (`plan`, `apply`,
    /// `run -f`), and then branch previews are neither made nor deleted.
    pub branches: Option<Vec<String>>,
    /// The time `spec.previews.expireAfter` measures previews' age against; `None` expires
    /// nothing.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

impl PlanOptions {
    /// Options for this process: when it runs on Railway, the service it runs as (from
    /// [`OWN_SERVICE_ENV`]). Read by the callers at the edge; [`plan`] itself reads nothing.
    pub fn from_env() -> Self {
        PlanOptions {
            now: Some(chrono::Utc::now()),
            ..Self::from_lookup(&|name| std::env::var(name).ok())
        }
    }

    /// [`PlanOptions::from_env`] with the environment given as a lookup.
    fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        PlanOptions {
            only_environment: None,
            own_service_id: lookup(OWN_SERVICE_ENV).filter(|id| !id.trim().is_empty()),
            ..PlanOptions::default()
        }
    }
}

/// What every stage reads, and what they add to.
struct Planning<'a> {
    desired: &'a Desired,
    project: Option<&'a LiveProject>,
    /// R33: where the snapshot says a missing project would be created.
    new_project_home: Option<&'a ProjectHome>,
    /// Manifest environments this plan covers, in manifest order.
    in_scope: Vec<String>,
    /// Manifest environments this plan creates (empty, R2, R5).
    new_environments: BTreeSet<String>,
    /// Managed services this plan creates (without a source, R6).
    new_services: BTreeSet<String>,
    actions: Vec<Action>,
    notes: Vec<String>,
    held: Vec<HeldEnvironment>,
    findings: Findings,
    inventory_writes: Vec<InventoryWrite>,
    /// Differences `ignore:` rules left alone.
    ignored: Vec<IgnoredDifference>,
    /// Prune services too: `prune: true` and the whole manifest in scope.
    prune_services: bool,
    /// The service this operator runs as, which is never pruned.
    own_service_id: Option<&'a str>,
    /// Live services by name, and the manifest's service names: every stage looks services up
    /// by name, once per service, so a scan each time would make planning quadratic.
    live_services: HashMap<&'a str, &'a LiveService>,
    desired_services: HashSet<&'a str>,
}

impl<'a> Planning<'a> {
    /// The live service named `name`.
    fn live_service(&self, name: &str) -> Option<&'a LiveService> {
        self.live_services.get(name).copied()
    }

    /// A declared environment as it is live; never a PR environment (R50: observed only).
    fn live_environment(&self, name: &str) -> Option<&'a LiveEnvironment> {
        self.project
            .and_then(|p| p.persistent_environment_named(name))
    }

    /// The planning state before any stage ran: the environments in scope and the lookups.
    fn new(desired: &'a Desired, live: &'a Live, options: &'a PlanOptions) -> Self {
        let in_scope: Vec<String> = desired
            .environments
            .iter()
            .filter(|env| {
                options
                    .only_environment
                    .as_ref()
                    .is_none_or(|only| only == *env)
            })
            // R34, R35: what the token cannot reach is neither changed nor created.
            .filter(|env| access::reachable(live, env))
            .cloned()
            .collect();
        Planning {
            desired,
            project: live.project.as_ref(),
            new_project_home: live.new_project_home.as_ref(),
            in_scope,
            new_environments: BTreeSet::new(),
            new_services: BTreeSet::new(),
            actions: Vec::new(),
            notes: Vec::new(),
            held: Vec::new(),
            findings: Findings::default(),
            inventory_writes: Vec::new(),
            ignored: Vec::new(),
            prune_services: desired.policy.prune
                && options.only_environment.is_none()
                && live
                    .project
                    .as_ref()
                    .is_none_or(|p| p.token_environment.is_none()),
            own_service_id: options.own_service_id.as_deref(),
            live_services: live
                .project
                .iter()
                .flat_map(|p| &p.services)
                .map(|s| (s.name.as_str(), s))
                .collect(),
            desired_services: desired.services.iter().map(|s| s.name.as_str()).collect(),
        }
    }
}

/// Computes what must change for live state to match the manifest.
pub fn plan(desired: &Desired, live: &Live, options: &PlanOptions) -> Plan {
    let mut planning = Planning::new(desired, live, options);
    planning.notes.extend(access::scope_notes(desired, live));
    structure::project(&mut planning);
    structure::environments(&mut planning);
    previews::previews(&mut planning);
    let whole_project = options.only_environment.is_none();
    if whole_project {
        branches::previews(&mut planning, options);
    }
    structure::services(&mut planning);
    buckets::create(&mut planning);
    for env in planning.in_scope.clone() {
        environment_with_staged_changes_rule(&mut planning, &env);
    }
    previews::overrides(&mut planning, whole_project);
    structure::stray_instances(&mut planning);
    structure::pruned_services(&mut planning);
    buckets::leftovers(&mut planning);
    unmanaged::notes(&mut planning);
    let Planning {
        mut notes,
        findings,
        actions,
        held,
        inventory_writes,
        ignored,
        in_scope,
        project,
        ..
    } = planning;
    findings.into_notes(&mut notes);
    Plan {
        project: desired.project.name.clone(),
        project_id: project.map(|p| p.id.clone()),
        environments: in_scope,
        actions,
        notes,
        held,
        ignored,
        inventory_writes,
        skip_deploys: desired.policy.deploy == DeployPolicy::Never,
    }
}

/// R45, R17: the database whose unfinished template deploy (its service live, its create planned
/// again to finish it) is staged in `env`: those staged changes are presumed the operator's own.
fn unfinished_database_in(planning: &Planning<'_>, env: &str) -> Option<String> {
    planning.actions.iter().find_map(|action| match action {
        Action::CreateService {
            name,
            database: Some(database),
        } if database.environment == env && planning.live_service(name).is_some() => {
            Some(name.clone())
        }
        _ => None,
    })
}

/// Plans one environment; where someone has staged changes (R17) and the policy is `hold`, its
/// actions are held back and reported instead. With `commit` they go ahead, and the note says
/// the staged changes will be committed with them.
fn environment_with_staged_changes_rule(planning: &mut Planning<'_>, env: &str) {
    let staged = planning
        .live_environment(env)
        .filter(|_| !planning.new_environments.contains(env))
        .map_or(0, |e| e.unmerged_changes);
    let actions_before = planning.actions.len();
    let writes_before = planning.inventory_writes.len();
    environment::plan_environment(planning, env);
    if staged == 0 || planning.actions.len() == actions_before {
        return;
    }
    let holding = planning.desired.policy.staged_changes == StagedChangesPolicy::Hold;
    if let Some(database) = unfinished_database_in(planning, env).filter(|_| holding) {
        planning.notes.push(format!(
            "environment {env} has {staged} staged change(s): the template deploy of database {database}, which an earlier apply stopped before committing (R17); apply checks that nothing else is staged there, finishes the database and applies the environment's changes, and stops before committing anything if someone else's edits are staged there too"
        ));
        return;
    }
    match planning.desired.policy.staged_changes {
        StagedChangesPolicy::Hold => {
            let held: Vec<Action> = planning.actions.drain(actions_before..).collect();
            planning.inventory_writes.truncate(writes_before);
            planning.held.push(HeldEnvironment {
                environment: env.to_string(),
                staged_changes: staged,
                held_actions: held.iter().map(Action::address).collect(),
            });
            planning.notes.push(format!(
                "environment {env} has {staged} staged change(s) nobody has committed (R17): its {} change(s) are held and nothing is written there; commit or discard the staged changes in Railway, or set spec.policy.stagedChanges: commit",
                held.len()
            ));
        }
        StagedChangesPolicy::Commit => planning.notes.push(format!(
            "environment {env} has {staged} staged change(s) nobody has committed (R17): apply stages its changes on top and commits them all together (spec.policy.stagedChanges: commit)"
        )),
    }
}
