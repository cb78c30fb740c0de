//! R44: a deployment's logs, so that a failed rollout says why. Reads `deploymentLogs` or
//! `buildLogs` (the build's when the container never wrote a line, as after a failed build);
//! masks every secret value of the manifest. Reads only.

use serde::Serialize;

use crate::manifest::Desired;
use crate::manifest::desired::{ServiceKind, VariableValue};
use crate::railway::live::{LiveProject, LiveVariable};
use crate::railway::ops::{BuildLogs, DeploymentLogs, build_logs, deployment_logs};
use crate::railway::{Client, Error};

/// How many lines a failed rollout shows unless told otherwise.
pub const DEFAULT_LOG_LINES: usize = 20;

/// Which logs of a deployment: its container's or its build's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogKind {
    Deploy,
    Build,
}

impl LogKind {
    pub fn name(self) -> &'static str {
        match self {
            LogKind::Deploy => "deploy",
            LogKind::Build => "build",
        }
    }
}

/// One line of a deployment's logs, as Railway's `Log` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub timestamp: String,
    pub severity: Option<String>,
    pub message: String,
}

/// The newest `lines` lines of one kind of a deployment's logs, oldest first (Railway's `limit`
/// keeps the newest).
///
/// # Errors
/// A logs read that fails after the client's retries.
pub async fn read_logs(
    client: &Client,
    deployment_id: &str,
    kind: LogKind,
    lines: usize,
) -> Result<Vec<LogLine>, Error> {
    let limit = Some(i64::try_from(lines).unwrap_or(i64::MAX));
    let deployment_id = deployment_id.to_string();
    let mut found: Vec<LogLine> = match kind {
        LogKind::Deploy => client
            .post::<DeploymentLogs>(deployment_logs::Variables {
                deployment_id,
                limit,
            })
            .await?
            .deployment_logs
            .into_iter()
            .map(|l| LogLine {
                timestamp: l.timestamp,
                severity: l.severity,
                message: l.message,
            })
            .collect(),
        LogKind::Build => client
            .post::<BuildLogs>(build_logs::Variables {
                deployment_id,
                limit,
            })
            .await?
            .build_logs
            .into_iter()
            .map(|l| LogLine {
                timestamp: l.timestamp,
                severity: l.severity,
                message: l.message,
            })
            .collect(),
    };
    let skip = found.len().saturating_sub(lines);
    found.drain(..skip);
    Ok(found)
}

/// The deployment's newest `lines` lines: its container's, or its build's when the container
/// wrote none (a build that failed or is still running).
///
/// # Errors
/// A logs read that fails after the client's retries.
pub async fn latest_logs(
    client: &Client,
    deployment_id: &str,
    lines: usize,
) -> Result<(LogKind, Vec<LogLine>), Error> {
    let found = read_logs(client, deployment_id, LogKind::Deploy, lines).await?;
    if !found.is_empty() {
        return Ok((LogKind::Deploy, found));
    }
    let built = read_logs(client, deployment_id, LogKind::Build, lines).await?;
    Ok((LogKind::Build, built))
}

/// The last `lines` lines of the deployment's logs (its build's when it has no others).
///
/// # Errors
/// A logs read that fails after the client's retries.
pub async fn last_lines(
    client: &Client,
    deployment_id: &str,
    lines: usize,
) -> Result<Vec<String>, Error> {
    let (_, found) = latest_logs(client, deployment_id, lines).await?;
    Ok(found.into_iter().map(|l| l.message).collect())
}

/// Every secret value the manifest holds (`fromEnv`, `fromFile`), to mask in what is shown.
pub fn secret_values(desired: &Desired) -> Vec<String> {
    let mut values = Vec::new();
    let mut take = |value: &VariableValue| {
        if let VariableValue::Secret { secret } = value {
            values.push(secret.expose().to_string());
        }
    };
    for variables in desired.shared_variables.values() {
        variables.values().for_each(&mut take);
    }
    for service in &desired.services {
        if let ServiceKind::Managed { environments } = &service.kind {
            for settings in environments.values() {
                settings.variables.values().for_each(&mut take);
            }
        }
    }
    values.retain(|v| v.len() >= 4);
    values
}

/// The live values of the variables the manifest generates (`generate`), which it never holds
/// itself: masked like its own secrets.
pub fn generated_values(desired: &Desired, project: &LiveProject) -> Vec<String> {
    let generated = |value: &VariableValue| matches!(value, VariableValue::Generate { .. });
    let mut values = Vec::new();
    let mut take = |live: Option<&LiveVariable>| {
        if let Some(LiveVariable::Value(secret)) = live {
            values.push(secret.expose().to_string());
        }
    };
    for environment in &project.environments {
        if let Some(shared) = desired.shared_variables.get(&environment.name) {
            for (name, _) in shared.iter().filter(|(_, v)| generated(v)) {
                take(environment.shared_variables.get(name));
            }
        }
    }
    for service in &desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        for (environment, settings) in environments {
            let Some(instance) = project.instance(&service.name, environment) else {
                continue;
            };
            for (name, _) in settings.variables.iter().filter(|(_, v)| generated(v)) {
                take(instance.variables.get(name));
            }
        }
    }
    values.retain(|v| v.len() >= 4);
    values
}

/// `line` with every secret value replaced by `***`.
pub fn mask(line: &str, secrets: &[String]) -> String {
    secrets.iter().fold(line.to_string(), |masked, secret| {
        masked.replace(secret.as_str(), "***")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_masked_in_a_log_line() {
        let secrets = vec!["hunter22".to_string()];
        assert_eq!(
            mask("connecting with password hunter22 failed", &secrets),
            "connecting with password *** failed"
        );
    }
}
