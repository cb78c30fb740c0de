//! Reads one project's live state into [`Live`]: one request when the project id is pinned, two
//! when it is found by name, whatever the project size (pages beyond the first are followed, at
//! one request per extra page). Soft-deleted rows are dropped here so nothing downstream sees them.

mod config_blob;
mod lookup;
mod scoped;
mod volumes;

pub use lookup::{ProjectSearch, find_project_id, find_project_ids, search_projects};
pub use volumes::read_environment_volumes;

use std::collections::BTreeMap;

use serde_json::Value;

use self::config_blob::{
    VariableScope, limits_from_config, placement_from_config, service_entry, tcp_ports_from_config,
    variables_of,
};
use super::client::{Client, TokenScope};
use super::error::{Error, Result};
use super::live::{
    Live, LiveCustomDomain, LiveDeployment, LiveDnsRecord, LiveEnvironment, LiveInstance,
    LiveProject, LiveService, LiveServiceDomain, LiveSource, LiveVariable, REGION_SEPARATOR,
};
use super::ops::{
    self, EnvironmentInstancesPage, ProjectServicesPage, ProjectSnapshot, ProjectTokenScope,
    environment_instances_page, project_services_page, project_snapshot, project_token_scope,
};
use crate::inventory::{INVENTORY_VARIABLE, InventoryState};
use crate::manifest::desired::{Builder, ProjectRef, RestartPolicyType};

/// Converts a generated trigger node (one type per query) into a [`TriggerRow`].
macro_rules! trigger_row {
    ($node:expr) => {{
        let node = $node;
        TriggerRow {
            id: node.id,
            service_id: node.service_id,
            repository: node.repository,
            branch: node.branch,
        }
    }};
}

/// Finds the manifest's project and reads it whole.
///
/// # Errors
/// Railway errors; a pinned id that does not exist, or a name shared by several projects, is
/// [`Error::Terminal`] with a message saying how to fix the manifest.
pub async fn snapshot(client: &Client, project: &ProjectRef) -> Result<Live> {
    let token_project = match token_scope(client).await? {
        Some(scope) => Some(scope.project_id),
        None => None,
    };
    let project_id = match (&project.id, token_project) {
        // R34: a project token names its project; no search (`me` fails with one).
        (Some(id), Some(reached)) if *id != reached => {
            return Err(Error::Terminal {
                operation: "ProjectTokenScope",
                message: format!(
                    "metadata.id {id}: the project token reaches project {reached} only; use a token of this project, or an account or workspace token"
                ),
            });
        }
        (_, Some(reached)) => reached,
        (Some(id), None) => id.clone(),
        (None, None) => {
            let named = project.workspace_id.as_deref();
            let search = search_projects(client, &project.name, named).await?;
            // R33: never plan a create without knowing where it goes.
            let home = search.home_for(&project.name, named);
            match search.single(&project.name)? {
                Some(id) => id,
                None => {
                    return Ok(Live {
                        project: None,
                        new_project_home: Some(home?),
                    });
                }
            }
        }
    };
    match read_project(client, &project_id).await {
        Ok(found) => Ok(Live {
            project: Some(found),
            new_project_home: None,
        }),
        Err(Error::NotFound { operation, .. }) if project.id.is_some() => Err(Error::Terminal {
            operation,
            message: format!(
                "metadata.id {project_id}: no project with this id is visible to the token (remove metadata.id to find or create the project by name)"
            ),
        }),
        Err(error) => Err(error),
    }
}

/// R34: the project and environment a project token reaches, asked once per client; `None`
/// for account and workspace tokens (no request).
///
/// # Errors
/// Railway errors of `projectToken`.
pub async fn token_scope(client: &Client) -> Result<Option<TokenScope>> {
    if !client.uses_project_token() {
        return Ok(None);
    }
    let scope = client
        .token_scope_cell()
        .get_or_try_init(|| async {
            let data = client
                .post::<ProjectTokenScope>(project_token_scope::Variables)
                .await?;
            Ok::<_, Error>(TokenScope {
                project_id: data.project_token.project_id,
                environment_id: data.project_token.environment_id,
            })
        })
        .await?;
    Ok(Some(scope.clone()))
}

