//! Finding the held projects' ids in one go: every project this replica works on whose manifest
//! pins no id and whose id is not known yet is looked up in one `TokenProjects` read (the
//! token's whole project list), instead of each project's first pass searching the same list
//! again (which made the first pass grow with the square of the project count). A name the
//! list does not hold once (missing, or several) is left to its pass, which searches and says why.

use super::Runner;
use crate::railway::Error as RailwayError;
use crate::railway::snapshot::ProjectIndex;

impl Runner {
    /// Resolves, with one read, the id of every held project that needs one.
    pub(super) async fn resolve_ids(&mut self) {
        if self.index_unavailable || self.client.uses_project_token() {
            return;
        }
        let wanted: Vec<_> = self
            .slots
            .iter()
            .filter(|(path, slot)| {
                slot.project_id.is_none()
                    && !slot.stalled
                    && !slot.busy
                    && !self.looked_up.contains(*path)
                    && slot
                        .desired
                        .as_ref()
                        .is_some_and(|d| d.project.id.is_none())
                    && self.works_on(slot)
            })
            .map(|(path, _)| path.clone())
            .collect();
        if wanted.is_empty() {
            return;
        }
        let index = match ProjectIndex::read(&self.client).await {
            Ok(index) => index,
            Err(error) => {
                // R34: a workspace token cannot read the list of its user's projects; each
                // pass then searches its own workspace, as before.
                if matches!(error, RailwayError::Unauthorized { .. }) {
                    self.index_unavailable = true;
                }
                tracing::info!(error = %error, "cannot read the token's project list at once; each project's pass looks itself up");
                self.looked_up.extend(wanted);
                return;
            }
        };
        let mut found = 0;
        for path in &wanted {
            let Some(slot) = self.slots.get_mut(path) else {
                continue;
            };
            let Some(project) = slot.desired.as_ref().map(|d| &d.project) else {
                continue;
            };
            if let Some(id) = index.single(&project.name, project.workspace_id.as_deref()) {
                slot.project_id = Some(id);
                found += 1;
            }
        }
        tracing::debug!(
            projects = wanted.len(),
            found,
            listed = index.len(),
            "project ids resolved from one project list"
        );
        self.looked_up.extend(wanted);
    }
}
