//! Notification delivery against local receivers: one request per state change for every target
//! kind, signed webhooks, the events filter, retries and the target's status, GitHub commit
//! statuses, and no credential anywhere it could be read.

use crate::support::receivers;

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use hmac::{Hmac, KeyInit, Mac};
use railway_operator::manifest::desired::{NotificationKind, NotificationTarget};
use railway_operator::notify::{
    DeliveryConfig, Event, EventKind, GitRevision, Notifier, OnChange, TargetStatus,
};
use railway_operator::secret::{Secret, SecretOrigin};
use receivers::{Receiver, refused_url};
use serde_json::json;

const CANARY: &str = "canary-91d4e7b2";
const PROJECT: &str = "shop";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const WAIT: Duration = Duration::from_secs(10);

fn secret(name: &str, value: &str) -> Secret {
    Secret::new(SecretOrigin::Env(name.into()), value)
}

/// The receiver's URL with the canary in its path and query, as a real webhook URL carries its key.
fn secret_url(receiver: &Receiver) -> String {
    receiver.url(&format!("/hooks/{CANARY}?key={CANARY}"))
}

fn target(name: &str, kind: NotificationKind) -> NotificationTarget {
    NotificationTarget {
        name: name.into(),
        kind,
        events: None,
    }
}

fn webhook(name: &str, url: &str, signing: Option<&str>) -> NotificationTarget {
    target(
        name,
        NotificationKind::Webhook {
            url: secret("HOOK_URL", url),
            secret: signing.map(|value| secret("HOOK_SECRET", value)),
        },
    )
}

fn slack(name: &str, url: &str) -> NotificationTarget {
    target(
        name,
        NotificationKind::Slack {
            url: secret("SLACK_URL", url),
        },
    )
}

fn github(name: &str, api_url: &str) -> NotificationTarget {
    target(
        name,
        NotificationKind::GithubStatus {
            token: secret("GITHUB_TOKEN", &format!("ghp_{CANARY}")),
            api_url: api_url.into(),
            repository: None,
        },
    )
}

fn event(kind: EventKind, state: &str) -> Event {
    Event {
        kind,
        project: PROJECT.into(),
        environment: Some("production".into()),
        service: Some("api".into()),
        subject: "deployment/production/api".into(),
        state: state.into(),
        message: format!("api in production: {kind} ({state})"),
        at: chrono::Utc::now(),
        revision: Some(COMMIT.into()),
        git: Some(GitRevision {
            repository: "git@github.com:acme/infra.git".into(),
            commit: COMMIT.into(),
        }),
        details: json!({ "deploymentId": state }),
    }
}

/// Fast retries, so failing receivers cost milliseconds.
fn quick() -> DeliveryConfig {
    DeliveryConfig {
        attempts: 5,
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(40),
        request_timeout: Duration::from_secs(5),
    }
}

fn status(notifier: &Notifier, name: &str) -> TargetStatus {
    notifier
        .targets()
        .into_iter()
        .find(|status| status.target == name)
        .unwrap_or_else(|| panic!("no status for {name}"))
}

#[tokio::test]
async fn each_target_kind_gets_exactly_one_request_per_state_change_when_an_event_is_published_five_times()
 {
    let (hook, chat, api) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let notifier = Notifier::new(None);
    notifier.set_targets(
        PROJECT,
        vec![
            webhook("hook", &hook.url("/hook"), None),
            slack("chat", &chat.url("/chat")),
            github("statuses", &api.url("")),
        ],
    );
    for (kind, state) in [
        (EventKind::DeploymentFailed, "failed:d1"),
        (EventKind::DeploymentRecovered, "healthy:d2"),
    ] {
        let published: Vec<bool> = (0..5)
            .map(|_| notifier.publish(event(kind, state)))
            .collect();
        assert_eq!(published, [true, false, false, false, false]);
    }
    assert!(notifier.flush(WAIT).await);
    for receiver in [&hook, &chat, &api] {
        assert_eq!(receiver.requests().len(), 2, "{:?}", receiver.requests());
    }
    let kinds: Vec<String> = hook
        .requests()
        .iter()
        .map(|r| r.json()["kind"].to_string())
        .collect();
    assert_eq!(kinds, ["\"deployment.failed\"", "\"deployment.recovered\""]);
    let states: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.json()["state"].to_string())
        .collect();
    assert_eq!(states, ["\"failure\"", "\"success\""]);
    for name in ["hook", "chat", "statuses"] {
        let status = status(&notifier, name);
        assert_eq!(
            (status.state.as_str(), status.delivered, status.failed),
            ("delivered", 2, 0)
        );
    }
}

