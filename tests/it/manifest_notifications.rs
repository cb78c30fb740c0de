//! `spec.notifications`: the three target kinds, credentials only from the environment, the
//! events filter with "did you mean", default and unique names, and secrets never shown in an
//! error, in `Debug` or in the serialized desired state.

use std::collections::BTreeSet;
use std::path::Path;

use railway_operator::manifest::desired::{NotificationKind, NotificationTarget};
use railway_operator::manifest::{Desired, Diagnostic, LoadError, load_str};
use railway_operator::notify::EventKind;

const HEADER: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: demo }\nspec:\n  environments: { production: {} }\n  services: {}\n";
/// Lines before the body in `load`: HEADER's six.
const HEADER_LINES: usize = 6;
const CANARY: &str = "canary-7f3a9c";

fn load(body: &str) -> Result<Desired, LoadError> {
    load_str(&format!("{HEADER}{body}"), Path::new("test.yml"), &env)
}

/// Every credential holds the canary, so any leak of a value shows up.
fn env(name: &str) -> Option<String> {
    match name {
        "OPS_WEBHOOK_URL" => Some(format!("https://hooks.example.com/{CANARY}?key={CANARY}")),
        "OPS_WEBHOOK_SECRET" => Some(format!("secret-{CANARY}")),
        "SLACK_WEBHOOK_URL" => Some(format!("https://hooks.slack.com/services/{CANARY}")),
        "GITHUB_TOKEN" => Some(format!("ghp_{CANARY}")),
        "NOT_A_URL" => Some(format!("ftp://{CANARY}")),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

fn diagnostics(body: &str) -> Vec<Diagnostic> {
    match load(body) {
        Err(LoadError::Invalid(diagnostics)) => diagnostics.0,
        Err(other) => panic!("unexpected error: {other}"),
        Ok(desired) => panic!("expected errors, got {:?}", desired.notifications),
    }
}

/// The single diagnostic of `body`, at `line` (of the body, 1-based) and `column`.
fn single_error(body: &str, line: usize, column: usize) -> Diagnostic {
    let found = diagnostics(body);
    assert_eq!(found.len(), 1, "{found:#?}");
    let diagnostic = found.into_iter().next().unwrap();
    assert_eq!(
        (diagnostic.line, diagnostic.column),
        (HEADER_LINES + line, column),
        "{diagnostic}"
    );
    let shown = format!("{diagnostic} {:?}", diagnostic.hint);
    assert!(!shown.contains(CANARY), "{shown}");
    diagnostic
}

fn targets(body: &str) -> Vec<NotificationTarget> {
    match load(body) {
        Ok(desired) => desired.notifications,
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn the_three_target_kinds_decode_with_their_credentials_and_defaults() {
    let found = targets(
        r"  notifications:
    - webhook: { url: { fromEnv: OPS_WEBHOOK_URL }, secret: { fromEnv: OPS_WEBHOOK_SECRET } }
      events: [deployment.failed, deployment.recovered]
      name: ops
    - slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }
    - githubStatus: { token: { fromEnv: GITHUB_TOKEN }, apiUrl: https://github.example.com/api/v3/, repository: acme/infra }
    - githubStatus: { token: { fromEnv: GITHUB_TOKEN } }
",
    );
    let names: Vec<&str> = found.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["ops", "slack-2", "githubStatus-3", "githubStatus-4"]
    );
    let NotificationKind::Webhook { url, secret } = &found[0].kind else {
        panic!("{:?}", found[0]);
    };
    assert_eq!(url.expose(), env("OPS_WEBHOOK_URL").unwrap());
    assert_eq!(
        secret.as_ref().map(|s| s.expose().to_string()),
        env("OPS_WEBHOOK_SECRET")
    );
    assert_eq!(
        found[0].events,
        Some(BTreeSet::from([
            EventKind::DeploymentFailed,
            EventKind::DeploymentRecovered
        ]))
    );
    assert!(
        matches!(&found[1].kind, NotificationKind::Slack { url } if url.expose().starts_with("https://hooks.slack.com/"))
    );
    assert_eq!(found[1].events, None, "no filter means every event");
    let NotificationKind::GithubStatus {
        token,
        api_url,
        repository,
    } = &found[2].kind
    else {
        panic!("{:?}", found[2]);
    };
    assert_eq!(token.expose(), format!("ghp_{CANARY}"));
    assert_eq!(
        api_url, "https://github.example.com/api/v3",
        "trailing / dropped"
    );
    assert_eq!(repository.as_deref(), Some("acme/infra"));
    assert!(matches!(
        &found[3].kind,
        NotificationKind::GithubStatus { api_url, repository: None, .. } if api_url == "https://api.github.com"
    ));
}

#[test]
fn a_manifest_without_notifications_has_no_targets() {
    assert!(targets("").is_empty());
    assert!(targets("  notifications: []\n").is_empty());
}

#[test]
fn no_secret_value_appears_in_the_debug_or_serialized_desired_state() {
    let desired = load(
        r"  notifications:
    - webhook: { url: { fromEnv: OPS_WEBHOOK_URL }, secret: { fromEnv: OPS_WEBHOOK_SECRET } }
    - slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }
    - githubStatus: { token: { fromEnv: GITHUB_TOKEN } }
",
    )
    .unwrap();
    for shown in [
        format!("{desired:?}"),
        format!("{desired:#?}"),
        serde_json::to_string(&desired).unwrap(),
    ] {
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(shown.contains("OPS_WEBHOOK_URL"), "the origin is shown");
    }
}

#[test]
fn a_literal_webhook_url_is_refused_without_quoting_it() {
    let error = single_error(
        "  notifications:\n    - webhook: { url: \"https://hooks.example.com/canary-7f3a9c\" }\n",
        2,
        23,
    );
    assert!(
        error.message.contains("must be `{ fromEnv: NAME }`"),
        "{error}"
    );
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("credential"),
        "{error:?}"
    );
}

#[test]
fn a_literal_slack_url_a_literal_secret_and_a_literal_token_are_refused() {
    for (body, column) in [
        ("    - slack: { url: https://hooks.slack.com/x }\n", 21),
        (
            "    - webhook: { url: { fromEnv: OPS_WEBHOOK_URL }, secret: s3cr3t }\n",
            61,
        ),
        ("    - githubStatus: { token: ghp_x }\n", 30),
    ] {
        let error = single_error(&format!("  notifications:\n{body}"), 2, column);
        assert!(error.message.contains("fromEnv"), "{error}");
        assert!(!error.message.contains("s3cr3t") && !error.message.contains("ghp_x"));
    }
}

#[test]
fn an_unset_environment_variable_is_named_like_a_variables_one() {
    let error = single_error(
        "  notifications:\n    - slack: { url: { fromEnv: MISSING_HOOK } }\n",
        2,
        32,
    );
    assert_eq!(
        error.message,
        "environment variable `MISSING_HOOK` is not set (used in `spec.notifications[0].slack.url.fromEnv`)"
    );
}

#[test]
fn a_url_variable_that_holds_no_http_url_is_an_error_that_hides_the_value() {
    let error = single_error(
        "  notifications:\n    - webhook: { url: { fromEnv: NOT_A_URL } }\n",
        2,
        34,
    );
    assert!(
        error
            .message
            .contains("`NOT_A_URL` does not hold an http(s) URL"),
        "{error}"
    );
    let error = single_error(
        "  notifications:\n    - githubStatus: { token: { fromEnv: EMPTY } }\n",
        2,
        41,
    );
    assert!(error.message.contains("`EMPTY` is empty"), "{error}");
}

#[test]
fn an_item_needs_exactly_one_target_kind() {
    let error = single_error("  notifications:\n    - { name: ops }\n", 2, 9);
    assert!(error.message.contains("names no target"), "{error}");
    let error = single_error(
        "  notifications:\n    - webhook: { url: { fromEnv: OPS_WEBHOOK_URL } }\n      slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }\n",
        3,
        7,
    );
    assert!(
        error.message.contains("has both `webhook` and `slack`"),
        "{error}"
    );
}

#[test]
fn an_unknown_event_gets_a_did_you_mean_and_the_list_of_events() {
    let error = single_error(
        "  notifications:\n    - slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }\n      events: [deployment.failed, deploymnet.recovered]\n",
        3,
        35,
    );
    assert_eq!(
        error.message,
        "unknown event `deploymnet.recovered` in `spec.notifications[0].events[1]`"
    );
    let hint = error.hint.unwrap_or_default();
    assert!(
        hint.starts_with("did you mean `deployment.recovered`?"),
        "{hint}"
    );
    for kind in EventKind::ALL {
        assert!(hint.contains(kind.name()), "{hint} lacks {kind}");
    }
}

#[test]
fn an_empty_events_list_is_an_error() {
    let error = single_error(
        "  notifications:\n    - slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }\n      events: []\n",
        3,
        15,
    );
    assert!(error.message.contains("lists no event"), "{error}");
}

#[test]
fn two_targets_with_the_same_name_are_an_error_at_the_second() {
    let error = single_error(
        "  notifications:\n    - { slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }, name: ops }\n    - { slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }, name: ops }\n",
        3,
        63,
    );
    assert!(
        error
            .message
            .contains("is named `ops`, like the target at line 8:"),
        "{error}"
    );
    // A default name counts too.
    let error = single_error(
        "  notifications:\n    - slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }\n    - { slack: { url: { fromEnv: SLACK_WEBHOOK_URL } }, name: slack-1 }\n",
        3,
        63,
    );
    assert!(
        error
            .message
            .contains("`slack-1`, like the target at line 8:7"),
        "{error}"
    );
}

#[test]
fn api_url_and_repository_are_checked() {
    let error = single_error(
        "  notifications:\n    - githubStatus: { token: { fromEnv: GITHUB_TOKEN }, apiUrl: api.github.com }\n",
        2,
        65,
    );
    assert!(error.message.contains("is not an http(s) URL"), "{error}");
    let error = single_error(
        "  notifications:\n    - githubStatus: { token: { fromEnv: GITHUB_TOKEN }, repository: acme }\n",
        2,
        69,
    );
    assert!(error.message.contains("is not `owner/name`"), "{error}");
}

#[test]
fn unknown_fields_and_a_missing_url_are_reported_with_positions() {
    let found = diagnostics(
        "  notifications:\n    - webhook: { uri: { fromEnv: OPS_WEBHOOK_URL } }\n      event: [applied]\n",
    );
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 3, "{shown:#?}");
    assert!(shown[0].contains(":8:18: ") && shown[0].contains("unknown field `uri`"));
    assert!(shown[1].contains(":8:18: ") && shown[1].contains("missing required field `url`"));
    assert!(shown[2].contains(":9:7: ") && shown[2].contains("unknown field `event`"));
}

#[test]
fn notifications_must_be_a_list() {
    let error = single_error(
        "  notifications: { slack: { url: { fromEnv: SLACK_WEBHOOK_URL } } }\n",
        1,
        20,
    );
    assert!(error.message.contains("expected a list"), "{error}");
}
