//! Rollouts: what a service instance's deployments say about its health, and following the
//! deployments an apply started until they settle (`apply --wait`). Reads only; the one write
//! here is the rollback `run` asks for.

pub mod follow;
pub mod health;
pub mod logs;
pub mod previews;
pub mod progress;
pub mod rollback;
pub mod targets;

pub use follow::{Phase, Progress, Target, WaitOptions, follow};
pub use health::{Health, is_settled};
pub use logs::{
    DEFAULT_LOG_LINES, LogKind, LogLine, generated_values, last_lines, latest_logs, mask,
    read_logs, secret_values,
};
pub use progress::ProgressPrinter;
