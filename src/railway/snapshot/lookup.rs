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
    let mut matches = Vec::new();
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
            collect_named(
                &mut matches,
                name,
                personal
                    .edges
                    .into_iter()
                    .map(|e| (e.node.id, e.node.name, e.node.deleted_at)),
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
                collect_named(
                    &mut matches,
                    name,
                    page.edges
                        .into_iter()
                        .map(|e| (e.node.id, e.node.name, e.node.deleted_at)),
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
        find_in_project_pages(client, name, workspace, after, &mut matches).await?;
    }
    matches.sort();
    matches.dedup();
    Ok(ProjectSearch {
        ids: matches,
        workspaces,
    })
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

/// Pages through `projects(workspaceId)` from `after`, collecting the live projects named `name`.
async fn find_in_project_pages(
    client: &Client,
    name: &str,
    workspace_id: Option<String>,
    mut after: Option<String>,
    matches: &mut Vec<String>,
) -> Result<()> {
    loop {
        let page = client
            .post::<Projects>(projects::Variables {
                workspace_id: workspace_id.clone(),
                after: after.take(),
            })
            .await?
            .projects;
        collect_named(
            matches,
            name,
            page.edges
                .into_iter()
                .map(|e| (e.node.id, e.node.name, e.node.deleted_at)),
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

/// Adds the ids of the live projects called `name` among (id, name, deletedAt) rows.
fn collect_named(
    matches: &mut Vec<String>,
    name: &str,
    rows: impl Iterator<Item = (String, String, Option<String>)>,
) {
    matches.extend(
        rows.filter(|(_, project_name, deleted_at)| deleted_at.is_none() && project_name == name)
            .map(|(id, _, _)| id),
    );
}
