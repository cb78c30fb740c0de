//! The project's structure: the project itself, its environments and services, instances a
//! service create put where the manifest does not want them, and services pruned as a whole.

use super::{OWN_SERVICE_ENV, Planning};
use crate::manifest::desired::{
    DesiredDatabase, DesiredService, InstanceSettings, ServiceKind, StagedChangesPolicy,
};
use crate::plan::action::{Action, DatabaseCreate};
use crate::plan::databases;
use crate::railway::live::{HomeReason, LiveProject, LiveService, ProjectHome};

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
            // R50: a PR environment of that name is not the declared one.
            Some(project) => project.persistent_environment_named(&env).is_some(),
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
/// patches have set their settings and variables; databases come from Railway's template (R45),
/// and a declared database facing a live service of its name adopts it (R48).
pub(super) fn services(planning: &mut Planning<'_>) {
    for service in &planning.desired.services {
        if !matches!(service.kind, ServiceKind::Managed { .. }) {
            continue;
        }
        let live = planning.live_service(&service.name);
        if let (Some(live), Some(database)) = (live, &service.database) {
            planning
                .notes
                .extend(databases::adoption_note(&service.name, database, live));
        }
        if live.is_none() || unfinished_database(planning, service) {
            planning.new_services.insert(service.name.clone());
            let database = service
                .database
                .as_ref()
                .map(|db| database_create(planning, &service.kind, db));
            planning.actions.push(Action::CreateService {
                name: service.name.clone(),
                database,
            });
        }
    }
}

/// R45, R47: a database an earlier apply deployed from its template but stopped before
/// committing (its service exists, staged only, with no instance yet where it was deployed):
/// created again, which finds the service by name and finishes it, never deploying twice.
fn unfinished_database(planning: &Planning<'_>, service: &DesiredService) -> bool {
    let Some(live) = planning.live_service(&service.name) else {
        return false;
    };
    let Some(environment) = planning.in_scope.first() else {
        return false;
    };
    service.database.is_some()
        && live.template_service_id.is_some()
        && planning
            .live_environment(environment)
            .is_some_and(|e| e.unmerged_changes > 0 && !e.instances.contains_key(&live.id))
}

/// R45, R47: where and how a new database is made: from Railway's template in the first
/// environment the plan covers, its instance there set to the manifest's settings before the
/// commit that first starts it.
fn database_create(
    planning: &Planning<'_>,
    kind: &ServiceKind,
    database: &DesiredDatabase,
) -> DatabaseCreate {
    let environment = planning
        .in_scope
        .first()
        .cloned()
        .unwrap_or_else(|| default_environment(planning));
    let desired = match kind {
        ServiceKind::Managed { environments } => {
            environments.get(&environment).cloned().unwrap_or_default()
        }
        _ => InstanceSettings::default(),
    };
    DatabaseCreate {
        engine: database.engine,
        version: database.version,
        environment,
        desired: Box::new(desired),
        commit_staged: planning.desired.policy.staged_changes == StagedChangesPolicy::Commit,
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
        let live_id = planning.live_service(&service.name).map(|s| s.id.as_str());
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
        // A running operator that deleted its own service would stop, mid-apply, with nothing
        // left to put it back: that delete is never planned, prune or not. With prune the
        // inventory drops it as it drops a deleted service, so later plans leave it alone.
        if planning.own_service_id == Some(service.id.as_str()) {
            let later = match planning.prune_services {
                true => "; it leaves the operator's inventory, so nothing prunes it later",
                false => "",
            };
            planning.notes.push(format!(
                "service {} left the manifest but is not deleted: it is the service this operator runs as ({OWN_SERVICE_ENV} is its id){later}",
                service.name
            ));
            continue;
        }
        if planning.prune_services {
            planning
                .notes
                .extend(surviving_volumes(project, &service.id, &service.name));
            planning.actions.push(Action::DeleteService {
                name: service.name.clone(),
                id: service.id.clone(),
            });
            pruned_from_previews(planning, project, service);
        } else {
            planning
                .findings
                .pending_prune
                .push(format!("service {}", service.name));
        }
    }
}

/// R50: deleting a service deletes it from every environment, so the PR environments Railway
/// copied it into lose it too: the plan says which.
fn pruned_from_previews(planning: &mut Planning<'_>, project: &LiveProject, service: &LiveService) {
    let previews: Vec<&str> = project
        .previews
        .iter()
        .filter(|p| p.environment.instances.contains_key(&service.id))
        .map(|p| p.environment.name.as_str())
        .collect();
    if !previews.is_empty() {
        planning.notes.push(format!(
            "pruning service {} also removes it from PR environment(s) {} (R50: Railway copied it there; a pull request opened later no longer gets it)",
            service.name,
            previews.join(", ")
        ));
    }
}

