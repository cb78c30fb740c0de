//! Fault injection plans for the sandbox: the `OP=KIND[@RATE],...` grammar and the seeded,
//! deterministic decision of which request gets which fault. It must not touch HTTP itself.

use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How a request is sabotaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Perform the operation and keep its effect, then close the connection without a response.
    DropAfterCommit,
    /// HTTP 500 with an HTML body.
    Error500,
    /// HTTP 502 with a Cloudflare-like HTML error page, without performing the operation.
    Error502,
    /// Close the connection without any response and without performing the operation.
    Reset,
    /// Perform the operation, then hold the response back for the sandbox's `slow_delay`
    /// (longer than a client's timeout) before answering normally.
    Slow,
    /// HTTP 429 with `Retry-After: 1`.
    RateLimit,
    /// HTTP 200 with Railway's generic `Problem processing request` envelope.
    Problem,
    /// HTTP 200 with Railway's transient `Failed to create service domain, please try again`
    /// error, without performing the operation.
    TryAgain,
    /// R38: HTTP 200 with Railway's transient `Cannot redeploy yet, please wait for the
    /// original deployment to finish building`, nothing performed.
    RedeployNotReady,
    /// R38: HTTP 200 with a transient `... an operation is already in progress` error (the
    /// text before the ellipsis is a guess), nothing performed.
    InProgress,
    /// R39: HTTP 503 with a plain-text `upstream connect error` body, nothing performed.
    Error503Text,
    /// R39: HTTP 503 with a JSON `{"errors": [...]}` body, nothing performed.
    Error503Json,
    /// R39: HTTP 504 with a Cloudflare-like HTML page, nothing performed.
    Error504,
    /// R12, R27: served as if `decryptVariables` were false, as for a token whose access does
    /// not decrypt: every variable value null, sealed ones still flagged `isSealed`.
    Undecrypted,
}

impl FromStr for FaultKind {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "drop-after-commit" => Ok(Self::DropAfterCommit),
            "error500" => Ok(Self::Error500),
            "error502" => Ok(Self::Error502),
            "reset" => Ok(Self::Reset),
            "slow" => Ok(Self::Slow),
            "ratelimit" => Ok(Self::RateLimit),
            "problem" => Ok(Self::Problem),
            "try-again" => Ok(Self::TryAgain),
            "redeploy-not-ready" => Ok(Self::RedeployNotReady),
            "in-progress" => Ok(Self::InProgress),
            "error503-text" => Ok(Self::Error503Text),
            "error503-json" => Ok(Self::Error503Json),
            "error504" => Ok(Self::Error504),
            "undecrypted" => Ok(Self::Undecrypted),
            other => Err(FaultPlanError(format!(
                "unknown fault kind {other:?} (expected drop-after-commit, error500, error502, error503-text, error503-json, error504, reset, slow, ratelimit, problem, try-again, redeploy-not-ready, in-progress or undecrypted)"
            ))),
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DropAfterCommit => "drop-after-commit",
            Self::Error500 => "error500",
            Self::Error502 => "error502",
            Self::Reset => "reset",
            Self::Slow => "slow",
            Self::RateLimit => "ratelimit",
            Self::Problem => "problem",
            Self::TryAgain => "try-again",
            Self::RedeployNotReady => "redeploy-not-ready",
            Self::InProgress => "in-progress",
            Self::Error503Text => "error503-text",
            Self::Error503Json => "error503-json",
            Self::Error504 => "error504",
            Self::Undecrypted => "undecrypted",
        })
    }
}

/// One `OP=KIND[@RATE]` entry. `operation` is an operation name, a root field name or `*`.
/// `RATE` is a probability in (0, 1], or `xN`: always, for the first N matching requests only
/// (a fault that happens once, so a test can watch what the client does on its retry).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub operation: String,
    pub kind: FaultKind,
    pub rate: f64,
    /// With `xN`: how many more matching requests this rule faults.
    pub remaining: Option<u32>,
}

/// An ordered list of fault rules. For each request the sandbox draws one number in [0, 1) and
/// walks the rules matching the request in order, adding up their rates: the first rule whose
/// running total exceeds the draw decides. Several rules for the same operation (or `*`) thus
/// share one request stream, `*=error500@0.05,*=reset@0.04` faulting 9% of requests in all
/// (5% and 4%). A first matching rule with rate 1 always decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    pub rules: Vec<FaultRule>,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("invalid fault plan: {0}")]
pub struct FaultPlanError(pub String);

impl FromStr for FaultPlan {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut rules = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            rules.push(parse_rule(part)?);
        }
        Ok(Self { rules })
    }
}

fn parse_rule(part: &str) -> Result<FaultRule, FaultPlanError> {
    let (operation, rest) = part
        .split_once('=')
        .ok_or_else(|| FaultPlanError(format!("{part:?} is not OP=KIND[@RATE]")))?;
    let operation = operation.trim();
    if operation.is_empty() {
        return Err(FaultPlanError(format!("{part:?} has no operation")));
    }
    let (kind_text, rate, remaining) = match rest.split_once('@') {
        Some((kind, count_text)) if count_text.trim().starts_with('x') => {
            let count: u32 = count_text.trim()[1..].parse().map_err(|_| {
                FaultPlanError(format!(
                    "{part:?} has a count {count_text:?} that is not x followed by a whole number"
                ))
            })?;
            (kind, 1.0, Some(count))
        }
        Some((kind, rate_text)) => {
            let rate: f64 = rate_text.trim().parse().map_err(|_| {
                FaultPlanError(format!(
                    "{part:?} has a rate {rate_text:?} that is not a number"
                ))
            })?;
            if !(rate > 0.0 && rate <= 1.0) {
                return Err(FaultPlanError(format!(
                    "{part:?} has a rate {rate} outside (0, 1]"
                )));
            }
            (kind, rate, None)
        }
        None => (rest, 1.0, None),
    };
    let kind = kind_text
        .trim()
        .parse()
        .map_err(|FaultPlanError(why)| FaultPlanError(format!("{part:?}: {why}")))?;
    Ok(FaultRule {
        operation: operation.to_string(),
        kind,
        rate,
        remaining,
    })
}

