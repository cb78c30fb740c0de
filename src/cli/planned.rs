//! The plan as the CLI's commands get it: through the gate every pass goes through, and as
//! `plan --json` shows it. Prints refusals; never reads live state or writes.

use crate::manifest::Desired;
use crate::plan::gate::Refusal;
use crate::plan::{self, Plan, PlanOptions};
use crate::railway::Live;

/// The plan, after the gate every pass goes through (`plan::gate`); `None` when the gate
/// refused, having said why: environments the token cannot reach (R34, R35) or references to
/// services that exist neither in the manifest nor on Railway. Nothing is planned or applied then.
pub(super) fn gated_plan(desired: &Desired, live: &Live, options: &PlanOptions) -> Option<Plan> {
    match plan::gate::gate(desired, live, options) {
        Ok(plan) => Some(plan),
        Err(Refusal::Blocked(blocked) | Refusal::MajorChange(blocked)) => {
            for problem in &blocked {
                eprintln!("error: {problem}");
            }
            None
        }
        Err(Refusal::Unresolved(unresolved)) => {
            for problem in &unresolved {
                eprintln!("{problem}");
            }
            eprintln!(
                "{} unresolved reference(s) in {}",
                unresolved.len(),
                desired.source_path.display()
            );
            None
        }
    }
}

/// `plan --json`: the plan's JSON with each managed instance's latest deployment and health.
pub(super) fn plan_json(desired: &Desired, live: &Live, plan: &Plan) -> serde_json::Value {
    let mut value = plan::render::render_json(plan);
    if let serde_json::Value::Object(map) = &mut value {
        let rollouts = crate::rollout::targets::instances(desired, live, plan);
        map.insert(
            "deployments".into(),
            serde_json::to_value(rollouts).unwrap_or_default(),
        );
    }
    value
}
