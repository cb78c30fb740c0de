//! Creation throttles: R4 (environments), R24 (volumes), R36 (projects, the cooldown knob).

use super::*;

#[tokio::test]
async fn r24_volumes_created_too_quickly_are_refused() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let input = json!({ "projectId": project_id, "mountPath": "/data" });
    let first = create_volume(&sandbox, input.clone()).await;
    assert!(first.get("errors").is_none(), "{first}");
    let second = create_volume(&sandbox, input).await;
    assert_eq!(
        message(&second),
        "Whoa there pal! You are creating volumes too quickly. Try again in a sec"
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    assert_eq!(project_volumes(&sandbox, &project_id).await.len(), 1);
    sandbox.shutdown().await;
}

const ENVIRONMENT_CREATE: &str = "mutation($input: EnvironmentCreateInput!) {
    environmentCreate(input: $input) { id } }";

async fn create_environment_as(
    sandbox: &Sandbox,
    token: &str,
    project_id: &str,
    name: &str,
) -> Value {
    let body = json!({ "query": ENVIRONMENT_CREATE,
        "variables": { "input": { "projectId": project_id, "name": name } } });
    let response = post_raw(sandbox, body, Some(token)).await;
    assert_eq!(response.status(), 200, "throttles answer HTTP 200");
    response.json().await.unwrap()
}

#[tokio::test]
async fn r4_one_environment_per_token_owner_every_30_seconds() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    let first = create_environment_as(&sandbox, TOKEN, &project_id, "staging").await;
    assert!(
        first.get("errors").is_none(),
        "the project's own environment does not count: {first}"
    );
    let second = create_environment_as(&sandbox, TOKEN, &project_id, "qa").await;
    assert_eq!(
        message(&second),
        "Whoa there pal! Only one environment can be created per user every 30s. Try again in a sec"
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    let someone_else = create_environment_as(&sandbox, "other-token", &project_id, "qa").await;
    assert!(someone_else.get("errors").is_none(), "{someone_else}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r36_one_project_per_workspace_every_30_seconds() {
    let sandbox = start_as(SandboxConfig {
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    create_project(&sandbox, "shop").await;
    let second = gql(
        &sandbox,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
        json!({ "input": { "name": "shop-2" } }),
    )
    .await;
    assert_eq!(
        message(&second),
        "You are creating projects too quickly. This workspace allows 1 project per 30 seconds. Try again shortly."
    );
    assert_eq!(code(&second), "INTERNAL_SERVER_ERROR");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r36_a_create_cooldown_shortens_every_window_and_zero_turns_them_off() {
    let sandbox = start_as(SandboxConfig {
        create_cooldown: Some(Duration::from_millis(300)),
        unidentified_rate_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "a").await["errors"].is_null());
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "b").await["errors"].is_array());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(create_environment_as(&sandbox, TOKEN, &project_id, "b").await["errors"].is_null());
    sandbox.shutdown().await;

    let sandbox = start_as(relaxed()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    create_project(&sandbox, "shop-2").await;
    for name in ["a", "b", "c"] {
        let created = create_environment_as(&sandbox, TOKEN, &project_id, name).await;
        assert!(created.get("errors").is_none(), "{created}");
    }
    sandbox.shutdown().await;
}