/// Reads a project by id: in one nested request, or environment by environment where that
/// cannot work (a project token, R34; a restricted environment, R35).
///
/// # Errors
/// Railway errors; a project token of another project is [`Error::Terminal`].
pub async fn read_project(client: &Client, project_id: &str) -> Result<LiveProject> {
    if let Some(scope) = token_scope(client).await? {
        if scope.project_id != project_id {
            return Err(Error::Terminal {
                operation: "ProjectTokenScope",
                message: format!(
                    "the project token reaches project {}, not {project_id}",
                    scope.project_id
                ),
            });
        }
        return scoped::read_by_environment(client, project_id, Some(&scope.environment_id)).await;
    }
    match read_nested(client, project_id).await {
        // R35: a restricted environment's contents answer errors, which void the nested read;
        // a token that can read nothing fails the outline too, with the same error.
        Err(Error::Unauthorized { .. }) => {
            scoped::read_by_environment(client, project_id, None).await
        }
        other => other,
    }
}

/// The whole project in one request (architecture decision 1), more pages only past 100
/// environments or 1,000 services.
async fn read_nested(client: &Client, project_id: &str) -> Result<LiveProject> {
    let data = client
        .post::<ProjectSnapshot>(project_snapshot::Variables {
            project_id: project_id.to_string(),
            decrypt_variables: Some(true),
            environments_after: None,
        })
        .await?;
    let project = data.project;
    if project.deleted_at.is_some() {
        return Err(Error::NotFound {
            operation: "ProjectSnapshot",
            message: format!("project {project_id} is deleted"),
        });
    }

    let services = read_services(client, project_id, project.services).await?;
    let mut environments = Vec::new();
    let mut page = project.environments;
    let mut seen_cursor = None;
    loop {
        environments.extend(read_environments(client, page.edges).await?);
        let Some(cursor) = next_cursor(
            page.page_info.has_next_page,
            page.page_info.end_cursor,
            seen_cursor.as_deref(),
        ) else {
            break;
        };
        seen_cursor = Some(cursor.clone());
        // The same query with the next page's cursor: its services page repeats and is ignored.
        page = client
            .post::<ProjectSnapshot>(project_snapshot::Variables {
                project_id: project_id.to_string(),
                decrypt_variables: Some(true),
                environments_after: Some(cursor),
            })
            .await?
            .project
            .environments;
    }
    let mut project = LiveProject {
        id: project.id,
        name: project.name,
        workspace_id: project.workspace_id,
        environments,
        services,
        restricted_environments: Vec::new(),
        token_environment: None,
    };
    note_shared_volumes(&mut project);
    Ok(project)
}

/// The project's live services, from the first page on (further pages are requested).
async fn read_services(
    client: &Client,
    project_id: &str,
    first_page: project_snapshot::ProjectSnapshotProjectServices,
) -> Result<Vec<LiveService>> {
    let mut services: Vec<LiveService> = Vec::new();
    let mut service_page = first_page;
    let mut seen_cursor = None;
    loop {
        services.extend(
            service_page
                .edges
                .into_iter()
                .filter(|e| e.node.deleted_at.is_none())
                .map(|e| LiveService {
                    id: e.node.id,
                    name: e.node.name,
                }),
        );
        let Some(cursor) = next_cursor(
            service_page.page_info.has_next_page,
            service_page.page_info.end_cursor,
            seen_cursor.as_deref(),
        ) else {
            break;
        };
        seen_cursor = Some(cursor.clone());
        let next = client
            .post::<ProjectServicesPage>(project_services_page::Variables {
                project_id: project_id.to_string(),
                after: Some(cursor),
            })
            .await?;
        service_page = convert_services_page(next.project.services);
    }
    Ok(services)
}

