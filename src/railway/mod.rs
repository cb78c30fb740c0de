//! The only code that talks HTTP to Railway: the `post::<Op>()` choke point, typed operations,
//! error classification, and the snapshot that builds [`Live`]. Never decides what to change.

pub mod live;

pub use live::Live;