/// Decides faults for a stream of requests, reproducibly for a given seed.
#[derive(Debug)]
pub(crate) struct FaultDecider {
    plan: FaultPlan,
    rng: StdRng,
}

impl FaultDecider {
    /// Replaces the rules at run time, keeping the random sequence going.
    pub(crate) fn replace(&mut self, plan: FaultPlan) {
        self.plan = plan;
    }

    pub(crate) fn new(plan: FaultPlan, seed: u64) -> Self {
        Self {
            plan,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The fault for a request known by its operation name and root field names, if any.
    pub(crate) fn decide(
        &mut self,
        operation_name: Option<&str>,
        root_fields: &[String],
    ) -> Option<FaultKind> {
        let mut matching = self.plan.rules.iter_mut().filter(|rule| {
            rule.remaining != Some(0)
                && (rule.operation == "*"
                    || operation_name == Some(rule.operation.as_str())
                    || root_fields.contains(&rule.operation))
        });
        let first = matching.next()?;
        if let Some(remaining) = &mut first.remaining {
            *remaining -= 1;
            return Some(first.kind);
        }
        if first.rate >= 1.0 {
            return Some(first.kind);
        }
        let draw = self.rng.random::<f64>();
        let mut running_total = 0.0;
        std::iter::once(first).chain(matching).find_map(|rule| {
            running_total += rule.rate;
            (draw < running_total).then_some(rule.kind)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decider(spec: &str, seed: u64) -> FaultDecider {
        FaultDecider::new(spec.parse().expect("valid spec"), seed)
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for name in [
            "drop-after-commit",
            "error500",
            "error502",
            "reset",
            "slow",
            "ratelimit",
            "problem",
            "try-again",
            "redeploy-not-ready",
            "in-progress",
            "error503-text",
            "error503-json",
            "error504",
            "undecrypted",
        ] {
            let kind: FaultKind = name.parse().expect("known kind");
            assert_eq!(kind.to_string(), name);
        }
    }

    #[test]
    fn unknown_kinds_and_rates_outside_the_unit_interval_are_refused() {
        assert!("*=explode".parse::<FaultPlan>().is_err());
        assert!("*=reset@0".parse::<FaultPlan>().is_err());
        assert!("*=reset@1.5".parse::<FaultPlan>().is_err());
        assert!("=reset".parse::<FaultPlan>().is_err());
    }

    #[test]
    fn several_rules_for_every_operation_each_get_their_share() {
        let mut faults = decider(
            "*=error500@0.05,*=error502@0.03,*=reset@0.04,*=drop-after-commit@0.05,*=problem@0.03",
            42,
        );
        let mut counts = std::collections::BTreeMap::new();
        let draws = 100_000;
        for _ in 0..draws {
            if let Some(kind) = faults.decide(Some("ServiceCreate"), &[]) {
                *counts.entry(kind.to_string()).or_insert(0u32) += 1;
            }
        }
        let share = |name: &str| f64::from(counts.get(name).copied().unwrap_or(0)) / draws as f64;
        for (name, rate) in [
            ("error500", 0.05),
            ("error502", 0.03),
            ("reset", 0.04),
            ("drop-after-commit", 0.05),
            ("problem", 0.03),
        ] {
            assert!((share(name) - rate).abs() < 0.005, "{name}: {counts:?}");
        }
    }

    #[test]
    fn a_certain_first_rule_always_decides() {
        let mut faults = decider("serviceCreate=reset,*=error500@0.5", 1);
        for _ in 0..100 {
            assert_eq!(
                faults.decide(None, &["serviceCreate".to_string()]),
                Some(FaultKind::Reset)
            );
        }
    }

    #[test]
    fn a_rule_for_another_operation_does_not_apply() {
        let mut faults = decider("serviceCreate=reset", 1);
        assert_eq!(
            faults.decide(Some("Projects"), &["projects".to_string()]),
            None
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let run = |seed| {
            let mut faults = decider("*=reset@0.3,*=slow@0.2", seed);
            (0..200)
                .map(|_| faults.decide(None, &[]))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn a_counted_rule_faults_only_its_first_requests_then_lets_them_through() {
        let mut faults = decider("serviceDelete=drop-after-commit@x2", 1);
        let delete = || vec!["serviceDelete".to_string()];
        assert_eq!(
            faults.decide(None, &delete()),
            Some(FaultKind::DropAfterCommit)
        );
        assert_eq!(
            faults.decide(None, &delete()),
            Some(FaultKind::DropAfterCommit)
        );
        assert_eq!(faults.decide(None, &delete()), None);
        assert!("serviceDelete=reset@xtwo".parse::<FaultPlan>().is_err());
    }
}
