//! GitHub commit statuses: which events become which status state, the `owner/name` a status
//! goes to (from the target, else from the Git source's URL, any host), and the request's path
//! and body. Pure: sending is `deliver`'s job, and no token passes through here.

use serde_json::{Value, json};

use super::{Event, EventKind};

/// GitHub's limit on a status description.
const DESCRIPTION_CHARS: usize = 140;

/// What a commit status request needs besides the API URL and the token.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRequest {
    /// `/repos/{owner}/{repo}/statuses/{commit}`, appended to the API URL.
    pub path: String,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error(
        "cannot tell the GitHub repository from the Git source's URL: set `repository: owner/name` on the target"
    )]
    UnknownRepository,
    #[error("the commit is not a Git object name")]
    InvalidCommit,
}

/// The status state for `kind`; `None` for kinds that post no status.
pub fn state_for(kind: EventKind) -> Option<&'static str> {
    match kind {
        // A rollback that happened is the operator's remedy working: the revision is served.
        EventKind::Applied
        | EventKind::ReconcileRecovered
        | EventKind::DeploymentRecovered
        | EventKind::RolledBack => Some("success"),
        EventKind::DeploymentFailed | EventKind::ReconcileFailed => Some("failure"),
        EventKind::Stalled => Some("error"),
        _ => None,
    }
}

/// Whether `event` posts a status at all: it comes from Git and its kind maps to a state.
pub fn applies(event: &Event) -> bool {
    event.git.is_some() && state_for(event.kind).is_some()
}

/// The request for `event`; `Ok(None)` when it posts no status. `repository` is the target's
/// own `owner/name`, which wins over the one in the Git source's URL.
pub fn status_request(
    event: &Event,
    repository: Option<&str>,
) -> Result<Option<StatusRequest>, StatusError> {
    let (Some(git), Some(state)) = (&event.git, state_for(event.kind)) else {
        return Ok(None);
    };
    let repository = match repository {
        Some(given) => given.to_string(),
        None => repository_from_url(&git.repository).ok_or(StatusError::UnknownRepository)?,
    };
    if git.commit.is_empty() || !git.commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StatusError::InvalidCommit);
    }
    Ok(Some(StatusRequest {
        path: format!("/repos/{repository}/statuses/{}", git.commit),
        body: json!({
            "state": state,
            "description": description(&event.message),
            "context": format!("railway-operator/{}", event.project),
        }),
    }))
}

/// `owner/name` from `https://host/owner/name(.git)`, `git@host:owner/name.git` or
/// `ssh://git@host(:port)/owner/name.git`.
pub fn repository_from_url(url: &str) -> Option<String> {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1,
        // scp-like syntax: `user@host:path`.
        None => url.split_once(':')?.1,
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let (Some(owner), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| format!("{owner}/{name}"))
}

/// The message cut to GitHub's 140 characters, with an ellipsis when cut.
fn description(message: &str) -> String {
    if message.chars().count() <= DESCRIPTION_CHARS {
        return message.to_string();
    }
    let mut cut: String = message.chars().take(DESCRIPTION_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::GitRevision;

    fn event(kind: EventKind, repository: &str, message: &str) -> Event {
        Event {
            kind,
            project: "shop".into(),
            environment: None,
            service: None,
            subject: "reconcile".into(),
            state: "ok".into(),
            message: message.into(),
            at: chrono::DateTime::UNIX_EPOCH,
            revision: Some("0123abcd".into()),
            git: Some(GitRevision {
                repository: repository.into(),
                commit: "0123abcd".into(),
            }),
            details: Value::Null,
        }
    }

    #[test]
    fn repositories_are_read_from_https_scp_and_ssh_urls_on_any_host() {
        for url in [
            "https://github.com/acme/infra",
            "https://github.com/acme/infra.git",
            "https://github.com/acme/infra/",
            "https://x-access-token@github.example.com/acme/infra.git",
            "git@github.com:acme/infra.git",
            "ssh://git@ghe.example.com:2222/acme/infra.git",
        ] {
            assert_eq!(
                repository_from_url(url).as_deref(),
                Some("acme/infra"),
                "{url}"
            );
        }
        for url in [
            "https://github.com/acme",
            "/srv/git/infra",
            "https://host/a/b/c",
        ] {
            assert_eq!(repository_from_url(url), None, "{url}");
        }
    }

    #[test]
    fn kinds_map_to_success_failure_and_error_and_the_rest_post_nothing() {
        assert_eq!(state_for(EventKind::Applied), Some("success"));
        assert_eq!(state_for(EventKind::RolledBack), Some("success"));
        assert_eq!(state_for(EventKind::DeploymentRecovered), Some("success"));
        assert_eq!(state_for(EventKind::DeploymentFailed), Some("failure"));
        assert_eq!(state_for(EventKind::ReconcileFailed), Some("failure"));
        assert_eq!(state_for(EventKind::Stalled), Some("error"));
        assert_eq!(state_for(EventKind::DriftDetected), None);
        assert_eq!(state_for(EventKind::BackupFailed), None);
    }

    #[test]
    fn the_target_repository_wins_and_the_description_is_cut_to_140_characters() {
        let long = "é".repeat(200);
        let request = status_request(
            &event(EventKind::Applied, "https://github.com/acme/infra", &long),
            Some("other/repo"),
        );
        let Ok(Some(request)) = request else {
            panic!("{request:?}");
        };
        assert_eq!(request.path, "/repos/other/repo/statuses/0123abcd");
        assert_eq!(request.body["state"], "success");
        assert_eq!(request.body["context"], "railway-operator/shop");
        let description = request.body["description"].as_str().unwrap_or_default();
        assert_eq!(description.chars().count(), 140);
        assert!(description.ends_with('…'));
    }

    #[test]
    fn an_unreadable_repository_url_is_an_error_and_a_drift_event_posts_nothing() {
        assert_eq!(
            status_request(&event(EventKind::Applied, "/srv/git/infra", "x"), None),
            Err(StatusError::UnknownRepository)
        );
        assert_eq!(
            status_request(
                &event(EventKind::DriftDetected, "https://github.com/a/b", "x"),
                None
            ),
            Ok(None)
        );
    }
}
