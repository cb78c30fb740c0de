//! Operator-run volume backups (`backups.cron` in the manifest): Railway keeps its native daily
//! backups only 6 days, so the operator takes and prunes its own, named so it can tell them apart.
//!
//! [`naming`] names them, [`limit`] knows Railway's 50 % limit on them (R25), [`retention`] and
//! [`cadence`] decide (pure), [`store`] abstracts Railway ([`railway_store`], or [`fake`] for
//! tests and demos), [`runner`] takes one backup (following one still running, [`in_flight`]) and [`scheduler`] runs them on their cron
//! schedules. Nothing here reconciles other resources.

pub mod cadence;
pub mod fake;
pub mod in_flight;
pub mod journal;
pub mod limit;
pub mod naming;
pub mod railway_store;
pub mod retention;
pub mod runner;
pub mod scheduler;
pub mod stats;
pub mod store;
pub mod target;

pub use in_flight::{InFlight, Journal, RunningBackup};
pub use journal::{InventoryJournal, LeaseJournal};
pub use retention::BackupRecord;
pub use runner::{BackupError, BackupOutcome, RunnerConfig, take_backup, take_manual_backup};
pub use scheduler::{BackupScheduler, BackupStats, TargetStats};
pub use store::{BackupStore, StoreError, WorkflowState};
pub use target::{BackupTarget, TargetKey};
