//! Steady passes: which finished passes leave a project settled (so that an unmoved probe may
//! stand in for its next pass), and the pass recorded when the probe saw nothing move. Pure:
//! the loop in `run` sends the probe and keeps the marks.

use std::time::Duration;

use super::reconcile::{Pass, PassKind, PassWindow};
use crate::manifest::Desired;
use crate::rollout::Health;

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
