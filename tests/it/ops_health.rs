//! `health` against local HTTP servers: a healthy one, a failing one and one slower than the
//! timeout, declared as external services of a small manifest.

use crate::support;

use std::fs;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use railway_operator::ops::health::{HealthState, HealthTarget, Probe, check_all};
use serde_json::Value;
use support::*;

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    address
}

async fn servers() -> (SocketAddr, SocketAddr, SocketAddr) {
    let healthy = serve(Router::new().route("/healthz", get(|| async { "ok" }))).await;
    let failing = serve(Router::new().route(
        "/health",
        get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
    ))
    .await;
    let slow = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    ))
    .await;
    (healthy, failing, slow)
}

fn manifest(services: &[(&str, SocketAddr, &str)]) -> String {
    let mut text = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: health-check\nspec:\n  environments:\n    production: {}\n  services:\n",
    );
    for (name, address, path) in services {
        text.push_str(&format!(
            "    {name}:\n      external: {{ url: \"http://{address}\", healthPath: {path} }}\n"
        ));
    }
    text
}

#[tokio::test]
async fn healthy_failing_and_slow_services_are_reported_and_the_exit_code_is_one() {
    let sandbox = sandbox().await;
    let (healthy, failing, slow) = servers().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("health.yml");
    fs::write(
        &path,
        manifest(&[
            ("healthy", healthy, "/healthz"),
            ("failing", failing, "/health"),
            ("slow", slow, "/slow"),
        ]),
    )
    .expect("write");
    let file = path.to_string_lossy().to_string();

    let (code, out, err) = cli(&sandbox, &["health", "-f", &file, "--timeout", "1s"]).await;
    assert_eq!(code, 1, "a failed check exits 1\n{out}\n{err}");
    assert!(out.contains("timed out"), "{out}");
    assert!(out.contains("HTTP 500"), "{out}");
    assert!(out.contains("2 check(s) failed"), "{out}");

    let (code, out, err) = cli(
        &sandbox,
        &["health", "-f", &file, "--timeout", "1s", "--output", "json"],
    )
    .await;
    assert_eq!(code, 1, "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["formatVersion"], 1);
    assert_eq!(report["command"], "health");
    assert_eq!(report["healthy"], false);
    assert_eq!(report["timeoutMs"], 1000);
    let results = report["results"].as_array().expect("results");
    let by_name = |name: &str| {
        results
            .iter()
            .find(|r| r["service"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let ok = by_name("healthy");
    assert_eq!(ok["state"], "ok");
    assert_eq!(ok["statusCode"], 200);
    assert!(ok["latencyMs"].is_u64());
    assert_eq!(ok["url"], format!("http://{healthy}/healthz"));
    let failed = by_name("failing");
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["statusCode"], 500);
    let late = by_name("slow");
    assert_eq!(late["state"], "failed");
    assert!(
        late["detail"]
            .as_str()
            .is_some_and(|d| d.contains("timed out")),
        "{late}"
    );
    assert!(
        late["latencyMs"].as_u64().is_some_and(|ms| ms < 4000),
        "{late}"
    );

    let (code, out, err) = cli(&sandbox, &["health", "-f", &file, "healthy"]).await;
    assert_eq!(code, 0, "only the healthy one: exit 0\n{out}\n{err}");
    assert!(out.contains("All checks passed."), "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_manifest_with_only_a_healthy_service_exits_zero() {
    let sandbox = sandbox().await;
    let (healthy, _, _) = servers().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("healthy.yml");
    fs::write(&path, manifest(&[("healthy", healthy, "/healthz")])).expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&sandbox, &["health", "-f", &file]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("ok"), "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn check_all_keeps_target_order_and_skips_targets_without_a_url() {
    let (healthy, failing, _) = servers().await;
    let targets = vec![
        HealthTarget {
            service: "failing".into(),
            environment: None,
            probe: Probe::Url(format!("http://{failing}/health")),
        },
        HealthTarget {
            service: "nowhere".into(),
            environment: Some("production".into()),
            probe: Probe::Skip("no public URL".into()),
        },
        HealthTarget {
            service: "healthy".into(),
            environment: None,
            probe: Probe::Url(format!("http://{healthy}/healthz")),
        },
    ];
    let results = check_all(targets, Duration::from_secs(2)).await;
    let states: Vec<(&str, HealthState)> = results
        .iter()
        .map(|r| (r.service.as_str(), r.state))
        .collect();
    assert_eq!(
        states,
        [
            ("failing", HealthState::Failed),
            ("nowhere", HealthState::Skipped),
            ("healthy", HealthState::Ok),
        ]
    );
    assert_eq!(results[1].detail.as_deref(), Some("no public URL"));
}
