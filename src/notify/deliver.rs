//! Delivering one event to one target: builds the request for the target's kind, sends it,
//! retries connection failures, 429 and 5xx with exponential backoff, and reports each
//! attempt's outcome. Never logs or reports a URL, token or secret: transport errors are
//! stripped of their URL, and every message is scrubbed of the target's credentials.

use std::error::Error as _;
use std::sync::OnceLock;
use std::time::Duration;

use backoff::backoff::Backoff;
use backoff::{ExponentialBackoff, ExponentialBackoffBuilder};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, StatusCode};

use super::sign::{SIGNATURE_HEADER, signature};
use super::{Event, github, payload};
use crate::manifest::desired::{NotificationKind, NotificationTarget};
use crate::secret::Secret;

const USER_AGENT: &str = concat!("railway-operator/", env!("CARGO_PKG_VERSION"));
const GITHUB_API_VERSION: &str = "2022-11-28";
/// Shorter parts of a credential would scrub ordinary words out of messages.
const MIN_SCRUBBED_CHARS: usize = 4;

/// How hard delivery tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Attempts per event, the first included.
    pub attempts: u32,
    /// The wait after the first failure; it doubles (with ±50% jitter) up to `max_interval`.
    pub initial_interval: Duration,
    pub max_interval: Duration,
    /// One attempt's limit, connecting and answering included.
    pub request_timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            attempts: 5,
            initial_interval: Duration::from_millis(200),
            max_interval: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// One attempt's outcome, as the target's status records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Failed; another attempt follows. Holds the scrubbed reason.
    Retrying(String),
    /// Failed, and no attempt follows.
    Failed(String),
}

/// Why one attempt failed. Messages hold no URL and no credential.
#[derive(Debug, Clone, thiserror::Error)]
enum SendError {
    /// With the answer's `Retry-After`, when it gave one in seconds.
    #[error("HTTP {0}")]
    Status(StatusCode, Option<Duration>),
    #[error("{0}")]
    Transport(String),
    /// The request could not be built: retrying cannot help.
    #[error("{0}")]
    Request(String),
    /// The HTTP client could not be built (kept rendered: it is built once and shared).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl SendError {
    fn is_transient(&self) -> bool {
        match self {
            SendError::Status(status, _) => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            SendError::Transport(_) => true,
            SendError::Request(_) | SendError::Client(_) => false,
        }
    }
}

/// A request ready to send. Holds credentials: never formatted.
struct Outgoing {
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The HTTP client (built once) and the retry policy, shared by every target's worker.
#[derive(Default)]
pub struct Delivery {
    config: DeliveryConfig,
    client: OnceLock<Result<Client, SendError>>,
}

impl Delivery {
    pub fn new(config: DeliveryConfig) -> Self {
        Delivery {
            config,
            client: OnceLock::new(),
        }
    }

    /// Delivers `event` to `target`, calling `report` after every attempt. An event the target
    /// does not post (a GitHub status without a Git revision) sends nothing and reports nothing.
    pub async fn run(&self, target: &NotificationTarget, event: &Event, report: impl Fn(Attempt)) {
        let outgoing = match outgoing(target, event) {
            Ok(Some(outgoing)) => outgoing,
            Ok(None) => return,
            Err(error) => {
                self.failed(target, event, 1, &error, &report);
                return;
            }
        };
        let client = match self.client() {
            Ok(client) => client,
            Err(error) => {
                self.failed(target, event, 1, &error, &report);
                return;
            }
        };
        let mut backoff = self.backoff();
        for attempt in 1..=self.config.attempts {
            let error = match send(&client, &outgoing).await {
                Ok(()) => {
                    tracing::debug!(project = %event.project, target = %target.name, kind = %event.kind, attempt, "notification delivered");
                    report(Attempt::Delivered);
                    return;
                }
                Err(error) => error,
            };
            let wait = (error.is_transient() && attempt < self.config.attempts)
                .then(|| backoff.next_backoff())
                .flatten()
                .map(|wait| wait.max(asked_wait(&error)));
            let Some(wait) = wait else {
                self.failed(target, event, attempt, &error, &report);
                return;
            };
            let reason = scrub(&error.to_string(), &target.kind);
            tracing::warn!(project = %event.project, target = %target.name, kind = %event.kind, attempt, error = %reason, "notification not delivered; retrying in {wait:?}");
            report(Attempt::Retrying(reason));
            tokio::time::sleep(wait).await;
        }
    }

    fn failed(
        &self,
        target: &NotificationTarget,
        event: &Event,
        attempt: u32,
        error: &SendError,
        report: &impl Fn(Attempt),
    ) {
        let reason = scrub(&error.to_string(), &target.kind);
        tracing::warn!(project = %event.project, target = %target.name, kind = %event.kind, attempt, error = %reason, "notification not delivered; giving up on this event");
        report(Attempt::Failed(reason));
    }

    fn client(&self) -> Result<Client, SendError> {
        self.client
            .get_or_init(|| {
                Client::builder()
                    .user_agent(USER_AGENT)
                    .timeout(self.config.request_timeout)
                    // A redirect would carry the body (and GitHub's token) somewhere unplanned.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|error| SendError::Client(error.to_string()))
            })
            .clone()
    }

