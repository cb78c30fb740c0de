//! The sandbox's HTTP behaviour: auth envelope, rate limit, fault injection and request counters.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{FaultPlan, SandboxConfig};
use serde_json::{Value, json};

const PROJECTS: &str = "query Projects { projects(first: 10) { edges { node { id name } } } }";

#[tokio::test]
async fn a_missing_token_gets_railways_not_authorized_envelope() {
    let sandbox = start(SandboxConfig::default()).await;
    let response = post_raw(&sandbox, json!({ "query": PROJECTS }), None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "data": null, "errors": [{ "message": "Not Authorized", "extensions": { "code": "UNAUTHENTICATED" } }] })
    );
    let blank = post_raw(&sandbox, json!({ "query": PROJECTS }), Some(" ")).await;
    let body: Value = blank.json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "Not Authorized");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_configured_token_rejects_others_and_is_no_project_token() {
    let config = SandboxConfig {
        token: Some("right".into()),
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let wrong: Value = post_raw(&sandbox, json!({ "query": PROJECTS }), Some("wrong"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let bearer: Value = post_raw(&sandbox, json!({ "query": PROJECTS }), Some("right"))
        .await
        .json()
        .await
        .unwrap();
    assert!(bearer.get("errors").is_none(), "{bearer}");
    let project_token: Value = reqwest::Client::new()
        .post(sandbox.url())
        .header("Project-Access-Token", "right")
        .json(&json!({ "query": PROJECTS }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // R34: `Project-Access-Token` carries project tokens only, and this one was never minted.
    assert_eq!(
        project_token["errors"][0]["message"], "Not Authorized",
        "{project_token}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn exceeding_the_rate_limit_answers_429_with_retry_after() {
    let config = SandboxConfig {
        rate_limit_per_second: Some(2),
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let response = post_raw(&sandbox, json!({ "query": PROJECTS }), Some(TOKEN)).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
    }
    assert_eq!(&statuses[..2], &[200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn drop_after_commit_performs_the_mutation_then_closes_without_a_response() {
    let faults: FaultPlan = "ProjectCreate=drop-after-commit".parse().unwrap();
    let sandbox = start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await;
    let sent = reqwest::Client::new()
        .post(sandbox.url())
        .bearer_auth(TOKEN)
        .json(&json!({
            "query": "mutation ProjectCreate($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
            "variables": { "input": { "name": "lost" } },
            "operationName": "ProjectCreate",
        }))
        .send()
        .await;
    assert!(sent.is_err(), "no HTTP response arrives: {sent:?}");
    let listed = data(&sandbox, PROJECTS, json!({})).await;
    let names: Vec<&Value> = listed["projects"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["name"])
        .collect();
    assert_eq!(names, vec![&json!("lost")], "the effect was committed");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn error500_ratelimit_and_problem_faults_have_railways_shapes() {
    let faults: FaultPlan = "A=error500,B=ratelimit,projects=problem".parse().unwrap();
    let sandbox = start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await;
    let server_error = post_raw(
        &sandbox,
        json!({ "query": "query A { projects { edges { node { id } } } }", "operationName": "A" }),
        Some(TOKEN),
    )
    .await;
    assert_eq!(server_error.status(), 500);
    assert!(server_error.text().await.unwrap().contains("<html"));
    let limited = post_raw(&sandbox, json!({ "query": "query B { workspace(workspaceId: \"x\") { id } }", "operationName": "B" }), Some(TOKEN)).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    let problem = post_raw(
        &sandbox,
        json!({ "query": "{ projects { edges { node { id } } } }" }),
        Some(TOKEN),
    )
    .await;
    assert_eq!(problem.status(), 200);
    let body: Value = problem.json().await.unwrap();
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["errors"][0]["message"], "Problem processing request");
    assert!(body["errors"][0]["traceId"].is_string());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fault_rates_are_deterministic_for_a_seed() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let faults: FaultPlan = "*=error500@0.5".parse().unwrap();
        let sandbox = start(SandboxConfig {
            faults,
            fault_seed: seed,
            ..SandboxConfig::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(
                post_raw(&sandbox, json!({ "query": PROJECTS }), Some(TOKEN))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        sandbox.shutdown().await;
        statuses
    }
    let first = pattern(7).await;
    assert_eq!(first, pattern(7).await);
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
}

#[test]
fn fault_plans_reject_unknown_kinds_and_bad_rates_naming_the_bad_part() {
    let unknown = "serviceCreate=explode"
        .parse::<FaultPlan>()
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("serviceCreate=explode") && unknown.contains("explode"),
        "{unknown}"
    );
    let rate = "*=problem@1.5"
        .parse::<FaultPlan>()
        .unwrap_err()
        .to_string();
    assert!(rate.contains("1.5"), "{rate}");
    let plan: FaultPlan = "serviceCreate=drop-after-commit@0.25, *=problem"
        .parse()
        .unwrap();
    assert_eq!(plan.rules.len(), 2);
    assert_eq!(plan.rules[0].rate, 0.25);
}

#[tokio::test]
async fn stats_count_requests_by_operation_and_reset_to_zero() {
    let sandbox = start(SandboxConfig::default()).await;
    for _ in 0..2 {
        post_raw(
            &sandbox,
            json!({ "query": PROJECTS, "operationName": "Projects" }),
            Some(TOKEN),
        )
        .await;
    }
    post_raw(
        &sandbox,
        json!({ "query": "{ workspace(workspaceId: \"w\") { id } }" }),
        None,
    )
    .await;
    let counted = stats(&sandbox).await;
    assert_eq!(
        counted,
        json!({ "total": 3, "byOperation": { "Projects": 2, "workspace": 1 } })
    );
    let reset = reqwest::Client::new()
        .post(format!("{}/_sandbox/stats/reset", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success());
    assert_eq!(
        stats(&sandbox).await,
        json!({ "total": 0, "byOperation": {} })
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn many_sandboxes_run_side_by_side_in_one_process() {
    let one = start(SandboxConfig::default()).await;
    let two = start(SandboxConfig::default()).await;
    assert_ne!(one.addr(), two.addr());
    create_project(&one, "only-in-one").await;
    let listed = data(&two, PROJECTS, json!({})).await;
    assert!(listed["projects"]["edges"].as_array().unwrap().is_empty());
    assert!(one.url().ends_with("/graphql/v2") && one.url().starts_with(&one.base_url()));
    one.shutdown().await;
    two.shutdown().await;
}
