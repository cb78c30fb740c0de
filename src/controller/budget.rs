//! The request budget (`--request-budget 10000/h`, R40: Railway's hourly budget per token):
//! what this replica sent in the trailing window, split into probes and everything else, and when
//! the next probe round may go so that all of it stays under [`BUDGET_SHARE`] of the budget.
//! Writes, snapshots and health follow-ups are never held: probes yield to them. No I/O.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The part of the budget the operator plans to use; the rest is headroom for people and other
/// tools sharing the token.
pub const BUDGET_SHARE: f64 = 0.8;

/// `N/h`, `N/m`, `N/s` or `N/<duration>` (e.g. `1000/30s`): at most N requests per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetSpec {
    pub limit: u64,
    pub window: Duration,
}

/// A request budget that is not `REQUESTS/WINDOW`; the text is quoted as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "request budget {text:?}: expected REQUESTS/WINDOW, e.g. 10000/h (Railway Pro), 1000/h (Hobby), 100/h (Free)"
)]
pub struct BudgetSpecError {
    pub text: String,
}

impl BudgetSpec {
    /// Parses `10000/h`, `1000/1h`, `500/30m`, `100/90s`.
    ///
    /// # Errors
    /// [`BudgetSpecError`] when `text` is not `REQUESTS/WINDOW` with both above zero.
    pub fn parse(text: &str) -> Result<Self, BudgetSpecError> {
        let wrong = || BudgetSpecError {
            text: text.to_string(),
        };
        let (count, window) = text.trim().split_once('/').ok_or_else(wrong)?;
        let limit: u64 = count
            .trim()
            .replace(['_', ','], "")
            .parse()
            .map_err(|_| wrong())?;
        let window = match window.trim() {
            "h" | "hour" => Duration::from_secs(3600),
            "m" | "min" => Duration::from_secs(60),
            "s" => Duration::from_secs(1),
            other => crate::duration::parse_duration(other).map_err(|_| wrong())?,
        };
        if limit == 0 || window.is_zero() {
            return Err(wrong());
        }
        Ok(BudgetSpec { limit, window })
    }

    /// `10,000 requests/h`, `1,000 requests per 30s`.
    pub fn describe(&self) -> String {
        let per = if self.window == Duration::from_secs(3600) {
            "/h".to_string()
        } else {
            format!(" per {}", crate::duration::format_duration(self.window))
        };
        format!("{} requests{per}", thousands(self.limit))
    }

    /// Requests the operator allows itself per window.
    pub fn share(&self) -> f64 {
        self.limit as f64 * BUDGET_SHARE
    }
}

/// `10000` → `10,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spent {
    Probe,
    Other,
}

/// Requests sent in the trailing window, and the pace of probe rounds.
#[derive(Debug)]
pub struct RequestBudget {
    spec: BudgetSpec,
    spent: VecDeque<(Instant, Spent, u64)>,
    /// The client's request counter when last looked at.
    seen: u64,
    last_probe: Option<Instant>,
}

impl RequestBudget {
    pub fn new(spec: BudgetSpec, sent_so_far: u64) -> Self {
        RequestBudget {
            spec,
            spent: VecDeque::new(),
            seen: sent_so_far,
            last_probe: None,
        }
    }

    pub fn spec(&self) -> BudgetSpec {
        self.spec
    }

    /// Counts what the client sent since the last look (`sent` is its running total) as other
    /// requests than probes.
    pub fn observe(&mut self, sent: u64, now: Instant) {
        let new = sent.saturating_sub(self.seen);
        self.seen = sent;
        if new > 0 {
            self.spent.push_back((now, Spent::Other, new));
        }
        self.forget(now);
    }

    /// A probe round that sent `requests`, the client's total now being `sent`.
    pub fn probed(&mut self, requests: u64, sent: u64, now: Instant) {
        self.observe(sent.saturating_sub(requests), now);
        self.seen = sent;
        self.spent.push_back((now, Spent::Probe, requests));
        self.last_probe = Some(now);
    }

    fn forget(&mut self, now: Instant) {
        while let Some((at, _, _)) = self.spent.front() {
            if now.saturating_duration_since(*at) < self.spec.window {
                break;
            }
            self.spent.pop_front();
        }
    }

    /// Requests sent in the trailing window.
    pub fn used(&self) -> u64 {
        self.spent.iter().map(|(_, _, n)| n).sum()
    }

    fn used_by(&self, kind: Spent) -> u64 {
        self.spent
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(_, _, n)| n)
            .sum()
    }

    /// Used share of the whole budget, 0 to 1 (and above when overspent).
    pub fn used_ratio(&self) -> f64 {
        self.used() as f64 / self.spec.limit as f64
    }

    /// When a probe round of `cost` requests may go: `now`, or later. Rounds are spaced so that
    /// what is left of the share after everything else, spread over the window, pays for them;
    /// and never past the share.
    pub fn probe_at(&self, cost: u64, now: Instant) -> Instant {
        let cost = cost.max(1);
        let share = self.spec.share();
        let left = (share - self.used_by(Spent::Other) as f64).max(cost as f64);
        let gap = self.spec.window.mul_f64((cost as f64 / left).min(1.0));
        let mut at = self.last_probe.map_or(now, |last| (last + gap).max(now));
        if (self.used() + cost) as f64 > share {
            // Past the share: wait until enough of the window's oldest requests age out.
            let mut excess = (self.used() + cost) as f64 - share;
            for (when, _, n) in &self.spent {
                excess -= *n as f64;
                if excess <= 0.0 {
                    at = at.max(*when + self.spec.window);
                    break;
                }
            }
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_per_hour_minute_and_any_duration() {
        let pro = BudgetSpec::parse("10000/h").expect("parses");
        assert_eq!((pro.limit, pro.window), (10_000, Duration::from_secs(3600)));
        assert_eq!(pro.describe(), "10,000 requests/h");
        let short = BudgetSpec::parse("1000/30s").expect("parses");
        assert_eq!(short.window, Duration::from_secs(30));
        for bad in ["", "10000", "x/h", "0/h", "100/0s", "100/soon"] {
            assert!(BudgetSpec::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn probe_rounds_are_spread_over_what_is_left_of_the_share() {
        let spec = BudgetSpec::parse("1000/h").expect("parses");
        let start = Instant::now();
        let mut budget = RequestBudget::new(spec, 0);
        // 400 requests of snapshots and writes: 400 of the 800 left for probes of 4.
        budget.observe(400, start);
        assert_eq!(budget.probe_at(4, start), start);
        budget.probed(4, 404, start);
        let next = budget.probe_at(4, start);
        assert_eq!(next - start, Duration::from_secs(36), "3600 s × 4 / 400");
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_share_probes_wait_for_the_window_to_slide() {
        let spec = BudgetSpec::parse("100/h").expect("parses");
        let start = Instant::now();
        let mut budget = RequestBudget::new(spec, 0);
        budget.observe(79, start);
        let at = budget.probe_at(4, start + Duration::from_secs(1));
        assert_eq!(at, start + Duration::from_secs(3600));
        assert!((budget.used_ratio() - 0.79).abs() < 1e-9);
    }
}
