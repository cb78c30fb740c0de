//! Finding a project by name among those the token can see: one workspace's list, or (R33)
//! every workspace of the token's user plus the personal projects. Reads only; never creates.

use super::next_cursor;
use crate::railway::client::Client;
use crate::railway::error::{Error, Result};
use crate::railway::live::{HomeReason, ProjectHome, Workspace};
use crate::railway::ops::{Projects, TokenProjects, projects, token_projects};

/// What a search by name found: the matching projects' ids and, when no workspace was named,
/// every workspace of the token's user.
#[derive(Debug, Default)]
pub struct ProjectSearch {
    pub ids: Vec<String>,
    pub workspaces: Vec<Workspace>,
}

impl ProjectSearch {
    /// The one match, if any.
    ///
    /// # Errors
    /// Several projects with the name is [`Error::Terminal`] listing their ids.
    pub fn single(&self, name: &str) -> Result<Option<String>> {
        match self.ids.len() {
            0 | 1 => Ok(self.ids.first().cloned()),
            n => Err(Error::Terminal {
                operation: "TokenProjects",
                message: format!(
                    "{n} projects are named {name:?}; pin the right one with metadata.id ({})",
                    self.ids.join(", ")
                ),
            }),
        }
    }

    /// R33: where a project called `name` that Railway lacks would be created: the named
    /// workspace, else the token's only one.
    ///
    /// # Errors
    /// [`Error::Terminal`] when no workspace is named and the token has none or several (listed).
    pub fn home_for(&self, name: &str, named: Option<&str>) -> Result<ProjectHome> {
        if let Some(id) = named {
            return Ok(ProjectHome {
                workspace_id: id.to_string(),
                workspace_name: None,
                reason: HomeReason::Named,
            });
        }
        match self.workspaces.as_slice() {
            [only] => Ok(ProjectHome {
                workspace_id: only.id.clone(),
                workspace_name: Some(only.name.clone()),
                reason: HomeReason::OnlyWorkspace,
            }),
            [] => Err(Error::Terminal {
                operation: "TokenProjects",
                message: format!(
                    "project {name:?} is not on Railway, and the token reaches no workspace to create it in (Railway creates projects only in a workspace): set spec.workspace or RAILWAY_WORKSPACE_ID, or pin an existing project with metadata.id"
                ),
            }),
            several => Err(Error::Terminal {
                operation: "TokenProjects",
                message: format!(
                    "project {name:?} is not on Railway, and the token reaches {} workspaces: {}; name the one to create it in with spec.workspace or RAILWAY_WORKSPACE_ID",
                    several.len(),
                    several
                        .iter()
                        .map(|w| format!("{} ({})", w.name, w.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

/// Looks a project up by name among the projects the token can see (in the workspace, if given).
///
/// # Errors
/// Railway errors; several projects with the name is [`Error::Terminal`] listing their ids.
pub async fn find_project_id(
    client: &Client,
    name: &str,
    workspace_id: Option<&str>,
) -> Result<Option<String>> {
    search_projects(client, name, workspace_id)
        .await?
        .single(name)
}

/// The ids of every live project with this name that the token can see.
///
/// # Errors
/// Railway errors from the `TokenProjects` or `Projects` pages.
pub async fn find_project_ids(
    client: &Client,
    name: &str,
    workspace_id: Option<&str>,
) -> Result<Vec<String>> {
    Ok(search_projects(client, name, workspace_id).await?.ids)
}

/// Every live project with this name that the token can see, and the token's workspaces.
///
/// With a workspace, its project list. Without one (R33): `projects` unscoped lists personal
/// projects only, so one request reads those and every workspace of the token's user; a list
/// longer than one page goes on page by page.
///
/// # Errors
/// Railway errors from the `TokenProjects` or `Projects` pages.
pub async fn search_projects(
    client: &Client,
    name: &str,
    workspace_id: Option<&str>,
) -> Result<ProjectSearch> {
    let (rows, workspaces) = list_projects(client, workspace_id).await?;
    let mut ids: Vec<String> = rows
        .into_iter()
        .filter(|row| row.name == name)
        .map(|row| row.id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ProjectSearch { ids, workspaces })
}

/// One live project as a project list shows it.
#[derive(Debug, Clone)]
struct ListedProject {
    id: String,
    name: String,
    /// `None` for a personal project.
    workspace_id: Option<String>,
}

/// Every live project the token's user can see, read with one `TokenProjects` request (and
/// further pages only past 500 projects in one list): what lets `run` resolve all its projects'
/// ids at once instead of searching once per project.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    projects: Vec<ListedProject>,
    workspaces: Vec<Workspace>,
}

impl ProjectIndex {
    /// Reads the index.
    ///
    /// # Errors
    /// Railway errors from the `TokenProjects` or `Projects` pages (R34: a workspace token
    /// cannot read `me`, so it gets [`Error::Unauthorized`]).
    pub async fn read(client: &Client) -> Result<ProjectIndex> {
        let (projects, workspaces) = list_projects(client, None).await?;
        Ok(ProjectIndex {
            projects,
            workspaces,
        })
    }

    /// The id of the one live project called `name` (in `workspace_id` when given); `None`
    /// when there is none or several (the project's pass then searches and says why), or when
    /// the named workspace is not one the index read.
    pub fn single(&self, name: &str, workspace_id: Option<&str>) -> Option<String> {
        if let Some(workspace) = workspace_id
            && !self.workspaces.iter().any(|w| w.id == workspace)
        {
            return None;
        }
        let mut matching = self.projects.iter().filter(|p| {
            p.name == name && workspace_id.is_none_or(|w| p.workspace_id.as_deref() == Some(w))
        });
        let first = matching.next()?;
        matching
            .all(|other| other.id == first.id)
            .then(|| first.id.clone())
    }

    pub fn len(&self) -> usize {
        self.projects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
    }
}

/// Every live project in the workspace (its pages), or, without one, every one the token's
/// user sees (R33), and the user's workspaces.
async fn list_projects(
    client: &Client,
    workspace_id: Option<&str>,
) -> Result<(Vec<ListedProject>, Vec<Workspace>)> {
    let mut rows = Vec::new();
    let mut workspaces = Vec::new();
    let mut pending: Vec<(Option<String>, Option<String>)> = Vec::new();
    match workspace_id {
        Some(workspace) => pending.push((Some(workspace.to_string()), None)),
        None => {
            let data = client
                .post::<TokenProjects>(token_projects::Variables)
                .await
                .map_err(with_workspace_hint)?;
            let personal = data.projects;
            collect_live(
                &mut rows,
                personal.edges.into_iter().map(|e| {
                    (
                        e.node.id,
                        e.node.name,
                        e.node.deleted_at,
                        e.node.workspace_id,
                    )
                }),
            );
            if let Some(cursor) = next_cursor(
                personal.page_info.has_next_page,
                personal.page_info.end_cursor,
                None,
            ) {
                pending.push((None, Some(cursor)));
            }
            for workspace in data.me.workspaces {
                workspaces.push(Workspace {
                    id: workspace.id.clone(),
                    name: workspace.name,
                });
                let page = workspace.projects;
                collect_live(
                    &mut rows,
                    page.edges.into_iter().map(|e| {
                        (
                            e.node.id,
                            e.node.name,
                            e.node.deleted_at,
                            e.node.workspace_id,
                        )
                    }),
                );
                if let Some(cursor) = next_cursor(
                    page.page_info.has_next_page,
                    page.page_info.end_cursor,
                    None,
                ) {
                    pending.push((Some(workspace.id), Some(cursor)));
                }
            }
        }
    }
    for (workspace, after) in pending {
        list_project_pages(client, workspace, after, &mut rows).await?;
    }
    Ok((rows, workspaces))
}

/// R34: a workspace token cannot read `me`, which the search without a workspace goes
/// through; the denial then says how to name the workspace (or that the token may be wrong).
fn with_workspace_hint(error: Error) -> Error {
    match error {
        Error::Unauthorized { operation, message } => Error::Unauthorized {
            operation,
            message: format!(
                "{message} (the project was searched through the token's user, which a workspace token cannot read: set spec.workspace or RAILWAY_WORKSPACE_ID, pin metadata.id, or check the token)"
            ),
        },
        other => other,
    }
}

/// Pages through `projects(workspaceId)` from `after`, collecting the live projects.
async fn list_project_pages(
    client: &Client,
    workspace_id: Option<String>,
    mut after: Option<String>,
    rows: &mut Vec<ListedProject>,
) -> Result<()> {
    loop {
        let page = client
            .post::<Projects>(projects::Variables {
                workspace_id: workspace_id.clone(),
                after: after.take(),
            })
            .await?
            .projects;
        collect_live(
            rows,
            page.edges.into_iter().map(|e| {
                (
                    e.node.id,
                    e.node.name,
                    e.node.deleted_at,
                    e.node.workspace_id,
                )
            }),
        );
        match next_cursor(
            page.page_info.has_next_page,
            page.page_info.end_cursor,
            None,
        ) {
            Some(cursor) => after = Some(cursor),
            None => return Ok(()),
        }
    }
}

/// Adds the live projects among (id, name, deletedAt, workspaceId) rows.
fn collect_live(
    rows: &mut Vec<ListedProject>,
    listed: impl Iterator<Item = (String, String, Option<String>, Option<String>)>,
) {
    rows.extend(
        listed
            .filter(|(_, _, deleted_at, _)| deleted_at.is_none())
            .map(|(id, name, _, workspace_id)| ListedProject {
                id,
                name,
                workspace_id,
            }),
    );
}