/// One page of environments, each with its instances, triggers and volumes (whose further
/// pages are followed), soft-deleted ones dropped.
async fn read_environments(
    client: &Client,
    edges: Vec<project_snapshot::ProjectSnapshotProjectEnvironmentsEdges>,
) -> Result<Vec<LiveEnvironment>> {
    let mut environments = Vec::new();
    for edge in edges {
        let env = edge.node;
        if env.deleted_at.is_some() {
            continue;
        }
        let mut instances: Vec<InstanceRow> = env
            .service_instances
            .edges
            .into_iter()
            .map(|e| InstanceRow::from_snapshot(e.node))
            .collect();
        let mut triggers: Vec<TriggerRow> = env
            .deployment_triggers
            .edges
            .into_iter()
            .map(|e| trigger_row!(e.node))
            .collect();
        let mut instances_cursor = next_cursor(
            env.service_instances.page_info.has_next_page,
            env.service_instances.page_info.end_cursor,
            None,
        );
        let mut triggers_cursor = next_cursor(
            env.deployment_triggers.page_info.has_next_page,
            env.deployment_triggers.page_info.end_cursor,
            None,
        );
        while instances_cursor.is_some() || triggers_cursor.is_some() {
            let page = client
                .post::<EnvironmentInstancesPage>(environment_instances_page::Variables {
                    environment_id: env.id.clone(),
                    instances_after: instances_cursor.clone(),
                    triggers_after: triggers_cursor.clone(),
                })
                .await?
                .environment;
            if instances_cursor.is_some() {
                instances.extend(
                    page.service_instances
                        .edges
                        .into_iter()
                        .map(|e| InstanceRow::from_page(e.node)),
                );
                instances_cursor = next_cursor(
                    page.service_instances.page_info.has_next_page,
                    page.service_instances.page_info.end_cursor,
                    instances_cursor.as_deref(),
                );
            }
            if triggers_cursor.is_some() {
                triggers.extend(
                    page.deployment_triggers
                        .edges
                        .into_iter()
                        .map(|e| trigger_row!(e.node)),
                );
                triggers_cursor = next_cursor(
                    page.deployment_triggers.page_info.has_next_page,
                    page.deployment_triggers.page_info.end_cursor,
                    triggers_cursor.as_deref(),
                );
            }
        }
        let volume_rows: Vec<volumes::VolumeRow> = env
            .volume_instances
            .edges
            .into_iter()
            .map(|e| volumes::VolumeRow::from_snapshot(e.node))
            .collect();
        let volume_rows = match next_cursor(
            env.volume_instances.page_info.has_next_page,
            env.volume_instances.page_info.end_cursor,
            None,
        ) {
            Some(cursor) => {
                volumes::follow_pages(client, &env.id, volume_rows, Some(cursor)).await?
            }
            None => volume_rows,
        };
        let mut environment =
            build_environment(env.id, env.name, &env.config, instances, &triggers)?;
        environment.config_etag = env.config_etag;
        environment.unmerged_changes = env.unmerged_changes_count.unwrap_or(0);
        environment.is_fork = env.source_environment.is_some();
        environment.volumes = volumes::into_live(volume_rows, &env.config);
        environments.push(environment);
    }
    Ok(environments)
}

/// Records, on each volume instance, the other environments sharing its volume (R22).
fn note_shared_volumes(project: &mut LiveProject) {
    let sharing: Vec<Vec<Vec<String>>> = project
        .environments
        .iter()
        .map(|environment| {
            environment
                .volumes
                .iter()
                .map(|volume| {
                    project.environments_sharing_volume(&volume.volume_id, &environment.name)
                })
                .collect()
        })
        .collect();
    for (environment, shared) in project.environments.iter_mut().zip(sharing) {
        for (volume, others) in environment.volumes.iter_mut().zip(shared) {
            volume.shared_with = others;
        }
    }
}

/// The cursor of the next page, or `None` when there is none or the server stopped advancing.
pub(crate) fn next_cursor(
    has_next: bool,
    end: Option<String>,
    previous: Option<&str>,
) -> Option<String> {
    match end {
        Some(cursor) if has_next && Some(cursor.as_str()) != previous => Some(cursor),
        _ => None,
    }
}

fn convert_services_page(
    page: project_services_page::ProjectServicesPageProjectServices,
) -> project_snapshot::ProjectSnapshotProjectServices {
    project_snapshot::ProjectSnapshotProjectServices {
        page_info: project_snapshot::ProjectSnapshotProjectServicesPageInfo {
            has_next_page: page.page_info.has_next_page,
            end_cursor: page.page_info.end_cursor,
        },
        edges: page
            .edges
            .into_iter()
            .map(|e| project_snapshot::ProjectSnapshotProjectServicesEdges {
                node: project_snapshot::ProjectSnapshotProjectServicesEdgesNode {
                    id: e.node.id,
                    name: e.node.name,
                    deleted_at: e.node.deleted_at,
                },
            })
            .collect(),
    }
}

struct TriggerRow {
    id: String,
    service_id: Option<String>,
    repository: String,
    branch: String,
}

