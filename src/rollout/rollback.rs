//! `deploy.onFailure: rollback`: when an instance's latest deployment failed or crashed (R42),
//! roll back to the newest earlier deployment that went live (`deploymentRollback`, R43), at
//! most once per instance and manifest revision, and never a rollback of a rollback. Decides
//! and sends only that; the caller remembers what was handled and reports it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::follow::status_name;
use super::health::Health;
use crate::manifest::Desired;
use crate::manifest::desired::{OnFailure, ServiceKind};
use crate::railway::live::LiveProject;
use crate::railway::ops::{
    DeploymentRollback, EnvironmentDeployments, deployment_rollback, environment_deployments,
};
use crate::railway::{Client, Error};

/// (service, environment, manifest revision) already rolled back, or found with nothing to
/// roll back to: not tried again until the manifest changes.
pub type Handled = BTreeSet<(String, String, String)>;

/// What the rollback policy did for one failed instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    pub service: String,
    pub environment: String,
    pub failed_deployment: String,
    /// `FAILED` or `CRASHED`.
    pub failed_status: String,
    pub result: RollbackResult,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackResult {
    /// `deploymentRollback` was accepted for this earlier deployment.
    RolledBackTo(String),
    /// No earlier deployment went live.
    NothingToRollBackTo,
    /// The failed deployment was itself a rollback: rolling back again could loop.
    FailedRollback,
    /// Railway refused or could not be reached; `retry` when a later pass may succeed.
    Refused { message: String, retry: bool },
}

impl Rollback {
    /// Whether the instance is done for this revision (remembered in [`Handled`]).
    pub fn settled(&self) -> bool {
        !matches!(self.result, RollbackResult::Refused { retry: true, .. })
    }
}

/// Rolls back every failed instance whose policy says so and that `handled` does not hold.
pub async fn roll_back_failures(
    client: &Client,
    desired: &Desired,
    project: &LiveProject,
    revision: &str,
    handled: &Handled,
) -> Vec<Rollback> {
    let mut done = Vec::new();
    for (service, environment, failed) in failed_instances(desired, project) {
        let key = (service.clone(), environment.clone(), revision.to_string());
        if handled.contains(&key) {
            continue;
        }
        // R50: a PR environment is never rolled back: its deployments follow the pull
        // request's commits, and `onFailure` is declared per manifest environment.
        let Some(env) = project.persistent_environment_named(&environment) else {
            continue;
        };
        let service_id = project
            .services
            .iter()
            .find(|s| s.name == service)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let result = roll_back(client, &project.id, &env.id, &service_id, &failed.id).await;
        done.push(Rollback {
            service,
            environment,
            failed_deployment: failed.id.clone(),
            failed_status: failed.status.clone(),
            result,
        });
    }
    done
}

/// (service, environment, latest deployment) of each Degraded instance with `onFailure: rollback`.
fn failed_instances(
    desired: &Desired,
    project: &LiveProject,
) -> Vec<(String, String, crate::railway::live::LiveDeployment)> {
    let mut failed = Vec::new();
    for service in &desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        for (environment, settings) in environments {
            if settings.on_failure != OnFailure::Rollback {
                continue;
            }
            let latest = project
                .instance(&service.name, environment)
                .and_then(|i| i.latest_deployment.clone());
            if let Some(latest) = latest
                && Health::of_status(Some(&latest.status)) == Health::Degraded
            {
                failed.push((service.name.clone(), environment.clone(), latest));
            }
        }
    }
    failed
}

/// How far back a rollback looks for a deployment that went live.
const HISTORY: i64 = 20;

async fn roll_back(
    client: &Client,
    project_id: &str,
    environment_id: &str,
    service_id: &str,
    failed_id: &str,
) -> RollbackResult {
    let history = match client
        .post::<EnvironmentDeployments>(environment_deployments::Variables {
            project_id: project_id.to_string(),
            environment_id: environment_id.to_string(),
            service_id: Some(service_id.to_string()),
            first: HISTORY,
        })
        .await
    {
        Ok(history) => history.deployments.edges,
        Err(error) => return refused(&error),
    };
    let nodes: Vec<_> = history.into_iter().map(|e| e.node).collect();
    let failed_meta = nodes
        .iter()
        .find(|n| n.id == failed_id)
        .and_then(|n| n.meta.as_ref());
    if is_rollback(failed_meta) {
        return RollbackResult::FailedRollback;
    }
    let target = nodes
        .iter()
        .skip_while(|n| n.id != failed_id)
        .skip(1)
        .find(|n| went_live(&status_name(&n.status), n.can_rollback));
    let Some(target) = target else {
        return RollbackResult::NothingToRollBackTo;
    };
    match client
        .post::<DeploymentRollback>(deployment_rollback::Variables {
            id: target.id.clone(),
        })
        .await
    {
        Ok(_) => RollbackResult::RolledBackTo(target.id.clone()),
        Err(error) => refused(&error),
    }
}

fn refused(error: &Error) -> RollbackResult {
    RollbackResult::Refused {
        message: error.to_string(),
        retry: error.is_retryable(),
    }
}

/// Still live, or replaced by a newer one after it ran (Railway offers those to roll back to).
fn went_live(status: &str, can_rollback: bool) -> bool {
    matches!(status, "SUCCESS" | "SLEEPING") || (status == "REMOVED" && can_rollback)
}

/// `meta.reason` of a deployment Railway made by rolling back.
fn is_rollback(meta: Option<&Value>) -> bool {
    meta.and_then(|m| m.get("reason"))
        .and_then(Value::as_str)
        .is_some_and(|reason| reason == "rollback")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_deployment_that_went_live_is_rolled_back_to() {
        assert!(went_live("SUCCESS", false));
        assert!(went_live("REMOVED", true));
        assert!(!went_live("REMOVED", false), "aborted before it went live");
        assert!(!went_live("FAILED", true));
    }

    #[test]
    fn a_deployment_made_by_a_rollback_is_recognised_by_its_reason() {
        assert!(is_rollback(Some(
            &serde_json::json!({ "reason": "rollback" })
        )));
        assert!(!is_rollback(Some(
            &serde_json::json!({ "reason": "deploy" })
        )));
        assert!(!is_rollback(None));
    }
}
