//! railway-operator: desired state of Railway projects from YAML manifests, reconciled through
//! Railway's public GraphQL API.
//!
//! # Where to start
//!
//! One pass is four steps, each a module that only reads the ones after it:
//!
//! 1. **Manifest** ([`manifest`]): [`load_file`] reads and validates a YAML file into a
//!    [`Desired`], or returns every problem with its `file:line:col`. No request is sent.
//! 2. **Snapshot** ([`railway`]): [`snapshot`] reads the live project through a [`Client`] into a
//!    [`Live`], in at most two requests whatever the project's size.
//! 3. **Plan** ([`mod@plan`]): [`gate`] is the one gate every pass goes through, the CLI's and the
//!    controller's alike: environments the token cannot reach, then references that resolve
//!    nowhere, then [`plan()`] (pure: `Desired` + `Live` → [`Plan`]), then whether anything needs
//!    writing.
//! 4. **Apply** ([`mod@apply`]): [`apply()`] executes a `Plan` in order, with retries, observing
//!    before creating, never duplicating, never touching what the operator does not own.
//!
//! The **controller** ([`controller`]) runs that pass continuously: [`controller::run::run`] is the
//! `run` command's loop (sources, schedules, leases, status page and metrics), and
//! [`controller::reconcile::reconcile`] is its one pass for one project. [`rollout`] follows the
//! deployments an apply started; [`notify`] tells people about them.
//!
//! Layers read as the pipeline: [`cli`] → [`controller`] → [`rollout`] → [`mod@apply`] →
//! [`mod@plan`] → [`railway`] → [`manifest`]. [`cli`] is the only user-facing edge (wording, exit
//! codes, `anyhow`). The [`sandbox`], at the bottom, emulates Railway's API for tests and demos and
//! imports none of the operator's beliefs. The README and `docs/` describe what users see;
//! `docs/design.md` lays out the code.
//!
//! ```no_run
//! # async fn pass(client: &railway_operator::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use railway_operator::plan::PlanOptions;
//! use railway_operator::{apply, apply::ApplyOptions, gate, load_file, snapshot};
//!
//! let desired = load_file("manifests/blackroad.yml".as_ref(), &|name| std::env::var(name).ok())?;
//! let live = snapshot(client, &desired.project).await?;
//! match gate(&desired, &live, &PlanOptions::default()) {
//!     Ok(plan) => {
//!         let options = ApplyOptions::default();
//!         let mut on_event = |_: &apply::Event| {};
//!         let report = apply(client, &desired.project, &plan, &live, options, &mut on_event)
//!             .await?;
//!         println!("{report:?}");
//!     }
//!     Err(refusal) => println!("nothing applied: {refusal:?}"),
//! }
//! # Ok(())
//! # }
//! ```

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

// The entry points of one pass, in pipeline order (see the crate documentation).
pub use apply::apply;
pub use manifest::{Desired, load_file};
pub use plan::gate::gate;
pub use plan::{Plan, plan};
pub use railway::snapshot::snapshot;
pub use railway::{Client, Live};
