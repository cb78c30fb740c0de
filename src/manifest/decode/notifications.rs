//! Decodes `spec.notifications`: one target per item (exactly one of `webhook`, `slack`,
//! `githubStatus`), its credentials as `{ fromEnv: NAME }` only, the `events` filter, and a name
//! unique in the list. Reads the secrets it is pointed at and never puts one in a message;
//! delivering notifications is `notify`'s concern.

use std::collections::BTreeSet;
use std::str::FromStr;

use super::super::desired::{NotificationKind, NotificationTarget};
use super::super::spec::Spanned;
use super::super::yaml_tree::{Node, Value};
use super::reader::{Fields, Reader};
use super::variables::env_secret;
use crate::manifest::event_kind::EventKind;
use crate::manifest::suggest::suggest;
use crate::secret::Secret;

/// Where `githubStatus` posts when `apiUrl` is not given.
pub const DEFAULT_GITHUB_API: &str = "https://api.github.com";
const KINDS: &[&str] = &["webhook", "slack", "githubStatus"];
const ITEM_FIELDS: &[&str] = &["webhook", "slack", "githubStatus", "events", "name"];
const KIND_HINT: &str = "write exactly one of `webhook: { url: { fromEnv: NAME } }`, `slack: { url: { fromEnv: NAME } }` or `githubStatus: { token: { fromEnv: NAME } }`";

/// What a `{ fromEnv: NAME }` credential is used as: decides the hint and the value check.
#[derive(Clone, Copy)]
pub(super) enum Credential {
    WebhookUrl,
    SlackUrl,
    SigningKey,
    Token,
    /// A private image registry's password (`source.registryCredentials.password`).
    RegistryPassword,
}

impl Credential {
    fn hint(self) -> &'static str {
        match self {
            Credential::WebhookUrl => {
                "a webhook URL is a credential: keep it in the operator's environment and write `url: { fromEnv: OPS_WEBHOOK_URL }`"
            }
            Credential::SlackUrl => {
                "a Slack webhook URL is a credential: keep it in the operator's environment and write `url: { fromEnv: SLACK_WEBHOOK_URL }`"
            }
            Credential::SigningKey => {
                "keep the signing secret in the operator's environment and write `secret: { fromEnv: OPS_WEBHOOK_SECRET }`"
            }
            Credential::Token => {
                "keep the token in the operator's environment and write `token: { fromEnv: GITHUB_TOKEN }`"
            }
            Credential::RegistryPassword => {
                "a registry password is a credential: keep it in the operator's environment and write `password: { fromEnv: REGISTRY_PASSWORD }`"
            }
        }
    }

    fn is_url(self) -> bool {
        matches!(self, Credential::WebhookUrl | Credential::SlackUrl)
    }
}

/// The targets under `spec.notifications` (absent or null: none); invalid items are reported and
/// left out.
pub fn decode_notifications(reader: &mut Reader, spec: &Fields) -> Vec<NotificationTarget> {
    let Some(node) = spec.get("notifications") else {
        return Vec::new();
    };
    let path = spec.field_path("notifications");
    let Value::Sequence(items) = &node.value else {
        reader.sink.error_with_hint(
            node.at,
            format!("expected a list for `{path}`, found {}", node.kind_name()),
            "write `notifications: [ { slack: { url: { fromEnv: SLACK_WEBHOOK_URL } } } ]`",
        );
        return Vec::new();
    };
    let mut targets: Vec<Spanned<NotificationTarget>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(target) = decode_target(reader, item, &item_path, index + 1) else {
            continue;
        };
        if let Some(first) = targets.iter().find(|t| t.value.name == target.value.name) {
            reader.sink.error_with_hint(
                target.at,
                format!(
                    "`{item_path}` is named `{}`, like the target at line {}:{}",
                    target.value.name, first.at.line, first.at.column
                ),
                "status and metrics tell targets apart by name: give each a unique `name:`",
            );
            continue;
        }
        targets.push(target);
    }
    targets.into_iter().map(|t| t.value).collect()
}

