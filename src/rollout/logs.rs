//! R44: the last lines of a failed deployment's logs, so that a failed rollout says why. Reads
//! `deploymentLogs`, and `buildLogs` when the container never wrote a line (a failed build);
//! masks every secret value of the manifest. Reads only.

use crate::manifest::Desired;
use crate::manifest::desired::{ServiceKind, VariableValue};
use crate::railway::ops::{BuildLogs, DeploymentLogs, build_logs, deployment_logs};
use crate::railway::{Client, Error};

/// How many lines a failed rollout shows unless told otherwise.
pub const DEFAULT_LOG_LINES: usize = 20;

/// The last `lines` lines of the deployment's logs (its build's when it has no others).
///
/// # Errors
/// A logs read that fails after the client's retries.
pub async fn last_lines(
    client: &Client,
    deployment_id: &str,
    lines: usize,
) -> Result<Vec<String>, Error> {
    let limit = i64::try_from(lines).unwrap_or(i64::MAX);
    let deployed = client
        .post::<DeploymentLogs>(deployment_logs::Variables {
            deployment_id: deployment_id.to_string(),
            limit: Some(limit),
        })
        .await?;
    let mut found: Vec<String> = deployed
        .deployment_logs
        .into_iter()
        .map(|l| l.message)
        .collect();
    if found.is_empty() {
        let built = client
            .post::<BuildLogs>(build_logs::Variables {
                deployment_id: deployment_id.to_string(),
                limit: Some(limit),
            })
            .await?;
        found = built.build_logs.into_iter().map(|l| l.message).collect();
    }
    let skip = found.len().saturating_sub(lines);
    Ok(found.into_iter().skip(skip).collect())
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
