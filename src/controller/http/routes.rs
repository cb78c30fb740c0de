//! Routes and handlers: each reads a consistent view of the status under a short read lock
//! and renders it. Rendering lives in `metrics` and `page`; access rules in `access`.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLockReadGuard};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::access::{bearer_token, reconcile_allowed};
use super::{metrics, page};
use crate::controller::status::{ControllerStatus, SharedStatus};
use crate::controller::trigger::ReconcileTrigger;

const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

#[derive(Clone)]
pub(super) struct AppState {
    pub status: SharedStatus,
    pub reconcile_now: Arc<ReconcileTrigger>,
    /// The bound address: decides whether `POST /reconcile` needs a token.
    pub listen: SocketAddr,
    pub admin_token: Option<String>,
}

pub(super) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/status", get(status_json))
        .route("/reconcile", post(reconcile))
        .fallback(not_found)
        .with_state(Arc::new(state))
}

/// A writer that panicked leaves plain data behind; showing it beats failing every request.
fn read(status: &SharedStatus) -> RwLockReadGuard<'_, ControllerStatus> {
    status.read().unwrap_or_else(PoisonError::into_inner)
}

fn respond(code: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        code,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

async fn healthz() -> Response {
    respond(StatusCode::OK, TEXT, "ok".to_string())
}

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    let status = read(&app.status);
    if status.ready {
        return respond(StatusCode::OK, TEXT, "ready".to_string());
    }
    let waiting: Vec<&str> = status
        .projects
        .values()
        .filter(|project| project.last_reconcile_at.is_none())
        .map(|project| project.name.as_str())
        .collect();
    let reason = if waiting.is_empty() {
        "not ready: the first reconcile pass has not finished".to_string()
    } else {
        format!(
            "not ready: waiting for the first pass of {}",
            waiting.join(", ")
        )
    };
    respond(StatusCode::SERVICE_UNAVAILABLE, TEXT, reason)
}

async fn metrics_text(State(app): State<Arc<AppState>>) -> Response {
    let rendered = metrics::render_metrics(&read(&app.status));
    match rendered {
        Ok(body) => respond(StatusCode::OK, metrics::CONTENT_TYPE, body),
        Err(error) => respond(StatusCode::INTERNAL_SERVER_ERROR, TEXT, error.to_string()),
    }
}

async fn status_json(State(app): State<Arc<AppState>>) -> Response {
    let serialized = serde_json::to_string(&*read(&app.status));
    match serialized {
        Ok(body) => respond(StatusCode::OK, JSON, body),
        Err(error) => respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            TEXT,
            format!("status could not be serialized: {error}"),
        ),
    }
}

async fn status_page(State(app): State<Arc<AppState>>) -> Response {
    let body = page::render_page(&read(&app.status));
    respond(StatusCode::OK, HTML, body)
}

/// A query `POST /reconcile` does not take, as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown query {pair:?}: POST /reconcile takes only ?override=window")]
struct UnknownQuery {
    pair: String,
}

/// `?override=window` (the only query `POST /reconcile` takes): whether the pass it asks for
/// ignores change windows. `Err` names what was not understood.
fn override_windows(query: Option<&str>) -> Result<bool, UnknownQuery> {
    let mut overriding = false;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("override", "window")) => overriding = true,
            _ => {
                return Err(UnknownQuery {
                    pair: pair.to_string(),
                });
            }
        }
    }
    Ok(overriding)
}

async fn reconcile(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let decision = reconcile_allowed(
        app.listen,
        app.admin_token.as_deref(),
        bearer_token(authorization),
    );
    match decision.map(|()| override_windows(query.as_deref())) {
        Ok(Ok(overriding)) => {
            app.reconcile_now.request(overriding);
            tracing::info!(
                override_windows = overriding,
                "immediate reconcile requested over HTTP"
            );
            let body = if overriding {
                "reconcile requested: the next pass of each project ignores change windows"
            } else {
                "reconcile requested"
            };
            respond(StatusCode::ACCEPTED, TEXT, body.to_string())
        }
        Ok(Err(unknown)) => respond(StatusCode::BAD_REQUEST, TEXT, unknown.to_string()),
        Err(denied) => {
            tracing::warn!(reason = %denied, "POST /reconcile refused");
            let code = StatusCode::from_u16(denied.http_status()).unwrap_or(StatusCode::FORBIDDEN);
            let mut response = respond(code, TEXT, denied.to_string());
            if code == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

async fn not_found() -> Response {
    respond(StatusCode::NOT_FOUND, TEXT, "not found".to_string())
}
