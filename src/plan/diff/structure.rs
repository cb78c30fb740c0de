//! The project's structure: the project itself, its environments and services, instances a
//! service create put where the manifest does not want them, and services pruned as a whole.

use super::Planning;
use crate::manifest::desired::ServiceKind;
use crate::plan::action::Action;
use crate::railway::live::{HomeReason, ProjectHome};

/// The manifest's first environment: the one a new project is created with.
pub(super) fn default_environment(planning: &Planning<'_>) -> String {
    planning
        .desired
        .environments
        .first()
        .cloned()
        .unwrap_or_else(|| "production".into())
}

pub(super) fn project(planning: &mut Planning<'_>) {
    if planning.project.is_none() {
        let named = planning
            .desired
            .project
            .workspace_id
            .clone()
            .map(|workspace_id| ProjectHome {
                workspace_id,
                workspace_name: None,
                reason: HomeReason::Named,
            });
        planning.actions.push(Action::CreateProject {
            name: planning.desired.project.name.clone(),
            home: planning.new_project_home.cloned().or(named),
            default_environment: default_environment(planning),
        });
    }
}

/// R2, R5: a new environment is created empty, never as a copy of another; its patch then adds
/// exactly the manifest's instances, settings and variables.
pub(super) fn environments(planning: &mut Planning<'_>) {
    let default = default_environment(planning);
    for env in planning.in_scope.clone() {
        let exists = match planning.project {
            Some(project) => project.environments.iter().any(|e| e.name == env),
            None => env == default,
        };
        if !exists {
            planning.new_environments.insert(env.clone());
            planning
                .actions
                .push(Action::CreateEnvironment { name: env.clone() });
        }
    }
}

/// R6: new services are created without a source, so nothing deploys before the environment
/// patches have set their settings and variables.
pub(super) fn services(planning: &mut Planning<'_>) {
    for service in &planning.desired.services {
        if !matches!(service.kind, ServiceKind::Managed { .. }) {
            continue;
        }
        let exists = planning
            .project
            .is_some_and(|p| p.services.iter().any(|s| s.name == service.name));
        if !exists {
            planning.new_services.insert(service.name.clone());
            planning.actions.push(Action::CreateService {
                name: service.name.clone(),
            });
        }
    }
}

/// R6: a service created without a fork's id gets an instance in every non-fork environment.
/// Where the manifest does not declare the environment, that instance is removed again (R9):
/// the one this plan's create will make, and any left by an earlier create (an instance of a
/// managed service with no source that never deployed). Anything else there is someone's.
pub(super) fn stray_instances(planning: &mut Planning<'_>) {
    let Some(project) = planning.project else {
        return;
    };
    let managed = planning
        .desired
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Managed { .. }));
    for service in managed {
        let live_id = project
            .services
            .iter()
            .find(|s| s.name == service.name)
            .map(|s| s.id.as_str());
        for environment in &project.environments {
            if planning.desired.environments.contains(&environment.name) {
                continue;
            }
            let stray = match live_id {
                None => !environment.is_fork,
                Some(id) => environment
                    .instances
                    .get(id)
                    .is_some_and(|i| i.source.is_none() && i.latest_deployment.is_none()),
            };
            // R17: committing there would publish someone's staged changes; report instead.
            if stray && environment.unmerged_changes > 0 {
                planning.notes.push(format!(
                    "service {} has an empty instance in {}, which the manifest does not declare; it is left there because {} has staged changes nobody has committed",
                    service.name, environment.name, environment.name
                ));
            } else if stray {
                planning.actions.push(Action::RemoveInstance {
                    service: service.name.clone(),
                    environment: environment.name.clone(),
                });
            }
        }
    }
}

/// Owned services that left the manifest: deleted whole with `prune`, else reported.
pub(super) fn pruned_services(planning: &mut Planning<'_>) {
    let Some(project) = planning.project else {
        return;
    };
    let owned_anywhere = super::unmanaged::owned_services(project);
    for service in &project.services {
        let in_manifest = planning
            .desired
            .services
            .iter()
            .any(|d| d.name == service.name);
        if in_manifest || !owned_anywhere.contains(service.name.as_str()) {
            continue;
        }
        if planning.prune_services {
            planning.actions.push(Action::DeleteService {
                name: service.name.clone(),
                id: service.id.clone(),
            });
        } else {
            planning
                .findings
                .pending_prune
                .push(format!("service {}", service.name));
        }
    }
}
