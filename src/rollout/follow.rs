//! Following the deployments an apply started until each settles (R42, R44): one deployments
//! read per environment per poll, polling fast at first and every 5 s once builds run long,
//! as Railway's CLI does. Reads only; never starts, cancels or retries a deployment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::health::is_settled;
use crate::railway::ops::{EnvironmentDeployments, environment_deployments};
use crate::railway::{Client, Error};

/// One service instance whose new deployment is followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: String,
    pub environment: String,
    pub service_id: String,
    pub environment_id: String,
    /// The instance's latest deployment before the apply: a deployment newer than it is the
    /// one the apply started (a commit or variable write starts one without naming it, R43).
    pub before: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Give up on deployments still in progress after this long (`--wait-timeout`).
    pub timeout: Duration,
    /// A deployment the apply started that has not appeared by then never will.
    pub appear_within: Duration,
    /// The first poll interval; it doubles up to `max_poll`.
    pub first_poll: Duration,
    /// R44: Railway's CLI polls every 5 s.
    pub max_poll: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(600),
            appear_within: Duration::from_secs(60),
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_secs(5),
        }
    }
}

/// Where one followed rollout is, as `apply --wait` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// No new deployment is visible yet.
    Starting,
    Queued,
    Building,
    Deploying,
    Healthy,
    Failed,
    Crashed,
    Removed,
    Skipped,
    /// `appear_within` passed without a new deployment.
    NeverStarted,
    /// `timeout` passed while it was still in progress.
    TimedOut,
}

impl Phase {
    /// R42's statuses as the progress line names them.
    pub fn of_status(status: &str) -> Phase {
        match status {
            "SUCCESS" | "SLEEPING" => Phase::Healthy,
            "FAILED" => Phase::Failed,
            "CRASHED" => Phase::Crashed,
            "REMOVED" | "REMOVING" => Phase::Removed,
            "SKIPPED" => Phase::Skipped,
            "BUILDING" => Phase::Building,
            "DEPLOYING" => Phase::Deploying,
            _ => Phase::Queued,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Queued => "queued",
            Phase::Building => "building",
            Phase::Deploying => "deploying",
            Phase::Healthy => "healthy",
            Phase::Failed => "failed",
            Phase::Crashed => "crashed",
            Phase::Removed => "removed",
            Phase::Skipped => "skipped",
            Phase::NeverStarted => "never started",
            Phase::TimedOut => "timed out",
        }
    }
}

/// One followed rollout's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub service: String,
    pub environment: String,
    pub deployment_id: Option<String>,
    /// Railway's status of that deployment, e.g. `BUILDING`.
    pub status: Option<String>,
    pub phase: Phase,
    /// Since the wait began.
    pub elapsed_ms: u64,
    pub settled: bool,
}

impl Progress {
    fn start(target: &Target) -> Progress {
        Progress {
            service: target.service.clone(),
            environment: target.environment.clone(),
            deployment_id: None,
            status: None,
            phase: Phase::Starting,
            elapsed_ms: 0,
            settled: false,
        }
    }

    /// Healthy at the end; everything else settled is a failed rollout.
    pub fn succeeded(&self) -> bool {
        self.phase == Phase::Healthy
    }

    /// `api[production]`.
    pub fn address(&self) -> String {
        format!("{}[{}]", self.service, self.environment)
    }
}

/// A deployment as one environment's list shows it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    status: String,
}

/// Follows every target until it settles or `options.timeout` passes, calling `on_change`
/// with all targets' progress after every poll (a terminal redraws its clock). Returns the
/// final progress, in target order.
///
/// # Errors
/// A deployments read that fails after the client's retries.
pub async fn follow(
    client: &Client,
    project_id: &str,
    targets: &[Target],
    options: &WaitOptions,
    on_change: &mut (dyn FnMut(&[Progress]) + Send),
) -> Result<Vec<Progress>, Error> {
    let started = Instant::now();
    let mut progress: Vec<Progress> = targets.iter().map(Progress::start).collect();
    let mut poll = options.first_poll;
    on_change(&progress);
    loop {
        let newest = newest_deployments(client, project_id, targets, &progress).await?;
        let elapsed = started.elapsed();
        for (target, state) in targets.iter().zip(progress.iter_mut()) {
            if !state.settled {
                *state = advance(
                    target,
                    state,
                    newest.get(&target.service_id),
                    elapsed,
                    options,
                );
            }
        }
        on_change(&progress);
        if progress.iter().all(|p| p.settled) {
            return Ok(progress);
        }
        tokio::time::sleep(poll).await;
        poll = (poll * 2).min(options.max_poll);
    }
}

