//! A service instance's health from its latest deployment's status (R42): the one mapping that
//! `apply --wait`, `run`, the page and `/metrics` share. Pure; no I/O.

use serde::Serialize;

/// Argo CD's vocabulary, for a Railway service instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub enum Health {
    /// The latest deployment is live (`SUCCESS`, or `SLEEPING` for a serverless one).
    Healthy,
    /// A deployment is on its way: queued, building, deploying, waiting for CI or approval.
    Progressing,
    /// The latest deployment ended `FAILED` or `CRASHED`.
    Degraded,
    /// No deployment yet, or one that was removed or skipped: nothing says what runs.
    #[default]
    Unknown,
}

impl Health {
    pub const ALL: [Health; 4] = [
        Health::Healthy,
        Health::Progressing,
        Health::Degraded,
        Health::Unknown,
    ];

    /// R42: `SUCCESS`/`SLEEPING` are done; `FAILED`/`CRASHED` failed; `REMOVED`/`SKIPPED` say
    /// nothing about what runs; every other status is on its way.
    pub fn of_status(status: Option<&str>) -> Health {
        match status {
            None => Health::Unknown,
            Some("SUCCESS" | "SLEEPING") => Health::Healthy,
            Some("FAILED" | "CRASHED") => Health::Degraded,
            Some("REMOVED" | "REMOVING" | "SKIPPED") => Health::Unknown,
            Some(_) => Health::Progressing,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "Healthy",
            Health::Progressing => "Progressing",
            Health::Degraded => "Degraded",
            Health::Unknown => "Unknown",
        }
    }
}

/// True once a deployment with this status will not change by itself (R42): done, failed,
/// removed or skipped. `apply --wait` stops following it then.
pub fn is_settled(status: &str) -> bool {
    matches!(
        status,
        "SUCCESS" | "SLEEPING" | "FAILED" | "CRASHED" | "REMOVED" | "SKIPPED"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r42_every_deployment_status_maps_to_one_health() {
        let cases = [
            ("SUCCESS", Health::Healthy),
            ("SLEEPING", Health::Healthy),
            ("FAILED", Health::Degraded),
            ("CRASHED", Health::Degraded),
            ("REMOVED", Health::Unknown),
            ("REMOVING", Health::Unknown),
            ("SKIPPED", Health::Unknown),
            ("INITIALIZING", Health::Progressing),
            ("QUEUED", Health::Progressing),
            ("WAITING", Health::Progressing),
            ("BUILDING", Health::Progressing),
            ("DEPLOYING", Health::Progressing),
            ("NEEDS_APPROVAL", Health::Progressing),
        ];
        for (status, health) in cases {
            assert_eq!(Health::of_status(Some(status)), health, "{status}");
        }
        assert_eq!(Health::of_status(None), Health::Unknown);
    }

    #[test]
    fn only_finished_statuses_are_settled() {
        assert!(is_settled("CRASHED"));
        assert!(is_settled("SUCCESS"));
        assert!(!is_settled("DEPLOYING"));
        assert!(!is_settled("REMOVING"));
    }
}
