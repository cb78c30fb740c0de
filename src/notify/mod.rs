//! Notifications: the event stream of state changes, deduplicated per subject, kept as the
//! recent timeline, and delivered to each project's targets (`spec.notifications`) in the
//! background with retries. Never blocks the caller, never fails a reconcile, never shows a URL
//! or secret of a target.

mod deliver;
mod event;
mod github;
mod payload;
mod queue;
mod sign;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

pub use deliver::DeliveryConfig;
pub use event::{Event, EventKind, GitRevision, UnknownEvent};
pub use github::repository_from_url;
pub use queue::QUEUE_LEN;
pub use sign::{SIGNATURE_HEADER, signature};

use crate::manifest::desired::{NotificationKind, NotificationTarget};
use deliver::{Attempt, Delivery};
use queue::{Key, Queues};

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
    /// Events delivered.
    pub delivered: u64,
    /// Attempts that failed, retried ones included (an event delivered on its third attempt
    /// adds 2), plus events dropped because the target's queue was full.
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
    deliveries: BTreeMap<Key, TargetStatus>,
}

/// One event on its way to one target.
struct Job {
    target: NotificationTarget,
    event: Arc<Event>,
}

/// The notification hub; cheap to clone, shared by the reconcile loop and backup jobs.
#[derive(Clone, Default)]
pub struct Notifier {
    hub: Hub,
    queues: Arc<Queues<Job>>,
    delivery: Arc<Delivery>,
}

/// The shared state and the change callback: what delivery workers report into. Kept apart
/// from the queues so a worker holds no sender of its own queue, and workers end once every
/// `Notifier` is dropped.
#[derive(Clone, Default)]
struct Hub {
    state: Arc<Mutex<State>>,
    on_change: Option<OnChange>,
}

impl Notifier {
    pub fn new(on_change: Option<OnChange>) -> Self {
        Notifier {
            hub: Hub {
                state: Arc::default(),
                on_change,
            },
            ..Notifier::default()
        }
    }

    /// The same notifier with other retry settings (tests, a `run` flag).
    #[must_use]
    pub fn with_delivery(mut self, config: DeliveryConfig) -> Self {
        self.delivery = Arc::new(Delivery::new(config));
        self
    }

    /// Replaces a project's targets (each pass, from its manifest); delivery history of a target
    /// that stays is kept, a target that goes loses its status once its queue has drained.
    pub fn set_targets(&self, project: &str, targets: Vec<NotificationTarget>) {
        let names: BTreeSet<String> = targets.iter().map(|t| t.name.clone()).collect();
        let changed = {
            let mut state = self.hub.lock();
            let before = target_kinds(&state.deliveries, project);
            state
                .deliveries
                .retain(|(owner, target), _| owner != project || names.contains(target));
            for target in &targets {
                let status = state
                    .deliveries
                    .entry((project.to_string(), target.name.clone()))
                    .or_insert_with(|| TargetStatus {
                        project: project.to_string(),
                        target: target.name.clone(),
                        state: "idle".to_string(),
                        ..TargetStatus::default()
                    });
                status.kind = target.kind.name().to_string();
            }
            state.targets.insert(project.to_string(), targets);
            before != target_kinds(&state.deliveries, project)
        };
        self.queues.retain(project, &names);
        if changed {
            self.hub.changed();
        }
    }

    /// Records `event` when it changes its subject's state, and delivers it in the background
    /// to the project's targets that want it. Returns false for a repeat, which is dropped.
    pub fn publish(&self, event: Event) -> bool {
        let targets = {
            let mut state = self.hub.lock();
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
            state
                .targets
                .get(&event.project)
                .into_iter()
                .flatten()
                .filter(|target| wants(target, &event))
                .cloned()
                .collect::<Vec<_>>()
        };
        self.hub.changed();
        self.enqueue(&Arc::new(event), targets);
        true
    }

    /// Records a subject's state without an event (a first sight of a healthy state, or a
    /// problem clearing that nobody was told about), so a later problem is a change again.
    pub fn record_state(&self, project: &str, subject: &str, state: &str) {
        self.hub.lock().last_state.insert(
            (project.to_string(), subject.to_string()),
            state.to_string(),
        );
    }

    /// Waits until every delivery queued so far finished (delivered or given up), or `timeout`
    /// passed; true when none is left. For `run --once` before it exits, and for tests.
    pub async fn flush(&self, timeout: Duration) -> bool {
        self.queues.flush(timeout).await
    }

    /// The subject's last published state, so a caller can tell a recovery from a first sight.
    pub fn last_state(&self, project: &str, subject: &str) -> Option<String> {
        self.hub
            .lock()
            .last_state
            .get(&(project.to_string(), subject.to_string()))
            .cloned()
    }

    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.hub.timeline()
    }

    pub fn targets(&self) -> Vec<TargetStatus> {
        self.hub.targets()
    }

    fn enqueue(&self, event: &Arc<Event>, targets: Vec<NotificationTarget>) {
        for target in targets {
            let key = (event.project.clone(), target.name.clone());
            let job = Job {
                target,
                event: Arc::clone(event),
            };
            let (hub, delivery, worker_key) =
                (self.hub.clone(), Arc::clone(&self.delivery), key.clone());
            let start = move || {
                move |job: Job| {
                    let (hub, delivery, key) =
                        (hub.clone(), Arc::clone(&delivery), worker_key.clone());
                    async move {
                        delivery
                            .run(&job.target, &job.event, |attempt| hub.record(&key, attempt))
                            .await;
                    }
                }
            };
            if let Err(error) = self.queues.push(&key, job, start) {
                tracing::warn!(project = %key.0, target = %key.1, kind = %event.kind, %error, "notification dropped");
                self.hub.record(&key, Attempt::Failed(error.to_string()));
            }
        }
    }
}

impl Hub {
    fn record(&self, key: &Key, attempt: Attempt) {
        {
            let mut state = self.lock();
            // A target removed while its delivery ran has no status left to update.
            let Some(status) = state.deliveries.get_mut(key) else {
                return;
            };
            match attempt {
                Attempt::Delivered => {
                    status.state = "delivered".to_string();
                    status.delivered += 1;
                    status.last_delivery_at =
                        Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                }
                Attempt::Retrying(error) => {
                    status.state = "retrying".to_string();
                    status.failed += 1;
                    status.last_error = Some(error);
                }
                Attempt::Failed(error) => {
                    status.state = "failing".to_string();
                    status.failed += 1;
                    status.last_error = Some(error);
                }
            }
        }
        self.changed();
    }

    fn timeline(&self) -> Vec<TimelineEntry> {
        self.lock().timeline.iter().cloned().collect()
    }

    fn targets(&self) -> Vec<TargetStatus> {
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

/// Whether `target` takes `event`: its filter lists the kind, and (for GitHub statuses) the
/// event comes from Git and maps to a status.
fn wants(target: &NotificationTarget, event: &Event) -> bool {
    let listed = target
        .events
        .as_ref()
        .is_none_or(|events| events.contains(&event.kind));
    let posts = match target.kind {
        NotificationKind::GithubStatus { .. } => github::applies(event),
        NotificationKind::Webhook { .. } | NotificationKind::Slack { .. } => true,
    };
    listed && posts
}

fn target_kinds(deliveries: &BTreeMap<Key, TargetStatus>, project: &str) -> Vec<(String, String)> {
    deliveries
        .values()
        .filter(|status| status.project == project)
        .map(|status| (status.target.clone(), status.kind.clone()))
        .collect()
}
