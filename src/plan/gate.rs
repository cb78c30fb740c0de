//! The one gate every pass goes through, the CLI's and the controller's alike: environments the
//! token cannot reach (R34, R35), then references that resolve nowhere, then databases a plan
//! would move to another major (R47), then the plan, then
//! whether anything needs writing. Pure: the callers read live state and apply.

use super::references::{UnresolvedReference, unresolved_references};
use super::{Plan, PlanOptions, access, plan};
use crate::manifest::Desired;
use crate::railway::Live;

/// Why nothing may be planned or applied for this manifest against this live state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Environments the token cannot reach, one message each.
    Blocked(Vec<String>),
    /// References to services that exist neither in the manifest nor on Railway.
    Unresolved(Vec<UnresolvedReference>),
    /// R47: databases that have run on another major than the manifest declares.
    MajorChange(Vec<String>),
}

impl Refusal {
    /// One line per problem, as a person reads them.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Refusal::Blocked(blocked) | Refusal::MajorChange(blocked) => blocked.clone(),
            Refusal::Unresolved(unresolved) => unresolved.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The plan for `desired` against `live`, or why there may be none.
pub fn gate(desired: &Desired, live: &Live, options: &PlanOptions) -> Result<Plan, Refusal> {
    let blocked = access::blocked_environments(desired, live);
    if !blocked.is_empty() {
        return Err(Refusal::Blocked(blocked));
    }
    let unresolved = unresolved_references(desired, live);
    if !unresolved.is_empty() {
        return Err(Refusal::Unresolved(unresolved));
    }
    let major = super::databases::major_changes(desired, live);
    if !major.is_empty() {
        return Err(Refusal::MajorChange(major));
    }
    Ok(plan(desired, live, options))
}

impl Plan {
    /// Whether applying this plan writes anything: an action, or an ownership record to bring up
    /// to date.
    pub fn needs_apply(&self) -> bool {
        self.has_changes() || !self.inventory_writes.is_empty()
    }
}