/// The next state of one target from its service's newest deployment.
fn advance(
    target: &Target,
    state: &Progress,
    newest: Option<&Seen>,
    elapsed: Duration,
    options: &WaitOptions,
) -> Progress {
    let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    let started = newest.filter(|seen| Some(&seen.id) != target.before.as_ref());
    let mut next = state.clone();
    match started {
        Some(seen) => {
            next.deployment_id = Some(seen.id.clone());
            next.status = Some(seen.status.clone());
            next.phase = Phase::of_status(&seen.status);
            next.settled = is_settled(&seen.status);
        }
        None if elapsed >= options.appear_within => {
            next.phase = Phase::NeverStarted;
            next.settled = true;
        }
        None => {}
    }
    if !next.settled && elapsed >= options.timeout {
        next.phase = Phase::TimedOut;
        next.settled = true;
    }
    // Only a phase change moves the clock: the line shows when each phase was reached.
    if next.phase != state.phase || next.deployment_id != state.deployment_id {
        next.elapsed_ms = elapsed_ms;
    }
    next
}

/// How many of an environment's newest deployments one read asks for.
const PAGE: i64 = 50;

/// The newest deployment of each target's service: one read per environment with a target
/// still in progress, and one per service that read did not reach.
async fn newest_deployments(
    client: &Client,
    project_id: &str,
    targets: &[Target],
    progress: &[Progress],
) -> Result<BTreeMap<String, Seen>, Error> {
    let open: Vec<&Target> = targets
        .iter()
        .zip(progress)
        .filter(|(_, p)| !p.settled)
        .map(|(t, _)| t)
        .collect();
    let mut environments: Vec<&str> = open.iter().map(|t| t.environment_id.as_str()).collect();
    environments.sort_unstable();
    environments.dedup();
    let mut newest = BTreeMap::new();
    for environment_id in environments {
        for seen in read(client, project_id, environment_id, None, PAGE).await? {
            newest.entry(seen.0).or_insert(seen.1);
        }
    }
    for target in open {
        if !newest.contains_key(&target.service_id) {
            let one = read(
                client,
                project_id,
                &target.environment_id,
                Some(&target.service_id),
                1,
            )
            .await?;
            newest.extend(one);
        }
    }
    Ok(newest)
}

/// (service id, deployment) pairs, newest first.
async fn read(
    client: &Client,
    project_id: &str,
    environment_id: &str,
    service_id: Option<&str>,
    first: i64,
) -> Result<Vec<(String, Seen)>, Error> {
    let page = client
        .post::<EnvironmentDeployments>(environment_deployments::Variables {
            project_id: project_id.to_string(),
            environment_id: environment_id.to_string(),
            service_id: service_id.map(str::to_string),
            first,
        })
        .await?;
    Ok(page
        .deployments
        .edges
        .into_iter()
        .filter_map(|edge| {
            let node = edge.node;
            let service_id = node.service_id?;
            Some((
                service_id,
                Seen {
                    id: node.id,
                    status: status_name(&node.status),
                },
            ))
        })
        .collect())
}

/// The generated enum's upstream spelling, e.g. `BUILDING`.
pub(crate) fn status_name<T: Serialize>(status: &T) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "UNKNOWN".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(before: Option<&str>) -> Target {
        Target {
            service: "api".into(),
            environment: "production".into(),
            service_id: "s".into(),
            environment_id: "e".into(),
            before: before.map(str::to_string),
        }
    }

    fn seen(id: &str, status: &str) -> Seen {
        Seen {
            id: id.into(),
            status: status.into(),
        }
    }

    #[test]
    fn the_deployment_from_before_the_apply_is_not_the_one_followed() {
        let t = target(Some("old"));
        let options = WaitOptions::default();
        let start = Progress::start(&t);
        let old = seen("old", "SUCCESS");
        let next = advance(&t, &start, Some(&old), Duration::from_secs(1), &options);
        assert_eq!(next.phase, Phase::Starting);
        assert!(!next.settled);
        let new = seen("new", "BUILDING");
        let next = advance(&t, &next, Some(&new), Duration::from_secs(2), &options);
        assert_eq!((next.phase, next.settled), (Phase::Building, false));
        assert_eq!(next.elapsed_ms, 2000);
    }

    #[test]
    fn a_crash_settles_the_rollout_as_failed() {
        let t = target(None);
        let crashed = seen("new", "CRASHED");
        let next = advance(
            &t,
            &Progress::start(&t),
            Some(&crashed),
            Duration::from_secs(3),
            &WaitOptions::default(),
        );
        assert!(next.settled && !next.succeeded());
        assert_eq!(next.phase, Phase::Crashed);
    }

    #[test]
    fn a_deployment_that_never_appears_settles_after_the_appearance_window() {
        let t = target(Some("old"));
        let options = WaitOptions::default();
        let late = options.appear_within + Duration::from_millis(1);
        let next = advance(&t, &Progress::start(&t), None, late, &options);
        assert_eq!((next.phase, next.settled), (Phase::NeverStarted, true));
    }

    #[test]
    fn a_deployment_still_building_at_the_timeout_times_out() {
        let t = target(None);
        let options = WaitOptions {
            timeout: Duration::from_secs(5),
            ..WaitOptions::default()
        };
        let building = seen("new", "BUILDING");
        let next = advance(
            &t,
            &Progress::start(&t),
            Some(&building),
            Duration::from_secs(6),
            &options,
        );
        assert_eq!((next.phase, next.settled), (Phase::TimedOut, true));
    }
}
