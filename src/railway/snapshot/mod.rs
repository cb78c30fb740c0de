//! Reads one project's live state into [`Live`]: one request when the project id is pinned, two
//! when it is found by name, whatever the project size (pages beyond the first are followed, at
//! one request per extra page). Soft-deleted rows are dropped here so nothing downstream sees them.

mod config_blob;
mod etags;
mod lookup;
mod rows;
mod scoped;
mod volumes;

pub use etags::{EnvironmentEtag, read_environment_etags};
pub use lookup::{ProjectIndex, ProjectSearch, find_project_id, find_project_ids, search_projects};
pub(crate) use rows::{enum_name, live_custom_domain};
pub use volumes::read_environment_volumes;

use self::rows::{InstanceRow, TriggerRow, build_environment};
use super::client::{Client, TokenScope};
use super::error::{Error, Result};
use super::live::{
    Live, LiveBucket, LiveEnvironment, LivePreview, LiveProject, LiveService, PrSettings,
};
use super::ops::{
    EnvironmentInstancesPage, ProjectServicesPage, ProjectSnapshot, ProjectTokenScope,
    environment_instances_page, project_services_page, project_snapshot, project_token_scope,
};
use crate::manifest::desired::ProjectRef;

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
    snapshot_known(client, project, None).await
}

/// Like [`snapshot`], reading the project `known` (an id an earlier pass found by name) without
/// searching again, unless Railway says it is gone or it no longer bears the manifest's name.
///
/// # Errors
/// As [`snapshot`].
pub async fn snapshot_known(
    client: &Client,
    project: &ProjectRef,
    known: Option<&str>,
) -> Result<Live> {
    if let (None, Some(id)) = (&project.id, known)
        && !client.uses_project_token()
    {
        match read_project(client, id).await {
            Ok(found) if found.name == project.name => {
                return Ok(Live {
                    project: Some(found),
                    new_project_home: None,
                });
            }
            Ok(_) | Err(Error::NotFound { .. }) => {}
            Err(error) => return Err(error),
        }
    }
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
            match search.single(&project.name)? {
                Some(id) => id,
                // R33: never plan a create without knowing where it goes.
                None => {
                    return Ok(Live {
                        project: None,
                        new_project_home: Some(search.home_for(&project.name, named)?),
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
    if client.reads_by_environment(project_id) {
        return scoped::read_by_environment(client, project_id, None).await;
    }
    match read_nested(client, project_id).await {
        // R35: a restricted environment's contents answer errors, which void the nested read;
        // a token that can read nothing fails the outline too, with the same error. The
        // fallback is remembered: later passes do not pay the refused read again.
        Err(Error::Unauthorized { .. }) => {
            let project = scoped::read_by_environment(client, project_id, None).await?;
            client.remember_read_by_environment(project_id);
            Ok(project)
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
    let mut environments = ReadEnvironments::default();
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
        environments: environments.persistent,
        services,
        previews: environments.previews,
        restricted_environments: Vec::new(),
        token_environment: None,
        pr_settings: PrSettings {
            pr_deploys: project.pr_deploys,
            bot_pr_environments: project.bot_pr_environments,
            focused_pr_environments: project.focused_pr_environments,
            base_environment_id: project.base_environment_id,
        },
        buckets: project
            .buckets
            .edges
            .into_iter()
            .map(|e| LiveBucket {
                id: e.node.id,
                name: e.node.name,
            })
            .collect(),
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
                    template_service_id: e.node.template_service_id,
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
) -> Result<ReadEnvironments> {
    let mut environments = ReadEnvironments::default();
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
        let instances_cursor = next_cursor(
            env.service_instances.page_info.has_next_page,
            env.service_instances.page_info.end_cursor,
            None,
        );
        let triggers_cursor = next_cursor(
            env.deployment_triggers.page_info.has_next_page,
            env.deployment_triggers.page_info.end_cursor,
            None,
        );
        let cursors = (instances_cursor, triggers_cursor);
        follow_instance_pages(client, &env.id, &mut instances, &mut triggers, cursors).await?;
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
        // R50: ephemeral environments are observed apart from the persistent ones.
        if env.is_ephemeral {
            let meta = env.meta.as_ref();
            // A branch preview of the operator's has no PR meta: its mark names the branch.
            let branch = meta.and_then(|m| m.branch.clone()).or_else(|| {
                let mark = environment.inventory.branch_preview_of(&environment.id);
                mark.map(str::to_string)
            });
            environments.previews.push(LivePreview {
                environment,
                pr_number: meta.and_then(|m| m.pr_number),
                pr_repo: meta.and_then(|m| m.pr_repo.clone()),
                branch,
                created_at: env.created_at,
            });
        } else {
            environments.persistent.push(environment);
        }
    }
    Ok(environments)
}

/// A project's environments as read: persistent ones, and ephemeral ones (R50).
#[derive(Default)]
pub(super) struct ReadEnvironments {
    pub persistent: Vec<LiveEnvironment>,
    pub previews: Vec<LivePreview>,
}

impl ReadEnvironments {
    fn extend(&mut self, more: ReadEnvironments) {
        self.persistent.extend(more.persistent);
        self.previews.extend(more.previews);
    }
}

/// Follows an environment's further pages of instances and deploy triggers together, one
/// request per page, until both lists are complete.
async fn follow_instance_pages(
    client: &Client,
    environment_id: &str,
    instances: &mut Vec<InstanceRow>,
    triggers: &mut Vec<TriggerRow>,
    (mut instances_cursor, mut triggers_cursor): (Option<String>, Option<String>),
) -> Result<()> {
    while instances_cursor.is_some() || triggers_cursor.is_some() {
        let page = client
            .post::<EnvironmentInstancesPage>(environment_instances_page::Variables {
                environment_id: environment_id.to_string(),
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
    Ok(())
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
                    template_service_id: e.node.template_service_id,
                },
            })
            .collect(),
    }
}
