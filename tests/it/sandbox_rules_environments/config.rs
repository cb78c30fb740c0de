//! The environment config: R11-R17 (shape, reading, deep-merged patches, isCreated restores, configEtag, what commits deploy, staged changes).

use super::*;

#[tokio::test]
async fn r11_the_config_renders_the_shape_the_cli_models() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    data(
        &sandbox,
        "mutation($input: ServiceInstanceLimitsUpdateInput!) { serviceInstanceLimitsUpdate(input: $input) }",
        json!({ "input": { "serviceId": api, "environmentId": production, "vCPUs": 2.0, "memoryGB": 2.0 } }),
    )
    .await;
    data(
        &sandbox,
        UPSERT,
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "variables": { "PORT": "8080" } } }),
    )
    .await;
    let blob = config(&sandbox, &production, true).await;
    let entry = &blob["services"][&api];
    assert_eq!(entry["source"]["image"], "nginx:1");
    assert_eq!(entry["build"]["builder"], "RAILPACK");
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 1 } })
    );
    assert_eq!(
        entry["deploy"]["limitOverride"],
        json!({ "containers": { "cpu": 2, "memoryBytes": 2000000000_i64 } })
    );
    assert_eq!(entry["variables"]["PORT"], json!({ "value": "8080" }));
    assert!(entry["deploy"].get("region").is_none());
    assert!(blob["sharedVariables"].is_object());
}

#[tokio::test]
async fn r12_values_are_null_unless_decrypting_and_removed_instances_are_tombstones() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    data(
        &sandbox,
        UPSERT,
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "variables": { "PORT": "8080" } } }),
    )
    .await;
    let hidden = config(&sandbox, &production, false).await;
    assert_eq!(
        hidden["services"][&api]["variables"]["PORT"],
        json!({ "value": null })
    );
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    assert_eq!(
        config(&sandbox, &staging, true).await["services"][&api],
        json!({ "isDeleted": true })
    );
}

#[tokio::test]
async fn r13_a_patch_is_deep_merged() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: {
            "build": { "watchPatterns": ["a/**", "b/**"] },
            "deploy": { "startCommand": "./run", "healthcheckPath": "/h",
                "multiRegionConfig": { "europe-west4-drams3a": { "numReplicas": 2 } } },
            "variables": { "A": { "value": "1" }, "B": { "value": "2" } } } },
            "sharedVariables": { "S": { "value": "x" } },
            "unknownKey": { "tolerated": true } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: {
            "build": { "watchPatterns": ["c/**"] },
            "deploy": { "healthcheckPath": null, "multiRegionConfig": { "us-west2": null } },
            "variables": { "A": null } } },
            "sharedVariables": { "S": null } }),
    )
    .await;
    let blob = config(&sandbox, &production, true).await;
    let entry = &blob["services"][&api];
    assert_eq!(entry["build"]["watchPatterns"], json!(["c/**"]));
    assert_eq!(entry["deploy"]["startCommand"], "./run");
    assert!(entry["deploy"].get("healthcheckPath").is_none());
    assert_eq!(
        entry["deploy"]["multiRegionConfig"],
        json!({ "europe-west4-drams3a": { "numReplicas": 2 } })
    );
    assert_eq!(entry["variables"], json!({ "B": { "value": "2" } }));
    assert_eq!(blob["sharedVariables"], json!({}));
    let instance = &live(&sandbox, &production).await[&api];
    assert_eq!(instance["numReplicas"], 2);
    assert!(instance["healthcheckPath"].is_null());
}

#[tokio::test]
async fn r14_is_created_restores_earlier_settings_and_ignores_nulls() {
    let sandbox = sandbox().await;
    let (_, _, staging, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "deploy": { "startCommand": "./old", "healthcheckPath": "/h" } } } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isCreated": true,
            "deploy": { "startCommand": null, "healthcheckPath": "/new" } } } }),
    )
    .await;
    let instance = &live(&sandbox, &staging).await[&api];
    assert_eq!(instance["startCommand"], "./old");
    assert_eq!(instance["healthcheckPath"], "/new");
}

#[tokio::test]
async fn r15_config_etag_changes_on_every_config_change_and_only_then() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let first = etag(&sandbox, &production).await;
    assert_eq!(
        etag(&sandbox, &production).await,
        first,
        "reads change nothing"
    );
    data(
        &sandbox,
        "mutation($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
        json!({ "s": api, "e": production }),
    )
    .await;
    assert_eq!(
        etag(&sandbox, &production).await,
        first,
        "a deploy is no config change"
    );
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "startCommand": "./x" } } } }),
    )
    .await;
    let second = etag(&sandbox, &production).await;
    assert_ne!(second, first);
    commit_ok(
        &sandbox,
        &production,
        json!({ "sharedVariables": { "A": { "value": "1" } } }),
    )
    .await;
    assert_ne!(etag(&sandbox, &production).await, second);
}

