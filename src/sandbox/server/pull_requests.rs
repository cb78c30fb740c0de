//! `POST /_sandbox/github/pull-requests`: the repository side of Railway's PR environments
//! (R50). It decodes the event and hands it to the store; the rules live there.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use crate::sandbox::store::{PrAction, PullRequest};

/// The event's JSON: `{"action", "number", "branch", "repo", "bot"}`, plus the sandbox's
/// optional `title` and `paths` (the PR's changed files, for focused mode).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    action: String,
    number: i32,
    branch: String,
    repo: String,
    #[serde(default)]
    bot: bool,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    paths: Option<Vec<String>>,
}

const USAGE: &str = "expected {\"action\": \"opened\"|\"synchronize\"|\"closed\", \"number\": 42, \
                     \"branch\": \"feat/x\", \"repo\": \"owner/name\", \"bot\": false}";

fn decode(body: &str) -> Result<PullRequest, String> {
    let event: Event = serde_json::from_str(body).map_err(|e| format!("{USAGE}: {e}"))?;
    let action = match event.action.as_str() {
        "opened" | "reopened" => PrAction::Opened,
        "synchronize" => PrAction::Synchronize,
        "closed" => PrAction::Closed,
        other => return Err(format!("{USAGE}: unknown action {other:?}")),
    };
    if event.number <= 0 || event.branch.trim().is_empty() || !event.repo.contains('/') {
        return Err(format!("{USAGE}: number, branch or repo is not usable"));
    }
    Ok(PullRequest {
        action,
        number: event.number,
        branch: event.branch,
        repo: event.repo,
        bot: event.bot,
        title: event.title,
        paths: event.paths,
    })
}

/// Answers `{"environments": [{projectId, environmentId, name, effect}]}`: one entry per project
/// the event reached. 400 for a malformed event.
pub(super) async fn pull_request(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, Json<Value>) {
    let event = match decode(&body) {
        Ok(event) => event,
        Err(error) => return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))),
    };
    let applied = match app.store.lock() {
        Ok(mut store) => store.pull_request(&event),
        Err(error) => {
            let body = json!({ "error": error.to_string() });
            return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
        }
    };
    match applied {
        Ok(effects) => {
            app.persist();
            let environments: Vec<Value> = effects
                .into_iter()
                .map(|e| {
                    json!({ "projectId": e.project_id, "environmentId": e.environment_id,
                            "name": e.environment_name, "effect": e.effect })
                })
                .collect();
            (
                StatusCode::OK,
                Json(json!({ "environments": environments })),
            )
        }
        Err(error) => (
            StatusCode::CONFLICT,
            Json(json!({ "error": error.to_string() })),
        ),
    }
}
