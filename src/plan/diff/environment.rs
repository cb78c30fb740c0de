//! One environment's contents: its shared variables, each declared service's instance (through
//! `instance`), the deploys that follow, and the ownership inventory it should hold afterwards.

use std::collections::{BTreeMap, BTreeSet};

use super::Planning;
use super::instance::{EnvironmentContext, plan_instance};
use crate::inventory::{Inventory, InventoryState, SHARED};
use crate::manifest::desired::ServiceKind;
use crate::plan::action::{Action, InventoryWrite};
use crate::plan::variables::{diff_variables, record_scope};
use crate::railway::live::LiveEnvironment;

pub(super) fn plan_environment(planning: &mut Planning<'_>, env: &str) {
    // A new environment starts empty (R2, R5): nothing live to compare with, nothing owned.
    let live_env = match planning.new_environments.contains(env) {
        true => None,
        false => planning.live_environment(env),
    };
    let owned = live_env.and_then(|e| e.inventory.owned());
    let mut next = Inventory::default();
    // R26: the backup runner's record of running backups is not the plan's to change.
    if let Some(owned) = owned {
        next.running_backups.clone_from(&owned.running_backups);
    }
    let changed_shared = shared_variables(planning, env, live_env, owned, &mut next);
    let context = EnvironmentContext {
        env,
        live_env,
        owned,
        changed_shared: &changed_shared,
    };
    let mut deploys = Vec::new();
    // Names and ids Railway chooses (generated domains, new volumes) are known only after
    // apply, which adds them to this environment's inventory write: make sure there is one.
    let mut records_created = false;
    for service in &planning.desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        let Some(settings) = environments.get(env) else {
            continue;
        };
        next.services.insert(service.name.clone());
        let planned = plan_instance(planning, &context, &service.name, settings, &mut next);
        records_created |= planned.records_created;
        deploys.extend(planned.deploy);
    }
    planning.actions.extend(deploys);
    super::buckets::environment(planning, env, live_env, owned, &mut next);
    carry_over_owned_services(planning, owned, &mut next);
    inventory_notes(planning, env, live_env);
    if owned != Some(&next) || records_created {
        planning.inventory_writes.push(InventoryWrite {
            environment: env.to_string(),
            inventory: next,
        });
    }
}

/// The environment's shared variables; returns the names that change.
fn shared_variables(
    planning: &mut Planning<'_>,
    env: &str,
    live_env: Option<&LiveEnvironment>,
    owned: Option<&Inventory>,
    next: &mut Inventory,
) -> BTreeSet<String> {
    let empty_desired = BTreeMap::new();
    let empty_live = BTreeMap::new();
    let desired = planning
        .desired
        .shared_variables
        .get(env)
        .unwrap_or(&empty_desired);
    let live = live_env.map_or(&empty_live, |e| &e.shared_variables);
    let shared = diff_variables(desired, live, SHARED, owned, planning.desired.policy.prune);
    planning.findings.record(&format!("shared[{env}]"), &shared);
    record_scope(next, SHARED, desired, &shared.pending_prune, owned);
    let changed = shared.changes.iter().map(|c| c.name.clone()).collect();
    if !shared.changes.is_empty() {
        planning.actions.push(Action::ConfigureSharedVariables {
            environment: env.to_string(),
            variables: shared.changes,
            desired: desired.clone(),
        });
    }
    changed
}

/// Owned services that left the manifest stay owned, with their variables, until pruned.
fn carry_over_owned_services(
    planning: &Planning<'_>,
    owned: Option<&Inventory>,
    next: &mut Inventory,
) {
    let Some(owned) = owned else {
        return;
    };
    for name in &owned.services {
        let in_manifest = planning.desired_services.contains(name.as_str());
        let on_railway = planning.live_service(name).is_some();
        if in_manifest || !on_railway || planning.prune_services {
            continue;
        }
        next.services.insert(name.clone());
        if let Some(names) = owned.variables.get(name) {
            next.variables.insert(name.clone(), names.clone());
        }
        if let Some(names) = owned.sensitive.get(name) {
            next.sensitive.insert(name.clone(), names.clone());
        }
        if let Some(names) = owned.domains.get(name) {
            next.domains.insert(name.clone(), names.clone());
        }
        if let Some(ports) = owned.tcp_proxies.get(name) {
            next.tcp_proxies.insert(name.clone(), ports.clone());
        }
        if let Some(volume) = owned.volumes.get(name) {
            next.volumes.insert(name.clone(), volume.clone());
        }
    }
}

fn inventory_notes(planning: &mut Planning<'_>, env: &str, live_env: Option<&LiveEnvironment>) {
    let Some(live_env) = live_env else {
        return;
    };
    match &live_env.inventory {
        InventoryState::Corrupt { reason } => planning.notes.push(format!(
            "the ownership inventory of {env} is unreadable ({reason}): nothing is pruned there; apply rewrites it"
        )),
        InventoryState::Absent if !live_env.instances.is_empty() => planning.notes.push(format!(
            "{env} has no ownership inventory yet: nothing is pruned there until apply records one"
        )),
        _ => {}
    }
}