#[tokio::test]
async fn r16_a_commit_deploys_affected_services_but_not_for_replica_changes() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let web = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "image": "nginx:1" } }),
    )
    .await;
    let before = live(&sandbox, &production).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "startCommand": "./x" } } } }),
    )
    .await;
    let after = live(&sandbox, &production).await;
    assert_ne!(deployment_id(&after[&api]), deployment_id(&before[&api]));
    assert_eq!(deployment_id(&after[&web]), deployment_id(&before[&web]));

    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "multiRegionConfig": { "us-west2": { "numReplicas": 3 } } } } } }),
    )
    .await;
    let scaled = live(&sandbox, &production).await;
    assert_eq!(scaled[&api]["numReplicas"], 3);
    assert_eq!(deployment_id(&scaled[&api]), deployment_id(&after[&api]));

    data(
        &sandbox,
        STAGE,
        json!({ "environmentId": production,
            "input": { "services": { &web: { "deploy": { "startCommand": "./w" } } } } }),
    )
    .await;
    data(
        &sandbox,
        COMMIT_STAGED,
        json!({ "environmentId": production, "skipDeploys": true }),
    )
    .await;
    let quiet = live(&sandbox, &production).await;
    assert_eq!(quiet[&web]["startCommand"], "./w");
    assert_eq!(deployment_id(&quiet[&web]), deployment_id(&before[&web]));

    // A shared variable change deploys the services that reference it.
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &web: { "variables": { "KEY": { "value": "${{shared.KEY}}" } } } } }),
    )
    .await;
    let referenced = live(&sandbox, &production).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "sharedVariables": { "KEY": { "value": "v" } } }),
    )
    .await;
    let shared = live(&sandbox, &production).await;
    assert_ne!(
        deployment_id(&shared[&web]),
        deployment_id(&referenced[&web])
    );
    assert_eq!(
        deployment_id(&shared[&api]),
        deployment_id(&referenced[&api])
    );
}

#[tokio::test]
async fn r17_staged_changes_merge_are_counted_bypassed_by_direct_writes_and_commit_whole() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let empty = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(empty["environmentStagedChanges"]["patch"], json!({}));
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        0
    );

    let stage = |input: Value, merge: bool| json!({ "environmentId": production, "input": input, "merge": merge });
    let staged = data(
        &sandbox,
        STAGE,
        stage(
            json!({ "services": { &api: { "deploy": { "startCommand": "./s" } } } }),
            false,
        ),
    )
    .await;
    assert_eq!(staged["environmentStageChanges"]["status"], "STAGED");
    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "A": { "value": "1" } } }),
            true,
        ),
    )
    .await;
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        2
    );
    let read = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(
        read["environmentStagedChanges"]["patch"]["services"][&api]["deploy"]["startCommand"],
        "./s"
    );

    // A direct write neither stages nor touches the staged patch.
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "healthcheckPath": "/h" }),
    )
    .await;
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        2
    );
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());

    data(
        &sandbox,
        COMMIT_STAGED,
        json!({ "environmentId": production }),
    )
    .await;
    assert_eq!(
        live(&sandbox, &production).await[&api]["startCommand"],
        "./s"
    );
    assert_eq!(
        config(&sandbox, &production, true).await["sharedVariables"]["A"]["value"],
        "1"
    );
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        0
    );

    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "B": { "value": "2" } } }),
            true,
        ),
    )
    .await;
    data(
        &sandbox,
        STAGE,
        stage(
            json!({ "sharedVariables": { "C": { "value": "3" } } }),
            false,
        ),
    )
    .await;
    let replaced = data(&sandbox, STAGED, json!({ "environmentId": production })).await;
    assert_eq!(
        replaced["environmentStagedChanges"]["patch"],
        json!({ "sharedVariables": { "C": { "value": "3" } } })
    );
}

#[tokio::test]
async fn r17_a_dashboard_edit_stages_and_raises_the_count() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let url = format!("{}/_sandbox/environments/stage", sandbox.base_url());
    let body = json!({ "environmentId": production,
        "patch": { "services": { &api: { "deploy": { "startCommand": "./d" } } } } });
    let client = reqwest::Client::new();
    let answer = client
        .post(&url)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        environment(&sandbox, &production).await["unmergedChangesCount"],
        1
    );
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
    let bad = client.post(&url).body("nope").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = json!({ "environmentId": "missing", "patch": {} });
    let missing = client
        .post(&url)
        .body(unknown.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
