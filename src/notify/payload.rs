//! The bodies sent to webhooks and to Slack, built from the event alone (which holds no secret).
//! Pure: no I/O, and nothing from the target's configuration goes into a body.

use serde_json::{Value, json};

use super::Event;

/// `version` in a webhook body: raised when a field changes meaning or goes away.
pub const WEBHOOK_VERSION: u64 = 1;

const PROBLEM_COLOR: &str = "#d1242f";
const GOOD_COLOR: &str = "#1f883d";

/// The webhook body: the event's JSON form plus `"version": 1`.
pub fn webhook_body(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let mut value = serde_json::to_value(event)?;
    if let Value::Object(fields) = &mut value {
        fields.insert("version".to_string(), WEBHOOK_VERSION.into());
    }
    serde_json::to_vec(&value)
}

/// A Slack incoming-webhook message: one line of text naming the kind, where it happened and
/// the event's message, and an attachment coloured by whether it is a problem (holding a failed
/// deployment's last log lines as a code block).
pub fn slack_body(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let problem = event.kind.is_problem();
    let icon = if problem {
        ":red_circle:"
    } else {
        ":large_green_circle:"
    };
    let text = format!(
        "{icon} *{}* in {}: {}",
        event.kind,
        escape(&place(event)),
        escape(&event.message)
    );
    let mut fields = vec![short_field("Project", &event.project)];
    if let Some(environment) = &event.environment {
        fields.push(short_field("Environment", environment));
    }
    if let Some(service) = &event.service {
        fields.push(short_field("Service", service));
    }
    if let Some(revision) = &event.revision {
        fields.push(short_field("Revision", revision));
    }
    let mut attachment = json!({
        "color": if problem { PROBLEM_COLOR } else { GOOD_COLOR },
        "fallback": text,
        "fields": fields,
        "footer": "railway-operator",
        "ts": event.at.timestamp(),
    });
    if let Some(excerpt) = log_excerpt(event) {
        attachment["text"] = json!(format!("```{}```", escape(&excerpt)));
        attachment["mrkdwn_in"] = json!(["text"]);
    }
    serde_json::to_vec(&json!({ "text": text, "attachments": [attachment] }))
}

/// A failed deployment's last log lines (`details.logExcerpt`, already masked and bounded), one
/// per line.
fn log_excerpt(event: &Event) -> Option<String> {
    let lines: Vec<&str> = event
        .details
        .get("logExcerpt")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// `project / environment / service`, as far as the event names them.
fn place(event: &Event) -> String {
    [
        Some(&event.project),
        event.environment.as_ref(),
        event.service.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(" / ")
}

fn short_field(title: &str, value: &str) -> Value {
    json!({ "title": title, "value": escape(value), "short": true })
}

/// Slack's mrkdwn control characters, which would otherwise start links and mentions.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::EventKind;

    fn event(kind: EventKind) -> Event {
        Event {
            kind,
            project: "shop".into(),
            environment: Some("production".into()),
            service: Some("api".into()),
            subject: "deployment/production/api".into(),
            state: "failed:d1".into(),
            message: "deployment d1 <crashed> & stopped".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            revision: Some("abc123".into()),
            git: None,
            details: json!({ "deploymentId": "d1" }),
        }
    }

    #[test]
    fn a_webhook_body_is_the_event_with_a_version() {
        let body: Value = serde_json::from_slice(
            &webhook_body(&event(EventKind::DeploymentFailed)).unwrap_or_default(),
        )
        .unwrap_or_default();
        assert_eq!(body["version"], 1);
        assert_eq!(body["kind"], "deployment.failed");
        assert_eq!(body["subject"], "deployment/production/api");
        assert_eq!(body["details"]["deploymentId"], "d1");
    }

    #[test]
    fn a_slack_message_names_kind_place_and_message_and_is_red_for_a_problem() {
        let body: Value = serde_json::from_slice(
            &slack_body(&event(EventKind::DeploymentFailed)).unwrap_or_default(),
        )
        .unwrap_or_default();
        assert_eq!(
            body["text"],
            ":red_circle: *deployment.failed* in shop / production / api: deployment d1 &lt;crashed&gt; &amp; stopped"
        );
        assert_eq!(body["attachments"][0]["color"], PROBLEM_COLOR);
        let recovered: Value = serde_json::from_slice(
            &slack_body(&event(EventKind::DeploymentRecovered)).unwrap_or_default(),
        )
        .unwrap_or_default();
        assert_eq!(recovered["attachments"][0]["color"], GOOD_COLOR);
        assert!(recovered["attachments"][0].get("text").is_none());
    }

    #[test]
    fn a_slack_message_shows_a_failed_deployments_log_excerpt_as_a_code_block() {
        let mut failed = event(EventKind::DeploymentFailed);
        failed.details["logExcerpt"] = json!(["Starting Container", "exited <1>"]);
        let body: Value =
            serde_json::from_slice(&slack_body(&failed).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            body["attachments"][0]["text"],
            "```Starting Container\nexited &lt;1&gt;```"
        );
    }
}
