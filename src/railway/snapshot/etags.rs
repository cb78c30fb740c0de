//! R15, R17: every environment's `configEtag` and staged-change count, PR environments too
//! (R50), as apply reads them right before it writes: one request up to 100 environments, one
//! more per further 100. Reads only; deciding what a moved etag means is apply's.

use std::future::Future;

use super::next_cursor;
use crate::railway::client::Client;
use crate::railway::error::Result;
use crate::railway::ops::{EnvironmentEtags, environment_etags};

/// One environment's config version and staged changes, as read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentEtag {
    pub id: String,
    pub config_etag: String,
    pub unmerged_changes: i64,
}

/// Every environment of the project, following pages past the first 100.
pub async fn read_environment_etags(
    client: &Client,
    project_id: &str,
) -> Result<Vec<EnvironmentEtag>> {
    all_pages(|after| async move {
        let page = client
            .post::<EnvironmentEtags>(environment_etags::Variables {
                project_id: project_id.to_string(),
                after,
            })
            .await?
            .project
            .environments;
        Ok(Page {
            items: page
                .edges
                .into_iter()
                .map(|edge| EnvironmentEtag {
                    id: edge.node.id,
                    config_etag: edge.node.config_etag,
                    unmerged_changes: edge.node.unmerged_changes_count.unwrap_or(0),
                })
                .collect(),
            has_next: page.page_info.has_next_page,
            end_cursor: page.page_info.end_cursor,
        })
    })
    .await
}

/// One page of a connection, as [`all_pages`] follows it.
struct Page<T> {
    items: Vec<T>,
    has_next: bool,
    end_cursor: Option<String>,
}

/// The items of every page: asks for the first (`after: None`), then for the next while there
/// is one; a cursor that does not advance ends it rather than looping.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = fetch(after.clone()).await?;
        items.extend(page.items);
        match next_cursor(page.has_next, page.end_cursor, after.as_deref()) {
            Some(cursor) => after = Some(cursor),
            None => return Ok(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// 250 environments served 100 a page, as Railway's connection does; returns the items and
    /// the cursors asked for.
    async fn read(total: usize) -> (Vec<usize>, Vec<Option<String>>) {
        let asked = RefCell::new(Vec::new());
        let items = all_pages(|after: Option<String>| {
            asked.borrow_mut().push(after.clone());
            let start: usize = after.map_or(0, |c| c.parse().unwrap_or(0));
            let end = (start + 100).min(total);
            async move {
                Ok(Page {
                    items: (start..end).collect(),
                    has_next: end < total,
                    end_cursor: Some(end.to_string()),
                })
            }
        })
        .await
        .unwrap_or_default();
        (items, asked.into_inner())
    }

    #[tokio::test]
    async fn fewer_than_100_environments_cost_one_request() {
        let (items, asked) = read(40).await;
        assert_eq!(items.len(), 40);
        assert_eq!(asked, vec![None]);
    }

    #[tokio::test]
    async fn past_100_environments_every_page_is_read_once() {
        let (items, asked) = read(250).await;
        assert_eq!(items, (0..250).collect::<Vec<_>>());
        assert_eq!(
            asked,
            vec![None, Some("100".to_string()), Some("200".to_string())]
        );
    }

    #[tokio::test]
    async fn a_cursor_that_does_not_advance_ends_the_reading() {
        let mut calls = 0;
        let items = all_pages(|_after| {
            calls += 1;
            async {
                Ok(Page {
                    items: vec![1],
                    has_next: true,
                    end_cursor: Some("same".to_string()),
                })
            }
        })
        .await
        .unwrap_or_default();
        assert_eq!((items.len(), calls), (2, 2));
    }
}
