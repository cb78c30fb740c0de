//! The change probe's turn in the `run` loop: which held projects are probed together, the
//! request budget's say on when, and what each project's mark means for its next pass. The probe
//! itself is `railway::probe`; the marks live in the slots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::super::reconcile::PassKind;
use super::super::slots::Slot;
use super::super::status::BudgetStatus;
use super::super::steady::{self, Standing};
use super::Runner;
use crate::railway::probe::ProbeMark;

impl Runner {
    /// Whether the slot's next pass starts with the change probe: its project's id is known
    /// (R34 project tokens aside) and the probe has not already said it moved.
    pub(super) fn needs_probe(&self, slot: &Slot) -> bool {
        !self.config.once
            && !self.client.uses_project_token()
            && slot.project_id.is_some()
            && !slot.moved
    }

    /// When a held project waiting for the probe is due, probes it together with every such
    /// project due within a tenth of an interval (the jitter's reach) in one round. Settled
    /// projects are due at the rounds, an interval apart (`join_round`), so a round finds them
    /// all and fills its requests. An unmoved project records its pass at once; a moved one gets
    /// a full pass next. With a request budget, the round waits its turn.
    pub(super) async fn probe_due(&mut self) {
        let now = Instant::now();
        let waiting = |slot: &Slot, by: Instant| {
            slot.desired.is_some()
                && !slot.stalled
                && !slot.busy
                && slot.next_due <= by
                && self.works_on(slot)
                && self.needs_probe(slot)
        };
        if !self.slots.values().any(|slot| waiting(slot, now)) {
            return;
        }
        let gather = self.config.interval / 10;
        // A round an interval after the last one (or the first) sets the pace of the next ones;
        // one for a few projects between rounds (after a full pass) leaves it.
        let on_pace = self
            .round
            .is_none_or(|round| now + gather >= round + self.config.interval);
        let horizon = now + gather;
        let chosen: Vec<(PathBuf, String)> = self
            .slots
            .iter()
            .filter(|(_, slot)| waiting(slot, horizon))
            .filter_map(|(path, slot)| Some((path.clone(), slot.project_id.clone()?)))
            .collect();
        let mut ids: Vec<String> = chosen.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        if let Some(budget) = &mut self.budget {
            budget.observe(self.client.requests_sent(), now);
            let at = budget.probe_at(self.prober.cost(ids.len()) as u64, now);
            if at > now {
                for (path, _) in &chosen {
                    if let Some(slot) = self.slots.get_mut(path) {
                        slot.next_due = slot.next_due.max(at);
                    }
                }
                return;
            }
        }
        if on_pace {
            self.round = Some(now);
        }
        let started = std::time::Instant::now();
        let (marks, requests) = self.prober.probe(&self.client, &ids).await;
        if let Some(budget) = &mut self.budget {
            budget.probed(requests, self.client.requests_sent(), Instant::now());
        }
        let marks = marks.unwrap_or_else(|error| {
            tracing::warn!(error = %error, "the change probe failed; reading the projects whole");
            Default::default()
        });
        self.apply_marks(chosen, &marks, started.elapsed());
    }

    fn apply_marks(
        &mut self,
        chosen: Vec<(PathBuf, String)>,
        marks: &BTreeMap<String, ProbeMark>,
        took: Duration,
    ) {
        let now = Instant::now();
        let mut unmoved = Vec::new();
        for (path, id) in chosen {
            let Some(slot) = self.slots.get_mut(&path) else {
                continue;
            };
            match marks.get(&id) {
                Some(ProbeMark::Seen(mark))
                    if slot.mark.as_ref().is_some_and(|m| m.stands_for(mark, now)) =>
                {
                    // After the inventory write, the project is in sync as of this probe.
                    let kind = match slot.mark {
                        Some(Standing::Written { .. }) => Some(PassKind::InSync),
                        _ => slot.last_kind,
                    };
                    slot.mark = Some(Standing::Settled(mark.digest.clone()));
                    if let (Some(desired), Some(kind)) = (slot.desired.clone(), kind) {
                        unmoved.push((path, desired, kind));
                    }
                    continue;
                }
                Some(ProbeMark::Seen(mark)) => slot.probed = Some(mark.clone()),
                // Found again by name on the full pass.
                Some(ProbeMark::Gone) => slot.project_id = None,
                Some(ProbeMark::Unknown) | None => slot.probed = None,
            }
            slot.moved = true;
            slot.next_due = slot.next_due.min(now);
        }
        for (path, desired, kind) in unmoved {
            let pass = steady::unmoved_pass(&desired, kind, took);
            self.record_pass(path, desired, pass);
        }
    }

    /// A project whose probe stands for its passes is next due at a probe round, shared with
    /// the others (`steady::on_round`); any other keeps its own due (a follow-up after a write,
    /// a backoff, a change window's end).
    pub(super) fn join_round(&mut self, path: &Path) {
        let Some(round) = self.round else {
            return;
        };
        let Some(slot) = self.slots.get(path) else {
            return;
        };
        if slot.mark.is_none() || !self.needs_probe(slot) {
            return;
        }
        let at = steady::on_round(slot.next_due, round, self.config.interval, Instant::now());
        if let Some(slot) = self.slots.get_mut(path) {
            slot.next_due = at;
        }
    }

    /// The API counters and the request budget, into the status.
    pub(super) fn note_requests(&mut self) {
        let sent = self.client.requests_sent();
        if let Some(budget) = &mut self.budget {
            budget.observe(sent, Instant::now());
        }
        if let Ok(mut s) = self.status.write() {
            s.metrics.api_requests = self.client.stats().requests.into_iter().collect();
            s.rate_limit.budget = self.budget.as_ref().map(|budget| BudgetStatus {
                limit: budget.spec().limit,
                window_seconds: budget.spec().window.as_secs(),
                described: budget.spec().describe(),
                used: budget.used(),
                used_ratio: budget.used_ratio(),
            });
        }
    }
}
