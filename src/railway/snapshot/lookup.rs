//! Finding a project by name among those the token can see: one workspace's list, or (R33)
//! every workspace of the token's user plus the personal projects. Reads only; never creates.

use super::next_cursor;
use crate::railway::client::Client;
use crate::railway::error::{Error, Result};
use crate::railway::ops::{Projects, TokenProjects, projects, token_projects};

/// Looks a project up by name among the projects the token can see (in the workspace, if given).
///
/// # Errors
/// Railway errors; several projects with the name is [`Error::Terminal`] listing their ids.
pub async fn find_project_id(
    client: &Client,
    name: &str,
    workspace_id: Option<&str>,
) -> Result<Option<String>> {
    let mut matches = find_project_ids(client, name, workspace_id).await?;
    match matches.len() {
        0 | 1 => Ok(matches.pop()),
        n => Err(Error::Terminal {
            operation: "TokenProjects",
            message: format!(
                "{n} projects are named {name:?}; pin the right one with metadata.id ({})",
                matches.join(", ")
            ),
        }),
    }
}

/// The ids of every live project with this name that the token can see.
///
/// With a workspace, its project list. Without one (R33): `projects` unscoped lists personal
/// projects only, so one request reads those and every workspace of the token's user; a list
/// longer than one page goes on page by page.
///
/// # Errors
/// Railway errors from the `TokenProjects` or `Projects` pages.
pub async fn find_project_ids(
    client: &Client,
    name: &str,
    workspace_id: Option<&str>,
) -> Result<Vec<String>> {
    let mut matches = Vec::new();
    let mut pending: Vec<(Option<String>, Option<String>)> = Vec::new();
    match workspace_id {
        Some(workspace) => pending.push((Some(workspace.to_string()), None)),
        None => {
            let data = client
                .post::<TokenProjects>(token_projects::Variables)
                .await?;
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
    Ok(matches)
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
