//! One reconcile pass for one project: snapshot, plan, then apply (self-heal) or only report
//! (report mode, suspend, a change window holding writes). Goes through the same plan and apply as the CLI; classifies failures
//! as transient (retry with backoff) or terminal (stall until the source changes).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::failure_logs::FailureLogs;
use crate::apply::{self, ApplyError, ApplyOptions, Report};
use crate::change_window::{WindowState, state_at};
use crate::manifest::Desired;
use crate::manifest::desired::DriftPolicy;
use crate::plan::gate::{Refusal, gate};
use crate::plan::{Plan, PlanOptions};
use crate::railway::{Client, Error as RailwayError, Live, snapshot};
use crate::rollout::rollback::{Handled, Rollback, roll_back_failures};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassKind {
    /// Changes were applied.
    Applied,
    /// Nothing differed.
    InSync,
    /// Differences found and left alone (report mode, suspend or a change window).
    DriftReported,
    /// A failure worth retrying.
    Failed,
    /// A failure that retrying cannot fix (invalid manifest, unauthorized, unresolved reference).
    Stalled,
}

impl PassKind {
    pub fn label(self) -> &'static str {
        match self {
            PassKind::Applied => "applied",
            PassKind::InSync => "in-sync",
            PassKind::DriftReported => "drift-reported",
            PassKind::Failed => "failed",
            PassKind::Stalled => "stalled",
        }
    }
}

/// Why a pass failed or stalled, by a stable name (status conditions, metrics, notifications
/// and logs carry it), in the manner of Flux's condition reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    EnvironmentUnreachable,
    UnresolvedReference,
    Unauthorized,
    CannotDecrypt,
    LockLost,
    RailwayUnavailable,
    NotFound,
    RailwayRejected,
    Interrupted,
    EnvironmentChanged,
    DestructiveNotAllowed,
    /// R47: a database that has run would move to another major.
    DatabaseMajorChange,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::EnvironmentUnreachable => "EnvironmentUnreachable",
            Reason::UnresolvedReference => "UnresolvedReference",
            Reason::Unauthorized => "Unauthorized",
            Reason::CannotDecrypt => "CannotDecrypt",
            Reason::LockLost => "LockLost",
            Reason::RailwayUnavailable => "RailwayUnavailable",
            Reason::NotFound => "NotFound",
            Reason::RailwayRejected => "RailwayRejected",
            Reason::Interrupted => "Interrupted",
            Reason::EnvironmentChanged => "EnvironmentChanged",
            Reason::DestructiveNotAllowed => "DestructiveNotAllowed",
            Reason::DatabaseMajorChange => "DatabaseMajorChange",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed or stalled pass: its reason and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassError {
    pub reason: Reason,
    pub message: String,
}

impl PassError {
    pub fn new(reason: Reason, message: String) -> Self {
        PassError { reason, message }
    }
}

/// What one pass did and saw.
#[derive(Debug)]
pub struct Pass {
    pub kind: PassKind,
    /// The plan computed from live state before anything was applied.
    pub plan: Option<Plan>,
    pub live: Option<Live>,
    pub report: Option<Report>,
    /// Why the pass failed or stalled; the message holds no secret.
    pub error: Option<PassError>,
    pub duration: Duration,
    /// `deploy.onFailure: rollback` at work this pass.
    pub rollbacks: Vec<Rollback>,
    /// Live state re-read after an apply that deployed, so health shows the new deployments.
    pub live_after: Option<Live>,
    /// The change windows as they stood when the pass started.
    pub window: PassWindow,
    /// R44: the last log lines of each deployment found failed, masked (filled in after the
    /// pass by [`super::failure_logs::read`]).
    pub failure_logs: FailureLogs,
}

/// What the change windows said to one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassWindow {
    pub state: WindowState,
    /// `POST /reconcile?override=window`: this pass writes whatever the windows say.
    pub overridden: bool,
}

