//! Forks and scoping: R1-R3 (copies), R5-R10 (which environments a mutation reaches, isCreated/isDeleted, null vs absent).

use super::*;

#[tokio::test]
async fn r1_an_environment_created_from_a_source_is_a_fork_and_no_other_is() {
    let sandbox = sandbox().await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let plain =
        environment_create(&sandbox, &project_id, "plain", json!({ "ephemeral": true })).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    assert!(environment(&sandbox, &production).await["sourceEnvironment"].is_null());
    assert!(environment(&sandbox, &plain).await["sourceEnvironment"].is_null());
    assert_eq!(
        environment(&sandbox, &fork).await["sourceEnvironment"]["id"],
        json!(production)
    );
}

#[tokio::test]
async fn r2_a_copy_takes_instances_unsealed_variables_and_volumes_and_deploys_them() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let upsert = |service_id: Option<&str>, variables: Value| {
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": service_id, "variables": variables, "skipDeploys": true } })
    };
    data(
        &sandbox,
        UPSERT,
        upsert(Some(&api), json!({ "PORT": "8080" })),
    )
    .await;
    data(&sandbox, UPSERT, upsert(None, json!({ "REGION": "eu" }))).await;
    let volume = data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "mountPath": "/data" } }),
    )
    .await["volumeCreate"]["id"]
        .clone();

    let fork = environment_create(
        &sandbox,
        &project_id,
        "copy",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let copied = live(&sandbox, &fork).await;
    assert!(copied.contains_key(&api));
    assert!(!deployment_id(&copied[&api]).is_null(), "the copy deploys");
    let blob = config(&sandbox, &fork, true).await;
    assert_eq!(blob["services"][&api]["variables"]["PORT"]["value"], "8080");
    assert_eq!(blob["sharedVariables"]["REGION"]["value"], "eu");
    let volume_id = volume.as_str().unwrap();
    // The volume is copied; its size and region are Railway's defaults, which are not shown.
    assert_eq!(blob["volumes"][volume_id], json!({}));
    assert_eq!(
        blob["services"][&api]["volumeMounts"][volume_id]["mountPath"],
        "/data"
    );

    let quiet = environment_create(
        &sandbox,
        &project_id,
        "quiet",
        json!({ "sourceEnvironmentId": production, "skipInitialDeploys": true }),
    )
    .await;
    assert!(deployment_id(&live(&sandbox, &quiet).await[&api]).is_null());
}

#[tokio::test]
async fn r2_sealed_variables_are_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(
        &seed,
        "projects:\n  - name: shop\n    environments:\n      - name: production\n        sharedVariables: { OPEN: a, SECRET: b }\n        sealedSharedVariables: [SECRET]\n",
    )
    .unwrap();
    let sandbox = start(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let found = data(
        &sandbox,
        "{ projects { edges { node { id environments { edges { node { id } } } } } } }",
        json!({}),
    )
    .await;
    let project = &found["projects"]["edges"][0]["node"];
    let project_id = project["id"].as_str().unwrap();
    let production = project["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap();
    let fork = environment_create(
        &sandbox,
        project_id,
        "copy",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let shared = &config(&sandbox, &fork, true).await["sharedVariables"];
    assert_eq!(shared["OPEN"]["value"], "a");
    assert!(shared.get("SECRET").is_none(), "{shared}");
}

#[tokio::test]
async fn r3_stage_initial_changes_leaves_the_copy_staged_and_counted() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "dup",
        json!({ "sourceEnvironmentId": production, "stageInitialChanges": true }),
    )
    .await;
    assert!(
        live(&sandbox, &fork).await.is_empty(),
        "nothing committed yet"
    );
    assert!(
        environment(&sandbox, &fork).await["unmergedChangesCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "STAGED");
    assert_eq!(
        staged["environmentStagedChanges"]["patch"]["services"][&api]["isCreated"],
        true
    );
    data(&sandbox, COMMIT_STAGED, json!({ "environmentId": fork })).await;
    assert!(live(&sandbox, &fork).await.contains_key(&api));
    assert_eq!(
        environment(&sandbox, &fork).await["unmergedChangesCount"],
        0
    );
}

#[tokio::test]
async fn r3_a_background_copy_reads_applying_for_a_moment() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "bg",
        json!({ "sourceEnvironmentId": production, "applyChangesInBackground": true }),
    )
    .await;
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "APPLYING");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let staged = data(&sandbox, STAGED, json!({ "environmentId": fork })).await;
    assert_eq!(staged["environmentStagedChanges"]["status"], "STAGED");
    assert_eq!(staged["environmentStagedChanges"]["patch"], json!({}));
    assert!(live(&sandbox, &fork).await.contains_key(&api));
}

#[tokio::test]
async fn r5_is_created_patches_fill_an_empty_environment() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let empty = environment_create(&sandbox, &project_id, "fresh", json!({})).await;
    // A non-fork created after the service: serviceCreate's fan-out happened before it existed.
    assert!(live(&sandbox, &empty).await.is_empty());
    commit_ok(
        &sandbox,
        &empty,
        json!({ "services": { &api: { "isCreated": true,
            "source": { "image": "nginx:2" }, "deploy": { "startCommand": "./run" },
            "variables": { "PORT": { "value": "80" } } } } }),
    )
    .await;
    let instance = &live(&sandbox, &empty).await[&api];
    assert_eq!(instance["startCommand"], "./run");
    assert!(
        !deployment_id(instance).is_null(),
        "one deploy per created service"
    );
    assert!(environment(&sandbox, &empty).await["sourceEnvironment"].is_null());
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
}