    fn backoff(&self) -> ExponentialBackoff {
        ExponentialBackoffBuilder::new()
            .with_initial_interval(self.config.initial_interval)
            .with_multiplier(2.0)
            .with_max_interval(self.config.max_interval)
            // `attempts` bounds the retries, not the elapsed time.
            .with_max_elapsed_time(None)
            .build()
    }
}

async fn send(client: &Client, outgoing: &Outgoing) -> Result<(), SendError> {
    let response = client
        .post(&outgoing.url)
        .headers(outgoing.headers.clone())
        .body(outgoing.body.clone())
        .send()
        .await
        .map_err(|error| transport_error(&error.without_url()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(SendError::Status(status, retry_after(response.headers())))
    }
}

/// The longest a target may make a delivery wait with `Retry-After`: one worker serves the
/// target's queue, so a longer wait would hold every later event of it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// `Retry-After` in whole seconds (Slack and GitHub send seconds), at most [`MAX_RETRY_AFTER`].
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// What the target asked to wait before the next attempt; zero when it asked nothing.
fn asked_wait(error: &SendError) -> Duration {
    match error {
        SendError::Status(_, Some(wait)) => *wait,
        _ => Duration::ZERO,
    }
}

/// The error and its causes, e.g. `error sending request: client error (Connect): tcp connect
/// error: Connection refused (os error 111)`.
fn transport_error(error: &reqwest::Error) -> SendError {
    if error.is_builder() {
        return SendError::Request("the target's URL is not usable".to_string());
    }
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    SendError::Transport(text)
}

fn outgoing(target: &NotificationTarget, event: &Event) -> Result<Option<Outgoing>, SendError> {
    let body_error =
        |error: serde_json::Error| SendError::Request(format!("cannot encode: {error}"));
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let (url, body) = match &target.kind {
        NotificationKind::Webhook { url, secret } => {
            let body = payload::webhook_body(event).map_err(body_error)?;
            if let Some(secret) = secret {
                let signature = signature(secret.expose().as_bytes(), &body)
                    .ok_or_else(|| SendError::Request("cannot sign the body".to_string()))?;
                headers.insert(
                    HeaderName::from_static("x-railway-operator-signature"),
                    header_value(&signature, SIGNATURE_HEADER)?,
                );
            }
            (url.expose().to_string(), body)
        }
        NotificationKind::Slack { url } => (
            url.expose().to_string(),
            payload::slack_body(event).map_err(body_error)?,
        ),
        NotificationKind::GithubStatus {
            token,
            api_url,
            repository,
        } => {
            let Some(request) = github::status_request(event, repository.as_deref())
                .map_err(|error| SendError::Request(error.to_string()))?
            else {
                return Ok(None);
            };
            headers.insert(AUTHORIZATION, bearer(token)?);
            headers.insert(
                ACCEPT,
                HeaderValue::from_static("application/vnd.github+json"),
            );
            headers.insert(
                HeaderName::from_static("x-github-api-version"),
                HeaderValue::from_static(GITHUB_API_VERSION),
            );
            let body = serde_json::to_vec(&request.body).map_err(body_error)?;
            (format!("{api_url}{}", request.path), body)
        }
    };
    Ok(Some(Outgoing { url, headers, body }))
}

fn bearer(token: &Secret) -> Result<HeaderValue, SendError> {
    let mut value = header_value(&format!("Bearer {}", token.expose()), "Authorization")?;
    value.set_sensitive(true);
    Ok(value)
}

fn header_value(text: &str, header: &str) -> Result<HeaderValue, SendError> {
    HeaderValue::from_str(text).map_err(|_| {
        SendError::Request(format!(
            "the {header} header would hold characters HTTP forbids"
        ))
    })
}

/// `message` with every credential of `kind`, and the path and query of its URL, replaced.
fn scrub(message: &str, kind: &NotificationKind) -> String {
    let secrets: Vec<&Secret> = match kind {
        NotificationKind::Webhook { url, secret } => std::iter::once(url).chain(secret).collect(),
        NotificationKind::Slack { url } => vec![url],
        NotificationKind::GithubStatus { token, .. } => vec![token],
    };
    let mut scrubbed = message.to_string();
    for secret in secrets {
        let value = secret.expose();
        let after_host = value
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|slash| &rest[slash..]));
        for part in std::iter::once(value).chain(after_host) {
            if part.chars().count() >= MIN_SCRUBBED_CHARS {
                scrubbed = scrubbed.replace(part, "(sensitive)");
            }
        }
    }
    scrubbed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretOrigin;

    #[test]
    fn scrubbing_removes_a_url_its_path_and_a_secret() {
        let kind = NotificationKind::Webhook {
            url: Secret::new(
                SecretOrigin::Env("U".into()),
                "https://hooks.example.com/T0/B1?k=canary",
            ),
            secret: Some(Secret::new(SecretOrigin::Env("S".into()), "s3cr3t-value")),
        };
        let message = "failed for https://hooks.example.com/T0/B1?k=canary and /T0/B1?k=canary with s3cr3t-value";
        let scrubbed = scrub(message, &kind);
        assert!(
            !scrubbed.contains("canary") && !scrubbed.contains("s3cr3t"),
            "{scrubbed}"
        );
    }

    #[test]
    fn a_retry_after_in_seconds_is_waited_for_up_to_a_minute() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("3600"),
        );
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        let date = "Wed, 21 Oct 2026 07:28:00 GMT";
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static(date));
        assert_eq!(
            retry_after(&headers),
            None,
            "an HTTP date falls back to the backoff"
        );
        let limited =
            SendError::Status(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(3)));
        assert_eq!(asked_wait(&limited), Duration::from_secs(3));
    }

    #[test]
    fn only_429_5xx_and_transport_errors_are_retried() {
        assert!(SendError::Status(StatusCode::TOO_MANY_REQUESTS, None).is_transient());
        assert!(SendError::Status(StatusCode::BAD_GATEWAY, None).is_transient());
        assert!(SendError::Transport("refused".into()).is_transient());
        assert!(!SendError::Status(StatusCode::NOT_FOUND, None).is_transient());
        assert!(!SendError::Status(StatusCode::UNAUTHORIZED, None).is_transient());
        assert!(!SendError::Request("bad".into()).is_transient());
    }
}