impl PassWindow {
    pub fn at(desired: &Desired, now: chrono::DateTime<chrono::Utc>, overridden: bool) -> Self {
        PassWindow {
            state: state_at(&desired.policy.windows, now),
            overridden,
        }
    }

    /// The windows keep this pass from writing.
    pub fn holds(&self) -> bool {
        self.state.held() && !self.overridden
    }
}

impl Pass {
    /// The freshest live state the pass read.
    pub fn latest_live(&self) -> Option<&Live> {
        self.live_after.as_ref().or(self.live.as_ref())
    }
}

/// What a pass needs to know about earlier rollbacks of the project.
#[derive(Debug, Clone, Default)]
pub struct RollbackState {
    /// The manifest revision in force: one automatic rollback per instance and revision.
    pub revision: String,
    pub handled: Handled,
}

/// What a pass is told besides the manifest.
#[derive(Debug, Clone)]
pub struct PassContext<'a> {
    pub rollbacks: &'a RollbackState,
    /// `POST /reconcile?override=window`.
    pub override_windows: bool,
    /// The project's id, when an earlier pass found it.
    pub known_project: Option<&'a str>,
    /// `run --git`: the remote's branches, for `spec.previews.fromBranches`.
    pub branches: Option<Vec<String>>,
}

impl Pass {
    /// A pass that has read nothing yet: in sync until something says otherwise.
    fn starting(window: PassWindow) -> Pass {
        Pass {
            kind: PassKind::InSync,
            plan: None,
            live: None,
            report: None,
            error: None,
            duration: Duration::ZERO,
            rollbacks: Vec::new(),
            live_after: None,
            window,
            failure_logs: FailureLogs::new(),
        }
    }
}

/// The `Stalled` reason `run` gives for a plan the gate refused.
fn refusal_reason(refusal: &Refusal) -> Reason {
    match refusal {
        Refusal::Blocked(_) => Reason::EnvironmentUnreachable,
        Refusal::Unresolved(_) => Reason::UnresolvedReference,
        Refusal::MajorChange(_) => Reason::DatabaseMajorChange,
    }
}

/// Runs one pass, reading the project `known_project` when an earlier pass found its id. Writes (rollbacks included) only when the manifest's drift policy is
/// `self-heal`, it is not suspended and no change window holds writes (unless
/// `override_windows`); destructive actions are allowed exactly when the policy allows pruning.
pub async fn reconcile(
    client: &Client,
    desired: &Desired,
    stop: Arc<AtomicBool>,
    context: PassContext<'_>,
) -> Pass {
    let PassContext {
        rollbacks,
        override_windows,
        known_project,
        branches,
    } = context;
    let started = Instant::now();
    let window = PassWindow::at(desired, chrono::Utc::now(), override_windows);
    let mut pass = Pass::starting(window);
    let live = match snapshot::snapshot_known(client, &desired.project, known_project).await {
        Ok(live) => live,
        Err(error) => {
            fail(&mut pass, &error);
            pass.duration = started.elapsed();
            return pass;
        }
    };
    let options = PlanOptions {
        branches,
        ..PlanOptions::from_env()
    };
    let planned = match gate(desired, &live, &options) {
        Ok(planned) => planned,
        Err(refusal) => {
            pass.kind = PassKind::Stalled;
            pass.error = Some(PassError::new(
                refusal_reason(&refusal),
                refusal.lines().join("\n"),
            ));
            pass.live = Some(live);
            pass.duration = started.elapsed();
            return pass;
        }
    };
    let writes = desired.policy.drift == DriftPolicy::SelfHeal
        && !desired.policy.suspend
        && !pass.window.holds();
    if writes && let Some(project) = &live.project {
        pass.rollbacks = roll_back_failures(
            client,
            desired,
            project,
            &rollbacks.revision,
            &rollbacks.handled,
        )
        .await;
    }
    if !writes || !planned.needs_apply() {
        pass.kind = if planned.has_changes() {
            PassKind::DriftReported
        } else {
            PassKind::InSync
        };
        pass.plan = Some(planned);
        pass.live = Some(live);
        pass.duration = started.elapsed();
        return pass;
    }
    apply_pass(client, desired, &planned, &live, stop, &mut pass).await;
    pass.plan = Some(planned);
    pass.live = Some(live);
    pass.duration = started.elapsed();
    pass
}

