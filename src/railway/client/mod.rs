//! The HTTP choke point to Railway: every request goes through [`Client::post`], which adds auth
//! headers and a User-Agent, applies timeouts, classifies failures into [`Error`], and retries
//! what is safe to retry (jittered exponential backoff, honouring `Retry-After`).
//! Never logs or returns request variables: they can carry secrets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use graphql_client::GraphQLQuery;
use reqwest::StatusCode;
use serde_json::Value;

mod answer;

pub use answer::PartialAnswer;
use answer::{may_resend, transport_error};
pub(crate) use answer::{parse_partial, parse_response};

use super::error::{Error, Result};
use super::retry::RetryPolicy;

pub const DEFAULT_API_URL: &str = "https://backboard.railway.com/graphql/v2";

/// How safely an operation may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// A query: always safe to repeat.
    Read,
    /// A mutation keyed by its arguments (updates, upserts, deletes): repeating converges.
    Idempotent,
    /// A mutation that makes something new: never re-sent once the server may have seen it;
    /// the caller re-reads and adopts instead (observe-then-create).
    Create,
}

/// Binds a generated operation to its name and retry class.
pub trait Operation: GraphQLQuery {
    const NAME: &'static str;
    const KIND: OpKind;
}

/// Credentials, sent the way Railway expects them.
#[derive(Clone)]
pub enum Auth {
    /// Account or workspace token (`RAILWAY_API_TOKEN`), sent as `Authorization: Bearer`.
    Bearer(String),
    /// Project token (`RAILWAY_TOKEN`), sent as `Project-Access-Token`.
    ProjectToken(String),
    None,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are secrets: only the kind is ever shown.
        f.write_str(match self {
            Auth::Bearer(_) => "Bearer(<redacted>)",
            Auth::ProjectToken(_) => "ProjectToken(<redacted>)",
            Auth::None => "None",
        })
    }
}

/// Requests the pace lets through back to back: a command's two snapshot reads.
const PACE_BURST: u32 = 2;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_url: String,
    pub auth: Auth,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Pace requests to at most this many per second (Railway's Hobby plan allows 10/s).
    pub max_requests_per_second: Option<f64>,
}

/// What the client observed: requests by operation and outcome, and Railway's rate-limit headers.
#[derive(Debug, Clone, Default)]
pub struct ClientStats {
    /// (operation, outcome) -> count; outcome is `ok`, `rate_limited`, `unauthorized`, `not_found`,
    /// `already_exists`, `transient` or `error`.
    pub requests: std::collections::BTreeMap<(String, String), u64>,
    /// `X-RateLimit-Remaining` of the latest answer that had one.
    pub rate_limit_remaining: Option<u64>,
    /// `X-RateLimit-Limit`, likewise.
    pub rate_limit_limit: Option<u64>,
    /// `X-RateLimit-Reset`, as sent.
    pub rate_limit_reset: Option<String>,
}

impl ClientConfig {
    pub fn new(api_url: impl Into<String>, auth: Auth) -> Self {
        ClientConfig {
            api_url: api_url.into(),
            auth,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            max_requests_per_second: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    requests: Arc<AtomicU64>,
    stats: Arc<std::sync::Mutex<ClientStats>>,
    /// When the next request may leave, under `max_requests_per_second`.
    next_slot: Arc<tokio::sync::Mutex<tokio::time::Instant>>,
    /// R34: what a project token reaches, asked once per client.
    token_scope: Arc<tokio::sync::OnceCell<TokenScope>>,
    /// Asked before every write; `None` writes unguarded.
    fence: Option<Arc<dyn WriteFence>>,
    /// R4, R24, R36: known creation throttles, paced ahead of time.
    throttles: Arc<super::throttle::Throttles>,
    /// R35: projects whose nested read was refused (a restricted environment): read environment
    /// by environment from then on, without paying the refused read again.
    read_by_environment: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// A guard asked right before each mutation leaves, retries included: `Err` stops the write
/// unsent with the reason. `run --lock-url` answers it from the project's lease.
pub trait WriteFence: Send + Sync {
    fn check(&self) -> FenceCheck<'_>;
}

/// The answer of [`WriteFence::check`]: `Err` carries why the write may not go (the fence's own
/// error type; its text becomes [`Error::Fenced`]'s message).
pub type FenceCheck<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::result::Result<(), FenceRefusal>> + Send + 'a>,
>;

/// Why a fence refused a write, typed by the fence that refused.
pub type FenceRefusal = Box<dyn std::error::Error + Send + Sync>;

impl std::fmt::Debug for dyn WriteFence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteFence")
    }
}

/// R34: the one project and environment a project token reaches (`projectToken`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenScope {
    pub project_id: String,
    pub environment_id: String,
}

