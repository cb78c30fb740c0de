//! The long-running reconciler (`railway-operator run`): sources, the reconcile loop, drift
//! policy, status and its HTTP face. It never bypasses plan and apply.

pub mod source;
pub mod status;