#[tokio::test]
async fn a_webhook_is_a_versioned_json_post_whose_signature_verifies_against_the_exact_body() {
    let hook = Receiver::start().await;
    let notifier = Notifier::new(None);
    notifier.set_targets(
        PROJECT,
        vec![webhook("hook", &hook.url("/in"), Some("whsec-1"))],
    );
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    let requests = hook.wait_for(1, WAIT).await;
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/in")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("railway-operator/", env!("CARGO_PKG_VERSION")))
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec-1").unwrap();
    mac.update(&request.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(
        request.header("x-railway-operator-signature"),
        Some(expected.as_str())
    );
    let body = request.json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["kind"], "deployment.failed");
    assert_eq!(body["project"], PROJECT);
    assert_eq!(body["git"]["commit"], COMMIT);
}

#[tokio::test]
async fn a_webhook_without_a_secret_is_sent_unsigned() {
    let hook = Receiver::start().await;
    let notifier = Notifier::new(None);
    notifier.set_targets(PROJECT, vec![webhook("hook", &hook.url("/in"), None)]);
    notifier.publish(event(EventKind::Applied, "applied:1"));
    let requests = hook.wait_for(1, WAIT).await;
    assert_eq!(requests[0].header("x-railway-operator-signature"), None);
}

#[tokio::test]
async fn the_events_filter_drops_the_kinds_it_does_not_list() {
    let chat = Receiver::start().await;
    let notifier = Notifier::new(None);
    let mut filtered = slack("chat", &chat.url("/chat"));
    filtered.events = Some(BTreeSet::from([EventKind::DeploymentFailed]));
    notifier.set_targets(PROJECT, vec![filtered]);
    notifier.publish(event(EventKind::Applied, "applied:1"));
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    notifier.publish(event(EventKind::DeploymentRecovered, "healthy:d2"));
    assert!(notifier.flush(WAIT).await);
    let requests = chat.requests();
    assert_eq!(requests.len(), 1);
    let text = requests[0].json()["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains("*deployment.failed* in shop / production / api"),
        "{text}"
    );
    assert_eq!(requests[0].json()["attachments"][0]["color"], "#d1242f");
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_on_the_third_attempt_and_the_status_says_delivered()
 {
    let hook = Receiver::failing_first(2).await;
    let notifier = Notifier::new(None);
    notifier.set_targets(PROJECT, vec![webhook("hook", &hook.url("/in"), None)]);
    let started = Instant::now();
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    assert!(notifier.flush(WAIT).await);
    let requests = hook.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].body, requests[2].body,
        "the same event each time"
    );
    let gaps: Vec<Duration> = requests.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!(
        "3 attempts with the default policy: gaps {gaps:?}, delivered after {:?}",
        started.elapsed()
    );
    // 200 ms, then 400 ms, each ±50%.
    assert!(
        gaps[0] >= Duration::from_millis(90) && gaps[1] >= Duration::from_millis(190),
        "{gaps:?}"
    );
    let status = status(&notifier, "hook");
    assert_eq!(
        (status.state.as_str(), status.delivered, status.failed),
        ("delivered", 1, 2)
    );
    assert_eq!(
        status.last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    assert!(status.last_delivery_at.is_some());
}

