//! Pull-request records of the sandbox (R50): the `meta` of an ephemeral environment Railway
//! made for a pull request. Plain data only.

use serde::{Deserialize, Serialize};

/// `Environment.meta` of a PR environment.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PrMetaRecord {
    pub pr_number: i32,
    pub pr_repo: String,
    pub pr_title: String,
    pub branch: String,
    pub base_branch: String,
    /// Focused mode: services not deployed (yet); `environmentUnskipService` removes one.
    pub skipped_resource_ids: Vec<String>,
}
