//! Reading a project one environment at a time, where the one nested snapshot cannot work: a
//! project token reaches only its own environment (R34), and a restricted environment's contents
//! answer errors that void a nested read (R35). Reads only; decides nothing about plans.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{next_cursor, note_shared_volumes, read_environments, read_services};
use crate::railway::client::Client;
use crate::railway::error::{Error, Result};
use crate::railway::live::{LiveBucket, LiveProject, PrSettings};
use crate::railway::ops::{
    EnvironmentSnapshot, ProjectOutline, environment_snapshot, project_outline, project_snapshot,
};

/// The project with the environments the token may read, each read alone; `only` (a project
/// token's environment id) leaves out every other one. Restricted environments are listed by
/// name in `restricted_environments`.
///
/// # Errors
/// Railway errors of the outline or of a readable environment.
pub(super) async fn read_by_environment(
    client: &Client,
    project_id: &str,
    only: Option<&str>,
) -> Result<LiveProject> {
    let project = client
        .post::<ProjectOutline>(project_outline::Variables {
            project_id: project_id.to_string(),
            environments_after: None,
        })
        .await?
        .project;
    if project.deleted_at.is_some() {
        return Err(Error::NotFound {
            operation: "ProjectOutline",
            message: format!("project {project_id} is deleted"),
        });
    }
    let services = read_services(client, project_id, same_shape(&project.services)?).await?;
    let mut edges = Vec::new();
    let mut restricted = Vec::new();
    let mut token_environment = None;
    for environment in outline_environments(client, project_id, project.environments).await? {
        if environment.deleted_at.is_some() || only.is_some_and(|id| id != environment.id) {
            continue;
        }
        if only.is_some() {
            token_environment = Some(environment.name.clone());
        }
        if !environment.can_access {
            restricted.push(environment.name);
            continue;
        }
        let node = client
            .post::<EnvironmentSnapshot>(environment_snapshot::Variables {
                environment_id: environment.id,
                decrypt_variables: Some(true),
            })
            .await?
            .environment;
        edges.push(project_snapshot::ProjectSnapshotProjectEnvironmentsEdges {
            node: same_shape(&node)?,
        });
    }
    let read = read_environments(client, edges).await?;
    let mut live = LiveProject {
        id: project.id,
        name: project.name,
        workspace_id: project.workspace_id,
        environments: read.persistent,
        previews: read.previews,
        services,
        restricted_environments: restricted,
        token_environment,
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
    note_shared_volumes(&mut live);
    Ok(live)
}

/// Every environment of the outline, from its first page on.
async fn outline_environments(
    client: &Client,
    project_id: &str,
    first_page: project_outline::ProjectOutlineProjectEnvironments,
) -> Result<Vec<project_outline::ProjectOutlineProjectEnvironmentsEdgesNode>> {
    let mut environments = Vec::new();
    let mut page = first_page;
    let mut seen_cursor = None;
    loop {
        environments.extend(page.edges.into_iter().map(|e| e.node));
        let Some(cursor) = next_cursor(
            page.page_info.has_next_page,
            page.page_info.end_cursor,
            seen_cursor.as_deref(),
        ) else {
            return Ok(environments);
        };
        seen_cursor = Some(cursor.clone());
        page = client
            .post::<ProjectOutline>(project_outline::Variables {
                project_id: project_id.to_string(),
                environments_after: Some(cursor),
            })
            .await?
            .project
            .environments;
    }
}

/// Decodes one operation's answer into another's type for the same selection (graphql_client
/// makes one type per operation; the fields, and so the JSON, are the same).
fn same_shape<T: DeserializeOwned>(value: &impl Serialize) -> Result<T> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| Error::Terminal {
            operation: "EnvironmentSnapshot",
            message: format!("unexpected response shape: {e}"),
        })
}

#[cfg(test)]
mod tests {
    /// The `{ ... }` block that opens at the first `{` after `marker`, whitespace collapsed.
    fn block_after(text: &str, marker: &str) -> String {
        let start = text.find(marker).map(|i| i + marker.len()).unwrap_or(0);
        let open = start + text[start..].find('{').unwrap_or(0);
        let mut depth = 0;
        let mut end = open;
        for (i, c) in text[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = open + i;
                break;
            }
        }
        text[open..=end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn an_environment_read_alone_selects_exactly_what_the_nested_snapshot_selects() {
        // `same_shape` decodes one into the other's type: a field added to one file only would
        // fail every environment-by-environment read.
        let nested = include_str!("../../../graphql/queries/ProjectSnapshot.graphql");
        let alone = include_str!("../../../graphql/queries/EnvironmentSnapshot.graphql");
        let nested_environment = block_after(nested, "edges {\n        node");
        assert!(nested_environment.starts_with("{ id name deletedAt isEphemeral createdAt"));
        assert_eq!(
            block_after(alone, "environment(id: $environmentId)"),
            nested_environment
        );
        assert_eq!(
            block_after(alone, "fragment LiveInstance on ServiceInstance"),
            block_after(nested, "fragment LiveInstance on ServiceInstance")
        );
    }
}
