//! Build and deploy logs of a deployment, made up from its timeline: a few plausible lines per
//! phase it has reached, a failed build or a crash writing its reason last (R44: a client shows
//! them on failure). Read-only; the sandbox runs no builds, so every line is a guess at
//! Railway's wording.

use chrono::{DateTime, Duration, Utc};

use super::lifecycle::parse_time;
use crate::sandbox::model::{DeploymentOutcome, DeploymentStatus};
use crate::sandbox::store::{DomainError, Store};

/// One log line as `Log` carries it.
#[derive(Clone, Debug)]
pub(crate) struct LogLine {
    pub timestamp: DateTime<Utc>,
    pub message: String,
    pub severity: &'static str,
}

fn line(at: DateTime<Utc>, severity: &'static str, message: impl Into<String>) -> LogLine {
    LogLine {
        timestamp: at,
        message: message.into(),
        severity,
    }
}

impl Store {
    /// `buildLogs`: the build's lines up to `now`; a failed build ends with its reason.
    pub(crate) fn build_logs(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<LogLine>, DomainError> {
        let view = self.deployment_by_id(id, now)?;
        let record = &view.record;
        let created = parse_time(&record.created_at);
        let building = created + Duration::milliseconds(record.building_after_ms);
        let deploying = created + Duration::milliseconds(record.deploying_after_ms);
        let source = record.meta["image"]
            .as_str()
            .or_else(|| record.meta["repo"].as_str())
            .unwrap_or("the service's source")
            .to_string();
        let mut lines = vec![line(created, "info", "scheduling build on Metal builder")];
        if now >= building && view.status != DeploymentStatus::Skipped {
            lines.push(line(building, "info", format!("fetching {source}")));
            lines.push(line(building, "info", "building image"));
        }
        let failed =
            record.outcome == DeploymentOutcome::Failed && view.status == DeploymentStatus::Failed;
        if failed {
            // Guess at Railway's wording of a failed build.
            lines.push(line(view.status_since, "error", "Build failed: process \"/bin/sh -c make build\" did not complete successfully: exit code: 2"));
        } else if now >= deploying {
            lines.push(line(deploying, "info", "image pushed; build finished"));
        }
        Ok(lines)
    }

    /// `deploymentLogs`: the container's lines up to `now`; a crash or a failed health check
    /// ends with its reason.
    pub(crate) fn deploy_logs(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<LogLine>, DomainError> {
        let view = self.deployment_by_id(id, now)?;
        let record = &view.record;
        let created = parse_time(&record.created_at);
        let deploying = created + Duration::milliseconds(record.deploying_after_ms);
        if now < deploying
            || record.outcome == DeploymentOutcome::Failed
                && record.healthcheck_timeout_ms.is_none()
        {
            return Ok(Vec::new());
        }
        let mut lines = vec![
            line(deploying, "info", "Starting Container"),
            line(
                deploying,
                "info",
                format!("service {} listening", record.service_id),
            ),
        ];
        match (record.outcome, view.status) {
            (DeploymentOutcome::Crashed, DeploymentStatus::Crashed) => {
                lines.push(line(
                    view.status_since,
                    "error",
                    "Error: connect ECONNREFUSED: the process exited with code 1",
                ));
            }
            (DeploymentOutcome::Unhealthy, DeploymentStatus::Failed) => {
                lines.push(line(view.status_since, "error", "Healthcheck failed: the service never answered 200 within the healthcheck timeout"));
            }
            _ => {}
        }
        Ok(lines)
    }

    /// `environmentLogs` as Railway's CLI asks for build logs: `@snapshot:ID` in the filter names
    /// the deployment (the sandbox's snapshot id is the deployment id, a guess).
    pub(crate) fn environment_logs(
        &self,
        environment_id: &str,
        filter: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<LogLine> {
        let snapshot = filter
            .and_then(|f| f.split("@snapshot:").nth(1))
            .map(|rest| {
                rest.split(|c: char| c.is_whitespace() || c == ')')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
        self.state
            .deployments
            .iter()
            .filter(|d| d.environment_id == environment_id)
            .filter(|d| snapshot.as_ref().is_none_or(|id| *id == d.id))
            .filter_map(|d| self.build_logs(&d.id, now).ok())
            .flatten()
            .collect()
    }
}
