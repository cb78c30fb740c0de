//! Errors, quirks and limits: R18, R32, R37, R38, R39, R40.

use super::*;

#[tokio::test]
async fn r18_a_pre_deploy_command_list_of_more_than_one_element_fails() {
    let sandbox = start_as(relaxed()).await;
    let (_, environment_id, service_id) = project_with_service(&sandbox).await;
    let update = |commands: Value| {
        gql(
            &sandbox,
            "mutation($s: String!, $e: String, $input: ServiceInstanceUpdateInput!) {
                serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $input) }",
            json!({ "s": service_id, "e": environment_id,
                "input": { "preDeployCommand": commands } }),
        )
    };
    let two = update(json!(["npm run migrate", "npm run seed"])).await;
    assert_eq!(message(&two), "Error in preDeployCommand - Invalid input");
    let one = update(json!(["npm run migrate && npm run seed"])).await;
    assert_eq!(one["data"]["serviceInstanceUpdate"], true, "{one}");
    sandbox.shutdown().await;
}

async fn create_custom_domain(
    sandbox: &Sandbox,
    ids: &(String, String, String),
    domain: &str,
) -> Value {
    gql(
        sandbox,
        "mutation($input: CustomDomainCreateInput!) { customDomainCreate(input: $input) { id } }",
        json!({ "input": { "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2,
            "domain": domain } }),
    )
    .await
}

#[tokio::test]
async fn r32_custom_domains_per_service_follow_the_plan() {
    for (plan, allowed) in [
        (SandboxPlan::Trial, 1),
        (SandboxPlan::Hobby, 2),
        (SandboxPlan::Pro, 20),
    ] {
        let sandbox = start_as(SandboxConfig { plan, ..relaxed() }).await;
        let ids = project_with_service(&sandbox).await;
        for n in 0..allowed {
            let created = create_custom_domain(&sandbox, &ids, &format!("d{n}.example.com")).await;
            assert!(created.get("errors").is_none(), "{plan:?} #{n}: {created}");
        }
        let over = create_custom_domain(&sandbox, &ids, "over.example.com").await;
        assert!(
            message(&over).contains(&format!("allows {allowed} custom domains")),
            "{plan:?}: {over}"
        );
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn r32_the_service_domain_race_text_is_produced_on_demand() {
    let sandbox = start_as(SandboxConfig {
        faults: "serviceDomainCreate=try-again".parse().unwrap(),
        ..relaxed()
    })
    .await;
    let (_, environment_id, service_id) = project_with_service(&sandbox).await;
    let raced = gql(
        &sandbox,
        "mutation($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { id } }",
        json!({ "input": { "serviceId": service_id, "environmentId": environment_id } }),
    )
    .await;
    assert_eq!(
        message(&raced),
        "Failed to create service domain, please try again"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r37_deletes_of_unknown_ids_answer_not_authorized() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    let deletes = [
        "mutation { serviceDelete(id: \"nope\") }".to_string(),
        "mutation { serviceDomainDelete(id: \"nope\") }".to_string(),
        "mutation { customDomainDelete(id: \"nope\") }".to_string(),
        "mutation { tcpProxyDelete(id: \"nope\") }".to_string(),
        "mutation { volumeDelete(volumeId: \"nope\") }".to_string(),
        format!(
            "mutation {{ volumeInstanceBackupDelete(volumeInstanceBackupId: \"nope\", volumeInstanceId: \"{instance_id}\") {{ workflowId }} }}"
        ),
    ];
    for query in deletes {
        let answer = gql(&sandbox, &query, json!({})).await;
        assert_eq!(message(&answer), "Not Authorized", "{query}: {answer}");
    }
    // Deleting twice: the second finds nothing and answers the same way.
    let service_delete = "mutation($id: String!) { serviceDelete(id: $id) }";
    data(&sandbox, service_delete, json!({ "id": ids.2 })).await;
    let again = gql(&sandbox, service_delete, json!({ "id": ids.2 })).await;
    assert_eq!(message(&again), "Not Authorized");
    sandbox.shutdown().await;
}

async fn set_faults(sandbox: &Sandbox, spec: &str) {
    assert_eq!(
        admin(sandbox, "faults", spec.to_string()).await.status(),
        200
    );
}

#[tokio::test]
async fn r38_each_transient_business_error_can_be_injected() {
    let sandbox = start_as(relaxed()).await;
    for (kind, expected) in [
        ("problem", "Problem processing request"),
        (
            "try-again",
            "Failed to create service domain, please try again",
        ),
        (
            "redeploy-not-ready",
            "Cannot redeploy yet, please wait for the original deployment to finish building",
        ),
        ("in-progress", "an operation is already in progress"),
    ] {
        set_faults(&sandbox, &format!("projects={kind}")).await;
        let answer = gql(
            &sandbox,
            "query { projects { edges { node { id } } } }",
            json!({}),
        )
        .await;
        assert!(message(&answer).ends_with(expected), "{kind}: {answer}");
        assert_eq!(answer["data"], Value::Null);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r39_5xx_answers_come_as_html_text_and_json_and_429_carries_retry_after() {
    let sandbox = start_as(relaxed()).await;
    let body = json!({ "query": "query { projects { edges { node { id } } } }" });
    for (kind, status, content_type, needle) in [
        ("error500", 500, "text/html", "<html"),
        ("error502", 502, "text/html", "<html"),
        ("error503-text", 503, "text/plain", "upstream connect error"),
        ("error503-json", 503, "application/json", "\"errors\""),
        ("error504", 504, "text/html", "<html"),
        ("ratelimit", 429, "application/json", "\"errors\""),
    ] {
        set_faults(&sandbox, &format!("*={kind}")).await;
        let response = post_raw(&sandbox, body.clone(), Some(TOKEN)).await;
        assert_eq!(response.status(), status, "{kind}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert!(
            header("content-type").unwrap().starts_with(content_type),
            "{kind}"
        );
        if status == 429 {
            assert_eq!(header("retry-after").as_deref(), Some("1"));
        }
        assert!(response.text().await.unwrap().contains(needle), "{kind}");
    }
    sandbox.shutdown().await;
}

/// Sends `count` requests at once; returns how many were turned away with the HTML 403.
async fn denied_of(count: usize, url: &str, x_source: bool) -> usize {
    let client = reqwest::Client::new();
    let mut denied = 0;
    for _ in 0..count {
        let mut request = client
            .post(url)
            .bearer_auth(TOKEN)
            .json(&json!({ "query": "query { projects { edges { node { id } } } }" }));
        if x_source {
            request = request.header("x-source", "sandbox-rules-test");
        }
        let response = request.send().await.unwrap();
        if response.status() == 403 {
            let text = response.text().await.unwrap();
            assert!(
                text.contains("Access denied") && text.contains("<html"),
                "{text}"
            );
            denied += 1;
        } else {
            assert_eq!(response.status(), 200);
        }
    }
    denied
}

#[tokio::test]
async fn r40_unidentified_clients_above_ten_requests_a_second_get_an_html_403() {
    let sandbox = start_as(SandboxConfig {
        create_cooldown: Some(Duration::ZERO),
        ..SandboxConfig::default()
    })
    .await;
    let url = sandbox.url();
    assert!(denied_of(15, &url, false).await >= 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(denied_of(15, &url, true).await, 0, "x-source");
    let with_source = format!("{url}?source=railway-operator");
    assert_eq!(denied_of(15, &with_source, false).await, 0, "?source=");
    sandbox.shutdown().await;
}
