//! Rollouts: what a service instance's deployments say about its health, and following the
//! deployments an apply started until they settle (`apply --wait`). Reads only; the one write
//! here is the rollback `run` asks for.

pub mod follow;
pub mod health;
pub mod progress;
pub mod rollback;
pub mod targets;

pub use follow::{Phase, Progress, Target, WaitOptions, follow};
pub use health::{Health, is_settled};
pub use progress::ProgressPrinter;