/// One item, at the position of its `name` (the item's own when it has none). `position` is
/// 1-based, for the default name.
fn decode_target(
    reader: &mut Reader,
    item: &Node,
    path: &str,
    position: usize,
) -> Option<Spanned<NotificationTarget>> {
    let fields = reader.fields(item, path, ITEM_FIELDS, &[])?;
    let kind = decode_kind(reader, &fields);
    let events = decode_events(reader, &fields);
    let name = decode_name(reader, &fields);
    let kind = kind?;
    let (name, at) = match name? {
        Some(name) => (name.value, name.at),
        None => (format!("{}-{position}", kind.name()), item.at),
    };
    Some(Spanned {
        value: NotificationTarget {
            name,
            kind,
            events: events?,
        },
        at,
    })
}

fn decode_kind(reader: &mut Reader, fields: &Fields) -> Option<NotificationKind> {
    let given: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|kind| fields.key(kind).is_some())
        .collect();
    let kind = match given.as_slice() {
        [kind] => *kind,
        [] => {
            reader.sink.error_with_hint(
                fields.at,
                format!("`{}` names no target", fields.path),
                KIND_HINT,
            );
            return None;
        }
        [first, second, ..] => {
            let at = fields.key(second).map_or(fields.at, |key| key.at);
            reader.sink.error_with_hint(
                at,
                format!("`{}` has both `{first}` and `{second}`", fields.path),
                "one item is one target: split it into two items",
            );
            return None;
        }
    };
    let path = fields.field_path(kind);
    let Some(node) = fields.get(kind) else {
        let at = fields.key(kind).map_or(fields.at, |key| key.at);
        reader
            .sink
            .error_with_hint(at, format!("`{path}` is empty"), KIND_HINT);
        return None;
    };
    match kind {
        "webhook" => webhook(reader, node, &path),
        "slack" => slack(reader, node, &path),
        _ => github_status(reader, node, &path),
    }
}

fn webhook(reader: &mut Reader, node: &Node, path: &str) -> Option<NotificationKind> {
    let fields = reader.fields(node, path, &["url", "secret"], &[])?;
    let url = required_credential(reader, &fields, "url", Credential::WebhookUrl);
    let secret = fields.get("secret").map(|secret| {
        from_env_only(
            reader,
            secret,
            &fields.field_path("secret"),
            Credential::SigningKey,
        )
    });
    Some(NotificationKind::Webhook {
        url: url?,
        secret: match secret {
            Some(given) => Some(given?),
            None => None,
        },
    })
}

fn slack(reader: &mut Reader, node: &Node, path: &str) -> Option<NotificationKind> {
    let fields = reader.fields(node, path, &["url"], &[])?;
    let url = required_credential(reader, &fields, "url", Credential::SlackUrl)?;
    Some(NotificationKind::Slack { url })
}

fn github_status(reader: &mut Reader, node: &Node, path: &str) -> Option<NotificationKind> {
    let fields = reader.fields(node, path, &["token", "apiUrl", "repository"], &[])?;
    let token = required_credential(reader, &fields, "token", Credential::Token);
    let api_url = match fields.get("apiUrl") {
        None => Some(DEFAULT_GITHUB_API.to_string()),
        Some(node) => api_url(reader, node, &fields.field_path("apiUrl")),
    };
    let repository = match fields.get("repository") {
        None => Some(None),
        Some(node) => repository(reader, node, &fields.field_path("repository")).map(Some),
    };
    Some(NotificationKind::GithubStatus {
        token: token?,
        api_url: api_url?,
        repository: repository?,
    })
}

fn required_credential(
    reader: &mut Reader,
    fields: &Fields,
    name: &str,
    used_as: Credential,
) -> Option<Secret> {
    match fields.get(name) {
        Some(node) => from_env_only(reader, node, &fields.field_path(name), used_as),
        None => {
            reader.sink.error_with_hint(
                fields.at,
                format!("missing required field `{name}` in {}", fields.path),
                used_as.hint(),
            );
            None
        }
    }
}