/// How every request names its client (R40): `?source=` on the URL and the `x-source` header.
pub const CLIENT_SOURCE: &str = "railway-operator";

impl Client {
    /// Builds a client; fails only if the TLS backend cannot initialise.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("railway-operator/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Terminal {
                operation: "client",
                message: format!("failed to build the HTTP client: {e}"),
            })?;
        Ok(Client {
            http,
            config: Arc::new(config),
            requests: Arc::new(AtomicU64::new(0)),
            stats: Arc::default(),
            next_slot: Arc::new(tokio::sync::Mutex::new(tokio::time::Instant::now())),
            token_scope: Arc::default(),
            fence: None,
            throttles: Arc::default(),
            read_by_environment: Arc::default(),
        })
    }

    pub fn api_url(&self) -> &str {
        &self.config.api_url
    }

    /// Whether requests carry a project token (R34: one environment of one project).
    pub fn uses_project_token(&self) -> bool {
        matches!(self.config.auth, Auth::ProjectToken(_))
    }

    /// R35: whether this project's nested read was refused before.
    pub(crate) fn reads_by_environment(&self, project_id: &str) -> bool {
        self.read_by_environment
            .lock()
            .is_ok_and(|projects| projects.contains(project_id))
    }

    /// R35: this project's nested read was refused; later reads go environment by environment.
    pub(crate) fn remember_read_by_environment(&self, project_id: &str) {
        if let Ok(mut projects) = self.read_by_environment.lock() {
            projects.insert(project_id.to_string());
        }
    }

    /// The cell holding a project token's scope once it has been asked for.
    pub(crate) fn token_scope_cell(&self) -> &tokio::sync::OnceCell<TokenScope> {
        &self.token_scope
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.config.retry
    }

    /// The same client, paced to at most `rate` requests per second (0 or less: unpaced).
    pub fn with_pace(mut self, rate: f64) -> Self {
        let mut config = (*self.config).clone();
        config.max_requests_per_second = (rate > 0.0).then_some(rate);
        self.config = Arc::new(config);
        self
    }

    /// The same client, retrying a failed request for at most `budget`.
    pub fn with_retry_budget(mut self, budget: Duration) -> Self {
        let mut config = (*self.config).clone();
        config.retry.max_elapsed = budget;
        self.config = Arc::new(config);
        self
    }

    /// The same client (pace, counters and token scope shared), asking `fence` before every
    /// write.
    pub fn with_fence(mut self, fence: Arc<dyn WriteFence>) -> Self {
        self.fence = Some(fence);
        self
    }

    /// A copy of what the client observed so far.
    pub fn stats(&self) -> ClientStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits for this request's slot under the configured pace: [`PACE_BURST`] requests may go
    /// at once (a command's two reads pay no wait), then one per `1/rate`. Any one-second window
    /// then holds at most `rate + PACE_BURST - 1` requests, so `--max-rps 8` stays under 10/s.
    async fn pace(&self) {
        let Some(rate) = self.config.max_requests_per_second.filter(|r| *r > 0.0) else {
            return;
        };
        let gap = Duration::from_secs_f64(1.0 / rate);
        let tolerance = gap * (PACE_BURST - 1);
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let now = tokio::time::Instant::now();
            // `next` is when this request would go at an even pace; a pause earns no more than
            // the burst.
            let even = (*next).max(now);
            *next = even + gap;
            even.checked_sub(tolerance).unwrap_or(now).max(now)
        };
        tokio::time::sleep_until(wait_until).await;
    }

    fn record(
        &self,
        operation: &'static str,
        result: &Result<impl Sized>,
        headers: Option<&reqwest::header::HeaderMap>,
    ) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(Error::RateLimited { .. }) => "rate_limited",
            Err(Error::Unauthorized { .. }) => "unauthorized",
            Err(Error::NotFound { .. }) => "not_found",
            Err(Error::AlreadyExists { .. }) => "already_exists",
            Err(Error::Transient { .. }) => "transient",
            Err(Error::Terminal { .. } | Error::CannotDecrypt { .. }) => "error",
            Err(Error::Fenced { .. }) => "fenced",
        };
        let Ok(mut stats) = self.stats.lock() else {
            return;
        };
        *stats
            .requests
            .entry((operation.to_string(), outcome.to_string()))
            .or_default() += 1;
        if let Some(headers) = headers {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
            };
            if let Some(remaining) = header("x-ratelimit-remaining").and_then(|v| v.parse().ok()) {
                stats.rate_limit_remaining = Some(remaining);
            }
            if let Some(limit) = header("x-ratelimit-limit").and_then(|v| v.parse().ok()) {
                stats.rate_limit_limit = Some(limit);
            }
            if let Some(reset) = header("x-ratelimit-reset") {
                stats.rate_limit_reset = Some(reset.to_string());
            }
        }
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one operation, retrying what is safe to retry for its [`OpKind`].
    ///
    /// # Errors
    /// The classified [`Error`] of the last attempt.
    pub async fn post<Q: Operation>(&self, variables: Q::Variables) -> Result<Q::ResponseData> {
        let body = Q::build_query(variables);
        let body = serde_json::to_vec(&body).map_err(|e| Error::Terminal {
            operation: Q::NAME,
            message: format!("failed to encode the request: {e}"),
        })?;
        self.send(Q::NAME, Q::KIND, body, parse_response::<Q::ResponseData>)
            .await
    }

    /// Sends a read whose document is built at run time (the change probe's aliases, whose
    /// count varies), answering the `data` and the `errors` beside it: a partial answer is the
    /// caller's to judge. Only an answer without data is an error.
    ///
    /// # Errors
    /// The classified [`Error`] of the last attempt.
    pub async fn post_document(
        &self,
        operation: &'static str,
        document: &str,
        variables: Value,
    ) -> Result<PartialAnswer> {
        let body = serde_json::json!({
            "query": document,
            "variables": variables,
            "operationName": operation,
        });
        let body = serde_json::to_vec(&body).map_err(|e| Error::Terminal {
            operation,
            message: format!("failed to encode the request: {e}"),
        })?;
        self.send(operation, OpKind::Read, body, parse_partial)
            .await
    }

    async fn send<T>(
        &self,
        operation: &'static str,
        kind: OpKind,
        body: Vec<u8>,
        parse: Parser<T>,
    ) -> Result<T> {
        // Bytes clone cheaply, so a retry resends the same encoded body.
        let body = bytes::Bytes::from(body);
        self.config
            .retry
            .run(
                operation,
                |error| may_resend(kind, error),
                || self.post_once(operation, kind, body.clone().into(), parse),
            )
            .await
    }

    async fn post_once<T>(
        &self,
        operation: &'static str,
        kind: OpKind,
        body: reqwest::Body,
        parse: Parser<T>,
    ) -> Result<T> {
        self.throttles.wait(operation).await;
        self.pace().await;
        // Checked after the pace wait, so a lease lost while waiting still stops the write.
        if kind != OpKind::Read
            && let Some(fence) = &self.fence
            && let Err(refusal) = fence.check().await
        {
            let message = refusal.to_string();
            let refused = Err(Error::Fenced { operation, message });
            self.record(operation, &refused, None);
            return refused;
        }
        let (result, headers) = self.exchange(operation, body, parse).await;
        self.throttles.finished(operation);
        self.record(operation, &result, headers.as_ref());
        result
    }

    async fn exchange<T>(
        &self,
        operation: &'static str,
        body: reqwest::Body,
        parse: Parser<T>,
    ) -> (Result<T>, Option<reqwest::header::HeaderMap>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(operation, "sending Railway request");
        // R40: Railway's edge throttles unidentified clients near 10 requests/s.
        let mut request = self
            .http
            .post(&self.config.api_url)
            .query(&[("source", CLIENT_SOURCE)])
            .header("x-source", CLIENT_SOURCE)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        request = match &self.config.auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::ProjectToken(token) => request.header("Project-Access-Token", token),
            Auth::None => request,
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return (Err(transport_error(operation, &e)), None),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => return (Err(transport_error(operation, &e)), Some(headers)),
        };
        (parse(operation, status, retry_after, &text), Some(headers))
    }
}

/// Turns one HTTP answer into a result of one shape.
type Parser<T> = fn(&'static str, StatusCode, Option<Duration>, &str) -> Result<T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pacing_lets_two_requests_through_at_once_then_spaces_the_rest() {
        let config = ClientConfig::new("http://127.0.0.1:9/graphql/v2", Auth::Bearer("t".into()));
        let client = Client::new(config).expect("client").with_pace(5.0);
        let start = tokio::time::Instant::now();
        let mut offsets = Vec::new();
        for _ in 0..8 {
            client.pace().await;
            offsets.push((tokio::time::Instant::now() - start).as_millis());
        }
        assert_eq!(offsets, [0, 0, 200, 400, 600, 800, 1000, 1200]);
    }

    #[test]
    fn debug_output_of_auth_never_shows_the_token() {
        let auth = Auth::Bearer("super-secret-token".into());
        assert!(!format!("{auth:?}").contains("super-secret"));
    }
}
