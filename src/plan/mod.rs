//! The plan: a pure function from (desired, live) to typed actions, and their rendering as
//! Terraform-style text or versioned JSON. Performs no I/O.

pub mod action;
pub mod diff;
pub mod render;

pub use action::{Action, FieldChange, PLAN_FORMAT_VERSION, Plan, Risk, Summary};
pub use diff::{PlanOptions, diff_settings, plan};