/// `{ fromEnv: NAME }` and nothing else: a literal would put the credential in the manifest.
pub(super) fn from_env_only(
    reader: &mut Reader,
    node: &Node,
    path: &str,
    used_as: Credential,
) -> Option<Secret> {
    if !matches!(node.value, Value::Mapping(_)) {
        // The literal is not quoted back: it may well be the credential itself.
        reader.sink.error_with_hint(
            node.at,
            format!(
                "`{path}` must be `{{ fromEnv: NAME }}`, not {}",
                node.kind_name()
            ),
            used_as.hint(),
        );
        return None;
    }
    let fields = reader.fields(node, path, &["fromEnv"], &[])?;
    let Some(name_node) = fields.get("fromEnv") else {
        reader.missing(&fields, "fromEnv");
        return None;
    };
    let env_path = fields.field_path("fromEnv");
    let secret = env_secret(reader, name_node, &env_path)?;
    let name = name_node.scalar_text().unwrap_or_default();
    let problem = if used_as.is_url() && !is_http_url(secret.expose()) {
        Some("does not hold an http(s) URL")
    } else if secret.is_empty() {
        Some("is empty")
    } else {
        None
    };
    if let Some(problem) = problem {
        reader.sink.error_with_hint(
            name_node.at,
            format!("environment variable `{name}` {problem} (used in `{env_path}`)"),
            "its value is not shown: check what the operator's environment sets it to",
        );
        return None;
    }
    Some(secret)
}

fn is_http_url(text: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        text.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}

fn api_url(reader: &mut Reader, node: &Node, path: &str) -> Option<String> {
    let url = reader.string(node, path)?;
    if !is_http_url(&url.value) {
        reader.sink.error_with_hint(
            url.at,
            format!("`{path}` is not an http(s) URL"),
            format!(
                "write the API's base URL, e.g. `{DEFAULT_GITHUB_API}` or `https://github.example.com/api/v3`"
            ),
        );
        return None;
    }
    Some(url.value.trim_end_matches('/').to_string())
}

fn repository(reader: &mut Reader, node: &Node, path: &str) -> Option<String> {
    let written = reader.string(node, path)?;
    let valid = written.value.split_once('/').is_some_and(|(owner, name)| {
        [owner, name].iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    });
    if !valid {
        reader.sink.error_with_hint(
            written.at,
            format!("`{path}` is not `owner/name`"),
            "write the GitHub repository as `acme/infra`, or leave it out to use the Git source's",
        );
        return None;
    }
    Some(written.value)
}

/// `None` (inside) when `events` is absent: every event.
fn decode_events(reader: &mut Reader, fields: &Fields) -> Option<Option<BTreeSet<EventKind>>> {
    let Some(node) = fields.get("events") else {
        return Some(None);
    };
    let path = fields.field_path("events");
    let Value::Sequence(items) = &node.value else {
        reader.sink.error_with_hint(
            node.at,
            format!(
                "expected a list of event names for `{path}`, found {}",
                node.kind_name()
            ),
            "write e.g. `events: [deployment.failed, deployment.recovered]`, or leave it out for every event",
        );
        return None;
    };
    if items.is_empty() {
        reader.sink.error_with_hint(
            node.at,
            format!("`{path}` lists no event"),
            "leave `events` out to send every event",
        );
        return None;
    }
    let mut events = BTreeSet::new();
    let mut valid = true;
    for (index, item) in items.iter().enumerate() {
        match event_kind(reader, item, &format!("{path}[{index}]")) {
            Some(kind) => {
                events.insert(kind);
            }
            None => valid = false,
        }
    }
    valid.then_some(Some(events))
}

fn event_kind(reader: &mut Reader, node: &Node, path: &str) -> Option<EventKind> {
    let written = reader.string(node, path)?;
    if let Ok(kind) = EventKind::from_str(&written.value) {
        return Some(kind);
    }
    let names: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.name()).collect();
    let listed = format!("events are {}", names.join(", "));
    let hint = match suggest(&written.value, &names) {
        Some(close) => format!("did you mean `{close}`? {listed}"),
        None => listed,
    };
    let shown = node.scalar_text().unwrap_or_default();
    reader.sink.error_with_hint(
        node.at,
        format!("unknown event `{shown}` in `{path}`"),
        hint,
    );
    None
}

/// `None` (inside) when the item has no `name`: the default `<kind>-<position>` applies.
fn decode_name(reader: &mut Reader, fields: &Fields) -> Option<Option<Spanned<String>>> {
    let Some(node) = fields.get("name") else {
        return Some(None);
    };
    let path = fields.field_path("name");
    let name = reader.string(node, &path)?;
    if !is_target_name(&name.value) {
        reader.sink.error_with_hint(
            name.at,
            format!("invalid target name in `{path}`"),
            "names are 1 to 63 characters: letters, digits, `-`, `_`, `.`, not starting with `-` or `.` (they become metric labels)",
        );
        return None;
    }
    Some(Some(name))
}

fn is_target_name(name: &str) -> bool {
    (1..=63).contains(&name.chars().count())
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
