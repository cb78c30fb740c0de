//! What `run` is started with: the source, the interval, the HTTP listener, the lock and the
//! budget. Plain data, read by the run loop and its slots.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::budget::BudgetSpec;
use super::source::SourceSpec;
use crate::backup::RunnerConfig;
use crate::lease::LeaseStore;

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub source: SourceSpec,
    pub interval: Duration,
    pub listen: Option<SocketAddr>,
    pub admin_token: Option<String>,
    /// One pass over every project, then exit with plan-style codes.
    pub once: bool,
    /// Used when a manifest names no workspace (`RAILWAY_WORKSPACE_ID`).
    pub workspace_fallback: Option<String>,
    /// Reported in status as the pacing cap.
    pub requests_per_second_cap: f64,
    /// How operator-run backups wait for Railway's workflow and retry.
    pub backup_runner: RunnerConfig,
    /// Projects reconciled at once (at least 1).
    pub concurrency: usize,
    /// This replica's name in the status and in the lock database.
    pub instance_id: String,
    /// The leases' PostgreSQL, from `--lock-url`; `None` runs unguarded.
    pub lock: Option<Arc<LeaseStore>>,
    /// `--age-key-file`: opens SOPS-encrypted manifests (else SOPS_AGE_KEY / SOPS_AGE_KEY_FILE).
    pub age_key_file: Option<std::path::PathBuf>,
    /// `--request-budget`: probe rounds are paced to stay under its share; `None` is unpaced.
    pub request_budget: Option<BudgetSpec>,
}
