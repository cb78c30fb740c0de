//! Plan limits `validate` warns about without failing: custom domains per service past Hobby's
//! 2 (R32), and a reconcile interval that spends more than the Free plan's 100 requests an hour
//! (R40).

use crate::support;

use std::fs;

use support::*;

const ONE_SERVICE: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: limits }\nspec:\n  environments: { production: {} }\n  services:\n    web:\n      source: { image: \"web:1\" }\n      domains:\n        - custom: a.example.com\n        - railway: {}\n        - custom: b.example.com\n";

/// Runs `validate` on `text` with the given flags and environment; (exit code, stdout, stderr).
async fn validate(text: &str, flags: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("limits.yml");
    fs::write(&path, text).expect("write");
    let file = path.to_string_lossy().to_string();
    let mut args = vec!["validate", "-f", file.as_str()];
    args.extend(flags);
    cli_env(&sandbox, &args, dir.path(), vars).await
}

#[tokio::test]
async fn validate_warns_at_the_third_custom_domain_of_a_service_and_still_exits_0() {
    let third = format!("{ONE_SERVICE}        - custom: c.example.com\n");
    let (code, out, err) = validate(&third, &["--interval", "5m"], &[]).await;
    assert_eq!(code, 0, "a warning, not an error:\n{out}\n{err}");
    assert!(out.contains("is valid"), "{out}");
    assert!(
        err.contains("limits.yml:13:19: warning: services.web.domains lists 3 custom domains: on the Hobby plan Railway allows 2 per service (Trial 1, Pro 20), and refuses the ones past that"),
        "located at c.example.com:\n{err}"
    );
    assert_eq!(err.lines().count(), 1, "one warning per service:\n{err}");
}

#[tokio::test]
async fn validate_says_nothing_about_two_custom_domains() {
    let (code, out, err) = validate(ONE_SERVICE, &["--interval", "5m"], &[]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(err, "", "{err}");
}

#[tokio::test]
async fn validate_warns_when_the_interval_spends_more_than_the_free_plans_hourly_requests() {
    let (code, out, err) =
        validate(ONE_SERVICE, &[], &[("RAILWAY_OPERATOR_INTERVAL", "30s")]).await;
    assert_eq!(code, 0, "a warning, not an error:\n{out}\n{err}");
    assert!(
        err.contains("limits.yml: warning: reconciling this project every 30s (`run --interval`) costs about 120 requests an hour at 1 probe request per unchanged pass, more than the 100 an hour Railway allows on the Free plan (Hobby 1,000, Pro 10,000); on the Free plan use --interval 36s or more"),
        "{err}"
    );
    for within in [
        ["--interval", "36s"],
        ["--interval", "60s"],
        ["--interval", "1h"],
    ] {
        let (code, _, err) = validate(ONE_SERVICE, &within, &[]).await;
        assert_eq!(code, 0);
        assert_eq!(err, "", "{within:?} is within the budget:\n{err}");
    }
    let (_, _, err) = validate(ONE_SERVICE, &[], &[("RAILWAY_OPERATOR_INTERVAL", "2m")]).await;
    assert_eq!(err, "", "run's own setting is read:\n{err}");
}
