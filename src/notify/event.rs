//! What happened, as notifications, the page's timeline and GitHub statuses describe it: the
//! event kinds (named in the manifest) and one event. Plain data; no I/O.

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::manifest::event_kind::{EventKind, UnknownEvent};

/// The manifest revision an event is about, when it came from Git (for GitHub statuses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRevision {
    /// The repository URL as the source names it, e.g. `https://github.com/acme/infra.git`.
    pub repository: String,
    pub commit: String,
}

/// One state change. Nothing in it is secret: messages are built from names and statuses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub kind: EventKind,
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// What the state belongs to within the project, e.g. `reconcile` or
    /// `deployment/production/api`: an event whose `state` equals the subject's last one is a
    /// repeat and is dropped.
    pub subject: String,
    /// The subject's state after this event, e.g. `failed:<deployment id>`.
    pub state: String,
    /// One sentence for people.
    pub message: String,
    pub at: DateTime<Utc>,
    /// The manifest revision (a Git commit or a file digest) the event concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<GitRevision>,
    /// Kind-specific facts: a deployment's id and status, the plan summary, ...
    pub details: serde_json::Value,
}
