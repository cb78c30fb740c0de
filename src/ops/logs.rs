//! `logs SERVICE`: the newest lines of a service's latest deployment in one environment, its
//! container's or its build's (R44), with every secret the manifest knows masked: its `fromEnv`,
//! `fromFile` and SOPS values and the live values of what it generates. Reads only.

use serde::Serialize;

use super::{OpsError, View, kind_label};
use crate::manifest::desired::ServiceKind;
use crate::railway::{Client, Error};
use crate::rollout::{self, LogKind, LogLine};

/// How many lines `logs` shows unless told otherwise.
pub const DEFAULT_LINES: usize = 100;

/// The deployment whose logs are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsTarget {
    pub service: String,
    pub environment: String,
    pub deployment_id: String,
    /// Railway's status of the deployment, e.g. `FAILED`.
    pub status: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsReport {
    pub service: String,
    pub environment: String,
    pub deployment_id: String,
    pub deployment_status: String,
    /// `deploy` (the container's) or `build`.
    pub kind: LogKind,
    /// The container's logs were asked for, but it wrote none: these are the build's.
    pub build_instead: bool,
    /// Oldest first; a failed build or a crash writes its reason last.
    pub lines: Vec<LogLine>,
}

/// The latest deployment of `service` in `environment` (default: the manifest's first).
///
/// # Errors
/// An unknown service or environment, a service the manifest keeps off Railway, one not on
/// Railway yet, or one with no deployment.
pub fn target(
    view: &View<'_>,
    service: &str,
    environment: Option<&str>,
) -> Result<LogsTarget, OpsError> {
    let desired = view.service(service)?;
    let environment = match environment {
        Some(name) => view.resolve_environment(name)?,
        None => view
            .desired
            .environments
            .first()
            .cloned()
            .unwrap_or_default(),
    };
    if !matches!(desired.kind, ServiceKind::Managed { .. }) {
        return Err(OpsError::NotDeployed {
            service: service.to_string(),
            kind: kind_label(&desired.kind),
        });
    }
    let Some(instance) = view.instance(service, &environment) else {
        return Err(OpsError::NotOnRailway {
            service: service.to_string(),
            environment,
        });
    };
    let Some(deployment) = &instance.latest_deployment else {
        return Err(OpsError::NoDeployment {
            service: service.to_string(),
            environment,
        });
    };
    Ok(LogsTarget {
        service: service.to_string(),
        environment,
        deployment_id: deployment.id.clone(),
        status: deployment.status.clone(),
    })
}

/// Every value to mask in what `logs` prints.
pub fn secrets(view: &View<'_>) -> Vec<String> {
    let mut values = rollout::secret_values(view.desired);
    if let Some(project) = view.project() {
        values.extend(rollout::generated_values(view.desired, project));
    }
    values
}

/// Reads the target's newest `lines` lines: the build's with `build`, else the container's (the
/// build's when the container wrote none), masked.
///
/// # Errors
/// A logs read that fails after the client's retries.
pub async fn read(
    client: &Client,
    target: &LogsTarget,
    build: bool,
    lines: usize,
    secrets: &[String],
) -> Result<LogsReport, Error> {
    let id = &target.deployment_id;
    let (kind, found) = if build {
        (
            LogKind::Build,
            rollout::read_logs(client, id, LogKind::Build, lines).await?,
        )
    } else {
        rollout::latest_logs(client, id, lines).await?
    };
    Ok(LogsReport {
        service: target.service.clone(),
        environment: target.environment.clone(),
        deployment_id: target.deployment_id.clone(),
        deployment_status: target.status.clone(),
        kind,
        build_instead: !build && kind == LogKind::Build,
        lines: found
            .into_iter()
            .map(|line| LogLine {
                message: rollout::mask(&line.message, secrets),
                ..line
            })
            .collect(),
    })
}

/// A header naming the deployment, then one line per log line, the newest (and a failure's
/// reason) last.
pub fn render_text(report: &LogsReport) -> String {
    let what = if report.build_instead {
        "its container wrote nothing; build logs".to_string()
    } else {
        format!("{} logs", report.kind.name())
    };
    let mut out = format!(
        "{}[{}]: deployment {} is {}; {what}, {} line(s)\n",
        report.service,
        report.environment,
        report.deployment_id,
        report.deployment_status,
        report.lines.len()
    );
    for line in &report.lines {
        let severity = line.severity.as_deref().unwrap_or("-");
        out.push_str(&format!(
            "{}  {severity:<5}  {}\n",
            line.timestamp, line.message
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(build_instead: bool) -> LogsReport {
        LogsReport {
            service: "api".into(),
            environment: "production".into(),
            deployment_id: "d-1".into(),
            deployment_status: "FAILED".into(),
            kind: LogKind::Build,
            build_instead,
            lines: vec![
                LogLine {
                    timestamp: "2026-12-06T10:00:00Z".into(),
                    severity: Some("info".into()),
                    message: "building image".into(),
                },
                LogLine {
                    timestamp: "2026-12-06T10:00:01Z".into(),
                    severity: Some("error".into()),
                    message: "Build failed: exit code: 2".into(),
                },
            ],
        }
    }

    #[test]
    fn the_text_names_the_deployment_first_and_ends_with_the_newest_line() {
        let text = render_text(&report(true));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "api[production]: deployment d-1 is FAILED; its container wrote nothing; build logs, 2 line(s)"
        );
        assert!(
            lines[2].ends_with("error  Build failed: exit code: 2"),
            "{text}"
        );
        assert!(render_text(&report(false)).contains("; build logs, 2 line(s)"));
    }
}
