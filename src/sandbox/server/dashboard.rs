//! `POST /_sandbox/environments/stage`: stands in for a dashboard edit, which Railway stages
//! instead of committing (R17). Test-only; a thin call into the store, no rules of its own.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::App;
use crate::sandbox::store::DomainError;

/// Body `{"environmentId": "...", "patch": {EnvironmentConfig}}`: merged into the environment's
/// staged patch. 400 for a malformed body, 404 for an unknown environment.
pub(super) async fn stage_dashboard_edit(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let parsed: Option<(String, Value)> = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        Some((
            v.get("environmentId")?.as_str()?.to_string(),
            v.get("patch")?.clone(),
        ))
    });
    let Some((environment_id, patch)) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            "expected {\"environmentId\": \"...\", \"patch\": {...}}\n".into(),
        );
    };
    let staged = match app.store.lock() {
        Ok(mut store) => store.stage_changes(&environment_id, patch, true),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    };
    match staged {
        Ok(record) => {
            app.persist();
            (StatusCode::OK, format!("staged: {}\n", record.id))
        }
        Err(error @ DomainError::InvalidPatch(_)) => {
            (StatusCode::BAD_REQUEST, format!("{error}\n"))
        }
        Err(error) => (
            StatusCode::NOT_FOUND,
            format!("{error}: {environment_id}\n"),
        ),
    }
}