/// One service instance as read, before normalisation; both queries' shapes convert into it.
struct InstanceRow {
    id: String,
    service_id: String,
    service_name: String,
    deleted: bool,
    image: Option<String>,
    repo: Option<String>,
    builder: String,
    build_command: Option<String>,
    start_command: Option<String>,
    root_directory: Option<String>,
    dockerfile_path: Option<String>,
    railway_config_file: Option<String>,
    pre_deploy_command: Option<Value>,
    watch_patterns: Vec<String>,
    healthcheck_path: Option<String>,
    healthcheck_timeout: Option<i64>,
    num_replicas: Option<i64>,
    region: Option<String>,
    cron_schedule: Option<String>,
    restart_policy_type: String,
    restart_policy_max_retries: i64,
    sleep_application: Option<bool>,
    draining_seconds: Option<i64>,
    overlap_seconds: Option<i64>,
    latest_deployment: Option<(String, String)>,
    service_domains: Vec<LiveServiceDomain>,
    custom_domains: Vec<LiveCustomDomain>,
}

macro_rules! instance_row_from {
    ($node:expr) => {{
        let n = $node;
        InstanceRow {
            id: n.id,
            service_id: n.service_id,
            service_name: n.service_name,
            deleted: n.deleted_at.is_some(),
            image: n.source.as_ref().and_then(|s| s.image.clone()),
            repo: n.source.as_ref().and_then(|s| s.repo.clone()),
            builder: format!("{:?}", n.builder),
            build_command: n.build_command,
            start_command: n.start_command,
            root_directory: n.root_directory,
            dockerfile_path: n.dockerfile_path,
            railway_config_file: n.railway_config_file,
            pre_deploy_command: n.pre_deploy_command,
            watch_patterns: n.watch_patterns,
            healthcheck_path: n.healthcheck_path,
            healthcheck_timeout: n.healthcheck_timeout,
            num_replicas: n.num_replicas,
            region: n.region,
            cron_schedule: n.cron_schedule,
            restart_policy_type: format!("{:?}", n.restart_policy_type),
            restart_policy_max_retries: n.restart_policy_max_retries,
            sleep_application: n.sleep_application,
            draining_seconds: n.draining_seconds,
            overlap_seconds: n.overlap_seconds,
            latest_deployment: n
                .latest_deployment
                .map(|d| (d.id, format!("{:?}", d.status))),
            service_domains: n
                .domains
                .service_domains
                .into_iter()
                .filter(|d| d.deleted_at.is_none() && !is_going(&format!("{:?}", d.sync_status)))
                .map(|d| LiveServiceDomain {
                    id: d.id,
                    domain: d.domain,
                    suffix: d.suffix,
                    target_port: d.target_port,
                    new_domain_name: d.new_domain_name,
                })
                .collect(),
            custom_domains: n
                .domains
                .custom_domains
                .into_iter()
                .filter(|d| d.deleted_at.is_none() && !is_going(&format!("{:?}", d.sync_status)))
                .map(|d| LiveCustomDomain {
                    id: d.id,
                    domain: d.domain,
                    target_port: d.target_port,
                    verified: d.status.verified,
                    certificate_status: enum_name(&format!("{:?}", d.status.certificate_status)),
                    verification_dns_host: d.status.verification_dns_host,
                    verification_token: d.status.verification_token,
                    dns_records: d
                        .status
                        .dns_records
                        .into_iter()
                        .map(|r| LiveDnsRecord {
                            record_type: enum_name(&format!("{:?}", r.record_type)),
                            purpose: enum_name(&format!("{:?}", r.purpose)),
                            hostlabel: r.hostlabel,
                            fqdn: r.fqdn,
                            zone: r.zone,
                            required_value: r.required_value,
                            current_value: r.current_value,
                            status: enum_name(&format!("{:?}", r.status)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }};
}

/// Domains being deleted are as good as gone.
fn is_going(sync_status: &str) -> bool {
    sync_status.contains("DELET")
}

/// A generated enum's Debug name, with an unknown value's `Other("X")` unwrapped.
pub(crate) fn enum_name(debug: &str) -> String {
    debug
        .trim_start_matches("Other(\"")
        .trim_end_matches("\")")
        .to_string()
}

impl InstanceRow {
    fn from_snapshot(node: ops::project_snapshot::LiveInstance) -> Self {
        instance_row_from!(node)
    }

    fn from_page(
        node: environment_instances_page::EnvironmentInstancesPageEnvironmentServiceInstancesEdgesNode,
    ) -> Self {
        instance_row_from!(node)
    }
}

/// One environment from its config blob and instance rows.
///
/// # Errors
/// [`Error::CannotDecrypt`] when a variable that is not sealed has no value (R27).
fn build_environment(
    id: String,
    name: String,
    config: &Value,
    instances: Vec<InstanceRow>,
    triggers: &[TriggerRow],
) -> Result<LiveEnvironment> {
    let instances = instances
        .into_iter()
        .filter(|row| !row.deleted)
        .map(|row| build_instance(row, &name, config, triggers))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let shared_scope = VariableScope {
        environment: &name,
        service: None,
    };
    let mut shared_variables = variables_of(config.get("sharedVariables"), &shared_scope)?;
    // R27: `Sealed` here is `isSealed: true`; an unreadable value already failed above.
    let inventory =
        InventoryState::decode(shared_variables.remove(INVENTORY_VARIABLE).as_ref().map(
            |variable| match variable {
                LiveVariable::Value(secret) => Some(secret.expose()),
                LiveVariable::Sealed => None,
            },
        ));
    Ok(LiveEnvironment {
        id,
        name,
        config_etag: String::new(),
        unmerged_changes: 0,
        is_fork: false,
        instances,
        shared_variables,
        inventory,
        volumes: Vec::new(),
    })
}

/// One service instance of environment `environment`, keyed by its service id.
fn build_instance(
    row: InstanceRow,
    environment: &str,
    config: &Value,
    triggers: &[TriggerRow],
) -> Result<(String, LiveInstance)> {
    let trigger = triggers
        .iter()
        .find(|t| t.service_id.as_deref() == Some(row.service_id.as_str()));
    let source = match (row.image, row.repo) {
        (_, Some(repo)) => Some(LiveSource::Repo {
            repo: trigger.map(|t| t.repository.clone()).unwrap_or(repo),
            branch: trigger.map(|t| t.branch.clone()),
            trigger_id: trigger.map(|t| t.id.clone()),
        }),
        (Some(image), None) => Some(LiveSource::Image(image)),
        (None, None) => None,
    };
    let (region, num_replicas) = match placement_from_config(config, &row.service_id) {
        Some(placement) => (
            Some(
                placement
                    .iter()
                    .map(|(region, _)| region.as_str())
                    .collect::<Vec<_>>()
                    .join(REGION_SEPARATOR),
            ),
            Some(placement.iter().map(|(_, replicas)| replicas).sum()),
        ),
        // An older Railway answer (or sandbox) without placement in the blob.
        None => (row.region, row.num_replicas),
    };
    let scope = VariableScope {
        environment,
        service: Some(&row.service_name),
    };
    let variables = variables_of(
        service_entry(config, &row.service_id).and_then(|s| s.get("variables")),
        &scope,
    )?;
    let instance = LiveInstance {
        id: row.id,
        service_id: row.service_id.clone(),
        service_name: row.service_name.clone(),
        source,
        builder: parse_enum::<Builder>(&row.builder),
        build_command: row.build_command,
        dockerfile_path: row.dockerfile_path,
        root_directory: row.root_directory,
        railway_config_file: row.railway_config_file,
        watch_patterns: row.watch_patterns,
        start_command: row.start_command,
        pre_deploy_command: pre_deploy_from_json(row.pre_deploy_command),
        healthcheck_path: row.healthcheck_path,
        healthcheck_timeout: row.healthcheck_timeout,
        num_replicas,
        region,
        restart_policy_type: parse_enum::<RestartPolicyType>(&row.restart_policy_type),
        restart_policy_max_retries: Some(row.restart_policy_max_retries),
        cron_schedule: row.cron_schedule,
        sleep_application: row.sleep_application,
        draining_seconds: row.draining_seconds,
        overlap_seconds: row.overlap_seconds,
        limits: limits_from_config(config, &row.service_id),
        variables,
        service_domains: row.service_domains,
        custom_domains: row.custom_domains,
        tcp_proxies: tcp_ports_from_config(config, &row.service_id),
        latest_deployment: row
            .latest_deployment
            .map(|(id, status)| LiveDeployment { id, status }),
    };
    Ok((row.service_id, instance))
}

/// Generated enums print as their upstream names (`RAILPACK`) via Debug of `Other`-aware variants;
/// anything unknown maps to `None` rather than failing the whole snapshot.
fn parse_enum<T: serde::de::DeserializeOwned>(debug_name: &str) -> Option<T> {
    let name = debug_name
        .trim_start_matches("Other(\"")
        .trim_end_matches("\")");
    serde_json::from_value(Value::String(name.to_string())).ok()
}

fn pre_deploy_from_json(value: Option<Value>) -> Option<Vec<String>> {
    match value? {
        Value::String(s) => Some(vec![s]),
        Value::Array(items) => Some(
            items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}
