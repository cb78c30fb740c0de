//! `health`: HTTP GET of each service's health endpoint over its public URL, concurrently, each
//! bounded by a timeout. Chooses the targets from the view and probes them; decides nothing else.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;

use super::open::public_base_url;
use super::{OpsError, View, settings, table};
use crate::manifest::desired::ServiceKind;

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthTarget {
    pub service: String,
    /// `None` for external services, which do not live in an environment.
    pub environment: Option<String>,
    pub probe: Probe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// GET this URL; any 2xx answer is healthy.
    Url(String),
    /// Not checked, for this reason.
    Skip(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthState {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthResult {
    pub service: String,
    pub environment: Option<String>,
    pub url: Option<String>,
    pub state: HealthState,
    pub status_code: Option<u16>,
    pub latency_ms: Option<u64>,
    /// Why a check failed (`timed out after 10s`, `HTTP 500`, a connection error) or was skipped.
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    /// False when any check failed (skipped ones do not count).
    pub healthy: bool,
    pub timeout_ms: u64,
    pub results: Vec<HealthResult>,
}

/// The targets for one service or all of them, in manifest order, managed services once per
/// environment (or only in `environment`).
pub fn targets(
    view: &View<'_>,
    service: Option<&str>,
    environment: Option<&str>,
) -> Result<Vec<HealthTarget>, OpsError> {
    let services = match service {
        Some(name) => vec![view.service(name)?],
        None => view.desired.services.iter().collect(),
    };
    let environments = view.environments(environment)?;
    let mut targets = Vec::new();
    for service in services {
        match &service.kind {
            ServiceKind::Planned { .. } => targets.push(HealthTarget {
                service: service.name.clone(),
                environment: None,
                probe: Probe::Skip("planned (enabled: false)".into()),
            }),
            ServiceKind::External { url, health_path } => targets.push(HealthTarget {
                service: service.name.clone(),
                environment: None,
                probe: Probe::Url(join(url, health_path.as_deref().unwrap_or("/"))),
            }),
            ServiceKind::Managed { .. } => {
                for env in &environments {
                    let path = settings(service, env)
                        .and_then(|s| s.values.healthcheck_path.as_deref())
                        .unwrap_or("/");
                    let probe = match view.instance(&service.name, env).and_then(public_base_url) {
                        Some(base) => Probe::Url(join(&base, path)),
                        None => Probe::Skip("no public URL".into()),
                    };
                    targets.push(HealthTarget {
                        service: service.name.clone(),
                        environment: Some(env.clone()),
                        probe,
                    });
                }
            }
        }
    }
    Ok(targets)
}

fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Checks every target concurrently; results come back in the targets' order.
pub async fn check_all(targets: Vec<HealthTarget>, timeout: Duration) -> Vec<HealthResult> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build();
    let mut set = JoinSet::new();
    let count = targets.len();
    for (index, target) in targets.into_iter().enumerate() {
        let client = client.as_ref().ok().cloned();
        set.spawn(async move { (index, check(client, target, timeout).await) });
    }
    let mut results: Vec<Option<HealthResult>> = vec![None; count];
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined
            && let Some(slot) = results.get_mut(index)
        {
            *slot = Some(result);
        }
    }
    results.into_iter().flatten().collect()
}

async fn check(
    client: Option<reqwest::Client>,
    target: HealthTarget,
    timeout: Duration,
) -> HealthResult {
    let mut result = HealthResult {
        service: target.service,
        environment: target.environment,
        url: None,
        state: HealthState::Skipped,
        status_code: None,
        latency_ms: None,
        detail: None,
    };
    let url = match target.probe {
        Probe::Skip(reason) => {
            result.detail = Some(reason);
            return result;
        }
        Probe::Url(url) => url,
    };
    result.url = Some(url.clone());
    result.state = HealthState::Failed;
    let Some(client) = client else {
        result.detail = Some("cannot build an HTTP client".into());
        return result;
    };
    let started = Instant::now();
    let answer = tokio::time::timeout(timeout, async {
        let response = client.get(&url).send().await?;
        let status = response.status();
        // Read the body so the latency covers the whole answer.
        response.bytes().await?;
        Ok::<_, reqwest::Error>(status)
    })
    .await;
    result.latency_ms = Some(started.elapsed().as_millis() as u64);
    match answer {
        Err(_) => result.detail = Some(format!("timed out after {}", human(timeout))),
        Ok(Err(error)) if error.is_timeout() => {
            result.detail = Some(format!("timed out after {}", human(timeout)))
        }
        Ok(Err(error)) => result.detail = Some(error_chain(&error)),
        Ok(Ok(status)) => {
            result.status_code = Some(status.as_u16());
            if status.is_success() {
                result.state = HealthState::Ok;
            } else {
                result.detail = Some(format!("HTTP {}", status.as_u16()));
            }
        }
    }
    result
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn human(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

pub fn report(results: Vec<HealthResult>, timeout: Duration) -> HealthReport {
    HealthReport {
        healthy: results.iter().all(|r| r.state != HealthState::Failed),
        timeout_ms: timeout.as_millis() as u64,
        results,
    }
}

pub fn render_text(report: &HealthReport) -> String {
    let mut rows = vec![vec![
        "SERVICE".to_string(),
        "ENVIRONMENT".into(),
        "RESULT".into(),
        "CODE".into(),
        "LATENCY".into(),
        "URL / DETAIL".into(),
    ]];
    for r in &report.results {
        let label = match r.state {
            HealthState::Ok => "ok",
            HealthState::Failed => "failed",
            HealthState::Skipped => "skipped",
        };
        let where_ = match (&r.url, &r.detail) {
            (Some(url), Some(detail)) => format!("{url} ({detail})"),
            (Some(url), None) => url.clone(),
            (None, Some(detail)) => detail.clone(),
            (None, None) => String::new(),
        };
        rows.push(vec![
            r.service.clone(),
            r.environment.clone().unwrap_or_else(|| "-".into()),
            label.into(),
            r.status_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            r.latency_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_else(|| "-".into()),
            where_,
        ]);
    }
    let failed = report
        .results
        .iter()
        .filter(|r| r.state == HealthState::Failed)
        .count();
    format!(
        "{}{}\n",
        table(&rows),
        if failed == 0 {
            "All checks passed.".to_string()
        } else {
            format!("{failed} check(s) failed.")
        }
    )
}
