//! The only code that talks HTTP to Railway: the `post::<Op>()` choke point, typed operations,
//! error classification, and the snapshot that builds [`Live`]. Never decides what to change.

pub mod client;
pub mod error;
pub mod live;
pub mod ops;
pub mod probe;
pub mod retry;
pub mod snapshot;
pub mod throttle;

pub use client::{Auth, Client, ClientConfig, DEFAULT_API_URL};
pub use error::Error;
pub use live::Live;
pub use snapshot::read_environment_volumes;
