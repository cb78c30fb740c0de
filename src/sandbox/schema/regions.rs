//! `regions(projectId)`: the deployment regions a project may place replicas in (R20). Owns the
//! region list's GraphQL shape only; placement itself is `deploy.multiRegionConfig`, never here.

use async_graphql::{Object, SimpleObject};

/// Upstream `RegionDeprecationInfo`.
#[derive(SimpleObject)]
pub(crate) struct RegionDeprecationInfo {
    pub is_deprecated: bool,
    pub replacement_region: String,
}

/// Upstream `RegionDeploymentConstraints`.
#[derive(SimpleObject)]
pub(crate) struct RegionDeploymentConstraints {
    pub deprecation_info: Option<RegionDeprecationInfo>,
}

/// Upstream `Region`: `name` is the id `multiRegionConfig` is keyed by.
#[derive(SimpleObject)]
pub(crate) struct Region {
    pub country: String,
    pub deployment_constraints: Option<RegionDeploymentConstraints>,
    pub id: Option<String>,
    pub location: String,
    pub name: String,
    pub region: Option<String>,
    pub workspace_id: Option<String>,
}

/// R20's region ids with where they are. Guess: the `location`, `country` and `region` texts
/// follow Railway's docs, not a live answer; no region is deprecated or workspace-dedicated.
const REGIONS: [(&str, &str, &str); 4] = [
    ("us-west2", "US", "California, USA"),
    ("us-east4-eqdc4a", "US", "Virginia, USA"),
    ("europe-west4-drams3a", "NL", "Amsterdam, Netherlands"),
    ("asia-southeast1-eqsg3a", "SG", "Singapore"),
];

#[derive(Default)]
pub(crate) struct RegionsQuery;

#[Object]
impl RegionsQuery {
    /// R20: every region, whatever the project (a guess: the sandbox has no per-plan regions).
    async fn regions(&self, project_id: Option<String>) -> Vec<Region> {
        let _ = project_id;
        REGIONS
            .iter()
            .map(|(name, country, location)| Region {
                country: (*country).to_string(),
                deployment_constraints: None,
                id: Some((*name).to_string()),
                location: (*location).to_string(),
                name: (*name).to_string(),
                region: Some((*name).to_string()),
                workspace_id: None,
            })
            .collect()
    }
}
