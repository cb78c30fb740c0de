//! The state changes a finished pass makes, published to the notifier: applied, drift,
//! failures and stalls and their recovery, deployments failing and recovering (R42), rollbacks,
//! volume warnings, writes held (R17) and backup failures. Publishes every pass; the notifier
//! drops repeats, so each change is told once. Messages carry names and statuses, never values;
//! a failed deployment's also its last log lines (R44), secrets masked.

use chrono::Utc;
use serde_json::{Value, json};

use super::failure_logs;
use super::reconcile::{Pass, PassKind, Reason};
use super::status::ProjectStatus;
use crate::manifest::Desired;
use crate::notify::{Event, EventKind, GitRevision, Notifier};
use crate::plan::Action;
use crate::rollout::Health;
use crate::rollout::rollback::RollbackResult;

/// One project's pass, as the events about it need it.
pub struct PassEvents<'a> {
    pub notifier: &'a Notifier,
    pub desired: &'a Desired,
    /// The project's status after the pass was recorded.
    pub status: &'a ProjectStatus,
    pub pass: &'a Pass,
    pub revision: &'a str,
    /// Set for a Git source: the commit GitHub statuses go to.
    pub git: Option<GitRevision>,
}

impl PassEvents<'_> {
    pub fn publish(&self) {
        self.reconcile_state();
        self.applied();
        self.drift();
        self.deployments();
        self.rollbacks();
        self.volumes_and_backups();
        self.held();
        self.previews_deleted();
    }

    /// Each preview environment this pass deleted, once.
    fn previews_deleted(&self) {
        let (Some(report), Some(plan)) = (&self.pass.report, &self.pass.plan) else {
            return;
        };
        let applied = report.applied_addresses();
        for action in &plan.actions {
            let Action::DeletePreview {
                name,
                id,
                why,
                detail,
                ..
            } = action
            else {
                continue;
            };
            if !applied.contains(&action.address()) {
                continue;
            }
            self.send(
                EventKind::PreviewDeleted,
                &action.address(),
                &format!("deleted:{id}"),
                format!(
                    "preview environment {name} of {} deleted: {detail}",
                    self.project()
                ),
                json!({ "environment": name, "reason": why.label(), "detail": detail }),
            );
        }
    }

    fn project(&self) -> &str {
        &self.desired.project.name
    }

    fn send(&self, kind: EventKind, subject: &str, state: &str, message: String, details: Value) {
        let (environment, service) = scope(subject);
        self.notifier.publish(Event {
            kind,
            project: self.project().to_string(),
            environment,
            service,
            subject: subject.to_string(),
            state: state.to_string(),
            message,
            at: Utc::now(),
            revision: Some(self.revision.to_string()),
            git: self.git.clone(),
            details,
        });
    }

    /// Whether the subject's last told state was a problem (so a good state is a recovery).
    fn was(&self, subject: &str, prefixes: &[&str]) -> bool {
        self.notifier
            .last_state(self.project(), subject)
            .is_some_and(|state| prefixes.iter().any(|p| state.starts_with(p)))
    }

    fn quiet(&self, subject: &str, state: &str) {
        self.notifier.record_state(self.project(), subject, state);
    }

    fn reconcile_state(&self) {
        let (reason, message) = self.pass.error.as_ref().map_or(("", String::new()), |e| {
            (e.reason.name(), e.message.clone())
        });
        let project = self.project();
        match self.pass.kind {
            // Another replica takes the project over: nothing for people to do.
            PassKind::Failed if reason == Reason::LockLost.name() => {}
            PassKind::Failed => self.send(
                EventKind::ReconcileFailed,
                "reconcile",
                &format!("failed:{reason}"),
                format!("reconcile of {project} failed ({reason}): {message}"),
                json!({ "reason": reason }),
            ),
            PassKind::Stalled => self.send(
                EventKind::Stalled,
                "reconcile",
                &format!("stalled:{reason}"),
                format!("{project} is stalled until someone acts ({reason}): {message}"),
                json!({ "reason": reason }),
            ),
            _ if self.was("reconcile", &["failed:", "stalled:"]) => self.send(
                EventKind::ReconcileRecovered,
                "reconcile",
                "ok",
                format!("{project} reconciles again"),
                json!({}),
            ),
            _ => self.quiet("reconcile", "ok"),
        }
    }

    fn applied(&self) {
        let (PassKind::Applied, Some(plan)) = (self.pass.kind, &self.pass.plan) else {
            return;
        };
        let summary = plan.summary();
        let addresses: Vec<String> = plan.actions.iter().map(|a| a.address()).collect();
        self.send(
            EventKind::Applied,
            "apply",
            &format!("applied:{}", Utc::now().timestamp_millis()),
            format!(
                "applied to {}: {}",
                self.project(),
                crate::plan::render::summary_line(plan)
            ),
            json!({ "summary": summary, "actions": addresses }),
        );
    }

    fn drift(&self) {
        match (self.pass.kind, &self.pass.plan) {
            (PassKind::DriftReported, Some(_)) => {
                let addresses: Vec<&str> = self
                    .status
                    .drift
                    .iter()
                    .map(|d| d.address.as_str())
                    .collect();
                self.send(
                    EventKind::DriftDetected,
                    "drift",
                    &format!("drift:{}", addresses.join(",")),
                    format!(
                        "{} differs from its manifest at {} address(es): {}",
                        self.project(),
                        addresses.len(),
                        addresses.join(", ")
                    ),
                    json!({ "addresses": addresses }),
                );
            }
            (PassKind::Applied | PassKind::InSync, _) => self.quiet("drift", "none"),
            _ => {}
        }
    }

    fn deployments(&self) {
        for environment in &self.status.environments {
            for service in &environment.services {
                let subject = format!("deployment/{}/{}", environment.name, service.name);
                let id = service.deployment_id.as_deref().unwrap_or("-");
                let shown = service.deployment.as_deref().unwrap_or("-");
                let details = json!({ "deploymentId": id, "status": shown });
                let at = format!("{}[{}]", service.name, environment.name);
                match service.health {
                    Health::Degraded => {
                        // R44: the reason, masked and bounded, with the message and in details.
                        let excerpt = failure_logs::excerpt(&service.last_log_lines);
                        let reason = excerpt
                            .last()
                            .map(|line| format!(": {line}"))
                            .unwrap_or_default();
                        let mut details = details;
                        if !excerpt.is_empty() {
                            details["logExcerpt"] = json!(excerpt);
                        }
                        self.send(
                            EventKind::DeploymentFailed,
                            &subject,
                            &format!("failed:{id}"),
                            format!("{at}: deployment {id} is {shown}{reason}"),
                            details,
                        );
                    }
                    Health::Healthy if self.was(&subject, &["failed:"]) => self.send(
                        EventKind::DeploymentRecovered,
                        &subject,
                        &format!("healthy:{id}"),
                        format!("{at} is healthy again: deployment {id} is {shown}"),
                        details,
                    ),
                    Health::Healthy => self.quiet(&subject, "healthy"),
                    Health::Progressing | Health::Unknown => {}
                }
            }
        }
    }

    fn rollbacks(&self) {
        for rollback in &self.pass.rollbacks {
            let RollbackResult::RolledBackTo(target) = &rollback.result else {
                continue;
            };
            let subject = format!("rollback/{}/{}", rollback.environment, rollback.service);
            self.send(
                EventKind::RolledBack,
                &subject,
                &format!("{}->{target}", rollback.failed_deployment),
                format!(
                    "{}[{}]: deployment {} is {}; rolled back to deployment {target}",
                    rollback.service,
                    rollback.environment,
                    rollback.failed_deployment,
                    rollback.failed_status
                ),
                json!({
                    "failedDeploymentId": rollback.failed_deployment,
                    "failedStatus": rollback.failed_status,
                    "rolledBackTo": target,
                }),
            );
        }
    }

    fn volumes_and_backups(&self) {
        for environment in &self.status.environments {
            for service in &environment.services {
                let Some(volume) = &service.volume else {
                    continue;
                };
                let subject = format!("volume/{}/{}", environment.name, service.name);
                match &volume.warning {
                    Some(warning) => self.send(
                        EventKind::VolumeUsageWarning,
                        &subject,
                        "warning",
                        format!("{}[{}]: {warning}", service.name, environment.name),
                        json!({ "usagePercent": volume.usage_percent, "volume": volume.name }),
                    ),
                    None => self.quiet(&subject, "ok"),
                }
                for job in &volume.backups {
                    let subject = format!(
                        "backup/{}/{}/{}",
                        environment.name, service.name, job.schedule
                    );
                    let failed_last = match (&job.last_failure_at, &job.last_success_at) {
                        (Some(failure), Some(success)) => failure > success,
                        (Some(_), None) => true,
                        _ => false,
                    };
                    if failed_last {
                        let at = job.last_failure_at.as_deref().unwrap_or("-");
                        self.send(
                            EventKind::BackupFailed,
                            &subject,
                            &format!("failed:{at}"),
                            format!(
                                "backup of volume {} ({}[{}], {}) failed: {}",
                                volume.name,
                                service.name,
                                environment.name,
                                job.schedule,
                                job.last_error.as_deref().unwrap_or("unknown error")
                            ),
                            json!({ "volume": volume.name, "schedule": job.schedule }),
                        );
                    } else {
                        self.quiet(&subject, "ok");
                    }
                }
            }
        }
    }

    fn held(&self) {
        let Some(plan) = &self.pass.plan else {
            return;
        };
        for environment in &self.desired.environments {
            let subject = format!("held/{environment}");
            match plan.held.iter().find(|h| &h.environment == environment) {
                Some(held) => self.send(
                    EventKind::WritesHeld,
                    &subject,
                    "held",
                    format!(
                        "{}: writes to {environment} are held: {} staged change(s) nobody committed",
                        self.project(),
                        held.staged_changes
                    ),
                    json!({ "stagedChanges": held.staged_changes, "heldActions": held.held_actions }),
                ),
                None => self.quiet(&subject, "clear"),
            }
        }
    }
}

/// (environment, service) named by a subject such as `deployment/production/api`.
fn scope(subject: &str) -> (Option<String>, Option<String>) {
    let mut parts = subject.splitn(4, '/').skip(1);
    let environment = parts.next().map(str::to_string);
    let service = parts.next().map(str::to_string);
    (environment, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_names_its_environment_and_service() {
        assert_eq!(
            scope("deployment/production/api"),
            (Some("production".into()), Some("api".into()))
        );
        assert_eq!(scope("held/staging"), (Some("staging".into()), None));
        assert_eq!(scope("reconcile"), (None, None));
    }
}
