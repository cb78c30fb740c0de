//! Notifications: the event stream of state changes, deduplicated per subject, kept as the
//! recent timeline, and delivered to each project's targets (`spec.notifications`) in the
//! background with retries. Never blocks the caller, never fails a reconcile, never shows a URL
//! or secret of a target.

mod event;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

pub use event::{Event, EventKind, GitRevision, UnknownEvent};

use crate::manifest::desired::NotificationTarget;

/// How many state changes the timeline keeps.
pub const TIMELINE_LEN: usize = 50;

/// One entry of the recent-events timeline (newest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: String,
    pub kind: EventKind,
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub message: String,
}

/// How one target of one project is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TargetStatus {
    pub project: String,
    /// `webhook-1`, `slack-2`, `githubStatus-3`, or the item's `name`.
    pub target: String,
    /// `webhook`, `slack` or `githubStatus`.
    pub kind: String,
    /// `idle` (nothing sent yet), `delivered`, `retrying` or `failing`.
    pub state: String,
    pub delivered: u64,
    pub failed: u64,
    pub last_delivery_at: Option<String>,
    /// Why the last delivery failed: a status code or a transport error, never the URL.
    pub last_error: Option<String>,
}

/// Called after every change to the timeline or to a target's state, e.g. to copy them into
/// the controller's status.
pub type OnChange = Arc<dyn Fn(&[TimelineEntry], &[TargetStatus]) + Send + Sync>;

#[derive(Default)]
struct State {
    timeline: VecDeque<TimelineEntry>,
    /// (project, subject) -> the last state published.
    last_state: BTreeMap<(String, String), String>,
    targets: BTreeMap<String, Vec<NotificationTarget>>,
    deliveries: BTreeMap<(String, String), TargetStatus>,
}

/// The notification hub; cheap to clone, shared by the reconcile loop and backup jobs.
#[derive(Clone, Default)]
pub struct Notifier {
    state: Arc<Mutex<State>>,
    on_change: Option<OnChange>,
}

impl Notifier {
    pub fn new(on_change: Option<OnChange>) -> Self {
        Notifier {
            state: Arc::default(),
            on_change,
        }
    }

    /// Replaces a project's targets (each pass, from its manifest); delivery history of a target
    /// that stays is kept.
    pub fn set_targets(&self, project: &str, targets: Vec<NotificationTarget>) {
        self.lock().targets.insert(project.to_string(), targets);
    }

    /// Records `event` when it changes its subject's state, and delivers it to the project's
    /// targets that want it. Returns false for a repeat, which is dropped.
    pub fn publish(&self, event: Event) -> bool {
        {
            let mut state = self.lock();
            let key = (event.project.clone(), event.subject.clone());
            if state.last_state.get(&key) == Some(&event.state) {
                return false;
            }
            state.last_state.insert(key, event.state.clone());
            state.timeline.push_front(TimelineEntry {
                at: event.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                kind: event.kind,
                project: event.project.clone(),
                environment: event.environment.clone(),
                service: event.service.clone(),
                message: event.message.clone(),
            });
            state.timeline.truncate(TIMELINE_LEN);
        }
        self.changed();
        true
    }

    /// Records a subject's state without an event (a first sight of a healthy state, or a
    /// problem clearing that nobody was told about), so a later problem is a change again.
    pub fn record_state(&self, project: &str, subject: &str, state: &str) {
        self.lock().last_state.insert(
            (project.to_string(), subject.to_string()),
            state.to_string(),
        );
    }

    /// The subject's last published state, so a caller can tell a recovery from a first sight.
    pub fn last_state(&self, project: &str, subject: &str) -> Option<String> {
        self.lock()
            .last_state
            .get(&(project.to_string(), subject.to_string()))
            .cloned()
    }

    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.lock().timeline.iter().cloned().collect()
    }

    pub fn targets(&self) -> Vec<TargetStatus> {
        self.lock().deliveries.values().cloned().collect()
    }

    fn changed(&self) {
        if let Some(on_change) = &self.on_change {
            let (timeline, targets) = (self.timeline(), self.targets());
            on_change(&timeline, &targets);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock still holds whole entries: every write above is a single insert.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
