//! What the backup scheduler has done, per target and in total, readable at any time (status page,
//! metrics). Counting only; it never decides whether to back up.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::runner::{BackupError, BackupOutcome};
use super::target::TargetKey;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetStats {
    pub last_success: Option<DateTime<Utc>>,
    /// When the latest failed run ended, and why it failed.
    pub last_failure: Option<(DateTime<Utc>, String)>,
    pub runs_ok: u64,
    pub runs_failed: u64,
    /// Backups retention deleted.
    pub pruned: u64,
    /// Deletions retention wanted that failed.
    pub prune_failures: u64,
    /// R26: the backup still being taken, which the next run follows instead of taking another.
    pub running: Option<String>,
}

/// Per target key, and the totals behind `backups_total{result=success|failure}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupStats {
    pub targets: BTreeMap<TargetKey, TargetStats>,
    /// `backups_total{result="success"}`: backups seen finished (a long one counts when it
    /// finishes, in whichever run sees it).
    pub success_total: u64,
    /// `backups_total{result="failure"}`.
    pub failure_total: u64,
}

impl BackupStats {
    /// `backups_total` for `result` = `success` or `failure` (anything else: 0).
    pub fn backups_total(&self, result: &str) -> u64 {
        match result {
            "success" => self.success_total,
            "failure" => self.failure_total,
            _ => 0,
        }
    }

    pub fn record(
        &mut self,
        key: &TargetKey,
        result: &Result<BackupOutcome, BackupError>,
        finished_at: DateTime<Utc>,
    ) {
        let target = self.targets.entry(key.clone()).or_default();
        match result {
            Ok(outcome) => {
                // A backup an earlier run left running counts once, when it is seen finished.
                let finished = u64::from(outcome.followed.is_some()) + u64::from(!outcome.running);
                if finished > 0 {
                    target.last_success = Some(finished_at);
                }
                target.runs_ok += finished;
                target.pruned += outcome.pruned.len() as u64;
                target.prune_failures += outcome.prune_failures.len() as u64;
                target.running = outcome.running.then(|| outcome.name.clone());
                self.success_total += finished;
            }
            Err(error) => {
                target.running = None;
                target.last_failure = Some((finished_at, error.to_string()));
                target.runs_failed += 1;
                self.failure_total += 1;
            }
        }
    }
}
