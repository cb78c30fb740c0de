//! The long-running reconciler (`railway-operator run`): sources, the reconcile loop, drift
//! policy, status and its HTTP face. It never bypasses plan and apply.

pub mod backups;
pub mod budget;
pub mod config;
pub mod events;
pub mod failure_logs;
pub mod http;
pub mod leases;
pub mod observe;
pub mod reconcile;
pub mod run;
pub mod slots;
pub mod source;
pub mod status;
pub mod steady;
pub mod trigger;
