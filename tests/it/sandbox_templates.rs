//! Database templates in the sandbox (R45–R48): `template(code)` read without a token as
//! Railway's CLI reads it, `templateDeployV2` creating the service with its variables, volume,
//! TCP proxy and `templateServiceId` at the template's current major (R47), `stageOnly` letting a
//! client set the image before the first deploy, and R46's switch for the disputed proxy.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const TEMPLATE_DETAIL: &str = "query TemplateDetail($code: String!) {
    template(code: $code) { id name serializedConfig } }";
const TEMPLATE_DEPLOY: &str = "mutation TemplateDeployV2($input: TemplateDeployV2Input!) {
    templateDeployV2(input: $input) { projectId workflowId } }";
const WORKFLOW: &str = "query($id: String!) { workflowStatus(workflowId: $id) { status error } }";
const SERVICES: &str = "query($id: String!) { project(id: $id) {
    services { edges { node { id name templateId templateServiceId } } } } }";
const CONFIG: &str =
    "query($id: String!) { environment(id: $id) { config(decryptVariables: true) } }";
const STAGED: &str = "query($environmentId: String!) {
    environmentStagedChanges(environmentId: $environmentId) { id patch(decryptVariables: true) } }";
const STAGE: &str = "mutation($environmentId: String!, $input: EnvironmentConfig!) {
    environmentStageChanges(environmentId: $environmentId, input: $input, merge: true) { id } }";
const COMMIT_STAGED: &str = "mutation($environmentId: String!) {
    environmentPatchCommitStaged(environmentId: $environmentId) }";

/// The template as Railway's CLI reads it: without a token.
async fn template(sandbox: &Sandbox, code: &str) -> Value {
    let body = json!({ "query": TEMPLATE_DETAIL, "variables": { "code": code } });
    let envelope: Value = post_raw(sandbox, body, None).await.json().await.unwrap();
    assert!(envelope.get("errors").is_none(), "{envelope}");
    envelope["data"]["template"].clone()
}

/// Fills every variable the way `railway add` does (`value` from `defaultValue`).
fn filled(mut config: Value) -> Value {
    for service in config["services"].as_object_mut().unwrap().values_mut() {
        for variable in service["variables"].as_object_mut().unwrap().values_mut() {
            let default = variable["defaultValue"].clone();
            variable["value"] = default;
        }
    }
    config
}

/// Deploys `code` into the project's environment (the image asked for set to `image`); returns
/// the new service's id once the workflow completes.
async fn deploy(
    sandbox: &Sandbox,
    (project_id, environment_id): (&str, &str),
    code: &str,
    image: &str,
    stage_only: bool,
) -> (String, Value) {
    let template = template(sandbox, code).await;
    let mut config = filled(template["serializedConfig"].clone());
    for service in config["services"].as_object_mut().unwrap().values_mut() {
        service["source"]["image"] = json!(image);
    }
    let input = json!({ "projectId": project_id, "environmentId": environment_id,
        "templateId": template["id"], "serializedConfig": config, "stageOnly": stage_only });
    let deployed = data(sandbox, TEMPLATE_DEPLOY, json!({ "input": input })).await;
    let workflow = deployed["templateDeployV2"]["workflowId"].clone();
    let status = data(sandbox, WORKFLOW, json!({ "id": workflow })).await;
    assert_eq!(status["workflowStatus"]["status"], "Complete");
    let services = data(sandbox, SERVICES, json!({ "id": project_id })).await;
    let service = nodes(&services["project"]["services"])
        .into_iter()
        .next()
        .expect("the template's service");
    (service["id"].as_str().unwrap().to_string(), service)
}

async fn service_config(sandbox: &Sandbox, environment_id: &str, service_id: &str) -> Value {
    let found = data(sandbox, CONFIG, json!({ "id": environment_id })).await;
    found["environment"]["config"]["services"][service_id].clone()
}

#[tokio::test]
async fn railway_s_cli_reads_each_database_template_without_a_token() {
    let sandbox = start(SandboxConfig::default()).await;
    for (code, image, mount, port) in [
        (
            "postgres",
            "postgres-ssl:18",
            "/var/lib/postgresql/data",
            "5432",
        ),
        ("mysql", "mysql:9", "/var/lib/mysql", "3306"),
        ("redis", "railwayapp/redis:8.2", "/bitnami", "6379"),
        ("mongo", "mongo:8", "/data/db", "27017"),
    ] {
        let template = template(&sandbox, code).await;
        let services = template["serializedConfig"]["services"]
            .as_object()
            .unwrap();
        assert_eq!(services.len(), 1, "{code}");
        let service = services.values().next().unwrap();
        assert!(
            service["source"]["image"]
                .as_str()
                .unwrap()
                .ends_with(image)
        );
        let mounts: Vec<&Value> = service["volumeMounts"]
            .as_object()
            .unwrap()
            .values()
            .collect();
        assert_eq!(mounts, vec![&json!({ "mountPath": mount })], "{code}");
        assert!(
            service["networking"]["tcpProxies"].get(port).is_some(),
            "{code}"
        );
        assert_eq!(service["deploy"]["requiredMountPath"], mount);
        let generated = service["variables"]
            .as_object()
            .unwrap()
            .values()
            .filter(|v| v.get("generator").is_some())
            .count();
        assert_eq!(generated, 1, "{code}: one generated password");
    }
    let body = json!({ "query": "{ projects { edges { node { id } } } }" });
    let envelope: Value = post_raw(&sandbox, body, None).await.json().await.unwrap();
    assert_eq!(
        message(&envelope),
        "Not Authorized",
        "only templates are public"
    );
}