#[tokio::test]
async fn a_receiver_that_always_fails_leaves_the_target_failing_with_an_error_that_names_no_url() {
    let hook = Receiver::failing_first(usize::MAX).await;
    let refused = refused_url(&format!("/hooks/{CANARY}")).await;
    let changes: Arc<Mutex<Vec<Vec<TargetStatus>>>> = Arc::default();
    let seen = Arc::clone(&changes);
    let on_change: OnChange =
        Arc::new(move |_, targets| seen.lock().unwrap().push(targets.to_vec()));
    let notifier = Notifier::new(Some(on_change)).with_delivery(quick());
    notifier.set_targets(
        PROJECT,
        vec![
            webhook("down", &secret_url(&hook), None),
            webhook("gone", &refused, None),
        ],
    );
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    assert!(notifier.flush(WAIT).await);
    assert_eq!(hook.requests().len(), 5, "every attempt of the policy");
    let down = status(&notifier, "down");
    assert_eq!(
        (down.state.as_str(), down.delivered, down.failed),
        ("failing", 0, 5)
    );
    assert_eq!(
        down.last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    let gone = status(&notifier, "gone");
    assert_eq!((gone.state.as_str(), gone.failed), ("failing", 5));
    let error = gone.last_error.unwrap_or_default();
    assert!(error.contains("onnect"), "a connection error: {error}");
    for leak in [CANARY, "http://", "127.0.0.1"] {
        assert!(!error.contains(leak), "{error}");
    }
    let states: Vec<String> = changes
        .lock()
        .unwrap()
        .iter()
        .filter_map(|targets| targets.iter().find(|t| t.target == "down"))
        .map(|t| t.state.clone())
        .collect();
    assert!(states.contains(&"retrying".to_string()), "{states:?}");
    assert_eq!(states.last().map(String::as_str), Some("failing"));
}

#[tokio::test]
async fn a_4xx_answer_is_not_retried() {
    let hook = Receiver::answering(StatusCode::NOT_FOUND, usize::MAX).await;
    let notifier = Notifier::new(None).with_delivery(quick());
    notifier.set_targets(PROJECT, vec![webhook("hook", &hook.url("/in"), None)]);
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    assert!(notifier.flush(WAIT).await);
    assert_eq!(hook.requests().len(), 1);
    let status = status(&notifier, "hook");
    assert_eq!((status.state.as_str(), status.failed), ("failing", 1));
    assert_eq!(status.last_error.as_deref(), Some("HTTP 404 Not Found"));
}

#[tokio::test]
async fn a_429_answer_is_retried() {
    let hook = Receiver::answering(StatusCode::TOO_MANY_REQUESTS, 1).await;
    let notifier = Notifier::new(None).with_delivery(quick());
    notifier.set_targets(PROJECT, vec![webhook("hook", &hook.url("/in"), None)]);
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    assert!(notifier.flush(WAIT).await);
    assert_eq!(hook.requests().len(), 2);
    assert_eq!(status(&notifier, "hook").state, "delivered");
}

#[tokio::test]
async fn a_github_status_lands_on_the_commit_path_with_the_bearer_token() {
    let api = Receiver::start().await;
    let notifier = Notifier::new(None);
    notifier.set_targets(PROJECT, vec![github("statuses", &api.url("/api/v3"))]);
    notifier.publish(event(EventKind::RolledBack, "rolled-back:d0"));
    let requests = api.wait_for(1, WAIT).await;
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/api/v3/repos/acme/infra/statuses/{COMMIT}")
    );
    let bearer = format!("Bearer ghp_{CANARY}");
    assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
    let body = request.json();
    assert_eq!(body["state"], "success");
    assert_eq!(body["context"], "railway-operator/shop");
    assert!(
        body["description"]
            .as_str()
            .is_some_and(|d| d.chars().count() <= 140)
    );
}

