//! The sandbox's fault kinds and limits seen from a raw HTTP client: what each fault answers,
//! whether the operation was performed, and the rate-limit headers and counters.

use crate::support::sandbox_common as common;

use std::time::{Duration, Instant};

use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::{Value, json};

const CREATE: &str =
    "mutation ProjectCreate($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }";
const PROJECTS: &str = "query Projects { projects(first: 10) { edges { node { id name } } } }";

fn faulty(spec: &str) -> SandboxConfig {
    SandboxConfig {
        faults: spec.parse().expect("fault spec"),
        slow_delay: Duration::from_millis(700),
        ..SandboxConfig::default()
    }
}

async fn project_count(sandbox: &railway_operator::sandbox::Sandbox) -> usize {
    let found = data(sandbox, PROJECTS, json!({})).await;
    found["projects"]["edges"].as_array().map_or(0, Vec::len)
}

async fn clear(sandbox: &railway_operator::sandbox::Sandbox) {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .body("")
        .send()
        .await
        .expect("faults cleared");
}

fn create_body() -> Value {
    json!({ "query": CREATE, "variables": { "input": { "name": "p" } }, "operationName": "ProjectCreate" })
}

#[tokio::test]
async fn error502_answers_a_cloudflare_like_html_page_and_performs_nothing() {
    let sandbox = start(faulty("projectCreate=error502")).await;
    let response = post_raw(&sandbox, create_body(), Some(TOKEN)).await;
    assert_eq!(response.status(), 502);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let page = response.text().await.unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        serde_json::from_str::<Value>(&page).is_err(),
        "not JSON: {page}"
    );
    assert!(
        page.contains("Bad gateway") && page.contains("Cloudflare"),
        "{page}"
    );
    assert_eq!(project_count(&sandbox).await, 0);
    assert_eq!(stats(&sandbox).await["faults"]["error502"], 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer_or_an_effect() {
    let sandbox = start(faulty("projectCreate=reset")).await;
    let result = reqwest::Client::new()
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&create_body())
        .send()
        .await;
    assert!(result.is_err(), "no response: {result:?}");
    assert_eq!(project_count(&sandbox).await, 0, "nothing was created");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn drop_after_commit_closes_the_connection_but_keeps_the_effect() {
    let sandbox = start(faulty("projectCreate=drop-after-commit")).await;
    let result = reqwest::Client::new()
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&create_body())
        .send()
        .await;
    assert!(result.is_err(), "no response: {result:?}");
    assert_eq!(project_count(&sandbox).await, 1, "the project exists");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_performs_the_operation_and_outlasts_a_short_client_timeout() {
    let sandbox = start(faulty("projectCreate=slow")).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let result = impatient
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&create_body())
        .send()
        .await;
    assert!(
        result.is_err_and(|e| e.is_timeout()),
        "the client timed out"
    );
    assert_eq!(project_count(&sandbox).await, 1, "performed anyway");

    let started = Instant::now();
    let patient = post_raw(&sandbox, create_body(), Some(TOKEN)).await;
    let waited = started.elapsed();
    println!("slow answer after {} ms", waited.as_millis());
    assert_eq!(patient.status(), 200);
    assert!(waited >= Duration::from_millis(700), "{waited:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn problem_answers_railways_generic_envelope() {
    let sandbox = start(faulty("projectCreate=problem")).await;
    let body: Value = post_raw(&sandbox, create_body(), Some(TOKEN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["errors"][0]["message"], "Problem processing request");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));
    clear(&sandbox).await;
    assert_eq!(project_count(&sandbox).await, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_hourly_limit_refuses_with_retry_after_and_429s_are_counted() {
    let sandbox = start(SandboxConfig {
        rate_limit_per_second: Some(100),
        rate_limit_per_hour: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let mut answers = Vec::new();
    for _ in 0..5 {
        let response = post_raw(&sandbox, json!({ "query": PROJECTS }), Some(TOKEN)).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_string()
        };
        answers.push((
            response.status().as_u16(),
            header("x-ratelimit-limit"),
            header("x-ratelimit-remaining"),
            header("retry-after"),
        ));
    }
    println!("{answers:?}");
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    assert!(
        answers.iter().all(|a| a.1 == "3"),
        "the tighter window: {answers:?}"
    );
    assert_eq!(answers[2].2, "0");
    let retry_after: u64 = answers[3].3.parse().expect("Retry-After in seconds");
    assert!(retry_after > 3500, "until the hour ends: {retry_after}");
    assert_eq!(stats(&sandbox).await["rateLimited"], 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_and_rate_limit_counters_are_absent_while_zero() {
    let sandbox = start(SandboxConfig::default()).await;
    post_raw(&sandbox, json!({ "query": PROJECTS }), Some(TOKEN)).await;
    let counted = stats(&sandbox).await;
    assert!(counted.get("rateLimited").is_none(), "{counted}");
    assert!(counted.get("faults").is_none(), "{counted}");
    sandbox.shutdown().await;
}