#[tokio::test]
async fn a_template_deploy_creates_the_database_at_the_template_s_current_major() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let ids = (project_id.as_str(), environment_id.as_str());
    let image = "ghcr.io/railwayapp-templates/postgres-ssl:16";
    let (service_id, service) = deploy(&sandbox, ids, "postgres", image, false).await;
    assert_eq!(service["name"], "Postgres");
    assert_eq!(service["templateId"], "sandbox-template-postgres");
    assert_eq!(
        service["templateServiceId"],
        "sandbox-template-service-postgres"
    ); // R48
    let config = service_config(&sandbox, &environment_id, &service_id).await;
    // R47: the template's current major, not the 16 the client asked for.
    assert_eq!(
        config["source"]["image"],
        "ghcr.io/railwayapp-templates/postgres-ssl:18"
    );
    assert_eq!(
        config["deploy"]["requiredMountPath"],
        "/var/lib/postgresql/data"
    );
    let variables = &config["variables"];
    let password = variables["POSTGRES_PASSWORD"]["value"].as_str().unwrap();
    assert_eq!(password.len(), 32);
    assert!(
        password.chars().all(|c| c.is_ascii_alphabetic()),
        "R46: 32 letters"
    );
    assert_eq!(
        variables["DATABASE_URL"]["value"],
        "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/${{PGDATABASE}}"
    );
    let mounts: Vec<&Value> = config["volumeMounts"]
        .as_object()
        .unwrap()
        .values()
        .collect();
    assert_eq!(
        mounts,
        vec![&json!({ "mountPath": "/var/lib/postgresql/data" })]
    );
    assert!(
        config["networking"]["tcpProxies"].get("5432").is_some(),
        "R46: proxy"
    );
    // A second database gets its own name and password.
    deploy(&sandbox, ids, "postgres", image, false).await;
    let services = data(&sandbox, SERVICES, json!({ "id": project_id })).await;
    let second = nodes(&services["project"]["services"])
        .into_iter()
        .find(|s| s["id"] != json!(service_id))
        .expect("a second service");
    assert_eq!(second["name"], "Postgres-2");
    let second_id = second["id"].as_str().unwrap();
    let other = service_config(&sandbox, &environment_id, second_id).await;
    assert_ne!(other["variables"]["POSTGRES_PASSWORD"]["value"], password);
}

#[tokio::test]
async fn a_staged_template_deploy_takes_the_client_s_image_before_its_first_deploy() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let ids = (project_id.as_str(), environment_id.as_str());
    let (service_id, _) = deploy(&sandbox, ids, "postgres", "postgres-ssl:16", true).await;
    assert!(
        instances(&sandbox, &environment_id).await.is_empty(),
        "nothing runs yet"
    );
    let staged = data(&sandbox, STAGED, json!({ "environmentId": environment_id })).await;
    let patch = &staged["environmentStagedChanges"]["patch"];
    assert_eq!(
        patch["services"][&service_id]["source"]["image"],
        "ghcr.io/railwayapp-templates/postgres-ssl:18"
    );
    // R47: the client pins its major in the staged patch, then commits.
    let pin = json!({ "services": { &service_id: { "source": {
        "image": "ghcr.io/railwayapp-templates/postgres-ssl:16" } } } });
    data(
        &sandbox,
        STAGE,
        json!({ "environmentId": environment_id, "input": pin }),
    )
    .await;
    data(
        &sandbox,
        COMMIT_STAGED,
        json!({ "environmentId": environment_id }),
    )
    .await;
    let config = service_config(&sandbox, &environment_id, &service_id).await;
    assert_eq!(
        config["source"]["image"],
        "ghcr.io/railwayapp-templates/postgres-ssl:16"
    );
    assert!(config["variables"]["DATABASE_URL"]["value"].is_string());
    assert_eq!(instances(&sandbox, &environment_id).await.len(), 1);
}

#[tokio::test]
async fn with_private_databases_a_template_database_gets_no_tcp_proxy() {
    let sandbox = start(SandboxConfig {
        database_tcp_proxy: false,
        ..SandboxConfig::default()
    })
    .await;
    let (project_id, environment_id) = create_project(&sandbox, "shop").await;
    let ids = (project_id.as_str(), environment_id.as_str());
    let (service_id, _) = deploy(&sandbox, ids, "redis", "railwayapp/redis:8.2", false).await;
    let config = service_config(&sandbox, &environment_id, &service_id).await;
    assert!(config.get("networking").is_none(), "{config}");
    assert!(config["variables"]["REDIS_URL"]["value"].is_string());
}

#[tokio::test]
async fn a_plain_service_never_carries_a_template_service_id() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, _) = create_project(&sandbox, "shop").await;
    create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "db", "templateServiceId": "forged",
            "source": { "image": "ghcr.io/railwayapp-templates/postgres-ssl:18" } }),
    )
    .await;
    let services = data(&sandbox, SERVICES, json!({ "id": project_id })).await;
    assert_eq!(
        nodes(&services["project"]["services"])[0]["templateServiceId"],
        Value::Null
    );
}
