//! The sandbox seed file: YAML describing live projects (format in the `sandbox` module doc),
//! turned into store records through the same code paths as the API. It never writes files.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::SandboxError;
use super::model::{
    Builder, DEFAULT_REGION, InstanceSettings, RestartPolicyType, State,
    VolumeInstanceBackupScheduleKind,
};
use super::store::{
    DomainError, EnvironmentCopy, NewBackup, NewProject, NewService, NewVolume, SANDBOX_CREATOR_ID,
    Store, expiry, manual_retention,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct SeedFile {
    #[serde(default)]
    projects: Vec<SeedProject>,
    /// R35: account tokens of non-admin workspace members.
    #[serde(default)]
    member_tokens: Vec<String>,
    /// R33: the user's workspaces besides the sandbox's own.
    #[serde(default)]
    workspaces: Vec<SeedWorkspace>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedWorkspace {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedProject {
    name: String,
    id: Option<String>,
    description: Option<String>,
    /// R33: the project's workspace; absent means a personal (workspace-less) project, which
    /// an unscoped `projects` lists (the operator's tests rely on that until issue 14).
    workspace_id: Option<String>,
    #[serde(default)]
    environments: Vec<SeedEnvironment>,
    #[serde(default)]
    services: Vec<SeedService>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedEnvironment {
    name: String,
    id: Option<String>,
    #[serde(default)]
    ephemeral: bool,
    /// R35: only workspace admins see its contents.
    #[serde(default)]
    restricted: bool,
    #[serde(default)]
    shared_variables: BTreeMap<String, String>,
    /// Names among `sharedVariables` that are sealed (value unreadable through the API).
    #[serde(default)]
    sealed_shared_variables: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedService {
    name: String,
    id: Option<String>,
    image: Option<String>,
    repo: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    /// Names among `variables` that are sealed in every environment.
    #[serde(default)]
    sealed_variables: Vec<String>,
    #[serde(default)]
    settings: SeedSettings,
    #[serde(default)]
    environments: BTreeMap<String, SeedSettings>,
    /// One volume mounted on the service, with an instance in each of its environments.
    volume: Option<SeedVolume>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedVolume {
    name: Option<String>,
    id: Option<String>,
    mount_path: String,
    #[serde(rename = "sizeMB")]
    size_mb: Option<i32>,
    #[serde(rename = "currentSizeMB", default)]
    current_size_mb: f64,
    region: Option<String>,
    #[serde(default)]
    schedules: Vec<VolumeInstanceBackupScheduleKind>,
    /// Environment names; default: every environment of the project.
    environments: Option<Vec<String>>,
    #[serde(default)]
    backups: Vec<SeedBackup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedBackup {
    name: Option<String>,
    created_at: String,
    #[serde(default)]
    locked: bool,
    /// Made by this schedule of the instance (which must be among `schedules`); manual otherwise.
    schedule: Option<VolumeInstanceBackupScheduleKind>,
    /// Default: `sandbox-user` for a manual backup, none for a scheduled one.
    creator_id: Option<String>,
}

/// Instance settings where only what is written changes the default.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedSettings {
    builder: Option<Builder>,
    build_command: Option<String>,
    start_command: Option<String>,
    root_directory: Option<String>,
    dockerfile_path: Option<String>,
    railway_config_file: Option<String>,
    pre_deploy_command: Option<Vec<String>>,
    watch_patterns: Option<Vec<String>>,
    healthcheck_path: Option<String>,
    healthcheck_timeout: Option<i32>,
    num_replicas: Option<i32>,
    region: Option<String>,
    cron_schedule: Option<String>,
    restart_policy_type: Option<RestartPolicyType>,
    restart_policy_max_retries: Option<i32>,
    sleep_application: Option<bool>,
    draining_seconds: Option<i32>,
    overlap_seconds: Option<i32>,
}

impl SeedSettings {
    fn apply(&self, s: &mut InstanceSettings) {
        macro_rules! set_optional {
            ($($field:ident),*) => { $( if self.$field.is_some() { s.$field = self.$field.clone(); } )* };
        }
        macro_rules! set_required {
            ($($field:ident),*) => { $( if let Some(value) = &self.$field { s.$field = value.clone(); } )* };
        }
        set_optional!(
            build_command,
            start_command,
            root_directory,
            dockerfile_path,
            railway_config_file,
            pre_deploy_command,
            healthcheck_path,
            healthcheck_timeout,
            num_replicas,
            cron_schedule,
            sleep_application,
            draining_seconds,
            overlap_seconds
        );
        set_required!(
            builder,
            watch_patterns,
            restart_policy_type,
            restart_policy_max_retries
        );
        // R19, R20: a seeded region or replica count is placement in multiRegionConfig.
        if self.region.is_some() || self.num_replicas.is_some() {
            let region = self
                .region
                .clone()
                .or_else(|| s.multi_region_config.keys().next().cloned())
                .unwrap_or_else(|| DEFAULT_REGION.to_string());
            let replicas = s.num_replicas.unwrap_or(1);
            s.multi_region_config = [(region, replicas)].into_iter().collect();
        }
    }
}

/// Reads the seed file and adds its projects to `state`.
pub(crate) fn apply_seed_file(path: &Path, state: State) -> Result<State, SandboxError> {
    let seed_error = |reason: String| SandboxError::SeedFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| seed_error(format!("cannot read it: {error}")))?;
    let seed: SeedFile = serde_yaml::from_str(&text)
        .map_err(|error| seed_error(format!("invalid seed YAML: {error}")))?;
    let mut store = Store {
        state,
        ..Store::default()
    };
    store.state.access.member_tokens.extend(seed.member_tokens);
    store
        .state
        .access
        .other_workspaces
        .extend(
            seed.workspaces
                .into_iter()
                .map(|w| super::model::WorkspaceRecord {
                    id: w.id,
                    name: w.name,
                }),
        );
    for project in seed.projects {
        let name = project.name.clone();
        seed_project(&mut store, project)
            .map_err(|error| seed_error(format!("project {name:?}: {error}")))?;
    }
    Ok(store.state)
}

fn seed_project(store: &mut Store, seed: SeedProject) -> Result<(), DomainError> {
    let mut environments = seed.environments;
    if environments.is_empty() {
        environments.push(SeedEnvironment {
            name: "production".to_string(),
            id: None,
            ephemeral: false,
            restricted: false,
            shared_variables: BTreeMap::new(),
            sealed_shared_variables: Vec::new(),
        });
    }
    let first = &environments[0];
    let project = store.create_project(NewProject {
        name: Some(seed.name),
        description: seed.description,
        workspace_id: seed.workspace_id.unwrap_or_default(),
        default_environment_name: Some(first.name.clone()),
        is_public: false,
        pr_deploys: false,
    })?;
    let project_id = rename_project_id(store, &project.id, seed.id);
    for (index, environment) in environments.iter().enumerate() {
        let environment_id = if index == 0 {
            store
                .environments_of_project(&project_id, None)
                .first()
                .map(|e| e.id.clone())
                .ok_or(DomainError::EnvironmentNotFound)?
        } else {
            store
                .create_environment(
                    &project_id,
                    &environment.name,
                    None,
                    environment.ephemeral,
                    EnvironmentCopy::default(),
                )?
                .id
        };
        let environment_id = match &environment.id {
            Some(id) => {
                store
                    .state
                    .environments
                    .iter_mut()
                    .filter(|e| e.id == environment_id)
                    .for_each(|e| e.id = id.clone());
                id.clone()
            }
            None => environment_id,
        };
        if environment.restricted {
            store
                .state
                .access
                .restricted_environments
                .push(environment_id.clone());
        }
        let shared: Vec<(String, String)> =
            environment.shared_variables.clone().into_iter().collect();
        store.upsert_variables(&project_id, &environment_id, None, shared, false, true)?;
        store
            .seal_variables(&environment_id, None, &environment.sealed_shared_variables)
            .map_err(|reason| {
                DomainError::InvalidSeed(format!("environment {}: {reason}", environment.name))
            })?;
    }
    for service in seed.services {
        seed_service(store, &project_id, service)?;
    }
    Ok(())
}

fn rename_project_id(store: &mut Store, generated: &str, wanted: Option<String>) -> String {
    let Some(wanted) = wanted else {
        return generated.to_string();
    };
    store
        .state
        .projects
        .iter_mut()
        .filter(|p| p.id == generated)
        .for_each(|p| p.id = wanted.clone());
    store
        .state
        .environments
        .iter_mut()
        .filter(|e| e.project_id == generated)
        .for_each(|e| e.project_id = wanted.clone());
    wanted
}

fn seed_service(store: &mut Store, project_id: &str, seed: SeedService) -> Result<(), DomainError> {
    let created = store.create_service(NewService {
        project_id: project_id.to_string(),
        name: Some(seed.name),
        icon: None,
        template_id: None,
        environment_id: None,
        image: seed.image,
        repo: seed.repo,
        branch: seed.branch,
        variables: seed.variables.into_iter().collect(),
    })?;
    let service_id = match seed.id {
        Some(wanted) => {
            store
                .state
                .services
                .iter_mut()
                .filter(|s| s.id == created.id)
                .for_each(|s| s.id = wanted.clone());
            store
                .state
                .instances
                .iter_mut()
                .filter(|i| i.service_id == created.id)
                .for_each(|i| i.service_id = wanted.clone());
            store
                .state
                .triggers
                .iter_mut()
                .filter(|t| t.service_id == created.id)
                .for_each(|t| t.service_id = wanted.clone());
            store
                .state
                .variables
                .iter_mut()
                .filter(|v| v.service_id.as_deref() == Some(created.id.as_str()))
                .for_each(|v| v.service_id = Some(wanted.clone()));
            wanted
        }
        None => created.id,
    };
    for environment in store.environments_of_project(project_id, None) {
        store
            .seal_variables(&environment.id, Some(&service_id), &seed.sealed_variables)
            .map_err(DomainError::InvalidSeed)?;
    }
    store.update_instances(&service_id, None, |settings| seed.settings.apply(settings))?;
    for (environment_name, overrides) in &seed.environments {
        let environment_id = store
            .environments_of_project(project_id, None)
            .into_iter()
            .find(|e| &e.name == environment_name)
            .map(|e| e.id)
            .ok_or(DomainError::EnvironmentNotFound)?;
        store.update_instances(&service_id, Some(&environment_id), |settings| {
            overrides.apply(settings)
        })?;
    }
    if let Some(volume) = seed.volume {
        seed_volume(store, project_id, &service_id, volume)?;
    }
    Ok(())
}

fn seed_volume(
    store: &mut Store,
    project_id: &str,
    service_id: &str,
    seed: SeedVolume,
) -> Result<(), DomainError> {
    let environments: Vec<String> = store
        .environments_of_project(project_id, None)
        .into_iter()
        .filter(|e| {
            seed.environments
                .as_ref()
                .is_none_or(|wanted| wanted.contains(&e.name))
        })
        .map(|e| e.id)
        .collect();
    let invalid =
        |why: String| DomainError::InvalidSeed(format!("volume {}: {why}", seed.mount_path));
    if let Some(wanted) = &seed.environments
        && environments.len() != wanted.len()
    {
        return Err(invalid(format!(
            "environments {wanted:?} are not all environments of the project"
        )));
    }
    let created = store.create_volume(NewVolume {
        project_id: project_id.to_string(),
        mount_path: seed.mount_path.clone(),
        environment_id: None,
        service_id: None,
        region: None,
    })?;
    let volume_id = seed.id.clone().unwrap_or(created.id.clone());
    for volume in store
        .state
        .volumes
        .iter_mut()
        .filter(|v| v.id == created.id)
    {
        volume.id = volume_id.clone();
        if let Some(name) = &seed.name {
            volume.name = name.clone();
        }
    }
    for environment_id in environments {
        let instance_id = store.add_volume_instance(
            &volume_id,
            &environment_id,
            Some(service_id.to_string()),
            seed.mount_path.clone(),
            seed.region.clone(),
        )?;
        let instance = store.live_volume_instance_mut(&instance_id)?;
        if let Some(size_mb) = seed.size_mb {
            instance.size_mb = size_mb;
        }
        instance.current_size_mb = seed.current_size_mb;
        store.set_backup_schedules(&instance_id, &seed.schedules)?;
        let schedules = store.backup_schedules(&instance_id)?;
        for backup in &seed.backups {
            if chrono::DateTime::parse_from_rfc3339(&backup.created_at).is_err() {
                return Err(invalid(format!(
                    "backup createdAt {:?} is not RFC 3339",
                    backup.created_at
                )));
            }
            let schedule = match backup.schedule {
                Some(kind) => Some(schedules.iter().find(|s| s.kind == kind).ok_or_else(|| {
                    invalid(format!("backup schedule {kind:?} is not among schedules"))
                })?),
                None => None,
            };
            let retention = schedule.map_or_else(manual_retention, |s| {
                chrono::TimeDelta::seconds(s.kind.retention_seconds())
            });
            let default_creator = schedule.is_none().then(|| SANDBOX_CREATOR_ID.to_string());
            store.add_backup(NewBackup {
                volume_instance_id: instance_id.clone(),
                name: backup.name.clone(),
                created_at: backup.created_at.clone(),
                expires_at: if backup.locked {
                    None
                } else {
                    expiry(&backup.created_at, retention)
                },
                schedule_id: schedule.map(|s| s.id.clone()),
                creator_id: backup.creator_id.clone().or(default_creator),
                ready_at: None,
            })?;
        }
    }
    Ok(())
}
