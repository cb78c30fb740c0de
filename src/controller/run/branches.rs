//! `spec.previews.fromBranches` in the `run` loop: the remote's branches from each Git fetch
//! tick, the projects made due when they change, the branch list each pass is given, and what
//! a pass did to branch previews. Planning them is `plan`'s; this only feeds it.

use tokio::time::Instant;

use super::super::reconcile::Pass;
use super::super::source::{Branches, Snapshot};
use super::Runner;
use crate::manifest::Desired;
use crate::plan::Action;
use crate::plan::action::PreviewEnd;

impl Runner {
    /// Takes the snapshot's branches. A branch that appeared or went makes every project with
    /// `fromBranches` due now, so its preview is made or deleted at this fetch tick; a moved
    /// branch whose preview expired may have one again.
    pub(super) fn take_branches(&mut self, snapshot: &Snapshot) {
        if snapshot.branches == self.branches {
            return;
        }
        let names =
            |b: &Option<Branches>| b.as_ref().map(|b| b.keys().cloned().collect::<Vec<_>>());
        let renamed = names(&snapshot.branches) != names(&self.branches);
        self.branches.clone_from(&snapshot.branches);
        let before = self.expired_branches.len();
        let now = self.branches.clone().unwrap_or_default();
        self.expired_branches
            .retain(|branch, commit| now.get(branch) == Some(commit));
        if !renamed && self.expired_branches.len() == before {
            return;
        }
        for slot in self.slots.values_mut() {
            let wants_branches = slot
                .desired
                .as_ref()
                .and_then(|d| d.previews.as_ref())
                .is_some_and(|p| p.from_branches.is_some());
            if wants_branches {
                slot.next_due = Instant::now();
                slot.mark = None;
            }
        }
    }

    /// The branch names a pass plans with: all of them but those whose preview expired at the
    /// commit they still have. `None` for a files source.
    pub(super) fn pass_branches(&self) -> Option<Vec<String>> {
        self.branches.as_ref().map(|branches| {
            branches
                .iter()
                .filter(|(name, commit)| self.expired_branches.get(*name) != Some(*commit))
                .map(|(name, _)| name.clone())
                .collect()
        })
    }

    /// Remembers the branches whose preview the pass deleted for `expireAfter`; returns whether
    /// it made a branch preview.
    pub(super) fn note_previews(&mut self, pass: &Pass) -> bool {
        let (Some(plan), Some(report)) = (&pass.plan, &pass.report) else {
            return false;
        };
        let applied = report.applied_addresses();
        let mut created = false;
        for action in plan
            .actions
            .iter()
            .filter(|a| applied.contains(&a.address()))
        {
            match action {
                Action::CreateBranchPreview { .. } => created = true,
                Action::DeletePreview {
                    why: PreviewEnd::Expired,
                    branch: Some(branch),
                    ..
                } => {
                    if let Some(commit) = self.branches.as_ref().and_then(|b| b.get(branch)) {
                        self.expired_branches.insert(branch.clone(), commit.clone());
                    }
                }
                _ => {}
            }
        }
        created
    }
}

/// Whether `expireAfter` watches a preview the pass saw (a PR environment, or a branch preview
/// of the operator's): then every pass is a full one, since only a full pass reads the clock
/// against `createdAt`.
pub(super) fn expiry_watched(desired: &Desired, pass: &Pass) -> bool {
    let expires = desired
        .previews
        .as_ref()
        .is_some_and(|p| p.expire_after.is_some());
    expires
        && pass
            .latest_live()
            .and_then(|live| live.project.as_ref())
            .is_some_and(|project| {
                project.previews.iter().any(|p| {
                    let environment = &p.environment;
                    p.pr_number.is_some()
                        || environment
                            .inventory
                            .branch_preview_of(&environment.id)
                            .is_some()
                })
            })
}