/// R48: deleting a service never deletes its volumes; the plan says so, by name.
fn surviving_volumes(project: &LiveProject, service_id: &str, service: &str) -> Option<String> {
    let mut names: Vec<&str> = project
        .environments
        .iter()
        .filter_map(|e| e.volume_of(service_id))
        .map(|v| v.volume_name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    (!names.is_empty()).then(|| {
        format!(
            "deleting service {service} does not delete its volume {}: the data survives, detached, until someone deletes the volume in Railway",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::PlanOptions;
    use crate::inventory::{Inventory, InventoryState};
    use crate::manifest::{Desired, load_str};
    use crate::plan::{Action, Plan, plan};
    use crate::railway::live::{
        Live, LiveEnvironment, LiveInstance, LivePreview, LiveProject, LiveService,
    };

    /// `api` stays; `operator` and `worker`, applied earlier, have left the manifest.
    fn desired(prune: bool) -> Desired {
        let text = format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: ops }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}} }}\n  services:\n    api: {{ source: {{ image: \"nginx:1\" }} }}\n"
        );
        load_str(&text, Path::new("ops.yml"), &|_| None).expect("the manifest loads")
    }

    fn live() -> Live {
        let names = ["api", "operator", "worker"];
        let inventory = Inventory {
            services: names.iter().map(|n| n.to_string()).collect(),
            ..Inventory::default()
        };
        let mut production = LiveEnvironment::empty("env-production", "production");
        production.inventory = InventoryState::Present { inventory };
        Live {
            project: Some(LiveProject {
                id: "p1".into(),
                name: "ops".into(),
                workspace_id: None,
                environments: vec![production],
                services: names
                    .iter()
                    .map(|n| LiveService {
                        id: format!("svc-{n}"),
                        name: n.to_string(),
                        template_service_id: None,
                    })
                    .collect(),
                restricted_environments: Vec::new(),
                buckets: Vec::new(),
                pr_settings: Default::default(),
                previews: Vec::new(),
                token_environment: None,
            }),
            new_project_home: None,
        }
    }

    fn running_as(service_id: &str) -> PlanOptions {
        PlanOptions {
            own_service_id: Some(service_id.into()),
            ..PlanOptions::default()
        }
    }

    fn deleted(plan: &Plan) -> Vec<&str> {
        plan.actions
            .iter()
            .filter_map(|a| match a {
                Action::DeleteService { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_pruned_service_the_operator_runs_as_is_skipped_with_a_note_and_others_are_still_deleted() {
        let planned = plan(&desired(true), &live(), &running_as("svc-operator"));
        assert_eq!(deleted(&planned), ["worker"]);
        assert!(
            planned.notes.iter().any(|n| n.contains(
                "service operator left the manifest but is not deleted: it is the service this operator runs as (RAILWAY_SERVICE_ID"
            )),
            "{:?}",
            planned.notes
        );
    }

    #[test]
    fn without_a_service_of_its_own_the_operator_prunes_every_owned_service_that_left() {
        let planned = plan(&desired(true), &live(), &PlanOptions::default());
        assert_eq!(deleted(&planned), ["operator", "worker"]);
        assert!(!planned.notes.iter().any(|n| n.contains("runs as")));
    }

    #[test]
    fn with_prune_off_the_own_service_is_not_listed_as_one_that_would_be_pruned() {
        let planned = plan(&desired(false), &live(), &running_as("svc-operator"));
        assert!(deleted(&planned).is_empty());
        let pending = planned
            .notes
            .iter()
            .find(|n| n.starts_with("would be pruned"))
            .expect("worker would be pruned");
        assert!(pending.contains("service worker"), "{pending}");
        assert!(!pending.contains("service operator"), "{pending}");
    }

    #[test]
    fn the_own_service_is_read_from_railway_service_id_and_an_empty_value_names_none() {
        let lookup = |value: &'static str| {
            move |name: &str| (name == "RAILWAY_SERVICE_ID").then(|| value.to_string())
        };
        let options = PlanOptions::from_lookup(&lookup("svc-operator"));
        assert_eq!(options.own_service_id.as_deref(), Some("svc-operator"));
        assert_eq!(options.only_environment, None);
        assert_eq!(PlanOptions::from_lookup(&lookup(" ")).own_service_id, None);
        assert_eq!(PlanOptions::from_lookup(&|_| None).own_service_id, None);
    }
    /// R50: a PR environment holding copies of `services` (by service id).
    fn preview(name: &str, services: &[&str]) -> LivePreview {
        let mut environment = LiveEnvironment::empty(&format!("env-{name}"), name);
        environment.instances = services
            .iter()
            .map(|id| (id.to_string(), LiveInstance::empty(&format!("si-{id}"), id)))
            .collect();
        LivePreview {
            environment,
            pr_number: Some(42),
            pr_repo: Some("acme/shop".into()),
            branch: Some("feat/x".into()),
            created_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn pruning_a_service_says_which_pr_environments_lose_it() {
        let mut live = live();
        if let Some(project) = live.project.as_mut() {
            project.previews = vec![
                preview("pr-42", &["svc-api", "svc-worker"]),
                preview("pr-43", &["svc-api"]),
            ];
        }
        let planned = plan(&desired(true), &live, &PlanOptions::default());
        assert_eq!(deleted(&planned), ["operator", "worker"]);
        let notes: Vec<&String> = planned
            .notes
            .iter()
            .filter(|n| n.contains("PR environment"))
            .collect();
        assert_eq!(notes.len(), 1, "{:?}", planned.notes);
        assert!(
            notes[0].starts_with(
                "pruning service worker also removes it from PR environment(s) pr-42 "
            ),
            "{}",
            notes[0]
        );
        let kept = plan(&desired(false), &live, &PlanOptions::default());
        assert!(
            !kept.notes.iter().any(|n| n.contains("PR environment")),
            "nothing pruned, nothing lost: {:?}",
            kept.notes
        );
    }
}
