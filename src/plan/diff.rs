//! The pure planner: `plan(&Desired, &Live, &PlanOptions) -> Plan`. No I/O, no clock, no
//! randomness: the same inputs always give the same plan, in dependency order.

use std::collections::{BTreeMap, BTreeSet};

use super::action::{Action, InventoryWrite, Plan};
use super::domains::{DomainDiff, DomainKind, diff_domains};
use super::settings::diff_settings;
use super::variables::{VariableDiff, diff_variables, record_scope, shared_references};
use super::volumes::{VolumeDiff, diff_volume};
use crate::inventory::{Inventory, InventoryState, SHARED};
use crate::manifest::desired::{DeployPolicy, Desired, ServiceKind};
use crate::railway::live::{Live, LiveEnvironment, LiveInstance, LiveProject};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Plan only this manifest environment (`--env`); project- and service-level creates still apply.
    pub only_environment: Option<String>,
}

/// Computes what must change for live state to match the manifest.
pub fn plan(desired: &Desired, live: &Live, options: &PlanOptions) -> Plan {
    let project = live.project.as_ref();
    let in_scope: Vec<String> = desired
        .environments
        .iter()
        .filter(|env| {
            options
                .only_environment
                .as_ref()
                .is_none_or(|only| only == *env)
        })
        .cloned()
        .collect();
    let mut actions = Vec::new();
    let mut notes = Vec::new();

    let default_environment = desired
        .environments
        .first()
        .cloned()
        .unwrap_or_else(|| "production".into());
    if project.is_none() {
        actions.push(Action::CreateProject {
            name: desired.project.name.clone(),
            workspace_id: desired.project.workspace_id.clone(),
            default_environment: default_environment.clone(),
        });
    }

    // Environments: a new one clones an existing one when the project already has services, so
    // that those services get an instance in it (Railway cannot add one to an empty environment
    // through the public mutations the operator uses).
    let clone_source = project.and_then(|p| {
        if p.services.is_empty() {
            return None;
        }
        desired
            .environments
            .iter()
            .find_map(|name| p.environments.iter().find(|e| &e.name == name))
            .or_else(|| p.environments.first())
            .map(|e| e.name.clone())
    });
    let mut new_environments = BTreeSet::new();
    for env in &in_scope {
        let exists = match project {
            Some(p) => p.environments.iter().any(|e| &e.name == env),
            None => *env == default_environment,
        };
        if !exists {
            new_environments.insert(env.clone());
            actions.push(Action::CreateEnvironment {
                name: env.clone(),
                clone_from: clone_source.clone(),
            });
        }
    }

    // New services and the source they are created with (which serviceCreate also deploys).
    let mut new_services = BTreeMap::new();
    for service in &desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        if project.is_some_and(|p| p.services.iter().any(|s| s.name == service.name)) {
            continue;
        }
        let first_source = in_scope
            .iter()
            .chain(desired.environments.iter())
            .find_map(|env| environments.get(env).and_then(|s| s.source.clone()));
        new_services.insert(service.name.clone(), first_source.clone());
        actions.push(Action::CreateService {
            name: service.name.clone(),
            source: first_source,
        });
    }

    let empty_desired = BTreeMap::new();
    let empty_live = BTreeMap::new();
    let mut findings = Findings::default();
    let mut inventory_writes = Vec::new();
    let prune_services = desired.policy.prune && options.only_environment.is_none();

    for env in &in_scope {
        // The live environment this one is, or starts as: a new environment is a copy (or empty).
        let live_env_name = if new_environments.contains(env) {
            clone_source.as_deref()
        } else {
            Some(env.as_str())
        };
        let live_env = project.and_then(|p| {
            live_env_name.and_then(|name| p.environments.iter().find(|e| e.name == name))
        });
        let owned = live_env.and_then(|e| e.inventory.owned());
        let mut next = Inventory::default();
        // Names and ids Railway chooses (generated domains, new volumes) are known only after
        // apply, which adds them to this environment's inventory write: make sure there is one.
        let mut records_created = false;

        let desired_shared = desired.shared_variables.get(env).unwrap_or(&empty_desired);
        let live_shared = live_env.map_or(&empty_live, |e| &e.shared_variables);
        let shared = diff_variables(
            desired_shared,
            live_shared,
            SHARED,
            owned,
            desired.policy.prune,
        );
        findings.record(&format!("shared[{env}]"), &shared);
        record_scope(
            &mut next,
            SHARED,
            desired_shared,
            &shared.pending_prune,
            owned,
        );
        let changed_shared: BTreeSet<&str> =
            shared.changes.iter().map(|c| c.name.as_str()).collect();
        if !shared.changes.is_empty() {
            actions.push(Action::ConfigureSharedVariables {
                environment: env.clone(),
                variables: shared.changes.clone(),
                desired: desired_shared.clone(),
            });
        }

        let mut deploys = Vec::new();
        for service in &desired.services {
            let ServiceKind::Managed { environments } = &service.kind else {
                continue;
            };
            let Some(settings) = environments.get(env) else {
                continue;
            };
            next.services.insert(service.name.clone());
            let created_with = new_services.get(&service.name);
            let new_service = created_with.is_some();
            let live_instance = if new_service {
                None
            } else {
                match project
                    .zip(live_env)
                    .and_then(|(p, e)| instance_in(p, e, &service.name))
                {
                    Some(instance) => Some(instance),
                    None => {
                        notes.push(format!(
                            "service {} has no instance in environment {env}; add it in Railway (the operator does not create instances in existing environments yet)",
                            service.name
                        ));
                        continue;
                    }
                }
            };
            let mut changes = diff_settings(settings, live_instance);
            if let Some(Some(created_source)) = created_with
                && settings.source.as_ref() == Some(created_source)
            {
                // Every instance starts from the service's create source: not a change of its own.
                changes.retain(|c| c.field != "source");
            }
            let live_variables = live_instance.map_or(&empty_live, |i| &i.variables);
            let variables = diff_variables(
                &settings.variables,
                live_variables,
                &service.name,
                owned,
                desired.policy.prune,
            );
            findings.record(&format!("{}[{env}]", service.name), &variables);
            let domains = diff_domains(
                &settings.domains,
                &settings.tcp_proxies,
                live_instance,
                &service.name,
                owned,
                desired.policy.prune,
            );
            findings.record_domains(&format!("{}[{env}]", service.name), &domains);
            if !domains.owned_names.is_empty() {
                next.domains.insert(
                    service.name.clone(),
                    domains.owned_names.iter().cloned().collect(),
                );
            }
            if !domains.owned_ports.is_empty() {
                next.tcp_proxies.insert(
                    service.name.clone(),
                    domains.owned_ports.iter().copied().collect(),
                );
            }
            // Domains alone need no redeploy; a TCP proxy does (it is active only after one).
            let tcp_changed = domains
                .changes
                .iter()
                .any(|c| c.kind == DomainKind::TcpProxy);
            record_scope(
                &mut next,
                &service.name,
                &settings.variables,
                &variables.pending_prune,
                owned,
            );
            let after_shared: Vec<String> = settings
                .variables
                .values()
                .flat_map(shared_references)
                .filter(|name| changed_shared.contains(name.as_str()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let live_volume = live_instance
                .zip(live_env)
                .and_then(|(instance, env)| env.volume_of(&instance.service_id));
            let volume = diff_volume(
                settings.volume.as_ref(),
                live_volume,
                &service.name,
                owned,
                desired.policy.prune,
            );
            findings.record_volume(&format!("{}[{env}]", service.name), &volume);
            records_created |= volume.create
                || domains
                    .changes
                    .iter()
                    .any(|c| c.kind == DomainKind::Railway && c.name.is_empty());
            if let Some(id) = &volume.owned
                && !new_environments.contains(env)
            {
                next.volumes.insert(service.name.clone(), id.clone());
            }
            let redeploy = !changes.is_empty()
                || !variables.changes.is_empty()
                || tcp_changed
                || volume.needs_deploy();
            let configure =
                !changes.is_empty() || !variables.changes.is_empty() || !domains.changes.is_empty();
            if configure {
                actions.push(Action::ConfigureInstance {
                    service: service.name.clone(),
                    environment: env.clone(),
                    new_service,
                    changes,
                    variables: variables.changes,
                    domains: domains.changes,
                    desired: Box::new(settings.clone()),
                });
            }
            if let Some(want) = settings
                .volume
                .as_ref()
                .filter(|_| volume.create || !volume.changes.is_empty())
            {
                actions.push(Action::ConfigureVolume {
                    service: service.name.clone(),
                    environment: env.clone(),
                    create: volume.create,
                    changes: volume.changes.clone(),
                    desired: Box::new(want.clone()),
                });
            }
            if let Some((id, name)) = &volume.delete {
                actions.push(Action::DeleteVolume {
                    service: service.name.clone(),
                    environment: env.clone(),
                    name: name.clone(),
                    id: id.clone(),
                });
            }
            if desired.policy.deploy == DeployPolicy::OnChange
                && (redeploy || !after_shared.is_empty())
            {
                deploys.push(Action::DeployInstance {
                    service: service.name.clone(),
                    environment: env.clone(),
                    after_shared,
                });
            }
        }
        actions.extend(deploys);

        // Owned services that left the manifest stay owned, with their variables, until pruned.
        if let Some(owned) = owned {
            for name in &owned.services {
                let in_manifest = desired.services.iter().any(|s| &s.name == name);
                let on_railway =
                    project.is_some_and(|p| p.services.iter().any(|s| &s.name == name));
                if in_manifest || !on_railway || prune_services {
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
        if let Some(live_env) = live_env.filter(|_| !new_environments.contains(env)) {
            match &live_env.inventory {
                InventoryState::Corrupt { reason } => notes.push(format!(
                    "the ownership inventory of {env} is unreadable ({reason}): nothing is pruned there; apply rewrites it"
                )),
                InventoryState::Absent if !live_env.instances.is_empty() => notes.push(format!(
                    "{env} has no ownership inventory yet: nothing is pruned there until apply records one"
                )),
                _ => {}
            }
        }
        if owned != Some(&next) || records_created {
            inventory_writes.push(InventoryWrite {
                environment: env.clone(),
                inventory: next,
            });
        }
    }

    if let Some(p) = project {
        let owned_anywhere: BTreeSet<&str> = p
            .environments
            .iter()
            .filter_map(|e| e.inventory.owned())
            .flat_map(|inventory| inventory.services.iter().map(String::as_str))
            .collect();
        for service in &p.services {
            if desired.services.iter().any(|d| d.name == service.name)
                || !owned_anywhere.contains(service.name.as_str())
            {
                continue;
            }
            if prune_services {
                actions.push(Action::DeleteService {
                    name: service.name.clone(),
                    id: service.id.clone(),
                });
            } else {
                findings
                    .pending_prune
                    .push(format!("service {}", service.name));
            }
        }
        if p.name != desired.project.name {
            notes.push(format!(
                "the project pinned by metadata.id is named {:?} on Railway, not {:?}; the operator does not rename projects",
                p.name, desired.project.name
            ));
        }
        note_unmanaged(desired, p, &owned_anywhere, &mut notes);
    }
    findings.into_notes(&mut notes);

    Plan {
        project: desired.project.name.clone(),
        project_id: project.map(|p| p.id.clone()),
        environments: in_scope,
        actions,
        notes,
        inventory_writes,
    }
}

/// Variable observations gathered across scopes, turned into notes at the end.
#[derive(Default)]
struct Findings {
    sealed: Vec<String>,
    unmanaged: Vec<String>,
    unmanaged_domains: Vec<String>,
    unmanaged_volumes: Vec<String>,
    pending_prune: Vec<String>,
    pending_dns: Vec<String>,
}

impl Findings {
    fn record(&mut self, scope: &str, diff: &VariableDiff) {
        if !diff.sealed.is_empty() {
            self.sealed
                .push(format!("{scope}: {}", diff.sealed.join(", ")));
        }
        if !diff.unmanaged.is_empty() {
            self.unmanaged
                .push(format!("{scope}: {}", diff.unmanaged.join(", ")));
        }
        self.pending_prune.extend(
            diff.pending_prune
                .iter()
                .map(|name| format!("variable {scope}.{name}")),
        );
    }

    fn record_domains(&mut self, scope: &str, diff: &DomainDiff) {
        if !diff.unmanaged.is_empty() {
            self.unmanaged_domains
                .push(format!("{scope}: {}", diff.unmanaged.join(", ")));
        }
        self.pending_prune.extend(
            diff.pending_prune
                .iter()
                .map(|name| format!("{scope} {name}")),
        );
        self.pending_dns.extend(
            diff.pending_dns
                .iter()
                .map(|line| format!("{scope} {line}")),
        );
    }

    fn record_volume(&mut self, scope: &str, diff: &VolumeDiff) {
        if let Some(name) = &diff.unmanaged {
            self.unmanaged_volumes.push(format!("{scope}: {name}"));
        }
        if let Some(name) = &diff.pending_prune {
            self.pending_prune
                .push(format!("volume {scope} {name} (its data would be lost)"));
        }
    }

    fn into_notes(self, notes: &mut Vec<String>) {
        if !self.pending_dns.is_empty() {
            notes.push(format!(
                "pending DNS work:\n  - {}",
                self.pending_dns.join("\n  - ")
            ));
        }
        if !self.unmanaged_domains.is_empty() {
            notes.push(format!(
                "domains set outside the manifest are left alone: {}",
                self.unmanaged_domains.join("; ")
            ));
        }
        if !self.unmanaged_volumes.is_empty() {
            notes.push(format!(
                "volumes the manifest does not declare are left alone: {}",
                self.unmanaged_volumes.join("; ")
            ));
        }
        if !self.sealed.is_empty() {
            notes.push(format!(
                "sealed variables cannot be read back and are compared by presence only: {}",
                self.sealed.join("; ")
            ));
        }
        if !self.unmanaged.is_empty() {
            notes.push(format!(
                "variables set outside the manifest are left alone: {}",
                self.unmanaged.join("; ")
            ));
        }
        if !self.pending_prune.is_empty() {
            notes.push(format!(
                "would be pruned (prune disabled, or --env given for a service): {}",
                self.pending_prune.join(", ")
            ));
        }
    }
}

fn instance_in<'a>(
    project: &LiveProject,
    environment: &'a LiveEnvironment,
    service: &str,
) -> Option<&'a LiveInstance> {
    let service_id = &project.services.iter().find(|s| s.name == service)?.id;
    environment.instances.get(service_id)
}

fn note_unmanaged(
    desired: &Desired,
    project: &LiveProject,
    owned: &BTreeSet<&str>,
    notes: &mut Vec<String>,
) {
    let unmanaged: Vec<&str> = project
        .services
        .iter()
        .filter(|s| {
            !desired.services.iter().any(|d| d.name == s.name) && !owned.contains(s.name.as_str())
        })
        .map(|s| s.name.as_str())
        .collect();
    if !unmanaged.is_empty() {
        notes.push(format!(
            "{} service(s) on Railway are not in the manifest and are left alone: {}",
            unmanaged.len(),
            unmanaged.join(", ")
        ));
    }
    for service in &desired.services {
        let on_railway = project.services.iter().any(|s| s.name == service.name);
        match &service.kind {
            ServiceKind::Planned { .. } if on_railway => notes.push(format!(
                "service {} is planned (enabled: false) but exists on Railway; it is not reconciled",
                service.name
            )),
            ServiceKind::External { .. } if on_railway => notes.push(format!(
                "service {} is declared external but a Railway service has its name; it is not reconciled",
                service.name
            )),
            _ => {}
        }
    }
}
