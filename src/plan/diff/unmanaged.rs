//! What the manifest leaves out: services and environments on Railway that it does not name,
//! declared services it does not reconcile, and a pinned project with another name. Notes only:
//! nothing here becomes an action.

use std::collections::BTreeSet;

use super::Planning;
use crate::manifest::desired::ServiceKind;
use crate::railway::live::LiveProject;

/// Services some environment's inventory records as the operator's.
pub(super) fn owned_services(project: &LiveProject) -> BTreeSet<&str> {
    project
        .environments
        .iter()
        .filter_map(|e| e.inventory.owned())
        .flat_map(|inventory| inventory.services.iter().map(String::as_str))
        .collect()
}

pub(super) fn notes(planning: &mut Planning<'_>) {
    let Some(project) = planning.project else {
        return;
    };
    let desired = planning.desired;
    if project.name != desired.project.name {
        planning.notes.push(format!(
            "the project pinned by metadata.id is named {:?} on Railway, not {:?}; the operator does not rename projects",
            project.name, desired.project.name
        ));
    }
    let owned = owned_services(project);
    let unmanaged: Vec<&str> = project
        .services
        .iter()
        .filter(|s| {
            !planning.desired_services.contains(s.name.as_str()) && !owned.contains(s.name.as_str())
        })
        .map(|s| s.name.as_str())
        .collect();
    if !unmanaged.is_empty() {
        planning.notes.push(format!(
            "{} service(s) on Railway are not in the manifest and are left alone: {}",
            unmanaged.len(),
            unmanaged.join(", ")
        ));
    }
    for service in &desired.services {
        let on_railway = planning.live_service(&service.name).is_some();
        match &service.kind {
            ServiceKind::Planned { .. } if on_railway => planning.notes.push(format!(
                "service {} is planned (enabled: false) but exists on Railway; it is not reconciled",
                service.name
            )),
            ServiceKind::External { .. } if on_railway => planning.notes.push(format!(
                "service {} is declared external but a Railway service has its name; it is not reconciled",
                service.name
            )),
            _ => {}
        }
    }
    environments(planning, project);
}

/// Live environments the manifest does not declare, each with the services it has instances of.
fn environments(planning: &mut Planning<'_>, project: &LiveProject) {
    let lines: Vec<String> = project
        .environments
        .iter()
        .filter(|e| !planning.desired.environments.contains(&e.name))
        .map(|environment| {
            let services: Vec<&str> = project
                .services
                .iter()
                .filter(|s| environment.instances.contains_key(&s.id))
                .map(|s| s.name.as_str())
                .collect();
            let fork = if environment.is_fork { ", a fork" } else { "" };
            match services.is_empty() {
                true => format!("{} (empty{fork})", environment.name),
                false => format!("{} ({}{fork})", environment.name, services.join(", ")),
            }
        })
        .collect();
    if !lines.is_empty() {
        planning.notes.push(format!(
            "{} environment(s) on Railway are not in the manifest and are left alone: {}",
            lines.len(),
            lines.join("; ")
        ));
    }
}
