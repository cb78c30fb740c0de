//! R44 in `run`: the last lines of the logs of each failed or crashed deployment a pass saw,
//! read once per deployment (the slot keeps them between passes), secrets masked, and told once
//! as a WARN. The status and the notifications show them. Reads only.

use std::collections::BTreeMap;

use crate::manifest::Desired;
use crate::manifest::desired::ServiceKind;
use crate::railway::Client;
use crate::railway::live::{Live, LiveProject};
use crate::rollout::{self, Health};

/// Masked last log lines by failed deployment id.
pub type FailureLogs = BTreeMap<String, Vec<String>>;

/// How many lines a notification carries, and how long each may be.
pub const EXCERPT_LINES: usize = 5;
pub const EXCERPT_LINE_CHARS: usize = 200;

/// One failed deployment of a managed instance.
struct Failed<'a> {
    service: &'a str,
    environment: &'a str,
    id: &'a str,
    status: &'a str,
}

/// The logs of every deployment that is failed in a pass's freshest live state: those in
/// `known` as they are, the others read now (one or two requests each) and logged as a WARN.
/// A pass that read no live state keeps `known`; a read that fails is tried again next pass.
pub async fn read(
    client: &Client,
    desired: &Desired,
    latest: Option<&Live>,
    known: &FailureLogs,
) -> FailureLogs {
    let Some(project) = latest.and_then(|live| live.project.as_ref()) else {
        return known.clone();
    };
    let mut secrets: Option<Vec<String>> = None;
    let mut logs = FailureLogs::new();
    for failed in failed_deployments(desired, project) {
        if let Some(lines) = known.get(failed.id) {
            logs.insert(failed.id.to_string(), lines.clone());
            continue;
        }
        let secrets = secrets.get_or_insert_with(|| {
            let mut values = rollout::secret_values(desired);
            values.extend(rollout::generated_values(desired, project));
            values
        });
        match rollout::last_lines(client, failed.id, rollout::DEFAULT_LOG_LINES).await {
            Ok(lines) => {
                let lines: Vec<String> = lines.iter().map(|l| rollout::mask(l, secrets)).collect();
                warn_failed(&desired.project.name, &failed, &lines);
                logs.insert(failed.id.to_string(), lines);
            }
            Err(error) => tracing::warn!(
                project = %desired.project.name, service = failed.service, environment = failed.environment,
                deployment = failed.id, %error,
                "cannot read the logs of failed deployment {}", failed.id
            ),
        }
    }
    logs
}

fn failed_deployments<'a>(desired: &'a Desired, project: &'a LiveProject) -> Vec<Failed<'a>> {
    let mut found = Vec::new();
    for service in &desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        for environment in environments.keys() {
            let deployment = project
                .instance(&service.name, environment)
                .and_then(|i| i.latest_deployment.as_ref());
            if let Some(d) = deployment
                && Health::of_status(Some(&d.status)) == Health::Degraded
            {
                found.push(Failed {
                    service: &service.name,
                    environment,
                    id: &d.id,
                    status: &d.status,
                });
            }
        }
    }
    found
}

fn warn_failed(project: &str, failed: &Failed<'_>, lines: &[String]) {
    let Failed {
        service,
        environment,
        id,
        status,
    } = failed;
    let shown: String = lines.iter().map(|l| format!("\n  | {l}")).collect();
    tracing::warn!(
        project,
        service,
        environment,
        deployment = id,
        status,
        "{service}[{environment}]: deployment {id} is {status}; the last {} log line(s):{shown}",
        lines.len()
    );
}

/// What a notification carries of a failed deployment's logs: its last
/// [`EXCERPT_LINES`] lines, each cut to [`EXCERPT_LINE_CHARS`] characters.
pub fn excerpt(lines: &[String]) -> Vec<String> {
    let skip = lines.len().saturating_sub(EXCERPT_LINES);
    lines[skip..]
        .iter()
        .map(|line| {
            if line.chars().count() <= EXCERPT_LINE_CHARS {
                return line.clone();
            }
            let mut cut: String = line.chars().take(EXCERPT_LINE_CHARS - 1).collect();
            cut.push('…');
            cut
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_keeps_the_last_five_lines_each_cut_to_two_hundred_characters() {
        let mut lines: Vec<String> = (1..=8).map(|n| format!("line {n}")).collect();
        lines.push("x".repeat(500));
        let short = excerpt(&lines);
        assert_eq!(short.len(), 5);
        assert_eq!(short[0], "line 5");
        assert_eq!(short[4].chars().count(), 200);
        assert!(short[4].ends_with('…'));
        assert_eq!(excerpt(&lines[..2]), ["line 1", "line 2"]);
    }
}
