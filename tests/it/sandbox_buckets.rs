//! Storage buckets in the sandbox (R49): `bucketCreate` at project level, instances per
//! environment through the config's `buckets.<id>` (`isCreated` / `isDeleted`), renames,
//! `Project.buckets`, and fake S3 credentials that a reset rotates.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: BucketCreateInput!) {
    bucketCreate(input: $input) { id name projectId } }";
const UPDATE: &str = "mutation($id: String!, $input: BucketUpdateInput!) {
    bucketUpdate(id: $id, input: $input) { id name projectId } }";
const CREDENTIALS: &str = "query($p: String!, $e: String!, $b: String!) {
    bucketS3Credentials(projectId: $p, environmentId: $e, bucketId: $b) {
        accessKeyId secretAccessKey endpoint bucketName region urlStyle } }";
const RESET: &str = "mutation($p: String!, $e: String!, $b: String!) {
    bucketCredentialsReset(projectId: $p, environmentId: $e, bucketId: $b) {
        accessKeyId secretAccessKey endpoint bucketName region urlStyle } }";
const LIST: &str =
    "query($id: String!) { project(id: $id) { buckets { edges { node { id name } } } } }";
const CONFIG: &str = "query($id: String!) { environment(id: $id) { config } }";
const COMMIT: &str = "mutation($environmentId: String!, $patch: EnvironmentConfig) {
    environmentPatchCommit(environmentId: $environmentId, patch: $patch) }";

async fn buckets_in(sandbox: &railway_operator::sandbox::Sandbox, environment_id: &str) -> Value {
    let found = data(sandbox, CONFIG, json!({ "id": environment_id })).await;
    found["environment"]["config"]["buckets"].clone()
}

#[tokio::test]
async fn a_bucket_lives_per_environment_with_fake_credentials_that_a_reset_rotates() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let staging = create_environment(&sandbox, &project_id, "staging").await;
    // As Railway's CLI: created at project level, then put in an environment by patch.
    let created = data(
        &sandbox,
        CREATE,
        json!({ "input": {
        "projectId": project_id, "name": "uploads" } }),
    )
    .await;
    let bucket_id = created["bucketCreate"]["id"].as_str().unwrap().to_string();
    assert_eq!(buckets_in(&sandbox, &production).await, Value::Null);
    let patch = json!({ "buckets": { &bucket_id: { "region": "ams", "isCreated": true } } });
    data(
        &sandbox,
        COMMIT,
        json!({ "environmentId": production, "patch": patch }),
    )
    .await;
    assert_eq!(
        buckets_in(&sandbox, &production).await,
        json!({ &bucket_id: { "region": "ams" } })
    );
    assert_eq!(
        buckets_in(&sandbox, &staging).await,
        Value::Null,
        "per environment"
    );

    let ids = json!({ "p": project_id, "e": production, "b": bucket_id });
    let read = data(&sandbox, CREDENTIALS, ids.clone()).await;
    let first = read["bucketS3Credentials"][0].clone();
    assert!(
        first["accessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("SANDBOXFAKE")
    );
    assert!(
        first["secretAccessKey"]
            .as_str()
            .unwrap()
            .starts_with("sandbox-fake-")
    );
    assert!(
        first["endpoint"].as_str().unwrap().ends_with(".invalid"),
        "never real"
    );
    assert_eq!(first["region"], "ams");
    let reset = data(&sandbox, RESET, ids.clone()).await;
    assert_ne!(
        reset["bucketCredentialsReset"]["secretAccessKey"],
        first["secretAccessKey"]
    );
    let again = data(&sandbox, CREDENTIALS, ids).await;
    assert_eq!(
        again["bucketS3Credentials"][0],
        reset["bucketCredentialsReset"]
    );
    let elsewhere = gql(
        &sandbox,
        CREDENTIALS,
        json!({ "p": project_id, "e": staging, "b": bucket_id }),
    )
    .await;
    assert_eq!(message(&elsewhere), "Bucket not found");

    data(
        &sandbox,
        UPDATE,
        json!({ "id": bucket_id, "input": { "name": "assets" } }),
    )
    .await;
    let listed = data(&sandbox, LIST, json!({ "id": project_id })).await;
    assert_eq!(
        nodes(&listed["project"]["buckets"]),
        vec![json!({ "id": bucket_id, "name": "assets" })]
    );
    let patch = json!({ "buckets": { &bucket_id: { "isDeleted": true } } });
    data(
        &sandbox,
        COMMIT,
        json!({ "environmentId": production, "patch": patch }),
    )
    .await;
    assert_eq!(buckets_in(&sandbox, &production).await, Value::Null);
}

#[tokio::test]
async fn a_bucket_created_with_an_environment_has_its_instance_there() {
    let sandbox = start(SandboxConfig::default()).await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let created = data(
        &sandbox,
        CREATE,
        json!({ "input": {
        "projectId": project_id, "environmentId": production } }),
    )
    .await;
    let bucket_id = created["bucketCreate"]["id"].as_str().unwrap();
    assert!(
        created["bucketCreate"]["name"]
            .as_str()
            .unwrap()
            .starts_with("bucket-")
    );
    assert!(
        buckets_in(&sandbox, &production)
            .await
            .get(bucket_id)
            .is_some()
    );
}
