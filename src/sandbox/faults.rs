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
    /// HTTP 429 with `Retry-After: 1`.
    RateLimit,
    /// HTTP 200 with Railway's generic `Problem processing request` envelope.
    Problem,
    /// HTTP 200 with Railway's transient `Failed to create service domain, please try again`
    /// error, without performing the operation.
    TryAgain,
}

impl FromStr for FaultKind {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "drop-after-commit" => Ok(Self::DropAfterCommit),
            "error500" => Ok(Self::Error500),
            "ratelimit" => Ok(Self::RateLimit),
            "problem" => Ok(Self::Problem),
            "try-again" => Ok(Self::TryAgain),
            other => Err(FaultPlanError(format!(
                "unknown fault kind {other:?} (expected drop-after-commit, error500, ratelimit, problem or try-again)"
            ))),
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DropAfterCommit => "drop-after-commit",
            Self::Error500 => "error500",
            Self::RateLimit => "ratelimit",
            Self::Problem => "problem",
            Self::TryAgain => "try-again",
        })
    }
}

/// One `OP=KIND[@RATE]` entry. `operation` is an operation name, a root field name or `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub operation: String,
    pub kind: FaultKind,
    pub rate: f64,
}

/// An ordered list of fault rules; the first rule matching a request decides.
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
    let (kind_text, rate) = match rest.split_once('@') {
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
            (kind, rate)
        }
        None => (rest, 1.0),
    };
    let kind = kind_text
        .trim()
        .parse()
        .map_err(|FaultPlanError(why)| FaultPlanError(format!("{part:?}: {why}")))?;
    Ok(FaultRule {
        operation: operation.to_string(),
        kind,
        rate,
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
        let matching = self.plan.rules.iter().find(|rule| {
            rule.operation == "*"
                || operation_name == Some(rule.operation.as_str())
                || root_fields.contains(&rule.operation)
        })?;
        let (kind, rate) = (matching.kind, matching.rate);
        if rate >= 1.0 || self.rng.random::<f64>() < rate {
            Some(kind)
        } else {
            None
        }
    }
}