#[tokio::test]
async fn r6_service_create_with_a_non_fork_environment_id_reaches_every_non_fork() {
    let sandbox = sandbox().await;
    let (project_id, production) = create_project(&sandbox, "shop").await;
    let staging = environment_create(&sandbox, &project_id, "staging", json!({})).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let api = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "api", "environmentId": staging,
            "source": { "image": "nginx:1" } }),
    )
    .await;
    assert!(live(&sandbox, &production).await.contains_key(&api));
    assert!(!deployment_id(&live(&sandbox, &staging).await[&api]).is_null());
    assert!(
        !live(&sandbox, &fork).await.contains_key(&api),
        "forks get nothing"
    );

    let worker = service(
        &sandbox,
        json!({ "projectId": project_id, "name": "worker", "environmentId": fork }),
    )
    .await;
    assert!(live(&sandbox, &fork).await.contains_key(&worker));
    assert!(!live(&sandbox, &production).await.contains_key(&worker));
    assert!(!live(&sandbox, &staging).await.contains_key(&worker));
}

#[tokio::test]
async fn r7_service_instance_update_with_a_non_fork_id_updates_every_non_fork() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    let answer = instance_update(
        &sandbox,
        &api,
        Some(&staging),
        json!({ "startCommand": "./a" }),
    )
    .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(
        live(&sandbox, &production).await[&api]["startCommand"],
        "./a"
    );
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./a");
    assert!(live(&sandbox, &fork).await[&api]["startCommand"].is_null());

    instance_update(
        &sandbox,
        &api,
        Some(&fork),
        json!({ "startCommand": "./f" }),
    )
    .await;
    assert_eq!(live(&sandbox, &fork).await[&api]["startCommand"], "./f");
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./a");

    instance_update(&sandbox, &api, None, json!({ "startCommand": "./all" })).await;
    for environment_id in [&production, &staging, &fork] {
        assert_eq!(
            live(&sandbox, environment_id).await[&api]["startCommand"],
            "./all"
        );
    }
}

#[tokio::test]
async fn r7_the_per_environment_switch_updates_only_the_named_environment() {
    let sandbox = start(SandboxConfig {
        instance_update_scope: InstanceUpdateScope::RequestedEnvironment,
        ..SandboxConfig::default()
    })
    .await;
    let (_, production, staging, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        Some(&staging),
        json!({ "startCommand": "./s" }),
    )
    .await;
    assert_eq!(live(&sandbox, &staging).await[&api]["startCommand"], "./s");
    assert!(live(&sandbox, &production).await[&api]["startCommand"].is_null());
}

#[tokio::test]
async fn r8_service_delete_is_scoped_to_a_fork_all_non_forks_or_the_whole_service() {
    let sandbox = sandbox().await;
    let (project_id, production, staging, api) = two_non_forks(&sandbox).await;
    let fork = environment_create(
        &sandbox,
        &project_id,
        "fork",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    data(
        &sandbox,
        SERVICE_DELETE,
        json!({ "id": api, "environmentId": fork }),
    )
    .await;
    assert!(!live(&sandbox, &fork).await.contains_key(&api));
    assert!(live(&sandbox, &production).await.contains_key(&api));

    let web = service(&sandbox, json!({ "projectId": project_id, "name": "web" })).await;
    let fork2 = environment_create(
        &sandbox,
        &project_id,
        "fork2",
        json!({ "sourceEnvironmentId": production }),
    )
    .await;
    data(
        &sandbox,
        SERVICE_DELETE,
        json!({ "id": web, "environmentId": staging }),
    )
    .await;
    assert!(!live(&sandbox, &production).await.contains_key(&web));
    assert!(!live(&sandbox, &staging).await.contains_key(&web));
    assert!(
        live(&sandbox, &fork2).await.contains_key(&web),
        "forks keep theirs"
    );

    data(&sandbox, SERVICE_DELETE, json!({ "id": web })).await;
    assert!(!live(&sandbox, &fork2).await.contains_key(&web));
}

#[tokio::test]
async fn r9_is_created_and_is_deleted_touch_one_environment_only() {
    let sandbox = sandbox().await;
    let (_, production, staging, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isDeleted": true } } }),
    )
    .await;
    assert!(!live(&sandbox, &staging).await.contains_key(&api));
    assert!(live(&sandbox, &production).await.contains_key(&api));
    commit_ok(
        &sandbox,
        &staging,
        json!({ "services": { &api: { "isCreated": true } } }),
    )
    .await;
    assert!(live(&sandbox, &staging).await.contains_key(&api));
}

#[tokio::test]
async fn r10_null_clears_and_absent_keeps_in_service_instance_update() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        None,
        json!({ "startCommand": "./run", "healthcheckPath": "/health" }),
    )
    .await;
    instance_update(&sandbox, &api, None, json!({ "startCommand": null })).await;
    let instance = &live(&sandbox, &production).await[&api];
    assert!(instance["startCommand"].is_null());
    assert_eq!(instance["healthcheckPath"], "/health");
}
