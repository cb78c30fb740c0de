//! The pure planner: `plan(&Desired, &Live, &PlanOptions) -> Plan`. No I/O, no clock, no
//! randomness: the same inputs always give the same plan, in dependency order.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::action::{Action, FieldChange, Plan};
use crate::manifest::desired::{DeployPolicy, Desired, InstanceSettings, ServiceKind, Source};
use crate::railway::live::{Live, LiveInstance, LiveProject, LiveSource};

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

    for env in &in_scope {
        let mut deploys = Vec::new();
        for service in &desired.services {
            let ServiceKind::Managed { environments } = &service.kind else {
                continue;
            };
            let Some(settings) = environments.get(env) else {
                continue;
            };
            let created_with = new_services.get(&service.name);
            let new_service = created_with.is_some();
            let live_instance = if new_service {
                None
            } else {
                let live_env = if new_environments.contains(env) {
                    clone_source.as_deref()
                } else {
                    Some(env.as_str())
                };
                match project.and_then(|p| live_env.and_then(|e| instance_of(p, e, &service.name)))
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
            if changes.is_empty() {
                continue;
            }
            actions.push(Action::ConfigureInstance {
                service: service.name.clone(),
                environment: env.clone(),
                new_service,
                changes,
                desired: Box::new(settings.clone()),
            });
            if desired.policy.deploy == DeployPolicy::OnChange {
                deploys.push(Action::DeployInstance {
                    service: service.name.clone(),
                    environment: env.clone(),
                });
            }
        }
        actions.extend(deploys);
    }

    if let Some(p) = project {
        if p.name != desired.project.name {
            notes.push(format!(
                "the project pinned by metadata.id is named {:?} on Railway, not {:?}; the operator does not rename projects",
                p.name, desired.project.name
            ));
        }
        note_unmanaged(desired, p, &mut notes);
    }

    Plan {
        project: desired.project.name.clone(),
        project_id: project.map(|p| p.id.clone()),
        environments: in_scope,
        actions,
        notes,
    }
}

fn instance_of<'a>(
    project: &'a LiveProject,
    environment: &str,
    service: &str,
) -> Option<&'a LiveInstance> {
    let service_id = &project.services.iter().find(|s| s.name == service)?.id;
    project
        .environments
        .iter()
        .find(|e| e.name == environment)?
        .instances
        .get(service_id)
}

fn note_unmanaged(desired: &Desired, project: &LiveProject, notes: &mut Vec<String>) {
    let unmanaged: Vec<&str> = project
        .services
        .iter()
        .filter(|s| !desired.services.iter().any(|d| d.name == s.name))
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
            ServiceKind::Planned if on_railway => notes.push(format!(
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

/// Field-by-field differences for the settings the manifest manages (`Some`).
pub fn diff_settings(desired: &InstanceSettings, live: Option<&LiveInstance>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut field = |name: &'static str, want: Option<Value>, have: Option<Value>| {
        if let Some(want) = want {
            let have = have.filter(|v| !v.is_null());
            if have.as_ref() != Some(&want) {
                changes.push(FieldChange {
                    field: name,
                    before: have,
                    after: want,
                });
            }
        }
    };
    let l = live;
    field(
        "source",
        desired.source.as_ref().map(source_value),
        l.and_then(|l| l.source.as_ref()).map(live_source_value),
    );
    let root = match &desired.source {
        Some(Source::Repo { root_directory, .. }) => root_directory.clone(),
        _ => None,
    };
    field(
        "source.rootDirectory",
        value(root),
        l.and_then(|l| value(l.root_directory.clone())),
    );
    field(
        "build.builder",
        value(desired.builder),
        l.and_then(|l| value(l.builder)),
    );
    field(
        "build.buildCommand",
        value(desired.build_command.clone()),
        l.and_then(|l| value(l.build_command.clone())),
    );
    field(
        "build.dockerfilePath",
        value(desired.dockerfile_path.clone()),
        l.and_then(|l| value(l.dockerfile_path.clone())),
    );
    field(
        "build.watchPatterns",
        value(desired.watch_patterns.clone()),
        l.and_then(|l| value(Some(l.watch_patterns.clone()))),
    );
    field(
        "deploy.startCommand",
        value(desired.start_command.clone()),
        l.and_then(|l| value(l.start_command.clone())),
    );
    field(
        "deploy.preDeployCommand",
        value(desired.pre_deploy_command.clone()),
        l.and_then(|l| value(l.pre_deploy_command.clone())),
    );
    field(
        "deploy.healthcheck.path",
        value(desired.healthcheck_path.clone()),
        l.and_then(|l| value(l.healthcheck_path.clone())),
    );
    field(
        "deploy.healthcheck.timeoutSeconds",
        value(desired.healthcheck_timeout),
        l.and_then(|l| value(l.healthcheck_timeout)),
    );
    field(
        "deploy.replicas",
        value(desired.num_replicas),
        l.and_then(|l| value(l.num_replicas)),
    );
    field(
        "deploy.region",
        value(desired.region.clone()),
        l.and_then(|l| value(l.region.clone())),
    );
    field(
        "deploy.restartPolicy.type",
        value(desired.restart_policy_type),
        l.and_then(|l| value(l.restart_policy_type)),
    );
    field(
        "deploy.restartPolicy.maxRetries",
        value(desired.restart_policy_max_retries),
        l.and_then(|l| value(l.restart_policy_max_retries)),
    );
    field(
        "deploy.cronSchedule",
        value(desired.cron_schedule.clone()),
        l.and_then(|l| value(l.cron_schedule.clone())),
    );
    field(
        "deploy.sleepApplication",
        value(desired.sleep_application),
        l.and_then(|l| value(l.sleep_application)),
    );
    field(
        "deploy.drainingSeconds",
        value(desired.draining_seconds),
        l.and_then(|l| value(l.draining_seconds)),
    );
    field(
        "deploy.overlapSeconds",
        value(desired.overlap_seconds),
        l.and_then(|l| value(l.overlap_seconds)),
    );
    let limits = desired.limits.unwrap_or_default();
    field(
        "deploy.limits.vcpus",
        limits.vcpus.map(number),
        l.and_then(|l| l.limits.vcpus.map(number)),
    );
    field(
        "deploy.limits.memoryGB",
        limits.memory_gb.map(number),
        l.and_then(|l| l.limits.memory_gb.map(number)),
    );
    changes
}

fn value<T: Serialize>(v: Option<T>) -> Option<Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

/// Numbers compare after rounding to 3 decimals: Railway stores memory in bytes.
fn number(n: f64) -> Value {
    let rounded = (n * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

pub fn source_value(source: &Source) -> Value {
    match source {
        Source::Image(image) => json!({ "image": image }),
        Source::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}

pub fn live_source_value(source: &LiveSource) -> Value {
    match source {
        LiveSource::Image(image) => json!({ "image": image }),
        LiveSource::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}
