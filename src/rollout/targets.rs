//! Which service instances a rollout concerns: the deploys an apply reported as sent (R43,
//! explicit or by a deploying commit), and for `plan --json` every managed instance's latest
//! deployment with whether the plan deploys it. Pure; reads the plan, the report and live state.

use serde::Serialize;

use super::follow::Target;
use super::health::Health;
use crate::apply::{Outcome, Report};
use crate::manifest::desired::{Desired, ServiceKind};
use crate::plan::{Action, Plan};
use crate::railway::live::{Live, LiveDeployment, LiveProject};

/// The instances whose deploy the apply reported as done, with the deployment each had
/// before (`before`), resolved against the project as read after the apply (`after`).
pub fn started(plan: &Plan, report: &Report, before: &Live, after: &LiveProject) -> Vec<Target> {
    plan.actions
        .iter()
        .filter_map(|action| match action {
            Action::DeployInstance {
                service,
                environment,
                ..
            } => Some((action.address(), service, environment)),
            _ => None,
        })
        .filter(|(address, _, _)| {
            report
                .events
                .iter()
                .any(|e| &e.address == address && matches!(e.outcome, Outcome::Applied(_)))
        })
        .filter_map(|(_, service, environment)| {
            let service_id = after
                .services
                .iter()
                .find(|s| &s.name == service)?
                .id
                .clone();
            // A deploy the plan made is followed wherever it went, a PR environment too.
            let environment_id = after.environment_named(environment)?.id.clone();
            let before = before
                .project
                .as_ref()
                .and_then(|p| p.instance(service, environment))
                .and_then(|i| i.latest_deployment.as_ref())
                .map(|d| d.id.clone());
            Some(Target {
                service: service.clone(),
                environment: environment.clone(),
                service_id,
                environment_id,
                before,
            })
        })
        .collect()
}

/// One managed instance's rollout state, as `plan --json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceRollout {
    pub service: String,
    pub environment: String,
    pub latest_deployment: Option<LiveDeployment>,
    pub health: Health,
    /// The plan deploys it (`deploy.<service>[<environment>]`).
    pub deploys: bool,
}

/// Every managed instance in the plan's environments, in manifest order.
pub fn instances(desired: &Desired, live: &Live, plan: &Plan) -> Vec<InstanceRollout> {
    let mut rows = Vec::new();
    for environment in &plan.environments {
        for service in &desired.services {
            if !matches!(service.kind, ServiceKind::Managed { .. }) {
                continue;
            }
            let latest = live
                .project
                .as_ref()
                .and_then(|p| p.instance(&service.name, environment))
                .and_then(|i| i.latest_deployment.clone());
            let deploys = plan.actions.iter().any(|a| {
                matches!(a, Action::DeployInstance { service: s, environment: e, .. }
                    if s == &service.name && e == environment)
            });
            rows.push(InstanceRollout {
                service: service.name.clone(),
                environment: environment.clone(),
                health: Health::of_status(latest.as_ref().map(|d| d.status.as_str())),
                latest_deployment: latest,
                deploys,
            });
        }
    }
    rows
}
