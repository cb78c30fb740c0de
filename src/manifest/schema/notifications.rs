//! The schema model of `spec.notifications`: one target per item, its credentials from the
//! environment, and the event names (from `crate::manifest::event_kind::EventKind`, so they cannot drift).
//! Described only, never built.

#![allow(dead_code)]

use schemars::JsonSchema;
use serde::Serialize;

use super::FromEnvSpec;

/// One notification target: exactly one of `webhook`, `slack`, `githubStatus`.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum NotificationSpec {
    Webhook(WebhookItem),
    Slack(SlackItem),
    GithubStatus(GithubStatusItem),
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookItem {
    webhook: WebhookTarget,
    /// Only these events; absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics in place of the URL; default `webhook-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SlackItem {
    slack: SlackTarget,
    /// Only these events; absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics in place of the URL; default `slack-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct GithubStatusItem {
    github_status: GithubStatusTarget,
    /// Only these events (statuses are posted for applied, failed, stalled, recovered and
    /// rolled-back ones); absent: every event.
    #[schemars(length(min = 1))]
    events: Option<Vec<EventName>>,
    /// Shown in status and metrics; default `githubStatus-<position>`.
    #[schemars(extend("pattern" = TARGET_NAME_PATTERN))]
    name: Option<String>,
}

const TARGET_NAME_PATTERN: &str = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$";

/// A JSON POST of each event.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookTarget {
    /// A credential: only `{ fromEnv: NAME }`.
    url: FromEnvSpec,
    /// Signs the body: `X-Railway-Operator-Signature: sha256=<hex HMAC-SHA256>`.
    secret: Option<FromEnvSpec>,
}

/// A Slack incoming webhook.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SlackTarget {
    /// A credential: only `{ fromEnv: NAME }`.
    url: FromEnvSpec,
}

/// Commit statuses on the manifest's Git revision (Git sources only).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct GithubStatusTarget {
    /// A token allowed to write commit statuses: only `{ fromEnv: NAME }`.
    token: FromEnvSpec,
    /// Default `https://api.github.com`; GitHub Enterprise: `https://HOST/api/v3`.
    #[schemars(regex(pattern = r"^https?://."))]
    api_url: Option<String>,
    /// `owner/name`; default: taken from the Git source's URL.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"))]
    repository: Option<String>,
}

/// An event name, as `crate::manifest::event_kind::EventKind` spells it.
#[derive(Serialize)]
pub(super) struct EventName;

impl JsonSchema for EventName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = crate::manifest::event_kind::EventKind::ALL
            .iter()
            .map(|kind| kind.name())
            .collect();
        schemars::json_schema!({ "type": "string", "enum": names })
    }
}
