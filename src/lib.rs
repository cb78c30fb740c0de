//! railway-operator: desired state of Railway projects from YAML manifests, reconciled through
//! Railway's public GraphQL API.
//!
//! The pipeline: [`manifest`] loads and validates a file into a [`manifest::Desired`];
//! [`railway::snapshot`] reads the live project into a [`railway::Live`] in at most two requests;
//! [`plan::plan`] (pure) turns both into a [`plan::Plan`]; [`apply`] executes it. The [`sandbox`]
//! emulates the Railway API subset for tests and demos; [`cli`] is the only user-facing edge.

// No unwrap()/expect() on anything input, the network or the clock can break (unit tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod apply;
pub mod backup;
pub mod change_window;
pub mod cli;
pub mod controller;
pub mod duration;
pub mod import;
pub mod inventory;
pub mod lease;
pub mod manifest;
pub mod notify;
pub mod ops;
pub mod plan;
pub mod railway;
pub mod report;
pub mod rollout;
pub mod sandbox;
pub mod secret;
