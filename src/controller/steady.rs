//! Steady passes: which finished passes leave a project settled (so that an unmoved probe may
//! stand in for its next pass), and the pass recorded when the probe saw nothing move. Pure:
//! the loop in `run` sends the probe and keeps the marks.

use std::time::Duration;

use tokio::time::Instant;

use super::reconcile::{Pass, PassKind, PassWindow};
use crate::manifest::Desired;
use crate::railway::probe::Mark;
use crate::rollout::Health;

/// What a project's last full pass leaves for the change probe to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// A settled pass: the digest of the probe taken right before it.
    Settled(String),
    /// A pass whose one write was the operator's inventory, into the environments `written`
    /// (ids): a probe by `until` (right after the pass) that shows nothing moved since `before`
    /// (the probe taken right before the pass) but those environments' `configEtag` stands for
    /// the pass after it, so the write costs no second full pass. A change someone makes between
    /// the write and that probe goes unseen until something else moves, as one between the
    /// configEtag check and the write does (R15: last writer wins).
    Written {
        before: Mark,
        written: Vec<String>,
        until: Instant,
    },
}

impl Standing {
    /// Whether the probe's `mark`, taken at `now`, shows the project as the pass left it.
    pub fn stands_for(&self, mark: &Mark, now: Instant) -> bool {
        match self {
            Standing::Settled(digest) => &mark.digest == digest,
            Standing::Written {
                before,
                written,
                until,
            } => now <= *until && mark.moved_only_in(before, written),
        }
    }
}

/// What `pass` leaves for the next probe, given the probe taken right before it (`probed`):
/// a settled pass stands as that probe; a pass that wrote only the inventory stands as that
/// probe plus its own write, for a probe within `reach`; any other, nothing (a full pass next).
pub fn standing(pass: &Pass, probed: Option<Mark>, reach: Duration) -> Option<Standing> {
    let probed = probed?;
    if settled(pass) {
        return Some(Standing::Settled(probed.digest));
    }
    Some(Standing::Written {
        before: probed,
        written: inventory_only(pass)?,
        until: Instant::now() + reach,
    })
}

/// The ids of the environments a pass wrote the inventory into, when that was all it wrote and
/// nothing it saw is still on its way.
fn inventory_only(pass: &Pass) -> Option<Vec<String>> {
    let plan = pass.plan.as_ref()?;
    // An apply with no action to take: `run` counts it in sync.
    let quiet = pass.kind == PassKind::InSync
        && pass.report.is_some()
        && pass.error.is_none()
        && pass.rollbacks.is_empty()
        && plan.actions.is_empty()
        && plan.held.is_empty()
        && !plan.inventory_writes.is_empty()
        && !progressing(pass);
    if !quiet {
        return None;
    }
    let project = pass.live.as_ref()?.project.as_ref()?;
    plan.inventory_writes
        .iter()
        .map(|write| {
            project
                .persistent_environment_named(&write.environment)
                .map(|e| e.id.clone())
        })
        .collect()
}

/// Whether the probe taken right before `pass` may stand for the project until it moves: the
/// pass wrote nothing, saw no deployment on its way, failed in nothing, and what it left alone
/// stays left alone until the manifest changes (report mode or suspend; never a change window,
/// whose end must bring a pass).
pub fn settled(pass: &Pass) -> bool {
    let quiet = pass.report.is_none()
        && pass.error.is_none()
        && pass.rollbacks.is_empty()
        && !progressing(pass);
    match pass.kind {
        PassKind::InSync => quiet,
        PassKind::DriftReported => quiet && !pass.window.holds(),
        _ => false,
    }
}

fn progressing(pass: &Pass) -> bool {
    pass.latest_live()
        .and_then(|live| live.project.as_ref())
        .is_some_and(|project| {
            project
                .environments
                .iter()
                .flat_map(|e| e.instances.values())
                .filter_map(|i| i.latest_deployment.as_ref())
                .any(|d| Health::of_status(Some(&d.status)) == Health::Progressing)
        })
}

/// The pass recorded for a project whose probe did not move: the last full pass's result
/// stands (`kind`), nothing was read beyond the probe, nothing written.
pub fn unmoved_pass(desired: &Desired, kind: PassKind, took: Duration) -> Pass {
    Pass {
        kind,
        plan: None,
        live: None,
        report: None,
        error: None,
        duration: took,
        rollbacks: Vec::new(),
        live_after: None,
        window: PassWindow::at(desired, chrono::Utc::now(), false),
        failure_logs: Default::default(),
    }
}

/// When a project whose probe stands for its passes is next due: the latest probe round (`round`
/// plus whole intervals) no later than its own due plus the jitter's reach, if that round is
/// still ahead; else its own due. Settled projects then meet in the same rounds and share the
/// probe's requests (25 projects each) instead of drifting apart into half-empty rounds, and
/// none is looked at later than a tenth of an interval past its own due.
pub fn on_round(own: Instant, round: Instant, interval: Duration, now: Instant) -> Instant {
    let reach = own + interval / 10;
    if interval.is_zero() || reach <= round {
        return own;
    }
    let whole = (reach - round).as_nanos() / interval.as_nanos();
    let at = u32::try_from(whole)
        .ok()
        .and_then(|k| interval.checked_mul(k))
        .and_then(|offset| round.checked_add(offset));
    match at {
        Some(at) if at > now => at,
        _ => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_project_probed_in_a_round_is_due_at_the_next_round_whatever_its_jitter() {
        let round = Instant::now();
        let now = round + Duration::from_secs(2);
        for jitter in [0.9, 1.0, 1.099] {
            let own = now + MINUTE.mul_f64(jitter);
            assert_eq!(
                on_round(own, round, MINUTE, now),
                round + MINUTE,
                "{jitter}"
            );
        }
    }

    #[test]
    fn a_project_settled_between_rounds_joins_the_next_one_and_never_waits_past_its_reach() {
        let round = Instant::now();
        let now = round + Duration::from_secs(40);
        let own = now + MINUTE;
        assert_eq!(
            on_round(own, round, MINUTE, now),
            round + MINUTE,
            "an early look, in the next round"
        );
        let now = round + Duration::from_secs(55);
        let own = now + MINUTE.mul_f64(1.09);
        let at = on_round(own, round, MINUTE, now);
        assert_eq!(at, round + MINUTE * 2);
        assert!(at <= own + MINUTE / 10);
    }

    #[test]
    fn a_due_before_any_round_ahead_stays_its_own() {
        let round = Instant::now();
        let now = round + Duration::from_secs(1);
        let soon = now + Duration::from_secs(5);
        assert_eq!(on_round(soon, round, MINUTE, now), soon);
        assert_eq!(on_round(soon, round, Duration::ZERO, now), soon);
    }
}