#[tokio::test]
async fn events_without_a_git_revision_or_without_a_status_state_are_skipped_by_github_status() {
    let api = Receiver::start().await;
    let notifier = Notifier::new(None);
    notifier.set_targets(PROJECT, vec![github("statuses", &api.url(""))]);
    let mut from_a_file = event(EventKind::DeploymentFailed, "failed:d1");
    from_a_file.git = None;
    notifier.publish(from_a_file);
    let mut drift = event(EventKind::DriftDetected, "drift:1");
    drift.subject = "drift".into();
    notifier.publish(drift);
    assert!(notifier.flush(WAIT).await);
    assert!(api.requests().is_empty());
    let status = status(&notifier, "statuses");
    assert_eq!(
        (status.state.as_str(), status.delivered, status.failed),
        ("idle", 0, 0)
    );
}

#[tokio::test]
async fn a_removed_target_gets_nothing_more_and_loses_its_status() {
    let (kept, removed) = (Receiver::start().await, Receiver::start().await);
    let notifier = Notifier::new(None);
    let keep = webhook("kept", &kept.url("/k"), None);
    notifier.set_targets(
        PROJECT,
        vec![keep.clone(), webhook("removed", &removed.url("/r"), None)],
    );
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    assert!(notifier.flush(WAIT).await);
    notifier.set_targets(PROJECT, vec![keep]);
    notifier.publish(event(EventKind::DeploymentRecovered, "healthy:d2"));
    assert!(notifier.flush(WAIT).await);
    assert_eq!((kept.requests().len(), removed.requests().len()), (2, 1));
    let names: Vec<String> = notifier.targets().into_iter().map(|t| t.target).collect();
    assert_eq!(names, ["kept"]);
    assert_eq!(
        status(&notifier, "kept").delivered,
        2,
        "history of a target that stays is kept"
    );
}

#[test]
fn publishing_outside_an_async_runtime_neither_blocks_nor_panics() {
    let notifier = Notifier::new(None);
    notifier.set_targets(
        PROJECT,
        vec![webhook("hook", "http://127.0.0.1:9/in", None)],
    );
    assert!(notifier.publish(event(EventKind::DeploymentFailed, "failed:d1")));
    let status = status(&notifier, "hook");
    assert_eq!(status.state, "failing");
    assert!(
        status
            .last_error
            .unwrap_or_default()
            .contains("no async runtime")
    );
}

/// Collects everything `tracing` writes while the test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// The default single-threaded runtime runs the delivery tasks on this thread, inside the
// thread-local subscriber.
#[tokio::test]
async fn no_secret_canary_appears_in_a_payload_a_status_an_error_or_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let (hook, chat, api, flaky) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
        Receiver::failing_first(usize::MAX).await,
    );
    let notifier = Notifier::new(None).with_delivery(quick());
    notifier.set_targets(
        PROJECT,
        vec![
            webhook("hook", &secret_url(&hook), Some(&format!("whsec-{CANARY}"))),
            slack("chat", &secret_url(&chat)),
            github("statuses", &api.url("")),
            webhook("flaky", &secret_url(&flaky), Some(CANARY)),
            slack("gone", &refused_url(&format!("/services/{CANARY}")).await),
        ],
    );
    notifier.publish(event(EventKind::DeploymentFailed, "failed:d1"));
    notifier.publish(event(EventKind::DeploymentRecovered, "healthy:d2"));
    assert!(notifier.flush(WAIT).await);
    assert_eq!(hook.requests().len(), 2);
    let bodies: Vec<String> = [&hook, &chat, &api, &flaky]
        .iter()
        .flat_map(|receiver| receiver.requests())
        .map(|request| request.text())
        .collect();
    assert!(bodies.len() >= 8, "{bodies:?}");
    let statuses = notifier.targets();
    assert!(
        statuses
            .iter()
            .any(|s| s.state == "failing" && s.last_error.is_some())
    );
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.contains("notification not delivered"), "{logs}");
    for (place, text) in [
        ("a payload", bodies.join("\n")),
        ("a status", format!("{statuses:?}")),
        (
            "a serialized status",
            serde_json::to_string(&statuses).unwrap(),
        ),
        ("the logs", logs),
    ] {
        assert!(!text.contains(CANARY), "the canary is in {place}:\n{text}");
    }
}
