//! The manifest: serde model, loading with file:line:col diagnostics, validation (every problem
//! at once), `${VAR}` expansion and per-environment overlays. Reads files and the process
//! environment; never talks to the network.

pub mod desired;

pub use desired::Desired;