/// Applies the plan and records what came of it: the report (and health re-read after a
/// deploy) on success, a classified failure otherwise.
async fn apply_pass(
    client: &Client,
    desired: &Desired,
    planned: &Plan,
    live: &Live,
    stop: Arc<AtomicBool>,
    pass: &mut Pass,
) {
    let options = ApplyOptions {
        confirm_destructive: desired.policy.prune,
        stop: Some(stop),
    };
    match apply::apply(
        client,
        &desired.project,
        planned,
        live,
        options,
        &mut |_| {},
    )
    .await
    {
        Ok(report) => {
            pass.kind = if planned.has_changes() {
                PassKind::Applied
            } else {
                PassKind::InSync
            };
            if deployed(&report) {
                // Health from the deployments just started, not the ones they replace; a
                // failed re-read leaves the next pass to tell.
                let known = live.project.as_ref().map(|p| p.id.as_str());
                pass.live_after = snapshot::snapshot_known(client, &desired.project, known)
                    .await
                    .ok();
            }
            pass.report = Some(report);
        }
        Err(error) => record_apply_failure(pass, error),
    }
}

/// Classifies a failed apply: retried next pass, or stalled until the source changes.
fn record_apply_failure(pass: &mut Pass, error: ApplyError) {
    match error {
        ApplyError::Failed {
            address, source, ..
        } => {
            fail(pass, &source);
            if let Some(error) = &mut pass.error {
                error.message = format!("at {address}: {}", error.message);
            }
        }
        ApplyError::Interrupted { .. } => {
            pass.kind = PassKind::Failed;
            pass.error = Some(PassError::new(
                Reason::Interrupted,
                "stopped by shutdown between two actions".into(),
            ));
        }
        // R15: the next pass re-reads and plans again.
        error @ ApplyError::Stale { .. } => {
            pass.kind = PassKind::Failed;
            pass.error = Some(PassError::new(
                Reason::EnvironmentChanged,
                error.to_string(),
            ));
        }
        error @ ApplyError::DestructiveNotConfirmed(_) => {
            pass.kind = PassKind::Stalled;
            pass.error = Some(PassError::new(
                Reason::DestructiveNotAllowed,
                error.to_string(),
            ));
        }
    }
}

/// Whether the apply sent a deploy (explicit, or by a deploying commit).
fn deployed(report: &Report) -> bool {
    report.events.iter().any(|event| {
        event.address.starts_with("deploy.") && matches!(event.outcome, apply::Outcome::Applied(_))
    })
}

fn fail(pass: &mut Pass, error: &RailwayError) {
    let (kind, reason) = match error {
        RailwayError::Unauthorized { .. } => (PassKind::Stalled, Reason::Unauthorized),
        // R27: retrying cannot help until the token changes.
        RailwayError::CannotDecrypt { .. } => (PassKind::Stalled, Reason::CannotDecrypt),
        // The lease went with the lock session: another replica takes over; this one rejoins.
        RailwayError::Fenced { .. } => (PassKind::Failed, Reason::LockLost),
        error if error.is_retryable() => (PassKind::Failed, Reason::RailwayUnavailable),
        RailwayError::NotFound { .. } => (PassKind::Failed, Reason::NotFound),
        _ => (PassKind::Stalled, Reason::RailwayRejected),
    };
    pass.kind = kind;
    pass.error = Some(PassError::new(reason, error.to_string()));
}
