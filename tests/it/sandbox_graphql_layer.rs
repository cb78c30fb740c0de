//! R51 on the wire: unset variables leave their fields out, explicit nulls clear, and invalid
//! documents are refused before anything runs, in graphql-js's wording.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::json;

const UPDATE: &str = "mutation Update($s: String!, $e: String!, $rootDirectory: String,
    $healthcheckPath: String, $buildCommand: String, $sleepApplication: Boolean,
    $startCommand: String, $numReplicas: Int, $cronSchedule: String) {
  serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: {
    rootDirectory: $rootDirectory, healthcheckPath: $healthcheckPath, buildCommand: $buildCommand,
    sleepApplication: $sleepApplication, startCommand: $startCommand, numReplicas: $numReplicas,
    cronSchedule: $cronSchedule })
}";

const READ: &str =
    "query($s: String!, $e: String!) { serviceInstance(serviceId: $s, environmentId: $e) {
    rootDirectory healthcheckPath buildCommand sleepApplication startCommand numReplicas } }";

#[tokio::test]
async fn optional_variables_left_unset_keep_their_settings_and_an_explicit_null_clears() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, environment_id) = create_project(&sandbox, "app").await;
    let service = create_service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = service["data"]["serviceCreate"]["id"].as_str().unwrap();
    let ids = json!({ "s": service_id, "e": environment_id });
    let mut all = ids.clone();
    for (key, value) in [
        ("rootDirectory", json!("/app")),
        ("healthcheckPath", json!("/health")),
        ("buildCommand", json!("make")),
        ("sleepApplication", json!(true)),
    ] {
        all[key] = value;
    }
    data(&sandbox, UPDATE, all).await;
    let mut two = ids.clone();
    two["startCommand"] = json!("./run");
    two["numReplicas"] = json!(1);
    data(&sandbox, UPDATE, two).await;
    let read = data(&sandbox, READ, ids.clone()).await;
    let instance = &read["serviceInstance"];
    assert_eq!(instance["rootDirectory"], "/app", "{instance}");
    assert_eq!(instance["healthcheckPath"], "/health");
    assert_eq!(instance["buildCommand"], "make");
    assert_eq!(instance["sleepApplication"], true);
    assert_eq!(instance["startCommand"], "./run");

    let mut cleared = ids.clone();
    cleared["buildCommand"] = json!(null);
    data(&sandbox, UPDATE, cleared).await;
    let read = data(&sandbox, READ, ids).await;
    assert_eq!(read["serviceInstance"]["buildCommand"], json!(null));
    assert_eq!(read["serviceInstance"]["rootDirectory"], "/app");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_input_field_its_type_does_not_define_is_refused_before_anything_is_created() {
    let sandbox = start(SandboxConfig::default()).await;
    let answer = gql(
        &sandbox,
        "mutation Create($name: String, $teamId: String) {
            projectCreate(input: {name: $name, teamId: $teamId}) { id } }",
        json!({ "name": "app" }),
    )
    .await;
    assert_eq!(
        message(&answer),
        "Field \"teamId\" is not defined by type \"ProjectCreateInput\"."
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let listed = data(
        &sandbox,
        "{ projects { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(nodes(&listed["projects"]).len(), 0, "nothing created");

    let by_variable = gql(
        &sandbox,
        "mutation Create($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
        json!({ "input": { "name": "app", "teamId": "t" } }),
    )
    .await;
    assert_eq!(
        message(&by_variable),
        "Variable \"$input\" got invalid value { name: \"app\", teamId: \"t\" }; \
         Field \"teamId\" is not defined by type \"ProjectCreateInput\"."
    );
    let listed = data(
        &sandbox,
        "{ projects { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(nodes(&listed["projects"]).len(), 0, "nothing created");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unused_variables_and_missing_arguments_are_worded_as_graphql_js_words_them() {
    let sandbox = start(SandboxConfig::default()).await;
    let unused = gql(
        &sandbox,
        "query Op($x: String) { projects { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        message(&unused),
        "Variable \"$x\" is never used in operation \"Op\"."
    );
    let missing = gql(&sandbox, "{ project { id } }", json!({})).await;
    assert_eq!(
        message(&missing),
        "Field \"project\" argument \"id\" of type \"String!\" is required, but it was not provided."
    );
    let typo = gql(
        &sandbox,
        "{ projects { edges { node { nme } } } }",
        json!({}),
    )
    .await;
    assert!(
        message(&typo)
            .starts_with("Cannot query field \"nme\" on type \"Project\". Did you mean \"name\""),
        "{typo}"
    );
    sandbox.shutdown().await;
}
