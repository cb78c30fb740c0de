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
}

/// Per target key, and the totals behind `backups_total{result=success|failure}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupStats {
    pub targets: BTreeMap<TargetKey, TargetStats>,
    /// `backups_total{result="success"}`.
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
                target.last_success = Some(finished_at);
                target.runs_ok += 1;
                target.pruned += outcome.pruned.len() as u64;
                target.prune_failures += outcome.prune_failures.len() as u64;
                self.success_total += 1;
            }
            Err(error) => {
                target.last_failure = Some((finished_at, error.to_string()));
                target.runs_failed += 1;
                self.failure_total += 1;
            }
        }
    }
}
