//! The plan: a pure function from (desired, live) to typed actions, and their rendering as
//! Terraform-style text or versioned JSON. Performs no I/O.

pub mod access;
pub mod action;
pub mod databases;
pub mod diff;
pub mod domains;
pub mod gate;
pub mod ignore;
pub mod references;
pub mod render;
pub mod saved;
pub mod settings;
pub mod variables;
pub mod volumes;

pub use action::{
    Action, FieldChange, IgnoredDifference, InventoryWrite, PLAN_FORMAT_VERSION, Plan, Risk,
    Summary, VariableChange, VariableOp,
};
pub use diff::{OWN_SERVICE_ENV, PlanOptions, plan};
pub use settings::diff_settings;
