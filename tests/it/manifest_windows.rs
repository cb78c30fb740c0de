//! `spec.policy.windows` in the manifest: what a valid list resolves to, and a positioned error
//! with a hint for each way an item can be wrong.

use std::path::Path;

use railway_operator::manifest::desired::{ChangeWindow, WindowMode};
use railway_operator::manifest::{Desired, LoadError, load_str};

fn load(windows: &str) -> Result<Desired, LoadError> {
    let text = format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: demo }}\nspec:\n  policy:\n    windows:\n{windows}  environments: {{ production: {{}} }}\n  services:\n    api: {{ source: {{ image: \"nginx:1\" }} }}\n"
    );
    load_str(&text, Path::new("test.yml"), &|_| None)
}

/// `line:column message (hint)` for each diagnostic.
fn messages(result: Result<Desired, LoadError>) -> Vec<String> {
    match result {
        Err(LoadError::Invalid(diagnostics)) => diagnostics
            .0
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} ({})",
                    d.line,
                    d.column,
                    d.message,
                    d.hint.as_deref().unwrap_or_default()
                )
            })
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("the manifest loaded"),
    }
}

fn one_error(item: &str) -> String {
    let errors = messages(load(&format!("      - {item}\n")));
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

#[test]
fn a_weekend_freeze_and_office_hours_resolve_into_the_policy_in_order() {
    let desired = load(
        "      - { schedule: \"0 22 * * 5\", duration: 60h, timezone: Europe/Berlin, mode: deny }\n      - { schedule: \"0 9 * * 1-5\", duration: 8h, mode: allow }\n",
    )
    .unwrap();
    assert_eq!(
        desired.policy.windows,
        vec![
            ChangeWindow {
                schedule: "0 22 * * 5".into(),
                timezone: Some("Europe/Berlin".into()),
                duration_seconds: 60 * 3600,
                mode: WindowMode::Deny,
            },
            ChangeWindow {
                schedule: "0 9 * * 1-5".into(),
                timezone: None,
                duration_seconds: 8 * 3600,
                mode: WindowMode::Allow,
            },
        ]
    );
}

#[test]
fn a_six_field_schedule_with_seconds_is_accepted() {
    let desired =
        load("      - { schedule: \"30 0 12 * * *\", duration: 1h30m, mode: deny }\n").unwrap();
    assert_eq!(desired.policy.windows[0].duration_seconds, 5400);
}

#[test]
fn without_windows_the_policy_has_none() {
    let desired = load("      []\n").unwrap();
    assert!(desired.policy.windows.is_empty());
}

#[test]
fn a_bad_cron_is_reported_at_the_schedule() {
    let error = one_error("{ schedule: \"0 25 * * *\", duration: 1h, mode: deny }");
    assert!(
        error.starts_with("7:21 invalid cron expression in `spec.policy.windows[0].schedule`"),
        "{error}"
    );
}

#[test]
fn an_unknown_time_zone_suggests_the_closest_name() {
    let error =
        one_error("{ schedule: \"0 22 * * 5\", duration: 1h, timezone: Europe/Berln, mode: deny }");
    assert!(
        error.contains("unknown time zone in `spec.policy.windows[0].timezone`"),
        "{error}"
    );
    assert!(error.contains("did you mean `Europe/Berlin`?"), "{error}");
}

#[test]
fn a_duration_that_is_not_one_is_reported_with_the_parser_reason() {
    let error = one_error("{ schedule: \"0 22 * * 5\", duration: 2 hours, mode: deny }");
    assert!(
        error.contains("invalid duration in `spec.policy.windows[0].duration`"),
        "{error}"
    );
    assert!(error.contains("e.g. `60h`"), "{error}");
}

#[test]
fn a_zero_duration_is_refused_because_the_window_never_opens() {
    let error = one_error("{ schedule: \"0 22 * * 5\", duration: 0s, mode: deny }");
    assert!(
        error.contains("a window of zero length never opens"),
        "{error}"
    );
}

#[test]
fn a_missing_duration_is_refused() {
    let error = one_error("{ schedule: \"0 22 * * 5\", mode: deny }");
    assert!(
        error.contains("missing required field `duration`"),
        "{error}"
    );
}

#[test]
fn mode_is_required_and_must_be_deny_or_allow() {
    let missing = one_error("{ schedule: \"0 22 * * 5\", duration: 1h }");
    assert!(
        missing.contains("missing required field `mode`"),
        "{missing}"
    );
    assert!(missing.contains("`mode: deny`"), "{missing}");
    let unknown = one_error("{ schedule: \"0 22 * * 5\", duration: 1h, mode: freeze }");
    assert!(
        unknown.contains("invalid value `freeze` for `spec.policy.windows[0].mode`"),
        "{unknown}"
    );
    assert!(unknown.contains("allowed values: deny, allow"), "{unknown}");
}

#[test]
fn every_bad_field_of_an_item_is_reported_at_once() {
    let errors = messages(load(
        "      - { schedule: nope, duration: 0s, timezone: Mars/Base, mode: sometimes, extra: 1 }\n",
    ));
    assert_eq!(errors.len(), 5, "{errors:?}");
}

#[test]
fn windows_must_be_a_list() {
    let errors = messages(load("      { schedule: \"0 22 * * 5\" }\n"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("expected a list for `spec.policy.windows`"),
        "{:?}",
        errors
    );
}
