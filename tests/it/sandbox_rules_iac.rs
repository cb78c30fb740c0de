//! Railway's IaC change sets on the sandbox, as Railway's CLI 5.71.0 sends them: one patch per
//! apply, a stale `baseConfigEtag` refused whole (R15), one deploy per affected service (R16),
//! the preview dropping writes that change nothing, and the apply read back by its id.

use crate::support::sandbox_common as common;
use crate::support::sandbox_deployments as deployments;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const APPLY: &str = "mutation($e: String!, $i: JSON!, $b: String, $w: Boolean) {
  environmentApplyChangeSet(environmentId: $e, input: $i, baseConfigEtag: $b, waitForCompletion: $w) {
    id status deploymentId stagedPatchId diagnostics changes { kind path summary status outputs } } }";

const PREVIEW: &str = "mutation($e: String!, $i: JSON!) {
  environmentPreviewChangeSet(environmentId: $e, input: $i) { changeSet diagnostics effects } }";

async fn etag(sandbox: &Sandbox, environment_id: &str) -> String {
    let found = data(
        sandbox,
        "query($id: String!) { environment(id: $id) { configEtag } }",
        json!({ "id": environment_id }),
    )
    .await;
    found["environment"]["configEtag"]
        .as_str()
        .unwrap()
        .to_string()
}

fn create_api() -> Value {
    json!({ "kind": "resource.create", "address": "service.api", "path": "resources.service.api",
        "summary": "Create service api",
        "resource": { "address": "service.api", "type": "service", "name": "api",
            "source": { "type": "image", "image": "nginx:1.27" },
            "deploy": { "startCommand": "serve", "numReplicas": 2 },
            "variables": { "PORT": { "type": "literal", "value": "8080" } } } })
}

fn set_port(value: &str) -> Value {
    json!({ "kind": "variable.set", "address": "service.api", "variable": "PORT",
        "path": "resources.service.api.variables.PORT", "summary": "Update variable api.PORT",
        "after": { "type": "literal", "value": value } })
}

async fn apply(
    sandbox: &Sandbox,
    environment_id: &str,
    changes: Value,
    base: Option<&str>,
) -> Value {
    gql(
        sandbox,
        APPLY,
        json!({ "e": environment_id, "i": { "version": 1, "changes": changes }, "b": base, "w": false }),
    )
    .await
}

async fn deployments_of(sandbox: &Sandbox, environment_id: &str) -> usize {
    instances(sandbox, environment_id)
        .await
        .iter()
        .filter(|i| !i["latestDeployment"].is_null())
        .count()
}

#[tokio::test]
async fn a_change_set_creates_a_service_in_its_environment_with_one_deploy_and_polls_as_applied() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "iac").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    let base = etag(&sandbox, &environment_id).await;
    let applied = apply(
        &sandbox,
        &environment_id,
        json!([create_api()]),
        Some(&base),
    )
    .await;
    let result = &applied["data"]["environmentApplyChangeSet"];
    assert_eq!(result["status"], "applying", "{applied}");
    assert_eq!(result["changes"][0]["status"], "applied");

    let polled = data(
        &sandbox,
        "query($e: String!, $id: String!) { environmentChangeSetApply(environmentId: $e, id: $id) { id status changes { kind status } } }",
        json!({ "e": environment_id, "id": result["id"] }),
    )
    .await;
    assert_eq!(polled["environmentChangeSetApply"]["status"], "applied");

    let live = instances(&sandbox, &environment_id).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["serviceName"], "api");
    assert_eq!(live[0]["numReplicas"], 2);
    assert_eq!(live[0]["startCommand"], "serve");
    assert!(
        !live[0]["latestDeployment"].is_null(),
        "the new service deploys"
    );
    assert!(
        instances(&sandbox, &staging).await.is_empty(),
        "a change set writes its own environment only"
    );
    assert_ne!(
        etag(&sandbox, &environment_id).await,
        base,
        "R15: the etag moved"
    );
}

#[tokio::test]
async fn r15_an_apply_on_a_stale_base_config_etag_is_refused_with_railway_s_code_and_writes_nothing()
 {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment_id) = create_project(&sandbox, "iac").await;
    let base = etag(&sandbox, &environment_id).await;
    apply(
        &sandbox,
        &environment_id,
        json!([create_api()]),
        Some(&base),
    )
    .await;

    let stale = apply(
        &sandbox,
        &environment_id,
        json!([set_port("9090")]),
        Some(&base),
    )
    .await;
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "STALE_ENVIRONMENT_BASE",
        "{stale}"
    );
    assert!(message(&stale).contains("baseConfigEtag"), "{stale}");
    let config = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { config(decryptVariables: true) } }",
        json!({ "id": environment_id }),
    )
    .await;
    let services = config["environment"]["config"]["services"]
        .as_object()
        .unwrap()
        .clone();
    let api = services.values().next().unwrap();
    assert_eq!(
        api["variables"]["PORT"]["value"], "8080",
        "nothing was written"
    );
}

#[tokio::test]
async fn a_change_set_with_one_bad_change_writes_none_of_the_others() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment_id) = create_project(&sandbox, "iac").await;
    let refused = apply(
        &sandbox,
        &environment_id,
        json!([create_api(), { "kind": "bucket.rotate", "address": "bucket.b" }]),
        None,
    )
    .await;
    assert_eq!(
        message(&refused),
        "Invalid change set: changes[1]: the change kind \"bucket.rotate\" is not emulated"
    );
    assert!(instances(&sandbox, &environment_id).await.is_empty());
}

#[tokio::test]
async fn the_preview_drops_variable_writes_that_change_nothing_and_keeps_the_rest() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment_id) = create_project(&sandbox, "iac").await;
    apply(&sandbox, &environment_id, json!([create_api()]), None).await;

    let previewed = data(
        &sandbox,
        PREVIEW,
        json!({ "e": environment_id, "i": { "version": 1, "changes": [set_port("8080"), set_port("9090")] } }),
    )
    .await;
    let changes = &previewed["environmentPreviewChangeSet"]["changeSet"]["changes"];
    assert_eq!(changes.as_array().unwrap().len(), 1, "{previewed}");
    assert_eq!(changes[0]["after"]["value"], "9090");
}

#[tokio::test]
async fn r16_variable_writes_across_services_deploy_each_service_once() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment_id) = create_project(&sandbox, "iac").await;
    let mut web = create_api();
    web["address"] = json!("service.web");
    web["resource"]["address"] = json!("service.web");
    web["resource"]["name"] = json!("web");
    apply(&sandbox, &environment_id, json!([create_api(), web]), None).await;
    assert_eq!(deployments_of(&sandbox, &environment_id).await, 2);
    let services: Vec<String> = instances(&sandbox, &environment_id)
        .await
        .iter()
        .map(|i| i["serviceId"].as_str().unwrap().to_string())
        .collect();
    let mut before = Vec::new();
    for service in &services {
        before.push(deployments::count(&sandbox, service).await);
    }

    let mut web_port = set_port("1");
    web_port["address"] = json!("service.web");
    let mut web_other = set_port("2");
    web_other["address"] = json!("service.web");
    web_other["variable"] = json!("OTHER");
    let applied = apply(
        &sandbox,
        &environment_id,
        json!([set_port("9090"), web_port, web_other]),
        None,
    )
    .await;
    assert!(applied["errors"].is_null(), "{applied}");
    for (service, before) in services.iter().zip(before) {
        assert_eq!(
            deployments::count(&sandbox, service).await,
            before + 1,
            "one deploy per service"
        );
    }
}
